/**
 * The compiled-chunk cache (src/scripting/lua-vm.ts): scripts and libraries are compiled once per
 * VM and kept under a bound; these check that what a script answers never depends on it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { open, ReplyError } from '../../src/embedded/index.js';

describe('compiled-chunk cache', () => {
  it('answers stay right across the cache starting over and a VM replacement', async () => {
    const db = open();
    try {
      const first = (await db.call('SCRIPT', 'LOAD', 'return {KEYS[1], ARGV[1], 1 + 1}')) as string;
      assert.deepEqual(await db.call('EVALSHA', first, '1', 'k', 'a'), ['k', 'a', 2]);
      // cjson refuses this table only after its C recursion went too deep: the VM is replaced
      // (its memory can be damaged; a trace of the scripting tests trapped later without this).
      await assert.rejects(
        db.call('EVAL', 'local t = {} local c = t for i = 1, 1100 do c[1] = {} c = c[1] end return cjson.encode(t)', '0'),
        (e: unknown) => e instanceof ReplyError && /excessive nesting/.test(e.message),
      );
      // More distinct scripts than the cache keeps (it starts over past 2000).
      for (let i = 0; i < 2300; i++) {
        assert.equal(await db.call('EVAL', `return ${i} + tonumber(ARGV[1])`, '0', '1'), i + 1);
      }
      assert.deepEqual(await db.call('EVALSHA', first, '1', 'k2', 'b'), ['k2', 'b', 2]);
    } finally {
      db.close();
    }
  });

  it("INFO used_memory_lua is the Lua heap (Redis's allocator count), also asked from a script", async () => {
    const db = open();
    try {
      const field = (info: string) => Number(/used_memory_lua:(\d+)/.exec(info)?.[1]);
      // A fresh Redis 7.0 says 32768; the WebAssembly memory around the heap is 64 MB (and the
      // heap holds what earlier tests in this process compiled).
      const before = field((await db.call('INFO', 'memory')) as string);
      assert.ok(before > 16 * 1024 && before < 32 * 1024 * 1024, String(before));
      const fromScript = field((await db.call('EVAL', "return redis.call('INFO', 'memory')", '0')) as string);
      assert.ok(fromScript > 16 * 1024 && fromScript < 32 * 1024 * 1024, String(fromScript));
    } finally {
      db.close();
    }
  });

  it('a library keeps its state between calls and starts over when replaced', async () => {
    const db = open();
    try {
      const lib = (start: number) => `#!lua name=counter\nlocal n = ${start}\nredis.register_function('bump', function(keys, args) n = n + tonumber(args[1]) return n end)`;
      await db.call('FUNCTION', 'LOAD', lib(0));
      assert.equal(await db.call('FCALL', 'bump', '0', '1'), 1);
      assert.equal(await db.call('FCALL', 'bump', '0', '5'), 6);
      await db.call('FUNCTION', 'LOAD', 'REPLACE', lib(100));
      assert.equal(await db.call('FCALL', 'bump', '0', '1'), 101);
    } finally {
      db.close();
    }
  });
});
