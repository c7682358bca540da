/**
 * Pub/Sub over real sockets: a real client library in subscriber mode, fan-out to many
 * subscribers, and the pubsub output buffer limits disconnecting subscribers that stop reading.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { RawConnection, encodeCommand } from '../helpers/differential.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A raw socket subscriber that collects everything it receives. */
class RawSubscriber {
  received = 0;
  text = '';
  closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.received += d.length;
      if (this.text.length < 1 << 20) this.text += d.latin1Slice();
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static async open(port: number, argv: string[]): Promise<RawSubscriber> {
    const socket = net.connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const sub = new RawSubscriber(socket);
    socket.write(encodeCommand(argv));
    return sub;
  }
}

describe('pubsub over TCP', { timeout: 60_000 }, () => {
  let server: RunningServer;
  let ctl: RawConnection;
  before(async () => {
    server = await startServer({ port: 0 });
    ctl = await RawConnection.connect(server.port);
  });
  after(async () => {
    ctl.close();
    await server.close();
  });

  async function call(argv: string[]): Promise<string> {
    return (await ctl.command(argv)).latin1Slice();
  }

  it('ioredis subscriber mode: message and pmessage events, counts', async () => {
    const sub = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    await sub.connect();
    try {
      const got: string[] = [];
      sub.on('message', (ch: string, msg: string) => got.push(`m ${ch} ${msg}`));
      sub.on('pmessage', (p: string, ch: string, msg: string) => got.push(`p ${p} ${ch} ${msg}`));
      assert.equal(await sub.subscribe('news', 'sport'), 2);
      assert.equal(await sub.psubscribe('n*'), 3);
      assert.equal(await call(['PUBLISH', 'news', 'hello']), ':2\r\n');
      assert.equal(await call(['PUBLISH', 'sport', 'goal']), ':1\r\n');
      assert.equal(await call(['PUBLISH', 'nothing', 'x']), ':1\r\n');
      await waitFor('4 messages', () => got.length === 4);
      assert.deepEqual(got, ['m news hello', 'p n* news hello', 'm sport goal', 'p n* nothing x']);
      // (ioredis never resolves an argument-less UNSUBSCRIBE while patterns remain, with Redis too.)
      await sub.unsubscribe('news', 'sport');
      await sub.punsubscribe('n*');
      assert.equal(await call(['PUBLISH', 'news', 'gone']), ':0\r\n');
    } finally {
      sub.disconnect();
    }
  });

  it('PUBLISH fans out to 1,000 subscribers, in order, and they leave on disconnect', async () => {
    const subs: RawSubscriber[] = [];
    for (let i = 0; i < 1000; i++) subs.push(await RawSubscriber.open(server.port, ['SUBSCRIBE', 'fan']));
    const confirmation = '*3\r\n$9\r\nsubscribe\r\n$3\r\nfan\r\n:1\r\n';
    await waitFor('confirmations', () => subs.every((s) => s.text.length >= confirmation.length));
    assert.equal(await call(['PUBSUB', 'NUMSUB', 'fan']), '*2\r\n$3\r\nfan\r\n:1000\r\n');
    for (let m = 0; m < 10; m++) assert.equal(await call(['PUBLISH', 'fan', `msg${m}`]), ':1000\r\n');
    let expected = confirmation;
    for (let m = 0; m < 10; m++) expected += `*3\r\n$7\r\nmessage\r\n$3\r\nfan\r\n$4\r\nmsg${m}\r\n`;
    await waitFor('all messages', () => subs.every((s) => s.text.length >= expected.length));
    for (const s of subs) assert.equal(s.text, expected);
    for (const s of subs) s.socket.destroy();
    await waitFor('subscribers gone', () => server.server.clients.size === 1);
    assert.equal(await call(['PUBSUB', 'NUMSUB', 'fan']), '*2\r\n$3\r\nfan\r\n:0\r\n');
    assert.equal(await call(['PUBLISH', 'fan', 'x']), ':0\r\n');
  });

  it('a subscriber that stops reading is disconnected at the hard limit, and its output freed', async () => {
    assert.equal(await call(['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 4mb 0 0']), '+OK\r\n');
    try {
      const slow = await RawSubscriber.open(server.port, ['SUBSCRIBE', 'firehose']);
      await waitFor('confirmation', () => slow.received > 0);
      slow.socket.pause();
      const fast = await RawSubscriber.open(server.port, ['SUBSCRIBE', 'firehose']);
      await waitFor('confirmation', () => fast.received > 0);
      const payload = 'x'.repeat(256 * 1024);
      let published = 0;
      // The kernel absorbs a few MB first; then the server holds the rest until the limit.
      while (published < 400) {
        const n = await call(['PUBLISH', 'firehose', payload]);
        published++;
        if (n === ':1\r\n') break;
        await sleep(1);
      }
      assert.ok(published < 400, 'the slow subscriber was never disconnected');
      assert.equal(await call(['PUBSUB', 'NUMSUB', 'firehose']), '*2\r\n$8\r\nfirehose\r\n:1\r\n');
      await waitFor('slow subscriber unregistered', () => server.server.clients.size === 2);
      let pending = 0;
      for (const c of server.server.clients.values()) pending += c.outputBytes();
      assert.ok(pending < 1024 * 1024, `output still held: ${pending}`);
      // The reading subscriber got everything.
      await waitFor('fast subscriber caught up', () => fast.received >= published * payload.length);
      slow.socket.destroy();
      fast.socket.destroy();
      await waitFor('all gone', () => server.server.clients.size === 1);
    } finally {
      await call(['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60']);
    }
  });

  it('a subscriber above the soft limit for longer than its seconds is disconnected', async () => {
    assert.equal(await call(['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 0 1mb 1']), '+OK\r\n');
    try {
      const slow = await RawSubscriber.open(server.port, ['SUBSCRIBE', 'soft']);
      await waitFor('confirmation', () => slow.received > 0);
      slow.socket.pause();
      const payload = 'y'.repeat(256 * 1024);
      // Fill the kernel buffers and pass the soft limit.
      let over = false;
      for (let i = 0; i < 400 && !over; i++) {
        await call(['PUBLISH', 'soft', payload]);
        for (const c of server.server.clients.values()) if (c.pubsub !== null && c.outputBytes() >= 1024 * 1024) over = true;
      }
      assert.ok(over, 'never reached the soft limit');
      // The soft limit's clock starts: the subscriber is still there.
      assert.equal(await call(['PUBLISH', 'soft', 'x']), ':1\r\n');
      // Still over the soft limit more than 1 second later (whole seconds, as Redis counts): the
      // clients cron closes it even though nothing more is published.
      await waitFor('slow subscriber unregistered', () => server.server.clients.size === 1);
      assert.equal(await call(['PUBLISH', 'soft', 'x']), ':0\r\n');
      slow.socket.destroy();
    } finally {
      await call(['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60']);
    }
  });
});
