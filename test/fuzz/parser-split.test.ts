import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RequestParser } from '../../src/protocol/request-parser.js';

/** A latin1 string of arbitrary bytes (binary safe arguments). */
const byteString = (maxLength: number) =>
  fc.uint8Array({ maxLength }).map((a) => Buffer.from(a).latin1Slice());

/** An argument that is sometimes empty, sometimes long enough to take the big-argument path. */
const argument = fc.oneof(
  { weight: 8, arbitrary: byteString(24) },
  { weight: 1, arbitrary: fc.constantFrom('', '\r\n', '*1\r\n$4\r\nPING\r\n', '"quoted"') },
  { weight: 1, arbitrary: fc.integer({ min: 32 * 1024 - 4, max: 40 * 1024 }).map((n) => 'A'.repeat(n - 1) + 'Z') },
);

interface Request {
  argv: string[];
  bytes: string;
}

function encodeMultibulk(argv: string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

function hex2(c: number): string {
  return (c < 16 ? '0' : '') + c.toString(16);
}

/** Encodes one argument for an inline request: bare when safe, else single or double quoted. */
function encodeInlineArg(a: string, style: number, first: boolean): string {
  const bare = /^[!#-&(-[\]-~]+$/.test(a) && !(first && a.startsWith('*'));
  if (bare && style === 0) return a;
  if (style === 1 && !/[\0\r\n]/.test(a)) {
    // Single quotes: only \' is an escape; a backslash before a quote must not be misread.
    if (!a.includes('\\')) return "'" + a.replace(/'/g, "\\'") + "'";
  }
  let out = '"';
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    if (c === 34 || c === 92) out += '\\' + a[i];
    else if (c === 10) out += '\\n';
    else if (c < 32 || c > 126) out += '\\x' + hex2(c);
    else out += a[i];
  }
  return out + '"';
}

const multibulkRequest: fc.Arbitrary<Request> = fc
  .array(argument, { minLength: 1, maxLength: 5 })
  .map((argv) => ({ argv, bytes: encodeMultibulk(argv) }));

const inlineRequest: fc.Arbitrary<Request> = fc
  .record({
    argv: fc.array(byteString(12), { minLength: 1, maxLength: 5 }),
    styles: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 5, maxLength: 5 }),
    sep: fc.constantFrom(' ', '  ', '\t', ' \t '),
    lead: fc.constantFrom('', ' ', '\t'),
    eol: fc.constantFrom('\r\n', '\n'),
  })
  .map(({ argv, styles, sep, lead, eol }) => ({
    argv,
    bytes: lead + argv.map((a, i) => encodeInlineArg(a, styles[i], i === 0)).join(sep) + eol,
  }));

/** Requests that produce nothing: `*0`, `*-1`, blank lines. */
const noop = fc.constantFrom('*0\r\n', '*-1\r\n', '\r\n', '\n', '   \r\n');

const stream = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: multibulkRequest },
    { weight: 3, arbitrary: inlineRequest },
    { weight: 1, arbitrary: noop.map((bytes): Request => ({ argv: [], bytes })) },
  ),
  { maxLength: 12 },
);

/** Cut points as fractions of the input, so the split adapts to any input length. */
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });

function split(input: Buffer, fractions: number[]): Buffer[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * input.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    if (p > prev) out.push(input.subarray(prev, p));
    prev = Math.max(prev, p);
  }
  out.push(input.subarray(prev));
  return out;
}

function run(chunks: Buffer[]): { cmds: string[][]; error: string | null } {
  const p = new RequestParser();
  const cmds: string[][] = [];
  for (const c of chunks) {
    p.feed(c);
    let argv: string[] | null;
    while ((argv = p.next()) !== null) cmds.push(argv);
  }
  return { cmds, error: p.error };
}

describe('request parser: properties', () => {
  it('valid commands split into random chunks parse to the same argv list', () => {
    fc.assert(
      fc.property(stream, cuts, (reqs, fractions) => {
        const input = Buffer.from(reqs.map((r) => r.bytes).join(''), 'latin1');
        const expected = reqs.filter((r) => r.argv.length > 0).map((r) => r.argv);
        const whole = run([input]);
        assert.equal(whole.error, null);
        assert.deepEqual(whole.cmds, expected);
        const pieces = run(split(input, fractions));
        assert.equal(pieces.error, null);
        assert.deepEqual(pieces.cmds, expected);
      }),
      { numRuns: 300 },
    );
  });

  it('one byte at a time gives the same result as one chunk', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(multibulkRequest, inlineRequest), { maxLength: 4 }), (reqs) => {
        const small = reqs.filter((r) => r.bytes.length < 2000);
        const input = Buffer.from(small.map((r) => r.bytes).join(''), 'latin1');
        const bytes: Buffer[] = [];
        for (let i = 0; i < input.length; i++) bytes.push(input.subarray(i, i + 1));
        assert.deepEqual(run(bytes), run([input]));
      }),
      { numRuns: 100 },
    );
  });

  // Below the 64 KB limits, where Redis's own outcome depends on how reads are cut, any byte
  // stream (valid or not) must parse the same however it is split, and never throw.
  const protocolish = fc
    .array(
      fc.oneof(
        fc.constantFrom('*', '$', '\r', '\n', '\r\n', '"', "'", '\\', ' ', '\0', '-', 'x', '\\x4', '0', '1', '2', '3', '9'),
        fc.constantFrom('*1\r\n', '*2\r\n', '$3\r\n', '$0\r\n', 'SET', 'PING', '*0\r\n', '*-1\r\n'),
        fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
      ),
      { maxLength: 60 },
    )
    .map((parts) => Buffer.from(parts.join(''), 'latin1'));

  it('arbitrary bytes: same commands and same error however the input is split', () => {
    fc.assert(
      fc.property(protocolish, cuts, (input, fractions) => {
        assert.deepEqual(run(split(input, fractions)), run([input]));
      }),
      { numRuns: 1000 },
    );
  });
});
