import { CommandError, Errors } from '../protocol/errors.js';
import { parseFloatStrict, parseInteger, parseSafeInteger } from '../util/number.js';
import type { Value } from '../engine/values.js';
import { typeOf, type RedisType } from '../engine/values.js';

/** Shared argument readers: each returns the parsed value or throws Redis's exact error. */

/** A signed 64-bit integer argument (getLongLongFromObjectOrReply). */
export function int64OrThrow(s: string, message: string = Errors.notInteger): number | bigint {
  const v = parseInteger(s);
  if (v === null) throw new CommandError(message);
  return v;
}

/** An integer argument that must fit in a JS safe integer (counts, indexes, TTLs in range). */
export function intOrThrow(s: string, message: string = Errors.notInteger): number {
  const v = parseInteger(s);
  if (v === null) throw new CommandError(message);
  if (typeof v === 'bigint') return Number(v);
  return v;
}

/** A non-negative integer argument ("value is out of range, must be positive" as Redis words it). */
export function positiveIntOrThrow(s: string, message = 'ERR value is out of range, must be positive'): number {
  const v = parseSafeInteger(s);
  if (v === null) throw new CommandError(Errors.notInteger);
  if (v < 0) throw new CommandError(message);
  return v;
}

/** A float argument (getDoubleFromObjectOrReply). */
export function floatOrThrow(s: string, message: string = Errors.notFloat): number {
  const v = parseFloatStrict(s);
  if (v === null) throw new CommandError(message);
  return v;
}

/** Throws WRONGTYPE unless `v` is absent or of `type`. */
export function checkType(v: Value | undefined, type: RedisType): void {
  if (v !== undefined && typeOf(v) !== type) throw new CommandError(Errors.wrongType);
}

/** Case-insensitive comparison of an argument with an upper-case keyword, without allocating. */
export function isKeyword(arg: string, upper: string): boolean {
  if (arg.length !== upper.length) return false;
  for (let i = 0; i < upper.length; i++) {
    let c = arg.charCodeAt(i);
    if (c >= 97 && c <= 122) c -= 32;
    if (c !== upper.charCodeAt(i)) return false;
  }
  return true;
}
