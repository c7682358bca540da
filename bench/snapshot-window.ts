/**
 * Latency inside the snapshot's window (not part of `npm run bench`): 50 connections send GET and
 * SET alternately on random keys of `key:0..999999` (one request in flight each) and record every
 * request's latency and start time; after 500 ms the probe sends BGSAVE or BGREWRITEAOF and polls
 * INFO persistence until it ends. Requests started inside that window and outside it are reported
 * apart. `persist-bgsave-latency` measures p99.9 over two whole redis-benchmark runs, of which the
 * BGSAVE covers a few percent; this isolates what the snapshot adds.
 *
 *   node dist/bench/snapshot-window.js PORT bgsave|bgrewriteaof|none [DURATION_MS=4000]
 *
 * The server should hold the keys (`DEBUG POPULATE 1000000`) and, for bgrewriteaof, appendonly yes.
 */
import * as net from 'node:net';

const CLIENTS = 50;
const KEYS = 1_000_000;

interface Sample {
  latencies: number[];
  starts: number[];
}

function client(port: number, origin: number, sample: Sample, stopped: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.setNoDelay(true);
    let pending = '';
    let sentAt = 0;
    let n = 0;
    const send = (): void => {
      if (stopped()) {
        s.end();
        resolve();
        return;
      }
      const k = `key:${Math.floor(Math.random() * KEYS)}`;
      sentAt = performance.now();
      s.write(n++ & 1 ? `*2\r\n$3\r\nGET\r\n$${k.length}\r\n${k}\r\n` : `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$10\r\nxxxxxxxxxx\r\n`);
    };
    s.on('connect', send);
    s.on('error', () => resolve());
    s.on('data', (d) => {
      pending += d.toString('latin1');
      // One reply per request: +OK, $-1 or a bulk string that may arrive in pieces.
      if (pending[0] === '$' && pending[1] !== '-') {
        const eol = pending.indexOf('\r\n');
        if (eol < 0 || pending.length < eol + 2 + Number(pending.slice(1, eol)) + 2) return;
      } else if (!pending.endsWith('\r\n')) {
        return;
      }
      sample.latencies.push(performance.now() - sentAt);
      sample.starts.push(sentAt - origin);
      pending = '';
      send();
    });
  });
}

function command(port: number, argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let reply = '';
    s.on('error', reject);
    s.on('connect', () => s.write(`*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')));
    s.on('data', (d) => {
      reply += d.toString('latin1');
      const eol = reply.indexOf('\r\n');
      if (eol < 0) return;
      if (reply[0] === '$' && reply.length < eol + 2 + Number(reply.slice(1, eol)) + 2) return;
      s.end();
      resolve(reply);
    });
  });
}

function summary(values: number[]): string {
  if (values.length === 0) return 'n=0';
  values.sort((a, b) => a - b);
  const at = (f: number): string => values[Math.min(values.length - 1, Math.floor(values.length * f))].toFixed(2);
  return `n=${values.length} p50=${at(0.5)} p99=${at(0.99)} p99.9=${at(0.999)} max=${at(1)} ms`;
}

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const mode = process.argv[3] ?? 'bgsave';
  const durationMs = Number(process.argv[4] ?? 4000);
  if (!(port > 0) || !['bgsave', 'bgrewriteaof', 'none'].includes(mode)) {
    console.error('usage: snapshot-window.js PORT bgsave|bgrewriteaof|none [DURATION_MS]');
    process.exit(2);
  }
  const origin = performance.now();
  const sample: Sample = { latencies: [], starts: [] };
  let stop = false;
  const clients = Array.from({ length: CLIENTS }, () => client(port, origin, sample, () => stop));
  await new Promise((r) => setTimeout(r, 500));
  let windowStart = Infinity;
  let windowEnd = Infinity;
  if (mode !== 'none') {
    windowStart = performance.now() - origin;
    await command(port, [mode.toUpperCase()]);
    const running = mode === 'bgsave' ? 'rdb_bgsave_in_progress:1' : 'aof_rewrite_in_progress:1';
    await new Promise((r) => setTimeout(r, 20));
    while ((await command(port, ['INFO', 'persistence'])).includes(running)) await new Promise((r) => setTimeout(r, 10));
    windowEnd = performance.now() - origin;
  }
  await new Promise((r) => setTimeout(r, Math.max(0, durationMs - (performance.now() - origin))));
  stop = true;
  await Promise.all(clients);
  const inside: number[] = [];
  const outside: number[] = [];
  for (let i = 0; i < sample.latencies.length; i++) {
    const start = sample.starts[i];
    (start >= windowStart && start < windowEnd ? inside : outside).push(sample.latencies[i]);
  }
  console.log(`${mode} window ${(windowEnd - windowStart).toFixed(0)} ms | inside: ${summary(inside)} | outside: ${summary(outside)}`);
}

void main();
