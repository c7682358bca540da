/**
 * The connection the examples use: the embedded engine by default (no server needed), or the
 * server at REDIS_URL (cinder-server or real Redis), e.g.
 *   REDIS_URL=redis://127.0.0.1:6379 node dist/examples/lock.js
 */
import { Redis } from 'ioredis';
import { open } from '../src/index.js';
import type { ClientLike } from '../src/toolkit/index.js';

export function exampleClient(): { client: ClientLike; close(): void } {
  const url = process.env.REDIS_URL;
  if (url !== undefined && url !== '') {
    const redis = new Redis(url);
    return { client: redis, close: () => redis.disconnect() };
  }
  const db = open();
  return { client: db, close: () => db.close() };
}
