import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { open } from '../../src/embedded/index.js';

/** A full GC when the runtime allows exposing it, else allocation churn to provoke one. */
function collectGarbage(): void {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as (() => void) | undefined;
    if (typeof gc === 'function') {
      gc();
      gc();
      return;
    }
  } catch {
    // fall back to churn
  }
  let sink: unknown[] = [];
  for (let i = 0; i < 2_000_000; i++) {
    sink.push({ i });
    if (sink.length > 10_000) sink = [];
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A private field of the keyspace (its slot capacity), read to see the cron's shrink happen. */
function slotCapacity(ks: object): number {
  return (ks as unknown as { capacity: number }).capacity;
}

// No assertion here depends on how fast anything runs: each phase waits for its condition (the
// expiry times passing, the keyspace emptying, the tables shrinking); the test's timeout is only
// the guard against a server that never gets there.
test('1,000,000 keys with short TTLs: never visible after expiry, actively reclaimed, memory returns', { timeout: 180_000 }, async (t) => {
  const db = open();
  try {
    const server = db.server;
    const N = 1_000_000;
    const SAMPLED = 50_000;
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;

    // Bulk load through the keyspace API: the 1M keys live in db 0 and are never read by key;
    // db 1 holds the keys clients read. Then every key gets a TTL: it expires 100-499 ms after
    // t0, a moment just past the time the TTL pass takes.
    const loadStart = Date.now();
    server.clock.now = loadStart;
    const ks0 = server.dbs[0];
    const ks1 = server.dbs[1];
    for (let i = 0; i < N; i++) ks0.set(`key:${i}`, i);
    for (let i = 0; i < SAMPLED; i++) ks1.set(`probe:${i}`, `v${i}`);
    const t0 = Date.now() + 250;
    const whenOf = (i: number) => t0 + 100 + (i % 400);
    server.clock.now = Date.now();
    for (let i = 0; i < N; i++) ks0.setExpire(`key:${i}`, whenOf(i));
    for (let i = 0; i < SAMPLED; i++) ks1.setExpire(`probe:${i}`, whenOf(i));
    const loadMs = Date.now() - loadStart;
    const heapLoaded = process.memoryUsage().heapUsed;
    assert.equal(db.callSync('DBSIZE'), N);

    // While keys expire: every key a client reads after its expiry time is gone, and SCAN over db 0
    // never returns a key whose time had passed when the command ran.
    let probes = 0;
    let expiredProbes = 0;
    let scanned = 0;
    let cursor = '0';
    // Probe until every expiry time has passed and enough reads came after their key's expiry,
    // however long that takes on this machine.
    const lastExpiry = whenOf(399);
    const WANTED_EXPIRED_PROBES = 2000;
    let i = 0;
    while (Date.now() <= lastExpiry || expiredProbes < WANTED_EXPIRED_PROBES) {
      db.callSync('SELECT', '1');
      for (let n = 0; n < 500; n++, i = (i + 7919) % SAMPLED) {
        const key = `probe:${i}`;
        const before = Date.now();
        const value = db.callSync('GET', key);
        const exists = db.callSync('EXISTS', key);
        const ttl = db.callSync('PTTL', key) as number;
        probes++;
        if (before > whenOf(i)) {
          expiredProbes++;
          assert.equal(value, null, `GET ${key} after its expiry`);
          assert.equal(exists, 0, `EXISTS ${key} after its expiry`);
          assert.equal(ttl, -2, `PTTL ${key} after its expiry`);
        } else if (value !== null) {
          assert.equal(value, `v${i}`);
        }
      }
      db.callSync('SELECT', '0');
      const before = Date.now();
      const reply = db.callSync('SCAN', cursor, 'COUNT', '5000') as [string, string[]];
      cursor = reply[0];
      for (const key of reply[1]) {
        const idx = Number(key.slice(4));
        assert.ok(whenOf(idx) >= before, `SCAN returned ${key} after its expiry`);
        scanned++;
      }
      await sleep(5);
    }
    assert.ok(expiredProbes >= WANTED_EXPIRED_PROBES, `probed ${expiredProbes} expired keys out of ${probes}`);

    // Active expiry alone (no key of db 0 is read) reclaims everything. Waited for; the time it
    // took is only reported.
    const reclaimStart = Date.now();
    while (ks0.size > 0 || ks1.size > 0) await sleep(50);
    const reclaimMs = Date.now() - reclaimStart;
    db.callSync('SELECT', '0');
    assert.equal(db.callSync('DBSIZE'), 0);
    assert.equal(ks0.volatileCount, 0);
    assert.ok(server.stats.expiredKeys >= N, `expired_keys ${server.stats.expiredKeys}`);

    // The cron shrinks the emptied tables (once every hz loops): wait until it has, then the
    // heap returns.
    while (slotCapacity(ks0) > 16 || slotCapacity(ks1) > 16) await sleep(50);
    collectGarbage();
    const heapAfter = process.memoryUsage().heapUsed;
    const grew = heapLoaded - heapBefore;
    const kept = heapAfter - heapBefore;
    t.diagnostic(
      `load ${loadMs} ms, heap +${(grew / 1048576).toFixed(1)} MB; reclaimed in ${reclaimMs} ms; heap kept ` +
        `${(kept / 1048576).toFixed(1)} MB; ${probes} probes (${expiredProbes} expired), ${scanned} scanned`,
    );
    assert.ok(grew > 30 * 1024 * 1024, `loading 1M keys should take real heap (grew ${grew} bytes)`);
    assert.ok(kept < grew * 0.15, `heap kept ${kept} of ${grew} bytes after expiry (load ${loadMs} ms, reclaim ${reclaimMs} ms, scanned ${scanned})`);
  } finally {
    db.close();
  }
});
