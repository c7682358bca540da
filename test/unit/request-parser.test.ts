import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RequestParser, splitInlineArgs, PROTO_INLINE_MAX_SIZE } from '../../src/protocol/request-parser.js';

const K = 1024;

interface Parsed {
  cmds: string[][];
  error: string | null;
  buffered: number;
}

/** Feeds each chunk and drains every complete command after each one, as the TCP layer does. */
function parse(chunks: Array<string | Buffer>, parser = new RequestParser()): Parsed {
  const cmds: string[][] = [];
  for (const ch of chunks) {
    parser.feed(typeof ch === 'string' ? Buffer.from(ch, 'latin1') : ch);
    let argv: string[] | null;
    while ((argv = parser.next()) !== null) cmds.push(argv);
    if (parser.error !== null) break;
  }
  return { cmds, error: parser.error, buffered: parser.buffered };
}

const one = (s: string | Buffer) => parse([s]);

/** Splits a string into chunks of `size` bytes. */
function chunked(s: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

function mbulk(...argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
}

describe('request parser: multibulk', () => {
  it('parses one command and a pipeline', () => {
    assert.deepEqual(one(mbulk('PING')).cmds, [['PING']]);
    assert.deepEqual(one(mbulk('SET', 'k', 'v') + mbulk('GET', 'k')).cmds, [['SET', 'k', 'v'], ['GET', 'k']]);
  });

  it('accepts empty arguments', () => {
    assert.deepEqual(one('*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n').cmds, [['SET', '', '']]);
  });

  it('resumes at every byte boundary', () => {
    const input = mbulk('SET', 'key', 'a value') + mbulk('ECHO', '') + mbulk('GET', 'key');
    for (let size = 1; size <= 7; size++) {
      const r = parse(chunked(input, size));
      assert.equal(r.error, null);
      assert.deepEqual(r.cmds, [['SET', 'key', 'a value'], ['ECHO', ''], ['GET', 'key']], `chunk size ${size}`);
      assert.equal(r.buffered, 0);
    }
  });

  it('ignores *0 and negative counts and keeps parsing', () => {
    assert.deepEqual(one('*0\r\n*-1\r\n*-5\r\n' + mbulk('PING')).cmds, [['PING']]);
    assert.deepEqual(one('*-9223372036854775808\r\n' + mbulk('PING')).cmds, [['PING']]);
  });

  it('keeps binary bytes, CR/LF and NUL inside arguments', () => {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const input = Buffer.concat([Buffer.from('*2\r\n$3\r\nSET\r\n$256\r\n'), all, Buffer.from('\r\n')]);
    const r = one(input);
    assert.equal(r.error, null);
    assert.equal(r.cmds.length, 1);
    assert.deepEqual(Buffer.from(r.cmds[0][1], 'latin1'), all);
    assert.deepEqual(one('*1\r\n$4\r\n\r\n\0\n\r\n').cmds, [['\r\n\0\n']]);
  });

  it('does not check the bytes after a bulk or after the CR of a length line (as Redis)', () => {
    assert.deepEqual(one('*1\r\n$4\r\nPINGxx' + mbulk('ECHO', 'a')).cmds, [['PING'], ['ECHO', 'a']]);
    assert.deepEqual(one('*1\rX$4\rYPINGzz').cmds, [['PING']]);
  });

  it('waits for the byte after the CR of a length line', () => {
    const p = new RequestParser();
    assert.deepEqual(parse(['*1\r'], p).cmds, []);
    assert.deepEqual(parse(['\n$4\r'], p).cmds, []);
    assert.deepEqual(parse(['\nPING\r\n'], p).cmds, [['PING']]);
  });

  it('accepts a bulk of exactly proto-max-bulk-len and refuses one byte more', () => {
    const p = new RequestParser();
    p.maxBulkLen = 10;
    assert.equal(parse(['*1\r\n$10\r\n0123456789\r\n'], p).cmds[0][0], '0123456789');
    assert.equal(parse(['*1\r\n$11\r\n'], p).error, 'invalid bulk length');
    assert.equal(one('*1\r\n$536870912\r\n').error, null);
    assert.equal(one('*1\r\n$536870913\r\n').error, 'invalid bulk length');
  });
});

describe('request parser: big arguments', () => {
  it('assembles a big argument across many chunks and parses what follows it', () => {
    const big = 'x'.repeat(300 * K - 1) + 'Y';
    const input = mbulk('SET', 'k', big) + mbulk('GET', 'k') + 'PING\r\n';
    for (const size of [1000, 4096, 65536, 64 * K + 7]) {
      const p = new RequestParser();
      const r = parse(chunked(input, size), p);
      assert.equal(r.error, null);
      assert.equal(r.cmds.length, 3);
      assert.equal(r.cmds[0][2].length, big.length);
      assert.equal(r.cmds[0][2], big);
      assert.deepEqual(r.cmds.slice(1), [['GET', 'k'], ['PING']]);
      assert.equal(p.buffered, 0);
    }
  });

  it('reports buffered bytes while a big argument is pending', () => {
    const p = new RequestParser();
    const r = parse(['*2\r\n$4\r\nECHO\r\n$100000\r\n', 'a'.repeat(40 * K)], p);
    assert.deepEqual(r.cmds, []);
    assert.equal(p.buffered, 40 * K);
    parse(['a'.repeat(100000 - 40 * K) + '\r\n'], p);
    assert.equal(p.buffered, 0);
  });

  it('keeps bytes fed after a big argument completed even before next() is called', () => {
    const p = new RequestParser();
    p.feed(Buffer.from('*1\r\n$40000\r\n' + 'z'.repeat(39000)));
    assert.equal(p.next(), null);
    p.feed(Buffer.from('z'.repeat(1000) + '\r\n*1\r\n$4\r\nPI'));
    p.feed(Buffer.from('NG\r\nECHO x\r\n'));
    const out: string[][] = [];
    let argv: string[] | null;
    while ((argv = p.next()) !== null) out.push(argv);
    assert.equal(out.length, 3);
    assert.equal(out[0][0], 'z'.repeat(40000));
    assert.deepEqual(out.slice(1), [['PING'], ['ECHO', 'x']]);
  });

  it('a big argument split right after its length line', () => {
    const big = 'b'.repeat(33 * K);
    const r = parse(['*2\r\n$4\r\nECHO\r\n$' + big.length + '\r\n', big, '\r', '\n']);
    assert.deepEqual(r.cmds, [['ECHO', big]]);
  });
});

describe('request parser: buffer accounting', () => {
  it('a big argument is allocated whole: allocated covers it, buffered counts what arrived', () => {
    const p = new RequestParser();
    p.feed(Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n' + 'x'.repeat(100 * K), 'latin1'));
    assert.equal(p.next(), null);
    assert.equal(p.buffered, 100 * K);
    assert.equal(p.allocated, 2_000_002);
    // The arguments already parsed of the request (Redis's argv-mem for it).
    assert.equal(p.partialArgvBytes, 4);
    assert.equal(p.head(8).latin1Slice(), 'xxxxxxxx');
    p.feed(Buffer.from('x'.repeat(2_000_000 - 100 * K) + '\r\n', 'latin1'));
    assert.deepEqual(p.next()?.map((a) => a.length), [3, 1, 2_000_000]);
    assert.equal(p.buffered, 0);
    assert.equal(p.partialArgvBytes, 0);
  });

  it('the reused assembly buffer counts until it is released', () => {
    const p = new RequestParser();
    p.feed(Buffer.from(mbulk('SET', 'k', 'y'.repeat(200 * K)).slice(0, 100 * K), 'latin1'));
    assert.equal(p.next(), null);
    assert.equal(p.allocated, 200 * K + 2);
    // Not while a big argument is being assembled in it.
    p.releaseScratch();
    assert.equal(p.allocated, 200 * K + 2);
    p.feed(Buffer.from(mbulk('SET', 'k', 'y'.repeat(200 * K)).slice(100 * K), 'latin1'));
    assert.equal(p.next()?.length, 3);
    assert.equal(p.allocated, 200 * K + 2);
    p.releaseScratch();
    assert.equal(p.allocated, 0);
  });

  it('head() shows the unconsumed bytes from the first one (a length line read is consumed, as in Redis)', () => {
    const p = new RequestParser();
    p.feed(Buffer.from(mbulk('PING') + '*2\r\n$4\r\nECHO\r\n$3\r\nab', 'latin1'));
    assert.deepEqual(p.next(), ['PING']);
    assert.equal(p.next(), null);
    assert.equal(p.head(64).latin1Slice(), 'ab');
    assert.equal(p.partialArgvBytes, 4);
  });
});

describe('request parser: inline', () => {
  it('splits on blanks and accepts LF or CRLF', () => {
    assert.deepEqual(one('SET  k\tv\r\nGET k\nPING\r\n').cmds, [['SET', 'k', 'v'], ['GET', 'k'], ['PING']]);
  });

  it('skips blank lines', () => {
    assert.deepEqual(one('\r\n\n   \r\n\t\nPING\r\n').cmds, [['PING']]);
  });

  it('waits for the newline, across chunks', () => {
    assert.deepEqual(parse(['EC', 'HO "a ', 'b"', '\r', '\n']).cmds, [['ECHO', 'a b']]);
  });

  it('mixes with multibulk requests in one pipeline', () => {
    assert.deepEqual(one('PING\r\n' + mbulk('ECHO', 'x') + 'ECHO y\n' + mbulk('PING')).cmds, [
      ['PING'],
      ['ECHO', 'x'],
      ['ECHO', 'y'],
      ['PING'],
    ]);
  });

  it('a request starting with $ or + is inline, not RESP', () => {
    assert.deepEqual(one('$4\r\nPING\r\n').cmds, [['$4'], ['PING']]);
    assert.deepEqual(one('+PING\r\n').cmds, [['+PING']]);
  });

  it('keeps high bytes as latin1 characters', () => {
    assert.deepEqual(one(Buffer.from([0x45, 0x43, 0x48, 0x4f, 0x20, 0xe9, 0xff, 0x0a])).cmds, [['ECHO', '\xe9\xff']]);
  });

  it('a NUL byte before the newline leaves the request waiting (strchr semantics)', () => {
    const r = one('PING\0\r\nPING\r\n');
    assert.deepEqual(r.cmds, []);
    assert.equal(r.error, null);
    const big = parse(['PING\0\r\n', 'x'.repeat(PROTO_INLINE_MAX_SIZE)]);
    assert.equal(big.error, 'too big inline request');
  });

  it('refuses an unbalanced quote', () => {
    assert.equal(one('ECHO "abc\r\n').error, 'unbalanced quotes in request');
    assert.equal(one("ECHO 'abc\r\n").error, 'unbalanced quotes in request');
    assert.equal(one('ECHO "a"b\r\n').error, 'unbalanced quotes in request');
  });

  it('runs the requests before an error and nothing after it', () => {
    const r = one('PING\r\nECHO "x\r\nPING\r\n');
    assert.deepEqual(r.cmds, [['PING']]);
    assert.equal(r.error, 'unbalanced quotes in request');
  });
});

describe('splitInlineArgs (sdssplitargs)', () => {
  const cases: Array<[string, string[] | null]> = [
    ['', []],
    ['   ', []],
    ['a b  c', ['a', 'b', 'c']],
    ['\x0b\x0ca', ['a']], // \v and \f are blanks between tokens
    ['a\x0bb', ['a\x0bb']], // but do not end a token
    ['a\tb', ['a', 'b']],
    ['"a b"', ['a b']],
    ['""', ['']],
    ["''", ['']],
    ['"a\\nb\\rc\\td\\be\\af"', ['a\nb\rc\td\be\x07f']],
    ['"\\"\\\\\\q"', ['"\\q']],
    ['"\\x41\\x4a\\xff\\x00"', ['AJ\xff\x00']],
    ['"\\x4g"', ['x4g']], // not two hex digits: \x is just x
    ['"\\x4"', ['x4']],
    ['"\\xAb"', ['\xab']],
    ["'a\\'b'", ["a'b"]],
    ["'a\\nb'", ['a\\nb']], // single quotes: only \' is an escape
    ["'a\"b'", ['a"b']],
    ['"a\'b"', ["a'b"]],
    ['a"b c"', ['ab c']], // a quote may open mid-token
    ["x'y'", ['xy']],
    ['"a"\t"b"', ['a', 'b']],
    ['"a"\x0b', ['a']],
    ['"a"b', null], // closing quote must be followed by a blank or the end
    ["'a'b", null],
    ['"abc', null],
    ["'abc", null],
    ['"ab\\', null],
    ["'a\\'", null],
    ['"a\\"', null],
    ['a\0b c', ['a']], // NUL ends the line for the C original
  ];
  for (const [line, expected] of cases) {
    it(JSON.stringify(line), () => {
      assert.deepEqual(splitInlineArgs(line), expected);
    });
  }
});

describe('request parser: protocol errors', () => {
  const cases: Array<[string, string | Buffer, string]> = [
    ['letters as count', '*x\r\n', 'invalid multibulk length'],
    ['empty count', '*\r\n', 'invalid multibulk length'],
    ['plus sign', '*+1\r\n', 'invalid multibulk length'],
    ['trailing space', '*1 \r\n', 'invalid multibulk length'],
    ['leading zero', '*01\r\n', 'invalid multibulk length'],
    ['minus zero', '*-0\r\n', 'invalid multibulk length'],
    ['lone minus', '*-\r\n', 'invalid multibulk length'],
    ['count above INT_MAX', '*2147483648\r\n', 'invalid multibulk length'],
    ['21 characters', '*' + '1'.repeat(21) + '\r\n', 'invalid multibulk length'],
    ['below LLONG_MIN', '*-9223372036854775809\r\n', 'invalid multibulk length'],
    ['19 nines negative', '*-9999999999999999999\r\n', 'invalid multibulk length'],
    ['bulk letters', '*1\r\n$x\r\n', 'invalid bulk length'],
    ['bulk empty', '*1\r\n$\r\n', 'invalid bulk length'],
    ['bulk negative', '*1\r\n$-1\r\n', 'invalid bulk length'],
    ['bulk leading zero', '*1\r\n$04\r\nPING\r\n', 'invalid bulk length'],
    ['bulk 1 GB', '*2\r\n$3\r\nSET\r\n$1073741824\r\n', 'invalid bulk length'],
    ['bulk above LLONG_MAX', '*1\r\n$9223372036854775808\r\n', 'invalid bulk length'],
    ['not a $', '*1\r\n:4\r\n', "expected '$', got ':'"],
    ['inline where a bulk is due', '*2\r\n$4\r\nECHO\r\nhello\r\n', "expected '$', got 'h'"],
    ['CR where a bulk is due', '*1\r\n\r\n', "expected '$', got ' '"],
    ['LF where a bulk is due', '*1\r\n\n\r\n', "expected '$', got ' '"],
    ['high byte where a bulk is due', Buffer.from('*1\r\n\xff\r\n', 'latin1'), "expected '$', got '\xff'"],
  ];
  for (const [name, input, message] of cases) {
    it(`${name} → ${message}`, () => {
      assert.equal(one(input).error, message);
    });
  }

  it('after an error, next() keeps returning null', () => {
    const p = new RequestParser();
    parse(['*x\r\n'], p);
    p.feed(Buffer.from(mbulk('PING')));
    assert.equal(p.next(), null);
    assert.equal(p.error, 'invalid multibulk length');
  });

  it('too big mbulk count string: more than 64 KB without CR', () => {
    const r = parse(['*', '1'.repeat(PROTO_INLINE_MAX_SIZE - 1)]);
    assert.equal(r.error, null, 'exactly 64 KB buffered still waits');
    assert.equal(parse(['*', '1'.repeat(PROTO_INLINE_MAX_SIZE)]).error, 'too big mbulk count string');
    assert.equal(parse(['*' + '1'.repeat(200 * K) + '\r\n']).error, 'too big mbulk count string');
  });

  it('a long count string that is terminated in time is just invalid', () => {
    assert.equal(parse(['*' + '1'.repeat(70 * K) + '\r\n']).error, 'invalid multibulk length');
  });

  it('too big bulk count string', () => {
    assert.equal(parse(['*1\r\n$', '1'.repeat(PROTO_INLINE_MAX_SIZE)]).error, 'too big bulk count string');
    assert.equal(parse(['*1\r\n$' + '1'.repeat(200 * K) + '\r\n']).error, 'too big bulk count string');
  });

  it('too big inline request', () => {
    assert.equal(parse(['ECHO ', 'a'.repeat(PROTO_INLINE_MAX_SIZE - 5)]).error, null);
    assert.equal(parse(['ECHO ', 'a'.repeat(PROTO_INLINE_MAX_SIZE - 4)]).error, 'too big inline request');
    // A terminated line is refused where Redis's 16 KB reads would have given up: 80 KB.
    assert.deepEqual(parse(['ECHO ' + 'a'.repeat(79 * K) + '\r\n']).cmds, [['ECHO', 'a'.repeat(79 * K)]]);
    assert.equal(parse(['ECHO ' + 'a'.repeat(81 * K) + '\r\n']).error, 'too big inline request');
    assert.equal(parse(['\0' + 'x'.repeat(PROTO_INLINE_MAX_SIZE)]).error, 'too big inline request');
  });

  it('a NUL inside a length line leaves the request waiting (strchr semantics)', () => {
    assert.deepEqual(one('*1\0\r\n$4\r\nPING\r\n'), { cmds: [], error: null, buffered: 15 });
    assert.equal(one('*1\r\n\0\r\n').error, null);
    assert.equal(one('*1\r\n$4\0\r\nPING\r\n').error, null);
    assert.equal(parse(['*1\0\r\n', 'x'.repeat(PROTO_INLINE_MAX_SIZE)]).error, 'too big mbulk count string');
  });
});
