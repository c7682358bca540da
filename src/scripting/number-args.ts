/**
 * Lua numbers passed to redis.call / redis.pcall. Redis 7.0 turns them into strings with %.17g
 * (0.1 + 0.2 -> "0.30000000000000004", 2^53 + 1 -> "9007199254740992"); the VM uses Lua's own
 * tostring format, %.14g ("0.3", "9.007199254741e+15"), and the precision is gone before our
 * host code sees the argument. BullMQ's sorted-set scores (timestamp * 4096 + counter) and any
 * floating-point state a script stores depend on the 17 digits.
 *
 * So scripts that may compute such numbers run behind a one-line prelude (on the script's first
 * line, so line numbers are unchanged) that shadows `redis` with a copy whose call/pcall format
 * number arguments with %.17g first. The copy's redis.call costs a little more than the real one,
 * so scripts that cannot produce a number needing more than 14 digits (no arithmetic, no tonumber,
 * no math library, no float literal, no literal of 15+ digits) run as they are. A failing redis.call in such a script is raised again by the proxy, which tells the host
 * the calling line first (LINE_CHANNEL); after a tail call (`return redis.call(...)`) that line is
 * unknown and the error names line 1.
 */

/**
 * A pseudo-command the prelude calls with `user_script:<line>: ` (or '' after a tail call) just
 * before raising a redis.call error again: the host keeps the line for the error's suffix.
 */
export const LINE_CHANNEL = '\x01cinder-error-line';

/**
 * A Lua expression building the `redis` stand-in: a copy of the table (so pairs(redis) lists what
 * it lists in Redis) whose call/pcall format number arguments with %.17g first. It reads the
 * global `redis`.
 */
export const NUMBER_SAFE_REDIS =
  '(function() local rc, rp, tp, fmt, up, pc, er = redis.call, redis.pcall, type, string.format, unpack, pcall, error ' +
  "local function fix(t) for i = 1, #t do if tp(t[i]) == 'number' then t[i] = fmt('%.17g', t[i]) end end return up(t) end " +
  // redis.call through redis.pcall, so a failure can be raised again with the calling line
  // reported to the host (the proxy's own frame would otherwise be the line on record).
  "local function call(...) local r = rp(fix({...})) if tp(r) == 'table' and r.err then local _, w = pc(er, '', 3) rp('" +
  LINE_CHANNEL +
  "', w, r.err) er(r.err, 0) end return r end " +
  'local t = {} for k, v in pairs(redis) do t[k] = v end t.call = call t.pcall = function(...) return rp(fix({...})) end ' +
  'return t end)()';

/**
 * Where the VM keeps the stand-in, built once and made read-only like the real table (lua-vm.ts
 * installs it); a VM without it builds a copy per run, with a metatable refusing new fields as
 * the read-only original does.
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
    out = MAY_NEED_17_DIGITS.test(source.latin1Slice()) ? Buffer.concat([PRELUDE, source]) : source;
    prepared.set(source, out);
  }
  return out;
}
