/**
 * Heap sizing (src/server/heap.ts) and the memory guard's rule (src/server/oom.ts), with the V8
 * heap's statistics and collections simulated.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  HEAP_FLOOR,
  maxmemoryRoom,
  missingNodeFlags,
  nodeFlagValue,
  oldSpaceMbFor,
  serverNodeFlags,
} from '../../src/server/heap.js';
import { createServer } from '../../src/cinder.js';
import { Config } from '../../src/server/config.js';
import type { HeapUsage } from '../../src/server/oom.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;

describe('heap sizing', () => {
  it('sizes the old space from maxmemory: 1.7 x maxmemory + 96 MB, at least 256 MB', () => {
    assert.equal(oldSpaceMbFor(0, 24 * GB), Math.ceil(0.75 * 24 * 1024));
    assert.equal(oldSpaceMbFor(0, 200 * MB), HEAP_FLOOR / MB);
    assert.equal(oldSpaceMbFor(50 * MB, 24 * GB), 256);
    assert.equal(oldSpaceMbFor(1 * GB, 24 * GB), Math.ceil(1.7 * 1024 + 96));
    // Not capped by the machine: maxmemory is the operator's word, as in Redis.
    assert.equal(oldSpaceMbFor(100 * GB, 24 * GB), Math.ceil(1.7 * 100 * 1024 + 96));
  });

  it('maxmemoryRoom is the rule read backwards: a heap sized for maxmemory has room for it', () => {
    for (const maxmemory of [1, 50 * MB, 300 * MB, 1 * GB, 7 * GB + 12345]) {
      const limit = oldSpaceMbFor(maxmemory, 24 * GB) * MB;
      assert.ok(maxmemoryRoom(limit) >= maxmemory, `${maxmemory}`);
    }
    assert.equal(maxmemoryRoom(50 * MB), 0);
  });

  it('reads node flags in every spelling, the last one winning', () => {
    const flags = ['--max-old-space-size=96', '--max_semi_space_size', '4', '--expose-gc', '--max-old-space-size=128'];
    assert.equal(nodeFlagValue('max-old-space-size', flags), '128');
    assert.equal(nodeFlagValue('max-semi-space-size', flags), '4');
    assert.equal(nodeFlagValue('expose-gc', flags), '');
    assert.equal(nodeFlagValue('stack-size', flags), undefined);
  });

  it('adds only the flags that were not given, keeping the given values', () => {
    assert.deepEqual(missingNodeFlags(0, []), serverNodeFlags(0));
    assert.deepEqual(missingNodeFlags(0, ['--max-old-space-size=96']), ['--max-semi-space-size=2', '--no-parallel-scavenge', '--expose-gc']);
    assert.deepEqual(missingNodeFlags(0, ['--max-old-space-size=96', '--max-semi-space-size=16', '--no-parallel-scavenge', '--expose_gc']), []);
    // A boolean flag given either way was decided by whoever started node: `--parallel-scavenge` is kept.
    assert.deepEqual(missingNodeFlags(0, ['--max-old-space-size=96', '--max-semi-space-size=16', '--parallel_scavenge', '--expose-gc']), []);
  });
});

/** A server whose memory guard reads a simulated heap; its log lines are kept. */
function guarded() {
  const server = createServer(new Config());
  const lines: string[] = [];
  server.log.sink = (line) => lines.push(line);
  const guard = server.memoryGuard;
  const heap: HeapUsage = { used: 10, limit: 100, external: 0 };
  let liveAfterCollect = 10;
  let collections = 0;
  guard.readHeap = () => ({ ...heap });
  guard.collect = () => {
    collections++;
    heap.used = liveAfterCollect;
  };
  guard.collectSpacingMs = 0;
  guard.processBudget = 1000;
  return {
    server,
    guard,
    heap,
    lines,
    setLive: (v: number) => (liveAfterCollect = v),
    collections: () => collections,
  };
}

describe('memory guard', () => {
  it('is not full while the heap has room, and samples it without collecting', () => {
    const g = guarded();
    for (const used of [10, 50, 69, 74]) {
      g.heap.used = used;
      g.guard.check();
      assert.equal(g.guard.heapFull, false, `${used}`);
    }
    assert.equal(g.collections(), 0);
  });

  it('past 75% of a heap that was 60% live it collects to learn the live size', () => {
    const g = guarded();
    // A heap last seen 65% live (a collection while full showed it), then back under 60% used.
    g.heap.used = 90;
    g.guard.check();
    g.server.dirty++;
    g.setLive(65);
    g.guard.check();
    assert.equal(g.guard.heapFull, true);
    g.heap.used = 55;
    g.guard.check();
    assert.equal(g.guard.heapFull, false);
    // It grows past 75%: garbage (62% live) is not full, live data (72%) is.
    const before = g.collections();
    g.heap.used = 80;
    g.setLive(62);
    g.guard.check();
    assert.equal(g.collections(), before + 1);
    assert.equal(g.guard.heapFull, false);
    g.heap.used = 80;
    g.setLive(72);
    g.guard.check();
    assert.equal(g.guard.heapFull, true);
  });

  it('a heap that was less live is not collected by the guard (a cache held at maxmemory)', () => {
    const g = guarded();
    g.heap.used = 82;
    g.guard.check();
    assert.equal(g.collections(), 0);
    assert.equal(g.guard.heapFull, false);
  });

  it('past 85% used it is full at once; one warning per episode; room again below 60%', () => {
    const g = guarded();
    g.heap.used = 90;
    g.setLive(90);
    for (let i = 0; i < 5; i++) g.guard.check();
    assert.equal(g.guard.heapFull, true);
    assert.equal(g.lines.filter((l) => l.includes('memory is nearly full')).length, 1);
    assert.match(g.lines[0], /of the V8 heap's \d+ MB limit hold live data/);
    // Once full it collects to confirm, then only after a change that may free memory.
    assert.equal(g.collections(), 1);
    g.guard.check();
    assert.equal(g.collections(), 1);
    // A deletion: the guard collects and finds room.
    g.server.dirty++;
    g.setLive(40);
    g.guard.check();
    assert.equal(g.collections(), 2);
    assert.equal(g.guard.heapFull, false);
    assert.equal(g.lines.filter((l) => l.includes('has room again')).length, 1);
  });

  it('stays full while live data is between 60% and 70% (no flapping)', () => {
    const g = guarded();
    g.heap.used = 90;
    g.guard.check();
    g.server.dirty++;
    g.setLive(65);
    g.guard.check();
    assert.equal(g.guard.heapFull, true);
    g.heap.used = 61;
    g.guard.check();
    assert.equal(g.guard.heapFull, true);
    g.heap.used = 59;
    g.guard.check();
    assert.equal(g.guard.heapFull, false);
  });

  it('without an exposed gc it waits for V8: full past 85% until used memory shows room', () => {
    const g = guarded();
    g.guard.collect = null;
    g.heap.used = 80;
    g.guard.check();
    assert.equal(g.guard.heapFull, false);
    g.heap.used = 86;
    g.guard.check();
    assert.equal(g.guard.heapFull, true);
    g.server.dirty++;
    g.guard.check();
    assert.equal(g.guard.heapFull, true);
    g.heap.used = 30;
    g.guard.check();
    assert.equal(g.guard.heapFull, false);
  });

  it('counts buffers off the heap against the process budget', () => {
    const g = guarded();
    g.heap.used = 10;
    g.heap.external = 900;
    g.guard.check();
    assert.equal(g.guard.heapFull, true);
    assert.match(g.lines.at(-1)!, /MB on the V8 heap and \d+ MB in buffers off it, of the \d+ MB this process may use/);
    g.heap.external = 100;
    g.guard.check();
    assert.equal(g.guard.heapFull, false);
  });

  it('refuses denyoom commands through the command path while full, and samples every few commands', async () => {
    const g = guarded();
    const { open } = await import('../../src/embedded/index.js');
    const db = open({ server: g.server });
    try {
      assert.equal(await db.call('SET', 'k', 'v'), 'OK');
      g.heap.used = 90;
      // The gate samples within a few commands (the cron is not needed).
      let refused = 0;
      for (let i = 0; i < 200; i++) {
        try {
          await db.call('SET', 'k', 'v');
        } catch (e) {
          assert.equal((e as Error).message, "OOM command not allowed when used memory > 'maxmemory'.");
          refused++;
        }
      }
      assert.ok(refused > 0);
      assert.equal(await db.call('GET', 'k'), 'v');
      assert.equal(await db.call('DEL', 'k'), 1);
    } finally {
      db.close();
    }
  });

  it('warns when maxmemory is more than the heap can hold (CONFIG SET cannot grow the heap)', async () => {
    const g = guarded();
    g.heap.limit = 1 * GB;
    const { open } = await import('../../src/embedded/index.js');
    const db = open({ server: g.server });
    try {
      assert.equal(await db.call('CONFIG', 'SET', 'maxmemory', '100mb'), 'OK');
      assert.equal(g.lines.filter((l) => l.includes('WARNING: the new maxmemory')).length, 0);
      assert.equal(await db.call('CONFIG', 'SET', 'maxmemory', '2gb'), 'OK');
      const warnings = g.lines.filter((l) => l.includes('WARNING: the new maxmemory value set via CONFIG SET (2147483648)'));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /limit of 1024 MB leaves room for about 546 MB of data/);
    } finally {
      db.close();
    }
  });
});
