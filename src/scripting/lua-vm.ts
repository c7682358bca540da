import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { LuaEngine, ReplyValue as LuaValue } from 'lua-redis-wasm';
import { REDIS_VERSION } from '../util/version.js';
import { NUMBER_SAFE_REDIS, NUMBER_SAFE_REDIS_KEY } from './number-args.js';
import { hostCallHandler } from './host-calls.js';

export type { LuaValue };

/**
 * The Lua VM: Redis's own Lua 5.1 (with cjson, cmsgpack, struct and bit) built to WebAssembly by
 * the lua-redis-wasm package. See docs/SCRIPTING.md for why this engine and how scripts run.
 *
 * A `LuaVm` is one engine with its own memory, owned by one ScriptRunner (one per Server; the
 * long-script worker has its own): nothing mutable is shared between servers. What is shared per
 * thread is code: the compiled WebAssembly module and facts derived from it (where its fuel
 * counters live), never a VM's state.
 */

/** What a script reaches outside the VM: redis.call and the other host-backed redis.* functions. */
export interface ScriptHost {
  /** redis.call / redis.pcall: run a command (latin1 argv) and answer with its reply (errors as `{ err }`). */
  call(argv: string[]): LuaValue;
  /** redis.log(level, message). */
  log(level: number, message: Buffer): void;
  /** redis.setresp(2|3): the protocol redis.call replies are converted from. */
  setResp(version: 2 | 3): void;
  /** redis.set_repl(flags), flags checked (REPL_NONE 0 .. REPL_ALL 3): where the script's writes propagate. */
  setRepl(flags: number): void;
}

// ================================================================ lua-redis-wasm's internals

/**
 * Everything this module relies on beyond lua-redis-wasm's public API, in one place:
 * test/unit/lua-engine-contract.test.ts checks each item against the installed package, so an
 * upgrade that moves one fails a test instead of misbehaving.
 *
 * Why we go below the public API at all: its `load()` is asynchronous (it instantiates through an
 * Emscripten factory that awaits), and its evaluation hashes every script and copies every
 * argument twice. We instantiate the package's .wasm ourselves, synchronously, with our own
 * implementation of its (small) import surface, and use the package's `LuaEngine` only to decode
 * results.
 */
export const ENGINE_INTERNALS = {
  /** The package version all of this was read from. */
  packageVersion: '1.5.0',
  /** The WebAssembly file, next to the package's Node entry point. */
  wasmFile: 'redis_lua.wasm',
  /** Its exports we call. */
  exports: [
    'memory',
    '__wasm_call_ctors',
    'set_compat',
    'set_limits',
    'init',
    'eval_with_args',
    'alloc',
    'free_mem',
    '__indirect_function_table',
    'setThrew',
    '_emscripten_stack_restore',
    'emscripten_stack_get_current',
  ],
  /** set_compat flags of the package's redis-7.0 profile: no `print`, no `os`, no `server` alias. */
  compatRedis70: 0,
  /**
   * `LuaEngine` (exported, constructor marked internal) built over an object with HEAPU8,
   * _alloc, _free_mem and _eval_with_args; its private methods we call.
   */
  luaEngineMethods: ['callEvalWithArgs', 'decodeResult'],
  /** host_redis_props's blob: [count u32] then per entry [len u32][name][kind u8][type u8][payload]. */
  props: { kindField: 0, kindStub: 1, typeNone: 0, typeBool: 1, typeNumber: 2, typeString: 3 },
  /** Table struct (Lua 5.1 with Redis's read-only patch, wasm32): type tag, `readonly` flag. */
  table: { typeTagOffset: 4, readonlyOffset: 8, LUA_TTABLE: 5 },
  /** LClosure: type tag (as Table's), C-closure flag, its Proto. */
  closure: { isCOffset: 6, protoOffset: 16, LUA_TFUNCTION: 6 },
  /** Proto: type tag, line table and the sizes that must agree. */
  proto: { LUA_TPROTO: 9, lineinfoOffset: 20, sizecodeOffset: 44, sizelineinfoOffset: 48 },
  /**
   * The fuel: a count hook every `hookStep` instructions subtracts `hookStep` from a static int64
   * `remaining`, reset from the static int64 `limit` (set_limits) when an evaluation starts, and
   * raises `exhausted` once it is <= 0. The two statics are adjacent (limit, then remaining);
   * their address is found at run time (findFuelCounters) and checked.
   */
  fuel: { hookStep: 1000, exhausted: 'Script killed by fuel limit' },
} as const;

/** Reply of a script stopped by the engine's fuel (its wording). */
export const FUEL_EXHAUSTED = ENGINE_INTERNALS.fuel.exhausted;

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
  // Effects replication is the only mode since 7.0: accepted and does nothing.
  replicate_commands: { returns: true },
  // Replaced by a checking function that reaches the host (SET_REPL below); the stub stays
  // for a VM where that cannot be installed.
  set_repl: { returns: null },
  // The debugger's helpers are no-ops outside a debugging session.
  breakpoint: { returns: false },
  debug: { returns: null },
  // Replaced by a function that asks the host (ACL_CHECK_CMD below); the stub stays for a VM
  // where that cannot be installed.
  acl_check_cmd: { returns: true },
} as const;

/** The package's host_redis_props blob for REDIS_PROPS. */
export function encodeRedisProps(props: Record<string, { value: string | number | boolean } | { returns: string | number | boolean | null }>): Buffer {
  const k = ENGINE_INTERNALS.props;
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const names = Object.keys(props);
  parts.push(u32(names.length));
  for (const name of names) {
    const prop = props[name];
    const isField = 'value' in prop;
    const raw = isField ? prop.value : prop.returns;
    const nameBytes = Buffer.from(name, 'utf8');
    parts.push(u32(nameBytes.length), nameBytes, Buffer.from([isField ? k.kindField : k.kindStub]));
    if (raw === null) {
      parts.push(Buffer.from([k.typeNone]));
    } else if (typeof raw === 'boolean') {
      parts.push(Buffer.from([k.typeBool, raw ? 1 : 0]));
    } else if (typeof raw === 'number') {
      const b = Buffer.alloc(9);
      b[0] = k.typeNumber;
      b.writeDoubleLE(raw, 1);
      parts.push(b);
    } else {
      const text = Buffer.from(raw, 'utf8');
      parts.push(Buffer.from([k.typeString]), u32(text.length), text);
    }
  }
  return Buffer.concat(parts);
}

/** Path of the package's .wasm (next to the file its `require` entry resolves to). */
export function engineWasmPath(): string {
  const entry = createRequire(import.meta.url).resolve('lua-redis-wasm');
  return path.join(path.dirname(entry), ENGINE_INTERNALS.wasmFile);
}

let compiledModule: WebAssembly.Module | null = null;

let luaEngineClass: typeof LuaEngine | null = null;

/**
 * The package's LuaEngine class, loaded when the first VM is built: a server that runs no script
 * never loads the package (a few ms of startup, docs/BENCHMARKS.md "Startup and idle memory").
 * Its CommonJS build, because only that can be loaded synchronously, inside a command.
 */
function luaEngine(): typeof LuaEngine {
  luaEngineClass ??= (createRequire(import.meta.url)('lua-redis-wasm') as typeof import('lua-redis-wasm')).LuaEngine;
  return luaEngineClass;
}

/** The package's WebAssembly module, compiled once per thread (code: every VM instantiates it with its own memory). */
export function engineModule(): WebAssembly.Module {
  compiledModule ??= new WebAssembly.Module(readFileSync(engineWasmPath()));
  return compiledModule;
}

let propsBlob: Buffer | null = null;

interface WasmExports {
  memory: WebAssembly.Memory;
  __wasm_call_ctors(): void;
  set_compat(flags: number): void;
  set_limits(fuel: number, replyBytes: number, argBytes: number): void;
  init(): number;
  eval_with_args(...args: number[]): unknown;
  alloc(size: number): number;
  free_mem(ptr: number): void;
  __indirect_function_table: WebAssembly.Table;
  setThrew(threw: number, value: number): void;
  _emscripten_stack_restore(sp: number): void;
  emscripten_stack_get_current(): number;
}

/** Thrown by the longjmp import and caught by invoke_vii: how Emscripten builds setjmp/longjmp (Lua's errors). */
class Longjmp {}
const LONGJMP = new Longjmp();

/**
 * Thrown through the VM to stop a script where Lua cannot catch it (pcall only sees longjmps):
 * the run is abandoned mid-instruction and its VM discarded.
 */
class RunStopped {}
const STOPPED = new RunStopped();

/** The engine ended its own process (Lua's panic handler calls exit) or aborted: the VM is unusable. */
export class VmFault extends Error {}

/** What one engine instance calls back into (its owning LuaVm). */
interface EngineOwner {
  call(argv: string[]): LuaValue;
  log(level: number, message: Buffer): void;
  setResp(version: number): void;
  /** Lua raises an error: true when the run must stop instead (budget spent). */
  stopOnError(engine: Engine): boolean;
  output(text: string): void;
}

/** WASI errno values (the syscalls a sandboxed Lua never needs fail with these). */
const ERRNO_BADF = 8;
const ERRNO_NOENT = 44;
const ERRNO_NOSYS = 52;
const ERRNO_NOTTY = 59;
const ERRNO_SPIPE = 70;

/**
 * The module's imports, as the package's Emscripten glue would provide them, for one instance.
 * `instance()` resolves the instance's exports once it exists.
 */
function engineImports(owner: EngineOwner, engine: () => Engine): WebAssembly.Imports {
  const heap = () => engine().heap();
  const ptrLenReturn = (abi: number[], bytes: Buffer): bigint | undefined => {
    const e = engine();
    const ptr = e.exports.alloc(bytes.length);
    const h = heap();
    if (ptr !== 0) h.set(bytes, ptr);
    const len = ptr === 0 ? 0 : bytes.length;
    if (abi.length > 0) {
      // The C side passed where to write {ptr, len}.
      h.writeUInt32LE(ptr, abi[0]);
      h.writeUInt32LE(len, abi[0] + 4);
      return undefined;
    }
    return (BigInt(len) << 32n) | BigInt(ptr >>> 0);
  };
  const memoryView = { heap, alloc: (size: number) => engine().exports.alloc(size) };
  const call = hostCallHandler(memoryView, (argv) => owner.call(argv));
  const env = {
    host_redis_props: (...abi: number[]) => ptrLenReturn(abi, (propsBlob ??= encodeRedisProps(REDIS_PROPS))),
    host_redis_log: (level: number, ptr: number, len: number) => owner.log(level, Buffer.from(heap().subarray(ptr, ptr + len))),
    host_sha1hex: (...abi: number[]) => {
      const ptr = abi.length >= 3 ? abi[1] : abi[0];
      const len = abi.length >= 3 ? abi[2] : abi[1];
      const digest = createHash('sha1').update(heap().subarray(ptr, ptr + len)).digest('hex');
      return ptrLenReturn(abi.length >= 3 ? [abi[0]] : [], Buffer.from(digest, 'latin1'));
    },
    host_redis_setresp: (version: number) => owner.setResp(version),
    host_redis_call: call,
    host_redis_pcall: call,
    exit: (code: number) => {
      throw new VmFault(`the Lua engine exited (code ${code})`);
    },
    invoke_vii: (index: number, a: number, b: number) => {
      const ex = engine().exports;
      const sp = ex.emscripten_stack_get_current();
      try {
        (ex.__indirect_function_table.get(index) as (a: number, b: number) => void)(a, b);
      } catch (e) {
        ex._emscripten_stack_restore(sp);
        if (e !== LONGJMP) throw e;
        ex.setThrew(1, 0);
      }
    },
    _emscripten_throw_longjmp: () => {
      throw owner.stopOnError(engine()) ? STOPPED : LONGJMP;
    },
    __assert_fail: () => {
      throw new VmFault('the Lua engine failed an assertion');
    },
    _abort_js: () => {
      throw new VmFault('the Lua engine aborted');
    },
    // Its memory does not grow: allocations past it fail (Lua raises "not enough memory").
    emscripten_resize_heap: () => 0,
    clock_time_get: (clock: number, _precision: bigint, out: number) => {
      const ns = clock === 0 ? BigInt(Date.now()) * 1_000_000n : BigInt(Math.round(performance.now() * 1e6));
      heap().writeBigUInt64LE(ns, out);
      return 0;
    },
    fd_write: (fd: number, iov: number, count: number, written: number) => {
      const h = heap();
      let total = 0;
      let text = '';
      for (let i = 0; i < count; i++) {
        const ptr = h.readUInt32LE(iov + 8 * i);
        const len = h.readUInt32LE(iov + 8 * i + 4);
        text += h.latin1Slice(ptr, ptr + len);
        total += len;
      }
      if (fd === 1 || fd === 2) owner.output(text);
      h.writeUInt32LE(total, written);
      return 0;
    },
    fd_read: () => ERRNO_BADF,
    fd_close: () => ERRNO_BADF,
    fd_seek: () => ERRNO_SPIPE,
    __syscall_openat: () => -ERRNO_NOENT,
    __syscall_fcntl64: () => -ERRNO_NOSYS,
    __syscall_ioctl: () => -ERRNO_NOTTY,
    __syscall_dup3: () => -ERRNO_BADF,
  };
  return { env, wasi_snapshot_preview1: env };
}

/** Names of every import engineImports provides (the contract test compares them with the module's). */
export function providedImports(): string[] {
  const dummy = engineImports(
    { call: () => null, log: () => {}, setResp: () => {}, stopOnError: () => false, output: () => {} },
    () => {
      throw new Error('unused');
    },
  );
  return Object.keys(dummy.env as object);
}

/** Where the fuel statics live in every instance of the module (found once per thread), or null. */
let fuelCounters: { limit: number; remaining: number } | null | undefined;

const FUEL_UNLIMITED = 2n ** 62n;

/** One instantiation of the module: its memory, exports and the package's result decoder. */
class Engine {
  readonly exports: WasmExports;
  readonly decoder: LuaEngine;
  private view: Buffer;
  /** Its chunk cache, or null when its memory layout is not what we expect; undefined until tried. */
  cache: ChunkCache | null | undefined = undefined;
  /** The fuel limit last written (skips rewriting the same value every run). */
  private fuel = -1;

  constructor(owner: EngineOwner) {
    let self: Engine | null = null;
    const instance = new WebAssembly.Instance(engineModule(), engineImports(owner, () => self!));
    self = this;
    this.exports = instance.exports as unknown as WasmExports;
    const memory = this.exports.memory;
    this.view = Buffer.from(memory.buffer);
    this.exports.__wasm_call_ctors();
    this.exports.set_compat(ENGINE_INTERNALS.compatRedis70);
    if (this.exports.init() !== 0) throw new VmFault('the Lua engine failed to initialise');
    const exports = this.exports;
    let bytes = new Uint8Array(memory.buffer);
    const shim = {
      get HEAPU8() {
        if (bytes.buffer !== memory.buffer) bytes = new Uint8Array(memory.buffer);
        return bytes;
      },
      _alloc: exports.alloc,
      _free_mem: exports.free_mem,
      _eval_with_args: exports.eval_with_args,
    };
    this.decoder = new (luaEngine())(shim as never, undefined);
  }

  /** The VM's memory (a new view if it was ever replaced). */
  heap(): Buffer {
    const buffer = this.exports.memory.buffer;
    if (this.view.buffer !== buffer) this.view = Buffer.from(buffer);
    return this.view;
  }

  /** Instructions the next evaluations may run (0: as many as the engine can count). */
  setFuel(instructions: number): void {
    if (instructions === this.fuel) return;
    this.fuel = instructions;
    const counters = fuelCounters;
    if (counters) this.heap().writeBigInt64LE(instructions > 0 ? BigInt(instructions) : FUEL_UNLIMITED, counters.limit);
    else this.exports.set_limits(instructions > 0 ? Math.min(instructions, 2 ** 32 - 1) : 2 ** 32 - 1, 0, 0);
  }

  /** True once the running evaluation has spent its fuel (false when the counters are unknown). */
  fuelSpent(): boolean {
    const counters = fuelCounters;
    return counters ? this.heap().readBigInt64LE(counters.remaining) <= 0n : false;
  }
}

/**
 * Finds the fuel statics: on a probe instance with a recognisable limit, the int64 equal to it
 * followed by one that a short loop brought down by whole hook steps; then checks that writing
 * the limit there is what the next evaluation's budget is.
 */
function findFuelCounters(): { limit: number; remaining: number } | null {
  const step = ENGINE_INTERNALS.fuel.hookStep;
  const probeLimit = 987_654_000;
  const owner: EngineOwner = { call: () => null, log: () => {}, setResp: () => {}, stopOnError: () => false, output: () => {} };
  const e = new Engine(owner);
  e.exports.set_limits(probeLimit, 0, 0);
  const loop = evalText(e, Buffer.from('local n = 0 for i = 1, 5000 do n = n + i end return n', 'latin1'), 'cinder-fuel', [], 0, 0);
  if (loop !== 12502500) return null;
  const h = e.heap();
  // Statics are near the start of memory, before the stack and the heap.
  const end = Math.min(h.length, 1 << 20);
  let found: { limit: number; remaining: number } | null = null;
  for (let at = 0; at + 16 <= end; at += 8) {
    if (h.readBigInt64LE(at) !== BigInt(probeLimit)) continue;
    const spent = probeLimit - Number(h.readBigInt64LE(at + 8));
    if (spent >= step && spent <= 100 * step && spent % step === 0) {
      if (found !== null) return null;
      found = { limit: at, remaining: at + 8 };
    }
  }
  if (found === null) return null;
  // The limit slot must be what an evaluation's budget comes from.
  h.writeBigInt64LE(BigInt(3 * step), found.limit);
  const stopped = evalText(e, Buffer.from('local n = 0 for i = 1, 100000 do n = n + i end return n', 'latin1'), 'cinder-fuel', [], 0, 0);
  const ok = typeof stopped === 'object' && stopped !== null && 'err' in stopped && stopped.err.toString('latin1').endsWith(ENGINE_INTERNALS.fuel.exhausted);
  return ok ? found : null;
}

/** The fuel statics' addresses (found on first use in this thread), or null if they could not be found. */
export function engineFuelCounters(): { limit: number; remaining: number } | null {
  if (fuelCounters === undefined) fuelCounters = findFuelCounters();
  return fuelCounters;
}

// ================================================================ the VM

/** What the Lua heap holds right after a VM is built (test/unit/lua-engine-contract.test.ts checks it). */
export const FRESH_VM_HEAP_BYTES = 21452;

/** What stops a run early. */
export interface RunBudget {
  /** Instructions it may run (counted in steps of 1000); 0 for no limit. */
  instructions: number;
  /** performance.now() after which it is stopped (checked at each redis.call and Lua error); Infinity for none. */
  deadline: number;
}

/** No limit: the long-script worker's budget. */
export const UNLIMITED: RunBudget = { instructions: 0, deadline: Infinity };

/**
 * Instructions per millisecond this engine runs in a tight Lua loop, about (300 000 measured on
 * the 2-core development machine): turns a wall-clock budget into fuel for scripts that never
 * call out of the VM, where time cannot be checked.
 */
export const INSTRUCTIONS_PER_MS = 250_000;

/** A budget of about `ms` milliseconds of wall-clock time, at most `maxInstructions` instructions. */
export function budgetFor(ms: number, maxInstructions = Infinity): RunBudget {
  const wall = Math.max(1, ms);
  return { instructions: Math.max(1, Math.round(Math.min(maxInstructions, wall * INSTRUCTIONS_PER_MS))), deadline: performance.now() + wall };
}

/** What `run` answers when the budget stopped the chunk (nothing of it can be caught by pcall). */
export const OUT_OF_BUDGET: unique symbol = Symbol('out of budget');
export type RunResult = LuaValue | typeof OUT_OF_BUDGET;

/** One evaluation: a chunk and its KEYS/ARGV. */
export interface Chunk {
  /** The text (one Buffer per script: the compiled-chunk cache keys on its identity). */
  source: Buffer;
  /** How errors name it (the SHA1 for EVAL, the function name for FCALL). */
  sha: string;
  /** KEYS = argv[first .. first+keyCount), ARGV the rest (latin1 strings). */
  argv: readonly string[];
  first: number;
  keyCount: number;
  /** For a library chunk: the function of the table it returns to call (evalMember). */
  member?: string;
}

const noHost: LuaValue = { err: Buffer.from('ERR redis.call is not available here') };

/** What redis.set_repl sends through redis.call (no command has this name). */
const SET_REPL_CALL = '\0cinder.set_repl';
/**
 * What redis.acl_check_cmd sends through redis.call (no command has this name): the host answers
 * 1 or 0 for the caller's permissions, or an error for an unknown command.
 */
export const ACL_CHECK_CALL = '\0cinder.acl_check_cmd';

const LUA_HEAP_BYTES = Buffer.from("return collectgarbage('count') * 1024", 'latin1');
const COMPILE_CHECK = Buffer.from("local f, e = loadstring(ARGV[1], '@user_script') if f then return nil end return e", 'latin1');
const CJSON_TOO_DEEP = Buffer.from('Cannot serialise, excessive nesting', 'latin1');

/**
 * One Lua VM and the narrow API its owner uses: run a chunk with KEYS/ARGV for a host under a
 * budget, check that a script compiles, measure its heap. The VM behind it is built on first use
 * (synchronously) and replaced, transparently, whenever it cannot be trusted any more: after a
 * trap, after a run was stopped mid-instruction, or after the engine may have damaged its memory.
 */
export class LuaVm {
  private engine: Engine | null = null;
  private host: ScriptHost | null = null;
  private deadline = Infinity;
  private running = false;
  private heapBytesSeen = 0;
  /** What the engine printed during the current run (its panic message, in practice). */
  private printed = '';
  private readonly owner: EngineOwner;

  /** `output`: where what the engine prints goes (only its panic message, in practice). */
  constructor(private readonly output: (text: string) => void = (text) => process.stderr.write(text)) {
    this.owner = {
      call: (argv) => this.dispatch(argv),
      log: (level, message) => this.host?.log(level, message),
      setResp: (version) => this.host?.setResp(version === 3 ? 3 : 2),
      stopOnError: (engine) => this.running && (engine.fuelSpent() || performance.now() > this.deadline),
      output: (text) => {
        if (this.running) this.printed += text;
        else output(text);
      },
    };
  }

  /** True while a chunk runs (its redis.call()s are being served). */
  get busy(): boolean {
    return this.running;
  }

  /**
   * Runs a chunk for `host`. Answers its result, or OUT_OF_BUDGET when `budget` ran out first:
   * then the chunk was stopped wherever it was, pcall or not, and its redis.call()s since the
   * budget ran out were not made.
   */
  run(host: ScriptHost, chunk: Chunk, budget: RunBudget = UNLIMITED): RunResult {
    if (this.running) return { err: Buffer.from('ERR a Lua script is already running on this VM') };
    const engine = this.ready();
    engine.setFuel(budget.instructions);
    this.host = host;
    this.deadline = budget.deadline;
    this.running = true;
    let result: LuaValue;
    try {
      result = evalChunk(engine, chunk);
    } catch (e) {
      // Thrown through the VM (a stop, a trap, an abort): its state is unusable now.
      this.engine = null;
      if (e === STOPPED) return OUT_OF_BUDGET;
      // The VM's memory is capped: KEYS/ARGV of more than about 16 MB in all do not fit, and the
      // engine copies them into Lua strings where running out is fatal to it (it panics). Answer
      // as Lua's own allocation failure does.
      if (/not enough memory|OOM|out of memory/i.test(this.printed + String((e as Error)?.message ?? e))) return NOT_ENOUGH_MEMORY;
      throw e;
    } finally {
      this.running = false;
      this.host = null;
      this.deadline = Infinity;
      const printed = this.printed;
      this.printed = '';
      if (printed !== '' && !printed.includes('not enough memory')) this.output(printed);
    }
    // Where the fuel counters are unknown, running out of fuel is an ordinary (catchable) error.
    if (isFuelError(result)) return OUT_OF_BUDGET;
    // The result itself came out right; the VM that encoded it may not have.
    // cjson's refusal of a table nested past its encode depth leaves the engine's memory damaged
    // (later scripts trap): start over on a fresh VM.
    if (typeof result === 'object' && result !== null && 'err' in result && Buffer.isBuffer(result.err) && result.err.includes(CJSON_TOO_DEEP)) this.engine = null;
    // (Cached chunks' results are checked inside the VM, by RESULT_FILTER.)
    else if (typeof result === 'object' && result !== null && !engine.cache && nestsDeeper(result, SAFE_RESULT_DEPTH)) this.engine = null;
    return result;
  }

  /** Compiles `source` without running it: null when it compiles, else Lua's message. */
  compileError(source: Buffer): string | null {
    const r = this.run(IDLE_HOST, { source: COMPILE_CHECK, sha: 'cinder-compile', argv: [source.latin1Slice()], first: 0, keyCount: 0 }, UNLIMITED);
    return Buffer.isBuffer(r) ? r.toString('latin1') : null;
  }

  /**
   * Bytes the Lua heap holds (INFO used_memory_lua: Redis reports its Lua allocator's count, not
   * the size of the WebAssembly memory around it). From inside a script the last answer stands.
   */
  heapBytes(): number {
    // Building a VM takes about 100 ms: INFO reports what a fresh one holds until one exists.
    if (this.engine === null) return FRESH_VM_HEAP_BYTES;
    if (!this.running) this.measureHeap(this.engine);
    return this.heapBytesSeen;
  }

  /** The VM, built now if there is none. */
  private ready(): Engine {
    if (this.engine !== null) return this.engine;
    engineFuelCounters();
    const engine = new Engine(this.owner);
    this.engine = engine;
    this.measureHeap(engine);
    return engine;
  }

  private measureHeap(engine: Engine): void {
    engine.setFuel(0);
    const bytes = evalText(engine, LUA_HEAP_BYTES, 'cinder-memory', [], 0, 0);
    if (typeof bytes === 'number') this.heapBytesSeen = bytes;
  }

  /** redis.call from the VM: the budget's deadline, redis.set_repl's channel, then the host. */
  private dispatch(argv: string[]): LuaValue {
    if (performance.now() > this.deadline) throw STOPPED;
    const host = this.host;
    if (host === null) return noHost;
    if (argv.length === 2 && argv[0] === SET_REPL_CALL) {
      host.setRepl(Number(argv[1]));
      return null;
    }
    try {
      return host.call(argv);
    } catch (e) {
      return { err: Buffer.from(e instanceof Error ? e.message : String(e), 'utf8') };
    }
  }
}

const IDLE_HOST: ScriptHost = { call: () => noHost, log: () => {}, setResp: () => {}, setRepl: () => {} };

function isFuelError(v: LuaValue): boolean {
  if (typeof v !== 'object' || v === null || !('err' in v) || v.meta === undefined) return false;
  // Raised inside a nested Lua function, the message carries that function's location first.
  return v.err.toString('latin1').replace(/^user_script:\d+: /, '') === FUEL_EXHAUSTED;
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

/** The package's evaluator internals we call (its public evalWithArgs hashes and copies; see ENGINE_INTERNALS). */
interface Decoder {
  callEvalWithArgs(scriptPtr: number, scriptLen: number, argsPtr: number, argsLen: number, keyCount: number): unknown;
  decodeResult(result: unknown, sha: string): LuaValue;
}

/** Evaluates a chunk, compiled once where the VM has a chunk cache. */
function evalChunk(e: Engine, c: Chunk): LuaValue {
  if (c.member !== undefined) return evalMember(e, c.source, c.member, c.sha, c.argv, c.first, c.keyCount);
  const stub = compiledStub(e, c.source);
  return evalText(e, stub ?? c.source, c.sha, c.argv, c.first, c.keyCount);
}

/**
 * Calls `member(KEYS, ARGV)` of the table a library chunk returns (functions.ts): the chunk runs
 * once per VM (its upvalues live on between calls, as a library's do in Redis); its first
 * evaluation is also when its top-level code runs. `member` is a function name
 * ([A-Za-z0-9_]+).
 */
function evalMember(e: Engine, library: Buffer, member: string, sha: string, argv: readonly string[], first: number, keyCount: number): LuaValue {
  const cache = chunkCacheOf(e);
  let slot = cache?.instances.get(library);
  if (cache && slot === undefined) {
    const compiledAt = compileIntoSlot(e, cache, library);
    if (compiledAt > 0) {
      const made = evalText(e, Buffer.from(`local c = ${CACHE_TABLE} c[${compiledAt}] = c[${compiledAt}]() return 1`, 'latin1'), sha, argv, first, keyCount);
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
    return evalText(e, stub, sha, argv, first, keyCount);
  }
  // No cache on this VM: build the library and call the member in one chunk (on line 1).
  const text = Buffer.concat([Buffer.from('return ((function() ', 'latin1'), library, Buffer.from(`\nend)()['${member}'](KEYS, ARGV))`, 'latin1')]);
  return evalText(e, text, sha, argv, first, keyCount);
}

const NOT_ENOUGH_MEMORY: LuaValue = { err: Buffer.from('ERR not enough memory') };

/**
 * The engine's evaluation entry point below its public evalWithArgs, which hashes the script in
 * JavaScript on every call (a fifth of an EVALSHA's time) and copies every argument twice. We know
 * the SHA1 already and write KEYS/ARGV straight into the VM's memory.
 */
function evalText(e: Engine, source: Buffer, sha: string, argv: readonly string[], first: number, keyCount: number): LuaValue {
  const decoder = e.decoder as unknown as Decoder;
  // Argument block: [count u32] then [len u32][bytes] per argument.
  let size = 4;
  for (let i = first; i < argv.length; i++) size += 4 + argv[i].length;
  const ex = e.exports;
  const scriptPtr = ex.alloc(source.length);
  const argsPtr = ex.alloc(size);
  if (scriptPtr === 0 || argsPtr === 0) {
    // The VM's memory is capped (KEYS/ARGV of more than about 16 MB in all do not fit): answer
    // as Lua's own allocation failure does.
    if (scriptPtr !== 0) ex.free_mem(scriptPtr);
    if (argsPtr !== 0) ex.free_mem(argsPtr);
    return NOT_ENOUGH_MEMORY;
  }
  const h = e.heap();
  h.set(source, scriptPtr);
  h.writeUInt32LE(argv.length - first, argsPtr);
  let at = argsPtr + 4;
  for (let i = first; i < argv.length; i++) {
    const a = argv[i];
    h.writeUInt32LE(a.length, at);
    at += 4;
    if (a.length > 0) at += h.latin1Write(a, at, a.length);
  }
  // (Not freed when the evaluation throws: the VM is discarded then.)
  const raw = decoder.callEvalWithArgs(scriptPtr, source.length, argsPtr, size, keyCount);
  ex.free_mem(scriptPtr);
  ex.free_mem(argsPtr);
  return decoder.decodeResult(raw, sha);
}

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
 * below the script's, where C code is in Redis: hideLines makes it look like one. Every VM (a
 * replacement, the long-script worker's) has its own.
 */
const CACHE_KEY = "'\\0cinder.chunks'";
const CACHE_TABLE = `getmetatable(_G)[${CACHE_KEY}]`;

/** Addresses of the globals' metatable and of `redis` (the engine's tostring of a table is its address). */
const LOCATE = Buffer.from('return {tostring(getmetatable(_G)), tostring(redis)}', 'latin1');

/**
 * `result(v)`, which every cached chunk's result passes through before the engine encodes it:
 * what Redis would answer where the engine cannot be trusted to.
 * - A table nested too deep (or containing itself) becomes Redis's "reached lua stack limit"
 *   error (Redis nests a few thousand levels first).
 * - A function, coroutine or userdata, where the engine fails the whole result, becomes the null
 *   Redis gives it.
 * - A table with a metatable is replaced by a plain copy of what Redis reads of it (raw reads of
 *   err, ok, double, big_number, verbatim_string, map, set and the array part): the engine reads
 *   fields through metamethods, outside any protected call, so a failing __index panicked it.
 */
const RESULT_FILTER = [
  'local tp, rg, rs, nx, gm = type, rawget, rawset, next, getmetatable',
  'local function odd(t) return t == "function" or t == "thread" or t == "userdata" end',
  // true: fine as it is; false: too deep; 1: some table in it has a metatable.
  'local function walk(v, depth)',
  `  if depth > ${SAFE_RESULT_DEPTH} then return false end`,
  '  if gm(v) ~= nil then return 1 end',
  "  if tp(rg(v, 'err')) == 'string' or tp(rg(v, 'ok')) == 'string' then return true end",
  "  local vs = rg(v, 'verbatim_string')",
  "  if tp(vs) == 'table' and gm(vs) ~= nil then return 1 end",
  "  local m = rg(v, 'map')",
  "  if tp(m) == 'table' then if gm(m) ~= nil then return 1 end for k, x in nx, m do",
  "    if tp(k) == 'table' then local s = walk(k, depth + 1) if s ~= true then return s end end",
  "    if tp(x) == 'table' then local s = walk(x, depth + 1) if s ~= true then return s end end",
  '  end end',
  "  local s = rg(v, 'set')",
  "  if tp(s) == 'table' then if gm(s) ~= nil then return 1 end for k in nx, s do if tp(k) == 'table' then local r = walk(k, depth + 1) if r ~= true then return r end end end end",
  '  local i, x = 1, rg(v, 1)',
  '  while x ~= nil do',
  '    local t = tp(x)',
  "    if t == 'table' then local r = walk(x, depth + 1) if r ~= true then return r end elseif odd(t) then rs(v, i, false) end",
  '    i = i + 1 x = rg(v, i)',
  '  end',
  '  return true',
  'end',
  // A plain copy (no metatables anywhere) of what the encoder reads; nil when too deep.
  'local copy',
  'local function item(x, depth) if tp(x) == "table" then return copy(x, depth) end if odd(tp(x)) then return false end return x end',
  'copy = function(v, depth)',
  `  if depth > ${SAFE_RESULT_DEPTH} then return nil end`,
  "  local c = {err = rg(v, 'err'), ok = rg(v, 'ok'), double = rg(v, 'double'), big_number = rg(v, 'big_number')}",
  "  local vs = rg(v, 'verbatim_string')",
  "  if tp(vs) == 'table' then vs = {format = rg(vs, 'format'), string = rg(vs, 'string')} end",
  '  c.verbatim_string = vs',
  "  local m = rg(v, 'map')",
  "  if tp(m) == 'table' then local cm = {} for k, x in nx, m do",
  '    local ck, cx = item(k, depth + 1), item(x, depth + 1) if ck == nil or cx == nil then return nil end cm[ck] = cx',
  '  end m = cm end',
  '  c.map = m',
  "  local s = rg(v, 'set')",
  "  if tp(s) == 'table' then local cs = {} for k, x in nx, s do local ck = item(k, depth + 1) if ck == nil then return nil end cs[ck] = x end s = cs end",
  '  c.set = s',
  '  local i, x = 1, rg(v, 1)',
  '  while x ~= nil do local cx = item(x, depth + 1) if cx == nil then return nil end c[i] = cx i = i + 1 x = rg(v, i) end',
  '  return c',
  'end',
  'local function result(v)',
  '  local t = tp(v)',
  "  if t == 'table' then",
  '    local s = walk(v, 1)',
  '    if s == 1 then v = copy(v, 1) s = v ~= nil end',
  "    if s then return v end return {err = 'ERR reached lua stack limit'}",
  '  end',
  '  if odd(t) then return nil end',
  '  return v',
  'end',
].join(' ');

/**
 * redis.set_repl with Redis 7.0's checks: one argument, read as C reads a Lua number into an int
 * (a non-number is 0, the fraction dropped, out of int range invalid), flags within REPL_ALL. It
 * reaches the host through redis.call under a name no command has (LuaVm.dispatch).
 */
const SET_REPL =
  'local rc, tn, sel, err = redis.call, tonumber, select, error ' +
  'local function set_repl(...) ' +
  "if sel('#', ...) ~= 1 then err('ERR redis.set_repl() requires two arguments.', 0) end " +
  'local n = tn((...)) or 0 ' +
  "if not (n > -1 and n < 4) then err('ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.', 0) end " +
  `if n < 0 then n = 0 end rc('${SET_REPL_CALL.replace('\0', '\\0')}', tostring(n - n % 1)) end ` +
  "rawset(redis, 'set_repl', set_repl) " +
  // redis.acl_check_cmd(command, args...): whether the script's caller may run it (the host
  // answers; an unknown command raises "Invalid command passed to redis.acl_check_cmd()").
  `local function acl_check_cmd(...) return rc('${ACL_CHECK_CALL.replace('\0', '\\0')}', ...) == 1 end ` +
  "rawset(redis, 'acl_check_cmd', acl_check_cmd) ";

/**
 * Installs set_repl, the cache with its `run(slot)` (which calls a compiled chunk and filters its
 * first result) and the number-safe `redis` stand-in (number-args.ts, a copy of `redis` made after
 * set_repl is in it); answers the addresses of what must be made read-only or line-less.
 */
const INSTALL = Buffer.from(
  SET_REPL +
    `local r = ${NUMBER_SAFE_REDIS} ${RESULT_FILTER} ` +
    'local cache = {} local function run(slot, member) ' +
    'if member then return result((cache[slot][member](KEYS, ARGV))) end return result((cache[slot]())) end cache.run = run ' +
    `rawset(getmetatable(_G), ${CACHE_KEY}, cache) rawset(getmetatable(_G), ${NUMBER_SAFE_REDIS_KEY}, r) ` +
    'return {tostring(r), tostring(run), tostring(r.call), tostring(r.pcall), tostring(set_repl)}',
  'latin1',
);
/** Compiles ARGV[1] into slot ARGV[2]: 1 when it compiled (the slot then holds it), else 0. */
const COMPILE_INTO_SLOT = Buffer.from(
  `local f = loadstring(ARGV[1], '@user_script') if f then ${CACHE_TABLE}[tonumber(ARGV[2])] = f return 1 end return 0`,
  'latin1',
);
const CLEAR = Buffer.from(`local c = ${CACHE_TABLE} for k in pairs(c) do if type(k) == 'number' then c[k] = nil end end`, 'latin1');

const { typeTagOffset: TABLE_TYPE_OFFSET, readonlyOffset: TABLE_READONLY_OFFSET, LUA_TTABLE } = ENGINE_INTERNALS.table;
const { isCOffset: CLOSURE_IS_C_OFFSET, protoOffset: CLOSURE_PROTO_OFFSET, LUA_TFUNCTION } = ENGINE_INTERNALS.closure;
const {
  LUA_TPROTO,
  lineinfoOffset: PROTO_LINEINFO_OFFSET,
  sizecodeOffset: PROTO_SIZECODE_OFFSET,
  sizelineinfoOffset: PROTO_SIZELINEINFO_OFFSET,
} = ENGINE_INTERNALS.proto;

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

/** The Table struct a `tostring(table)` result names, or -1 when it does not look like one. */
function tableAddress(e: Engine, described: LuaValue): number {
  const match = Buffer.isBuffer(described) ? /^table: 0x([0-9a-f]+)$/.exec(described.latin1Slice()) : null;
  if (match === null) return -1;
  const address = parseInt(match[1], 16);
  const heap = e.heap();
  return address + 16 <= heap.length && heap[address + TABLE_TYPE_OFFSET] === LUA_TTABLE ? address : -1;
}

/**
 * Makes a function a frame without a line, as C code is: its line table is zeroed. For `run`, which
 * is where Redis has the C code that calls a script: `error(msg, 2)` at a script's top level adds
 * no position, as in Redis. For the number-safe redis.call/pcall (number-args.ts) and set_repl,
 * which stand where Redis has C functions: the engine's error handler skips them and names the
 * script's line. Answers false when the closure `described` names does not look as expected.
 */
function hideLines(e: Engine, described: LuaValue): boolean {
  const match = Buffer.isBuffer(described) ? /^function: 0x([0-9a-f]+)$/.exec(described.latin1Slice()) : null;
  if (match === null) return false;
  const heap = e.heap();
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

function installChunkCache(e: Engine): ChunkCache | null {
  const located = evalText(e, LOCATE, 'cinder-cache', [], 0, 0);
  if (!Array.isArray(located) || located.length !== 2) return null;
  const metaAddress = tableAddress(e, located[0]);
  const redisAddress = tableAddress(e, located[1]);
  const heap = e.heap();
  if (metaAddress < 0 || redisAddress < 0) return null;
  if (heap.readInt32LE(metaAddress + TABLE_READONLY_OFFSET) !== 1 || heap.readInt32LE(redisAddress + TABLE_READONLY_OFFSET) !== 1) return null;
  heap.writeInt32LE(0, metaAddress + TABLE_READONLY_OFFSET);
  heap.writeInt32LE(0, redisAddress + TABLE_READONLY_OFFSET);
  let installed: LuaValue;
  try {
    installed = evalText(e, INSTALL, 'cinder-cache', [], 0, 0);
  } finally {
    e.heap().writeInt32LE(1, metaAddress + TABLE_READONLY_OFFSET);
    e.heap().writeInt32LE(1, redisAddress + TABLE_READONLY_OFFSET);
  }
  if (!Array.isArray(installed) || installed.length !== 5) return null;
  // The stand-in is read-only as the real `redis` is (rawset on it fails with Redis's error).
  const standAddress = tableAddress(e, installed[0]);
  if (standAddress < 0) return null;
  for (const fn of installed.slice(1)) if (!hideLines(e, fn)) return null;
  e.heap().writeInt32LE(1, standAddress + TABLE_READONLY_OFFSET);
  // (INSTALL answering at all means every rawset went through.)
  return { stubs: new Map(), instances: new Map(), memberStubs: new Map(), slots: 0, bytes: 0 };
}

/**
 * The stub that runs `source` compiled once (compiling it into the cache now if needed), or null
 * to evaluate the text itself (no cache on this VM, or it does not compile: the engine then
 * reports the error as it always has).
 */
function compiledStub(e: Engine, source: Buffer): Buffer | null {
  const cache = chunkCacheOf(e);
  if (cache === null) return null;
  const stub = cache.stubs.get(source);
  if (stub !== undefined) return stub;
  const slot = compileIntoSlot(e, cache, source);
  if (slot === 0) return null;
  const made = Buffer.from(`return ${CACHE_TABLE}.run(${slot})`, 'latin1');
  cache.stubs.set(source, made);
  return made;
}

function chunkCacheOf(e: Engine): ChunkCache | null {
  if (e.cache === undefined) e.cache = installChunkCache(e);
  return e.cache;
}

/** Compiles `source` into a new slot and answers it, or 0 (too big to keep, or no compile). */
function compileIntoSlot(e: Engine, cache: ChunkCache, source: Buffer): number {
  if (source.length > MAX_CACHED_SOURCE_BYTES) return 0;
  if (cache.slots >= MAX_CACHED_CHUNKS || cache.bytes + source.length > MAX_CACHED_SOURCE_BYTES) clearCache(e, cache);
  const slot = cache.slots + 1;
  const compiled = evalText(e, COMPILE_INTO_SLOT, 'cinder-cache', [source.latin1Slice(), String(slot)], 0, 0);
  if (compiled !== 1) return 0;
  cache.slots = slot;
  cache.bytes += source.length;
  return slot;
}

function clearCache(e: Engine, cache: ChunkCache): void {
  evalText(e, CLEAR, 'cinder-cache', [], 0, 0);
  cache.stubs.clear();
  cache.instances.clear();
  cache.memberStubs.clear();
  cache.slots = 0;
  cache.bytes = 0;
}

/** For the contract test: a bare engine instance, built as LuaVm builds one, and raw access to it. */
export function inspectEngine(): {
  exports: WasmExports;
  heap: () => Buffer;
  /** Evaluates `source` as it is (no chunk cache), with the given ARGV. */
  eval: (source: string, ...args: string[]) => LuaValue;
  installCache: () => boolean;
} {
  const e = new Engine({ call: () => null, log: () => {}, setResp: () => {}, stopOnError: () => false, output: () => {} });
  return {
    exports: e.exports,
    heap: () => e.heap(),
    eval: (source, ...args) => evalText(e, Buffer.from(source, 'latin1'), 'contract', args, 0, 0),
    installCache: () => chunkCacheOf(e) !== null,
  };
}
