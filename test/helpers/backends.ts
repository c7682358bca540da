/**
 * The servers toolkit tests run each module against: the embedded engine (in-process calls),
 * cinder-server over TCP and real redis-server 7.0 (both through ioredis). Each backend hands out
 * fresh connections and closes them all at the end.
 */
import { Redis } from 'ioredis';
import { open, startServer, type RunningServer } from '../../src/embedded/index.js';
import type { ClientLike } from '../../src/toolkit/client.js';
import { redisServerAvailable, startRealRedis, type RealRedis } from './differential.js';

export interface Backend {
  readonly name: string;
  /** A new connection (the embedded engine: a new handle on the same engine). */
  client(): ClientLike;
  flush(): Promise<void>;
  close(): Promise<void>;
}

function ioredisBackend(name: string, port: number, stop: () => Promise<void>): Backend {
  const clients: Redis[] = [];
  return {
    name,
    client() {
      const c = new Redis({ port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 1 });
      clients.push(c);
      return c;
    },
    async flush() {
      const c = new Redis({ port, host: '127.0.0.1' });
      await c.flushall();
      c.disconnect();
    },
    async close() {
      for (const c of clients) c.disconnect();
      await stop();
    },
  };
}

export async function startBackends(): Promise<Backend[]> {
  const out: Backend[] = [];
  const engine = open();
  out.push({
    name: 'embedded',
    client: () => open({ server: engine.server }),
    async flush() {
      await engine.call('FLUSHALL');
    },
    async close() {
      engine.close();
    },
  });
  const cinder: RunningServer = await startServer({ port: 0 });
  out.push(ioredisBackend('cinder-server', cinder.port, () => cinder.close()));
  if (redisServerAvailable) {
    const redis: RealRedis = await startRealRedis();
    out.push(ioredisBackend('redis-server', redis.port, () => redis.stop()));
  }
  return out;
}
