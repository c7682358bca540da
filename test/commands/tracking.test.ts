/**
 * Client-side caching (CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO and the invalidation
 * messages) against redis-server 7.0: each scenario drives several connections to each server the
 * same way and compares, byte for byte, everything every connection received, step by step:
 * replies, RESP3 `invalidate` pushes and where they fall relative to replies, RESP2 redirection
 * through `__redis__:invalidate`, BCAST batches, flushes, errors, CLIENT LIST / INFO fields.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RawConnection, encodeCommand, realRedisSuite, startRealRedis, type RealRedis } from '../helpers/differential.js';
import { startServer, type RunningServer } from '../../src/embedded/index.js';

type Cmd = Array<string | number>;

/** Everything a connection received before the PONG of a PING sent after the step. */
async function drain(conn: RawConnection): Promise<string> {
  if (conn.closed) return '(closed)';
  conn.write(encodeCommand(['PING', 'sync']));
  let out = '';
  for (;;) {
    const frame = (await conn.readReply(10_000)).latin1Slice();
    // PING with an argument answers a bulk; a RESP2 subscriber gets ["pong", "sync"].
    if (frame === '$4\r\nsync\r\n' || frame === '*2\r\n$4\r\npong\r\n$4\r\nsync\r\n') return out;
    out += frame;
  }
}

/** Replaces what differs between two servers by nature: client ids, ports, ages, buffer sizes. */
function normalize(text: string, ids: readonly number[]): string {
  let out = text
    .replace(/=\d+\r\ntxt:id=/g, '=LIST\r\ntxt:id=')
    .replace(/\$\d+\r\nid=/g, '$LIST\r\nid=')
    .replace(/(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|rbs|rbp|tot-mem|obl|oll|omem)=[^ \r\n]*/g, '$1=*');
  ids.forEach((id, i) => {
    out = out.replace(new RegExp(`(^|\\n):${id}\r\n`, 'g'), `$1:ID${i}\r\n`).replaceAll(`redir=${id} `, `redir=ID${i} `);
  });
  return out;
}

class Session {
  readonly log: string[] = [];
  port = 0;
  private constructor(
    private readonly conns: RawConnection[],
    private readonly ids: number[],
  ) {}

  static async open(port: number, resps: Array<2 | 3>): Promise<Session> {
    const conns: RawConnection[] = [];
    const ids: number[] = [];
    for (const resp of resps) {
      const c = await RawConnection.connect(port);
      if (resp === 3) await c.command(['HELLO', '3']);
      ids.push(Number(/^:(\d+)/.exec((await c.command(['CLIENT', 'ID'])).latin1Slice())![1]));
      conns.push(c);
    }
    return new Session(conns, ids);
  }

  id(i: number): string {
    return String(this.ids[i]);
  }

  /** Connection `i` sends `cmds` (pipelined); then every connection's output is logged. */
  async step(i: number, ...cmds: Cmd[]): Promise<void> {
    const conn = this.conns[i];
    conn.write(Buffer.concat(cmds.map((c) => encodeCommand(c.map(String)))));
    const outs: string[] = [];
    outs[i] = await drain(conn);
    for (let j = 0; j < this.conns.length; j++) if (j !== i) outs[j] = await drain(this.conns[j]);
    this.log.push(outs.map((o, j) => `${j}> ${normalize(o, this.ids)}`).join(' | '));
  }

  async pause(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
  }

  close(): void {
    for (const c of this.conns) c.close();
  }
}

type Scenario = (s: Session) => Promise<void>;

const SCENARIOS: Array<{ name: string; resps: Array<2 | 3>; run: Scenario }> = [
  {
    name: 'default mode: reads are tracked, writes invalidate once, after the writer\'s own reply',
    resps: [3, 3],
    run: async (s) => {
      await s.step(0, ['CLIENT', 'TRACKING', 'on'], ['GET', 'k'], ['MGET', 'a', 'b', 'a'], ['HGET', 'h', 'f']);
      await s.step(1, ['SET', 'k', 'v'], ['SET', 'k', 'w'], ['MSET', 'a', '1', 'b', '2', 'c', '3'], ['HSET', 'h', 'f', 'v']);
      await s.step(0, ['GET', 'k'], ['SET', 'k', 'mine'], ['GET', 'k']);
      await s.step(0, ['MULTI'], ['SET', 'k', '2'], ['GET', 'k'], ['EXEC']);
      await s.step(1, ['DEL', 'k'], ['INCR', 'k'], ['INCR', 'k']);
      await s.step(0, ['GET', 'k'], ['STRLEN', 'a'], ['TYPE', 'b'], ['EXISTS', 'c'], ['LRANGE', 'h', 0, -1]);
      await s.step(1, ['EXPIRE', 'k', 100], ['APPEND', 'a', 'x'], ['RENAME', 'b', 'b2'], ['SETRANGE', 'c', 0, 'z'], ['HDEL', 'h', 'f']);
      await s.step(0, ['GET', 'k'], ['GET', 'b2'], ['EVAL', "return redis.call('GET', KEYS[1])", 1, 'e'], ['EVAL_RO', "return redis.call('GET', KEYS[1])", 1, 'e2']);
      await s.step(1, ['SET', 'e', 1], ['SET', 'e2', 1], ['FLUSHDB']);
      await s.step(0, ['GET', 'x'], ['FLUSHALL'], ['GET', 'x']);
      await s.step(1, ['SET', 'x', 1]);
      await s.step(0, ['CLIENT', 'TRACKINGINFO'], ['CLIENT', 'GETREDIR'], ['CLIENT', 'TRACKING', 'off'], ['CLIENT', 'TRACKINGINFO']);
    },
  },
  {
    name: 'expiry invalidates; reads of other databases share the table',
    resps: [3, 3],
    run: async (s) => {
      await s.step(1, ['SET', 'gone', 'v', 'PX', 100], ['SELECT', 3], ['SET', 'k', 'db3']);
      await s.step(0, ['CLIENT', 'TRACKING', 'on'], ['GET', 'gone'], ['GET', 'k']);
      await s.pause(300);
      await s.step(1, ['PING']);
      // Same name, database 0: the table is per key name.
      await s.step(1, ['SELECT', 0], ['SET', 'k', 'db0']);
    },
  },
  {
    name: 'NOLOOP, OPTIN and OPTOUT with CLIENT CACHING',
    resps: [3, 3, 3],
    run: async (s) => {
      await s.step(0, ['CLIENT', 'TRACKING', 'on', 'NOLOOP'], ['GET', 'a'], ['SET', 'a', 1], ['GET', 'a']);
      await s.step(1, ['SET', 'a', 2]);
      await s.step(1, ['CLIENT', 'TRACKING', 'on', 'OPTIN'], ['GET', 'b'], ['CLIENT', 'CACHING', 'yes'], ['GET', 'c'], ['GET', 'd']);
      await s.step(2, ['MSET', 'b', 1, 'c', 1, 'd', 1]);
      await s.step(1, ['CLIENT', 'CACHING', 'yes'], ['CLIENT', 'TRACKINGINFO'], ['GET', 'b'], ['CLIENT', 'TRACKINGINFO']);
      await s.step(1, ['CLIENT', 'CACHING', 'yes'], ['MULTI'], ['GET', 'c'], ['GET', 'd'], ['EXEC'], ['GET', 'e']);
      await s.step(2, ['MSET', 'b', 2, 'c', 2, 'd', 2, 'e', 2]);
      await s.step(2, ['CLIENT', 'TRACKING', 'on', 'OPTOUT'], ['GET', 'f'], ['CLIENT', 'CACHING', 'no'], ['GET', 'g'], ['GET', 'h']);
      await s.step(0, ['MSET', 'f', 1, 'g', 1, 'h', 1]);
      await s.step(2, ['CLIENT', 'CACHING', 'no'], ['CLIENT', 'TRACKINGINFO'], ['CLIENT', 'GETREDIR'], ['CLIENT', 'TRACKINGINFO']);
    },
  },
  {
    name: 'BCAST with prefixes: one sorted batch per prefix per turn, NOLOOP',
    resps: [3, 3, 3],
    run: async (s) => {
      await s.step(0, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'user:', 'PREFIX', 'post:']);
      await s.step(1, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP']);
      await s.step(2, ['SET', 'user:2', 1], ['SET', 'user:1', 1], ['SET', 'user:2', 2], ['SET', 'post:9', 1], ['SET', 'other', 1]);
      await s.step(1, ['SET', 'user:3', 1], ['SET', 'zzz', 1]);
      await s.step(2, ['DEL', 'user:1', 'user:2', 'nothing'], ['FLUSHALL']);
      await s.step(0, ['CLIENT', 'TRACKINGINFO'], ['CLIENT', 'LIST', 'ID', s.id(0)]);
      await s.step(2, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a'], ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ab'], ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b']);
      await s.step(2, ['CLIENT', 'TRACKINGINFO'], ['SET', 'a1', 1], ['SET', 'b1', 1]);
    },
  },
  {
    name: 'RESP2 with REDIRECT to a subscriber, a broken redirection',
    resps: [2, 2, 3, 2],
    run: async (s) => {
      await s.step(1, ['SUBSCRIBE', '__redis__:invalidate']);
      await s.step(0, ['CLIENT', 'TRACKING', 'on', 'REDIRECT', s.id(1)], ['GET', 'k'], ['GET', 'j'], ['CLIENT', 'GETREDIR']);
      await s.step(3, ['SET', 'k', 1], ['FLUSHALL']);
      await s.step(0, ['CLIENT', 'LIST', 'ID', s.id(0)], ['GET', 'k']);
      // RESP2 without a redirection: tracked, but nothing can be sent.
      await s.step(3, ['CLIENT', 'TRACKING', 'on'], ['GET', 'm'], ['SET', 'm', 1], ['GET', 'm']);
      await s.step(2, ['CLIENT', 'TRACKING', 'on', 'REDIRECT', s.id(3)], ['GET', 'n']);
      await s.step(0, ['CLIENT', 'KILL', 'ID', s.id(3)], ['SET', 'n', 1], ['SET', 'k', 2]);
      await s.step(2, ['CLIENT', 'TRACKINGINFO'], ['GET', 'n']);
      await s.step(0, ['SET', 'n', 2]);
      await s.step(2, ['CLIENT', 'LIST', 'ID', s.id(2)], ['RESET'], ['CLIENT', 'TRACKINGINFO']);
    },
  },
  {
    name: 'errors and option checks',
    resps: [3, 2],
    run: async (s) => {
      await s.step(
        0,
        ['CLIENT', 'TRACKING'],
        ['CLIENT', 'TRACKING', 'maybe'],
        ['CLIENT', 'TRACKING', 'on', 'foo'],
        ['CLIENT', 'TRACKING', 'on', 'PREFIX', 'x'],
        ['CLIENT', 'TRACKING', 'on', 'PREFIX'],
        ['CLIENT', 'TRACKING', 'on', 'REDIRECT'],
        ['CLIENT', 'TRACKING', 'on', 'REDIRECT', 999999],
        ['CLIENT', 'TRACKING', 'on', 'REDIRECT', 'x'],
        ['CLIENT', 'TRACKING', 'on', 'REDIRECT', s.id(1), 'REDIRECT', s.id(1)],
        ['CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN'],
        ['CLIENT', 'TRACKING', 'off', 'foo'],
        ['CLIENT', 'TRACKING', 'off', 'PREFIX', 'x'],
        ['CLIENT', 'CACHING', 'yes'],
        ['CLIENT', 'CACHING'],
        ['CLIENT', 'GETREDIR', 'x'],
        ['CLIENT', 'TRACKINGINFO', 'x'],
      );
      await s.step(0, ['CLIENT', 'TRACKING', 'on', 'OPTIN'], ['CLIENT', 'TRACKING', 'on', 'OPTOUT'], ['CLIENT', 'TRACKING', 'on', 'BCAST'], ['CLIENT', 'CACHING', 'no'], ['CLIENT', 'CACHING', 'maybe']);
      await s.step(0, ['CLIENT', 'TRACKING', 'off'], ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b', 'PREFIX', 'c', 'PREFIX', 'bb'], ['CLIENT', 'TRACKINGINFO']);
      // Redis 7.0 answers an overlap found past the first prefix with an error and then OK.
      await s.step(0, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'x', 'PREFIX', 'xy'], ['CLIENT', 'TRACKINGINFO']);
      await s.step(0, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'xyz'], ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'q'], ['CLIENT', 'TRACKINGINFO']);
      await s.step(1, ['MULTI'], ['CLIENT', 'TRACKING', 'on'], ['EXEC'], ['EVAL', "return redis.call('CLIENT', 'TRACKING', 'on')", 0]);
    },
  },
  {
    name: 'INFO totals and tracking-table-max-keys',
    resps: [3, 3],
    run: async (s) => {
      await s.step(0, ['CLIENT', 'TRACKING', 'on'], ['MGET', 'a', 'b', 'c', 'd', 'e']);
      await s.step(1, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'p']);
      const totals = async (): Promise<void> => {
        const conn = await RawConnection.connect(s.port);
        try {
          const text = (await conn.command(['INFO'])).latin1Slice();
          s.log.push(['tracking_clients', 'tracking_total_keys', 'tracking_total_items', 'tracking_total_prefixes'].map((f) => new RegExp(`${f}:(\\d+)`).exec(text)![0]).join(' '));
        } finally {
          conn.close();
        }
      };
      await totals();
      await s.step(0, ['CONFIG', 'SET', 'tracking-table-max-keys', 2], ['PING']);
      // Which keys go is random in Redis: only how many invalidations and what is left compare.
      s.log.push(s.log.pop()!.replace(/>2\r\n\$10\r\ninvalidate\r\n\*1\r\n\$1\r\n[a-e]\r\n/g, '<invalidation>'));
      await s.step(0, ['MGET', 'a', 'b', 'c', 'd', 'e']);
      s.log.push(s.log.pop()!.replace(/>2\r\n\$10\r\ninvalidate\r\n\*1\r\n\$1\r\n[a-e]\r\n/g, '<invalidation>'));
      await totals();
      await s.step(0, ['CONFIG', 'SET', 'tracking-table-max-keys', 0], ['CLIENT', 'TRACKING', 'off']);
      await totals();
    },
  },
];

if (realRedisSuite('client-side caching')) {
  describe('client-side caching (CLIENT TRACKING) against redis-server', () => {
    let redis: RealRedis;
    let cinder: RunningServer;
    before(async () => {
      [redis, cinder] = await Promise.all([startRealRedis(['--hz', '100']), startServer({ port: 0, config: { hz: 100 } })]);
    });
    after(async () => {
      await Promise.all([redis?.stop(), cinder?.close()]);
    });

    for (const scenario of SCENARIOS) {
      it(scenario.name, async () => {
        const logs: string[][] = [];
        for (const port of [redis.port, cinder.port]) {
          const admin = await RawConnection.connect(port);
          await admin.command(['FLUSHALL']);
          await admin.command(['CONFIG', 'SET', 'tracking-table-max-keys', '0']);
          admin.close();
          const s = await Session.open(port, scenario.resps);
          s.port = port;
          try {
            await scenario.run(s);
          } finally {
            s.close();
          }
          logs.push(s.log);
        }
        assert.deepEqual(logs[1], logs[0]);
        // The scenario did observe something: not every step came back empty.
        assert.ok(logs[0].some((line) => line.includes('invalidat') || line.includes('ERR')));
      });
    }
  });
}
