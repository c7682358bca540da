/**
 * The contract with lua-redis-wasm's internals: every assumption src/scripting/lua-vm.ts (and
 * host-calls.ts) makes below the package's public API, checked against the installed package.
 * Written for lua-redis-wasm 1.5.0 (ENGINE_INTERNALS.packageVersion). After an upgrade, a
 * failure here names the internal that moved: fix ENGINE_INTERNALS (or the code using it) and the
 * version together.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createHash } from 'node:crypto';
import * as pkg from 'lua-redis-wasm';
import {
  ENGINE_INTERNALS,
  FRESH_VM_HEAP_BYTES,
  FUEL_EXHAUSTED,
  LuaVm,
  OUT_OF_BUDGET,
  REDIS_PROPS,
  UNLIMITED,
  engineFuelCounters,
  engineModule,
  engineWasmPath,
  inspectEngine,
  providedImports,
  type LuaValue,
  type RunResult,
  type ScriptHost,
} from '../../src/scripting/lua-vm.js';

const bytes = (s: string) => Buffer.from(s, 'latin1');

/** A host that records what the VM asked of it and answers redis.call with `answer(argv)`. */
function recordingHost(answer: (argv: string[]) => LuaValue = () => ({ ok: bytes('PONG') })) {
  const seen = { calls: [] as string[][], logs: [] as Array<[number, string]>, resp: [] as number[], repl: [] as number[] };
  const host: ScriptHost = {
    call: (argv) => {
      seen.calls.push(argv);
      return answer(argv);
    },
    log: (level, message) => seen.logs.push([level, message.toString('latin1')]),
    setResp: (version) => seen.resp.push(version),
    setRepl: (flags) => seen.repl.push(flags),
  };
  return { host, seen };
}

function run(vm: LuaVm, host: ScriptHost, source: string, budget = UNLIMITED, argv: string[] = []): RunResult {
  return vm.run(host, { source: bytes(source), sha: 'c0ffee', argv, first: 0, keyCount: 0 }, budget);
}

describe('lua-redis-wasm contract', () => {
  it(`is the version these internals were read from (${ENGINE_INTERNALS.packageVersion})`, () => {
    const entry = createRequire(import.meta.url).resolve('lua-redis-wasm');
    const manifest = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
    assert.equal(manifest.version, ENGINE_INTERNALS.packageVersion);
  });

  it('ships its WebAssembly next to its Node entry point, compilable synchronously', () => {
    assert.ok(existsSync(engineWasmPath()), engineWasmPath());
    assert.ok(engineModule() instanceof WebAssembly.Module);
  });

  it("needs exactly the imports we provide (the Emscripten glue's, reimplemented)", () => {
    const needed = WebAssembly.Module.imports(engineModule());
    for (const i of needed) {
      assert.equal(i.kind, 'function', `${i.module}.${i.name}`);
      assert.ok(i.module === 'env' || i.module === 'wasi_snapshot_preview1', i.module);
    }
    assert.deepEqual(new Set(needed.map((i) => i.name)), new Set(providedImports()));
  });

  it('exports what we call, with the arities we call them with', () => {
    const exported = new Map(WebAssembly.Module.exports(engineModule()).map((e) => [e.name, e.kind]));
    for (const name of ENGINE_INTERNALS.exports) assert.ok(exported.has(name), name);
    assert.equal(exported.get('memory'), 'memory');
    assert.equal(exported.get('__indirect_function_table'), 'table');
    const { exports } = inspectEngine();
    assert.equal(exports.set_limits.length, 3);
    assert.equal(exports.set_compat.length, 1);
    assert.equal(exports.alloc.length, 1);
    assert.equal(exports.free_mem.length, 1);
    assert.equal(exports.setThrew.length, 2);
    // With or without a return pointer: the package's LuaEngine handles both.
    assert.ok([5, 6].includes(exports.eval_with_args.length), String(exports.eval_with_args.length));
  });

  it('memory does not grow: an allocation past it fails with 0', () => {
    const { exports } = inspectEngine();
    assert.equal(exports.alloc(200 * 1024 * 1024), 0);
    assert.ok(exports.alloc(64) > 0);
  });

  it('LuaEngine decodes results over our exports object (constructor and private methods)', () => {
    // Both builds: lua-vm.ts loads the CommonJS one, on first use (synchronously).
    const cjs = createRequire(import.meta.url)('lua-redis-wasm') as typeof pkg;
    for (const LuaEngine of [pkg.LuaEngine, cjs.LuaEngine]) {
      assert.equal(typeof LuaEngine, 'function');
      for (const method of ENGINE_INTERNALS.luaEngineMethods) assert.equal(typeof (LuaEngine.prototype as unknown as Record<string, unknown>)[method], 'function', method);
    }
    const e = inspectEngine();
    assert.deepEqual(e.eval("return {1, 'a', ARGV[1], {ok='fine'}}", 'x'), [1, bytes('a'), bytes('x'), { ok: bytes('fine') }]);
    // Errors that abort a script carry their line and the name we passed (meta).
    const error = e.eval('local x = 1\nerror("boom")') as { err: Buffer; code: Buffer; meta: { line: number; sha: string } };
    assert.equal(error.err.toString('latin1'), 'user_script:2: boom');
    assert.equal(error.code.toString('latin1'), 'ERR');
    assert.deepEqual(error.meta, { line: 2, sha: 'contract' });
    // The globals-protection marker convert.ts words as Redis does.
    const global = e.eval('return nosuchglobal') as { meta: { kind: string; name: string } };
    assert.equal(global.meta.kind, 'global-read');
    assert.equal(global.meta.name, 'nosuchglobal');
  });

  it("setjmp/longjmp through invoke_vii: Lua's errors and pcall work", () => {
    const e = inspectEngine();
    assert.deepEqual(e.eval("local ok, m = pcall(error, 'x', 0) return {ok == false and 1 or 0, m}"), [1, bytes('x')]);
    assert.deepEqual(e.eval("local n = 0 for i = 1, 50 do if not pcall(function() error('e') end) then n = n + 1 end end return n"), 50);
  });

  it('the redis-7.0 profile (set_compat): no print, no os, no server alias', () => {
    const e = inspectEngine();
    for (const name of ['print', 'os', 'server']) {
      const r = e.eval(`return ${name}`) as { meta?: { kind: string } };
      assert.equal(r.meta?.kind, 'global-read', name);
    }
  });

  it('host_redis_props: our blob gives redis.* the constants and stubs of REDIS_PROPS', () => {
    const e = inspectEngine();
    assert.deepEqual(e.eval('return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM, redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}'), [
      bytes(REDIS_PROPS.REDIS_VERSION.value),
      REDIS_PROPS.REDIS_VERSION_NUM.value,
      0,
      1,
      2,
      2,
      3,
    ]);
    // Stubs answer their constant (a null one answers nothing).
    assert.deepEqual(e.eval("return {redis.replicate_commands(), redis.acl_check_cmd('get'), type(redis.breakpoint()), select('#', redis.debug()), select('#', redis.set_repl(1))}"), [
      1,
      1,
      bytes('boolean'),
      0,
      0,
    ]);
  });

  it('Table struct: type tag and the read-only flag (the chunk cache and set_repl depend on them)', () => {
    const e = inspectEngine();
    const { typeTagOffset, readonlyOffset, LUA_TTABLE } = ENGINE_INTERNALS.table;
    const described = (e.eval('return tostring(redis)') as Buffer).toString('latin1');
    const address = parseInt(/^table: 0x([0-9a-f]+)$/.exec(described)![1], 16);
    const heap = e.heap();
    assert.equal(heap[address + typeTagOffset], LUA_TTABLE);
    assert.equal(heap.readInt32LE(address + readonlyOffset), 1);
    const refused = e.eval("rawset(redis, 'x', 1)") as { err: Buffer };
    assert.match(refused.err.toString('latin1'), /Attempt to modify a readonly table/);
    heap.writeInt32LE(0, address + readonlyOffset);
    assert.equal(e.eval("rawset(redis, 'x', 1) return redis.x"), 1);
    heap.writeInt32LE(1, address + readonlyOffset);
    assert.match((e.eval("rawset(redis, 'y', 1)") as { err: Buffer }).err.toString('latin1'), /readonly/);
    // A fresh table is writable (flag 0).
    const fresh = parseInt(/0x([0-9a-f]+)/.exec((e.eval('return tostring({})') as Buffer).toString('latin1'))![1], 16);
    assert.equal(heap[fresh + typeTagOffset], LUA_TTABLE);
  });

  it('LClosure and Proto: C flag, Proto pointer, line table', () => {
    const e = inspectEngine();
    const { isCOffset, protoOffset, LUA_TFUNCTION } = ENGINE_INTERNALS.closure;
    const { LUA_TPROTO, lineinfoOffset, sizecodeOffset, sizelineinfoOffset } = ENGINE_INTERNALS.proto;
    const { typeTagOffset } = ENGINE_INTERNALS.table;
    const address = (v: LuaValue) => parseInt(/^function: 0x([0-9a-f]+)$/.exec((v as Buffer).toString('latin1'))![1], 16);
    const heap = e.heap();
    const c = address(e.eval('return tostring(type)'));
    assert.equal(heap[c + typeTagOffset], LUA_TFUNCTION);
    assert.equal(heap[c + isCOffset], 1);
    // A Lua function on lines 1-4: its line table has a line per instruction (the last, the
    // implicit return, is on the `end` line).
    const lua = address(e.eval('return tostring(function(a)\nlocal b = a + 1\nreturn b\nend)'));
    assert.equal(heap[lua + typeTagOffset], LUA_TFUNCTION);
    assert.equal(heap[lua + isCOffset], 0);
    const proto = heap.readUInt32LE(lua + protoOffset);
    assert.equal(heap[proto + typeTagOffset], LUA_TPROTO);
    const count = heap.readInt32LE(proto + sizelineinfoOffset);
    assert.ok(count > 0);
    assert.equal(heap.readInt32LE(proto + sizecodeOffset), count);
    const lines = heap.readUInt32LE(proto + lineinfoOffset);
    const seen = new Set(Array.from({ length: count }, (_, i) => heap.readInt32LE(lines + 4 * i)));
    assert.deepEqual([...seen].sort(), [2, 3, 4]);
  });

  it('the chunk cache installs (globals metatable and redis made writable for one evaluation)', () => {
    assert.equal(inspectEngine().installCache(), true);
  });

  it('fuel: the limit and remaining counters are found, and the limit is what an evaluation gets', () => {
    const counters = engineFuelCounters();
    assert.ok(counters !== null, 'fuel counters not found');
    assert.equal(counters.remaining, counters.limit + 8);
    const { hookStep } = ENGINE_INTERNALS.fuel;
    const e = inspectEngine();
    const heap = e.heap();
    heap.writeBigInt64LE(1_000_000_000n, counters.limit);
    assert.equal(e.eval('local n = 0 for i = 1, 10000 do n = n + i end return n'), 50005000);
    const spent = 1_000_000_000 - Number(heap.readBigInt64LE(counters.remaining));
    assert.ok(spent >= 10 * hookStep && spent <= 100 * hookStep && spent % hookStep === 0, String(spent));
    heap.writeBigInt64LE(BigInt(5 * hookStep), counters.limit);
    const stopped = e.eval('local n = 0 for i = 1, 100000 do n = n + i end return n') as { err: Buffer };
    assert.equal(stopped.err.toString('latin1'), FUEL_EXHAUSTED);
  });

  it('a spent budget stops a script even inside pcall, and the VM carries on with a fresh engine', () => {
    const vm = new LuaVm();
    const { host } = recordingHost();
    const budget = { instructions: 20_000, deadline: Infinity };
    assert.equal(run(vm, host, 'while true do pcall(function() while true do end end) end', budget), OUT_OF_BUDGET);
    assert.equal(run(vm, host, 'local ok = pcall(function() while true do end end) return 1', budget), OUT_OF_BUDGET);
    assert.equal(run(vm, host, 'return 1 + 1'), 2);
  });

  it('a passed deadline stops a script at its next redis.call, which is not made, pcall or not', () => {
    const vm = new LuaVm();
    const { host, seen } = recordingHost();
    const past = { instructions: 0, deadline: performance.now() - 1 };
    assert.equal(run(vm, host, "while true do pcall(redis.call, 'ping') end", past), OUT_OF_BUDGET);
    assert.equal(run(vm, host, "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end", past), OUT_OF_BUDGET);
    assert.equal(seen.calls.length, 0);
    assert.deepEqual(run(vm, host, "return redis.call('ping')"), { ok: bytes('PONG') });
  });

  it('host_redis_call/pcall: our argument and reply wire format (host-calls.ts)', () => {
    const vm = new LuaVm();
    const replies: Record<string, LuaValue> = {
      int: 42,
      big: 2n ** 40n,
      bulk: bytes('a\0b'),
      nil: null,
      status: { ok: bytes('OK') },
      error: { err: bytes('WRONGTYPE bad') },
      array: [1, bytes('x'), [2, null]],
      map: { map: [[bytes('k'), 1]] },
      set: { set: [bytes('m')] },
      double: { double: 1.5 },
      bool: true,
      bignum: { big_number: bytes('123456789012345678901234567890') },
      verbatim: { verbatim_string: { format: bytes('txt'), string: bytes('hello') } },
    };
    const { host, seen } = recordingHost((argv) => replies[argv[0]]);
    const script = [
      'redis.setresp(3)',
      "local function show(v) local t = type(v) if t == 'table' then local parts = {} for k, x in pairs(v) do parts[#parts + 1] = tostring(k) .. '=' .. show(x) end table.sort(parts) return '{' .. table.concat(parts, ',') .. '}' end return t .. ':' .. tostring(v) end",
      'local out = {}',
      "for _, name in ipairs({'int', 'big', 'bulk', 'nil', 'status', 'array', 'map', 'set', 'double', 'bool', 'bignum', 'verbatim'}) do out[#out + 1] = name .. ' ' .. show(redis.call(name, 'arg\\0x', '')) end",
      "out[#out + 1] = 'error ' .. show(redis.pcall('error'))",
      'return out',
    ].join('\n');
    const result = (run(vm, host, script) as Buffer[]).map((b) => b.toString('latin1'));
    assert.deepEqual(result, [
      'int number:42',
      'big number:1099511627776',
      'bulk string:a\0b',
      // (The engine gives false for a null reply whatever the protocol.)
      'nil boolean:false',
      'status {ok=string:OK}',
      'array {1=number:1,2=string:x,3={1=number:2,2=boolean:false}}',
      'map {map={k=number:1}}',
      'set {set={m=boolean:true}}',
      'double {double=number:1.5}',
      'bool boolean:true',
      'bignum {big_number=string:123456789012345678901234567890}',
      'verbatim {verbatim_string={format=string:txt,string=string:hello}}',
      'error {err=string:WRONGTYPE bad}',
    ]);
    assert.deepEqual(seen.calls[0], ['int', 'arg\0x', '']);
    assert.deepEqual(seen.resp, [3]);
  });

  it('host_redis_log, host_sha1hex and host_redis_setresp', () => {
    const vm = new LuaVm();
    const { host, seen } = recordingHost();
    assert.equal((run(vm, host, "redis.log(redis.LOG_WARNING, 'hi') redis.setresp(2) return redis.sha1hex('abc')") as Buffer).toString('latin1'), createHash('sha1').update('abc').digest('hex'));
    assert.deepEqual(seen.logs, [[3, 'hi']]);
    assert.deepEqual(seen.resp, [2]);
  });

  it('redis.set_repl reaches the host (through the redis.call channel, not as a command)', () => {
    const vm = new LuaVm();
    const { host, seen } = recordingHost();
    assert.equal(run(vm, host, 'redis.set_repl(redis.REPL_AOF) redis.set_repl(2.7) local x = 1 + 1 return redis.set_repl(0)'), null);
    assert.deepEqual(seen.repl, [1, 2, 0]);
    assert.equal(seen.calls.length, 0);
  });

  it("the engine's panic (exit) on arguments too big for its memory: not enough memory, and a fresh engine", () => {
    const printed: string[] = [];
    const vm = new LuaVm((text) => printed.push(text));
    const { host } = recordingHost();
    assert.deepEqual(run(vm, host, 'return #ARGV[1]', UNLIMITED, ['x'.repeat(40 * 1024 * 1024)]), { err: bytes('ERR not enough memory') });
    assert.equal(run(vm, host, 'return #ARGV[1]', UNLIMITED, ['x'.repeat(1024)]), 1024);
    assert.deepEqual(printed, []);
  });

  it('two VMs share no state', () => {
    const a = new LuaVm();
    const b = new LuaVm();
    const { host } = recordingHost();
    // A library-style chunk keeps state in its VM only.
    const lib = bytes("local n = 0 return {bump = function() n = n + 1 return n end}");
    const call = (vm: LuaVm) => vm.run(host, { source: lib, sha: 'lib', argv: [], first: 0, keyCount: 0, member: 'bump' });
    assert.equal(call(a), 1);
    assert.equal(call(a), 2);
    assert.equal(call(b), 1);
    assert.ok(a.heapBytes() > 0 && b.heapBytes() > 0);
  });

  it('a VM not built yet reports what a fresh one holds, without building it', () => {
    const vm = new LuaVm();
    assert.equal(vm.heapBytes(), FRESH_VM_HEAP_BYTES);
    assert.equal((vm as unknown as { engine: unknown }).engine, null, 'heapBytes built the VM');
    // Once built and used the measured heap takes over: the fresh size plus what the use left.
    const used = new LuaVm();
    used.compileError(bytes('return 1'));
    const measured = used.heapBytes();
    assert.ok(measured > FRESH_VM_HEAP_BYTES && measured < FRESH_VM_HEAP_BYTES + 64 * 1024, `${measured}`);
  });
});
