/**
 * sanitize-dump-payload: RESTORE of payloads whose CRC is right but whose contents are not (a
 * listpack hash or sorted set holding a field twice, a set holding a member twice). With `yes`
 * (and `clients`, for a normal client) Redis's deep check refuses them as Cinder does; with `no`
 * Redis stores the corrupt hash / sorted set and Cinder, which decodes every entry to build its
 * own structures and cannot hold a field twice, refuses it (a known deviation).
 */
import { crc64 } from '../../src/util/crc64.js';
import { open } from '../../src/embedded/index.js';
import { deviates, deviationSuite, diffSuite } from '../helpers/differential.js';

/**
 * DUMP of the value `build` makes, with the 1-byte string `from` (its last one, after its length
 * byte `lenByte`: 0x81 in a listpack, 0x01 as an RDB string) renamed `to`, the CRC fixed.
 */
function duplicatedPayload(build: string[], from: string, to: string, lenByte = 0x81): string {
  const db = open();
  try {
    db.callSync(...(build as [string, ...string[]]));
    const dump = db.callSync('DUMP', build[1]) as Buffer | string;
    const p = Buffer.from(typeof dump === 'string' ? Buffer.from(dump, 'latin1') : dump);
    const at = p.lastIndexOf(Buffer.from([lenByte, from.charCodeAt(0)]));
    if (at < 0) throw new Error('element not found in the payload');
    p[at + 1] = to.charCodeAt(0);
    p.writeBigUInt64LE(crc64(p.subarray(0, p.length - 8)), p.length - 8);
    return p.latin1Slice();
  } finally {
    db.close();
  }
}

const HASH = duplicatedPayload(['HSET', 'src', 'a', '1', 'b', '2'], 'b', 'a');
// More than 8 fields: the loader checks them through a set rather than pairwise.
const HASH_BIG = duplicatedPayload(['HSET', 'src', ...'abcdefghij'.split('').flatMap((f, i) => [f, String(i)])], 'j', 'a');
const ZSET = duplicatedPayload(['ZADD', 'src', '1', 'a', '2', 'b'], 'b', 'a');
const SET = duplicatedPayload(['SADD', 'src', 'x', 'y'], 'y', 'x', 0x01);
const BAD = '-ERR Bad data format\r\n';

for (const mode of ['yes', 'clients']) {
  diffSuite(`sanitize-dump-payload ${mode}: duplicated elements are refused`, (t) => {
    t.case('hash, sorted set, set', [
      ['CONFIG', 'SET', 'sanitize-dump-payload', mode],
      ['RESTORE', 'h', '0', HASH],
      ['RESTORE', 'hb', '0', HASH_BIG],
      ['RESTORE', 'z', '0', ZSET],
      ['RESTORE', 's', '0', SET],
      ['EXISTS', 'h', 'hb', 'z', 's'],
      ['CONFIG', 'GET', 'sanitize-dump-payload'],
      ['CONFIG', 'SET', 'sanitize-dump-payload', 'no'],
    ]);
  });
}

deviationSuite('sanitize-dump-payload no: known deviations', (t) => {
  t.deviation('a listpack holding a field twice', 'Cinder always checks every entry, as `yes` does: the corrupt value is refused, not stored', [
    ['CONFIG', 'SET', 'sanitize-dump-payload', 'no'],
    { argv: ['RESTORE', 'h', '0', HASH], compare: deviates('+OK\r\n', BAD) },
    { argv: ['RESTORE', 'z', '0', ZSET], compare: deviates('+OK\r\n', BAD) },
    // A hashtable set with a member twice: refused by both, whatever the setting.
    ['RESTORE', 's', '0', SET],
    { argv: ['HGETALL', 'h'], compare: deviates('*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n', '*0\r\n') },
  ], { resp: [2] });
});
