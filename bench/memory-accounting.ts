/**
 * The memory accounting against reality: per type and encoding, load a dataset into a fresh server
 * in a fresh process and compare what the accounting says it added (used_memory's dataset and
 * keyspace parts) with what the V8 heap and ArrayBuffer memory grew by after full GCs. The method
 * and the table are in docs/ARCHITECTURE.md ("Memory accounting").
 *
 *   node dist/bench/memory-accounting.js [--only name,name] [--scale 0.2] [--json FILE]
 *
 * Each row runs in its own child process (`node --expose-gc ... --row NAME`): commands go through
 * the RESP parser and the command path exactly as a TCP client's would, in batches, with replies
 * discarded. Before measuring, the row's commands are run once on a scratch key and deleted, so
 * one-time allocations (command statistics, latency histograms, parser buffers) are not counted.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from '../src/cinder.js';
import { Config } from '../src/server/config.js';
import { Client } from '../src/server/client.js';
import { RespWriter } from '../src/protocol/resp-writer.js';
import { RequestParser } from '../src/protocol/request-parser.js';
import type { Server } from '../src/server/server.js';

interface Row {
  name: string;
  /** Type and encoding as OBJECT ENCODING reports it. */
  type: string;
  encoding: string;
  /** What is loaded, in words. */
  shape: string;
  /** redis.conf directives for this row. */
  config?: Record<string, string | number>;
  /** Number of commands (before scaling). */
  commands: number;
  /** The i-th command's argv, of `n` (the scaled number of commands). */
  argv: (i: number, n: number) => string[];
  /** A key to check OBJECT ENCODING on afterwards. */
  probe: string;
}

const v16 = 'v'.repeat(16);
const v100 = 'r'.repeat(100);
const v1000 = 's'.repeat(1000);
const v5000 = 'm'.repeat(5000);
const v20k = 'b'.repeat(20 * 1024);
const members = (i: number, n: number, prefix: string): string[] => {
  const out: string[] = [];
  for (let j = 0; j < n; j++) out.push(`${prefix}${i * n + j}`);
  return out;
};
const pairs = (i: number, n: number): string[] => {
  const out: string[] = [];
  for (let j = 0; j < n; j++) out.push(`field:${i * n + j}`, v16);
  return out;
};
const scored = (i: number, n: number): string[] => {
  const out: string[] = [];
  for (let j = 0; j < n; j++) out.push(String((i * n + j) * 1.5), `member:${i * n + j}`);
  return out;
};

const ROWS: Row[] = [
  { name: 'string-int', type: 'string', encoding: 'int', shape: '1M keys, small integers', commands: 1_000_000, argv: (i) => ['SET', `key:${i}`, String(i)], probe: 'key:7' },
  { name: 'string-int-boxed', type: 'string', encoding: 'int', shape: '1M keys, integers > 2^31', commands: 1_000_000, argv: (i) => ['SET', `key:${i}`, String(3e9 + i)], probe: 'key:7' },
  { name: 'string-embstr', type: 'string', encoding: 'embstr', shape: '1M keys, 16-byte values', commands: 1_000_000, argv: (i) => ['SET', `key:${i}`, v16], probe: 'key:7' },
  { name: 'string-raw', type: 'string', encoding: 'raw', shape: '300k keys, 100-byte values', commands: 300_000, argv: (i) => ['SET', `key:${i}`, v100], probe: 'key:7' },
  { name: 'string-raw-slab', type: 'string', encoding: 'raw', shape: '200k keys, 1000-byte values (slab)', commands: 200_000, argv: (i) => ['SET', `key:${i}`, v1000], probe: 'key:7' },
  { name: 'string-raw-slab-5k', type: 'string', encoding: 'raw', shape: '20k keys, 5000-byte values (slab)', commands: 20_000, argv: (i) => ['SET', `key:${i}`, v5000], probe: 'key:7' },
  { name: 'string-raw-big', type: 'string', encoding: 'raw', shape: '3k keys, 20 KB values (off-heap)', commands: 3_000, argv: (i) => ['SET', `key:${i}`, v20k], probe: 'key:7' },
  { name: 'string-appended', type: 'string', encoding: 'raw', shape: '300k keys, APPEND 3 x 16 bytes', commands: 900_000, argv: (i, n) => ['APPEND', `key:${i % Math.ceil(n / 3)}`, v16], probe: 'key:7' },
  { name: 'string-ttl', type: 'string', encoding: 'embstr', shape: '1M keys, 16-byte values, with TTL', commands: 1_000_000, argv: (i) => ['SET', `key:${i}`, v16, 'EX', '100000'], probe: 'key:7' },
  { name: 'list-small', type: 'list', encoding: 'quicklist', shape: '100k lists of 10 x 16 bytes', commands: 100_000, argv: (i) => ['RPUSH', `list:${i}`, ...Array<string>(10).fill(v16)], probe: 'list:7' },
  { name: 'list-small-grown', type: 'list', encoding: 'quicklist', shape: '100k lists grown by 10 single RPUSHes', commands: 1_000_000, argv: (i, n) => ['RPUSH', `list:${i % Math.ceil(n / 10)}`, v16], probe: 'list:7' },
  { name: 'list-small-grown-seq', type: 'list', encoding: 'quicklist', shape: '100k lists, each grown by 10 RPUSHes in a row', commands: 1_000_000, argv: (i) => ['RPUSH', `list:${Math.floor(i / 10)}`, v16], probe: 'list:7' },
  { name: 'list-big', type: 'list', encoding: 'quicklist', shape: '1 list of 2M x 16 bytes', commands: 2_000, argv: () => ['RPUSH', 'biglist', ...Array<string>(1000).fill(v16)], probe: 'biglist' },
  { name: 'list-ints', type: 'list', encoding: 'quicklist', shape: '1 list of 2M integers', commands: 2_000, argv: (i) => ['RPUSH', 'intlist', ...members(i, 1000, '')], probe: 'intlist' },
  { name: 'hash-listpack', type: 'hash', encoding: 'listpack', shape: '100k hashes of 10 fields', commands: 100_000, argv: (i) => ['HSET', `hash:${i}`, ...pairs(i, 10)], probe: 'hash:7' },
  { name: 'hash-hashtable', type: 'hash', encoding: 'hashtable', shape: '1 hash of 1M fields', commands: 1_000, argv: (i) => ['HSET', 'bighash', ...pairs(i, 1000)], probe: 'bighash' },
  { name: 'hash-hashtable-mid', type: 'hash', encoding: 'hashtable', shape: '1k hashes of 600 fields', commands: 1_000, argv: (i) => ['HSET', `hash:${i}`, ...pairs(i, 600)], probe: 'hash:7' },
  { name: 'set-intset', type: 'set', encoding: 'intset', shape: '100k sets of 10 integers', commands: 100_000, argv: (i) => ['SADD', `set:${i}`, ...members(i, 10, '')], probe: 'set:7' },
  { name: 'set-hashtable-small', type: 'set', encoding: 'hashtable', shape: '100k sets of 5 strings', commands: 100_000, argv: (i) => ['SADD', `set:${i}`, ...members(i, 5, 'member:')], probe: 'set:7' },
  { name: 'set-hashtable', type: 'set', encoding: 'hashtable', shape: '1 set of 1M strings', commands: 1_000, argv: (i) => ['SADD', 'bigset', ...members(i, 1000, 'member:')], probe: 'bigset' },
  { name: 'set-hashtable-ints', type: 'set', encoding: 'hashtable', shape: '1 set of 1M integers', commands: 1_000, argv: (i) => ['SADD', 'intset', ...members(i, 1000, '')], probe: 'intset' },
  { name: 'zset-listpack', type: 'zset', encoding: 'listpack', shape: '100k sorted sets of 10', commands: 100_000, argv: (i) => ['ZADD', `zset:${i}`, ...scored(i, 10)], probe: 'zset:7' },
  { name: 'zset-skiplist', type: 'zset', encoding: 'skiplist', shape: '1 sorted set of 1M', commands: 1_000, argv: (i) => ['ZADD', 'bigzset', ...scored(i, 1000)], probe: 'bigzset' },
  { name: 'zset-skiplist-mid', type: 'zset', encoding: 'skiplist', shape: '2k sorted sets of 200', commands: 2_000, argv: (i) => ['ZADD', `zset:${i}`, ...scored(i, 200)], probe: 'zset:7' },
  { name: 'stream-small', type: 'stream', encoding: 'stream', shape: '50k streams of 10 entries', commands: 500_000, argv: (i, n) => ['XADD', `stream:${i % Math.ceil(n / 10)}`, '*', 'field', v16], probe: 'stream:7' },
  { name: 'stream-big', type: 'stream', encoding: 'stream', shape: '1 stream of 1M entries', commands: 1_000_000, argv: () => ['XADD', 'bigstream', '*', 'field', v16, 'other', v16], probe: 'bigstream' },
  {
    name: 'stream-pel',
    type: 'stream',
    encoding: 'stream',
    shape: '200k entries, all pending in a group',
    commands: 200_000,
    // The first 99.5% of the commands add entries, then one XGROUP CREATE, then XREADGROUPs of
    // 1,000 deliver them all.
    argv: (i, n) => {
      const entries = n - Math.ceil(n / 200) - 1;
      if (i < entries) return ['XADD', 'pelstream', '*', 'field', v16];
      if (i === entries) return ['XGROUP', 'CREATE', 'pelstream', 'g', '0'];
      return ['XREADGROUP', 'GROUP', 'g', 'consumer', 'COUNT', '1000', 'STREAMS', 'pelstream', '>'];
    },
    probe: 'pelstream',
  },
];

// ---------------------------------------------------------------- one row, in its own process

interface RowResult {
  name: string;
  estimated: number;
  measured: number;
  keys: number;
  encoding: string;
}

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function encode(argv: string[]): Buffer {
  let size = 16;
  for (const a of argv) size += a.length + 16;
  // Not from Node's shared pool: dead input slices there would pin pool space next to live
  // list nodes and be counted (a TCP connection's reads never come from that pool).
  const buf = Buffer.allocUnsafeSlow(size);
  let p = buf.latin1Write(`*${argv.length}\r\n`, 0);
  for (const a of argv) {
    p += buf.latin1Write(`$${a.length}\r\n`, p);
    p += buf.latin1Write(a, p);
    p += buf.latin1Write('\r\n', p);
  }
  return buf.subarray(0, p);
}

/**
 * Runs commands through the parser and the command path, as a connection does. A parser per batch:
 * one would keep the batch's last input chunk referenced, and it would be counted.
 */
function run(server: Server, client: Client, writer: RespWriter, commands: string[][]): void {
  const parser = new RequestParser();
  parser.feed(Buffer.concat(commands.map(encode)));
  for (let argv = parser.next(); argv !== null; argv = parser.next()) {
    server.processCommand(client, argv);
    writer.discard();
  }
}

/** Commands per parser feed. */
const BATCH = 100;

/**
 * Builds and runs commands [from, to) in a frame of its own: an argv array built in the caller's
 * loop could stay referenced from its frame while the heap is measured.
 */
function runBatch(server: Server, client: Client, writer: RespWriter, row: Row, from: number, to: number, n: number): void {
  const commands: string[][] = [];
  for (let j = from; j < to; j++) commands.push(row.argv(j, n));
  run(server, client, writer, commands);
}

function estimate(server: Server): number {
  return server.memory.counter.dataset + server.memory.counter.overhead;
}

function runRow(row: Row, scale: number): RowResult {
  const server = createServer(Config.fromObject({ ...(row.config ?? {}) }));
  server.log.sink = null;
  const writer = new RespWriter();
  const client = new Client(server, writer, 'normal');
  server.registerClient(client);
  const n = Math.max(1, Math.round(row.commands * scale));
  // Warm-up on scratch database 1: the commands' one-time allocations happen now.
  const warmUp = [['SELECT', '1'], row.argv(0, n), row.argv(1, n), row.argv(n - 1, n), ['FLUSHDB'], ['SELECT', '0']];
  run(server, client, writer, warmUp);
  const estimated0 = estimate(server);
  const measured0 = heap();
  for (let i = 0; i < n; i += BATCH) runBatch(server, client, writer, row, i, Math.min(n, i + BATCH), n);
  const measured1 = heap();
  const estimated1 = estimate(server);
  const encoding = server.dbs[0].peek(row.probe);
  const result: RowResult = {
    name: row.name,
    estimated: estimated1 - estimated0,
    measured: measured1 - measured0,
    keys: server.dbs[0].size,
    encoding: encoding === undefined ? 'missing' : typeof encoding === 'object' && 'encoding' in encoding ? encoding.encoding() : 'string',
  };
  server.stopCron();
  server.scripting.close();
  return result;
}

// ---------------------------------------------------------------- the table

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function main(): void {
  const scale = Number(option('scale') ?? '1');
  const rowName = option('row');
  if (rowName !== undefined) {
    const row = ROWS.find((r) => r.name === rowName);
    if (row === undefined) throw new Error(`no row ${rowName}`);
    process.stdout.write(JSON.stringify(runRow(row, scale)));
    return;
  }
  const only = option('only')?.split(',');
  const self = fileURLToPath(import.meta.url);
  const results: Array<RowResult & { row: Row }> = [];
  console.log('| type | encoding | loaded | keys | measured (bytes) | estimated (bytes) | estimate / measured |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  let misses = 0;
  for (const row of ROWS) {
    if (only !== undefined && !only.includes(row.name)) continue;
    const out = execFileSync(process.execPath, ['--expose-gc', '--max-semi-space-size=2', self, '--row', row.name, '--scale', String(scale)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    const r = JSON.parse(out) as RowResult;
    results.push({ ...r, row });
    const ratio = r.estimated / r.measured;
    if (ratio < 0.75 || ratio > 1.25) misses++;
    const encodingNote = r.encoding === row.encoding || row.type === 'string' ? row.encoding : `${row.encoding} (got ${r.encoding})`;
    console.log(
      `| ${row.type} | ${encodingNote} | ${row.shape} | ${r.keys.toLocaleString('en-US')} | ${r.measured.toLocaleString('en-US')} | ${r.estimated.toLocaleString('en-US')} | ${ratio.toFixed(2)} |`,
    );
  }
  console.log(misses === 0 ? '\nevery row within ±25%' : `\n${misses} row(s) outside ±25%`);
  const json = option('json');
  if (json !== undefined) writeFileSync(json, JSON.stringify(results.map(({ row, ...r }) => ({ ...r, type: row.type, shape: row.shape })), null, 2));
}

main();
