/**
 * Units behind the GEO commands: printf-style formatting (formatFixed against an exact BigInt
 * reference, ties to even; formatHumanDouble; formatFixedPoint's llrint), the two sorts whose
 * tie order replies depend on (libcSort stable, partialQuickSort placing the wanted ranks), and
 * the geohash encoding (a decoded score lies in its point's cell; cells of a search).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatFixed, formatFixedPoint, formatHumanDouble } from '../../src/util/number.js';
import { libcSort, partialQuickSort } from '../../src/util/sort.js';
import { decodeScore, geoDistance, geoScore, standardGeohash } from '../../src/engine/geohash.js';
import { createZSet } from '../../src/engine/types/zset.js';

/** The exact decimal value of a double rounded half to even at `digits` fractional digits. */
function exactFixed(x: number, digits: number): string {
  const neg = x < 0 || Object.is(x, -0);
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const bits = buf.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2: number;
  if (exp === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = exp - 1075;
  }
  // value = mant * 2^e2; scaled = value * 10^digits, rounded half to even.
  let num = mant * 10n ** BigInt(digits);
  let den = 1n;
  if (e2 >= 0) num <<= BigInt(e2);
  else den <<= BigInt(-e2);
  let q = num / den;
  const rem = num - q * den;
  if (rem * 2n > den || (rem * 2n === den && q % 2n === 1n)) q += 1n;
  let s = q.toString().padStart(digits + 1, '0');
  if (digits > 0) s = s.slice(0, s.length - digits) + '.' + s.slice(s.length - digits);
  return (neg ? '-' : '') + s;
}

describe('geo: number formatting', () => {
  it('formatFixed is glibc printf %.Nf (exact value, ties to even)', () => {
    const cases: Array<[number, number]> = [
      [0.0078125, 6], [0.0234375, 6], [2.5, 0], [3.5, 0], [-0.5, 0], [-0, 6], [-1e-9, 6], [1e300, 6], [123.456, 2],
      [0.125, 2], [0.375, 2], [1 / 3, 17], [13.361389338970184, 17], [-180, 6], [9.5367431640625e-7, 17],
    ];
    for (const [x, d] of cases) assert.equal(formatFixed(x, d), exactFixed(x, d), `${x} %.${d}f`);
    fc.assert(
      fc.property(fc.double({ min: -1e25, max: 1e25, noNaN: true }), fc.integer({ min: 0, max: 17 }), (x, d) => formatFixed(x, d) === exactFixed(x, d)),
      { numRuns: 3000, seed: 3 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 30), max: 2 ** 30 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 12 }), (k, e, d) => {
        const x = k / 2 ** e;
        return formatFixed(x, d) === exactFixed(x, d);
      }),
      { numRuns: 3000, seed: 4 },
    );
    assert.equal(formatFixed(Infinity, 6), 'inf');
    assert.equal(formatFixed(-Infinity, 6), '-inf');
  });
  it('formatHumanDouble trims %.17f and writes -0 as 0', () => {
    assert.equal(formatHumanDouble(13.36138933897018433), '13.36138933897018433');
    assert.equal(formatHumanDouble(-180), '-180');
    assert.equal(formatHumanDouble(0.5), '0.5');
    assert.equal(formatHumanDouble(-0), '0');
    assert.equal(formatHumanDouble(-1e-20), '0');
    assert.equal(formatHumanDouble(1e-17), '0.00000000000000001');
  });
  it('formatFixedPoint rounds the scaled value to even (llrint)', () => {
    assert.equal(formatFixedPoint(0, 4), '0.0000');
    assert.equal(formatFixedPoint(-0, 4), '0.0000');
    assert.equal(formatFixedPoint(0.0001, 4), '0.0001');
    assert.equal(formatFixedPoint(0.00005, 4), '0.0000');
    // 0.00015 * 10000 is 1.4999999999999998 in doubles: llrint gives 1 where %.4f would print 0.0002.
    assert.equal(formatFixedPoint(0.00015, 4), '0.0001');
    assert.equal(formatFixedPoint(2.5 / 10000, 4), '0.0002');
    assert.equal(formatFixedPoint(3.5 / 10000, 4), '0.0004');
    assert.equal(formatFixedPoint(166274.1516, 4), '166274.1516');
    assert.equal(formatFixedPoint(1.23456789, 4), '1.2346');
    assert.equal(formatFixedPoint(-1.5, 4), '-1.5000');
    assert.equal(formatFixedPoint(NaN, 4), '-922337203685477.5808');
  });
});

describe('geo: sorts', () => {
  const cmp = (a: { k: number }, b: { k: number }) => (a.k > b.k ? 1 : a.k === b.k ? 0 : -1);
  it('libcSort is a stable sort', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 200 }), (keys) => {
        const items = keys.map((k, i) => ({ k, i }));
        libcSort(items, cmp);
        const expected = keys.map((k, i) => ({ k, i })).sort((a, b) => a.k - b.k || a.i - b.i);
        assert.deepEqual(items, expected);
      }),
      { numRuns: 300, seed: 5 },
    );
  });
  it('partialQuickSort puts the wanted ranks in order and keeps every element', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 300 }), fc.nat(), (keys, r) => {
        const items = keys.map((k, i) => ({ k, i }));
        const last = r % items.length;
        partialQuickSort(items, cmp, 0, last);
        const sortedKeys = [...keys].sort((a, b) => a - b);
        assert.deepEqual(items.slice(0, last + 1).map((p) => p.k), sortedKeys.slice(0, last + 1));
        assert.deepEqual(items.map((p) => p.i).sort((a, b) => a - b), keys.map((_, i) => i));
      }),
      { numRuns: 300, seed: 6 },
    );
  });
});

describe('geo: geohash', () => {
  it('a score decodes to a point near the one encoded', () => {
    const xy = [0, 0];
    fc.assert(
      fc.property(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -85.05112878, max: 85.05112878, noNaN: true }), (lon, lat) => {
        const score = geoScore(lon, lat);
        assert.ok(Number.isInteger(score) && score >= 0);
        decodeScore(score, xy);
        // A step-26 cell is about 0.6 m high and 0.6 m wide at the equator.
        assert.ok(geoDistance(lon, lat, xy[0], xy[1]) < 1, `${lon},${lat} -> ${xy}`);
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
  it('known values', () => {
    assert.equal(geoScore(13.361389, 38.115556), 3479099956230698);
    assert.equal(standardGeohash(13.361389338970184, 38.1155563954963), 'sqc8b49rny0');
  });
});

describe('geo: score range walks', () => {
  it('forEachInScoreRange visits what the rank bounds select, in both encodings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 400 })), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: -5, max: 65 }),
        fc.integer({ min: -5, max: 65 }),
        (pairs, a, b) => {
          const z = createZSet();
          for (const [score, m] of pairs) if (z.score(`m${m}`) === undefined) z.add(`m${m}`, score, 128, 64);
          const seen: Array<[string, number]> = [];
          z.forEachInScoreRange(a, b, (m, s) => seen.push([m, s]));
          const expected: Array<[string, number]> = [];
          const start = z.scoreLowerBound(a, false);
          const end = z.scoreUpperBound(b, true);
          if (end > start) z.forEachInRange(start, end - 1, false, (m, s) => expected.push([m, s]));
          assert.deepEqual(seen, expected, z.encoding());
        },
      ),
      { numRuns: 300, seed: 8 },
    );
  });
});
