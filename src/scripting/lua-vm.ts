import { workerData } from 'node:worker_threads';
import { load, type LuaEngine, type ReplyValue as LuaValue } from 'lua-redis-wasm';
import { REDIS_VERSION } from '../server/info.js';

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
  /** redis.call / redis.pcall: run a command and answer with its reply (errors as `{ err }`). */
  call(args: Buffer[]): LuaValue;
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
  return module.create({
    redisCall: (args) => {
      const h = host();
      return h === null ? noHost : h.call(args);
    },
    redisPcall: (args) => {
      const h = host();
      return h === null ? noHost : h.call(args);
    },
    log: (level, message) => host()?.log(level, message),
    onSetResp: (version: number) => host()?.setResp(version === 3 ? 3 : 2),
  } as Parameters<typeof module.create>[0]);
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

/** Result nesting the engine encodes safely (it corrupts its memory a little above 56). */
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
export function evalOn(vm: LuaEngine, source: Buffer, sha: string, argv: readonly string[], first: number, keyCount: number): LuaValue {
  const internals = vm as unknown as EngineInternals;
  // Argument block: [count u32] then [len u32][bytes] per argument.
  let size = 4;
  for (let i = first; i < argv.length; i++) size += 4 + argv[i].length;
  const ex = internals.exports;
  const scriptPtr = ex._alloc(source.length);
  const argsPtr = ex._alloc(size);
  try {
    const bytes = ex.HEAPU8;
    // A view over the VM's memory, rebuilt when the memory grows (a new ArrayBuffer).
    let h = heapViews.get(vm);
    if (h === undefined || h.buffer !== bytes.buffer) {
      h = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      heapViews.set(vm, h);
    }
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

/** Bytes of the main-thread VM's memory (INFO used_memory_lua). */
export function mainVmMemory(): number {
  return (engine as unknown as EngineInternals).exports.HEAPU8.length;
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

/** Runs a chunk on the main-thread VM (see evalOn), routing its redis.* calls to `host`. */
export function runLua(host: ScriptHost, source: Buffer, sha: string, argv: readonly string[], first: number, keyCount: number): LuaValue {
  const previous = current;
  current = host;
  let result: LuaValue;
  try {
    result = evalOn(engine, source, sha, argv, first, keyCount);
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
  if (typeof result === 'object' && result !== null && nestsDeeper(result, SAFE_RESULT_DEPTH)) replaceVm();
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


