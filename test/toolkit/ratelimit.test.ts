/**
 * The toolkit's rate limiters on the embedded engine, cinder-server and real redis-server, every
 * algorithm: 1,000 concurrent requests against a limit of 100 allow exactly 100; weighted costs;
 * refusals consume nothing and say when to retry; the allowance comes back after the window.
 */
import assert from 'node:assert/strict';
import { RateLimiter, rateLimitHeaders, type Algorithm } from '../../src/toolkit/ratelimit.js';
import { onEveryBackend } from '../helpers/backends.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ALGORITHMS: Algorithm[] = ['fixedWindow', 'slidingLog', 'slidingWindow', 'tokenBucket', 'gcra'];
const DAY = 24 * 3600 * 1000;

onEveryBackend('toolkit: ratelimit', { cluster: true }, (each) => {
  for (const algorithm of ALGORITHMS) {
    each(`${algorithm}: 1,000 concurrent requests against a limit of 100 allow exactly 100, on every backend`, async (b) => {
      const clients = Array.from({ length: 8 }, () => b.client());
      const limiters = clients.map((c) => new RateLimiter(c, { algorithm, limit: 100, windowMs: DAY }));
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => limiters[i % limiters.length].consume('api')));
      const allowed = results.filter((r) => r.allowed).length;
      assert.equal(allowed, 100, `${b.name}: ${allowed} allowed`);
      const refused = results.find((r) => !r.allowed)!;
      assert.equal(refused.remaining, 0);
      assert.ok(refused.retryAfterMs > 0, `${b.name}: retry after ${refused.retryAfterMs}`);
      const headers = rateLimitHeaders(refused);
      assert.equal(headers['RateLimit-Limit'], '100');
      assert.equal(headers['RateLimit-Remaining'], '0');
      assert.ok(Number(headers['Retry-After']) >= 1);
      // Another key has its own allowance.
      assert.equal((await limiters[0].consume('other')).allowed, true);
    });

    each(`${algorithm}: weighted costs; a refused request consumes nothing`, async (b) => {
      const limiter = new RateLimiter(b.client(), { algorithm, limit: 100, windowMs: DAY });
      let allowed = 0;
      for (let i = 0; i < 20; i++) if ((await limiter.consume('tokens', 7)).allowed) allowed++;
      assert.equal(allowed, 14, `${b.name}`);
      // 100 - 98 = 2 units left: a cost of 2 still fits after the refusals of 7.
      const last = await limiter.consume('tokens', 2);
      assert.equal(last.allowed, true, `${b.name}: ${JSON.stringify(last)}`);
      assert.equal(last.remaining, 0);
      assert.equal((await limiter.consume('tokens', 1)).allowed, false);
      await limiter.reset('tokens');
      assert.equal((await limiter.consume('tokens', 100)).allowed, true);
    });

    each(`${algorithm}: the allowance comes back once the window has passed`, async (b) => {
      const limiter = new RateLimiter(b.client(), { algorithm, limit: 5, windowMs: 300 });
      for (let i = 0; i < 5; i++) assert.equal((await limiter.consume('short')).allowed, true, `${b.name} request ${i}`);
      const refused = await limiter.consume('short');
      assert.equal(refused.allowed, false);
      assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 600, `${b.name}: retry after ${refused.retryAfterMs}`);
      await sleep(700);
      assert.equal((await limiter.consume('short')).allowed, true, `${b.name}`);
    });
  }
});
