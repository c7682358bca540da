/**
 * Replication's commands on a master without replicas, against Redis 7.0: REPLCONF's options and
 * errors, WAIT's arguments and its answer with nobody to wait for, ROLE, SYNC / PSYNC where they
 * are refused, min-replicas-to-write's NOREPLICAS gate, INFO replication's master fields.
 */
import assert from 'node:assert/strict';
import { describe, it, before, after } from 'node:test';
import { RawConnection, diffSuite, encodeCommand, realRedisSuite, startRealRedis, type RealRedis } from '../helpers/differential.js';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { freshDir } from '../helpers/replication.js';

diffSuite('replication commands', (t) => {
  t.case('REPLCONF options a master takes', [
    ['REPLCONF'],
    ['REPLCONF', 'listening-port', '6380'],
    ['REPLCONF', 'ip-address', '10.0.0.1'],
    ['REPLCONF', 'capa', 'eof', 'capa', 'psync2'],
    ['REPLCONF', 'capa', 'something-new'],
    ['REPLCONF', 'CAPA', 'EOF', 'LISTENING-PORT', '1'],
    ['REPLCONF', 'rdb-only', '0'],
    ['REPLCONF', 'rdb-only', '1'],
    ['REPLCONF', 'rdb-filter-only', ''],
    ['REPLCONF', 'rdb-filter-only', 'functions'],
    ['PING'],
  ]);

  t.case('REPLCONF errors', [
    ['REPLCONF', 'a'],
    ['REPLCONF', 'listening-port', '1', 'capa'],
    ['REPLCONF', 'listening-port', 'x'],
    ['REPLCONF', 'listening-port', '99999999999999999999'],
    ['REPLCONF', 'foo', 'bar'],
    ['REPLCONF', 'capa', 'eof', 'nosuch', 'x'],
    ['REPLCONF', 'rdb-only', '2'],
    ['REPLCONF', 'rdb-only', '-1'],
    ['REPLCONF', 'rdb-only', 'x'],
    ['REPLCONF', 'rdb-filter-only', 'x'],
    ['REPLCONF', 'rdb-filter-only', 'functions keys'],
    ['REPLCONF', 'ip-address', 'a'.repeat(256)],
    ['REPLCONF', 'ip-address', 'a'.repeat(255)],
  ]);

  t.case('WAIT without replicas', [
    ['WAIT', '0', '0'],
    ['SET', 'k', 'v'],
    ['WAIT', '0', '0'],
    ['WAIT', '1', '50'],
    ['WAIT', '-1', '0'],
    ['WAIT', 'x', '1'],
    ['WAIT', '1', 'x'],
    ['WAIT', '1', '-1'],
    ['WAIT', '1', '1.5'],
    ['WAIT', '1'],
    ['MULTI'],
    ['WAIT', '5', '0'],
    ['EXEC'],
    ['EVAL', "return redis.call('WAIT', 0, 0)", '0'],
  ]);

  t.case('ROLE of a master without replicas', [['ROLE']]);

  t.case('SYNC and PSYNC where they are refused', [
    ['MULTI'],
    ['SYNC'],
    ['PSYNC', '?', '-1'],
    ['DISCARD'],
    ['PSYNC', '?'],
    ['SYNC', 'x'],
    ['EVAL', "return redis.call('SYNC')", '0'],
  ]);

  t.case('min-replicas-to-write refuses writes without enough good replicas', [
    ['CONFIG', 'SET', 'min-replicas-to-write', '1'],
    ['SET', 'k', 'v'],
    ['GET', 'k'],
    ['MULTI'],
    ['SET', 'k', 'v'],
    ['EXEC'],
    ['MULTI'],
    ['GET', 'k'],
    ['EXEC'],
    ['EVAL', 'return 1', '0'],
    ['EVAL', "return redis.call('SET', 'k', 'v')", '0'],
    ['EVAL', "return redis.pcall('SET', 'k', 'v')", '0'],
    ['EVAL', "return redis.call('GET', 'k')", '0'],
    ['EVAL', "#!lua\nreturn redis.call('GET', 'k')", '0'],
    ['EVAL', "#!lua flags=no-writes\nreturn redis.call('GET', 'k')", '0'],
    ['PING'],
    ['CONFIG', 'SET', 'min-replicas-max-lag', '0'],
    ['SET', 'k', 'v'],
    ['CONFIG', 'SET', 'min-replicas-max-lag', '10'],
    ['CONFIG', 'SET', 'min-replicas-to-write', '0'],
    ['SET', 'k', 'v'],
  ]);

  t.case('FAILOVER arguments and errors on a master without replicas', [
    ['FAILOVER', 'ABORT'],
    ['FAILOVER', 'abort'],
    ['FAILOVER', 'TIMEOUT', '0'],
    ['FAILOVER', 'TIMEOUT', '-1'],
    ['FAILOVER', 'TIMEOUT', 'abc'],
    ['FAILOVER', 'TIMEOUT'],
    ['FAILOVER', 'TO', '127.0.0.1'],
    ['FAILOVER', 'TO', '127.0.0.1', 'x'],
    ['FAILOVER', 'FORCE'],
    ['FAILOVER', 'FORCE', 'FORCE'],
    ['FAILOVER', 'TIMEOUT', '10', 'TIMEOUT', '10'],
    ['FAILOVER', 'TO', 'a', '1', 'TO', 'b', '2'],
    ['FAILOVER', 'foo'],
    ['FAILOVER', 'ABORT', 'ABORT'],
    ['FAILOVER', 'ABORT', 'TIMEOUT', '5'],
    ['FAILOVER'],
    ['FAILOVER', 'TIMEOUT', '100'],
    ['FAILOVER', 'TO', '127.0.0.1', '1'],
    ['FAILOVER', 'TO', '127.0.0.1', '1', 'FORCE'],
    ['FAILOVER', 'TO', '127.0.0.1', '1', 'FORCE', 'TIMEOUT', '10'],
    ['MULTI'],
    ['FAILOVER'],
    ['EXEC'],
    ['EVAL', "return redis.call('FAILOVER')", '0'],
    ['PSYNC', 'abc', '1', 'FAILOVER'],
  ]);

  // A replica whose link is not up (its master's port refuses connections) serves no SYNC.
  t.case('SYNC and PSYNC on a replica whose link is down: NOMASTERLINK', [
    ['REPLICAOF', '127.0.0.1', '1'],
    ['SYNC'],
    ['PSYNC', '?', '-1'],
    ['FAILOVER'],
    ['FAILOVER', 'ABORT'],
    ['PSYNC', 'wrong', '1', 'FAILOVER'],
    ['PSYNC', '?', '-1', 'SOMETHING'],
    ['REPLICAOF', 'NO', 'ONE'],
  ]);
});

if (realRedisSuite('replication: raw connections')) {
  describe('replication: replies a replica link does not get', () => {
    let redis: RealRedis;
    let cinder: RunningServer;
    before(async () => {
      [redis, cinder] = await Promise.all([
        startRealRedis(['--dir', freshDir('redis'), '--repl-diskless-sync', 'no', '--repl-ping-replica-period', '3600']),
        startServer({ port: 0, config: { dir: freshDir('cinder'), 'repl-ping-replica-period': 3600 } }),
      ]);
    });
    after(async () => {
      await Promise.all([redis?.stop(), cinder?.close()]);
    });

    const both = async (body: (c: RawConnection, port: number) => Promise<string>): Promise<void> => {
      const [a, b] = await Promise.all([RawConnection.connect(redis.port), RawConnection.connect(cinder.port)]);
      try {
        const [expected, actual] = await Promise.all([body(a, redis.port), body(b, cinder.port)]);
        assert.equal(actual, expected);
      } finally {
        a.close();
        b.close();
      }
    };

    it('REPLCONF ACK / GETACK from a client that is not a replica get no reply', () =>
      both(async (c) => {
        c.write(encodeCommand(['REPLCONF', 'ACK', '100']));
        c.write(encodeCommand(['REPLCONF', 'ACK', 'x']));
        c.write(encodeCommand(['REPLCONF', 'GETACK', '*']));
        return (await c.command(['PING'])).latin1Slice();
      }));

    it('SYNC after pipelined replies is refused', () =>
      both(async (c) => {
        c.write(Buffer.concat([encodeCommand(['PING']), encodeCommand(['SYNC'])]));
        return (await c.readReply()).latin1Slice() + (await c.readReply()).latin1Slice();
      }));

    it('a replica whose command replies is disconnected', () =>
      both(async (c) => {
        c.write(encodeCommand(['SYNC']));
        // Its RDB arrives, then PING gets no PONG: the link is closed.
        await new Promise((r) => setTimeout(r, 300));
        c.write(encodeCommand(['PING']));
        const rest = (await c.readUntilClose(3000)).latin1Slice();
        return `${c.closed} ${rest.includes('PONG')}`;
      }));

    it('CLIENT PAUSE WRITE does not hold SYNC', () =>
      both(async (c, port) => {
        const admin = await RawConnection.connect(port);
        try {
          await admin.command(['CLIENT', 'PAUSE', '100000', 'WRITE']);
          c.write(encodeCommand(['SYNC']));
          const deadline = Date.now() + 5000;
          let got = '';
          while (!/^\n*\$\d+\r\nREDIS/.test(got) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 20));
            got += (await c.readUntilClose(1)).latin1Slice();
          }
          await admin.command(['CLIENT', 'UNPAUSE']);
          return /^\n*\$\d+\r\nREDIS0010/.test(got) ? 'rdb received' : JSON.stringify(got.slice(0, 40));
        } finally {
          admin.close();
        }
      }));

    it('CLIENT LIST shows a replica with flags=S and TYPE replica finds it', () =>
      both(async (c, port) => {
        c.write(encodeCommand(['SYNC']));
        const admin = await RawConnection.connect(port);
        try {
          await new Promise((r) => setTimeout(r, 300));
          const list = (await admin.command(['CLIENT', 'LIST', 'TYPE', 'replica'])).latin1Slice();
          const flags = /flags=(\S+)/.exec(list)?.[1];
          const cmd = /cmd=(\S+)/.exec(list)?.[1];
          const info = (await admin.command(['INFO', 'replication'])).latin1Slice();
          const slave = /slave0:ip=127\.0\.0\.1,port=0,state=(\w+),offset=0,lag=\d+/.exec(info)?.[1];
          const killed = (await admin.command(['CLIENT', 'KILL', 'TYPE', 'slave'])).latin1Slice();
          return `${flags} ${cmd} ${slave} ${killed}`;
        } finally {
          admin.close();
        }
      }));
  });
}
