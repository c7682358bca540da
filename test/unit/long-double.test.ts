import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addLongDouble,
  formatLongDoubleHuman,
  incrByFloat,
  longDoubleFromInteger,
  parseLongDouble,
} from '../../src/util/long-double.js';

/** What Redis answers for SET k a; INCRBYFLOAT k b, as the result text or an error class. */
function redisIncr(a: string, b: string): string {
  const r = incrByFloat(a, b);
  if (r.ok) return r.value;
  return r.error === 'naninf' ? 'NANINF' : 'INVALID';
}

/**
 * [value, increment, expected]: expected outputs produced by a C program using glibc's strtold,
 * x87 long double addition and printf("%.17Lf") with Redis's string2ld/ld2string rules.
 */
const VECTORS: Array<[string, string, string]> = [
  ["10.5","0.1","10.6"],
  ["3.0e3","5.0e3","8000"],
  ["5.0e3","2.0e2","5200"],
  ["0","0.1","0.1"],
  ["0.1","0.2","0.3"],
  ["1","-1","0"],
  ["-0","-0","0"],
  ["0","-0","0"],
  ["1e-17","0","0.00000000000000001"],
  ["5e-18","0","0"],
  ["-5e-18","0","0"],
  ["1.5e-17","0","0.00000000000000002"],
  ["2.5e-17","0","0.00000000000000002"],
  ["0","0x1p-18","0.00000381469726562"],
  ["0","0x3p-18","0.00001144409179688"],
  ["0","0x1p-19","0.00000190734863281"],
  ["0","0x5p-20","0.00000476837158203"],
  ["0x10","0x1.8p1","19"],
  ["0","0x.8","0.5"],
  ["0","0X1P-2","0.25"],
  ["0","0x1p","INVALID"],
  ["0","0x","INVALID"],
  ["0","0x.","INVALID"],
  ["0","0xp1","INVALID"],
  ["9223372036854775807","1","9223372036854775808"],
  ["-9223372036854775808","-1","-9223372036854775809"],
  ["18446744073709551615","1","18446744073709551616"],
  ["18446744073709551616","1","18446744073709551616"],
  ["36893488147419103232","1","36893488147419103232"],
  ["1.18973149535723176502e4932","1e4916","NANINF"],
  ["-1.18973149535723176502e4932","-1e4916","NANINF"],
  ["1e4933","0","INVALID"],
  ["0","1e-4940","0"],
  ["1.5","1e-4940","1.5"],
  ["0","1e-4951","INVALID"],
  ["0","3.6e-4951","0"],
  ["0","1.8e-4951","INVALID"],
  ["0","1.9e-4951","0"],
  ["0","1e-5000","INVALID"],
  ["0","0e-5000","0"],
  ["0","0e99999999999","0"],
  ["0","1e99999999999","INVALID"],
  ["0","0x1p-16445","0"],
  ["0","0x1p-16446","INVALID"],
  ["0","0x3p-16447","0"],
  ["0x1p-16445","-0x1p-16445","0"],
  ["0x1p-16382","-0x1p-16445","0"],
  ["inf","1","NANINF"],
  ["-inf","1","NANINF"],
  ["inf","-inf","NANINF"],
  ["Infinity","0","NANINF"],
  ["INF","0","NANINF"],
  ["infinity","-1","NANINF"],
  ["nan","1","INVALID"],
  ["NaN","1","INVALID"],
  ["nan(1)","0","INVALID"],
  ["1","infx","INVALID"],
  ["1","in","INVALID"],
  ["","","INVALID"],
  ["0","","INVALID"],
  ["0"," 1","INVALID"],
  ["0","1 ","INVALID"],
  ["0","\t1","INVALID"],
  ["0","1e","INVALID"],
  ["0","1e+","INVALID"],
  ["0","1e-","INVALID"],
  ["0",".","INVALID"],
  ["0","-.","INVALID"],
  ["0",".e1","INVALID"],
  ["0","1.2.3","INVALID"],
  ["0","--1","INVALID"],
  ["0","+-1","INVALID"],
  ["0","1_0","INVALID"],
  ["0","+.5e-3","0.0005"],
  ["0",".5","0.5"],
  ["0","5.","5"],
  ["0","+5","5"],
  ["0","00012","12"],
  ["0","-0.0e0","0"],
  ["123456789012345678901234567890","0","123456789012345678899921813504"],
  ["0.1234567890123456789","0","0.12345678901234568"],
  ["99999999999999999999.99999","0.00001","100000000000000000000"],
  ["1","1e-20","1"],
  ["1","-1e-20","1"],
  ["-1","1e-20","-1"],
  ["0.3","-0.1","0.2"],
  ["1e19","1","10000000000000000001"],
  ["1e20","1","100000000000000000000"],
  ["12345678.12345678","87654321.87654321","99999999.99999998999555828"],
  ["3.14159265358979323846","2.71828182845904523536","5.85987448204883847"],
  ["-2.5","2.5","0"],
  ["1e-16","-1e-16","0"],
  ["7","0.000000000000000005","7.00000000000000001"],
  ["0.000000000000000015","0","0.00000000000000002"],
  ["0.000000000000000025","0","0.00000000000000002"],
  ["0.000000000000000035","0","0.00000000000000004"],
];

describe('long double emulation (INCRBYFLOAT arithmetic)', () => {
  it('matches glibc/x87 on reference vectors', () => {
    for (const [a, b, expected] of VECTORS) {
      assert.equal(redisIncr(a, b), expected, `${JSON.stringify(a)} + ${JSON.stringify(b)}`);
    }
  });

  it('handles results with thousands of digits', () => {
    const r1 = redisIncr('1e4000', '1e4000');
    assert.equal(r1.length, 4001);
    assert.ok(r1.startsWith('19999999999999999999930927746199247569864985167013'));
    assert.ok(r1.endsWith('13296552699802681344'));
    const r2 = redisIncr('1e4932', '0');
    assert.equal(r2.length, 4933);
    assert.ok(r2.startsWith('10000000000000000000060189493879638913238377742545'));
    assert.ok(r2.endsWith('38418113791886622720'));
    const r3 = redisIncr('-1.18973149535723176502e4932', '0');
    assert.equal(r3.length, 4934);
    assert.ok(r3.startsWith('-1189731495357231765021263853030970205169063322294'));
    assert.ok(r3.endsWith('19552086811989770240'));
  });

  it('refuses strings of MAX_LONG_DOUBLE_CHARS (5120) or more', () => {
    assert.equal(redisIncr('0'.repeat(5118) + '1', '0'), '1');
    assert.equal(redisIncr('0'.repeat(5119) + '1', '0'), 'INVALID');
    assert.equal(redisIncr('1', '1.' + '0'.repeat(5000) + '1'), '2');
  });

  it('reports which operand is invalid, value first', () => {
    assert.deepEqual(incrByFloat('abc', 'def'), { ok: false, error: 'value' });
    assert.deepEqual(incrByFloat('1', 'def'), { ok: false, error: 'increment' });
    assert.deepEqual(incrByFloat(null, '1.5'), { ok: true, value: '1.5' });
    assert.deepEqual(incrByFloat(7, '0.5'), { ok: true, value: '7.5' });
    assert.deepEqual(incrByFloat(9223372036854775807n, '1'), { ok: true, value: '9223372036854775808' });
    assert.deepEqual(incrByFloat('inf', '-inf'), { ok: false, error: 'naninf' });
  });

  it('adds 64-bit integers exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), (a, b) => {
        assert.equal(redisIncr(a.toString(), b.toString()), (a + b).toString());
        assert.equal(formatLongDoubleHuman(addLongDouble(longDoubleFromInteger(a), longDoubleFromInteger(b))!), (a + b).toString());
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips short decimals', () => {
    const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: n });
    fc.assert(
      fc.property(fc.constantFrom('', '-'), fc.integer({ min: 0, max: 9 }), digits(15), (sign, int, frac) => {
        const f = frac.replace(/0+$/, '');
        const expected = f.length > 0 ? `${sign}${int}.${f}` : `${sign}${int}`;
        const normalized = expected === '-0' ? '0' : expected;
        assert.equal(redisIncr(`${sign}${int}.${frac}`, '0'), normalized);
      }),
      { numRuns: 300 },
    );
  });

  it('is commutative', () => {
    const num = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.integer().map(String),
      fc.tuple(fc.integer({ min: -999, max: 999 }), fc.integer({ min: -60, max: 60 })).map(([m, e]) => `${m}e${e}`),
    );
    fc.assert(
      fc.property(num, num, (a, b) => {
        assert.equal(redisIncr(a, b), redisIncr(b, a));
      }),
      { numRuns: 300 },
    );
  });

  it('parses special forms like strtold', () => {
    assert.equal(parseLongDouble('inf')?.inf, true);
    assert.equal(parseLongDouble('-Infinity')?.neg, true);
    assert.equal(parseLongDouble('nan'), null);
    assert.equal(parseLongDouble('0x1p-16446'), null);
    assert.deepEqual(parseLongDouble('0x1p-16445'), { neg: false, m: 1n, e: -16445, inf: false });
    assert.deepEqual(parseLongDouble('-0'), { neg: true, m: 0n, e: 0, inf: false });
    assert.equal(formatLongDoubleHuman(parseLongDouble('-0')!), '0');
    assert.equal(formatLongDoubleHuman(parseLongDouble('-inf')!), '-inf');
  });
});
