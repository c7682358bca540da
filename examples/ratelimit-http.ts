/**
 * Rate limiting as Node http middleware: 3 requests per second per client address, with the
 * RateLimit headers and 429 + Retry-After when over.
 *   npm run build && node dist/examples/ratelimit-http.js
 */
import http from 'node:http';
import { RateLimiter, rateLimitHeaders } from '../src/toolkit/ratelimit.js';
import { exampleClient } from './connection.js';

const { client, close } = exampleClient();
const limiter = new RateLimiter(client, { algorithm: 'slidingLog', limit: 3, windowMs: 1000 });

function rateLimited(handler: http.RequestListener): http.RequestListener {
  return (req, res) => {
    void limiter.consume(`ip:${req.socket.remoteAddress}`).then((r) => {
      for (const [name, value] of Object.entries(rateLimitHeaders(r))) res.setHeader(name, value);
      if (!r.allowed) {
        res.writeHead(429).end('Too Many Requests\n');
        return;
      }
      handler(req, res);
    });
  };
}

const server = http.createServer(rateLimited((_req, res) => res.end('hello\n')));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as { port: number };
for (let i = 1; i <= 5; i++) {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  console.log(`request ${i}: ${res.status} remaining=${res.headers.get('ratelimit-remaining')}${res.status === 429 ? ` retry-after=${res.headers.get('retry-after')}` : ''}`);
}
server.close();
close();
