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
  // Fast path: plain decimals ("-12.5", "3", ".5", "1."), which Number() reads exactly as strtod
  // does; anything else (exponents, signs, inf, hex, spaces) takes the general path below.
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if ((ch >= 48 && ch <= 57) || ch === 46 || (ch === 45 && i === 0)) continue;
    plain = false;
    break;
  }
  if (plain) {
    const v = Number(s);
    // NaN: "-", ".", "1.2.3"; infinite: too many digits; zero from non-zero digits: underflow
    // (strtod's ERANGE cases, rejected).
    if (!Number.isFinite(v)) return null;
    if (v === 0 && /[1-9]/.test(s)) return null;
    return v;
  }
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

/**
 * printf("%.<digits>f") as glibc prints a double: the exact value rounded half to even at the
 * last digit (Number#toFixed rounds ties away from zero, so ties, which only dyadic values with
 * exactly digits+1 fractional digits can be, are rounded here), "-0.000..." for negative zero
 * and values rounding to it, "inf"/"-inf"/"nan"/"-nan" as glibc spells them.
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s: string;
  if (a >= 1e21) {
    // An integer: toFixed would switch to exponent notation.
    s = BigInt(a).toString() + (digits > 0 ? '.' + '0'.repeat(digits) : '');
  } else {
    s = a.toFixed(digits);
    // A tie has exactly digits+1 fractional digits, so a * 2^(digits+1) is an integer.
    if (Number.isInteger(a * Math.pow(2, digits + 1))) {
      const longer = a.toFixed(digits + 1);
      if (longer.endsWith('5') && Number(longer) === a) s = roundHalfEven(longer);
    }
  }
  return neg ? '-' + s : s;
}

/** A decimal string whose last digit is a 5 tie, rounded to one digit less, half to even. */
function roundHalfEven(t: string): string {
  const cut = t.slice(0, -1);
  const body = cut.endsWith('.') ? cut.slice(0, -1) : cut;
  const last = body.charCodeAt(body.length - 1) - 48;
  if (last % 2 === 0) return body;
  // Round the last kept digit up, carrying leftwards.
  const chars = body.split('');
  let i = chars.length - 1;
  for (;;) {
    if (i < 0) {
      chars.unshift('1');
      break;
    }
    if (chars[i] === '.') {
      i--;
      continue;
    }
    if (chars[i] === '9') {
      chars[i] = '0';
      i--;
      continue;
    }
    chars[i] = String.fromCharCode(chars[i].charCodeAt(0) + 1);
    break;
  }
  return chars.join('');
}

/**
 * ld2string(LD_STR_HUMAN) of a double (Redis's addReplyHumanLongDouble): "%.17Lf" of its exact
 * value, trailing zeros and a trailing dot removed, "-0" written "0".
 */
export function formatHumanDouble(x: number): string {
  let s = formatFixed(x, 17);
  if (s.indexOf('.') >= 0) {
    let end = s.length;
    while (s.charCodeAt(end - 1) === 48) end--;
    if (s.charCodeAt(end - 1) === 46) end--;
    s = s.slice(0, end);
  }
  return s === '-0' ? '0' : s;
}

/**
 * fixedpoint_d2string(d, digits) of Redis 7.0.6+ (GEODIST and WITHDIST distances): llrint of
 * d * 10^digits (ties to even, after the product's own rounding), written with `digits`
 * fractional digits. llrint's out-of-range result (NaN, |x| >= 2^63) is LLONG_MIN, as on x86-64.
 */
export function formatFixedPoint(d: number, digits: number): string {
  if (d === 0) return '0.' + '0'.repeat(digits);
  const scaled = d * Math.pow(10, digits);
  if (digits === 4 && scaled >= 0 && scaled < 9007199254740992) {
    // The common case (distances): no padding or BigInt.
    let r = Math.round(scaled);
    if (r - scaled === 0.5 && r % 2 !== 0) r -= 1;
    const whole = Math.floor(r / 10000);
    const frac = r - whole * 10000;
    return whole + (frac >= 1000 ? '.' : frac >= 100 ? '.0' : frac >= 10 ? '.00' : '.000') + frac;
  }
  let neg: boolean;
  let digitsStr: string;
  if (!(Math.abs(scaled) < 9223372036854775808)) {
    neg = true;
    digitsStr = '9223372036854775808';
  } else {
    let r = Math.round(scaled);
    // Math.round rounds halves up; rint rounds them to even.
    if (r - scaled === 0.5 && r % 2 !== 0) r -= 1;
    neg = r < 0;
    const abs = Math.abs(r);
    digitsStr = abs < 9007199254740992 ? String(abs) : BigInt(abs).toString();
  }
  if (digitsStr.length <= digits) digitsStr = '0'.repeat(digits - digitsStr.length + 1) + digitsStr;
  const cut = digitsStr.length - digits;
  return (neg ? '-' : '') + digitsStr.slice(0, cut) + '.' + digitsStr.slice(cut);
}
