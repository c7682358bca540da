/**
 * Cache-aside in front of a slow lookup: one load for 100 concurrent requests, then hits.
 *   npm run build && node dist/examples/cache.js
 */
import { Cache } from '../src/toolkit/cache.js';
import { exampleClient } from './connection.js';

const { client, close } = exampleClient();
let queries = 0;
async function findUser(id: string): Promise<{ id: string; name: string }> {
  queries++;
  await new Promise((r) => setTimeout(r, 50)); // the database
  return { id, name: `user ${id}` };
}

const users = new Cache<{ id: string; name: string }>(client, { ttlMs: 60_000, staleMs: 10_000, namespace: 'example-user' });
const results = await Promise.all(Array.from({ length: 100 }, () => users.getOrLoad('42', () => findUser('42'))));
console.log(`100 concurrent requests, ${queries} database query; got ${results[0]?.name}`);
await users.getOrLoad('42', () => findUser('42'));
console.log(`stats: ${JSON.stringify(users.stats)}`);
await users.invalidate('42');
close();
