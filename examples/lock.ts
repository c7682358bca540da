/**
 * A job that must not run twice at once, with a fencing token the resource checks.
 *   npm run build && node dist/examples/lock.js
 */
import { acquireLock, releaseLock, withLock } from '../src/toolkit/lock.js';
import { exampleClient } from './connection.js';

const { client, close } = exampleClient();

// The resource remembers the highest fencing token it has seen and refuses older writers.
let highestFence = 0;
function writeReport(fence: number, text: string): void {
  if (fence < highestFence) throw new Error(`stale writer (fence ${fence} < ${highestFence})`);
  highestFence = fence;
  console.log(`report written with fence ${fence}: ${text}`);
}

// withLock renews the lock while the work runs and aborts `signal` if the lock is lost.
await withLock(
  client,
  'nightly-report',
  async (signal, lock) => {
    await new Promise((r) => setTimeout(r, 50));
    if (!signal.aborted) writeReport(lock.fence, 'all good');
  },
  { ttlMs: 10_000 },
);

// Or by hand: a second worker finds the lock taken while the first holds it.
const first = await acquireLock(client, 'nightly-report', { ttlMs: 10_000 });
const second = await acquireLock(client, 'nightly-report', { ttlMs: 10_000 });
console.log(`first worker: ${first ? `got it (fence ${first.fence})` : 'busy'}; second worker: ${second ? 'got it' : 'busy'}`);
if (first) await releaseLock(client, first);
close();
