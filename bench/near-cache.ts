/**
 * The toolkit's near cache against a plain client, on cinder-server and on real Redis: a Zipf
 * read workload (10,000 keys, s = 1.1) with 1% writes from another client, read one at a time
 * (latency) and with 50 reads in flight (throughput). Reports p50 / p99 read latency, reads per
 * second and the near cache's hit rate.
 *
 *   npm run build && node dist/bench/near-cache.js [--reads N]
 */
import { Redis } from 'ioredis';
import { BenchServer, killAllNow, type ServerKind } from './servers.js';
import { NearCache } from '../src/toolkit/near-cache.js';

const KEYS = 10_000;
const reads = Number(process.argv[process.argv.indexOf('--reads') + 1] || 50_000);

/** Zipf sampler over 1..n by inverse CDF on precomputed weights. */
function zipf(n: number, s: number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += 1 / i ** s;
  let acc = 0;
  for (let i = 1; i <= n; i++) {
    acc += 1 / i ** s / sum;
    cdf[i - 1] = acc;
  }
  return () => {
    const u = Math.random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function run(kind: ServerKind): Promise<void> {
  const server = await BenchServer.start(kind);
  try {
    const writer = new Redis({ port: server.port });
    const pipeline = writer.pipeline();
    for (let i = 0; i < KEYS; i++) pipeline.set(`key:${i}`, `value-${i}-${'x'.repeat(32)}`);
    await pipeline.exec();
    const next = zipf(KEYS, 1.1);
    for (const mode of ['plain', 'near-cache'] as const) {
      const data = new Redis({ port: server.port });
      const cache = mode === 'near-cache' ? await NearCache.create(data) : null;
      const get = (k: string): Promise<unknown> => (cache !== null ? cache.get(k) : data.get(k));
      // Latency: one read at a time, a write every 100 reads.
      const lat: number[] = [];
      for (let i = 0; i < reads; i++) {
        if (i % 100 === 0) await writer.set(`key:${next()}`, `v${i}`);
        const t = performance.now();
        await get(`key:${next()}`);
        lat.push((performance.now() - t) * 1000);
      }
      lat.sort((a, b) => a - b);
      // Throughput: 50 reads in flight.
      const start = performance.now();
      let done = 0;
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (done < reads) {
            done++;
            if (done % 100 === 0) void writer.set(`key:${next()}`, `w${done}`);
            await get(`key:${next()}`);
          }
        }),
      );
      const rate = reads / ((performance.now() - start) / 1000);
      const hitRate = cache === null ? '' : ` hit rate ${((100 * cache.stats.hits) / (cache.stats.hits + cache.stats.misses)).toFixed(1)}%`;
      console.log(`${kind.padEnd(6)} ${mode.padEnd(10)} p50 ${pct(lat, 0.5).toFixed(1)} us  p99 ${pct(lat, 0.99).toFixed(1)} us  ${Math.round(rate)} reads/s${hitRate}`);
      cache?.close();
      data.disconnect();
    }
    writer.disconnect();
  } finally {
    await server.stop();
  }
}

try {
  for (const kind of ['cinder', 'redis'] as const) await run(kind);
} finally {
  killAllNow();
}
