/**
 * A near cache: repeated reads of hot keys cost no round trip; a write by another client is seen
 * at once.
 *   npm run build && node dist/examples/near-cache.js
 */
import { open } from '../src/index.js';
import { NearCache } from '../src/toolkit/near-cache.js';

// The embedded engine here; with ioredis: NearCache.create(new Redis(url)).
const db = open();
const other = open({ server: db.server });
await db.call('SET', 'config:theme', 'light');
const cache = await NearCache.create(db);
for (let i = 0; i < 1000; i++) await cache.get('config:theme');
console.log(`1000 reads: ${cache.stats.misses} from the server, ${cache.stats.hits} local`);
await other.call('SET', 'config:theme', 'dark');
await new Promise((r) => setImmediate(r));
console.log(`after another client's write: ${await cache.get('config:theme')}`);
cache.close();
db.close();
