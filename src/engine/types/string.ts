import { isCanonicalSafeInteger } from '../../util/number.js';
import { ByteString, type StringValue } from '../values.js';

// ---------------------------------------------------------------- type API

/** The compact stored form of a string argument: a number for canonical safe integers. */
export function toStoredString(s: string): StringValue {
  if (s.length <= 16 && isCanonicalSafeInteger(s)) return Number(s);
  return s;
}

/** The bytes of a string value as a latin1 string. */
export function stringOf(v: StringValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return v.toString();
}

/** Length in bytes of a string value. */
export function stringLength(v: StringValue): number {
  if (typeof v === 'string') return v.length;
  if (typeof v === 'number') return String(v).length;
  return v.len;
}

export { ByteString };
