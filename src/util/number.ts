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
  if (body.startsWith('0x')) {
    if (!/^0x[0-9a-f]*(\.[0-9a-f]*)?(p[+-]?\d+)?$/.test(body) || body === '0x' || body === '0x.') return null;
    return sign * parseHexFloat(body.slice(2));
  }
  if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(body)) return null;
  const v = Number(body);
  if (Number.isNaN(v)) return null;
  return sign * v;
}

function parseHexFloat(h: string): number {
  let exp = 0;
  const p = h.indexOf('p');
  if (p >= 0) {
    exp = parseInt(h.slice(p + 1), 10);
    h = h.slice(0, p);
  }
  const dot = h.indexOf('.');
  let mant = h;
  if (dot >= 0) {
    mant = h.slice(0, dot) + h.slice(dot + 1);
    exp -= 4 * (h.length - dot - 1);
  }
  return parseInt(mant || '0', 16) * Math.pow(2, exp);
}

/** printf("%.17g") as glibc prints it, with Redis's spelling of infinities. */
export function formatDouble17g(d: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  return formatG(d, 17);
}

/** printf("%.<precision>g") for a finite non-zero double. */
export function formatG(d: number, precision: number): string {
  const e = d.toExponential(precision - 1);
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
