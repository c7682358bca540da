import { workerData } from 'node:worker_threads';
import { load, type LuaEngine, type ReplyValue as LuaValue } from 'lua-redis-wasm';
import { REDIS_VERSION } from '../util/version.js';
import { NUMBER_SAFE_REDIS, NUMBER_SAFE_REDIS_KEY } from './number-args.js';
import { hostCallHandler } from './host-calls.js';

export type { LuaValue };

/**
 * The Lua VM: Redis's own Lua 5.1 (with cjson, cmsgpack, struct and bit) built to WebAssembly by
 * the lua-redis-wasm package. See docs/SCRIPTING.md for why this engine and how scripts run.
 *
 * One VM serves the whole process: scripts are pure functions of KEYS, ARGV and what redis.call
 * answers, and redis.call is routed to whichever run is current (`ScriptHost`), so several engines
 * in one process (tests, embedded handles) can share it. The VM keeps compiled chunks by SHA1.
 */
export interface ScriptHost {
  /** redis.call / redis.pcall: run a command (latin1 argv) and answer with its reply (errors as `{ err }`). */
  call(argv: string[]): LuaValue;
  /** redis.log(level, message). */
  log(level: number, message: Buffer): void;
  /** redis.setresp(2|3): the protocol redis.call replies are converted from. */
  setResp(version: 2 | 3): void;
}

/**
 * Instructions a script may run on the main thread before it is treated as long-running (about
 * 0.2 s of pure Lua here). See ScriptRunner for what happens then. The environment variable
 * CINDER_LUA_MAIN_FUEL overrides it (tests use a small budget to exercise the hand-over).
 */
export const MAIN_THREAD_FUEL = Number(process.env.CINDER_LUA_MAIN_FUEL) > 0 ? Number(process.env.CINDER_LUA_MAIN_FUEL) : 50_000_000;

/**
 * The worker's budget: the engine's largest (0 means its small default). About 40 s of pure Lua
 * here; a script still running then stops with FUEL_EXHAUSTED.
 */
export const UNLIMITED_FUEL = 2 ** 32 - 1;

/** Reply of a script stopped by the fuel limit (the engine's wording). */
export const FUEL_EXHAUSTED = 'Script killed by fuel limit';

const versionParts = REDIS_VERSION.split('.').map(Number);

/** The `redis.*` constants and compatibility stubs Redis 7.0 scripts may touch. */
export const REDIS_PROPS = {
  REDIS_VERSION: { value: REDIS_VERSION },
  REDIS_VERSION_NUM: { value: (versionParts[0] << 16) | (versionParts[1] << 8) | versionParts[2] },
  REPL_NONE: { value: 0 },
  REPL_AOF: { value: 1 },
  REPL_SLAVE: { value: 2 },
  REPL_REPLICA: { value: 2 },
  REPL_ALL: { value: 3 },
  // Effects replication is the only mode since 7.0: these are accepted and do nothing.
  replicate_commands: { returns: true },
  set_repl: { returns: null },
  // The debugger's helpers are no-ops outside a debugging session.
  breakpoint: { returns: false },
  debug: { returns: null },
  // ACLs are not enforced: every command is allowed for the (default) user.
  acl_check_cmd: { returns: true },
} as const;

let current: ScriptHost | null = null;

const noHost: LuaValue = { err: Buffer.from('ERR redis.call is not available here') };

/** A VM whose redis.* calls go to `host()`, stopping scripts after `fuel` instructions. */
export async function createEngine(fuel: number, host: () => ScriptHost | null): Promise<LuaEngine> {
  const module = await load({ profile: 'redis-7.0', limits: { maxFuel: fuel }, redisProps: REDIS_PROPS });
  const vm = module.create({
    redisCall: () => noHost,
    redisPcall: () => noHost,
    log: (level, message) => host()?.log(level, message),
    onSetResp: (version: number) => host()?.setResp(version === 3 ? 3 : 2),
  } as Parameters<typeof module.create>[0]);
  // redis.call and redis.pcall (the same to the host) through our own glue (host-calls.ts).
  const exports = (vm as unknown as EngineInternals).exports;
  const memory = { heap: () => heapView(vm), alloc: (size: number) => exports._alloc(size) };
  const call = hostCallHandler(memory, (argv) => {
    const h = host();
    return h === null ? noHost : h.call(argv);
  });
  const handlers = (module as unknown as { handlers: Record<string, unknown> }).handlers;
  handlers.call = call;
  handlers.pcall = call;
  return vm;
}

/** Set in the long-script worker (script-worker.ts), which builds its own unlimited VM. */
export const IN_SCRIPT_WORKER = (workerData as { cinderScriptWorker?: boolean } | null)?.cinderScriptWorker === true;

// Top-level await: the VM is ready before any Server exists, so every call stays synchronous.
let engine = IN_SCRIPT_WORKER ? (null as unknown as LuaEngine) : await createEngine(MAIN_THREAD_FUEL, () => current);
let mainFuel = MAIN_THREAD_FUEL;

/**
 * The engine does not survive some scripts: deep recursion in its C code (cjson.decode of JSON
 * nested ~500 deep) traps and leaves the VM unusable, and encoding a result table nested more
 * than ~56 deep overruns a fixed buffer and silently corrupts its memory (later scripts then fail
 * to compile or misbehave). A spare VM (about 1 MB, 30 ms to build) is kept ready to take over.
 */
let spare: LuaEngine | null = null;
let broken = false;

function prepareSpare(): void {
  createEngine(mainFuel, () => current).then(
    (vm) => {
      spare = vm;
      if (broken) replaceVm();
    },
    () => {},
  );
}
if (!IN_SCRIPT_WORKER) prepareSpare();

/** Swaps in the spare VM (or does as soon as it is ready) and starts building the next one. */
function replaceVm(): void {
  if (spare === null) {
    broken = true;
    return;
  }
  engine = spare;
  spare = null;
  broken = false;
  setFuel(engine, mainFuel);
  prepareSpare();
}

/**
 * Result nesting the engine encodes safely: deeper, it overruns a buffer (from about 50 levels,
 * depending on its state) and corrupts its memory; a table containing itself never returns.
 */
const SAFE_RESULT_DEPTH = 48;

/** True when a result nests tables deeper than `limit` (only aggregates are walked). */
function nestsDeeper(v: LuaValue, limit: number): boolean {
  if (typeof v !== 'object' || v === null || Buffer.isBuffer(v)) return false;
  if (limit === 0) return true;
  if (Array.isArray(v)) {
    for (const item of v) if (typeof item === 'object' && item !== null && !Buffer.isBuffer(item) && nestsDeeper(item, limit - 1)) return true;
    return false;
  }
  if ('map' in v) {
    for (const [key, value] of v.map) if (nestsDeeper(key, limit - 1) || nestsDeeper(value, limit - 1)) return true;
    return false;
  }
  if ('set' in v) {
    for (const item of v.set) if (nestsDeeper(item, limit - 1)) return true;
  }
  return false;
}

/**
 * The engine's evaluation entry points below its public evalWithArgs, which hashes the script in
 * JavaScript on every call (a fifth of an EVALSHA's time) and copies every argument twice. We know
 * the SHA1 already and write KEYS/ARGV straight into the VM's memory.
 */
interface EngineInternals {
  exports: { HEAPU8: Uint8Array; _alloc(size: number): number; _free_mem(ptr: number): void };
  callEvalWithArgs(scriptPtr: number, scriptLen: number, argsPtr: number, argsLen: number, keyCount: number): unknown;
  decodeResult(result: unknown, sha: string): LuaValue;
}
/**
 * Evaluates a chunk on `vm` with KEYS = argv[first .. first+keyCount) and ARGV = the rest (latin1
 * strings, one char per byte). The caller routes the VM's host callbacks.
 */
export function evalOn(vm: LuaEngine, source: Buffer, sha: string, argv: readonly string[], first: number, keyCount: number, member?: string): LuaValue {
  if (member !== undefined) return evalMember(vm, source, member, sha, argv, first, keyCount);
  const stub = compiledStub(vm, source);
  return evalText(vm, stub ?? source, sha, argv, first, keyCount);
}

/**
 * Calls `member(KEYS, ARGV)` of the table a library chunk returns (functions.ts): the chunk runs
 * once per VM (its upvalues live on between calls, as a library's do in Redis); its first
 * evaluation is also when its top-level code runs. `member` is a function name
 * ([A-Za-z0-9_]+).
 */
function evalMember(vm: LuaEngine, library: Buffer, member: string, sha: string, argv: readonly string[], first: number, keyCount: number): LuaValue {
  const cache = chunkCacheOf(vm);
  let slot = cache?.instances.get(library);
  if (cache && slot === undefined) {
    const compiledAt = compileIntoSlot(vm, cache, library);
    if (compiledAt > 0) {
      const made = evalText(vm, Buffer.from(`local c = ${CACHE_TABLE} c[${compiledAt}] = c[${compiledAt}]() return 1`, 'latin1'), sha, argv, first, keyCount);
      if (made !== 1) return made;
      cache.instances.set(library, compiledAt);
      slot = compiledAt;
    }
  }
  if (cache && slot !== undefined) {
    const key = `${slot}:${member}`;
    let stub = cache.memberStubs.get(key);
    if (stub === undefined) {
      stub = Buffer.from(`return ${CACHE_TABLE}.run(${slot}, '${member}')`, 'latin1');
      cache.memberStubs.set(key, stub);
    }
    return evalText(vm, stub, sha, argv, first, keyCount);
  }
  // No cache on this VM: build the library and call the member in one chunk (on line 1).
  const text = Buffer.concat([Buffer.from('return ((function() ', 'latin1'), library, Buffer.from(`\nend)()['${member}'](KEYS, ARGV))`, 'latin1')]);
  return evalText(vm, text, sha, argv, first, keyCount);
}

function evalText(vm: LuaEngine, source: Buffer, sha: string, argv: readonly string[], first: number, keyCount: number): LuaValue {
  const internals = vm as unknown as EngineInternals;
  // Argument block: [count u32] then [len u32][bytes] per argument.
  let size = 4;
  for (let i = first; i < argv.length; i++) size += 4 + argv[i].length;
  const ex = internals.exports;
  const scriptPtr = ex._alloc(source.length);
  const argsPtr = ex._alloc(size);
  try {
    // A view over the VM's memory, rebuilt when the memory grows (a new ArrayBuffer).
    const h = heapView(vm);
    h.set(source, scriptPtr);
    h.writeUInt32LE(argv.length - first, argsPtr);
    let at = argsPtr + 4;
    for (let i = first; i < argv.length; i++) {
      const a = argv[i];
      h.writeUInt32LE(a.length, at);
      at += 4;
      if (a.length > 0) at += h.latin1Write(a, at, a.length);
    }
    const raw = internals.callEvalWithArgs(scriptPtr, source.length, argsPtr, size, keyCount);
    return internals.decodeResult(raw, sha);
  } finally {
    ex._free_mem(scriptPtr);
    ex._free_mem(argsPtr);
  }
}
const heapViews = new WeakMap<LuaEngine, Buffer>();

// ---------------------------------------------------------------- the compiled-chunk cache

/**
 * The engine compiles the text it is given on every evaluation (about 13 us per KB of Lua) and
 * its sandbox leaves scripts no writable place to keep a compiled function. Redis compiles a
 * script once per SHA1. So each VM gets one table the sandbox cannot otherwise produce: it is
 * stored, once, under a key no script uses in the globals' metatable, which is read-only (the
 * patched Lua's per-table flag, a 32-bit field of the Table struct that we clear for that one
 * write and set again). A chunk is compiled once into that table; later evaluations run a
 * one-line stub that tail-calls `run(slot)`, which calls the chunk and hands its first result
 * (Redis keeps the first; the engine, the last) to `result` (RESULT_FILTER). `run` is the frame
 * below the script's, where C code is in Redis: hideLines makes it look like one. Every VM (the
 * spare, the long-script worker's) has its own.
 */
const CACHE_KEY = "'\\0cinder.chunks'";
const CACHE_TABLE = `getmetatable(_G)[${CACHE_KEY}]`;

/** Address of the globals' metatable, the engine's tostring of a table being its address. */
const LOCATE = Buffer.from("return tostring(getmetatable(_G))", 'latin1');

/**
 * `result(v)`, which every cached chunk's result passes through before the engine encodes it:
 * what Redis would answer where the engine cannot be trusted to. A table nested too deep (or
 * containing itself) becomes Redis's "reached lua stack limit" error (Redis nests a few thousand
 * levels first); a function, coroutine or userdata, where the engine fails the whole result,
 * becomes the null Redis gives it.
 */
const RESULT_FILTER = [
  'local tp, rg, rs, nx = type, rawget, rawset, next',
  'local function odd(t) return t == "function" or t == "thread" or t == "userdata" end',
  'local function walk(v, depth)',
  `  if depth > ${SAFE_RESULT_DEPTH} then return false end`,
  "  if tp(rg(v, 'err')) == 'string' or tp(rg(v, 'ok')) == 'string' then return true end",
  "  local m = rg(v, 'map')",
  "  if tp(m) == 'table' then for k, x in nx, m do",
  "    if (tp(k) == 'table' and not walk(k, depth + 1)) or (tp(x) == 'table' and not walk(x, depth + 1)) then return false end",
  '  end end',
  "  local s = rg(v, 'set')",
  "  if tp(s) == 'table' then for k in nx, s do if tp(k) == 'table' and not walk(k, depth + 1) then return false end end end",
  '  local i, x = 1, rg(v, 1)',
  '  while x ~= nil do',
  '    local t = tp(x)',
  "    if t == 'table' then if not walk(x, depth + 1) then return false end elseif odd(t) then rs(v, i, false) end",
  '    i = i + 1 x = rg(v, i)',
  '  end',
  '  return true',
  'end',
  'local function result(v)',
  '  local t = tp(v)',
  "  if t == 'table' then if walk(v, 1) then return v end return {err = 'ERR reached lua stack limit'} end",
  '  if odd(t) then return nil end',
  '  return v',
  'end',
].join(' ');

/**
 * Installs the cache with its `run(slot)` (which calls a compiled chunk and filters its first
 * result) and the number-safe `redis` stand-in (number-args.ts); answers both addresses.
 */
const INSTALL = Buffer.from(
  `local r = ${NUMBER_SAFE_REDIS} ${RESULT_FILTER} ` +
    'local cache = {} local function run(slot, member) ' +
    'if member then return result((cache[slot][member](KEYS, ARGV))) end return result((cache[slot]())) end cache.run = run ' +
    `rawset(getmetatable(_G), ${CACHE_KEY}, cache) rawset(getmetatable(_G), ${NUMBER_SAFE_REDIS_KEY}, r) return {tostring(r), tostring(run), tostring(r.call), tostring(r.pcall)}`,
  'latin1',
);
/** Compiles ARGV[1] into slot ARGV[2]: 1 when it compiled (the slot then holds it), else 0. */
const COMPILE_INTO_SLOT = Buffer.from(
  `local f = loadstring(ARGV[1], '@user_script') if f then ${CACHE_TABLE}[tonumber(ARGV[2])] = f return 1 end return 0`,
  'latin1',
);
const CLEAR = Buffer.from(`local c = ${CACHE_TABLE} for k in pairs(c) do if type(k) == 'number' then c[k] = nil end end`, 'latin1');

/** Table struct (Lua 5.1 with Redis's read-only patch, wasm32): type tag at 4, `readonly` at 8. */
const TABLE_TYPE_OFFSET = 4;
const LUA_TTABLE = 5;
const TABLE_READONLY_OFFSET = 8;

/**
 * Bounds on what one VM keeps compiled: every chunk stays until the bound is passed, then the
 * whole cache starts over (Redis keeps every script until SCRIPT FLUSH, but this VM's memory is
 * capped). BullMQ's forty-odd scripts are about 400 KB of source.
 */
const MAX_CACHED_CHUNKS = 2000;
const MAX_CACHED_SOURCE_BYTES = 4 * 1024 * 1024;

interface ChunkCache {
  /** Source (by identity: callers keep one Buffer per script) -> the stub that runs it. */
  stubs: Map<Buffer, Buffer>;
  /** Library chunk (by identity) -> the slot holding its table of functions (evalMember). */
  instances: Map<Buffer, number>;
  /** `<slot>:<member>` -> the stub that calls it. */
  memberStubs: Map<string, Buffer>;
  /** Slots used so far. */
  slots: number;
  bytes: number;
}
/** Per VM: its cache, or null when the engine's memory layout is not what we expect. */
const chunkCaches = new WeakMap<LuaEngine, ChunkCache | null>();

function heapView(vm: LuaEngine): Buffer {
  const bytes = (vm as unknown as EngineInternals).exports.HEAPU8;
  let h = heapViews.get(vm);
  if (h === undefined || h.buffer !== bytes.buffer) {
    h = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    heapViews.set(vm, h);
  }
  return h;
}

/** The Table struct a `tostring(table)` result names, or -1 when it does not look like one. */
function tableAddress(vm: LuaEngine, described: LuaValue): number {
  const match = Buffer.isBuffer(described) ? /^table: 0x([0-9a-f]+)$/.exec(described.latin1Slice()) : null;
  if (match === null) return -1;
  const address = parseInt(match[1], 16);
  const heap = heapView(vm);
  return address + 16 <= heap.length && heap[address + TABLE_TYPE_OFFSET] === LUA_TTABLE ? address : -1;
}

/** LClosure and Proto (Lua 5.1, wasm32): type tags, the closure's Proto, the line table. */
const LUA_TFUNCTION = 6;
const LUA_TPROTO = 9;
const CLOSURE_IS_C_OFFSET = 6;
const CLOSURE_PROTO_OFFSET = 16;
const PROTO_LINEINFO_OFFSET = 20;
const PROTO_SIZECODE_OFFSET = 44;
const PROTO_SIZELINEINFO_OFFSET = 48;

/**
 * Makes a function a frame without a line, as C code is: its line table is zeroed. For `run`, which
 * is where Redis has the C code that calls a script: `error(msg, 2)` at a script's top level adds
 * no position, as in Redis. For the number-safe redis.call/pcall (number-args.ts), which stand
 * where Redis has C functions: the engine's error handler skips them and names the script's line.
 * Answers false when the closure `described` names does not look as expected.
 */
function hideLines(vm: LuaEngine, described: LuaValue): boolean {
  const match = Buffer.isBuffer(described) ? /^function: 0x([0-9a-f]+)$/.exec(described.latin1Slice()) : null;
  if (match === null) return false;
  const heap = heapView(vm);
  const closure = parseInt(match[1], 16);
  if (closure + 20 > heap.length || heap[closure + TABLE_TYPE_OFFSET] !== LUA_TFUNCTION || heap[closure + CLOSURE_IS_C_OFFSET] !== 0) return false;
  const proto = heap.readUInt32LE(closure + CLOSURE_PROTO_OFFSET);
  if (proto + 52 > heap.length || heap[proto + TABLE_TYPE_OFFSET] !== LUA_TPROTO) return false;
  const lines = heap.readUInt32LE(proto + PROTO_LINEINFO_OFFSET);
  const count = heap.readInt32LE(proto + PROTO_SIZELINEINFO_OFFSET);
  if (count <= 0 || count !== heap.readInt32LE(proto + PROTO_SIZECODE_OFFSET) || lines + 4 * count > heap.length) return false;
  // Everything in INSTALL is on line 1.
  for (let i = 0; i < count; i++) if (heap.readInt32LE(lines + 4 * i) !== 1) return false;
  heap.fill(0, lines, lines + 4 * count);
  return true;
}

function installChunkCache(vm: LuaEngine): ChunkCache | null {
  const address = tableAddress(vm, evalText(vm, LOCATE, 'cinder-cache', [], 0, 0));
  const heap = heapView(vm);
  if (address < 0 || heap.readInt32LE(address + TABLE_READONLY_OFFSET) !== 1) return null;
  heap.writeInt32LE(0, address + TABLE_READONLY_OFFSET);
  let installed: LuaValue;
  try {
    installed = evalText(vm, INSTALL, 'cinder-cache', [], 0, 0);
  } finally {
    heapView(vm).writeInt32LE(1, address + TABLE_READONLY_OFFSET);
  }
  if (!Array.isArray(installed) || installed.length !== 4) return null;
  // The stand-in is read-only as the real `redis` is (rawset on it fails with Redis's error).
  const standAddress = tableAddress(vm, installed[0]);
  if (standAddress < 0 || !hideLines(vm, installed[1]) || !hideLines(vm, installed[2]) || !hideLines(vm, installed[3])) return null;
  heapView(vm).writeInt32LE(1, standAddress + TABLE_READONLY_OFFSET);
  // (INSTALL answering at all means both rawsets went through.)
  return { stubs: new Map(), instances: new Map(), memberStubs: new Map(), slots: 0, bytes: 0 };
}

/**
 * The stub that runs `source` compiled once (compiling it into the cache now if needed), or null
 * to evaluate the text itself (no cache on this VM, or it does not compile: the engine then
 * reports the error as it always has).
 */
function compiledStub(vm: LuaEngine, source: Buffer): Buffer | null {
  const cache = chunkCacheOf(vm);
  if (cache === null) return null;
  const stub = cache.stubs.get(source);
  if (stub !== undefined) return stub;
  const slot = compileIntoSlot(vm, cache, source);
  if (slot === 0) return null;
  const made = Buffer.from(`return ${CACHE_TABLE}.run(${slot})`, 'latin1');
  cache.stubs.set(source, made);
  return made;
}

function chunkCacheOf(vm: LuaEngine): ChunkCache | null {
  let cache = chunkCaches.get(vm);
  if (cache === undefined) {
    cache = installChunkCache(vm);
    chunkCaches.set(vm, cache);
  }
  return cache;
}

/** Compiles `source` into a new slot and answers it, or 0 (too big to keep, or no compile). */
function compileIntoSlot(vm: LuaEngine, cache: ChunkCache, source: Buffer): number {
  if (source.length > MAX_CACHED_SOURCE_BYTES) return 0;
  if (cache.slots >= MAX_CACHED_CHUNKS || cache.bytes + source.length > MAX_CACHED_SOURCE_BYTES) clearCache(vm, cache);
  const slot = cache.slots + 1;
  const compiled = evalText(vm, COMPILE_INTO_SLOT, 'cinder-cache', [source.latin1Slice(), String(slot)], 0, 0);
  if (compiled !== 1) return 0;
  cache.slots = slot;
  cache.bytes += source.length;
  return slot;
}

function clearCache(vm: LuaEngine, cache: ChunkCache): void {
  evalText(vm, CLEAR, 'cinder-cache', [], 0, 0);
  cache.stubs.clear();
  cache.instances.clear();
  cache.memberStubs.clear();
  cache.slots = 0;
  cache.bytes = 0;
}


const LUA_HEAP_BYTES = Buffer.from("return collectgarbage('count') * 1024", 'latin1');
let luaHeapBytes = 0;

/**
 * Bytes the main-thread VM's Lua heap holds (INFO used_memory_lua: Redis reports its Lua
 * allocator's count, not the size of the WebAssembly memory around it). Asked of the VM when it
 * is idle; from inside a script (redis.call('INFO')) the last answer stands.
 */
export function mainVmMemory(): number {
  if (current === null) {
    const bytes = evalOn(engine, LUA_HEAP_BYTES, 'cinder-memory', [], 0, 0);
    if (typeof bytes === 'number') luaHeapBytes = bytes;
  }
  return luaHeapBytes;
}

/** Changes the main-thread budget for the scripts that start from now on (tests, tuning). */
export function setMainThreadFuel(fuel: number): void {
  mainFuel = fuel;
  setFuel(engine, fuel);
  if (spare !== null) setFuel(spare, fuel);
}

function setFuel(vm: LuaEngine, fuel: number): void {
  const ex = (vm as unknown as { exports: { _set_limits(fuel: number, reply: number, arg: number): void } }).exports;
  ex._set_limits(fuel, 0, 0);
}

const CJSON_TOO_DEEP = Buffer.from('Cannot serialise, excessive nesting', 'latin1');

/** Runs a chunk on the main-thread VM (see evalOn), routing its redis.* calls to `host`. */
export function runLua(host: ScriptHost, source: Buffer, sha: string, argv: readonly string[], first: number, keyCount: number, member?: string): LuaValue {
  const previous = current;
  current = host;
  let result: LuaValue;
  try {
    result = evalOn(engine, source, sha, argv, first, keyCount, member);
  } catch (e) {
    // A trap inside the VM (not a Lua error, which comes back as a value): it is unusable now.
    replaceVm();
    // The VM's memory is capped (KEYS/ARGV of more than about 16 MB in all do not fit): answer
    // as Lua's own allocation failure does instead of an internal error.
    if (/OOM|out of memory/i.test(String((e as Error)?.message ?? e))) return { err: Buffer.from('ERR not enough memory') };
    throw e;
  } finally {
    current = previous;
  }
  // The result itself came out right; the VM that encoded it may not have.
  // cjson's refusal of a table nested past its encode depth leaves the engine's memory damaged
  // (later scripts trap): start over on a fresh VM.
  if (typeof result === 'object' && result !== null && 'err' in result && Buffer.isBuffer(result.err) && result.err.includes(CJSON_TOO_DEEP)) replaceVm();
  // (Cached chunks' results are checked inside the VM, by RESULT_FILTER.)
  if (typeof result === 'object' && result !== null && !chunkCaches.get(engine) && nestsDeeper(result, SAFE_RESULT_DEPTH)) replaceVm();
  return result;
}

const COMPILE_CHECK = Buffer.from("local f, e = loadstring(ARGV[1], '@user_script') if f then return nil end return e");

/** Compiles `source` without running it: null when it compiles, else Lua's message. */
export function compileError(source: Buffer): string | null {
  const previous = current;
  current = null;
  try {
    const r = engine.evalWithArgs(COMPILE_CHECK, [], [source]);
    return Buffer.isBuffer(r) ? r.toString('latin1') : null;
  } finally {
    current = previous;
  }
}


