/**
 * The replica's side of the protocol byte by byte, against a scripted master (a TCP server in the
 * test) whose RDB payload is one a real redis-server wrote: the handshake Cinder sends, an
 * EOF-marked payload cut across reads with the mark split, REPLCONF GETACK answered with the
 * offset before it, offsets advanced command by command (a MULTI only at its EXEC), a command the
 * replica refuses logged as Redis logs it, and a protocol error from the master ending the link.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { RawConnection, encodeCommand, redisServerAvailable, startRealRedis } from '../helpers/differential.js';
import { cmd, info, text, waitFor } from '../helpers/replica.js';
import { startServer, type RunningServer } from '../../src/embedded/index.js';

const skip = !redisServerAvailable && 'redis-server not installed';
const REPLID = 'a'.repeat(40);

/** A master that answers the handshake and then sends what the test writes on `link`. */
class ScriptedMaster {
  readonly received: string[] = [];
  link: net.Socket | null = null;
  private buf = '';
  private readonly server: net.Server;
  port = 0;

  constructor(private readonly payload: (s: net.Socket) => void) {
    this.server = net.createServer((s) => {
      this.link = s;
      s.setNoDelay(true);
      s.on('data', (d) => {
        this.buf += d.toString('latin1');
        this.parse(s);
      });
      s.on('error', () => {});
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
      this.port = (this.server.address() as net.AddressInfo).port;
      resolve();
    }));
  }

  /** Splits what the replica sent into commands (arguments joined by spaces) and answers them. */
  private parse(s: net.Socket): void {
    for (;;) {
      const m = /^\*(\d+)\r\n/.exec(this.buf);
      if (m === null) return;
      let pos = m[0].length;
      const args: string[] = [];
      for (let i = 0; i < Number(m[1]); i++) {
        const l = /^\$(\d+)\r\n/.exec(this.buf.slice(pos));
        if (l === null || this.buf.length < pos + l[0].length + Number(l[1]) + 2) return;
        pos += l[0].length;
        args.push(this.buf.slice(pos, pos + Number(l[1])));
        pos += Number(l[1]) + 2;
      }
      this.buf = this.buf.slice(pos);
      const line = args.join(' ');
      this.received.push(line);
      if (args[0] === 'PING') s.write('+PONG\r\n');
      else if (args[0] === 'REPLCONF' && args[1] !== 'ACK') s.write('+OK\r\n');
      else if (args[0] === 'PSYNC') this.payload(s);
    }
  }

  close(): Promise<void> {
    this.link?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('the replica protocol against a scripted master', { skip }, () => {
  let rdb: Buffer;
  let tmp: string;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-repl-proto-'));
    const redis = await startRealRedis(['--dir', tmp]);
    const c = await RawConnection.connect(redis.port);
    await cmd(c, 'SET', 'from-rdb', 'yes');
    await cmd(c, 'SAVE');
    c.close();
    await redis.stop();
    rdb = fs.readFileSync(path.join(tmp, 'dump.rdb'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function replicaOf(master: ScriptedMaster): Promise<{ server: RunningServer; c: RawConnection; logs: string[] }> {
    const dir = fs.mkdtempSync(path.join(tmp, 'replica-'));
    const server = await startServer({ config: { dir, save: '', 'repl-diskless-load': 'on-empty-db' } });
    const logs: string[] = [];
    server.server.log.sink = (line) => logs.push(line);
    const c = await RawConnection.connect(server.port);
    await cmd(c, 'REPLICAOF', '127.0.0.1', master.port);
    return { server, c, logs };
  }

  it('handshake, an EOF-marked payload in pieces, GETACK, offsets per command and MULTI', async () => {
    const mark = 'm'.repeat(39) + 'k';
    const master = new ScriptedMaster((s) => {
      s.write(`+FULLRESYNC ${REPLID} 100\r\n\n\n$EOF:${mark}\r\n`);
      // The payload and its mark in small pieces, the mark split across two writes.
      const body = Buffer.concat([rdb, Buffer.from(mark)]);
      let at = 0;
      const step = () => {
        if (at >= body.length) return;
        const n = Math.min(7 + (at % 13), body.length - at, at < body.length - 45 ? 64 : 3);
        s.write(body.subarray(at, at + n));
        at += n;
        setImmediate(step);
      };
      step();
    });
    await master.listen();
    const r = await replicaOf(master);
    try {
      await waitFor('the sync', async () => (await info(r.c, 'replication')).get('master_link_status') === 'up');
      assert.deepEqual(master.received.slice(0, 4), ['PING', `REPLCONF listening-port ${r.server.port}`, 'REPLCONF capa eof capa psync2', master.received[3]]);
      assert.match(master.received[3], /^PSYNC [0-9a-f]{40} 1$/);
      assert.equal(text(await cmd(r.c, 'GET', 'from-rdb')), 'yes');
      let ri = await info(r.c, 'replication');
      assert.equal(ri.get('master_replid'), REPLID);
      assert.equal(ri.get('slave_repl_offset'), '100');
      assert.equal(ri.get('master_repl_offset'), '100');
      // A write, then a GETACK: the ACK carries the offset before the GETACK itself.
      const set = encodeCommand(['SET', 'k', 'v']);
      const getack = encodeCommand(['REPLCONF', 'GETACK', '*']);
      master.link!.write(Buffer.concat([set, getack]));
      await waitFor('the ACK', async () => master.received.includes(`REPLCONF ACK ${100 + set.length}`));
      await waitFor('the offset', async () => (await info(r.c, 'replication')).get('slave_repl_offset') === String(100 + set.length + getack.length));
      // A transaction's first part: read but not applied, so the offset waits for EXEC.
      const multi = Buffer.concat([encodeCommand(['MULTI']), encodeCommand(['INCR', 'n'])]);
      master.link!.write(multi);
      const base = 100 + set.length + getack.length;
      await waitFor('the read offset', async () => (await info(r.c, 'replication')).get('slave_read_repl_offset') === String(base + multi.length));
      ri = await info(r.c, 'replication');
      assert.equal(ri.get('slave_repl_offset'), String(base));
      assert.equal(text(await cmd(r.c, 'GET', 'n')), null);
      const exec = encodeCommand(['EXEC']);
      master.link!.write(exec);
      await waitFor('EXEC', async () => (await info(r.c, 'replication')).get('slave_repl_offset') === String(base + multi.length + exec.length));
      assert.equal(text(await cmd(r.c, 'GET', 'n')), '1');
      assert.equal((await info(r.c, 'replication')).get('master_repl_offset'), String(base + multi.length + exec.length));
      // A command the replica refuses: nothing is sent back, the log says so.
      master.link!.write(encodeCommand(['INCR', 'k']));
      await waitFor('the critical log line', async () =>
        r.logs.some((l) => l.includes("== CRITICAL == This replica is sending an error to its master: 'ERR value is not an integer or out of range' after processing the command 'incr'")),
      );
      assert.ok(!master.received.some((l) => l.startsWith('-') || l.includes('ERR')));
    } finally {
      r.c.close();
      await r.server.close();
      await master.close();
    }
  });

  it('a protocol error from the master ends the link; the next attempt asks for a full resync', async () => {
    let psyncs = 0;
    const master = new ScriptedMaster((s) => {
      psyncs++;
      s.write(`+FULLRESYNC ${REPLID} 0\r\n$${rdb.length}\r\n`);
      s.write(rdb);
      if (psyncs === 1) s.write('*1\r\n$abc\r\n');
    });
    await master.listen();
    const r = await replicaOf(master);
    try {
      await waitFor('a second PSYNC', async () => psyncs === 2, 5000);
      const psync = master.received.filter((l) => l.startsWith('PSYNC'));
      // Redis does not cache a master that sent garbage: PSYNC ? -1.
      assert.equal(psync[1], 'PSYNC ? -1');
      assert.ok(r.logs.some((l) => l.includes('Protocol error from MASTER')));
    } finally {
      r.c.close();
      await r.server.close();
      await master.close();
    }
  });
});
