/**
 * Replication tests' tools: a real redis-server replica of a server under test, waiting for its
 * link and offset, and datasets compared key by key by type (DUMP payloads of hashtable sets and
 * hashes follow each server's own dict order, so contents are compared instead).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { RawConnection, encodeCommand, startCinderProcess, startRealRedis, testDataDir, type RealRedis } from './differential.js';
import { parseResp, type RespValue } from './resp-value.js';

/** A fresh directory under the test process's data dir (each server its own dump.rdb). */
export function freshDir(name: string): string {
  return fs.mkdtempSync(path.join(testDataDir(), `${name}-`));
}

/** A real redis-server replicating 127.0.0.1:`masterPort`, in its own directory. */
export async function startRealReplica(masterPort: number, extraArgs: string[] = []): Promise<RealRedis> {
  return startRealRedis([...extraArgs, '--dir', freshDir('replica'), '--replicaof', '127.0.0.1', String(masterPort)]);
}

export async function call(conn: RawConnection, ...argv: string[]): Promise<RespValue> {
  return parseResp(await conn.command(argv, 20_000));
}

/** INFO <section> as a map of fields. */
export async function info(conn: RawConnection, section: string): Promise<Map<string, string>> {
  const text = (await call(conn, 'INFO', section)) as string;
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) out.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return out;
}

/** Polls `check` until it returns true (or fails with `what` after `timeoutMs`). */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The replica's link is up, its sync done, and it has applied everything the master produced. */
export async function caughtUp(master: RawConnection, replica: RawConnection, timeoutMs = 20_000): Promise<void> {
  await until(
    'the replica to catch up',
    async () => {
      const r = await info(replica, 'replication');
      if (r.get('master_link_status') !== 'up' || r.get('master_sync_in_progress') !== '0') return false;
      const m = await info(master, 'replication');
      return r.get('slave_repl_offset') === m.get('master_repl_offset');
    },
    timeoutMs,
  );
}

function sorted(v: RespValue): RespValue {
  return (v as RespValue[]).map((x) => JSON.stringify(x)).sort();
}

function pairsSorted(v: RespValue): string[] {
  const a = v as string[];
  const out: string[] = [];
  for (let i = 0; i < a.length; i += 2) out.push(JSON.stringify([a[i], a[i + 1]]));
  return out.sort();
}

/** Drops fields that move with time (idle, seen-time, inactive) from a reply made of name/value pairs. */
function withoutTimes(v: RespValue): RespValue {
  if (!Array.isArray(v)) return v;
  const out: RespValue[] = [];
  const volatile = new Set(['idle', 'seen-time', 'active-time', 'inactive', 'delivery-time']);
  for (let i = 0; i < v.length; i++) {
    const item = v[i];
    if (typeof item === 'string' && volatile.has(item) && i + 1 < v.length) {
      i++;
      continue;
    }
    out.push(withoutTimes(item));
  }
  return out;
}

/** One key's contents, type-aware, plus whether it has a TTL and roughly how long. */
async function keyContents(conn: RawConnection, key: string): Promise<KeyContents> {
  const type = (await call(conn, 'TYPE', key)) as string;
  const pttl = (await call(conn, 'PTTL', key)) as number;
  let value: unknown;
  switch (type) {
    case 'string':
      value = await call(conn, 'GET', key);
      break;
    case 'list':
      value = await call(conn, 'LRANGE', key, '0', '-1');
      break;
    case 'set':
      value = sorted(await call(conn, 'SMEMBERS', key));
      break;
    case 'zset':
      value = await call(conn, 'ZRANGE', key, '0', '-1', 'WITHSCORES');
      break;
    case 'hash':
      value = pairsSorted(await call(conn, 'HGETALL', key));
      break;
    case 'stream': {
      const groups = (await call(conn, 'XINFO', 'GROUPS', key)) as RespValue[][];
      const detail: unknown[] = [];
      for (const g of groups) {
        const name = g[1] as string;
        detail.push({
          group: g,
          pending: ((await call(conn, 'XPENDING', key, name, '-', '+', '100000')) as RespValue[][]).map((p) => [p[0], p[1], p[3]]),
          consumers: withoutTimes(await call(conn, 'XINFO', 'CONSUMERS', key, name)),
        });
      }
      const stream = withoutTimes(await call(conn, 'XINFO', 'STREAM', key)) as RespValue[];
      value = { entries: await call(conn, 'XRANGE', key, '-', '+'), stream, groups: detail };
      break;
    }
    default:
      value = type;
  }
  return { type, pttl, value };
}

interface KeyContents {
  type: string;
  pttl: number;
  value: unknown;
}

/** Every database's keys and contents, and the function libraries. */
export async function dataset(conn: RawConnection): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  out.set('functions', await call(conn, 'FUNCTION', 'LIST', 'WITHCODE'));
  for (let db = 0; db < 16; db++) {
    await call(conn, 'SELECT', String(db));
    let cursor = '0';
    const keys: string[] = [];
    do {
      const [next, batch] = (await call(conn, 'SCAN', cursor, 'COUNT', '1000')) as [string, string[]];
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    keys.sort();
    for (const key of keys) out.set(`${db}:${key}`, await keyContents(conn, key));
  }
  await call(conn, 'SELECT', '0');
  return out;
}

/** Both servers hold the same keys with the same contents (a difference names the key). */
export async function assertSameDataset(master: RawConnection, replica: RawConnection): Promise<number> {
  const [a, b] = [await dataset(master), await dataset(replica)];
  assert.deepEqual([...b.keys()], [...a.keys()], 'the same keys');
  for (const [key, value] of a) {
    const other = b.get(key);
    if (key === 'functions') {
      assert.deepEqual(other, value, 'function libraries');
      continue;
    }
    // TTLs are read a few ms apart on the two servers: none on both, or within 2 s.
    const [x, y] = [value as KeyContents, other as KeyContents];
    assert.deepEqual({ type: y.type, value: y.value }, { type: x.type, value: x.value }, `key ${key}`);
    assert.ok(x.pttl < 0 ? y.pttl === x.pttl : Math.abs(y.pttl - x.pttl) <= 2000, `key ${key}: TTL ${y.pttl} ms, master ${x.pttl} ms`);
  }
  return a.size;
}

/** The RESP frames of a replication stream (what follows the RDB), parsed as argv arrays. */
export function parseStream(buf: Buffer): { commands: string[][]; rest: Buffer } {
  const commands: string[][] = [];
  let pos = 0;
  for (;;) {
    if (pos >= buf.length || buf[pos] !== 0x2a) break;
    let cr = buf.indexOf('\r\n', pos);
    if (cr < 0) break;
    const n = Number(buf.latin1Slice(pos + 1, cr));
    let p = cr + 2;
    const argv: string[] = [];
    let complete = true;
    for (let i = 0; i < n; i++) {
      cr = buf.indexOf('\r\n', p);
      if (cr < 0) {
        complete = false;
        break;
      }
      const len = Number(buf.latin1Slice(p + 1, cr));
      if (buf.length < cr + 2 + len + 2) {
        complete = false;
        break;
      }
      argv.push(buf.latin1Slice(cr + 2, cr + 2 + len));
      p = cr + 2 + len + 2;
    }
    if (!complete) break;
    commands.push(argv);
    pos = p;
  }
  return { commands, rest: buf.subarray(pos) };
}

/**
 * A scripted replica: SYNCs from `masterPort` announcing `listeningPort`, reads what comes and
 * never acknowledges, so a FAILOVER waits for it. Listening on `listeningPort`, it also plays the
 * failover's target: it records the commands the demoted master sends and refuses its PSYNC.
 */
export async function silentReplica(masterPort: number): Promise<{ port: number; received: string[][]; close(): void }> {
  const received: string[][] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    let buf: Buffer = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const { commands, rest } = parseStream(buf);
      buf = rest;
      for (const argv of commands) {
        received.push(argv);
        const name = argv[0].toUpperCase();
        if (name === 'PING') s.write('+PONG\r\n');
        else if (name === 'PSYNC') s.write('-ERR this target refuses\r\n');
        else s.write('+OK\r\n');
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const link = await RawConnection.connect(masterPort);
  await link.command(['REPLCONF', 'listening-port', String(port)]);
  link.write(encodeCommand(['SYNC']));
  return {
    port,
    received,
    close() {
      link.close();
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}


export type ServerKind = 'redis' | 'cinder';

/**
 * Servers of either kind started as processes for one scenario (each in a fresh directory, with
 * disk-based syncs), all stopped together by PID.
 */
export class ServerPool {
  private readonly started: Array<{ stop(): Promise<void> }> = [];

  async start(kind: ServerKind, label: string, args: string[] = []): Promise<{ port: number; process: ChildProcess; stop(): Promise<void> }> {
    const all = ['--dir', freshDir(`${label}-${kind}`), '--repl-diskless-sync', 'no', ...args];
    const p = kind === 'redis' ? await startRealRedis(all) : await startCinderProcess(all);
    this.started.push(p);
    return p;
  }

  /** Another server to stop with the others. */
  adopt(p: { stop(): Promise<void> }): void {
    this.started.push(p);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.started.splice(0).map((p) => p.stop()));
  }
}

export type PooledServer = Awaited<ReturnType<ServerPool['start']>>;

/** A command's raw reply as latin1 text. */
export async function text(conn: RawConnection, ...argv: Array<string | number>): Promise<string> {
  return (await conn.command(argv.map(String), 20_000)).latin1Slice();
}
