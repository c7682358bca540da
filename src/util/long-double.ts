/**
 * An exact emulation of the C `long double` arithmetic Redis uses for INCRBYFLOAT and HINCRBYFLOAT on
 * x86-64: the x87 80-bit extended format (64-bit significand with an explicit integer bit, 15-bit
 * exponent, subnormals), glibc's strtold (correct rounding, ties to even), one addition in
 * round-to-nearest-even, and glibc's printf("%.17Lf") (exact decimal expansion, ties to even),
 * followed by Redis's trimming of trailing zeros (ld2string in LD_STR_HUMAN mode).
 *
 * Values are kept as sign * m * 2^e with m a bigint below 2^64. Arithmetic is done on exact BigInt
 * integers and rounded once, so the results match the hardware bit for bit.
 */

import { parseInteger } from './number.js';

/** A finite extended-precision value sign * m * 2^e, or an infinity. */
export interface LongDouble {
  readonly neg: boolean;
  /** Significand, 0 <= m < 2^64 (0 for zero; unused for infinities). */
  readonly m: bigint;
  /** Binary exponent of the least significant bit of m. */
  readonly e: number;
  readonly inf: boolean;
}

/** Exponent of the smallest subnormal: 2^-16445. */
const E_MIN = -16445;
/** Largest exponent a 64-bit significand can have: (2^64-1) * 2^16320 is LDBL_MAX. */
const E_MAX = 16320;
const SIG_BITS = 64;
/** Redis's MAX_LONG_DOUBLE_CHARS: string2ld refuses strings this long or longer. */
export const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

const ZERO: LongDouble = { neg: false, m: 0n, e: 0, inf: false };
const NEG_ZERO: LongDouble = { neg: true, m: 0n, e: 0, inf: false };
const POS_INF: LongDouble = { neg: false, m: 0n, e: 0, inf: true };
const NEG_INF: LongDouble = { neg: true, m: 0n, e: 0, inf: true };

function zero(neg: boolean): LongDouble {
  return neg ? NEG_ZERO : ZERO;
}

const F64 = new Float64Array(1);
/** Index of the 32-bit word holding a double's sign and exponent (endianness of this machine). */
const HI_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const F64_WORDS = new Uint32Array(F64.buffer);

/** Number of bits of n > 0. */
function bitLength(n: bigint): number {
  const d = Number(n);
  if (d < 4294967296) return 32 - Math.clz32(d);
  if (d < 1e300) {
    F64[0] = d;
    const e = ((F64_WORDS[HI_WORD] >>> 20) & 0x7ff) - 1023;
    // Number(n) may have rounded up to 2^e from just below it.
    return n >> BigInt(e) === 0n ? e : e + 1;
  }
  const hex = n.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16)));
}

const POW10_CACHE: bigint[] = [];

/** 10^k as a bigint, cached for the exponents ordinary inputs use. */
function pow10(k: number): bigint {
  if (k < 400) {
    let p = POW10_CACHE[k];
    if (p === undefined) p = POW10_CACHE[k] = 10n ** BigInt(k);
    return p;
  }
  return 10n ** BigInt(k);
}

/**
 * Rounds the positive exact value n * 2^e (plus, when `sticky`, a positive amount smaller than
 * 2^e) to the nearest representable value, ties to even. Callers that pass `sticky` guarantee n
 * has at least 66 bits, so the sticky part lies below the rounding bit.
 */
function roundToLongDouble(neg: boolean, n: bigint, e: number, sticky: boolean): LongDouble {
  if (n === 0n) return zero(neg);
  const bl = bitLength(n);
  let shift = bl - SIG_BITS;
  if (e + shift < E_MIN) shift = E_MIN - e;
  let m: bigint;
  if (shift > 0) {
    const big = BigInt(shift);
    m = n >> big;
    const rem = n - (m << big);
    const half = 1n << (big - 1n);
    if (rem > half || (rem === half && (sticky || (m & 1n) === 1n))) {
      m += 1n;
      if (m >> 64n !== 0n) {
        m >>= 1n;
        shift++;
      }
    }
  } else {
    m = n << BigInt(-shift);
  }
  const exp = e + shift;
  if (m === 0n) return zero(neg);
  if (exp > E_MAX) return neg ? NEG_INF : POS_INF;
  return { neg, m, e: exp, inf: false };
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** Reads a signed decimal exponent at `i`; returns [value (saturated), end] or null when no digits. */
function readExponent(s: string, i: number): [number, number] | null {
  let neg = false;
  const c = s.charCodeAt(i);
  if (c === 43 || c === 45) {
    neg = c === 45;
    i++;
  }
  if (!isDigit(s.charCodeAt(i))) return null;
  let v = 0;
  while (isDigit(s.charCodeAt(i))) {
    // Saturate: anything past a million overflows or underflows every value anyway.
    if (v < 1e9) v = v * 10 + (s.charCodeAt(i) - 48);
    i++;
  }
  return [neg ? -v : v, i];
}

function matchesWord(s: string, i: number, word: string): boolean {
  if (s.length - i < word.length) return false;
  for (let k = 0; k < word.length; k++) {
    if ((s.charCodeAt(i + k) | 32) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * Redis's string2ld: strtold over the whole string (no leading space, nothing left over, no NaN,
 * no overflow to infinity, no underflow to zero, shorter than MAX_LONG_DOUBLE_CHARS). Returns the
 * value, or null when Redis would answer "value is not a valid float". "inf"/"infinity" parse to
 * infinities, as strtold does. Hex floats ("0x1.8p3") are accepted.
 */
export function parseLongDouble(s: string): LongDouble | null {
  const len = s.length;
  if (len === 0 || len >= MAX_LONG_DOUBLE_CHARS) return null;
  if (isSpace(s.charCodeAt(0))) return null;
  let i = 0;
  let neg = false;
  let c = s.charCodeAt(0);
  if (c === 43 || c === 45) {
    neg = c === 45;
    i = 1;
  }
  c = s.charCodeAt(i);
  if ((c | 32) === 105 /* i */) {
    if (matchesWord(s, i, 'infinity') && i + 8 === len) return neg ? NEG_INF : POS_INF;
    if (matchesWord(s, i, 'inf') && i + 3 === len) return neg ? NEG_INF : POS_INF;
    return null;
  }
  if (c === 48 && (s.charCodeAt(i + 1) | 32) === 120 /* x */) {
    const hex = parseHexBody(s, i + 2, neg);
    if (hex !== null) return hex;
    // "0x" without hex digits: strtold reads just the "0" and stops at the x.
    return null;
  }
  return parseDecimalBody(s, i, neg);
}

function parseDecimalBody(s: string, i: number, neg: boolean): LongDouble | null {
  const len = s.length;
  const intStart = i;
  while (i < len && isDigit(s.charCodeAt(i))) i++;
  const intDigits = s.slice(intStart, i);
  let frac = '';
  if (i < len && s.charCodeAt(i) === 46 /* . */) {
    const fracStart = ++i;
    while (i < len && isDigit(s.charCodeAt(i))) i++;
    frac = s.slice(fracStart, i);
  }
  // No digit at all ("", ".", "-."): strtold converts nothing.
  if (intDigits.length === 0 && frac.length === 0) return null;
  let exp10 = 0;
  if (i < len && (s.charCodeAt(i) | 32) === 101 /* e */) {
    const r = readExponent(s, i + 1);
    // "1e" or "1e+": strtold stops before the 'e', leaving characters over.
    if (r === null) return null;
    exp10 = r[0];
    i = r[1];
  }
  if (i !== len) return null;
  const digits = intDigits + frac;
  // Strip leading zeros; trailing zeros move into the exponent.
  let a = 0;
  while (a < digits.length && digits.charCodeAt(a) === 48) a++;
  let b = digits.length;
  while (b > a && digits.charCodeAt(b - 1) === 48) b--;
  if (a === b) return zero(neg);
  exp10 += digits.length - b - frac.length;
  const nd = b - a;
  // The magnitude lies in [10^(nd-1+exp10), 10^(nd+exp10)); LDBL_MAX is ~1.19e4932 and the
  // smallest subnormal ~3.65e-4951: far outside, strtold overflows or underflows (ERANGE).
  if (nd + exp10 > 4934 || nd + exp10 < -4952) return null;
  const d = BigInt(digits.slice(a, b));
  let r: LongDouble;
  if (exp10 >= 0) {
    r = roundToLongDouble(neg, d * pow10(exp10), 0, false);
  } else {
    // Scale the quotient to at least 67 bits so the sticky remainder lies below the rounding bit.
    const den = pow10(-exp10);
    const k = Math.max(0, 67 + bitLength(den) - bitLength(d));
    const num = d << BigInt(k);
    const q = num / den;
    r = roundToLongDouble(neg, q, -k, q * den !== num);
  }
  if (r.inf || r.m === 0n) return null;
  return r;
}

function parseHexBody(s: string, i: number, neg: boolean): LongDouble | null {
  const len = s.length;
  let mant = 0n;
  let any = false;
  let fracDigits = 0;
  let chunk = 0;
  let chunkLen = 0;
  const flush = (): void => {
    if (chunkLen > 0) {
      mant = (mant << BigInt(4 * chunkLen)) | BigInt(chunk);
      chunk = 0;
      chunkLen = 0;
    }
  };
  while (i < len && hexValue(s.charCodeAt(i)) >= 0) {
    chunk = chunk * 16 + hexValue(s.charCodeAt(i));
    if (++chunkLen === 6) flush();
    any = true;
    i++;
  }
  if (i < len && s.charCodeAt(i) === 46) {
    i++;
    while (i < len && hexValue(s.charCodeAt(i)) >= 0) {
      chunk = chunk * 16 + hexValue(s.charCodeAt(i));
      if (++chunkLen === 6) flush();
      fracDigits++;
      any = true;
      i++;
    }
  }
  flush();
  if (!any) return null;
  let exp2 = 0;
  if (i < len && (s.charCodeAt(i) | 32) === 112 /* p */) {
    const r = readExponent(s, i + 1);
    if (r === null) return null;
    exp2 = r[0];
    i = r[1];
  }
  if (i !== len) return null;
  if (mant === 0n) return zero(neg);
  const e = exp2 - 4 * fracDigits;
  if (e + bitLength(mant) > E_MAX + 70) return null;
  if (e + bitLength(mant) < E_MIN - 70) return null;
  const r = roundToLongDouble(neg, mant, e, false);
  if (r.inf || r.m === 0n) return null;
  return r;
}

/** A 64-bit integer as a long double (exact: the significand has 64 bits). */
export function longDoubleFromInteger(n: number | bigint): LongDouble {
  if (n === 0 || n === 0n) return ZERO;
  const big = BigInt(n);
  const neg = big < 0n;
  return roundToLongDouble(neg, neg ? -big : big, 0, false);
}

export function isFiniteLongDouble(v: LongDouble): boolean {
  return !v.inf;
}

/**
 * a + b rounded to nearest, ties to even. Returns null when the sum is NaN (inf + -inf); an
 * overflowing sum is an infinity.
 */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.inf || b.inf) {
    if (a.inf && b.inf && a.neg !== b.neg) return null;
    return a.inf ? a : b;
  }
  if (a.m === 0n) {
    if (b.m === 0n) return zero(a.neg && b.neg);
    return b;
  }
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const ma = a.m << BigInt(a.e - e);
  const mb = b.m << BigInt(b.e - e);
  const sa = a.neg ? -ma : ma;
  const sb = b.neg ? -mb : mb;
  const sum = sa + sb;
  if (sum === 0n) return ZERO;
  const neg = sum < 0n;
  return roundToLongDouble(neg, neg ? -sum : sum, e, false);
}

const TEN_17 = 10n ** 17n;

/**
 * Redis's ld2string(LD_STR_HUMAN): printf("%.17Lf") with trailing zeros (and a trailing dot)
 * removed, "-0" turned into "0", infinities as "inf"/"-inf".
 */
export function formatLongDoubleHuman(v: LongDouble): string {
  if (v.inf) return v.neg ? '-inf' : 'inf';
  if (v.m === 0n) return '0';
  let out: string;
  if (v.e >= 0) {
    out = (v.m << BigInt(v.e)).toString();
  } else {
    const shift = BigInt(-v.e);
    const scaled = v.m * TEN_17;
    let q = scaled >> shift;
    const rem = scaled - (q << shift);
    const half = 1n << (shift - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    const intPart = q / TEN_17;
    let frac = (q - intPart * TEN_17).toString();
    if (frac !== '0') {
      frac = frac.padStart(17, '0');
      let end = frac.length;
      while (frac.charCodeAt(end - 1) === 48) end--;
      out = intPart.toString() + '.' + frac.slice(0, end);
    } else {
      out = intPart.toString();
    }
  }
  if (out === '0') return '0';
  return v.neg ? '-' + out : out;
}

/** Outcome of an INCRBYFLOAT-style step. */
export type IncrFloatResult =
  | { ok: true; value: string }
  | { ok: false; error: 'value' | 'increment' | 'naninf' };

/**
 * INCRBYFLOAT's arithmetic: current (a string value, a 64-bit integer, or null for a missing key)
 * plus the increment text, formatted as Redis stores it. The current value is parsed first, as
 * Redis does. Errors: 'value' / 'increment' (not a valid float), 'naninf' (NaN or infinite sum).
 */
export function incrByFloat(current: string | number | bigint | null, increment: string): IncrFloatResult {
  // Fast path: two safe integers whose sum is safe add exactly, and print as plain integers.
  const fastA = current === null ? 0 : typeof current === 'string' ? parseInteger(current) : current;
  if (typeof fastA === 'number') {
    const fastB = parseInteger(increment);
    if (typeof fastB === 'number') {
      const sum = fastA + fastB;
      if (Number.isSafeInteger(sum)) return { ok: true, value: String(sum) };
    }
  }
  let a: LongDouble | null;
  if (current === null) a = ZERO;
  else if (typeof current === 'string') a = parseLongDouble(current);
  else a = longDoubleFromInteger(current);
  if (a === null) return { ok: false, error: 'value' };
  const b = parseLongDouble(increment);
  if (b === null) return { ok: false, error: 'increment' };
  const sum = addLongDouble(a, b);
  if (sum === null || sum.inf) return { ok: false, error: 'naninf' };
  return { ok: true, value: formatLongDoubleHuman(sum) };
}
