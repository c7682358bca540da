import { CommandError, Errors } from '../protocol/errors.js';
import { parseFloatStrict, parseInteger, parseSafeInteger } from '../util/number.js';
import type { Value } from '../engine/values.js';
import { typeOf, type RedisType } from '../engine/values.js';
import type { Client } from '../server/client.js';
import { GlobMatcher } from '../util/glob.js';

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

/**
 * checkAlreadyExpired: an expire time already past removes the key at once, except on a replica,
 * which stores it with that time and waits for its master's DEL.
 */
export function alreadyExpired(c: Client, when: number | bigint): boolean {
  return when <= c.server.clock.now && c.server.replication.masterHost === null;
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

/**
 * strcasecmp(arg, keyword) as Redis calls it on an sds: the comparison stops at a NUL byte, so
 * "count\0junk" reads as "count". `upper` is the keyword in upper case.
 */
export function isOption(arg: string, upper: string): boolean {
  const n = upper.length;
  if (arg.length !== n && !(arg.length > n && arg.charCodeAt(n) === 0)) return false;
  for (let i = 0; i < n; i++) {
    let ch = arg.charCodeAt(i);
    if (ch >= 97 && ch <= 122) ch -= 32;
    if (ch !== upper.charCodeAt(i)) return false;
  }
  return true;
}

const UINT64_MAX = 18446744073709551615n;

/** strtoul-style cursor text (as parseScanCursorOrReply reads it) → cursor, or throws "invalid cursor". */
export function cursorOrThrow(s: string): number {
  const n = s.length;
  if (n > 0 && n <= 15) {
    let v = 0;
    let i = 0;
    for (; i < n; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (i === n) return v;
  }
  const end = s.indexOf('\0') < 0 ? n : s.indexOf('\0');
  if (end === 0) return 0;
  const first = s.charCodeAt(0);
  if (first === 32 || (first >= 9 && first <= 13)) throw new CommandError(Errors.invalidCursor);
  let i = 0;
  let negative = false;
  if (first === 43 || first === 45) {
    negative = first === 45;
    i = 1;
  }
  const digits = i;
  while (i < end && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  // No digits: strtoul consumed nothing, so the first byte is what follows (not the end).
  if (i === digits || i < end) throw new CommandError(Errors.invalidCursor);
  let v = BigInt(s.slice(digits, end));
  if (v > UINT64_MAX) throw new CommandError(Errors.invalidCursor);
  if (negative && v !== 0n) v = UINT64_MAX + 1n - v;
  return Number(v);
}

/** What SCAN-family options parsed to: COUNT, a MATCH matcher (null matches all), SCAN's TYPE. */
export interface ScanOptions {
  count: number;
  matcher: GlobMatcher | null;
  /** TYPE's argument, lower case, up to a NUL (only when `allowType`); null when absent. */
  type: string | null;
}

/**
 * `[MATCH pattern] [COUNT count] [TYPE type]` from argv[start] on (scanGenericCommand): COUNT must
 * be a positive integer, a later option wins, anything else is a syntax error. TYPE only for SCAN.
 */
export function parseScanOptions(argv: readonly string[], start: number, allowType = false): ScanOptions {
  let count = 10;
  let pattern: string | null = null;
  let type: string | null = null;
  for (let i = start; i < argv.length; i += 2) {
    const more = i + 1 < argv.length;
    if (isOption(argv[i], 'COUNT') && more) {
      const v = parseInteger(argv[i + 1]);
      if (v === null) throw new CommandError(Errors.notInteger);
      if (v < 1) throw new CommandError(Errors.syntax);
      count = Number(v);
    } else if (isOption(argv[i], 'MATCH') && more) {
      pattern = argv[i + 1];
    } else if (allowType && isOption(argv[i], 'TYPE') && more) {
      const arg = argv[i + 1];
      const nul = arg.indexOf('\0');
      type = (nul < 0 ? arg : arg.slice(0, nul)).toLowerCase();
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  return { count, matcher: pattern !== null && pattern !== '*' ? new GlobMatcher(pattern) : null, type };
}

/** A SCAN-family reply: the next cursor, then the items found. */
export function replyScanPage(c: Client, cursor: number | string, items: ReadonlyArray<string | number | bigint>): void {
  c.reply.arrayLen(2);
  c.reply.bulk(String(cursor));
  c.reply.arrayLen(items.length);
  for (let i = 0; i < items.length; i++) c.reply.bulk(items[i]);
}
