/**
 * The master's side of a replica link, driven by raw replica connections (what a redis-server
 * replica sends, by hand) and by redis-cli: the EOF-marked diskless transfer and its delay,
 * PSYNC's +CONTINUE from the backlog (replid2 after a promotion included), the stream's PINGs and
 * GETACKs, repl-timeout, repl-backlog-ttl, the replica output buffer limit, rdb-only transfers.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RawConnection, encodeCommand, realRedisSuite } from '../helpers/differential.js';
import { call, freshDir, info, parseStream, until } from '../helpers/replication.js';
import { startServer, type RunningServer } from '../../src/embedded/index.js';

/** A hand-driven replica: REPLCONF, PSYNC, then the raw bytes the master sends. */
class RawReplica {
  received = Buffer.alloc(0);
  closed = false;
  private constructor(readonly conn: import('node:net').Socket) {
    conn.on('data', (d: Buffer) => (this.received = Buffer.concat([this.received, d])));
    conn.on('close', () => (this.closed = true));
    conn.on('error', () => {});
  }

  static async connect(port: number): Promise<RawReplica> {
    const net = await import('node:net');
    const s = await new Promise<import('node:net').Socket>((resolve, reject) => {
      const sock = net.connect({ port, host: '127.0.0.1' }, () => resolve(sock));
      sock.once('error', reject);
    });
    return new RawReplica(s);
  }

  send(...argv: string[]): void {
    this.conn.write(encodeCommand(argv));
  }

  /** REPLCONF, waiting for its +OK (a replica sends PSYNC only once the reply is in). */
  async replconf(...args: string[]): Promise<void> {
    this.send('REPLCONF', ...args);
    await this.waitFor('+OK', () => this.text.startsWith('+OK\r\n'));
    this.consume(5);
  }

  async waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; received ${JSON.stringify(this.received.latin1Slice(0, Math.min(300, this.received.length)))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The text received so far (latin1). */
  get text(): string {
    return this.received.latin1Slice();
  }

  /** Drops what was received up to `end`. */
  consume(end: number): void {
    this.received = this.received.subarray(end);
  }

  close(): void {
    this.conn.destroy();
  }
}

/** Reads `+FULLRESYNC <id> <offset>` and the diskless payload; returns them. */
async function fullSyncDiskless(r: RawReplica): Promise<{ replid: string; offset: number; rdb: Buffer }> {
  await r.waitFor('+FULLRESYNC and the EOF mark', () => /^\n*\+FULLRESYNC \S+ \d+\r\n\$EOF:[0-9a-f]{40}\r\n/.test(r.text));
  const m = /^\n*\+FULLRESYNC (\S+) (\d+)\r\n\$EOF:([0-9a-f]{40})\r\n/.exec(r.text)!;
  const start = m[0].length;
  const mark = m[3];
  await r.waitFor('the EOF mark at the end', () => r.text.indexOf(mark, start) > 0);
  const end = r.text.indexOf(mark, start);
  const rdb = Buffer.from(r.received.subarray(start, end));
  r.consume(end + mark.length);
  return { replid: m[1], offset: Number(m[2]), rdb };
}

if (realRedisSuite('replication master link')) {
  describe('replication: the master side of a link', () => {
    let cinder: RunningServer;
    let c: RawConnection;
    const replicas: RawReplica[] = [];
    const connectReplica = async (): Promise<RawReplica> => {
      const r = await RawReplica.connect(cinder.port);
      replicas.push(r);
      return r;
    };
    before(async () => {
      cinder = await startServer({ port: 0, config: { dir: freshDir('master'), 'repl-diskless-sync-delay': 0, 'repl-ping-replica-period': 3600 } });
      c = await RawConnection.connect(cinder.port);
    });
    after(async () => {
      for (const r of replicas) r.close();
      c?.close();
      await cinder?.close();
    });

    it('diskless: +FULLRESYNC, the EOF-marked RDB, then the stream once the replica ACKs', async () => {
      await call(c, 'SET', 'before', 'sync');
      const r = await connectReplica();
      await r.replconf('listening-port', '7777');
      await r.replconf('capa', 'eof', 'capa', 'psync2');
      r.send('PSYNC', '?', '-1');
      const sync = await fullSyncDiskless(r);
      assert.equal(sync.rdb.latin1Slice(0, 9), 'REDIS0010');
      assert.ok(sync.rdb.includes('before'));
      assert.ok(sync.rdb.includes('repl-id') && sync.rdb.includes(sync.replid));
      const repl = await info(c, 'replication');
      assert.equal(repl.get('master_replid'), sync.replid);
      // Written after the snapshot: held until the replica says it loaded the RDB.
      await call(c, 'SET', 'after', 'sync');
      await new Promise((res) => setTimeout(res, 100));
      assert.equal(r.received.length, 0, 'nothing before the first ACK');
      r.send('REPLCONF', 'ACK', String(sync.offset));
      // The master pings its replicas from its first cron on (not part of what is compared).
      const commands = () => parseStream(r.received).commands.filter((a) => a[0] !== 'PING');
      await r.waitFor('the held stream', () => commands().length === 2);
      assert.deepEqual(commands(), [
        ['SELECT', '0'],
        ['SET', 'after', 'sync'],
      ]);
      assert.match((await info(c, 'replication')).get('slave0')!, /^ip=127\.0\.0\.1,port=7777,state=online,offset=\d+,lag=0$/);
      // The backlog's ring, 16 KB to start with, counts in used_memory (as Redis's buffer blocks).
      const mem = await info(c, 'memory');
      assert.equal(mem.get('mem_replication_backlog'), String(16 * 1024));
      assert.equal(mem.get('mem_total_replication_buffers'), String(16 * 1024));
      r.close();
      await until('the replica to leave', async () => (await info(c, 'replication')).get('connected_slaves') === '0');
    });

    it('PSYNC continues from the backlog, under the current id and the previous one', async () => {
      const repl = await info(c, 'replication');
      const replid = repl.get('master_replid')!;
      const offset = Number(repl.get('master_repl_offset'));
      await call(c, 'SET', 'k1', 'v1');
      const r = await connectReplica();
      await r.replconf('capa', 'psync2');
      r.send('PSYNC', replid, String(offset + 1));
      await r.waitFor('+CONTINUE and the backlog', () => r.text.includes('k1\r\n$2\r\nv1\r\n'));
      assert.equal(r.text, `+CONTINUE ${replid}\r\n*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$2\r\nv1\r\n`);
      assert.equal((await info(c, 'stats')).get('sync_partial_ok'), '1');
      r.close();
      await until('the replica to leave', async () => (await info(c, 'replication')).get('connected_slaves') === '0');

      // A new history (as after a promotion): the old id stays good up to where it ended.
      const end = Number((await info(c, 'replication')).get('master_repl_offset'));
      cinder.server.replication.shiftReplid();
      await call(c, 'SET', 'k2', 'v2');
      const r2 = await connectReplica();
      r2.send('PSYNC', replid, String(end + 1));
      await r2.waitFor('+CONTINUE without an id (no psync2)', () => r2.text.includes('k2'));
      assert.equal(r2.text, '+CONTINUE\r\n*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$2\r\nv2\r\n');
      r2.close();
      // Past the old history's end, or unknown: a full resync, counted as a failed partial one.
      const r3 = await connectReplica();
      await r3.replconf('capa', 'eof');
      r3.send('PSYNC', replid, String(end + 2));
      await r3.waitFor('+FULLRESYNC', () => r3.text.includes('+FULLRESYNC'));
      const r4 = await connectReplica();
      r4.send('PSYNC', 'nosuchid', '1');
      await r4.waitFor('its RDB', () => /\$\d+\r\nREDIS/.test(r4.text));
      const stats = await info(c, 'stats');
      assert.equal(stats.get('sync_partial_ok'), '2');
      assert.equal(stats.get('sync_partial_err'), '2');
      r3.close();
      r4.close();
      await until('the replicas to leave', async () => (await info(c, 'replication')).get('connected_slaves') === '0');
    });

    it('WAIT sends REPLCONF GETACK * and returns once the replica acknowledges', async () => {
      const r = await connectReplica();
      r.send('SYNC');
      await r.waitFor('the RDB', () => /^\n*\$\d+\r\n/.test(r.text));
      const m = /^\n*\$(\d+)\r\n/.exec(r.text)!;
      await r.waitFor('all of the RDB', () => r.received.length >= m[0].length + Number(m[1]));
      r.consume(m[0].length + Number(m[1]));
      await call(c, 'SET', 'w', '1');
      c.write(encodeCommand(['WAIT', '1', '5000']));
      await r.waitFor('GETACK', () => parseStream(r.received).commands.some((a) => a[0] === 'REPLCONF'));
      const cmds = parseStream(r.received).commands;
      assert.deepEqual(cmds.slice(-2), [
        ['SET', 'w', '1'],
        ['REPLCONF', 'GETACK', '*'],
      ]);
      const offset = (await info(await RawConnection.connect(cinder.port), 'replication')).get('master_repl_offset')!;
      r.send('REPLCONF', 'ACK', offset);
      assert.equal((await c.readReply()).latin1Slice(), ':1\r\n');
      r.close();
      await until('the replica to leave', async () => (await info(c, 'replication')).get('connected_slaves') === '0');
    });

    it('PINGs every repl-ping-replica-period; a silent replica is dropped after repl-timeout', async () => {
      await call(c, 'CONFIG', 'SET', 'repl-ping-replica-period', '1');
      await call(c, 'CONFIG', 'SET', 'repl-timeout', '2');
      try {
        const r = await connectReplica();
        await r.replconf('capa', 'eof');
        r.send('PSYNC', '?', '-1');
        await fullSyncDiskless(r);
        r.send('REPLCONF', 'ACK', '0');
        await r.waitFor('a PING', () => parseStream(r.received).commands.some((a) => a[0] === 'PING'), 5000);
        // No ACK since: dropped once more than repl-timeout seconds passed.
        await r.waitFor('the link to close', () => r.closed, 8000);
      } finally {
        await call(c, 'CONFIG', 'SET', 'repl-ping-replica-period', '3600');
        await call(c, 'CONFIG', 'SET', 'repl-timeout', '60');
      }
    });

    it('repl-diskless-sync-delay waits for more replicas, sent newlines meanwhile, then one transfer for all', async () => {
      await call(c, 'CONFIG', 'SET', 'repl-diskless-sync-delay', '2');
      await call(c, 'CONFIG', 'SET', 'repl-diskless-sync-max-replicas', '2');
      try {
        const a = await connectReplica();
        await a.replconf('capa', 'eof');
        a.send('PSYNC', '?', '-1');
        await a.waitFor('a newline while waiting', () => a.text.startsWith('\n'), 3000);
        assert.ok(!a.text.includes('FULLRESYNC'));
        const b = await connectReplica();
        await b.replconf('capa', 'eof');
        b.send('PSYNC', '?', '-1');
        // The second replica reaches repl-diskless-sync-max-replicas: no more waiting.
        const [sa, sb] = await Promise.all([fullSyncDiskless(a), fullSyncDiskless(b)]);
        assert.equal(sa.offset, sb.offset);
        assert.deepEqual(sa.rdb, sb.rdb);
        a.close();
        b.close();
      } finally {
        await call(c, 'CONFIG', 'SET', 'repl-diskless-sync-delay', '0');
        await call(c, 'CONFIG', 'SET', 'repl-diskless-sync-max-replicas', '0');
      }
      await until('the replicas to leave', async () => (await info(c, 'replication')).get('connected_slaves') === '0');
    });

    it('a diskless transfer whose only replica goes away stops its walk', async () => {
      for (let i = 0; i < 200; i++) await call(c, 'SET', `slow:${i}`, String(i));
      // 1 ms per key: the walk takes a while.
      await call(c, 'CONFIG', 'SET', 'rdb-key-save-delay', '1000');
      try {
        const r = await connectReplica();
        await r.replconf('capa', 'eof');
        r.send('PSYNC', '?', '-1');
        await r.waitFor('+FULLRESYNC', () => r.text.includes('$EOF:'));
        assert.equal((await info(c, 'persistence')).get('rdb_bgsave_in_progress'), '1');
        // The only receiver is gone: no walk for nobody. BGSAVE can run again.
        r.close();
        await until('the walk to stop', async () => (await info(c, 'persistence')).get('rdb_bgsave_in_progress') === '0', 3000);
        assert.equal((await info(c, 'replication')).get('connected_slaves'), '0');
      } finally {
        await call(c, 'CONFIG', 'SET', 'rdb-key-save-delay', '0');
      }
      // Promptly: stopping a walk paced by rdb-key-save-delay once upset Node's immediates
      // (clearImmediate given a Timeout), and the next walk started seconds late.
      assert.equal(await call(c, 'BGSAVE'), 'Background saving started');
      await until('the BGSAVE to end', async () => (await info(c, 'persistence')).get('rdb_bgsave_in_progress') === '0', 1500);
    });

    it('disk-based: a replica arriving during another replica\'s BGSAVE shares it; a BGSAVE meanwhile is refused', async () => {
      for (let i = 0; i < 200; i++) await call(c, 'SET', `slow:${i}`, String(i));
      await call(c, 'CONFIG', 'SET', 'repl-diskless-sync', 'no');
      await call(c, 'CONFIG', 'SET', 'rdb-key-save-delay', '1000');
      const a = await connectReplica();
      const b = await connectReplica();
      try {
        a.send('PSYNC', '?', '-1');
        await a.waitFor('+FULLRESYNC', () => a.text.includes('+FULLRESYNC'));
        assert.deepEqual(await call(c, 'BGSAVE'), { error: 'ERR Background save already in progress' });
        await call(c, 'SET', 'during', 'the sync');
        b.send('PSYNC', '?', '-1');
        await b.waitFor('+FULLRESYNC', () => b.text.includes('+FULLRESYNC'));
        const offsetOf = (r: RawReplica) => /\+FULLRESYNC \S+ (\d+)/.exec(r.text)![1];
        assert.equal(offsetOf(b), offsetOf(a), 'the same snapshot, the same offset');
        await call(c, 'CONFIG', 'SET', 'rdb-key-save-delay', '0');
        const rdbOf = async (r: RawReplica): Promise<{ rdb: string; stream: string[][] }> => {
          await r.waitFor('the RDB', () => /\$(\d+)\r\n/.test(r.text));
          const m = /\$(\d+)\r\n/.exec(r.text)!;
          const start = m.index + m[0].length;
          await r.waitFor('all of it and the write made during the sync', () => parseStream(r.received.subarray(start + Number(m[1]))).commands.length >= 2);
          return { rdb: r.text.slice(start, start + Number(m[1])), stream: parseStream(r.received.subarray(start + Number(m[1]))).commands };
        };
        const [ra, rb] = await Promise.all([rdbOf(a), rdbOf(b)]);
        assert.equal(ra.rdb, rb.rdb);
        assert.ok(!ra.rdb.includes('during'), 'the write after the snapshot is not in the RDB');
        for (const got of [ra, rb]) {
          assert.deepEqual(got.stream.filter((x) => x[0] !== 'PING'), [
            ['SELECT', '0'],
            ['SET', 'during', 'the sync'],
          ]);
        }
      } finally {
        a.close();
        b.close();
        await call(c, 'CONFIG', 'SET', 'rdb-key-save-delay', '0');
        await call(c, 'CONFIG', 'SET', 'repl-diskless-sync', 'yes');
      }
      await until('the replicas to leave', async () => (await info(c, 'replication')).get('connected_slaves') === '0');
    });

    it('a replica over client-output-buffer-limit replica is dropped', async () => {
      await call(c, 'CONFIG', 'SET', 'client-output-buffer-limit', 'replica 256kb 0 0');
      try {
        const r = await connectReplica();
        await r.replconf('capa', 'eof');
        r.send('PSYNC', '?', '-1');
        await fullSyncDiskless(r);
        r.send('REPLCONF', 'ACK', '0');
        // It stops reading: the stream piles up in the socket.
        r.conn.pause();
        const value = 'v'.repeat(64 * 1024);
        for (let i = 0; i < 400 && (await info(c, 'replication')).get('connected_slaves') !== '0'; i++) await call(c, 'SET', `big${i % 10}`, value);
        assert.equal((await info(c, 'replication')).get('connected_slaves'), '0');
        r.conn.resume();
      } finally {
        await call(c, 'CONFIG', 'SET', 'client-output-buffer-limit', 'replica 256mb 64mb 60');
      }
    });

    it('the backlog is freed after repl-backlog-ttl seconds without replicas, with a new id', async () => {
      const before = await info(c, 'replication');
      assert.equal(before.get('repl_backlog_active'), '1');
      await call(c, 'CONFIG', 'SET', 'repl-backlog-ttl', '1');
      try {
        await until('the backlog to be freed', async () => (await info(c, 'replication')).get('repl_backlog_active') === '0', 5000);
        const after = await info(c, 'replication');
        assert.notEqual(after.get('master_replid'), before.get('master_replid'));
        assert.equal(after.get('master_replid2'), '0000000000000000000000000000000000000000');
        assert.equal(after.get('repl_backlog_first_byte_offset'), '0');
        assert.equal((await info(c, 'memory')).get('mem_replication_backlog'), '0');
      } finally {
        await call(c, 'CONFIG', 'SET', 'repl-backlog-ttl', '3600');
      }
    });

    it('redis-cli --rdb and --functions-rdb receive an RDB over the replica protocol', async () => {
      await call(c, 'FUNCTION', 'LOAD', 'REPLACE', "#!lua name=clilib\nredis.register_function('f', function() return 1 end)");
      await call(c, 'SET', 'data', 'here');
      const dir = freshDir('cli');
      const run = (args: string[]) =>
        new Promise<string>((resolve, reject) =>
          execFile('redis-cli', ['-p', String(cinder.port), ...args], { timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(err) : resolve(stdout + stderr))),
        );
      const full = path.join(dir, 'full.rdb');
      await run(['--rdb', full]);
      const fullBytes = fs.readFileSync(full);
      assert.equal(fullBytes.latin1Slice(0, 9), 'REDIS0010');
      assert.ok(fullBytes.includes('data') && fullBytes.includes('clilib'));
      const fns = path.join(dir, 'functions.rdb');
      await run(['--functions-rdb', fns]);
      const fnBytes = fs.readFileSync(fns);
      assert.ok(fnBytes.includes('clilib'));
      assert.ok(!fnBytes.includes('data'), 'no keys in a functions-only RDB');
      await until('the rdb-only links to close', async () => (await info(c, 'replication')).get('connected_slaves') === '0');
    });
  });
}
