/**
 * Number parsing and formatting with Redis's exact rules (string2ll, strtod, %.17g).
 */

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Redis's string2ll: an optional '-', then digits with no leading zero (except "0" itself),
 * no spaces or '+', at most 20 characters, within the signed 64-bit range.
 * Returns a number when the value is a safe integer, a bigint otherwise, or null when invalid.
 */
export function parseInteger(s: string): number | bigint | null {
  const len = s.length;
  if (len === 0 || len > 20) return null;
  let i = 0;
  const first = s.charCodeAt(0);
  if (first === 45 /* - */) {
    if (len === 1) return null;
    i = 1;
  }
  const lead = s.charCodeAt(i);
  if (lead === 48 /* 0 */) return len === 1 ? 0 : null;
  if (lead < 49 || lead > 57) return null;
  if (len - i <= 15) {
    let n = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return null;
      n = n * 10 + c;
    }
    return first === 45 ? -n : n;
  }
  for (let j = i; j < len; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const big = BigInt(s);
  if (big > INT64_MAX || big < INT64_MIN) return null;
  if (big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(big);
  return big;
}

/** Like parseInteger but only accepts values that fit in a JS safe integer (most arguments). */
export function parseSafeInteger(s: string): number | null {
  const v = parseInteger(s);
  return typeof v === 'number' ? v : null;
}

/** True when `s` is the canonical decimal form of a safe integer (so it can be stored as a number). */
export function isCanonicalSafeInteger(s: string): boolean {
  const len = s.length;
  if (len === 0 || len > 16) return false;
  const c = s.charCodeAt(0);
  if (c !== 45 && (c < 48 || c > 57)) return false;
  return typeof parseInteger(s) === 'number';
}

/** Redis's checked 64-bit addition: null on overflow. */
export function addInt64(a: number | bigint, b: number | bigint): number | bigint | null {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  const r = BigInt(a) + BigInt(b);
  if (r > INT64_MAX || r < INT64_MIN) return null;
  if (r >= BigInt(Number.MIN_SAFE_INTEGER) && r <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(r);
  return r;
}

/**
 * Redis's strtod-based float parsing for arguments (getDoubleFromObject): the whole string must be
 * consumed, no leading space, and NaN is rejected. Accepts "inf", "+inf", "-inf", "infinity", hex.
 */
export function parseFloatStrict(s: string): number | null {
  if (s.length === 0) return null;
  const c = s.charCodeAt(0);
  if (c === 32 || (c >= 9 && c <= 13)) return null;
  const lower = s.toLowerCase();
  let sign = 1;
  let body = lower;
  if (body[0] === '+' || body[0] === '-') {
    if (body[0] === '-') sign = -1;
    body = body.slice(1);
  }
  if (body === 'inf' || body === 'infinity') return sign * Infinity;
  let v: number;
  let nonZeroMantissa: boolean;
  if (body.startsWith('0x')) {
    const m = /^0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/.exec(body);
    if (m === null || (m[1] + (m[2] ?? '')).length === 0) return null;
    nonZeroMantissa = /[1-9a-f]/.test(m[1] + (m[2] ?? ''));
    v = hexFloatValue(m[1], m[2] ?? '', m[3] === undefined ? 0 : parseInt(m[3], 10));
  } else {
    if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(body)) return null;
    const e = body.indexOf('e');
    nonZeroMantissa = /[1-9]/.test(e < 0 ? body : body.slice(0, e));
    v = Number(body);
  }
  // strtod's ERANGE cases Redis rejects: overflow to infinity and underflow to zero.
  if (!Number.isFinite(v) || (v === 0 && nonZeroMantissa)) return null;
  return sign * v;
}

/** Exact hex float value (rounded once, to nearest even) from integer and fraction digits. */
function hexFloatValue(intDigits: string, fracDigits: string, exp: number): number {
  const mant = BigInt('0x' + (intDigits + fracDigits || '0'));
  if (mant === 0n) return 0;
  let e2 = exp - 4 * fracDigits.length;
  // Keep 64 significant bits plus a sticky bit so Number() rounds exactly once.
  let m = mant;
  const bits = m.toString(2).length;
  if (bits > 64) {
    const shift = BigInt(bits - 64);
    const sticky = (m & ((1n << shift) - 1n)) !== 0n ? 1n : 0n;
    m = (m >> shift) | sticky;
    e2 += bits - 64;
  }
  return Number(m) * Math.pow(2, e2);
}

/** printf("%.17g") as glibc prints it, with Redis's spelling of infinities. */
export function formatDouble17g(d: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  // Integers below 2^53 have at most 16 digits: %.17g prints them exactly as String() does.
  if (Number.isSafeInteger(d)) return String(d);
  return formatG(d, 17);
}

/** printf("%.<precision>g") for a finite non-zero double. */
export function formatG(d: number, precision: number): string {
  let e = d.toExponential(precision - 1);
  if (precision <= 17) e = roundTiesToEven(d, e, precision);
  const ePos = e.indexOf('e');
  const exp = parseInt(e.slice(ePos + 1), 10);
  const neg = e[0] === '-';
  const digits = e.slice(neg ? 1 : 0, ePos).replace('.', '');
  let out: string;
  if (exp < -4 || exp >= precision) {
    let m = digits[0];
    const frac = digits.slice(1).replace(/0+$/, '');
    if (frac.length > 0) m += '.' + frac;
    const ae = Math.abs(exp);
    out = m + 'e' + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' + ae : String(ae));
  } else if (exp >= 0) {
    const intPart = digits.slice(0, exp + 1);
    const frac = digits.slice(exp + 1).replace(/0+$/, '');
    out = frac.length > 0 ? intPart + '.' + frac : intPart;
  } else {
    const frac = ('0'.repeat(-exp - 1) + digits).replace(/0+$/, '');
    out = '0.' + frac;
  }
  return neg ? '-' + out : out;
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/**
 * toExponential rounds exact decimal ties away from zero; glibc's printf rounds them to even. A tie
 * needs the exact binary value to end in a 5 right after the last printed digit, so only then is the
 * exact decimal expansion computed (with BigInt) and the rounding redone.
 */
function roundTiesToEven(d: number, rounded: string, precision: number): string {
  const longer = Math.abs(d).toExponential(Math.min(precision + 2, 100));
  const longerDigits = longer.slice(0, longer.indexOf('e')).replace('.', '');
  if (longerDigits[precision] !== '5' && longerDigits[precision] !== '4') return rounded;
  // Exact value: mantissa * 2^exp2.
  F64[0] = Math.abs(d);
  const hi = U32[1];
  const lo = U32[0];
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2: number;
  if (biased === 0) exp2 = -1074;
  else {
    mant |= 1n << 52n;
    exp2 = biased - 1075;
  }
  let digits: string;
  let pointPos: number; // digits before the decimal point
  if (exp2 >= 0) {
    digits = (mant << BigInt(exp2)).toString();
    pointPos = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-exp2)).toString();
    pointPos = digits.length + exp2;
  }
  const firstNonZero = digits.search(/[1-9]/);
  digits = digits.slice(firstNonZero);
  pointPos -= firstNonZero;
  if (digits.length <= precision) return rounded;
  const tail = digits.slice(precision);
  if (!/^50*$/.test(tail)) return rounded;
  // An exact tie: round the kept digits half to even.
  let kept = digits.slice(0, precision);
  const last = kept.charCodeAt(precision - 1) - 48;
  let exp10 = pointPos - 1;
  if (last % 2 === 1) {
    const bumped = (BigInt(kept) + 1n).toString();
    if (bumped.length > precision) {
      kept = bumped.slice(0, precision);
      exp10++;
    } else kept = bumped;
  }
  const mantissa = precision > 1 ? kept[0] + '.' + kept.slice(1) : kept;
  return (d < 0 ? '-' : '') + mantissa + 'e' + (exp10 < 0 ? '-' : '+') + Math.abs(exp10);
}
