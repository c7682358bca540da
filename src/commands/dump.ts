import { arg, firstKey, withDocs, type CommandSpec } from '../server/command-spec.js';
import { EVENT, keyWritten } from '../server/notify.js';
import { propagating, rewriteCommand } from '../server/propagate.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { isOption } from './args.js';
import { parseInteger } from '../util/number.js';
import { LRU_CLOCK_MAX, lfuTimeInMinutes, lruClock } from '../engine/access.js';
import { listpackLimits } from '../engine/types/hash.js';
import { intsetLimit } from '../engine/types/set.js';
import { createDumpPayload, type RdbSaveOptions } from '../persistence/rdb/writer.js';
import { readDumpPayload, verifyDumpPayload, type RdbLoadLimits } from '../persistence/rdb/reader.js';
import { RdbFormatError } from '../persistence/rdb/encodings.js';

/**
 * DUMP and RESTORE (cluster.c in Redis): a key's value as Redis's RDB object encoding with the RDB
 * version and a CRC64 (src/persistence/rdb), and back.
 */

const BAD_PAYLOAD = 'ERR DUMP payload version or checksum are wrong';
const BAD_DATA = 'ERR Bad data format';
const BUSY_KEY = 'BUSYKEY Target key name already exists.';

/** The settings that shape DUMP's bytes, read from the config at each call. */
export function rdbSaveOptions(c: Client): RdbSaveOptions {
  const cfg = c.server.config;
  return { compression: cfg.get('rdbcompression') === 'yes', listFill: cfg.listMaxListpackSize };
}

/** The encoding limits RESTORE builds values under. */
export function rdbLoadLimits(c: Client): RdbLoadLimits {
  const cfg = c.server.config;
  const hash = listpackLimits(cfg);
  return {
    hashMaxListpackEntries: hash.maxEntries,
    hashMaxListpackValue: hash.maxValue,
    setMaxIntsetEntries: intsetLimit(cfg),
    zsetMaxListpackEntries: cfg.zsetMaxListpackEntries,
    zsetMaxListpackValue: cfg.zsetMaxListpackValue,
    streamNodeMaxBytes: cfg.streamNodeMaxBytes,
    streamNodeMaxEntries: cfg.streamNodeMaxEntries,
  };
}

// DUMP key
function dumpCommand(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) return c.reply.nullBulk();
  c.reply.bulk(createDumpPayload(v, rdbSaveOptions(c)));
}

/** getLongLongFromObjectOrReply. */
function int64OrThrow(s: string): number | bigint {
  const v = parseInteger(s);
  if (v === null) throw new CommandError(Errors.notInteger);
  return v;
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
function restoreCommand(c: Client, argv: string[]): void {
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  // Options first, in Redis's order of checks: options, busy key, TTL, payload.
  for (let j = 4; j < argv.length; j++) {
    const more = argv.length - j - 1;
    if (isOption(argv[j], 'REPLACE')) {
      replace = true;
    } else if (isOption(argv[j], 'ABSTTL')) {
      absttl = true;
    } else if (isOption(argv[j], 'IDLETIME') && more >= 1 && freq === -1) {
      const v = int64OrThrow(argv[++j]);
      if (v < 0) throw new CommandError('ERR Invalid IDLETIME value, must be >= 0');
      idle = Number(v);
    } else if (isOption(argv[j], 'FREQ') && more >= 1 && idle === -1) {
      const v = int64OrThrow(argv[++j]);
      if (v < 0 || v > 255) throw new CommandError('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = Number(v);
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  const db = c.db;
  const key = argv[1];
  if (!replace && db.lookupWrite(key) !== undefined) throw new CommandError(BUSY_KEY);
  let ttl = BigInt(int64OrThrow(argv[2]));
  if (ttl < 0n) throw new CommandError('ERR Invalid TTL value, must be >= 0');
  const payload = Buffer.from(argv[3], 'latin1');
  if (!verifyDumpPayload(payload)) throw new CommandError(BAD_PAYLOAD);
  let value;
  try {
    value = readDumpPayload(payload, rdbLoadLimits(c));
  } catch (e) {
    if (e instanceof RdbFormatError) throw new CommandError(BAD_DATA);
    throw e;
  }
  const deleted = replace && db.delete(key);
  const now = c.server.clock.now;
  if (ttl !== 0n && !absttl) ttl += BigInt(now);
  if (ttl !== 0n && ttl <= BigInt(now)) {
    // Already expired: nothing is created; a replaced key is deleted, and replicas told so.
    if (deleted) {
      // DEL whatever lazyfree-lazy-server-del says (Redis 7.0.15's restoreCommand).
      if (propagating(c)) rewriteCommand(c, ['DEL', key]);
      keyWritten(c, EVENT.generic, 'del', key);
    }
    return c.reply.ok();
  }
  db.set(key, value);
  if (ttl !== 0n) {
    const when = ttl <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ttl) : ttl;
    db.setExpire(key, when);
    // Replicas get the absolute time, whatever their clock says.
    if (!absttl && propagating(c)) {
      const rewritten = argv.slice();
      rewritten[2] = String(ttl);
      rewritten.push('ABSTTL');
      rewriteCommand(c, rewritten);
    }
  }
  // objectSetLRUOrLFU: FREQ counts under an LFU policy, IDLETIME under the others.
  const tracking = c.server.accessTracking;
  if (tracking.lfu && freq >= 0) {
    db.setAccessWord(key, (lfuTimeInMinutes(now) << 8) | freq);
  } else if (!tracking.lfu && idle >= 0) {
    const clock = lruClock(now);
    let word = clock - idle;
    // Too idle for the wrapping clock: the oldest time it can express (half a period ahead).
    if (word < 0) word = (clock + Math.floor(LRU_CLOCK_MAX / 2)) % LRU_CLOCK_MAX;
    db.setAccessWord(key, word);
  }
  keyWritten(c, EVENT.generic, 'restore', key);
  c.reply.ok();
}

// ---------------------------------------------------------------- command table

export const DUMP_COMMANDS: CommandSpec[] = [
  {
    name: 'dump',
    summary: "Serializes a key's value in Redis's RDB format, with the format version and a checksum.",
    since: '2.6.0',
    group: 'generic',
    complexity:
      'O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).',
    arity: 2,
    flags: ['readonly'],
    acl: ['keyspace'],
    tips: ['nondeterministic_output'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0)],
    handler: dumpCommand,
  },
  withDocs(
    {
      name: 'restore',
      summary: 'Creates a key from a value serialized by DUMP.',
      since: '2.6.0',
      group: 'generic',
      complexity:
        'O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).',
      arity: -4,
      flags: ['write', 'denyoom'],
      acl: ['keyspace', 'dangerous'],
      keys: firstKey(['OW', 'UPDATE']),
      handler: restoreCommand,
    },
    {
      history: [
        ['3.0.0', 'Added the `REPLACE` modifier.'],
        ['5.0.0', 'Added the `ABSTTL` modifier.'],
        ['5.0.0', 'Added the `IDLETIME` and `FREQ` options.'],
      ],
      args: [
        arg.key('key', 0),
        arg.integer('ttl'),
        arg.string('serialized-value'),
        arg.token('REPLACE', { optional: true, since: '3.0.0' }),
        arg.token('ABSTTL', { optional: true, since: '5.0.0' }),
        arg.integer('seconds', { token: 'IDLETIME', optional: true, since: '5.0.0' }),
        arg.integer('frequency', { token: 'FREQ', optional: true, since: '5.0.0' }),
      ],
    },
  ),
];
