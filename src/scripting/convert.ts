import { cString } from '../protocol/errors.js';
import type { Reply } from '../protocol/reply.js';
import type { LuaValue } from './lua-vm.js';

/** Lua -> reply conversion (Redis's luaReplyToRedisReply) and the wording of script errors. */

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

export type LuaError = Extract<LuaValue, { err: Buffer }>;

export function isLuaError(v: LuaValue): v is LuaError {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && 'err' in v;
}

/** Redis's wording for an error reply a script produced; a script error carries its location. */
export function errorText(v: LuaError): string {
  const meta = v.meta;
  let message = v.err.toString('latin1');
  // The engine's own messages carry their C string terminator.
  if (message.endsWith('\0')) message = message.slice(0, -1);
  // Redis handles the text as a C string: it ends at the first NUL.
  message = cString(message);
  if (meta?.kind === 'global-read') {
    message = `user_script:${meta.line}: Script attempted to access nonexistent global variable '${meta.name}'`;
  } else if (meta?.kind === 'command-arg-type') {
    message = 'Lua redis lib command arguments must be strings or integers';
  }
  if (meta === undefined && v.code !== undefined && message.startsWith('-')) {
    // redis.error_reply('-CODE text'): Redis takes the word after the dash as the code (ERR when
    // there is no space); the engine leaves the dash in the text.
    const rest = message.slice(1);
    return (rest.includes(' ') ? rest : `ERR ${rest}`).replace(/[\r\n]/g, ' ');
  }
  const reworded = meta !== undefined && message.startsWith('user_script:') ? redisLibMessage(message) : null;
  if (reworded !== null) message = reworded;
  else if (v.code !== undefined) message = `${v.code.toString('latin1')} ${message}`;
  if (meta !== undefined) message += ` script: ${meta.sha}, on @user_script:${meta.line}.`;
  return message.replace(/[\r\n]/g, ' ');
}

/**
 * The engine raises argument errors of its redis.* functions as Lua errors (with the script's
 * position, in Lua's words); Redis raises its own texts without a position. Known ones reworded.
 */
const REDIS_LIB_MESSAGES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^user_script:\d+: ERR redis\.log requires level and message$/, 'ERR redis.log() requires two arguments or more.'],
  [/^user_script:\d+: bad argument #1 to 'log' \(number expected, got [a-z ]+\)$/, 'ERR First argument must be a number (log level).'],
  [/^user_script:\d+: ERR RESP version must be 2 or 3\.$/, 'ERR RESP version must be 2 or 3.'],
  [/^user_script:\d+: bad argument #1 to 'setresp' \(number expected, got no value\)$/, 'ERR redis.setresp() requires one argument.'],
  [/^user_script:\d+: bad argument #1 to 'setresp' \(number expected, got [a-z]+\)$/, 'ERR RESP version must be 2 or 3.'],
  [/^user_script:\d+: bad argument #1 to 'sha1hex' \(string expected, got no value\)$/, 'ERR wrong number of arguments'],
];

/** Redis's full error text (code included) for a known engine message, else null. */
function redisLibMessage(message: string): string | null {
  for (const [pattern, text] of REDIS_LIB_MESSAGES) if (pattern.test(message)) return text;
  return null;
}

/** The engine's error for a result value it cannot convert. */
const UNSUPPORTED_TYPE = Buffer.from('unsupported Lua return type\0', 'latin1');

function isUnsupportedType(v: LuaError): boolean {
  return v.err.equals(UNSUPPORTED_TYPE);
}

/**
 * Error replies of the commands the running script called, already counted in errorstats: Redis
 * does not count them again when the script passes them on. Emptied with each script's reply.
 */
export const countedScriptErrors = new Set<string>();

/** What writing a script's result needs of the client that ran it (a Client fits). */
export interface ScriptCaller {
  /** Its server's error statistics (total_error_replies, errorstats). */
  readonly server: { countError(message: string): void };
  /**
   * The command it runs (EVAL, FCALL, ...; inside EXEC the queued command, not EXEC), whose failed
   * calls an error reply counts; `lastCommand` once the command path has returned (a script that
   * ended on the long-script worker).
   */
  readonly currentCommand: { failedCalls: number } | null;
  readonly lastCommand: { failedCalls: number } | null;
}

/** Writes a script's result as Redis converts Lua values to replies (RESP2 and RESP3), once per run. */
export function writeLuaValue(c: ScriptCaller, r: Reply, v: LuaValue): void {
  writeValue(c, r, v);
  if (countedScriptErrors.size > 0) countedScriptErrors.clear();
}

function writeValue(c: ScriptCaller, r: Reply, v: LuaValue): void {
  if (v === null) {
    r.nullBulk();
  } else if (typeof v === 'number') {
    r.int(v);
  } else if (typeof v === 'bigint') {
    // A Lua number beyond int64 converts as C's cast does on x86: to INT64_MIN.
    r.int(v === INT64_MAX ? INT64_MIN : v);
  } else if (typeof v === 'boolean') {
    r.bool(v);
  } else if (Buffer.isBuffer(v)) {
    r.bulk(v);
  } else if (Array.isArray(v)) {
    r.arrayLen(v.length);
    for (const item of v) writeValue(c, r, item);
  } else if ('ok' in v) {
    r.simple(cString(v.ok.toString('latin1')).replace(/[\r\n]/g, ' '));
  } else if ('err' in v) {
    if (v.meta === undefined && isUnsupportedType(v)) {
      // A function, coroutine or userdata result: Redis answers nil. The engine only tells us when
      // it is the whole result (nested ones fail the whole conversion: a known deviation).
      r.nullBulk();
      return;
    }
    const message = errorText(v as LuaError);
    const raw = v.code === undefined ? v.err.toString('latin1') : `${v.code.toString('latin1')} ${v.err.toString('latin1')}`;
    if (!countedScriptErrors.has(raw)) {
      // Counted now: the command path marks EVAL/FCALL failed once it returns.
      c.server.countError(message);
    } else {
      // Already counted when redis.call failed: Redis still counts a failed call of EVAL/FCALL
      // for each such error the reply carries (ERR_REPLY_FLAG_NO_STATS_UPDATE).
      const cmd = c.currentCommand ?? c.lastCommand;
      if (cmd !== null) cmd.failedCalls++;
    }
    r.error(message);
  } else if ('double' in v) {
    r.double(v.double);
  } else if ('map' in v) {
    r.mapLen(v.map.length);
    for (const [key, value] of v.map) {
      writeValue(c, r, key);
      writeValue(c, r, value);
    }
  } else if ('set' in v) {
    r.setLen(v.set.length);
    for (const item of v.set) writeValue(c, r, item);
  } else if ('big_number' in v) {
    r.bigNumber(v.big_number.toString('latin1'));
  } else if ('verbatim_string' in v) {
    // Redis keeps the first three bytes of the format (the protocol's fixed-size type).
    const format = v.verbatim_string.format.toString('latin1');
    r.verbatim(v.verbatim_string.string.toString('latin1'), format.length === 3 ? format : format.slice(0, 3).padEnd(3, '\0'));
  } else {
    r.nullBulk();
  }
}
