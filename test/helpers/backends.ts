/**
 * The servers toolkit tests run each module against: the embedded engine (in-process calls),
 * cinder-server over TCP and real redis-server 7.0 (both through ioredis). Each backend hands out
 * fresh connections and closes them all at the end.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Cluster, Redis } from 'ioredis';
import { open, startServer, type RunningServer } from '../../src/embedded/index.js';
import type { ClientLike } from '../../src/toolkit/client.js';
import { RawConnection, redisServerAvailable, startRealRedis, testDataDir, type RealRedis } from './differential.js';

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

/** The embedded engine, cinder-server, redis-server and (with `cluster`) a 3-master Redis Cluster. */
export async function startBackends(opts: { cluster?: boolean } = {}): Promise<Backend[]> {
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
    if (opts.cluster === true) out.push(await startRedisCluster());
  }
  return out;
}

/**
 * A real 3-master Redis Cluster on loopback ports (Debian's redis-server, cluster-enabled, slots
 * assigned by `redis-cli --cluster create`), reached through ioredis's Cluster client.
 */
export async function startRedisCluster(): Promise<Backend> {
  const nodes: RealRedis[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = fs.mkdtempSync(path.join(testDataDir(), 'cluster-'));
    nodes.push(await startRealRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--dir', dir]));
  }
  const stopAll = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    execFileSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore', timeout: 30_000 });
    const deadline = Date.now() + 20_000;
    for (const n of nodes) {
      for (;;) {
        const c = await RawConnection.connect(n.port);
        const info = (await c.command(['CLUSTER', 'INFO'])).latin1Slice();
        c.close();
        if (info.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error('the cluster did not come up');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  const clients: Cluster[] = [];
  const make = () => {
    const c = new Cluster(nodes.map((n) => ({ host: '127.0.0.1', port: n.port })));
    clients.push(c);
    return c;
  };
  return {
    name: 'redis-cluster',
    client: make,
    async flush() {
      await Promise.all(
        nodes.map(async (n) => {
          const c = await RawConnection.connect(n.port);
          await c.command(['FLUSHALL']);
          c.close();
        }),
      );
    },
    async close() {
      for (const c of clients) c.disconnect();
      await stopAll();
    },
  };
}

export type EachBackend = (name: string, body: (b: Backend) => Promise<void>) => void;

/**
 * A suite whose tests run on every backend in turn (each flushed first); a failure names the
 * backend. `define` declares the tests with `each` (and may add plain `it`s).
 */
export function onEveryBackend(title: string, opts: { cluster?: boolean }, define: (each: EachBackend) => void): void {
  describe(title, () => {
    let backends: Backend[] = [];
    before(async () => {
      backends = await startBackends(opts);
    });
    after(async () => {
      await Promise.all(backends.map((b) => b.close()));
    });
    define((name, body) => {
      it(name, async () => {
        assert.ok(backends.length >= 2);
        for (const b of backends) {
          await b.flush();
          await body(b).catch((e: Error) => {
            e.message = `[${b.name}] ${e.message}`;
            throw e;
          });
        }
      });
    });
  });
}
