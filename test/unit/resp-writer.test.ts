import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RespWriter } from '../../src/protocol/resp-writer.js';

/** Runs `fn` on a fresh writer in the given protocol and returns the bytes as a latin1 string. */
function enc(resp: 2 | 3, fn: (w: RespWriter) => void): string {
  const w = new RespWriter();
  w.resp = resp;
  fn(w);
  return w.buf.latin1Slice(0, w.pos);
}

/** [name, writer call, RESP2 bytes, RESP3 bytes] */
const CASES: Array<[string, (w: RespWriter) => void, string, string]> = [
  ['ok', (w) => w.ok(), '+OK\r\n', '+OK\r\n'],
  ['simple', (w) => w.simple('PONG'), '+PONG\r\n', '+PONG\r\n'],
  ['simple empty', (w) => w.simple(''), '+\r\n', '+\r\n'],
  ['error', (w) => w.error('ERR syntax error'), '-ERR syntax error\r\n', '-ERR syntax error\r\n'],
  ['int 0', (w) => w.int(0), ':0\r\n', ':0\r\n'],
  ['int 9', (w) => w.int(9), ':9\r\n', ':9\r\n'],
  ['int 10', (w) => w.int(10), ':10\r\n', ':10\r\n'],
  ['int negative', (w) => w.int(-1), ':-1\r\n', ':-1\r\n'],
  ['int max safe', (w) => w.int(Number.MAX_SAFE_INTEGER), ':9007199254740991\r\n', ':9007199254740991\r\n'],
  ['int bigint max', (w) => w.int(9223372036854775807n), ':9223372036854775807\r\n', ':9223372036854775807\r\n'],
  ['int bigint min', (w) => w.int(-9223372036854775808n), ':-9223372036854775808\r\n', ':-9223372036854775808\r\n'],
  ['bulk string', (w) => w.bulk('hello'), '$5\r\nhello\r\n', '$5\r\nhello\r\n'],
  ['bulk empty', (w) => w.bulk(''), '$0\r\n\r\n', '$0\r\n\r\n'],
  ['bulk binary latin1', (w) => w.bulk('\x00\r\n\xff'), '$4\r\n\x00\r\n\xff\r\n', '$4\r\n\x00\r\n\xff\r\n'],
  ['bulk number', (w) => w.bulk(-42), '$3\r\n-42\r\n', '$3\r\n-42\r\n'],
  ['bulk bigint', (w) => w.bulk(12345678901234567890n), '$20\r\n12345678901234567890\r\n', '$20\r\n12345678901234567890\r\n'],
  ['bulk Buffer', (w) => w.bulk(Buffer.from([0, 1, 0xfe])), '$3\r\n\x00\x01\xfe\r\n', '$3\r\n\x00\x01\xfe\r\n'],
  ['bulk byte buffer', (w) => w.bulk({ bytes: Buffer.from('abcdef'), start: 0, len: 3 }), '$3\r\nabc\r\n', '$3\r\nabc\r\n'],
  ['bulk byte buffer at an offset', (w) => w.bulk({ bytes: Buffer.from('abcdef'), start: 2, len: 3 }), '$3\r\ncde\r\n', '$3\r\ncde\r\n'],
  ['bulk byte buffer empty', (w) => w.bulk({ bytes: Buffer.alloc(8), start: 0, len: 0 }), '$0\r\n\r\n', '$0\r\n\r\n'],
  ['nullBulk', (w) => w.nullBulk(), '$-1\r\n', '_\r\n'],
  ['nullArray', (w) => w.nullArray(), '*-1\r\n', '_\r\n'],
  ['arrayLen', (w) => w.arrayLen(3), '*3\r\n', '*3\r\n'],
  ['arrayLen 0', (w) => w.arrayLen(0), '*0\r\n', '*0\r\n'],
  ['arrayLen 12', (w) => w.arrayLen(12), '*12\r\n', '*12\r\n'],
  ['mapLen', (w) => w.mapLen(2), '*4\r\n', '%2\r\n'],
  ['mapLen 0', (w) => w.mapLen(0), '*0\r\n', '%0\r\n'],
  ['mapLen 5 (10 elements in RESP2)', (w) => w.mapLen(5), '*10\r\n', '%5\r\n'],
  ['setLen', (w) => w.setLen(4), '*4\r\n', '~4\r\n'],
  ['pushLen', (w) => w.pushLen(3), '*3\r\n', '>3\r\n'],
  ['double', (w) => w.double(1.5), '$3\r\n1.5\r\n', ',1.5\r\n'],
  ['double integral', (w) => w.double(3), '$1\r\n3\r\n', ',3\r\n'],
  ['double 0.1 (%.17g)', (w) => w.double(0.1), '$19\r\n0.10000000000000001\r\n', ',0.10000000000000001\r\n'],
  ['double negative zero', (w) => w.double(-0), '$2\r\n-0\r\n', ',-0\r\n'],
  ['double exponent', (w) => w.double(1e21), '$5\r\n1e+21\r\n', ',1e+21\r\n'],
  ['double 1e300 (%.17g)', (w) => w.double(1e300), '$23\r\n1.0000000000000001e+300\r\n', ',1.0000000000000001e+300\r\n'],
  ['double negative exponent', (w) => w.double(2 ** -20), '$19\r\n9.5367431640625e-07\r\n', ',9.5367431640625e-07\r\n'],
  ['double inf', (w) => w.double(Infinity), '$3\r\ninf\r\n', ',inf\r\n'],
  ['double -inf', (w) => w.double(-Infinity), '$4\r\n-inf\r\n', ',-inf\r\n'],
  ['bool true', (w) => w.bool(true), ':1\r\n', '#t\r\n'],
  ['bool false', (w) => w.bool(false), ':0\r\n', '#f\r\n'],
  ['verbatim', (w) => w.verbatim('a\r\nb'), '$4\r\na\r\nb\r\n', '=8\r\ntxt:a\r\nb\r\n'],
  ['verbatim markdown', (w) => w.verbatim('# x', 'mkd'), '$3\r\n# x\r\n', '=7\r\nmkd:# x\r\n'],
  ['verbatim empty', (w) => w.verbatim(''), '$0\r\n\r\n', '=4\r\ntxt:\r\n'],
  ['bigNumber', (w) => w.bigNumber('-123456789012345678901234567890'), '$31\r\n-123456789012345678901234567890\r\n', '(-123456789012345678901234567890\r\n'],
];

describe('RespWriter encodings', () => {
  for (const [name, fn, resp2, resp3] of CASES) {
    it(`${name} [RESP2]`, () => assert.equal(enc(2, fn), resp2));
    it(`${name} [RESP3]`, () => assert.equal(enc(3, fn), resp3));
  }

  it('a nested reply is the concatenation of its parts', () => {
    const bytes = enc(3, (w) => {
      w.mapLen(2);
      w.bulk('a');
      w.arrayLen(2);
      w.int(1);
      w.nullBulk();
      w.simple('b');
      w.setLen(1);
      w.double(2.5);
    });
    assert.equal(bytes, '%2\r\n$1\r\na\r\n*2\r\n:1\r\n_\r\n+b\r\n~1\r\n,2.5\r\n');
  });

  it('raw appends bytes unchanged', () => {
    assert.equal(enc(2, (w) => w.raw('+X\r\n:1\r\n')), '+X\r\n:1\r\n');
  });
});

describe('RespWriter buffer management', () => {
  it('grows for a bulk larger than the buffer and keeps earlier bytes', () => {
    const w = new RespWriter();
    const initial = w.buf.length;
    w.simple('first');
    const big = 'q'.repeat(initial * 5 + 3);
    w.bulk(big);
    w.int(7);
    assert.ok(w.buf.length >= w.pos);
    assert.equal(w.buf.latin1Slice(0, w.pos), `+first\r\n$${big.length}\r\n${big}\r\n:7\r\n`);
  });

  it('grows across many small replies without losing bytes', () => {
    const w = new RespWriter();
    let expected = '';
    for (let i = 0; i < 20000; i++) {
      w.bulk(`v${i}`);
      w.int(i);
      expected += `$${String(i).length + 1}\r\nv${i}\r\n:${i}\r\n`;
    }
    assert.equal(w.length, expected.length);
    assert.equal(w.buf.latin1Slice(0, w.pos), expected);
  });

  it('grows for large Buffers, headers and error lines', () => {
    const w = new RespWriter();
    const bytes = Buffer.alloc(100_000, 7);
    w.bulk(bytes);
    w.error('ERR ' + 'e'.repeat(40_000));
    w.verbatim('v'.repeat(70_000));
    const out = w.buf.subarray(0, w.pos);
    assert.equal(out.subarray(0, 10).latin1Slice(), '$100000\r\n\x07');
    const bulkBytes = '$100000\r\n'.length + 100_000 + 2;
    const errorBytes = 1 + 4 + 40_000 + 2;
    const verbatimBytes = '$70000\r\n'.length + 70_000 + 2; // RESP2: a plain bulk string
    assert.equal(w.pos, bulkBytes + errorBytes + verbatimBytes);
    assert.equal(out.subarray(bulkBytes, bulkBytes + 6).latin1Slice(), '-ERR e');
  });

  it('flush hands the pending bytes over once and reuses the buffer when released', () => {
    const w = new RespWriter();
    const buf = w.buf;
    w.simple('PONG');
    const seen: string[] = [];
    w.flush((chunk) => {
      seen.push(chunk.latin1Slice());
      return true;
    });
    assert.deepEqual(seen, ['+PONG\r\n']);
    assert.equal(w.length, 0);
    assert.equal(w.buf, buf, 'buffer reused');
    w.flush(() => assert.fail('nothing to flush'));
    w.int(1);
    w.flush((chunk) => {
      seen.push(chunk.latin1Slice());
      return true;
    });
    assert.deepEqual(seen, ['+PONG\r\n', ':1\r\n']);
  });

  it('flush allocates a new buffer when the consumer still holds the chunk', () => {
    const w = new RespWriter();
    w.simple('held');
    let held: Buffer | null = null;
    w.flush((chunk) => {
      held = chunk;
      return false;
    });
    w.simple('next');
    assert.equal(held!.latin1Slice(), '+held\r\n', 'the handed-over bytes are not overwritten');
    assert.equal(w.buf.latin1Slice(0, w.pos), '+next\r\n');
  });

  it('flush drops a buffer grown past 1 MB even when released', () => {
    const w = new RespWriter();
    w.bulk('x'.repeat(2 * 1024 * 1024));
    const grown = w.buf;
    w.flush(() => true);
    assert.notEqual(w.buf, grown);
    assert.ok(w.buf.length <= 64 * 1024);
  });

  it('discard and truncate drop unflushed bytes', () => {
    const w = new RespWriter();
    w.simple('a');
    const mark = w.pos;
    w.simple('b');
    w.truncate(mark);
    assert.equal(w.buf.latin1Slice(0, w.pos), '+a\r\n');
    w.discard();
    assert.equal(w.length, 0);
    w.flush(() => assert.fail('nothing to flush'));
  });
});
