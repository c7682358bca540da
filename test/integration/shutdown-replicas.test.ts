/**
 * SHUTDOWN and SIGTERM with replicas, Cinder beside redis-server 7.0: the shutdown waits (up to
 * shutdown-timeout) for replicas to acknowledge the whole stream, writes held and the asking
 * clients blocked meanwhile; SHUTDOWN ABORT ends the wait; NOW and a timeout of 0 do not wait;
 * a replica in sync lets the shutdown go at once with every acknowledged write on the replica.
 * Each scenario runs on both servers and what clients see is compared.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawConnection, encodeCommand, redisServerAvailable } from '../helpers/differential.js';
import { cmd, info, waitFor, waitInSync } from '../helpers/replica.js';
import { ServerPool, silentReplica, startRealReplica, text, type PooledServer as Proc, type ServerKind } from '../helpers/replication.js';

type Kind = ServerKind;
const pool = new ServerPool();
const start = (kind: Kind, args: string[] = []) => pool.start(kind, 'shutdown', args);
const stopAll = () => pool.stopAll();

async function replyWithin(conn: RawConnection, ms: number): Promise<string | null> {
  try {
    return (await conn.readReply(ms)).latin1Slice();
  } catch (e) {
    return conn.closed ? 'closed' : null;
  }
}

function exited(p: Proc, ms: number): Promise<boolean> {
  if (p.process.exitCode !== null || p.process.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    p.process.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** A master whose only replica never acknowledges, with the stream past offset 0. */
async function lagging(kind: Kind, args: string[]): Promise<{ p: Proc; m: RawConnection; close(): void }> {
  const p = await start(kind, args);
  const m = await RawConnection.connect(p.port);
  const fake = await silentReplica(p.port);
  await waitFor('the scripted replica to be online', async () => (await info(m, 'replication')).get('slave0')?.includes('state=online') ?? false);
  await cmd(m, 'SET', 'k', 'v0');
  return {
    p,
    m,
    close() {
      fake.close();
      m.close();
    },
  };
}

async function abortScenario(kind: Kind): Promise<string[]> {
  const out: string[] = [];
  const { p, m, close } = await lagging(kind, ['--shutdown-timeout', '60']);
  const first = await RawConnection.connect(p.port);
  const second = await RawConnection.connect(p.port);
  const writer = await RawConnection.connect(p.port);
  try {
    out.push(await text(m, 'SHUTDOWN', 'ABORT'));
    first.write(encodeCommand(['SHUTDOWN']));
    out.push(`first held: ${(await replyWithin(first, 300)) === null}`);
    // Another SHUTDOWN, even NOW, joins the wait.
    second.write(encodeCommand(['SHUTDOWN', 'NOW']));
    out.push(`second held: ${(await replyWithin(second, 200)) === null}`);
    writer.write(encodeCommand(['SET', 'k', 'v1']));
    out.push(`write held: ${(await replyWithin(writer, 200)) === null}`);
    out.push(await text(m, 'GET', 'k'));
    out.push((await info(m, 'clients')).get('blocked_clients')!);
    out.push(await text(m, 'CLIENT', 'UNPAUSE'));
    out.push(`write still held: ${(await replyWithin(writer, 200)) === null}`);
    out.push(await text(m, 'SHUTDOWN', 'ABORT', 'NOW'));
    out.push(await text(m, 'SHUTDOWN', 'ABORT'));
    out.push(`first: ${await replyWithin(first, 5000)}`);
    out.push(`second: ${await replyWithin(second, 5000)}`);
    out.push(`write: ${await replyWithin(writer, 5000)}`);
    out.push(await text(m, 'SHUTDOWN', 'ABORT'));
    out.push((await info(m, 'clients')).get('blocked_clients')!);
    // NOW does not wait.
    out.push(`now: ${await replyWithin(await sendShutdown(p.port, ['SHUTDOWN', 'NOW', 'NOSAVE']), 5000)}`);
    out.push(`exited: ${await exited(p, 5000)}`);
  } finally {
    for (const c of [first, second, writer]) c.close();
    close();
  }
  return out;
}

async function sendShutdown(port: number, argv: string[]): Promise<RawConnection> {
  const c = await RawConnection.connect(port);
  c.write(encodeCommand(argv));
  return c;
}

async function timeoutScenario(kind: Kind, how: 'command' | 'sigterm'): Promise<string[]> {
  const out: string[] = [];
  const { p, close } = await lagging(kind, ['--shutdown-timeout', '1']);
  try {
    const startedAt = Date.now();
    let conn: RawConnection | null = null;
    if (how === 'command') conn = await sendShutdown(p.port, ['SHUTDOWN']);
    else p.process.kill('SIGTERM');
    out.push(`still up after 400 ms: ${!(await exited(p, 400))}`);
    out.push(`exited: ${await exited(p, 5000)}`);
    const took = Date.now() - startedAt;
    out.push(`waited about the timeout: ${took >= 900 && took < 4000}`);
    if (conn !== null) {
      out.push(`reply: ${await replyWithin(conn, 2000)}`);
      conn.close();
    }
  } finally {
    close();
  }
  return out;
}

async function inSyncScenario(kind: Kind): Promise<string[]> {
  const out: string[] = [];
  const p = await start(kind, ['--shutdown-timeout', '30']);
  const m = await RawConnection.connect(p.port);
  const replica = await startRealReplica(p.port);
  pool.adopt(replica);
  const r = await RawConnection.connect(replica.port);
  try {
    await waitInSync(m, r);
    // Writes acknowledged just before the SHUTDOWN reach the replica before the master exits.
    const writes = [];
    for (let i = 0; i < 200; i++) writes.push(encodeCommand(['RPUSH', 'list', String(i)]));
    m.write(Buffer.concat(writes));
    for (let i = 0; i < 200; i++) await m.readReply();
    const startedAt = Date.now();
    m.write(encodeCommand(['SHUTDOWN', 'NOSAVE']));
    out.push(`exited: ${await exited(p, 10_000)}`);
    out.push(`promptly: ${Date.now() - startedAt < 5000}`);
    out.push(await text(r, 'LLEN', 'list'));
  } finally {
    m.close();
    r.close();
  }
  return out;
}

describe('SHUTDOWN with replicas', { skip: !redisServerAvailable && 'redis-server not installed' }, () => {
  after(stopAll);

  it('waits for a lagging replica: held writes and SHUTDOWNs, ABORT, NOW (as redis-server)', async () => {
    const expected = await abortScenario('redis');
    const actual = await abortScenario('cinder');
    assert.deepEqual(actual, expected);
    await stopAll();
  });

  for (const how of ['command', 'sigterm'] as const) {
    it(`${how === 'command' ? 'SHUTDOWN' : 'SIGTERM'} gives up waiting after shutdown-timeout (as redis-server)`, async () => {
      const expected = await timeoutScenario('redis', how);
      const actual = await timeoutScenario('cinder', how);
      assert.deepEqual(actual, expected);
      await stopAll();
    });
  }

  it('a replica in sync lets the shutdown go at once, holding every acknowledged write (as redis-server)', async () => {
    const expected = await inSyncScenario('redis');
    const actual = await inSyncScenario('cinder');
    assert.deepEqual(actual, expected);
    assert.deepEqual(expected, ['exited: true', 'promptly: true', ':200\r\n']);
    await stopAll();
  });
});
