/**
 * WATCH of keys that have logically expired but are still stored (active expiry off), then FLUSHDB,
 * FLUSHALL or SWAPDB (Redis's touchAllWatchedKeysInDb and the `expired` flag of a watched key): a
 * stale key that is dropped, or replaced by another stale one, changes nothing logically, so EXEC
 * runs; a live key on either side aborts it. Every reply compared with a real redis-server.
 */
import { scenarioSuite, type PairedClient, type Scenario } from '../helpers/scenario.js';

const DEBUG_ON = { config: { 'enable-debug-command': 'yes' } };

/** Waits until `key` in the client's database is logically expired on both servers (KEYS skips it without deleting it). */
async function waitStale(s: Scenario, c: PairedClient, key: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [r, x] = await Promise.all([c.redis.command(['KEYS', key]), c.cinder.command(['KEYS', key])]);
    if (r.latin1Slice() === '*0\r\n' && x.latin1Slice() === '*0\r\n') return;
    await s.sleep(10);
  }
  throw new Error(`${key} did not expire`);
}

/** MULTI / GET k / EXEC on the watcher: runs, or answers null when a watched key was touched. */
async function execOnce(a: PairedClient): Promise<void> {
  await a.call(['MULTI']);
  await a.call(['PING']);
  await a.call(['EXEC']);
}

/**
 * Runs `body` with active expiry off on both servers; `a` watches, `w` writes. `stale(db, key)`
 * stores a key in database `db` that is logically expired by the time it returns.
 */
function staleScenario(
  t: { scenario(name: string, body: (s: Scenario) => Promise<void>): void },
  name: string,
  body: (ctx: { s: Scenario; a: PairedClient; w: PairedClient; stale(db: number, key: string): Promise<void> }) => Promise<void>,
): void {
  t.scenario(name, async (s) => {
    const a = await s.client('watcher');
    const w = await s.client('writer');
    await w.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    try {
      const stale = async (db: number, key: string) => {
        await w.call(['SELECT', String(db)]);
        await w.call(['SET', key, 'stale', 'PX', '20']);
        await waitStale(s, w, key);
        await w.call(['SELECT', '0']);
      };
      await body({ s, a, w, stale });
    } finally {
      await w.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
    }
  });
}

scenarioSuite(
  'transactions: WATCH of stale keys, then FLUSHDB / FLUSHALL / SWAPDB',
  (t) => {
    staleScenario(t, 'stale when watched, then FLUSHDB: EXEC runs', async ({ a, w, stale }) => {
      await stale(0, 'k');
      await a.call(['WATCH', 'k']);
      await w.call(['FLUSHDB']);
      await execOnce(a);
    });

    staleScenario(t, 'stale when watched, then FLUSHALL: EXEC runs', async ({ a, w, stale }) => {
      await stale(0, 'k');
      await a.call(['WATCH', 'k']);
      await w.call(['FLUSHALL']);
      await execOnce(a);
    });

    staleScenario(t, 'stale when watched, FLUSHDB, then the key is written: EXEC fails', async ({ a, w, stale }) => {
      await stale(0, 'k');
      await a.call(['WATCH', 'k']);
      await w.call(['FLUSHDB']);
      await w.call(['SET', 'k', 'new']);
      await execOnce(a);
    });

    staleScenario(t, 'live when watched, stale before FLUSHDB / FLUSHALL / SWAPDB: EXEC fails', async ({ s, a, w }) => {
      for (const flush of [['FLUSHDB'], ['FLUSHALL'], ['SWAPDB', '0', '1']]) {
        await w.call(['FLUSHALL']);
        await w.call(['SET', 'k', 'v', 'PX', '150']);
        await a.call(['WATCH', 'k']);
        await waitStale(s, w, 'k');
        await w.call(flush);
        await execOnce(a);
      }
    });

    staleScenario(t, 'stale when watched, SWAPDB with the other database empty: EXEC runs (and after swapping back)', async ({ a, w, stale }) => {
      await stale(0, 'k');
      await a.call(['WATCH', 'k']);
      await w.call(['SWAPDB', '0', '1']);
      await execOnce(a);
      await a.call(['WATCH', 'k']);
      await w.call(['SWAPDB', '0', '1']);
      await w.call(['SWAPDB', '0', '1']);
      await execOnce(a);
    });

    staleScenario(t, 'stale when watched, SWAPDB, the key written in the emptied database, SWAPDB: EXEC fails', async ({ a, w, stale }) => {
      await stale(0, 'k');
      await a.call(['WATCH', 'k']);
      await w.call(['SWAPDB', '0', '1']);
      await w.call(['SET', 'k', 'new']);
      await w.call(['SWAPDB', '0', '1']);
      await execOnce(a);
    });

    staleScenario(t, 'stale when watched, SWAPDB with the key live in the other database: EXEC fails', async ({ a, w, stale }) => {
      await stale(0, 'k');
      await w.call(['SELECT', '1']);
      await w.call(['SET', 'k', 'live']);
      await a.call(['WATCH', 'k']);
      await w.call(['SWAPDB', '0', '1']);
      await execOnce(a);
    });

    staleScenario(t, 'stale when watched, SWAPDB with the key stale in the other database too: EXEC runs', async ({ a, w, stale }) => {
      await stale(0, 'k');
      await stale(1, 'k');
      await a.call(['WATCH', 'k']);
      await w.call(['SWAPDB', '0', '1']);
      await execOnce(a);
    });

    staleScenario(t, 'missing when watched, SWAPDB brings a stale key: EXEC runs (twice, swapping back)', async ({ a, w, stale }) => {
      await stale(1, 'k');
      await a.call(['WATCH', 'k']);
      await w.call(['SWAPDB', '0', '1']);
      await execOnce(a);
      await w.call(['SWAPDB', '0', '1']);
      await a.call(['WATCH', 'k']);
      await w.call(['SWAPDB', '0', '1']);
      await w.call(['SWAPDB', '0', '1']);
      await execOnce(a);
    });

    staleScenario(t, 'missing when watched, SWAPDB brings a live key: EXEC fails', async ({ a, w }) => {
      await w.call(['SELECT', '1']);
      await w.call(['SET', 'k', 'live', 'PX', '100000']);
      await a.call(['WATCH', 'k']);
      await w.call(['SWAPDB', '0', '1']);
      await execOnce(a);
    });

    staleScenario(t, 'the same key watched in two databases', async ({ a, w, stale }) => {
      // Stale in db0, missing in db1: FLUSHDB of db0 changes nothing.
      await stale(0, 'k');
      await a.call(['WATCH', 'k']);
      await a.call(['SELECT', '1']);
      await a.call(['WATCH', 'k']);
      await a.call(['SELECT', '0']);
      await w.call(['FLUSHDB']);
      await execOnce(a);
      // Stale in both: FLUSHALL and SWAPDB change nothing.
      for (const flush of [['FLUSHALL'], ['SWAPDB', '0', '1']]) {
        await w.call(['FLUSHALL']);
        await stale(0, 'k');
        await stale(1, 'k');
        await a.call(['WATCH', 'k']);
        await a.call(['SELECT', '1']);
        await a.call(['WATCH', 'k']);
        await a.call(['SELECT', '0']);
        await w.call(flush);
        await execOnce(a);
      }
      // Stale in db0, live in db1: FLUSHALL aborts.
      await w.call(['FLUSHALL']);
      await stale(0, 'k');
      await w.call(['SELECT', '1']);
      await w.call(['SET', 'k', 'live']);
      await w.call(['SELECT', '0']);
      await a.call(['WATCH', 'k']);
      await a.call(['SELECT', '1']);
      await a.call(['WATCH', 'k']);
      await a.call(['SELECT', '0']);
      await w.call(['FLUSHALL']);
      await execOnce(a);
    });
  },
  DEBUG_ON,
);
