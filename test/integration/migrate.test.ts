/**
 * MIGRATE between Cinder and real Redis 7.0.15, both ways and Cinder to Cinder: every type with its
 * TTL, COPY, REPLACE, KEYS, AUTH / AUTH2 against a target with requirepass, the errors Redis words
 * (compared reply for reply: a Redis source and a Cinder source each migrating to a target of
 * their own), a target that never answers, one that is down, the connection cache, and what other
 * clients see while Cinder's MIGRATE waits for its target (a scripted fake target answers when told).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RawConnection, encodeCommand, freePort, realRedisSuite, startRealRedis, type RealRedis } from '../helpers/differential.js';
import { startServer, type RunningServer } from '../../src/embedded/index.js';

const text = (b: Buffer): string => b.latin1Slice();

async function cmd(port: number, argv: string[]): Promise<string> {
  const c = await RawConnection.connect(port);
  try {
    return text(await c.command(argv));
  } finally {
    c.close();
  }
}

async function until(cond: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A target that records what it receives and answers only when told (or never). */
class FakeTarget {
  received = '';
  private sockets: net.Socket[] = [];
  private constructor(
    private readonly srv: net.Server,
    readonly port: number,
  ) {}
  static async start(): Promise<FakeTarget> {
    const srv = net.createServer();
    const port = await new Promise<number>((resolve) => srv.listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port)));
    const t = new FakeTarget(srv, port);
    srv.on('connection', (s) => {
      t.sockets.push(s);
      s.on('data', (d) => (t.received += d.latin1Slice()));
      s.on('error', () => {});
    });
    return t;
  }
  /** RESTOREs received so far. */
  get restores(): number {
    return this.received.split('\r\nRESTORE\r\n').length - 1;
  }
  answer(lines: string): void {
    for (const s of this.sockets) if (!s.destroyed) s.write(lines);
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.srv.close(() => r()));
  }
}

/** One value per type and encoding family, built by the same commands on any server. */
const FIXTURES: string[][] = [
  ['SET', 'str', 'hello'],
  ['SET', 'int', '12345'],
  ['SET', 'ttl', 'v', 'PX', '100000'],
  ['RPUSH', 'list', 'a', 'b', 'c', '1', '2'],
  ['RPUSH', 'biglist', ...Array.from({ length: 300 }, (_, i) => `element-${i}`)],
  ['SADD', 'intset', '1', '2', '3'],
  ['SADD', 'set', 'x', 'y', 'z'],
  ['HSET', 'hash', 'f1', 'v1', 'f2', 'v2'],
  ['ZADD', 'zset', '1', 'a', '2.5', 'b'],
  ['XADD', 'stream', '1-1', 'f', 'v'],
  ['XGROUP', 'CREATE', 'stream', 'g', '0'],
];
const FIXTURE_KEYS = ['str', 'int', 'ttl', 'list', 'biglist', 'intset', 'set', 'hash', 'zset', 'stream'];

async function build(port: number): Promise<Map<string, string>> {
  const c = await RawConnection.connect(port);
  const dumps = new Map<string, string>();
  try {
    await c.command(['FLUSHALL']);
    for (const argv of FIXTURES) await c.command(argv);
    // Set by SMEMBERS-independent content: DUMP bytes of everything but the hashtable set.
    for (const k of FIXTURE_KEYS) if (k !== 'set') dumps.set(k, text(await c.command(['DUMP', k])));
  } finally {
    c.close();
  }
  return dumps;
}

async function checkMoved(from: number, to: number, dumps: Map<string, string>, db = '0'): Promise<void> {
  const t = await RawConnection.connect(to);
  try {
    await t.command(['SELECT', db]);
    for (const [k, dump] of dumps) assert.equal(text(await t.command(['DUMP', k])), dump, `DUMP of ${k} on the target`);
    assert.equal(text(await t.command(['SMEMBERS', 'set'])).split('\r\n').filter((l) => /^[xyz]$/.test(l)).sort().join(), 'x,y,z');
    const pttl = Number(text(await t.command(['PTTL', 'ttl'])).slice(1));
    assert.ok(pttl > 0 && pttl <= 100000, `TTL kept (${pttl})`);
    assert.equal(text(await t.command(['PTTL', 'str'])), ':-1\r\n');
    assert.equal(text(await t.command(['XINFO', 'GROUPS', 'stream'])).includes('g'), true);
  } finally {
    t.close();
  }
  assert.equal(await cmd(from, ['DBSIZE']), ':0\r\n', 'the source has no keys left');
}

const MIGRATE_ALL = (port: number, db = '0'): string[] => ['MIGRATE', '127.0.0.1', String(port), '', db, '5000', 'KEYS', ...FIXTURE_KEYS];

describe('MIGRATE', { skip: !realRedisSuite('MIGRATE') }, () => {
  let redis: RealRedis;
  let redisTarget: RealRedis;
  let cinderTarget: RealRedis;
  let redisAuthTarget: RealRedis;
  let cinderAuthTarget: RealRedis;
  let cinder: RunningServer;
  let cinder2: RunningServer;
  before(async () => {
    [redis, redisTarget, cinderTarget, redisAuthTarget, cinderAuthTarget] = await Promise.all([
      startRealRedis(),
      startRealRedis(),
      startRealRedis(),
      startRealRedis(['--requirepass', 'secret']),
      startRealRedis(['--requirepass', 'secret']),
    ]);
    [cinder, cinder2] = await Promise.all([startServer({ port: 0 }), startServer({ port: 0 })]);
  });
  after(async () => {
    await Promise.all([redis, redisTarget, cinderTarget, redisAuthTarget, cinderAuthTarget].map((r) => r?.stop()));
    await Promise.all([cinder?.close(), cinder2?.close()]);
  });

  it('Cinder to Redis: every type, its TTL and stream groups arrive; the keys leave', async () => {
    const dumps = await build(cinder.port);
    await cmd(redisTarget.port, ['FLUSHALL']);
    assert.equal(await cmd(cinder.port, MIGRATE_ALL(redisTarget.port, '2')), '+OK\r\n');
    await checkMoved(cinder.port, redisTarget.port, dumps, '2');
  });

  it('Redis to Cinder: Redis sends SELECT and RESTORE, Cinder restores everything', async () => {
    const dumps = await build(redis.port);
    await cmd(cinder.port, ['FLUSHALL']);
    assert.equal(await cmd(redis.port, MIGRATE_ALL(cinder.port, '3')), '+OK\r\n');
    await checkMoved(redis.port, cinder.port, dumps, '3');
  });

  it('Cinder to Cinder', async () => {
    const dumps = await build(cinder.port);
    await cmd(cinder2.port, ['FLUSHALL']);
    assert.equal(await cmd(cinder.port, MIGRATE_ALL(cinder2.port)), '+OK\r\n');
    await checkMoved(cinder.port, cinder2.port, dumps);
  });

  it('RESTORE-ASKING restores as RESTORE', async () => {
    const c = await RawConnection.connect(cinder.port);
    const r = await RawConnection.connect(redis.port);
    try {
      await c.command(['SET', 'k', 'v']);
      const dumped = await c.command(['DUMP', 'k']);
      const payload = dumped.subarray(dumped.indexOf('\r\n') + 2, -2);
      for (const conn of [c, r]) {
        await conn.command(['DEL', 'k']);
        assert.equal(text(await conn.command([Buffer.from('RESTORE-ASKING'), Buffer.from('k'), Buffer.from('0'), payload])), '+OK\r\n');
        assert.equal(text(await conn.command(['GET', 'k'])), '$1\r\nv\r\n');
      }
    } finally {
      c.close();
      r.close();
    }
  });

  /**
   * The same MIGRATEs from a Redis source to one target and from Cinder to another: replies
   * compared, then what each source and target holds. `{target}` / `{auth}` stand for the port.
   */
  it('options and errors as Redis: NOKEY, COPY, REPLACE, KEYS, BUSYKEY, AUTH, AUTH2, syntax', async () => {
    const steps: string[][] = [
      ['MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4'],
      ['MIGRATE', '127.0.0.1', '{target}', 'nokey', '0', '1000'],
      ['MIGRATE', '127.0.0.1', '{target}', '', '0', '1000', 'KEYS', 'nokey', 'nokey2'],
      ['MIGRATE', '127.0.0.1', '{target}', 'a', '0', '1000', 'COPY'],
      ['EXISTS', 'a'],
      ['MIGRATE', '127.0.0.1', '{target}', 'a', '0', '1000'],
      ['MIGRATE', '127.0.0.1', '{target}', 'a', '0', '1000', 'REPLACE'],
      ['EXISTS', 'a'],
      ['SET', 'a', 'again'],
      ['MIGRATE', '127.0.0.1', '{target}', '', '0', '1000', 'KEYS', 'b', 'a', 'c'],
      ['EXISTS', 'a', 'b', 'c'],
      ['MIGRATE', '127.0.0.1', '{target}', '', '5', '1000', 'COPY', 'REPLACE', 'KEYS', 'd', 'nokey'],
      ['MIGRATE', '127.0.0.1', '{target}', 'd', '0', '1000', 'KEYS', 'd'],
      ['MIGRATE', '127.0.0.1', '{target}', 'd', '0', '1000', 'FOO'],
      ['MIGRATE', '127.0.0.1', '{target}', 'd', '0', '1000', 'AUTH'],
      ['MIGRATE', '127.0.0.1', '{target}', 'd', '0', '1000', 'AUTH2', 'u'],
      ['MIGRATE', '127.0.0.1', '{target}', 'd', 'x', '1000'],
      ['MIGRATE', '127.0.0.1', '{target}', 'd', '0', 'x'],
      ['MIGRATE', '127.0.0.1', '{target}', 'd', '0', '-5', 'COPY', 'REPLACE'],
      ['MIGRATE', '127.0.0.1', '{target}', 'd', '0', '1000', 'COPY', 'REPLACE', 'AUTH', 'pw'],
      ['MIGRATE', '127.0.0.1', '{target}', 'd', '0', '1000', 'COPY', 'REPLACE', 'AUTH2', 'someone', 'pw'],
      ['MIGRATE', '127.0.0.1', '{target}', 'd', '0', '1000', 'COPY', 'REPLACE', 'AUTH2', 'default', 'pw'],
      ['MIGRATE', '127.0.0.1', '{auth}', 'd', '0', '1000', 'COPY'],
      ['MIGRATE', '127.0.0.1', '{auth}', 'd', '0', '1000', 'COPY', 'AUTH', 'wrong'],
      ['MIGRATE', '127.0.0.1', '{auth}', 'd', '0', '1000', 'COPY', 'AUTH', 'secret'],
      ['MIGRATE', '127.0.0.1', '{auth}', 'd', '0', '1000', 'AUTH2', 'default', 'wrong'],
      ['MIGRATE', '127.0.0.1', '{auth}', 'd', '0', '1000', 'REPLACE', 'AUTH2', 'default', 'secret'],
      ['EXISTS', 'd'],
    ];
    const sides = [
      { port: redis.port, target: redisTarget.port, auth: redisAuthTarget.port },
      { port: cinder.port, target: cinderTarget.port, auth: cinderAuthTarget.port },
    ];
    await Promise.all(sides.flatMap((s) => [cmd(s.port, ['FLUSHALL']), cmd(s.target, ['FLUSHALL'])]));
    for (const s of sides) {
      const a = await RawConnection.connect(s.auth);
      await a.command(['AUTH', 'secret']);
      await a.command(['FLUSHALL']);
      a.close();
    }
    const conns = await Promise.all(sides.map((s) => RawConnection.connect(s.port)));
    try {
      for (const argv of steps) {
        const replies = await Promise.all(
          sides.map((s, i) => conns[i].command(argv.map((a) => (a === '{target}' ? String(s.target) : a === '{auth}' ? String(s.auth) : a)))),
        );
        assert.equal(text(replies[1]), text(replies[0]), `${JSON.stringify(argv)}`);
      }
    } finally {
      for (const c of conns) c.close();
    }
    // The targets hold the same.
    for (const db of ['0', '5']) {
      const [r, c] = await Promise.all(sides.map(async (s) => {
        const t = await RawConnection.connect(s.target);
        await t.command(['SELECT', db]);
        const out = [];
        for (const k of ['a', 'b', 'c', 'd']) out.push(text(await t.command(['GET', k])));
        t.close();
        return out.join();
      }));
      assert.equal(c, r, `target db ${db}`);
    }
  });

  it('a target that never answers: IOERR reading as Redis, and meanwhile Cinder serves others', async () => {
    const hole = await FakeTarget.start();
    try {
      await cmd(redis.port, ['SET', 'k', 'v']);
      await cmd(cinder.port, ['SET', 'k', 'v']);
      const argv = ['MIGRATE', '127.0.0.1', String(hole.port), 'k', '0', '300'];
      const c = await RawConnection.connect(cinder.port);
      c.write(encodeCommand(argv));
      await until(() => hole.restores >= 1, 'the RESTORE to reach the target');
      // The event loop is free: other clients are answered, and see the key still here.
      assert.equal(await cmd(cinder.port, ['GET', 'k']), '$1\r\nv\r\n');
      assert.equal(text(await c.readReply()), '-IOERR error or timeout reading to target instance\r\n');
      c.close();
      assert.equal(await cmd(redis.port, argv), '-IOERR error or timeout reading to target instance\r\n');
      assert.equal(await cmd(cinder.port, ['GET', 'k']), '$1\r\nv\r\n');
    } finally {
      await hole.close();
    }
  });

  it('a target that is down: the reply Redis gives', async () => {
    const port = String(await freePort());
    await cmd(redis.port, ['SET', 'k', 'v']);
    await cmd(cinder.port, ['SET', 'k', 'v']);
    const argv = ['MIGRATE', '127.0.0.1', port, 'k', '0', '300'];
    assert.equal(await cmd(cinder.port, argv), await cmd(redis.port, argv));
    // A name that does not resolve fails while connecting.
    assert.equal(await cmd(cinder.port, ['MIGRATE', 'no-such-host.invalid', port, 'k', '0', '300']), '-IOERR error or timeout connecting to the client\r\n');
  });

  it('while the target has not answered: the key is still here; deleted once acknowledged, unless changed meanwhile', async () => {
    const target = await FakeTarget.start();
    try {
      const c = await RawConnection.connect(cinder.port);
      await c.command(['FLUSHALL']);
      await c.command(['MSET', 'x', '1', 'y', '2']);
      c.write(encodeCommand(['MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', 'x', 'y']));
      await until(() => target.restores >= 2, 'both RESTOREs');
      assert.ok(target.received.startsWith('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n'), 'SELECT first on a new connection');
      assert.equal(await cmd(cinder.port, ['MGET', 'x', 'y']), '*2\r\n$1\r\n1\r\n$1\r\n2\r\n');
      // Another client rewrites y: Redis's MIGRATE is atomic, Cinder's keeps the newer y here.
      assert.equal(await cmd(cinder.port, ['SET', 'y', 'changed']), '+OK\r\n');
      target.answer('+OK\r\n+OK\r\n+OK\r\n');
      assert.equal(text(await c.readReply()), '+OK\r\n');
      assert.equal(await cmd(cinder.port, ['MGET', 'x', 'y']), '*2\r\n$-1\r\n$7\r\nchanged\r\n');
      // The connection is cached: the next MIGRATE to the same database sends no SELECT.
      await c.command(['SET', 'z', '3']);
      target.received = '';
      c.write(encodeCommand(['MIGRATE', '127.0.0.1', String(target.port), 'z', '0', '5000']));
      await until(() => target.restores >= 1, 'the RESTORE');
      assert.ok(target.received.startsWith('*4\r\n$7\r\nRESTORE\r\n'), 'RESTORE without SELECT');
      target.answer('-ERR oops\r\n');
      assert.equal(text(await c.readReply()), '-ERR Target instance replied with error: ERR oops\r\n');
      assert.equal(await cmd(cinder.port, ['EXISTS', 'z']), ':1\r\n');
      c.close();
    } finally {
      await target.close();
    }
  });

  it('the connection cache: reused, reopened when the target closed it, closed after 10 s idle', async () => {
    const server = cinder.server;
    server.migrateSockets.closeAll();
    await cmd(cinder.port, ['SET', 'k', 'v']);
    assert.equal(await cmd(cinder.port, ['MIGRATE', '127.0.0.1', String(redisTarget.port), 'k', '0', '1000', 'COPY', 'REPLACE']), '+OK\r\n');
    assert.match(await cmd(cinder.port, ['INFO', 'stats']), /migrate_cached_sockets:1\r\n/);
    // The target drops every other client: the cached connection is dead, MIGRATE retries once.
    await cmd(redisTarget.port, ['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
    assert.equal(await cmd(cinder.port, ['MIGRATE', '127.0.0.1', String(redisTarget.port), 'k', '0', '1000', 'COPY', 'REPLACE']), '+OK\r\n');
    assert.equal(server.migrateSockets.size, 1);
    // Idle for more than 10 s (the clock moved on): the cron closes it.
    const cache = (server.migrateSockets as unknown as { cache: Map<string, { lastUseTime: number }> }).cache;
    for (const conn of cache.values()) conn.lastUseTime -= 11;
    server.migrateSockets.cron();
    assert.equal(server.migrateSockets.size, 0);
  });

  it('keyspace events and statistics', async () => {
    const sub = await RawConnection.connect(cinder.port);
    try {
      await cmd(cinder.port, ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
      await cmd(cinder.port, ['CONFIG', 'RESETSTAT']);
      await sub.command(['SUBSCRIBE', '__keyevent@0__:del']);
      await cmd(cinder.port, ['SET', 'ev', '1']);
      assert.equal(await cmd(cinder.port, ['MIGRATE', '127.0.0.1', String(redisTarget.port), 'ev', '0', '1000', 'REPLACE']), '+OK\r\n');
      assert.equal(text(await sub.readReply()), '*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:del\r\n$2\r\nev\r\n');
      assert.match(await cmd(cinder.port, ['INFO', 'commandstats']), /cmdstat_migrate:calls=1,/);
    } finally {
      sub.close();
      await cmd(cinder.port, ['CONFIG', 'SET', 'notify-keyspace-events', '']);
    }
  });

  it('SLOWLOG hides AUTH and AUTH2 credentials', async () => {
    await cmd(cinder.port, ['SLOWLOG', 'RESET']);
    await cmd(cinder.port, ['CONFIG', 'SET', 'slowlog-log-slower-than', '0']);
    await cmd(cinder.port, ['MIGRATE', '127.0.0.1', '1', 'nokey', '0', '1000', 'AUTH2', 'user', 'pw']);
    await cmd(cinder.port, ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000']);
    const log = await cmd(cinder.port, ['SLOWLOG', 'GET']);
    assert.ok(!log.includes('pw') && !log.includes('user') && log.includes('(redacted)'), log);
  });

  it('inside MULTI (deviation): Redis migrates synchronously, Cinder refuses, since nothing may wait in EXEC', async () => {
    const c = await RawConnection.connect(cinder.port);
    try {
      await c.command(['SET', 'm', '1']);
      await c.command(['MULTI']);
      await c.command(['MIGRATE', '127.0.0.1', String(redisTarget.port), 'm', '0', '1000', 'REPLACE']);
      // Redis: *1\r\n+OK\r\n
      assert.equal(text(await c.command(['EXEC'])), '*1\r\n-ERR MIGRATE cannot wait for its target inside MULTI or a script\r\n');
    } finally {
      c.close();
    }
  });
});
