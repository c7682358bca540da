/**
 * The AOF base written as commands (src/persistence/aof/base.ts) through the copy-on-write
 * snapshot: a base written in slices while the dataset changes hard between slices replays to
 * exactly the dataset as it was when the rewrite started; batches of 64 items per command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open } from '../../src/embedded/index.js';
import { RdbSnapshot, type SnapshotOptions } from '../../src/persistence/snapshot.js';
import { AofBaseWriter } from '../../src/persistence/aof/base.js';
import { AofReader } from '../../src/persistence/aof/commands.js';
import { readRdbFile } from '../../src/persistence/rdb/file.js';
import { createDumpPayload } from '../../src/persistence/rdb/writer.js';
import type { Server } from '../../src/server/server.js';

const OPTS: SnapshotOptions = { compression: false, checksum: true, listFill: -2, access: 'none' };

type Engine = ReturnType<typeof open>;

function baseOf(server: Server, slices: (step: () => boolean) => void, timestamp: number | null = null): Buffer {
  const chunks: Buffer[] = [];
  const libraries = [...server.functions.libraries.values()].map((lib) => lib.code);
  const s = new RdbSnapshot(server.dbs, OPTS, (c) => chunks.push(Buffer.from(c)), [], libraries, (_o, sink) => new AofBaseWriter(sink, timestamp));
  slices(() => s.step(Infinity, 7));
  assert.equal(s.finished, true);
  return Buffer.concat(chunks);
}

function commandsOf(base: Buffer): string[][] {
  const reader = new AofReader(base);
  const out: string[][] = [];
  for (let argv = reader.next(); argv !== null; argv = reader.next()) out.push(argv);
  return out;
}

/** Every key of every database: "db/key" → its DUMP bytes (hex) and expiry, via an RDB snapshot. */
function dataset(server: Server): Map<string, string> {
  const chunks: Buffer[] = [];
  new RdbSnapshot(server.dbs, OPTS, (c) => chunks.push(Buffer.from(c)), [['redis-ver', '7.0.15']], []).step(Infinity);
  const out = new Map<string, string>();
  readRdbFile(Buffer.concat(chunks), server.persistence.loadLimits(), {
    key(db, key, value, expire) {
      out.set(`${db}/${key}`, `${createDumpPayload(value, OPTS).toString('hex')} ${String(expire)}`);
    },
  });
  return out;
}

function replay(base: Buffer, databases: number): Engine {
  const db = open({ config: { databases } });
  for (const argv of commandsOf(base)) db.callSync(argv[0], ...argv.slice(1));
  return db;
}

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('collections are written 64 items per command, TTLs as PEXPIREAT, functions as FUNCTION LOAD, #TS first', () => {
  const db = open();
  const ints = Array.from({ length: 150 }, (_, i) => String(i));
  db.callSync('RPUSH', 'l', ...ints);
  db.callSync('SADD', 's', ...ints);
  db.callSync('HSET', 'h', ...ints.flatMap((i) => [`f${i}`, i]));
  db.callSync('ZADD', 'z', ...ints.flatMap((i) => [i, `m${i}`]));
  db.callSync('SET', 'k', 'v', 'PXAT', 4_000_000_000_000);
  db.callSync('FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function() return 1 end)");
  const base = baseOf(db.server, (step) => { while (!step()); }, 1_700_000_000);
  assert.equal(base.latin1Slice(0, 16), '#TS:1700000000\r\n');
  const cmds = commandsOf(base);
  assert.deepEqual(cmds[0].slice(0, 2), ['FUNCTION', 'LOAD']);
  assert.deepEqual(cmds[1], ['SELECT', '0']);
  const sizes = (name: string) => cmds.filter((c) => c[0] === name).map((c) => c.length - 2);
  assert.deepEqual(sizes('RPUSH'), [64, 64, 22]);
  assert.deepEqual(sizes('SADD'), [64, 64, 22]);
  assert.deepEqual(sizes('HMSET'), [128, 128, 44]);
  assert.deepEqual(sizes('ZADD'), [128, 128, 44]);
  assert.ok(cmds.some((c) => c.join(' ') === 'PEXPIREAT k 4000000000000'));
  const copy = replay(base, 16);
  assert.deepEqual(dataset(copy.server), dataset(db.server));
  assert.deepEqual(copy.callSync('FCALL', 'f', 0), 1);
  copy.close();
  db.close();
});

for (const seed of [1, 2, 3]) {
  test(`a base written as commands in slices replays to the dataset when it started, whatever is written meanwhile (seed ${seed})`, () => {
    const db = open({ config: { databases: 4 } });
    const random = rng(seed);
    const N = 2000;
    for (let d = 0; d < 3; d++) {
      db.callSync('SELECT', d);
      for (let i = 0; i < N; i++) {
        const k = `k${i}`;
        switch (i % 7) {
          case 0: db.callSync('SET', k, `v${i}`); break;
          case 1: db.callSync('RPUSH', k, 'a', 'b', String(i)); break;
          case 2: db.callSync('HSET', k, 'f', String(i), 'g', 'x'); break;
          case 3: db.callSync('SADD', k, 'm1', String(i)); break;
          case 4: db.callSync('ZADD', k, i, 'a', 1.5, 'b'); break;
          case 5: db.callSync('XADD', k, `${i}-1`, 'f', 'v'); break;
          default: db.callSync('SET', k, String(i), 'PX', 1_000_000 + i);
        }
      }
    }
    const before = dataset(db.server);
    const tryCall = (...argv: Array<string | number>): void => {
      try {
        db.callSync(String(argv[0]), ...argv.slice(1));
      } catch {
        // an error reply
      }
    };
    const base = baseOf(db.server, (step) => {
      let fresh = 0;
      do {
        for (let w = 0; w < 20; w++) {
          const d = Math.floor(random() * 4);
          db.callSync('SELECT', d);
          const k = `k${Math.floor(random() * N)}`;
          const r = random();
          if (r < 0.1) tryCall('DEL', k);
          else if (r < 0.2) tryCall('SET', k, 'overwritten');
          else if (r < 0.3) tryCall('APPEND', k, 'more');
          else if (r < 0.4) tryCall('RPUSH', `list-${k}`, 'x');
          else if (r < 0.45) tryCall('EXPIRE', k, 100);
          else if (r < 0.5) tryCall('PERSIST', k);
          else if (r < 0.55) tryCall('RENAME', k, `renamed${fresh++}`);
          else if (r < 0.6) tryCall('SET', `new${fresh++}`, 'n');
          else if (r < 0.65) tryCall('MOVE', k, (d + 1) % 4);
          else if (r < 0.67) tryCall('SWAPDB', d, (d + 2) % 4);
          else if (r < 0.68) tryCall('FLUSHDB');
          else if (r < 0.75) tryCall('HSET', k, 'f', 'changed');
          else if (r < 0.8) tryCall('LPOP', k);
          else if (r < 0.85) tryCall('ZINCRBY', k, 5, 'a');
          else if (r < 0.9) tryCall('XADD', k, '*', 'later', '1');
          else tryCall('SREM', k, 'm1');
        }
      } while (!step());
    });
    const copy = replay(base, 4);
    const after = dataset(copy.server);
    assert.equal(after.size, before.size);
    assert.deepEqual(after, before);
    for (const ks of db.server.dbs) assert.equal(ks.snapshot, null);
    copy.close();
    db.close();
  });
}
