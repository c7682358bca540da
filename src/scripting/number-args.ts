import { untailRedisCalls } from './tail-calls.js';

/**
 * Lua numbers passed to redis.call / redis.pcall. Redis 7.0 turns them into strings with %.17g
 * (0.1 + 0.2 -> "0.30000000000000004", 2^53 + 1 -> "9007199254740992"); the VM uses Lua's own
 * tostring format, %.14g ("0.3", "9.007199254741e+15"), and the precision is gone before our
 * host code sees the argument. BullMQ's sorted-set scores (timestamp * 4096 + counter) and any
 * floating-point state a script stores depend on the 17 digits.
 *
 * So scripts that may compute such numbers run behind a one-line prelude (on the script's first
 * line, so line numbers are unchanged) that shadows `redis` with a copy whose call/pcall format
 * number arguments with %.17g first. The copy is built once per VM, read-only like the real table,
 * and lua-vm.ts zeroes the line tables of its call/pcall, so a failing redis.call names the
 * script's line as a direct call does (tail calls, which would lose the script's frame, are
 * parenthesised first: tail-calls.ts). The copy's redis.call costs a little more than the real one,
 * so scripts that cannot produce a number needing more than 14 digits (no arithmetic, no tonumber,
 * no math library, no float literal, no literal of 15+ digits) run as they are.
 */

/**
 * A Lua expression building the `redis` stand-in: a copy of the table (so pairs(redis) lists what
 * it lists in Redis) whose call/pcall format number arguments with %.17g first. It reads the
 * global `redis`. Everything is on one line (lua-vm.ts checks that before zeroing lines).
 */
export const NUMBER_SAFE_REDIS =
  '(function() local rc, rp, tp, fmt, up, sel = redis.call, redis.pcall, type, string.format, unpack, select ' +
  // The arguments as they are when none is a number (no table to build), else formatted.
  'local function fix(...) local n = sel(\'#\', ...) local t for i = 1, n do local v = sel(i, ...) ' +
  "if tp(v) == 'number' then t = t or {...} t[i] = fmt('%.17g', v) end end " +
  'if t then return up(t, 1, n) end return ... end ' +
  'local t = {} for k, v in pairs(redis) do t[k] = v end ' +
  't.call = function(...) return rc(fix(...)) end t.pcall = function(...) return rp(fix(...)) end ' +
  'return t end)()';

/**
 * Where the VM keeps the stand-in (lua-vm.ts installs it); a VM without it builds a copy per run,
 * with a metatable refusing new fields as the read-only original does (its redis.call errors
 * then name line 1).
 */
export const NUMBER_SAFE_REDIS_KEY = "'\\0cinder.redis'";

const PRELUDE = Buffer.from(
  `local redis = rawget(getmetatable(_G), ${NUMBER_SAFE_REDIS_KEY}) or setmetatable(${NUMBER_SAFE_REDIS}, ` +
    "{__newindex = function() error('Attempt to modify a readonly table', 2) end}) ",
  'latin1',
);

/** Constructs that may put a number needing 15+ significant digits into a redis.call argument. */
const MAY_NEED_17_DIGITS = /[+*/%^]|[^-]-[^-]|tonumber|math\.|\d\.\d|\d[eE][-+]?\d|\d{15}/;

const prepared = new WeakMap<Buffer, Buffer>();

/** The text to evaluate for `source`: itself, or behind the number-formatting prelude. */
export function numberSafeSource(source: Buffer): Buffer {
  let out = prepared.get(source);
  if (out === undefined) {
    const text = source.latin1Slice();
    out = MAY_NEED_17_DIGITS.test(text) ? Buffer.concat([PRELUDE, Buffer.from(untailRedisCalls(text), 'latin1')]) : source;
    prepared.set(source, out);
  }
  return out;
}
