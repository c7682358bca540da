/**
 * The embedded API: `open()` runs commands in-process and returns JS values; `startServer()`
 * listens on TCP inside the process. Several of each may live side by side.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { open, startServer, ReplyError } from '../../src/embedded/index.js';
import { RawConnection } from '../helpers/differential.js';

describe('embedded open()', () => {
  it('call returns strings, numbers, null and arrays', async () => {
    const db = open();
    try {
      assert.equal(await db.call('PING'), 'PONG');
      assert.equal(await db.call('PING', 'hi'), 'hi');
      assert.equal(await db.call('SET', 'k', 'v'), 'OK');
      assert.equal(await db.call('GET', 'k'), 'v');
      assert.equal(await db.call('GET', 'missing'), null);
      assert.equal(await db.call('EXISTS', 'k', 'missing', 'k'), 2);
      assert.equal(await db.call('SET', 'n', 41), 'OK');
      assert.equal(await db.call('INCR', 'n'), 42);
      assert.equal(await db.call('GET', 'n'), '42');
      assert.equal(await db.call('INCRBY', 'n', -50n), -8);
      assert.deepEqual(await db.call('MGET', 'k', 'missing', 'n'), ['v', null, '-8']);
      assert.deepEqual(((await db.call('KEYS', '*')) as string[]).sort(), ['k', 'n']);
      assert.deepEqual(await db.call('KEYS', 'nomatch*'), []);
      assert.equal(await db.call('TTL', 'k'), -1);
      assert.equal(await db.call('TTL', 'missing'), -2);
      assert.equal(await db.call('DBSIZE'), 2);
    } finally {
      db.close();
    }
  });

  it('64-bit integers beyond 2^53 come back as bigint', async () => {
    const db = open();
    try {
      await db.call('SET', 'big', '9223372036854775806');
      assert.equal(await db.call('INCR', 'big'), 9223372036854775807n);
      await assert.rejects(db.call('INCR', 'big'), { message: 'ERR increment or decrement would overflow' });
    } finally {
      db.close();
    }
  });

  it('command names are case-insensitive and arguments are binary safe', async () => {
    const db = open();
    try {
      const bytes = Buffer.from([0, 1, 0xfe, 0xff, 13, 10]);
      assert.equal(await db.call('set', bytes, bytes), 'OK');
      assert.equal(await db.call('gEt', bytes), bytes.toString('latin1'));
      assert.equal(await db.call('STRLEN', bytes), 6);
    } finally {
      db.close();
    }
  });

  it('buffers: true returns bulk strings as Buffers', async () => {
    const db = open({ buffers: true });
    try {
      const bytes = Buffer.from([0xe9, 0, 0xff]);
      await db.call('SET', 'b', bytes);
      const got = await db.call('GET', 'b');
      assert.ok(Buffer.isBuffer(got));
      assert.deepEqual(got, bytes);
      assert.equal(await db.call('STRLEN', 'b'), 3);
      assert.equal(await db.call('SET', 'x', 'y'), 'OK', 'status replies stay strings');
    } finally {
      db.close();
    }
  });

  it('error replies reject with ReplyError carrying the code', async () => {
    const db = open();
    try {
      await assert.rejects(db.call('GET'), (e: unknown) => {
        assert.ok(e instanceof ReplyError);
        assert.equal(e.message, "ERR wrong number of arguments for 'get' command");
        assert.equal(e.code, 'ERR');
        assert.equal(e.name, 'ReplyError');
        return true;
      });
      await assert.rejects(db.call('NOSUCH', 'a'), { code: 'ERR', message: "ERR unknown command 'NOSUCH', with args beginning with: 'a' " });
      await db.call('SET', 's', 'text');
      await assert.rejects(db.call('INCR', 's'), { code: 'ERR', message: 'ERR value is not an integer or out of range' });
      assert.throws(() => db.callSync('SELECT', '99'), { code: 'ERR', message: 'ERR DB index is out of range' });
      assert.equal(db.callSync('GET', 's'), 'text', 'usable after errors');
    } finally {
      db.close();
    }
  });

  it('callSync runs synchronously; SELECT is per handle', () => {
    const db = open();
    const other = open({ server: db.server });
    try {
      assert.equal(db.callSync('SELECT', '1'), 'OK');
      db.callSync('SET', 'k', 'in-db-1');
      assert.equal(other.callSync('GET', 'k'), null, 'the other handle is still on db 0');
      other.callSync('SELECT', 1);
      assert.equal(other.callSync('GET', 'k'), 'in-db-1');
    } finally {
      other.close();
      db.close();
    }
  });

  it('separate open() calls have separate data; config applies', async () => {
    const a = open();
    const b = open({ config: { databases: 4 } });
    try {
      await a.call('SET', 'only-in-a', '1');
      assert.equal(await b.call('EXISTS', 'only-in-a'), 0);
      assert.equal(a.server.dbs.length, 16);
      assert.equal(b.server.dbs.length, 4, 'databases directive');
    } finally {
      a.close();
      b.close();
    }
  });

  it('close() unregisters the client and can be called on every handle', () => {
    const db = open();
    const before = db.server.clients.size;
    const second = open({ server: db.server });
    assert.equal(db.server.clients.size, before + 1);
    second.close();
    assert.equal(db.server.clients.size, before);
    db.close();
    assert.equal(db.server.clients.size, before - 1);
  });
});

describe('embedded startServer()', () => {
  it('serves RESP on a free port and shares its engine with open()', async () => {
    const srv = await startServer({ port: 0 });
    try {
      assert.ok(srv.port > 0);
      assert.equal(srv.host, '127.0.0.1');
      const conn = await RawConnection.connect(srv.port);
      assert.equal((await conn.command(['SET', 'shared', 'yes'])).latin1Slice(), '+OK\r\n');
      const db = open({ server: srv.server });
      assert.equal(await db.call('GET', 'shared'), 'yes');
      await db.call('SET', 'from-embedded', '1');
      assert.equal((await conn.command(['GET', 'from-embedded'])).latin1Slice(), '$1\r\n1\r\n');
      db.close();
      conn.close();
    } finally {
      await srv.close();
    }
  });

  it('two servers in one process are independent', async () => {
    const [a, b] = await Promise.all([startServer({ port: 0 }), startServer({ port: 0 })]);
    try {
      assert.notEqual(a.port, b.port);
      const ca = await RawConnection.connect(a.port);
      const cb = await RawConnection.connect(b.port);
      await ca.command(['SET', 'k', 'a']);
      await cb.command(['SET', 'k', 'b']);
      assert.equal((await ca.command(['GET', 'k'])).latin1Slice(), '$1\r\na\r\n');
      assert.equal((await cb.command(['GET', 'k'])).latin1Slice(), '$1\r\nb\r\n');
      ca.close();
      cb.close();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('close() closes open connections, stops listening, and is idempotent', async () => {
    const srv = await startServer({ port: 0 });
    const conn = await RawConnection.connect(srv.port);
    assert.equal((await conn.command(['PING'])).latin1Slice(), '+PONG\r\n');
    await srv.close();
    await conn.readUntilClose(2000);
    assert.equal(conn.closed, true);
    await assert.rejects(
      new Promise<void>((resolve, reject) => {
        const s = net.connect({ port: srv.port, host: '127.0.0.1' }, () => {
          s.destroy();
          resolve();
        });
        s.once('error', reject);
      }),
      { code: 'ECONNREFUSED' },
    );
    await srv.close();
  });

  it('a port already in use is an error', async () => {
    const a = await startServer({ port: 0 });
    try {
      await assert.rejects(startServer({ port: a.port }), { code: 'EADDRINUSE' });
    } finally {
      await a.close();
    }
  });
});

describe('embedded engines with appendonly', () => {
  const checkAofAvailable = spawnSync('redis-check-aof', ['--help'], { encoding: 'utf8' }).error === undefined;

  it('open() writes the append-only directory and a second open() replays it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-embedded-aof-'));
    try {
      const config = { dir, appendonly: 'yes' };
      const db = open({ config });
      assert.equal(await db.call('SET', 'k', 'v'), 'OK');
      assert.equal(await db.call('RPUSH', 'l', 'a', 'b'), 2);
      assert.equal(await db.call('SET', 't', '1', 'EX', 1000), 'OK');
      db.close();
      const manifest = path.join(dir, 'appendonlydir', 'appendonly.aof.manifest');
      assert.ok(fs.existsSync(manifest));
      if (checkAofAvailable) {
        const check = spawnSync('redis-check-aof', [manifest], { encoding: 'utf8' });
        assert.equal(check.status, 0, check.stdout + check.stderr);
      }
      const again = open({ config });
      try {
        assert.equal(await again.call('GET', 'k'), 'v');
        assert.deepEqual(await again.call('LRANGE', 'l', 0, -1), ['a', 'b']);
        assert.ok((await again.call('TTL', 't')) as number > 900);
      } finally {
        again.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('startServer() with appendonly replays the directory and appends to it; SHUTDOWN fsyncs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-embedded-aof-'));
    try {
      const config = { dir, appendonly: 'yes', appendfsync: 'always' };
      const a = await startServer({ config });
      let c = await RawConnection.connect(a.port);
      assert.equal((await c.command(['INCR', 'n'])).toString(), ':1\r\n');
      c.close();
      await a.close();
      const b = await startServer({ config });
      try {
        c = await RawConnection.connect(b.port);
        assert.equal((await c.command(['INCR', 'n'])).toString(), ':2\r\n');
        c.close();
      } finally {
        await b.close();
      }
      const db = open({ config });
      try {
        assert.equal(await db.call('GET', 'n'), '2');
      } finally {
        db.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('appendonly without dir is refused; a corrupt directory throws with the log lines', async () => {
    assert.throws(() => open({ config: { appendonly: 'yes' } }), /appendonly needs a 'dir' directive/);
    await assert.rejects(startServer({ config: { appendonly: 'yes' } }), /appendonly needs a 'dir' directive/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-embedded-aof-'));
    try {
      const db = open({ config: { dir, appendonly: 'yes' } });
      await db.call('SET', 'k', 'v');
      db.close();
      const incr = path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
      fs.appendFileSync(incr, 'garbage\r\n');
      assert.throws(() => open({ config: { dir, appendonly: 'yes' } }), /Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
