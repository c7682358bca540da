import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GlobMatcher, stringMatch } from '../../src/util/glob.js';
import { RawConnection, encodeCommand, redisServerAvailable, startRealRedis, type RealRedis } from '../helpers/differential.js';

/** [pattern, subject, expected]: each verified against redis-server 7.0.15's KEYS. */
const CASES: Array<[string, string, boolean]> = [
  // literals and stars
  ['', '', true],
  ['', 'a', false],
  ['abc', 'abc', true],
  ['abc', 'abd', false],
  ['*', 'anything', true],
  ['*', '', false], // stars alone need a byte (KEYS/SCAN special-case "*")
  ['**', '', false],
  ['?*', '', false],
  ['foo*', 'foo', true],
  ['foo*', 'fo', false],
  ['foo*', 'foobar', true],
  ['*bar', 'bar', true],
  ['*bar', 'xbar', true],
  ['*bar', 'barx', false],
  ['*o*', 'foo', true],
  ['a*b*c', 'aXbYc', true],
  ['a*b*c', 'aXbY', false],
  ['a**', 'a', true],
  ['?', 'a', true],
  ['?', '', false],
  ['?', 'ab', false],
  ['a?c', 'abc', true],
  // escapes
  ['\\a', 'a', true],
  ['\\*', '*', true],
  ['\\*', 'a', false],
  ['a\\', 'a', false],
  ['a\\', 'a\\', true],
  ['*\\', '\\', true],
  ['\\', '\\', true],
  // classes
  ['[abc]', 'b', true],
  ['[abc]', 'd', false],
  ['[^abc]', 'd', true],
  ['[^abc]', 'a', false],
  ['[a-c]', 'b', true],
  ['[c-a]', 'b', true], // reversed ends are swapped
  ['[a-c]', 'd', false],
  ['[a-]', ']', true], // "a-]" is a range a..']' and the class is unterminated
  ['[a-]', '^', true],
  ['[a-]', 'a', true],
  ['[a-]', '-', false],
  ['[]]', ']', false], // "[]" is an empty class, then a literal "]"
  ['[]a]', 'a', false],
  ['[\\]]', ']', true],
  ['[\\-]', '-', true],
  ['[-a]', '-', true],
  ['[-a]', 'a', true],
  ['[\\\\]', '\\', true],
  ['[\\', '\\', true], // unterminated: the trailing backslash is a member
  ['[a', 'a', true],
  ['[a-c', 'b', true],
  ['[a-c', 'c', true],
  ['[a-c', 'd', false],
  ['[', 'a', false],
  ['[', '[', false],
  ['[^', 'x', true], // unterminated negated class: the "^" is re-read, matches anything else
  ['[^', '^', true],
  ['[]', ']', false],
  ['[]-a]', '-', false],
  // bytes >= 0x80 compare as signed chars in ranges
  ['[\x01-\xff]', '\xff', true],
  ['[\x01-\xff]', 'a', false],
  ['[\x01-\xff]', '\x80', false],
  ['[a-\xff]', 'A', true],
  ['[a-\xff]', 'b', false],
  ['[a-\xff]', '\xff', true],
  ['[\x80-\xff]', '\x80', true],
  ['[\x80-\xff]', '\xff', true],
  ['[\x80-\xff]', 'a', false],
  // binary
  ['k\x00*', 'k\x00z', true],
  ['k\x00', 'k', false],
];

describe('glob: stringmatchlen rules', () => {
  for (const [pattern, subject, expected] of CASES) {
    test(`${JSON.stringify(pattern)} vs ${JSON.stringify(subject)} → ${expected}`, () => {
      assert.equal(stringMatch(pattern, subject), expected);
      // The prepared matcher is reusable and gives the same answer twice.
      const m = new GlobMatcher(pattern);
      assert.equal(m.matches(subject), expected);
      assert.equal(m.matches(subject), expected);
    });
  }
});

test('glob: case-insensitive mode folds ASCII letters only', () => {
  assert.equal(stringMatch('FOO', 'foo', true), true);
  assert.equal(stringMatch('foo', 'FOO', false), false);
  assert.equal(stringMatch('f*O', 'FOO', true), true);
  assert.equal(stringMatch('[A-C]x', 'bX', true), true);
  assert.equal(stringMatch('[^A-C]', 'b', true), false);
  assert.equal(stringMatch('\xc0', '\xe0', true), false);
  // Escaped class members compare exactly even in nocase mode (as Redis does).
  assert.equal(stringMatch('[\\A]', 'a', true), false);
  assert.equal(stringMatch('[A]', 'a', true), true);
});

test('glob: nesting limit of 1000 stars, as Redis', () => {
  const a = (n: number) => 'a'.repeat(n);
  assert.equal(stringMatch('*a'.repeat(1000), a(1000)), true);
  assert.equal(stringMatch('*a'.repeat(1001), a(1001)), false);
  assert.equal(stringMatch('a*'.repeat(1001), a(1001)), true); // the last star returns before recursing
  assert.equal(stringMatch('a*'.repeat(1002), a(1002)), false);
});

test('glob: abusive patterns do bounded work', () => {
  // Work is counted, not timed: every star tries the rest of the pattern through a recursive call
  // of the matcher's private `match`, so its call count is the matcher's work. Without Redis's
  // give-up rule these patterns take exponentially many calls; with it, at most one per star and
  // string position. The counting wrapper stops a runaway at the bound instead of hanging.
  const proto = GlobMatcher.prototype as unknown as { match: (...args: unknown[]) => boolean };
  const original = proto.match;
  let calls = 0;
  let limit = 0;
  proto.match = function (this: unknown, ...args: unknown[]): boolean {
    if (++calls > limit) throw new Error(`more than ${limit} matcher calls`);
    return original.apply(this, args);
  };
  try {
    const subject = 'a'.repeat(5000);
    const cases: Array<[string, boolean]> = [
      ['a*'.repeat(40) + 'b', false],
      ['*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', false],
      ['*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*[b]', false],
      ['*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a', true],
    ];
    for (const [pattern, expected] of cases) {
      const stars = pattern.split('*').length - 1;
      calls = 0;
      limit = (stars + 1) * (subject.length + 1);
      assert.equal(stringMatch(pattern, subject), expected, pattern);
      assert.ok(calls >= 1 && calls <= limit, `${pattern}: ${calls} calls`);
    }
  } finally {
    proto.match = original;
  }
});

test('glob: fast paths agree with the general matcher', () => {
  // A pattern with a class forces the general path; compare it with the equivalent fast-path shape.
  const unit = fc.constantFrom('a', 'b', 'c', '\x00', '\xff');
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 4 }), fc.string({ unit, maxLength: 6 }), fc.nat(3), (prefix, s, stars) => {
      const fast = prefix + '*'.repeat(stars);
      // "[x]" for every literal byte is the same pattern for the general matcher.
      const general = [...prefix].map((ch) => `[${ch === ']' || ch === '\\' ? '\\' + ch : ch}]`).join('') + '*'.repeat(stars);
      assert.equal(stringMatch(fast, s), stringMatch(general, s), `${JSON.stringify(fast)} vs ${JSON.stringify(s)}`);
    }),
    { numRuns: 2000 },
  );
});

// ---------------------------------------------------------------- against a real redis-server

/** Decodes a RESP2 array of bulk strings (a KEYS reply). */
function decodeBulkArray(buf: Buffer): string[] {
  const text = buf.latin1Slice();
  assert.equal(text[0], '*', `expected an array reply, got ${JSON.stringify(text.slice(0, 200))}`);
  let pos = text.indexOf('\r\n');
  const n = Number(text.slice(1, pos));
  pos += 2;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const cr = text.indexOf('\r\n', pos);
    const len = Number(text.slice(pos + 1, cr));
    out.push(text.slice(cr + 2, cr + 2 + len));
    pos = cr + 2 + len + 2;
  }
  return out;
}

describe('glob: property test against redis-server KEYS', { skip: redisServerAvailable ? false : 'redis-server not installed' }, () => {
  let redis: RealRedis;
  let conn: RawConnection;
  before(async () => {
    redis = await startRealRedis();
    conn = await RawConnection.connect(redis.port);
  });
  after(async () => {
    conn?.close();
    await redis?.stop();
  });

  test('random patterns over random keys match KEYS exactly', async () => {
    const keyUnit = fc.constantFrom('a', 'b', 'c', '-', ']', '[', '^', '\\', '*', '?', '\x00', '\x80', '\xff', 'A');
    const patUnit = fc.constantFrom('a', 'b', 'c', '-', ']', '[', '^', '\\', '*', '?', '\x00', '\x80', '\xff', 'A', '*', '[', '\\');
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ unit: keyUnit, maxLength: 6 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.string({ unit: patUnit, maxLength: 9 }), { minLength: 1, maxLength: 25 }),
        async (keys, patterns) => {
          assert.equal((await conn.command(['FLUSHALL'])).latin1Slice(), '+OK\r\n');
          const mset = ['MSET'];
          for (const k of keys) mset.push(k, '1');
          assert.equal((await conn.command(mset)).latin1Slice(), '+OK\r\n');
          // Pipeline every KEYS, then read the replies in order.
          conn.write(Buffer.concat(patterns.map((p) => encodeCommand(['KEYS', p]))));
          const replies: Buffer[] = [];
          for (let i = 0; i < patterns.length; i++) replies.push(await conn.readReply());
          for (let i = 0; i < patterns.length; i++) {
            const p = patterns[i];
            const real = decodeBulkArray(replies[i]).sort();
            const m = new GlobMatcher(p);
            const ours = keys.filter((k) => p === '*' || m.matches(k)).sort();
            assert.deepEqual(ours, real, `pattern ${JSON.stringify(p)} over ${JSON.stringify(keys)}`);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  test('nesting limit and pathological patterns agree with KEYS', async () => {
    await conn.command(['FLUSHALL']);
    const keys = ['a'.repeat(999), 'a'.repeat(1000), 'a'.repeat(1001), 'a'.repeat(1002), 'a'.repeat(60) + 'b'];
    const mset = ['MSET'];
    for (const k of keys) mset.push(k, '1');
    await conn.command(mset);
    const patterns = ['*a'.repeat(1000), '*a'.repeat(1001), 'a*'.repeat(1001), 'a*'.repeat(1002), '*a*a*a*a*a*a*a*a*a*b', 'a*'.repeat(30) + 'b'];
    for (const p of patterns) {
      const real = decodeBulkArray(await conn.command(['KEYS', p])).sort();
      const m = new GlobMatcher(p);
      assert.deepEqual(keys.filter((k) => m.matches(k)).sort(), real, `pattern of length ${p.length}`);
    }
  });
});
