/**
 * `timeout` and `tcp-keepalive` side by side with redis-server: idle clients closed by the clients
 * cron, except subscribers, blocked clients and MONITORs; keepalive on accepted sockets (as ss
 * shows their timers).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { RawConnection, realRedisSuite } from '../helpers/differential.js';
import { KINDS, freePorts, startProcess, type ServerKind, type ServerProcess } from '../helpers/listener-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function command(port: number, ...argv: string[]): Promise<string> {
  const c = await RawConnection.connect(port);
  const reply = (await c.command(argv)).latin1Slice();
  c.close();
  return reply;
}

/** Waits until the connection is closed by the server (true) or `ms` pass (false). */
async function closedWithin(c: RawConnection, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!c.closed && Date.now() < deadline) await sleep(25);
  return c.closed;
}

/** The keepalive timer ss shows on the server's side of connections to `port` ('' when none). */
function keepaliveTimers(port: number): string[] {
  const r = spawnSync('ss', ['-tnoH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => /timer:\((keepalive),/.exec(l)?.[1] ?? '');
}

if (realRedisSuite('timeout and tcp-keepalive')) {
  describe('timeout and tcp-keepalive', () => {
    const servers = new Map<ServerKind, ServerProcess>();
    const ports = new Map<ServerKind, number>();
    before(async () => {
      const [rp, cp] = await freePorts(2);
      ports.set('redis', rp).set('cinder', cp);
      await Promise.all(KINDS.map(async (k) => servers.set(k, await startProcess(k, ['--port', String(ports.get(k)), '--bind', '127.0.0.1', '--timeout', '1']))));
    });
    after(async () => {
      await Promise.all([...servers.values()].map((s) => s.stop()));
    });

    it('closes idle clients (in MULTI too), never subscribers, blocked clients or MONITORs', async () => {
      const outcome = await Promise.all(
        KINDS.map(async (k) => {
          const port = ports.get(k)!;
          const idle = await RawConnection.connect(port);
          await idle.command(['PING']);
          const multi = await RawConnection.connect(port);
          await multi.command(['MULTI']);
          const subscriber = await RawConnection.connect(port);
          await subscriber.command(['SUBSCRIBE', 'ch']);
          const blocked = await RawConnection.connect(port);
          blocked.write('*3\r\n$5\r\nBLPOP\r\n$10\r\ntimeout:bl\r\n$1\r\n0\r\n');
          const monitor = await RawConnection.connect(port);
          await monitor.command(['MONITOR']);
          // Idle for more than a second, counted in whole seconds by the cron: within about 2 s.
          const idleClosed = await closedWithin(idle, 6000);
          const multiClosed = await closedWithin(multi, 3000);
          await sleep(1500);
          const result = {
            idleClosed,
            idleGot: await idle.readUntilClose(1).then((b) => b.latin1Slice()),
            multiClosed,
            subscriberPing: (await subscriber.command(['PING'])).latin1Slice(),
            monitorOpen: !monitor.closed,
            blockedServed: '',
          };
          await command(port, 'LPUSH', 'timeout:bl', 'v');
          result.blockedServed = (await blocked.readReply()).latin1Slice();
          for (const c of [subscriber, blocked, monitor]) c.close();
          return result;
        }),
      );
      assert.deepEqual(outcome[0], {
        idleClosed: true,
        idleGot: '',
        multiClosed: true,
        subscriberPing: '*2\r\n$4\r\npong\r\n$0\r\n\r\n',
        monitorOpen: true,
        blockedServed: '*2\r\n$10\r\ntimeout:bl\r\n$1\r\nv\r\n',
      });
      assert.deepEqual(outcome[1], outcome[0]);
    });

    it('a request arriving slowly (a read every 0.7 s, no command complete) keeps its client', async () => {
      const outcome = await Promise.all(
        KINDS.map(async (k) => {
          const c = await RawConnection.connect(ports.get(k)!);
          // Well past `timeout` in all, each read within it.
          for (const part of ['*1\r\n$4\r\nPI', 'N', 'G', '\r']) {
            c.write(part);
            await sleep(700);
            if (c.closed) break;
          }
          c.write('\n');
          const reply = c.closed ? 'closed' : (await c.readReply().catch(() => Buffer.from('closed'))).latin1Slice();
          c.close();
          return reply;
        }),
      );
      assert.deepEqual(outcome, ['+PONG\r\n', '+PONG\r\n']);
    });

    it('CONFIG SET timeout 0: idle clients stay', async () => {
      const outcome = await Promise.all(
        KINDS.map(async (k) => {
          const port = ports.get(k)!;
          const set = await command(port, 'CONFIG', 'SET', 'timeout', '0');
          const idle = await RawConnection.connect(port);
          await idle.command(['PING']);
          const closed = await closedWithin(idle, 3000);
          const ping = closed ? '' : (await idle.command(['PING'])).latin1Slice();
          idle.close();
          await command(port, 'CONFIG', 'SET', 'timeout', '1');
          return { set, closed, ping };
        }),
      );
      assert.deepEqual(outcome[0], { set: '+OK\r\n', closed: false, ping: '+PONG\r\n' });
      assert.deepEqual(outcome[1], outcome[0]);
    });

    it('tcp-keepalive: keepalive on clients accepted while it is set (300 by default), none with 0', async () => {
      const outcome = await Promise.all(
        KINDS.map(async (k) => {
          const port = ports.get(k)!;
          await command(port, 'CONFIG', 'SET', 'timeout', '0');
          const out: unknown[] = [await command(port, 'CONFIG', 'GET', 'tcp-keepalive')];
          const withDefault = await RawConnection.connect(port);
          await withDefault.command(['PING']);
          out.push(keepaliveTimers(port));
          out.push(await command(port, 'CONFIG', 'SET', 'tcp-keepalive', '0'));
          const without = await RawConnection.connect(port);
          await without.command(['PING']);
          // Both connections now: the earlier one keeps its keepalive.
          out.push(keepaliveTimers(port).sort());
          await command(port, 'CONFIG', 'SET', 'tcp-keepalive', '300');
          withDefault.close();
          without.close();
          return out;
        }),
      );
      assert.deepEqual(outcome[0], ['*2\r\n$13\r\ntcp-keepalive\r\n$3\r\n300\r\n', ['keepalive'], '+OK\r\n', ['', 'keepalive']]);
      assert.deepEqual(outcome[1], outcome[0]);
    });
  });
}
