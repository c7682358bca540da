/**
 * The memory accounting's bookkeeping (src/engine/memory.ts, src/server/memory.ts): after every
 * command, every keyspace's running total equals its values measured afresh, every collection's
 * own running counts equal a recount, and the server-wide counter equals the sum of its keyspaces.
 * A write path that changes a value without the keyspace re-measuring it fails here. How close the
 * estimates are to real heap growth is bench/memory-accounting.ts's business (docs/ARCHITECTURE.md).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { open, type EmbeddedDb } from '../../src/embedded/index.js';
import type { Server } from '../../src/server/server.js';
import { KEY_SLOT_BYTES, entryBytes } from '../../src/engine/memory.js';
import { crc64 } from '../../src/util/crc64.js';

/** A DUMP payload of the string `s` (type 0, RDB version 10, CRC64). */
function stringPayload(s: string): string {
  const body = Buffer.from(`\x00${String.fromCharCode(s.length)}${s}`, 'latin1');
  const out = Buffer.alloc(body.length + 10);
  body.copy(out);
  out.writeUInt16LE(10, body.length);
  out.writeBigUInt64LE(crc64(out, 0, body.length + 2), body.length + 2);
  return out.latin1Slice();
}

/** Small encodings' limits, so a few elements cross every conversion. */
const CONFIG = {
  'hash-max-listpack-entries': 4,
  'hash-max-listpack-value': 16,
  'set-max-intset-entries': 4,
  'zset-max-listpack-entries': 4,
  'zset-max-listpack-value': 16,
  'stream-node-max-entries': 3,
};

/** Fails unless every running total matches a recount. */
function audit(server: Server, label: string): void {
  let dataset = 0;
  let overhead = 0;
  for (const db of server.dbs) {
    const a = db.auditBytes();
    assert.equal(a.recorded, a.measured, `${label}: db ${db.id} recorded vs measured`);
    assert.ok(a.countsExact, `${label}: db ${db.id}: a collection's running counts drifted`);
    dataset += db.bytes;
    overhead += db.overhead;
  }
  assert.equal(server.memory.counter.dataset, dataset, `${label}: server dataset counter`);
  assert.equal(server.memory.counter.overhead, overhead, `${label}: server overhead counter`);
}

/** Runs a command (errors are replies like any other here) and audits. */
function step(db: EmbeddedDb, argv: string[]): void {
  try {
    db.callSync(argv[0], ...argv.slice(1));
  } catch {
    // An error reply: nothing to account for, but the audit still runs.
  }
  audit(db.server, argv.join(' ').slice(0, 80));
}

const big = (n: number, c = 'x') => c.repeat(n);

/** At least one call of every write command of the table, across encodings and conversions. */
const WRITES: string[][] = [
  // strings
  ['SET', 's', 'v'],
  ['SET', 's', '123'],
  ['SET', 's', '3000000000'],
  ['SET', 's', big(100)],
  ['SET', 'bigs', big(20000)],
  ['APPEND', 'bigs', 'tail'],
  // Slab chunks (256 B to 16 KB, src/engine/slab.ts): stored, overwritten, copied, changed in place.
  ['SET', 'slab', big(1000)],
  ['SET', 'slab', big(5000)],
  ['COPY', 'slab', 'slab2'],
  ['SETRANGE', 'slab2', '10', 'abc'],
  ['MSET', 'slab3', big(300), 'slab4', big(16380)],
  ['SETNX', 's2', 'v'],
  ['SETEX', 's3', '100', 'v'],
  ['PSETEX', 's4', '100000', 'v'],
  ['MSET', 'a', '1', 'b', '2'],
  ['MSETNX', 'c', '3', 'd', '4'],
  ['GETSET', 'a', '10'],
  ['GETDEL', 'b'],
  ['GETEX', 'c', 'EX', '100'],
  ['APPEND', 's', 'xyz'],
  ['APPEND', 'new', 'abc'],
  ['APPEND', 'new', big(50)],
  ['INCR', 'n'],
  ['DECR', 'n'],
  ['INCRBY', 'n', '5000000000'],
  ['DECRBY', 'n', '2'],
  ['INCRBYFLOAT', 'f', '1.5'],
  ['SETRANGE', 's', '150', 'zz'],
  ['SETRANGE', 'sr', '5', 'q'],
  // hashes
  ['HSET', 'h', 'f', 'v'],
  ['HSET', 'h', 'f2', 'v2', 'f3', 'v3', 'f4', 'v4', 'f5', 'v5'],
  ['HSETNX', 'h', 'f6', 'v'],
  ['HMSET', 'h', 'f7', big(40)],
  ['HINCRBY', 'h', 'i', '1'],
  ['HINCRBYFLOAT', 'h', 'fl', '1.5'],
  ['HDEL', 'h', 'f', 'f2'],
  ['HSET', 'hl', 'f', 'v'],
  ['HSET', 'hl', 'f', big(100)],
  ['HINCRBY', 'hs', 'i', '7'],
  // lists
  ['LPUSH', 'l', 'a', 'b'],
  ['RPUSH', 'l', 'c', '12345'],
  ['LPUSHX', 'l', 'd'],
  ['RPUSHX', 'l', 'e'],
  ['LINSERT', 'l', 'BEFORE', 'c', 'x'],
  ['LSET', 'l', '0', big(300)],
  ['LREM', 'l', '0', 'x'],
  ['LTRIM', 'l', '0', '4'],
  ['LPOP', 'l'],
  ['RPOP', 'l'],
  ['RPOPLPUSH', 'l', 'l2'],
  ['LMOVE', 'l2', 'l', 'LEFT', 'RIGHT'],
  ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '1'],
  ['BLPOP', 'l', '0'],
  ['BRPOP', 'l', '0'],
  ['RPUSH', 'l', 'p', 'q', 'r', 's'],
  ['BRPOPLPUSH', 'l', 'l3', '0'],
  ['BLMOVE', 'l', 'l3', 'RIGHT', 'LEFT', '0'],
  ['BLMPOP', '0', '1', 'l', 'RIGHT', 'COUNT', '5'],
  ['RPUSH', 'lb', ...Array.from({ length: 3000 }, (_, i) => `element-${i}`)],
  ['LTRIM', 'lb', '100', '-100'],
  ['LREM', 'lb', '0', 'element-500'],
  // sets
  ['SADD', 'si', '1', '2', '3'],
  ['SADD', 'si', '4', '5'],
  ['SADD', 'sk', '1', '2'],
  ['SADD', 'ss', 'a', 'b', 'c', '7'],
  ['SREM', 'ss', 'a'],
  ['SPOP', 'si'],
  ['SPOP', 'si', '2'],
  ['SMOVE', 'ss', 'si2', 'b'],
  ['SDIFFSTORE', 'sd', 'si', 'ss'],
  ['SINTERSTORE', 'sn', 'si', 'si'],
  ['SUNIONSTORE', 'su', 'si', 'ss', 'sk'],
  ['SADD', 'sbig', ...Array.from({ length: 100 }, (_, i) => `member-${i}`)],
  ['SREM', 'sbig', ...Array.from({ length: 95 }, (_, i) => `member-${i}`)],
  // sorted sets
  ['ZADD', 'z', '1', 'a', '2', 'b'],
  ['ZADD', 'z', '3', 'c', '4', 'd', '5', 'e'],
  ['ZADD', 'zl', '1', big(40)],
  ['ZINCRBY', 'z', '1', 'a'],
  ['ZREM', 'z', 'a'],
  ['ZPOPMIN', 'z'],
  ['ZPOPMAX', 'z'],
  ['ZMPOP', '1', 'z', 'MIN'],
  ['ZADD', 'z', '1', 'f', '2', 'g', '3', 'h', '4', 'i', '5', 'j', '6', 'k'],
  ['BZPOPMIN', 'z', '0'],
  ['BZPOPMAX', 'z', '0'],
  ['BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '2'],
  ['ZREMRANGEBYRANK', 'z', '0', '0'],
  ['ZREMRANGEBYSCORE', 'z', '0', '3'],
  ['ZADD', 'zx', '0', 'a', '0', 'b', '0', 'c'],
  ['ZREMRANGEBYLEX', 'zx', '[a', '[b'],
  ['ZUNIONSTORE', 'zu', '2', 'z', 'zx'],
  ['ZINTERSTORE', 'zi', '2', 'z', 'z'],
  ['ZDIFFSTORE', 'zd', '2', 'z', 'zx'],
  ['ZRANGESTORE', 'zr', 'z', '0', '-1'],
  ['ZADD', 'zbig', ...Array.from({ length: 600 }, (_, i) => [String(i), `member-${i}`]).flat()],
  ['ZREMRANGEBYRANK', 'zbig', '10', '400'],
  // geo sets (sorted sets)
  ['GEOADD', 'geo', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania', '13.5', '37.9', big(80)],
  ['GEORADIUS', 'geo', '15', '37', '200', 'km', 'STORE', 'geo2'],
  ['GEORADIUSBYMEMBER', 'geo', 'Palermo', '200', 'km', 'STOREDIST', 'geo3'],
  ['GEOSEARCHSTORE', 'geo4', 'geo', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km'],
  // streams
  ['XADD', 'x', '1-1', 'f', 'v'],
  ['XADD', 'x', '1-2', 'f', 'v', 'g', 'w'],
  ['XADD', 'x', '1-3', 'f', big(100)],
  ['XADD', 'x', '1-4', 'f', 'v'],
  ['XADD', 'x', '1-5', 'f', 'v'],
  ['XGROUP', 'CREATE', 'x', 'g', '0'],
  ['XGROUP', 'CREATECONSUMER', 'x', 'g', 'c2'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '3', 'STREAMS', 'x', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'x', '0'],
  ['XACK', 'x', 'g', '1-1'],
  ['XCLAIM', 'x', 'g', 'c3', '0', '1-2'],
  ['XAUTOCLAIM', 'x', 'g', 'c4', '0', '0'],
  ['XDEL', 'x', '1-3'],
  ['XTRIM', 'x', 'MAXLEN', '2'],
  ['XSETID', 'x', '5-0'],
  ['XGROUP', 'SETID', 'x', 'g', '$'],
  ['XGROUP', 'DELCONSUMER', 'x', 'g', 'c'],
  ['XGROUP', 'DESTROY', 'x', 'g'],
  // bitmaps and HyperLogLog (string values changed in place)
  ['SETBIT', 'bm', '7', '1'],
  ['SETBIT', 'bm', '100000', '1'],
  ['SETBIT', 's', '3', '1'],
  ['BITFIELD', 'bm', 'SET', 'u8', '200000', '7', 'INCRBY', 'i5', '3', '2'],
  ['BITOP', 'OR', 'bo', 'bm', 's'],
  ['PFADD', 'hl', 'a', 'b', 'c'],
  ['PFADD', 'hl', ...Array.from({ length: 3000 }, (_, i) => `e${i}`)],
  ['PFADD', 'hs', 'x'],
  ['PFMERGE', 'hm', 'hs', 'hl'],
  ['PFDEBUG', 'TODENSE', 'hs'],
  // generic
  ['SORT', 'lb', 'ALPHA', 'LIMIT', '0', '10', 'STORE', 'sorted'],
  ['EXPIRE', 'd', '100'],
  ['PEXPIRE', 'd', '100000'],
  ['EXPIREAT', 'd', '9999999999'],
  ['PEXPIREAT', 'd', '99999999999999'],
  ['PERSIST', 'd'],
  ['COPY', 'h', 'h2'],
  ['COPY', 'z', 'z2', 'DB', '2'],
  ['RESTORE', 'rs', '0', stringPayload('hello')],
  ['RESTORE', 'rs', '100000', stringPayload('bye'), 'REPLACE'],
  ['EVAL', "return redis.call('restore', KEYS[2], 0, redis.call('dump', KEYS[1]))", '2', 'h', 'hr'],
  ['EVAL', "return redis.call('restore', KEYS[2], 0, redis.call('dump', KEYS[1]))", '2', 'x', 'xr'],
  ['EVAL', "return redis.call('restore', KEYS[2], 0, redis.call('dump', KEYS[1]))", '2', 'lb', 'lr'],
  // A synchronous call cannot wait for a target: MIGRATE answers NOKEY or refuses, changing nothing.
  ['MIGRATE', '127.0.0.1', '1', 'nokey', '0', '1000'],
  ['MIGRATE', '127.0.0.1', '1', 'x', '0', '1000'],
  ['RENAME', 'h2', 'h3'],
  ['RENAMENX', 'h3', 'h4'],
  ['MOVE', 'h4', '1'],
  ['DEL', 'a', 'zd'],
  ['UNLINK', 'c', 'l3'],
  ['SWAPDB', '0', '1'],
  ['SWAPDB', '0', '1'],
  ['EVAL', "redis.call('hset', KEYS[1], 'a', 'b') return redis.call('rpush', KEYS[2], 'x')", '2', 'he', 'le'],
  ['FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function(keys) return redis.call('set', keys[1], 'v') end)"],
  ['FCALL', 'f', '1', 'fk'],
  ['FUNCTION', 'DELETE', 'lib'],
  ['FUNCTION', 'FLUSH'],
  ['FLUSHDB'],
  ['SELECT', '1'],
  ['FLUSHALL'],
  ['SELECT', '0'],
];

/** Write commands that the sequence above reaches another way, or that touch no key. */
const NOT_CALLED = new Set(['function|restore', 'restore-asking' /* RESTORE's handler, run above */]);

describe('memory accounting: running totals stay exact', () => {
  it('after every write command of the table', () => {
    const db = open({ config: CONFIG });
    try {
      const called = new Set<string>();
      for (const argv of WRITES) {
        const cmd = db.server.commands.lookup(argv[0])!;
        called.add(cmd.subcommands !== null ? `${cmd.name}|${argv[1].toLowerCase()}` : cmd.name);
        step(db, argv);
      }
      const missing: string[] = [];
      for (const cmd of db.server.commands.all) {
        const commands = cmd.subcommands !== null ? [...new Set(cmd.subcommands.values())] : [cmd];
        for (const c of commands) if (c.isWrite && !called.has(c.fullName) && !NOT_CALLED.has(c.fullName)) missing.push(c.fullName);
      }
      assert.deepEqual(missing, [], 'write commands this test does not run: add them to WRITES');
    } finally {
      db.close();
    }
  });

  it('through random command sequences', () => {
    const key = fc.constantFrom('k1', 'k2', 'k3');
    const member = fc.oneof(fc.integer({ min: -5, max: 40 }).map(String), fc.constantFrom('a', 'b', 'c', big(30), big(200), big(256), big(1000)));
    const command: fc.Arbitrary<string[]> = fc.oneof(
      fc.tuple(key, member).map(([k, m]) => ['SET', k, m]),
      fc.tuple(key, member).map(([k, m]) => ['APPEND', k, m]),
      fc.tuple(key, member, member).map(([k, f, v]) => ['HSET', k, f, v]),
      fc.tuple(key, member).map(([k, f]) => ['HDEL', k, f]),
      fc.tuple(key, member, member).map(([k, a, b]) => ['RPUSH', k, a, b]),
      fc.tuple(key, member).map(([k, a]) => ['LPUSH', k, a]),
      key.map((k) => ['LPOP', k]),
      fc.tuple(key, member).map(([k, m]) => ['LREM', k, '0', m]),
      fc.tuple(key, member).map(([k, m]) => ['SADD', k, m]),
      fc.tuple(key, member).map(([k, m]) => ['SREM', k, m]),
      key.map((k) => ['SPOP', k]),
      fc.tuple(key, fc.integer({ min: -10, max: 10 }), member).map(([k, s, m]) => ['ZADD', k, String(s), m]),
      fc.tuple(key, member).map(([k, m]) => ['ZREM', k, m]),
      key.map((k) => ['ZPOPMIN', k]),
      fc.tuple(key, member).map(([k, v]) => ['XADD', k, '*', 'f', v]),
      key.map((k) => ['XTRIM', k, 'MAXLEN', '1']),
      fc.tuple(key, key).map(([a, b]) => ['SUNIONSTORE', a, a, b]),
      fc.tuple(key, key).map(([a, b]) => ['COPY', a, b, 'REPLACE']),
      fc.tuple(key, key).map(([a, b]) => ['RENAME', a, b]),
      key.map((k) => ['DEL', k]),
      key.map((k) => ['INCR', k]),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        const db = open({ config: CONFIG });
        try {
          for (const argv of commands) step(db, argv);
        } finally {
          db.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('when blocked clients are served', async () => {
    const a = open({ config: CONFIG });
    const b = open({ server: a.server });
    const c = open({ server: a.server });
    try {
      b.callSync('XGROUP', 'CREATE', 'xs', 'g', '$', 'MKSTREAM');
      const popped = a.call('BLPOP', 'q', '0');
      const moved = b.call('BLMOVE', 'q2', 'dst', 'LEFT', 'RIGHT', '0');
      const read = c.call('XREADGROUP', 'GROUP', 'g', 'consumer', 'BLOCK', '0', 'STREAMS', 'xs', '>');
      const writer = open({ server: a.server });
      writer.callSync('LPUSH', 'q', 'one', 'two');
      writer.callSync('RPUSH', 'q2', 'x');
      writer.callSync('XADD', 'xs', '1-0', 'f', 'v');
      writer.close();
      assert.deepEqual(await popped, ['q', 'two']);
      assert.equal(await moved, 'x');
      await read;
      audit(a.server, 'after serving');
    } finally {
      a.close();
      b.close();
      c.close();
    }
  });

  it('when keys expire, lazily and in the active cycle', async () => {
    const db = open({ config: CONFIG });
    try {
      for (let i = 0; i < 50; i++) db.callSync('SET', `e${i}`, big(40), 'PX', '1');
      db.callSync('HSET', 'eh', 'f', 'v');
      db.callSync('PEXPIRE', 'eh', '1');
      const deadline = Date.now() + 2;
      while (Date.now() <= deadline) await new Promise((r) => setTimeout(r, 1));
      db.callSync('GET', 'e0');
      db.callSync('HGET', 'eh', 'f');
      audit(db.server, 'lazy expiry');
      db.server.clock.now = Date.now();
      db.server.activeExpireCycle();
      audit(db.server, 'active expiry');
      assert.equal(db.server.dbs[0].size, 0);
      assert.equal(db.server.dbs[0].bytes, 0);
    } finally {
      db.close();
    }
  });
});

describe('memory accounting: figures', () => {
  it('MEMORY USAGE is the key and value the keyspace recorded, plus the per-key slot share', () => {
    const db = open({ config: CONFIG });
    try {
      db.callSync('HSET', 'h', 'f', 'v', 'g', big(100));
      db.callSync('SET', 's', 'hello');
      for (const key of ['h', 's']) {
        const recorded = db.server.dbs[0].sizeOf(key);
        assert.equal(recorded, entryBytes(key, db.server.dbs[0].peek(key)!));
        assert.equal(db.callSync('MEMORY', 'USAGE', key), recorded + KEY_SLOT_BYTES);
        assert.equal(db.callSync('MEMORY', 'USAGE', key, 'SAMPLES', '0'), recorded + KEY_SLOT_BYTES);
      }
      assert.equal(db.callSync('MEMORY', 'USAGE', 'nokey'), null);
    } finally {
      db.close();
    }
  });

  it('adding keys and deleting them brings the dataset back exactly', () => {
    const db = open({ config: CONFIG });
    try {
      const memory = db.server.memory;
      const before = memory.counter.dataset;
      for (let i = 0; i < 1000; i++) db.callSync('SET', `key:${i}`, big(i % 100));
      db.callSync('RPUSH', 'list', ...Array.from({ length: 500 }, (_, i) => String(i)));
      const loaded = memory.counter.dataset;
      assert.ok(loaded - before > 1000 * 40, String(loaded - before));
      for (let i = 0; i < 1000; i++) db.callSync('DEL', `key:${i}`);
      db.callSync('DEL', 'list');
      assert.equal(memory.counter.dataset, before);
    } finally {
      db.close();
    }
  });

  it('used() is the sum of its parts; usedForEviction leaves out what Redis does not count', () => {
    const db = open({ config: CONFIG });
    try {
      const memory = db.server.memory;
      db.callSync('SET', 'k', big(1000));
      db.callSync('SUBSCRIBE', 'channel');
      memory.refresh();
      const parts =
        memory.startup +
        memory.counter.dataset +
        memory.counter.overhead +
        memory.clients +
        memory.scriptsCache +
        memory.functions +
        memory.pubsubBytes() +
        db.server.info.histogramBytes;
      assert.equal(memory.used(), parts);
      assert.equal(memory.usedForEviction(), memory.used() - memory.notCountedForEviction());
      assert.ok(memory.pubsubBytes() > 0);
      assert.ok(memory.clients > 0);
      // A GC changes nothing: the figure is what is live by construction, not what V8 holds.
      const used = memory.used();
      (globalThis as { gc?: () => void }).gc?.();
      assert.equal(memory.used(), used);
    } finally {
      db.close();
    }
  });

  it('used_memory_peak is recorded after every command, as Redis records it in call()', () => {
    const db = open({ config: CONFIG });
    try {
      db.server.stopCron();
      const before = db.server.memory.used();
      db.callSync('SET', 'transient', big(200_000));
      const withValue = db.server.memory.used();
      db.callSync('DEL', 'transient');
      // No INFO, MEMORY or cron tick saw the value: only the command path did.
      assert.ok(withValue - before >= 200_000);
      assert.ok(db.server.memory.peak >= withValue, `${db.server.memory.peak} < ${withValue}`);
      const info = String(db.callSync('INFO', 'memory'));
      assert.ok(Number(/^used_memory_peak:(\d+)/m.exec(info)![1]) >= withValue);
    } finally {
      db.close();
    }
  });

  it('INFO memory and MEMORY STATS agree with the accounting', () => {
    const db = open({ config: CONFIG });
    try {
      db.callSync('SET', 'k', big(5000));
      // Each command's first call adds its latency histogram (counted): those calls come first.
      db.callSync('INFO', 'memory');
      db.callSync('MEMORY', 'STATS');
      const info = String(db.callSync('INFO', 'memory'));
      const field = (name: string) => Number(new RegExp(`^${name}:(.*)$`, 'm').exec(info)![1]);
      const memory = db.server.memory;
      assert.equal(field('used_memory'), memory.used());
      assert.equal(field('used_memory_startup'), memory.startup);
      assert.equal(field('used_memory_overhead'), memory.overhead());
      assert.equal(field('used_memory_dataset'), memory.used() - memory.overhead());
      assert.ok(field('used_memory_peak') >= field('used_memory'));
      const stats = db.callSync('MEMORY', 'STATS') as unknown as Map<string, unknown>;
      assert.equal(stats.get('total.allocated'), memory.used());
      assert.equal(stats.get('keys.count'), 1);
      const db0 = stats.get('db.0') as Map<string, number>;
      assert.equal(db0.get('overhead.hashtable.main'), db.server.dbs[0].overhead);
    } finally {
      db.close();
    }
  });
});
