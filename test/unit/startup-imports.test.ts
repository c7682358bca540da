/**
 * What a server that has run no script does not load (docs/BENCHMARKS.md "Startup and idle
 * memory"): the Lua engine package, node:worker_threads (the long-script worker) and
 * node:child_process (the node 20 launcher's spawn). Each is loaded on first use instead. Checked
 * in a fresh node process, since this test runner has loaded everything long ago.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** dist/src (this file runs from dist/test/unit). */
const DIST_SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
/** The TypeScript sources. */
const SRC = path.resolve(DIST_SRC, '../../src');

/** Modules no file may import statically (type imports aside), but for the entry points named. */
const DEFERRED: Record<string, readonly string[]> = {
  'lua-redis-wasm': [],
  'node:worker_threads': ['scripting/script-worker.ts'],
  'node:child_process': [],
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

const PROBE = `
import { createRequire } from 'node:module';
const src = ${JSON.stringify(pathToFileURL(DIST_SRC).href)};
const require = createRequire(src + '/index.js');
const loaded = () => ({
  luaPackage: Object.keys(require.cache).some((f) => f.includes('lua-redis-wasm')),
  workerThreads: process.moduleLoadList.includes('NativeModule worker_threads'),
  childProcess: process.moduleLoadList.includes('NativeModule child_process'),
});
// Everything the serving process imports (the executable's second half), then an engine.
await import(src + '/bin/server-main.js');
const { open } = await import(src + '/index.js');
const db = open();
const atStart = loaded();
const usedMemoryLua = /used_memory_lua:(\\d+)/.exec(db.callSync('INFO', 'memory'))[1];
const reply = db.callSync('EVAL', "return redis.call('PING')", '0');
const afterEval = loaded();
db.close();
process.stdout.write(JSON.stringify({ atStart, usedMemoryLua, reply, afterEval }));
process.exit(0);
`;

describe('startup imports', () => {
  it('no source file imports the deferred modules statically (ESM imports load at startup)', () => {
    const found: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const rel = path.relative(SRC, file);
      const text = fs.readFileSync(file, 'utf8');
      for (const [mod, allowed] of Object.entries(DEFERRED)) {
        // import x from 'm', import { a } from 'm', import 'm', export ... from 'm'; not `import type`.
        const re = new RegExp(`^\\s*(?:(?:import(?!\\s+type\\s)|export(?!\\s+type\\s))[^;'"()]*?\\sfrom\\s*|import\\s*)['"]${mod}['"]`, 'm');
        if (re.test(text) && !allowed.includes(rel)) found.push(`${rel}: ${mod}`);
      }
    }
    assert.deepEqual(found, []);
  });

  it('a fresh server loads neither the Lua engine, worker_threads nor child_process; the first EVAL loads the engine', () => {
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', PROBE], { encoding: 'utf8' })) as {
      atStart: Record<string, boolean>;
      usedMemoryLua: string;
      reply: string;
      afterEval: Record<string, boolean>;
    };
    assert.deepEqual(out.atStart, { luaPackage: false, workerThreads: false, childProcess: false });
    // INFO reports a fresh VM's heap before any VM exists (as before the deferral).
    assert.ok(Number(out.usedMemoryLua) > 0, out.usedMemoryLua);
    assert.equal(out.reply, 'PONG');
    assert.deepEqual(out.afterEval, { luaPackage: true, workerThreads: false, childProcess: false });
  });
});
