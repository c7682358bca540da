/**
 * Per-user limits: 5 requests per second (GCRA), and an LLM token budget (weighted costs),
 * with the standard RateLimit headers.
 *   npm run build && node dist/examples/ratelimit.js
 */
import { RateLimiter, rateLimitHeaders } from '../src/toolkit/ratelimit.js';
import { exampleClient } from './connection.js';

const { client, close } = exampleClient();

const perSecond = new RateLimiter(client, { algorithm: 'gcra', limit: 5, windowMs: 1000 });
for (let i = 1; i <= 7; i++) {
  const r = await perSecond.consume('user:42');
  console.log(`request ${i}: ${r.allowed ? 'allowed' : `refused, retry in ${r.retryAfterMs} ms`}`, rateLimitHeaders(r));
}

// 10,000 tokens per minute; each call costs what it used.
const tokens = new RateLimiter(client, { algorithm: 'slidingWindow', limit: 10_000, windowMs: 60_000 });
for (const used of [4000, 3500, 3000]) {
  const r = await tokens.consume('user:42', used);
  console.log(`${used} tokens: ${r.allowed ? `allowed, ${r.remaining} left` : 'over budget'}`);
}
close();
