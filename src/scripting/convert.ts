import type { Client } from '../server/client.js';
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
  if (meta?.kind === 'global-read') {
    message = `user_script:${meta.line}: Script attempted to access nonexistent global variable '${meta.name}'`;
  } else if (meta?.kind === 'command-arg-type') {
    message = 'Lua redis lib command arguments must be strings or integers';
  }
  if (v.code !== undefined) message = `${v.code.toString('latin1')} ${message}`;
  if (meta !== undefined) message += ` script: ${meta.sha}, on @user_script:${meta.line}.`;
  return message.replace(/[\r\n]/g, ' ');
}

/** Writes a script's result as Redis converts Lua values to replies (RESP2 and RESP3). */
export function writeLuaValue(c: Client, r: Reply, v: LuaValue): void {
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
    for (const item of v) writeLuaValue(c, r, item);
  } else if ('ok' in v) {
    r.simple(v.ok.toString('latin1').replace(/[\r\n]/g, ' '));
  } else if ('err' in v) {
    const message = errorText(v as LuaError);
    c.server.countError(message);
    r.error(message);
  } else if ('double' in v) {
    r.double(v.double);
  } else if ('map' in v) {
    r.mapLen(v.map.length);
    for (const [key, value] of v.map) {
      writeLuaValue(c, r, key);
      writeLuaValue(c, r, value);
    }
  } else if ('set' in v) {
    r.setLen(v.set.length);
    for (const item of v.set) writeLuaValue(c, r, item);
  } else if ('big_number' in v) {
    r.bigNumber(v.big_number.toString('latin1'));
  } else if ('verbatim_string' in v) {
    r.verbatim(v.verbatim_string.string.toString('latin1'), v.verbatim_string.format.toString('latin1'));
  } else {
    r.nullBulk();
  }
}
