import { CommandError } from '../protocol/errors.js';
import { budgetFor, OUT_OF_BUDGET, type LuaValue, type LuaVm, type ScriptHost } from './lua-vm.js';
import { errorText, isLuaError, type LuaError } from './convert.js';
import { crc64 } from '../util/crc64.js';
import { splitInlineArgs } from '../protocol/request-parser.js';
import { SCRIPT_FLAG_NAMES } from './flags.js';
import { lzfCompress, lzfDecompress } from '../util/lzf.js';
import { NUMBER_SAFE_REDIS_KEY } from './number-args.js';
import { untailRedisCalls } from './tail-calls.js';

/**
 * Redis Functions (functions.c + function_lua.c): libraries of Lua functions loaded with FUNCTION
 * LOAD and called with FCALL / FCALL_RO.
 *
 * A library's body (the code after the `#!lua` line) runs inside one of two wrapper chunks. Each
 * starts with a prelude on the shebang's line, so the library's own line numbers are unchanged in
 * error messages, wraps the body in a function (a top-level `return` ends only the body) and ends
 * with an epilogue line. Both preludes shadow `redis` with a proxy that adds register_function:
 * - the load chunk (FUNCTION LOAD, RESTORE) exposes only Redis's load-time API through the proxy
 *   (register_function, log, LOG_*, REDIS_VERSION*; anything else is "nonexistent"), checks every
 *   register_function call as Redis does, and returns what was registered (name, flags,
 *   description): that is how a library is validated and described;
 * - the library chunk (FCALL) collects the callbacks and returns them; the VM runs it once and
 *   keeps the table (lua-vm.ts evalOn with a member), so library-level state lives on between
 *   calls as in Redis, and FCALL calls the callback with (keys, args), the proxy then showing the
 *   real `redis` table.
 * The chunk texts are fixed per library.
 *
 * Known gaps, documented: the library is built again in every VM that runs it (the long-script
 * worker's, a VM that replaced a broken one), each with fresh state; at load time a standard
 * global (string, error, ...) is a stand-in that fails when used, where Redis fails when it is
 * read. */

// ---------------------------------------------------------------- flags

// ---------------------------------------------------------------- model

export interface FunctionInfo {
  /** As registered (FCALL finds it case-insensitively). */
  readonly name: string;
  readonly library: Library;
  readonly flags: number;
  readonly description: string | null;
}

export interface Library {
  readonly name: string;
  readonly engine: 'LUA';
  /** The code as loaded, shebang included (latin1, one char per byte). */
  readonly code: string;
  /** In registration order. */
  readonly functions: FunctionInfo[];
  /** The library chunk (see the module comment). */
  readonly chunk: Buffer;
}

/** A set of libraries and the global function table (Redis's functionsLibCtx). */
class LibrarySet {
  /** Library names are case-sensitive. */
  readonly libraries = new Map<string, Library>();
  /** Lower-cased function name -> function: function names are unique ignoring case. */
  readonly functions = new Map<string, FunctionInfo>();

  link(lib: Library): void {
    this.libraries.set(lib.name, lib);
    // A library may register `f` and `F`; the global table keeps the first, as Redis's dictAdd.
    for (const fn of lib.functions) {
      const key = fn.name.toLowerCase();
      if (!this.functions.has(key)) this.functions.set(key, fn);
    }
  }

  unlink(lib: Library): void {
    this.libraries.delete(lib.name);
    for (const fn of lib.functions) {
      const key = fn.name.toLowerCase();
      if (this.functions.get(key) === fn) this.functions.delete(key);
    }
  }

  /** The first function of `lib` whose name is taken (ignoring case), or null. */
  collision(lib: Library): FunctionInfo | null {
    for (const fn of lib.functions) if (this.functions.has(fn.name.toLowerCase())) return fn;
    return null;
  }

  get functionCount(): number {
    let n = 0;
    for (const lib of this.libraries.values()) n += lib.functions.length;
    return n;
  }
}

// ---------------------------------------------------------------- library metadata

const LIBRARY_NAME_RULE = 'ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';
const VALID_NAME = /^[A-Za-z0-9_]+$/;

interface Metadata {
  engine: string;
  name: string;
  /** From the line break after the shebang on (so body lines keep their numbers). */
  body: string;
}

/** Parses the `#!<engine> name=<library>` line with Redis's checks, in Redis's order. */
function parseMetadata(code: string): Metadata {
  if (!code.startsWith('#!')) throw new CommandError('ERR Missing library metadata');
  // Redis looks for the line break with strchr: a NUL byte before it hides it.
  const eol = code.indexOf('\n');
  const nul = code.indexOf('\0');
  if (eol < 0 || (nul >= 0 && nul < eol)) throw new CommandError('ERR Invalid library metadata');
  const parts = splitInlineArgs(code.slice(0, eol));
  if (parts === null || parts.length === 0) throw new CommandError('ERR Invalid library metadata');
  const engine = parts[0].slice(2);
  let name: string | null = null;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    if (part.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) throw new CommandError('ERR Invalid metadata value, name argument was given multiple times');
      name = part.slice(5);
      continue;
    }
    throw new CommandError(`ERR Invalid metadata value given: ${part}`);
  }
  if (name === null) throw new CommandError('ERR Library name was not given');
  if (!VALID_NAME.test(name)) throw new CommandError(LIBRARY_NAME_RULE);
  if (engine.toLowerCase() !== 'lua') throw new CommandError(`ERR Engine '${engine}' not found`);
  return { engine, name, body: code.slice(eol) };
}

// ---------------------------------------------------------------- the wrapper chunks

/** The VM's globals other than `redis`: none of them exists while Redis loads a library. */
const LOAD_HIDDEN_GLOBALS = [
  'ARGV', 'KEYS', '_G', '_VERSION', 'assert', 'bit', 'cjson', 'cmsgpack', 'collectgarbage', 'coroutine', 'error', 'gcinfo',
  'getmetatable', 'ipairs', 'load', 'loadstring', 'math', 'next', 'pairs', 'pcall', 'rawequal', 'rawget', 'rawset', 'select',
  'setmetatable', 'string', 'struct', 'table', 'tonumber', 'tostring', 'type', 'unpack', 'xpcall',
];

/**
 * The load chunk's prelude: one line (it takes the shebang's line). Names start with `__cinder_`
 * so they cannot meet the library's own. register_function checks its arguments as Redis's
 * luaRegisterFunction does, with the same messages (raised without a position, as Redis does).
 */
const LOAD_PRELUDE = [
  'local __cinder_redis = redis',
  'local __cinder_list, __cinder_byname = {}, {}',
  "local __cinder_flagbits = {['no-writes'] = 1, ['allow-oom'] = 2, ['allow-stale'] = 4, ['no-cluster'] = 8, ['allow-cross-slot-keys'] = 16}",
  'local function __cinder_fail(message) error(message, 0) end',
  'local function __cinder_isstring(v) local t = type(v) return t == "string" or t == "number" end',
  'local function __cinder_flags(t)',
  "  if type(t) ~= 'table' then __cinder_fail('ERR flags argument to redis.register_function must be a table representing function flags') end",
  '  local bits, i = 0, 1',
  '  while t[i] ~= nil do',
  '    local v = t[i]',
  '    local flag = __cinder_isstring(v) and __cinder_flagbits[tostring(v)]',
  "    if not flag then __cinder_fail('ERR unknown flag given') end",
  '    bits = bit.bor(bits, flag)',
  '    i = i + 1',
  '  end',
  '  return bits',
  'end',
  'local function __cinder_register(...)',
  "  local argc, name, callback, flags, description = select('#', ...)",
  '  if argc == 1 then',
  '    local t = ...',
  "    if type(t) ~= 'table' then __cinder_fail('ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).') end",
  '    for k, v in pairs(t) do',
  "      if k == 'function_name' then",
  "        if not __cinder_isstring(v) then __cinder_fail('ERR function_name argument given to redis.register_function must be a string') end",
  '        name = tostring(v)',
  "      elseif k == 'description' then",
  "        if not __cinder_isstring(v) then __cinder_fail('ERR description argument given to redis.register_function must be a string') end",
  '        description = tostring(v)',
  "      elseif k == 'callback' then",
  "        if type(v) ~= 'function' then __cinder_fail('ERR callback argument given to redis.register_function must be a function') end",
  '        callback = v',
  "      elseif k == 'flags' then",
  '        flags = __cinder_flags(v)',
  '      else',
  "        __cinder_fail('ERR unknown argument given to redis.register_function')",
  '      end',
  '    end',
  "    if name == nil then __cinder_fail('ERR redis.register_function must get a function name argument') end",
  "    if callback == nil then __cinder_fail('ERR redis.register_function must get a callback argument') end",
  '  elseif argc == 2 then',
  '    local n, f = ...',
  "    if not __cinder_isstring(n) then __cinder_fail('ERR first argument to redis.register_function must be a string') end",
  "    if type(f) ~= 'function' then __cinder_fail('ERR second argument to redis.register_function must be a function') end",
  '    name, callback = tostring(n), f',
  '  else',
  "    __cinder_fail('ERR wrong number of arguments to redis.register_function')",
  '  end',
  `  if not string.find(name, '^[A-Za-z0-9_]+$') then __cinder_fail('${LIBRARY_NAME_RULE}') end`,
  "  if __cinder_byname[name] ~= nil then __cinder_fail('ERR Function already exists in the library') end",
  '  __cinder_byname[name] = callback',
  '  __cinder_list[#__cinder_list + 1] = {name, flags or 0, description or false}',
  'end',
  'local __cinder_missing = function(_, k) error("Script attempted to access nonexistent global variable \'" .. tostring(k) .. "\'", 2) end',
  'local __cinder_loadapi = setmetatable({register_function = __cinder_register, log = __cinder_redis.log,',
  '  LOG_DEBUG = __cinder_redis.LOG_DEBUG, LOG_VERBOSE = __cinder_redis.LOG_VERBOSE, LOG_NOTICE = __cinder_redis.LOG_NOTICE,',
  '  LOG_WARNING = __cinder_redis.LOG_WARNING, REDIS_VERSION = __cinder_redis.REDIS_VERSION,',
  '  REDIS_VERSION_NUM = __cinder_redis.REDIS_VERSION_NUM}, {__index = __cinder_missing})',
  // Writes through the proxy land on the real (read-only) table: Redis's readonly-table error.
  'local __cinder_meta = {__index = __cinder_loadapi, __newindex = __cinder_redis}',
  'local redis = setmetatable({}, __cinder_meta)',
  // Redis loads a library with no globals but `redis`: the others are shadowed by stand-ins
  // that fail as a missing global does when indexed or called (declared last, so the checks
  // above still see the real ones).
  'local function __cinder_poison(name)',
  '  local function fail() error("Script attempted to access nonexistent global variable \'" .. name .. "\'", 2) end',
  '  return setmetatable({}, {__index = fail, __newindex = fail, __call = fail})',
  'end',
  `local ${LOAD_HIDDEN_GLOBALS.join(', ')} = ${LOAD_HIDDEN_GLOBALS.map((g) => `__cinder_poison('${g}')`).join(', ')}`,
  'local function __cinder_body(...)',
]
  .map((line) => line.trim())
  .join(' ');

const LOAD_EPILOGUE = 'end __cinder_body() return __cinder_list';

/**
 * The library chunk's prelude: the body already passed every check at load, so register_function
 * only collects the callbacks by name; the top-level code sees the real `redis` behind it. The
 * chunk returns the collected table; lua-vm.ts runs it once per VM and then calls its members
 * (evalOn with a member). `__R` is the real redis (its number-safe stand-in where the VM has one:
 * number-args.ts), `__L` the callbacks, `__B` the body; KEYS and
 * ARGV do not exist for a library (nil here); `.. ''` turns a numeric name into its string form,
 * as tostring would.
 */
const LIBRARY_PRELUDE =
  `local __R,__L=rawget(getmetatable(_G), ${NUMBER_SAFE_REDIS_KEY}) or redis,{} local KEYS,ARGV ` +
  "local redis=setmetatable({register_function=function(a,b) if b==nil then a,b=a.function_name,a.callback end __L[a..'']=b end}," +
  '{__index=__R,__newindex=__R}) local function __B(...)';

// Once the body has run, the proxy drops register_function and shows only the real `redis`.
const LIBRARY_EPILOGUE = 'end __B() redis.register_function=nil return __L';

function loadChunk(body: string): Buffer {
  return Buffer.from(`${LOAD_PRELUDE}${body}\n${LOAD_EPILOGUE}`, 'latin1');
}

function libraryChunk(body: string): Buffer {
  return Buffer.from(`${LIBRARY_PRELUDE}${untailRedisCalls(body)}\n${LIBRARY_EPILOGUE}`, 'latin1');
}

/** What the function registry needs of the server that owns it. */
export interface FunctionHost {
  /** redis.log from a library's body (level 0-3: debug, verbose, notice, warning). */
  log(level: number, message: Buffer): void;
  /** rdbcompression: whether FUNCTION DUMP compresses library code. */
  rdbCompression(): boolean;
  /** The server's Lua VM, where libraries are compiled and loaded. */
  vm(): LuaVm;
}

/** Where FUNCTION LOAD's body runs: redis.log works, nothing can call commands. */
class LoadHost implements ScriptHost {
  constructor(private readonly host: FunctionHost) {}
  call(): LuaValue {
    return { err: Buffer.from('ERR redis.call is not available while loading a library') };
  }
  log(level: number, message: Buffer): void {
    this.host.log(level, message);
  }
  setResp(): void {}
  setRepl(): void {}
}

/** How long a library's body may run at load time (Redis's LOAD_TIMEOUT_MS). */
const LOAD_TIMEOUT_MS = 500;

const COMPILE_CHECK = Buffer.from("local f, e = loadstring(ARGV[1], '@user_function') if f then return nil end return e", 'latin1');
const COMPILE_CHECK_SHA = 'function-compile-check';
const LOAD_SHA = 'function-load';

/** The engine names chunks "user_script"; functions are "user_function" in Redis's words. */
export function asFunctionText(text: string): string {
  return text.replace(/user_script:(\d+)/g, 'user_function:$1');
}

/** An error that aborted a chunk, in Redis's words, without the "script: ..." suffix. */
function bareErrorText(e: LuaError): string {
  let text = errorText(e);
  const meta = e.meta;
  if (meta !== undefined) {
    const suffix = ` script: ${meta.sha}, on @user_script:${meta.line}.`;
    if (text.endsWith(suffix)) text = text.slice(0, -suffix.length);
  }
  if (!/^[A-Z][A-Z0-9]* /.test(text)) text = `ERR ${text}`;
  return asFunctionText(text);
}

/**
 * Compiles and runs a library's body in load mode: Redis's functionsCreateWithLibraryCtx after
 * the metadata checks. Throws with Redis's errors.
 */
function createLibrary(functionHost: FunctionHost, meta: Metadata, code: string): Library {
  const host = new LoadHost(functionHost);
  const vm = functionHost.vm();
  const compiled = vm.run(host, { source: COMPILE_CHECK, sha: COMPILE_CHECK_SHA, argv: [meta.body], first: 0, keyCount: 0 });
  if (Buffer.isBuffer(compiled)) {
    throw new CommandError(`ERR Error compiling function: ${compiled.toString('latin1').replace(/[\r\n]/g, ' ')}`);
  }
  const result = vm.run(host, { source: loadChunk(meta.body), sha: LOAD_SHA, argv: [], first: 0, keyCount: 0 }, budgetFor(LOAD_TIMEOUT_MS));
  if (result === OUT_OF_BUDGET) throw new CommandError('ERR Error registering functions: ERR FUNCTION LOAD timeout');
  if (isLuaError(result)) {
    throw new CommandError(`ERR Error registering functions: ${bareErrorText(result)}`);
  }
  const registered = Array.isArray(result) ? result : [];
  if (registered.length === 0) throw new CommandError('ERR No functions registered');
  const functions: FunctionInfo[] = [];
  const library: Library = { name: meta.name, engine: 'LUA', code, functions, chunk: libraryChunk(meta.body) };
  for (const entry of registered) {
    const [name, flags, description] = entry as [Buffer, number, Buffer | null];
    functions.push({
      name: name.toString('latin1'),
      library,
      flags: typeof flags === 'number' ? flags : 0,
      description: Buffer.isBuffer(description) ? description.toString('latin1') : null,
    });
  }
  return library;
}

// ---------------------------------------------------------------- the registry

export type RestorePolicy = 'FLUSH' | 'APPEND' | 'REPLACE';

/** The libraries of one server (Redis keeps one set per process, outside the databases). */
export class FunctionRegistry {
  private set = new LibrarySet();

  constructor(private readonly host: FunctionHost) {}

  get libraries(): ReadonlyMap<string, Library> {
    return this.set.libraries;
  }

  get functionCount(): number {
    return this.set.functionCount;
  }

  /** FCALL's lookup: function names are case-insensitive. */
  lookup(name: string): FunctionInfo | undefined {
    return this.set.functions.get(name.toLowerCase());
  }

  /** FUNCTION LOAD [REPLACE]: the library's name. */
  load(code: string, replace: boolean): string {
    const meta = parseMetadata(code);
    const set = this.set;
    const old = set.libraries.get(meta.name);
    if (old !== undefined && !replace) throw new CommandError(`ERR Library '${meta.name}' already exists`);
    const lib = createLibrary(this.host, meta, code);
    // The library being replaced does not count for collisions.
    if (old !== undefined) set.unlink(old);
    const taken = set.collision(lib);
    if (taken !== null) {
      if (old !== undefined) set.link(old);
      throw new CommandError(`ERR Function ${taken.name} already exists`);
    }
    set.link(lib);
    return lib.name;
  }

  /** FUNCTION DELETE. */
  delete(name: string): void {
    const lib = this.set.libraries.get(name);
    if (lib === undefined) throw new CommandError('ERR Library not found');
    this.set.unlink(lib);
  }

  /** FUNCTION FLUSH. */
  flush(): void {
    this.set = new LibrarySet();
  }

  /** FUNCTION DUMP: Redis 7.0's payload (RDB_OPCODE_FUNCTION2 + code per library, version, CRC64). */
  dump(): Buffer {
    const compress = this.host.rdbCompression();
    const parts: Uint8Array[] = [];
    for (const lib of this.set.libraries.values()) {
      parts.push(Uint8Array.of(OPCODE_FUNCTION2));
      parts.push(...rdbString(Buffer.from(lib.code, 'latin1'), compress));
    }
    return sealPayload(Buffer.concat(parts));
  }

  /** FUNCTION RESTORE: every library of the payload is created, then joined by `policy`. */
  restore(payload: Buffer, policy: RestorePolicy): void {
    const codes = readPayload(payload);
    const incoming = new LibrarySet();
    for (const code of codes) {
      const meta = parseMetadata(code);
      if (incoming.libraries.has(meta.name)) throw new CommandError(`ERR Library '${meta.name}' already exists`);
      const lib = createLibrary(this.host, meta, code);
      const taken = incoming.collision(lib);
      if (taken !== null) throw new CommandError(`ERR Function ${taken.name} already exists`);
      incoming.link(lib);
    }
    if (policy === 'FLUSH') {
      this.set = incoming;
      return;
    }
    const set = this.set;
    const replaced: Library[] = [];
    const undo = () => {
      for (const lib of replaced) set.link(lib);
    };
    for (const lib of incoming.libraries.values()) {
      const old = set.libraries.get(lib.name);
      if (old === undefined) continue;
      if (policy === 'APPEND') {
        undo();
        throw new CommandError(`ERR Library ${lib.name} already exists`);
      }
      set.unlink(old);
      replaced.push(old);
    }
    for (const lib of incoming.libraries.values()) {
      const taken = set.collision(lib);
      if (taken !== null) {
        undo();
        throw new CommandError(`ERR Function ${taken.name} already exists`);
      }
    }
    for (const lib of incoming.libraries.values()) set.link(lib);
  }
}

/**
 * INFO memory's function fields (number_of_functions, number_of_libraries, used_memory_functions):
 * counts, and the bytes the libraries hold (code and library chunk, plus a small fixed cost per
 * library and per function, an estimate of the tables around them).
 */
export function functionMemoryStats(registry: FunctionRegistry): { functions: number; libraries: number; bytes: number } {
  let bytes = 0;
  for (const lib of registry.libraries.values()) {
    bytes += 200 + lib.code.length + lib.chunk.length;
    for (const fn of lib.functions) bytes += 100 + fn.name.length + (fn.description?.length ?? 0);
  }
  return { functions: registry.functionCount, libraries: registry.libraries.size, bytes };
}

// ---------------------------------------------------------------- DUMP / RESTORE payloads

/** RDB opcodes: the 7.0 function record, and the pre-GA one (7.0 rc1/rc2). */
const OPCODE_FUNCTION2 = 245;
const OPCODE_FUNCTION_PRE_GA = 246;
/** The RDB version Redis 7.0 writes; newer payloads are refused. */
const RDB_VERSION = 10;

const BAD_PAYLOAD = 'ERR DUMP payload version or checksum are wrong';

/** Appends the RDB version (2 bytes LE) and the CRC64 of everything (8 bytes LE). */
function sealPayload(body: Buffer): Buffer {
  const out = Buffer.alloc(body.length + 10);
  body.copy(out, 0);
  out.writeUInt16LE(RDB_VERSION, body.length);
  out.writeBigUInt64LE(crc64(out, 0, body.length + 2), body.length + 2);
  return out;
}

/** RDB length encoding (rdbSaveLen). */
function rdbLength(n: number): Uint8Array {
  if (n < 64) return Uint8Array.of(n);
  if (n < 16384) return Uint8Array.of(0x40 | (n >> 8), n & 0xff);
  const b = Buffer.alloc(5);
  b[0] = 0x80;
  b.writeUInt32BE(n, 1);
  return b;
}

/** rdbSaveRawString: LZF when it saves at least 4 bytes (strings over 20 bytes), else verbatim. */
function rdbString(bytes: Buffer, compress: boolean): Uint8Array[] {
  if (compress && bytes.length > 20) {
    const packed = lzfCompress(bytes, bytes.length - 4);
    if (packed !== null) return [Uint8Array.of(0xc3), rdbLength(packed.length), rdbLength(bytes.length), packed];
  }
  return [rdbLength(bytes.length), bytes];
}

/** Reads a payload's library codes (functionRestoreCommand's loop, rdbFunctionLoad). */
function readPayload(payload: Buffer): string[] {
  if (payload.length < 10) throw new CommandError(BAD_PAYLOAD);
  const footer = payload.length - 10;
  const version = payload.readUInt16LE(footer);
  if (version > RDB_VERSION) throw new CommandError(BAD_PAYLOAD);
  if (crc64(payload, 0, payload.length - 8) !== payload.readBigUInt64LE(payload.length - 8)) throw new CommandError(BAD_PAYLOAD);
  // Reads may run into the 10-byte footer, as Redis's reader only stops at the payload's end.
  const reader = new RdbReader(payload);
  const codes: string[] = [];
  while (payload.length - reader.pos > 10) {
    const type = reader.byte();
    if (type !== OPCODE_FUNCTION2 && type !== OPCODE_FUNCTION_PRE_GA) throw new CommandError('ERR given type is not a function');
    if (type === OPCODE_FUNCTION2) {
      const code = reader.string();
      if (code === null) throw new CommandError('ERR Failed loading library payload');
      codes.push(code);
      continue;
    }
    // The pre-GA record: name, engine, optional description, code without its shebang.
    const name = reader.string();
    if (name === null) throw new CommandError('ERR Failed loading library name');
    const engine = reader.string();
    if (engine === null) throw new CommandError('ERR Failed loading engine name');
    const hasDescription = reader.length();
    if (hasDescription === null) throw new CommandError('ERR Failed loading library description indicator');
    if (hasDescription !== 0 && reader.string() === null) throw new CommandError('ERR Failed loading library description');
    const blob = reader.string();
    if (blob === null) throw new CommandError('ERR Failed loading library blob');
    codes.push(`#!${engine} name=${name}\n${blob}`);
  }
  return codes;
}

/** A cursor over an RDB payload; every read answers null past the end. */
class RdbReader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  byte(): number {
    return this.pos < this.buf.length ? this.buf[this.pos++] : -1;
  }

  /** rdbLoadLenByRef: the length, or the encoding (with `encoded`); null on a short read. */
  private lengthOrEncoding(): { value: number; encoded: boolean } | null {
    const first = this.byte();
    if (first < 0) return null;
    const kind = first >> 6;
    if (kind === 0) return { value: first & 0x3f, encoded: false };
    if (kind === 1) {
      const second = this.byte();
      if (second < 0) return null;
      return { value: ((first & 0x3f) << 8) | second, encoded: false };
    }
    if (kind === 3) return { value: first & 0x3f, encoded: true };
    if (first === 0x80) {
      if (this.pos + 4 > this.buf.length) return null;
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return { value: v, encoded: false };
    }
    if (first === 0x81) {
      if (this.pos + 8 > this.buf.length) return null;
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      // Anything this long cannot be in the payload: the read that follows fails.
      return { value: v > BigInt(this.buf.length) ? this.buf.length + 1 : Number(v), encoded: false };
    }
    return null;
  }

  length(): number | null {
    const l = this.lengthOrEncoding();
    return l === null || l.encoded ? null : l.value;
  }

  private bytes(n: number): Buffer | null {
    if (this.pos + n > this.buf.length) return null;
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** rdbGenericLoadStringObject: plain, integer-encoded or LZF string, as latin1. */
  string(): string | null {
    const l = this.lengthOrEncoding();
    if (l === null) return null;
    if (!l.encoded) return this.bytes(l.value)?.toString('latin1') ?? null;
    switch (l.value) {
      case 0: {
        const b = this.bytes(1);
        return b === null ? null : String(b.readInt8(0));
      }
      case 1: {
        const b = this.bytes(2);
        return b === null ? null : String(b.readInt16LE(0));
      }
      case 2: {
        const b = this.bytes(4);
        return b === null ? null : String(b.readInt32LE(0));
      }
      case 3: {
        const compressedLength = this.length();
        if (compressedLength === null) return null;
        const length = this.length();
        if (length === null) return null;
        const packed = this.bytes(compressedLength);
        if (packed === null) return null;
        // Redis compares the decompressed size with the announced one: 0 always passes.
        if (length === 0) return '';
        const plain = lzfDecompress(packed, length);
        return plain === null ? null : Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength).toString('latin1');
      }
      default:
        return null;
    }
  }
}

// ---------------------------------------------------------------- FUNCTION LIST / STATS helpers

/** The flag names of `flags`, in Redis's order. */
export function flagNames(flags: number): string[] {
  const names: string[] = [];
  for (const [bit, name] of SCRIPT_FLAG_NAMES) if ((flags & bit) !== 0) names.push(name);
  return names;
}
