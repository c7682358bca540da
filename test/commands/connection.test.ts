/**
 * Connection commands (PING ECHO SELECT QUIT RESET HELLO CLIENT), differential against
 * redis-server 7.0 in RESP2 and RESP3. Replies carrying per-server values (client ids, addresses,
 * ages) are compared field by field: same names, same values where they must agree.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { diffSuite, RawConnection, encodeCommand, helloReply, positiveInt } from '../helpers/differential.js';
import { open } from '../../src/embedded/index.js';

const RESPS: Array<2 | 3> = [2, 3];

async function withConnections<T>(
  ports: { redis: number; cinder: number },
  resp: 2 | 3,
  body: (r: RawConnection, c: RawConnection) => Promise<T>,
): Promise<T> {
  const [r, c] = await Promise.all([RawConnection.connect(ports.redis), RawConnection.connect(ports.cinder)]);
  try {
    if (resp === 3) await Promise.all([r.command(['HELLO', '3']), c.command(['HELLO', '3'])]);
    return await body(r, c);
  } finally {
    r.close();
    c.close();
  }
}

/**
 * Sends raw bytes and collects everything until the server has been quiet for `quietMs` after its
 * first bytes (or closes). The first bytes may take up to `firstMs`: a loaded machine can delay a
 * whole pipeline's answer by more than the quiet time, but not the replies within it.
 */
function exchange(port: number, data: Buffer, quietMs = 150, firstMs = 2000): Promise<{ bytes: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout;
    const s = net.connect(port, '127.0.0.1', () => s.write(data));
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ bytes: Buffer.concat(chunks).latin1Slice(), closed });
    };
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), ms);
    };
    s.on('data', (d) => {
      chunks.push(d);
      arm(quietMs);
    });
    s.on('end', () => finish(true));
    s.on('error', reject);
    arm(firstMs);
  });
}

function pipeline(...commands: string[][]): Buffer {
  return Buffer.concat(commands.map((argv) => encodeCommand(argv)));
}

/** The text of a bulk or verbatim reply. */
function textOf(reply: Buffer): string {
  const s = reply.latin1Slice();
  const cr = s.indexOf('\r\n');
  const body = s.slice(cr + 2, s.length - 2);
  return s[0] === '=' ? body.slice(4) : body;
}

/** CLIENT LIST/INFO lines as [field, value] lists. */
function clientLines(text: string): Array<Array<[string, string]>> {
  assert.ok(text.endsWith('\n'), 'every line ends with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) =>
      line.split(' ').map((kv) => {
        const eq = kv.indexOf('=');
        assert.ok(eq > 0, `field without '=': ${kv}`);
        return [kv.slice(0, eq), kv.slice(eq + 1)] as [string, string];
      }),
    );
}

/** Fields whose values must agree between Redis and Cinder for the same client state. */
const SAME_VALUE = ['name', 'flags', 'db', 'sub', 'psub', 'ssub', 'multi', 'multi-mem', 'oll', 'omem', 'cmd', 'user', 'redir', 'resp'];
const NUMERIC = ['id', 'fd', 'age', 'idle', 'qbuf', 'qbuf-free', 'argv-mem', 'rbs', 'rbp', 'obl', 'tot-mem'];

function compareClientLine(expected: Array<[string, string]>, actual: Array<[string, string]>): void {
  assert.deepEqual(
    actual.map(([k]) => k),
    expected.map(([k]) => k),
    'field names and order',
  );
  const e = new Map(expected);
  const a = new Map(actual);
  for (const k of SAME_VALUE) assert.equal(a.get(k), e.get(k), `value of ${k}`);
  for (const k of NUMERIC) assert.match(a.get(k)!, /^-?\d+$/, `${k} is a number`);
  for (const k of ['addr', 'laddr']) assert.match(a.get(k)!, /^[\d.:a-f]+:\d+$/, `${k} is ip:port`);
  assert.match(a.get('events')!, /^r?w?$/);
}

/** Runs the same commands on both; compares the final CLIENT INFO/LIST reply field by field. */
async function compareClientInfo(ports: { redis: number; cinder: number }, resp: 2 | 3, setup: string[][], query: string[]): Promise<void> {
  await withConnections(ports, resp, async (r, c) => {
    for (const argv of setup) {
      const [a, b] = await Promise.all([r.command(argv), c.command(argv)]);
      assert.equal(b.latin1Slice(), a.latin1Slice(), `setup ${argv.join(' ')}`);
    }
    const [a, b] = await Promise.all([r.command(query), c.command(query)]);
    assert.equal(String.fromCharCode(b[0]), String.fromCharCode(a[0]), 'reply type');
    if (b[0] === 0x3d) assert.equal(b.latin1Slice().split('\r\n')[1].slice(0, 4), 'txt:');
    const el = clientLines(textOf(a));
    const cl = clientLines(textOf(b));
    assert.equal(cl.length, el.length, 'number of clients');
    for (let i = 0; i < el.length; i++) compareClientLine(el[i], cl[i]);
  });
}

// ---------------------------------------------------------------- PING ECHO SELECT

diffSuite('connection: PING, ECHO, SELECT', (t) => {
  t.case('PING', [['PING'], ['PING', 'hello'], ['ping', ''], ['PING', 'a\r\nb\x00\xff'], ['PING', 'a', 'b']]);
  t.case('ECHO', [['ECHO', 'x'], ['ECHO', ''], ['ECHO', '\x00\xff\r\n'], ['ECHO'], ['ECHO', 'a', 'b']]);
  t.case('SELECT switches databases', [
    ['SET', 'k', 'zero'],
    ['SELECT', '1'],
    ['GET', 'k'],
    ['SET', 'k', 'one'],
    ['SELECT', '15'],
    ['GET', 'k'],
    ['SELECT', '0'],
    ['GET', 'k'],
    ['SELECT', '1'],
    ['GET', 'k'],
    ['SELECT', '0'],
  ]);
  t.case('SELECT errors', [
    ['SELECT', '16'],
    ['SELECT', '-1'],
    ['SELECT', 'abc'],
    ['SELECT', '1.5'],
    ['SELECT', ' 1'],
    ['SELECT', '01'],
    ['SELECT', ''],
    ['SELECT', '2147483647'],
    ['SELECT', '2147483648'],
    ['SELECT', '-2147483649'],
    ['SELECT', '99999999999999999999'],
    ['SELECT'],
    ['SELECT', '1', '2'],
  ]);
});

// ---------------------------------------------------------------- HELLO

diffSuite('connection: HELLO', (t) => {
  /** HELLO's map with the connection id blanked (ids differ between servers). */
  function withoutId(reply: Buffer): string {
    return reply.latin1Slice().replace(/(\$2\r\nid\r\n):\d+\r\n/, '$1:ID\r\n');
  }
  for (const resp of RESPS) {
    it(`HELLO replies, protocol switches, AUTH and SETNAME [RESP${resp}]`, async () => {
      await withConnections(t.ports, resp, async (r, c) => {
        const script: string[][] = [
          ['HELLO'],
          ['HELLO', '2'],
          ['GET', 'nokey'],
          ['HELLO', '3'],
          ['GET', 'nokey'],
          ['hello', '2', 'auth', 'default', 'anything', 'setname', 'conn1'],
          ['CLIENT', 'GETNAME'],
          ['HELLO', '3', 'SETNAME', 'conn2', 'AUTH', 'default', ''],
          ['CLIENT', 'GETNAME'],
          ['HELLO', '3', 'SETNAME', ''],
          ['CLIENT', 'GETNAME'],
          ['HELLO', '2', 'SETNAME', 'a', 'SETNAME', 'b'],
          ['CLIENT', 'GETNAME'],
        ];
        for (const argv of script) {
          const [a, b] = await Promise.all([r.command(argv), c.command(argv)]);
          assert.equal(withoutId(b), withoutId(a), argv.join(' '));
        }
        // The id field is the connection's CLIENT ID.
        const hello = (await c.command(['HELLO'])).latin1Slice();
        const id = (await c.command(['CLIENT', 'ID'])).latin1Slice();
        assert.ok(hello.includes(`$2\r\nid\r\n${id}`));
      });
    });
  }
  t.case('HELLO errors leave the protocol unchanged', [
    ['HELLO', '4'],
    ['HELLO', '1'],
    ['HELLO', '0'],
    ['HELLO', '-1'],
    ['HELLO', 'abc'],
    ['HELLO', '03'],
    ['HELLO', '3.0'],
    ['HELLO', '99999999999999999999'],
    ['HELLO', '3', 'AUTH'],
    ['HELLO', '3', 'AUTH', 'default'],
    ['HELLO', '3', 'SETNAME'],
    ['HELLO', '3', 'foo'],
    ['HELLO', '3', 'AUTH', 'default', 'x', 'extra'],
    ['HELLO', '3', 'AUTH', 'bob', 'secret'],
    ['HELLO', '3', 'SETNAME', 'has space'],
    ['HELLO', '3', 'SETNAME', 'nl\n'],
    ['HELLO', '3', 'AUTH', 'nobody', 'x', 'SETNAME', 'n'],
    ['CLIENT', 'GETNAME'],
    ['GET', 'nokey'],
    ['HELLO', '3', 'fo\r\no'],
  ]);
});

// ---------------------------------------------------------------- QUIT RESET

diffSuite('connection: QUIT and RESET', (t) => {
  it('QUIT replies OK and closes, ignoring what follows', async () => {
    const data = pipeline(['PING'], ['QUIT'], ['PING']);
    const [a, b] = await Promise.all([exchange(t.ports.redis, data), exchange(t.ports.cinder, data)]);
    assert.deepEqual(b, a);
    assert.equal(a.bytes, '+PONG\r\n+OK\r\n');
    assert.equal(a.closed, true);
  });
  it('QUIT with arguments', async () => {
    const data = pipeline(['QUIT', 'now', 'please']);
    const [a, b] = await Promise.all([exchange(t.ports.redis, data), exchange(t.ports.cinder, data)]);
    assert.deepEqual(b, a);
  });
  t.case('RESET restores database, protocol and name', [
    ['SELECT', '3'],
    ['SET', 'k', 'in3'],
    ['CLIENT', 'SETNAME', 'before'],
    { argv: ['HELLO', '3'], compare: helloReply },
    ['RESET'],
    ['GET', 'k'],
    ['CLIENT', 'GETNAME'],
    ['GET', 'nokey'],
    ['RESET', 'x'],
  ]);
  it('RESET turns replies back on', async () => {
    const data = pipeline(['CLIENT', 'REPLY', 'OFF'], ['PING'], ['RESET'], ['PING']);
    const [a, b] = await Promise.all([exchange(t.ports.redis, data), exchange(t.ports.cinder, data)]);
    assert.deepEqual(b, a);
    assert.equal(a.bytes, '+RESET\r\n+PONG\r\n');
  });
  for (const resp of RESPS) {
    it(`RESET keeps NO-EVICT (as Redis 7.0 does) [RESP${resp}]`, async () => {
      await compareClientInfo(t.ports, resp, [['CLIENT', 'NO-EVICT', 'on'], ['SELECT', '2'], ['RESET']], ['CLIENT', 'INFO']);
    });
  }
});

// ---------------------------------------------------------------- CLIENT

diffSuite('connection: CLIENT basics', (t) => {
  t.case('CLIENT SETNAME and GETNAME', [
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'SETNAME', 'worker-1'],
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'SETNAME', 'a b'],
    ['CLIENT', 'SETNAME', 'tab\t'],
    ['CLIENT', 'SETNAME', '\x00'],
    ['CLIENT', 'SETNAME', 'caf\xe9'],
    ['CLIENT', 'SETNAME', '~!@#$%^&*()'],
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'SETNAME', ''],
    ['CLIENT', 'GETNAME'],
    ['client', 'setname'],
    ['CLIENT', 'GETNAME', 'x'],
  ]);
  // Ids count each server's own connections.
  t.case('CLIENT ID', [{ argv: ['CLIENT', 'ID'], compare: positiveInt }, ['CLIENT', 'ID', 'x']]);
  t.case('arity and unknown subcommands', [
    ['CLIENT'],
    ['CLIENT', 'NOSUCH'],
    ['CLIENT', 'nosuch', 'a', 'b'],
    ['CLIENT', 'INFO', 'x'],
    ['CLIENT', 'REPLY'],
    ['CLIENT', 'NO-EVICT'],
    ['CLIENT', 'KILL'],
    ['CLIENT', 'HELP', 'x'],
  ]);
  t.case('CLIENT NO-EVICT', [
    ['CLIENT', 'NO-EVICT', 'on'],
    ['CLIENT', 'NO-EVICT', 'OFF'],
    ['CLIENT', 'NO-EVICT', 'maybe'],
  ]);
  t.case('CLIENT REPLY syntax', [['CLIENT', 'REPLY', 'maybe'], ['CLIENT', 'REPLY', 'ON']]);
  for (const resp of RESPS) {
    it(`CLIENT ID is the id CLIENT INFO shows, and grows [RESP${resp}]`, async () => {
      await withConnections(t.ports, resp, async (_r, c) => {
        const id = Number((await c.command(['CLIENT', 'ID'])).latin1Slice().slice(1));
        const info = textOf(await c.command(['CLIENT', 'INFO']));
        assert.ok(info.startsWith(`id=${id} `));
        const other = await RawConnection.connect(t.ports.cinder);
        const next = Number((await other.command(['CLIENT', 'ID'])).latin1Slice().slice(1));
        other.close();
        assert.ok(next > id);
      });
    });
  }
  it('CLIENT HELP lists what we have, in Redis words and order', async () => {
    await withConnections(t.ports, 2, async (r, c) => {
      const lines = (b: Buffer) => b.latin1Slice().split('\r\n').slice(1, -1);
      const theirs = lines(await r.command(['CLIENT', 'HELP']));
      const ours = lines(await c.command(['CLIENT', 'HELP']));
      // SETINFO (Redis 7.2) is the one addition; every other line is Redis's, in order.
      const setinfo = ours.findIndex((l) => l === '+SETINFO <option> <value>');
      assert.ok(setinfo > 0);
      const rest = [...ours.slice(0, setinfo), ...ours.slice(setinfo + 4)];
      let j = 0;
      for (const line of rest) {
        while (j < theirs.length && theirs[j] !== line) j++;
        assert.ok(j < theirs.length, `line not in Redis's help, or out of order: ${line}`);
      }
      assert.equal(ours[0], theirs[0]);
      assert.deepEqual(ours.slice(-2), theirs.slice(-2));
    });
  });
});

diffSuite('connection: CLIENT REPLY', (t) => {
  const cases: Array<[string, string[][]]> = [
    ['OFF silences until ON', [['CLIENT', 'REPLY', 'OFF'], ['PING'], ['SET', 'a', '1'], ['GET', 'a'], ['CLIENT', 'REPLY', 'ON'], ['GET', 'a']]],
    ['SKIP drops the next reply only', [['CLIENT', 'REPLY', 'SKIP'], ['PING', 'x'], ['PING', 'y'], ['PING', 'z']]],
    ['SKIP skips an error too', [['CLIENT', 'REPLY', 'SKIP'], ['NOSUCH'], ['PING']]],
    ['SKIP while OFF stays OFF', [['CLIENT', 'REPLY', 'OFF'], ['CLIENT', 'REPLY', 'SKIP'], ['PING', 'a'], ['PING', 'b'], ['CLIENT', 'REPLY', 'ON'], ['PING', 'c']]],
    ['SKIP then OFF', [['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'OFF'], ['PING', 'a'], ['CLIENT', 'REPLY', 'ON'], ['PING', 'b']]],
    ['SKIP twice', [['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'SKIP'], ['PING', 'a'], ['PING', 'b']]],
    ['syntax error while OFF is silent', [['CLIENT', 'REPLY', 'OFF'], ['CLIENT', 'REPLY', 'bad'], ['CLIENT', 'REPLY', 'ON']]],
    ['SKIP then ON: ON answers +OK', [['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'ON'], ['PING']]],
    ['SKIP, SKIP, ON', [['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'ON'], ['PING']]],
    ['OFF, SKIP, ON', [['CLIENT', 'REPLY', 'OFF'], ['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'ON'], ['PING']]],
    ['SKIP before MULTI', [['CLIENT', 'REPLY', 'SKIP'], ['MULTI'], ['PING'], ['EXEC'], ['PING']]],
    ['SKIP before RESET, HELLO, a bad CLIENT REPLY', [['CLIENT', 'REPLY', 'SKIP'], ['RESET'], ['CLIENT', 'REPLY', 'SKIP'], ['HELLO', '2'], ['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'bad'], ['PING']]],
    ['OFF, RESET inside MULTI', [['CLIENT', 'REPLY', 'OFF'], ['MULTI'], ['RESET'], ['PING']]],
    // Inside EXEC the flags act at once on the following replies (Redis then sends an array with
    // fewer elements than announced: the bytes are compared as they are).
    ['SKIP inside EXEC skips the command after EXEC', [['MULTI'], ['CLIENT', 'REPLY', 'SKIP'], ['PING', 'a'], ['EXEC'], ['PING', 'b'], ['PING', 'c']]],
    ['OFF inside EXEC drops the rest of EXEC', [['MULTI'], ['PING', 'a'], ['CLIENT', 'REPLY', 'OFF'], ['PING', 'b'], ['EXEC'], ['PING', 'c'], ['CLIENT', 'REPLY', 'ON']]],
    ['OFF then ON inside EXEC', [['MULTI'], ['PING', 'a'], ['CLIENT', 'REPLY', 'OFF'], ['PING', 'b'], ['CLIENT', 'REPLY', 'ON'], ['PING', 'c'], ['EXEC'], ['PING', 'd']]],
    ['SKIP then ON inside EXEC: the SKIP still applies after EXEC', [['MULTI'], ['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'ON'], ['PING', 'a'], ['EXEC'], ['PING', 'b'], ['PING', 'c']]],
    ['SKIP, OFF, ON inside EXEC', [['MULTI'], ['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'OFF'], ['CLIENT', 'REPLY', 'ON'], ['EXEC'], ['PING', 'b'], ['PING', 'c']]],
    ['SKIP before an EXEC that turns replies on', [['CLIENT', 'REPLY', 'SKIP'], ['MULTI'], ['CLIENT', 'REPLY', 'ON'], ['EXEC'], ['PING']]],
    ['OFF, then SUBSCRIBE: its confirmations are sent', [['CLIENT', 'REPLY', 'OFF'], ['SUBSCRIBE', 'a', 'b'], ['PING']]],
    ['OFF inside EXEC, then SUBSCRIBE and PUBLISH: frames stay in place', [['MULTI'], ['CLIENT', 'REPLY', 'OFF'], ['PUBLISH', 'ch', 'x'], ['SUBSCRIBE', 'ch'], ['PUBLISH', 'ch', 'y'], ['CLIENT', 'REPLY', 'ON'], ['EXEC']]],
    ['RESP3: OFF inside EXEC with SUBSCRIBE and ON', [['CLIENT', 'REPLY', 'SKIP'], ['HELLO', '3'], ['MULTI'], ['CLIENT', 'REPLY', 'OFF'], ['SUBSCRIBE', 'ch'], ['PING'], ['CLIENT', 'REPLY', 'ON'], ['PING'], ['EXEC']]],
  ];
  for (const [name, commands] of cases) {
    it(name, async () => {
      const data = pipeline(...commands);
      const [a, b] = await Promise.all([exchange(t.ports.redis, data), exchange(t.ports.cinder, data)]);
      assert.deepEqual(b, a);
    });
  }
});

diffSuite('connection: CLIENT INFO and CLIENT LIST', (t) => {
  for (const resp of RESPS) {
    it(`CLIENT INFO of a fresh connection [RESP${resp}]`, async () => {
      await compareClientInfo(t.ports, resp, [], ['CLIENT', 'INFO']);
    });
    it(`CLIENT INFO after SELECT, SETNAME, NO-EVICT [RESP${resp}]`, async () => {
      await compareClientInfo(
        t.ports,
        resp,
        [
          ['SELECT', '5'],
          ['CLIENT', 'SETNAME', 'named'],
          ['CLIENT', 'NO-EVICT', 'on'],
        ],
        ['CLIENT', 'INFO'],
      );
    });
    it(`CLIENT LIST with one and several connections [RESP${resp}]`, async () => {
      await compareClientInfo(t.ports, resp, [], ['CLIENT', 'LIST']);
      const extra = await Promise.all([RawConnection.connect(t.ports.redis), RawConnection.connect(t.ports.cinder)]);
      try {
        await Promise.all(extra.map((x) => x.command(['CLIENT', 'SETNAME', 'other'])));
        await Promise.all(extra.map((x) => x.command(['SELECT', '4'])));
        await compareClientInfo(t.ports, resp, [], ['CLIENT', 'LIST']);
        await compareClientInfo(t.ports, resp, [], ['CLIENT', 'LIST', 'TYPE', 'normal']);
      } finally {
        for (const x of extra) x.close();
      }
    });
    it(`CLIENT LIST ID picks clients by id, in the order given [RESP${resp}]`, async () => {
      await withConnections(t.ports, resp, async (_r, c) => {
        const other = await RawConnection.connect(t.ports.cinder);
        try {
          const mine = (await c.command(['CLIENT', 'ID'])).latin1Slice().slice(1, -2);
          const theirs = (await other.command(['CLIENT', 'ID'])).latin1Slice().slice(1, -2);
          const text = textOf(await c.command(['CLIENT', 'LIST', 'ID', theirs, '999999', mine, mine]));
          const ids = clientLines(text).map((fields) => fields[0][1]);
          assert.deepEqual(ids, [theirs, mine, mine]);
        } finally {
          other.close();
        }
      });
    });
  }
  t.case('CLIENT LIST filters that match nobody, and errors', [
    ['CLIENT', 'LIST', 'TYPE', 'pubsub'],
    ['CLIENT', 'LIST', 'TYPE', 'master'],
    ['CLIENT', 'LIST', 'TYPE', 'replica'],
    ['CLIENT', 'LIST', 'TYPE', 'SLAVE'],
    ['CLIENT', 'LIST', 'ID', '999999', '1000000'],
    ['CLIENT', 'LIST', 'TYPE', 'foo'],
    ['CLIENT', 'LIST', 'TYPE'],
    ['CLIENT', 'LIST', 'TYPE', 'normal', 'x'],
    ['CLIENT', 'LIST', 'ID'],
    ['CLIENT', 'LIST', 'ID', 'abc'],
    ['CLIENT', 'LIST', 'ID', '1', 'abc'],
    ['CLIENT', 'LIST', 'foo', 'bar'],
    ['CLIENT', 'LIST', 'foo'],
  ]);
});

diffSuite('connection: CLIENT KILL', (t) => {
  t.case('errors and filters that match nobody', [
    ['CLIENT', 'KILL', '1.2.3.4:5'],
    ['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5'],
    ['CLIENT', 'KILL', 'LADDR', '1.2.3.4:5'],
    ['CLIENT', 'KILL', 'ID', '999999'],
    ['CLIENT', 'KILL', 'TYPE', 'pubsub'],
    ['CLIENT', 'KILL', 'TYPE', 'master'],
    ['CLIENT', 'KILL', 'TYPE', 'slave'],
    ['CLIENT', 'KILL', 'ID', 'abc'],
    ['CLIENT', 'KILL', 'ID', '0'],
    ['CLIENT', 'KILL', 'ID', '-1'],
    ['CLIENT', 'KILL', 'ID', '99999999999999999999'],
    ['CLIENT', 'KILL', 'TYPE', 'foo'],
    ['CLIENT', 'KILL', 'USER', 'bob'],
    ['CLIENT', 'KILL', 'SKIPME', 'maybe'],
    ['CLIENT', 'KILL', 'ID', '5', 'SKIPME'],
    ['CLIENT', 'KILL', 'FOO', 'bar'],
    ['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5', 'ID', '999999', 'TYPE', 'normal', 'SKIPME', 'no'],
  ]);

  /** Opens a victim connection on both servers; returns them with their ids and addresses. */
  async function victims(): Promise<Array<{ conn: RawConnection; id: string; addr: string }>> {
    const out = [];
    for (const port of [t.ports.redis, t.ports.cinder]) {
      const conn = await RawConnection.connect(port);
      const id = (await conn.command(['CLIENT', 'ID'])).latin1Slice().slice(1, -2);
      const info = textOf(await conn.command(['CLIENT', 'INFO']));
      const addr = /addr=(\S+)/.exec(info)![1];
      out.push({ conn, id, addr });
    }
    return out;
  }

  async function closes(conn: RawConnection): Promise<boolean> {
    await conn.readUntilClose(1000);
    return conn.closed;
  }

  for (const resp of RESPS) {
    it(`KILL ID closes that client [RESP${resp}]`, async () => {
      const v = await victims();
      await withConnections(t.ports, resp, async (r, c) => {
        const a = await r.command(['CLIENT', 'KILL', 'ID', v[0].id]);
        const b = await c.command(['CLIENT', 'KILL', 'ID', v[1].id]);
        assert.equal(b.latin1Slice(), a.latin1Slice());
        assert.equal(a.latin1Slice(), ':1\r\n');
        assert.deepEqual([await closes(v[0].conn), await closes(v[1].conn)], [true, true]);
        assert.equal((await c.command(['PING'])).latin1Slice(), '+PONG\r\n');
      });
    });
    it(`KILL addr (old form) closes that client [RESP${resp}]`, async () => {
      const v = await victims();
      await withConnections(t.ports, resp, async (r, c) => {
        const a = await r.command(['CLIENT', 'KILL', v[0].addr]);
        const b = await c.command(['CLIENT', 'KILL', v[1].addr]);
        assert.equal(b.latin1Slice(), a.latin1Slice());
        assert.deepEqual([await closes(v[0].conn), await closes(v[1].conn)], [true, true]);
      });
    });
    it(`KILL by several filters, and USER default [RESP${resp}]`, async () => {
      const v = await victims();
      await withConnections(t.ports, resp, async (r, c) => {
        const a = await r.command(['CLIENT', 'KILL', 'ADDR', v[0].addr, 'TYPE', 'normal', 'USER', 'default', 'SKIPME', 'yes']);
        const b = await c.command(['CLIENT', 'KILL', 'ADDR', v[1].addr, 'TYPE', 'normal', 'USER', 'default', 'SKIPME', 'yes']);
        assert.equal(b.latin1Slice(), a.latin1Slice());
        assert.deepEqual([await closes(v[0].conn), await closes(v[1].conn)], [true, true]);
      });
    });
  }
  it('KILL of oneself: SKIPME no, and the old form, reply then close', async () => {
    for (const form of ['id', 'addr']) {
      const outcomes = [];
      for (const port of [t.ports.redis, t.ports.cinder]) {
        const conn = await RawConnection.connect(port);
        const id = (await conn.command(['CLIENT', 'ID'])).latin1Slice().slice(1, -2);
        const addr = /addr=(\S+)/.exec(textOf(await conn.command(['CLIENT', 'INFO'])))![1];
        conn.write(encodeCommand(form === 'id' ? ['CLIENT', 'KILL', 'ID', id, 'SKIPME', 'no'] : ['CLIENT', 'KILL', addr]));
        conn.write(encodeCommand(['PING']));
        const bytes = await conn.readUntilClose(1000);
        outcomes.push({ bytes: bytes.latin1Slice(), closed: conn.closed });
        conn.close();
      }
      assert.deepEqual(outcomes[1], outcomes[0], form);
      assert.equal(outcomes[0].closed, true);
    }
  });
  it('SKIPME yes (the default) spares the caller', async () => {
    for (const port of [t.ports.redis, t.ports.cinder]) {
      const conn = await RawConnection.connect(port);
      const id = (await conn.command(['CLIENT', 'ID'])).latin1Slice().slice(1, -2);
      assert.equal((await conn.command(['CLIENT', 'KILL', 'ID', id])).latin1Slice(), ':0\r\n');
      assert.equal((await conn.command(['PING'])).latin1Slice(), '+PONG\r\n');
      conn.close();
    }
  });
});

// ---------------------------------------------------------------- in-process checks

describe('connection: embedded handle', () => {
  it('HELLO switches the embedded protocol and reports the client', () => {
    const db = open();
    try {
      const hello = db.callSync('HELLO', '2') as Map<string, unknown>;
      assert.deepEqual([...hello.keys()], ['server', 'version', 'proto', 'id', 'mode', 'role', 'modules']);
      assert.equal(hello.get('version'), '7.0.15');
      assert.equal(hello.get('proto'), 2);
      const again = db.callSync('HELLO', '3') as Map<string, unknown>;
      assert.equal(again.get('proto'), 3);
      assert.equal(again.get('mode'), 'standalone');
      assert.deepEqual(again.get('modules'), []);
    } finally {
      db.close();
    }
  });

  it('CLIENT SETINFO (Redis 7.2) stores library name and version', () => {
    const db = open();
    try {
      assert.equal(db.callSync('CLIENT', 'SETINFO', 'LIB-NAME', 'cinder-test'), 'OK');
      assert.equal(db.callSync('CLIENT', 'SETINFO', 'lib-ver', '1.2.3'), 'OK');
      const client = [...db.server.clients.values()].find((c) => c.kind === 'embedded')!;
      assert.equal(client.libName, 'cinder-test');
      assert.equal(client.libVer, '1.2.3');
      assert.throws(() => db.callSync('CLIENT', 'SETINFO', 'lib-name', 'has space'), {
        message: 'ERR lib-name cannot contain spaces, newlines or special characters.',
      });
      assert.throws(() => db.callSync('CLIENT', 'SETINFO', 'LIB-VER', 'a\nb'), {
        message: 'ERR LIB-VER cannot contain spaces, newlines or special characters.',
      });
      assert.throws(() => db.callSync('CLIENT', 'SETINFO', 'other', 'x'), { message: "ERR Unrecognized option 'other'" });
      assert.throws(() => db.callSync('CLIENT', 'SETINFO', 'lib-name'), {
        message: "ERR wrong number of arguments for 'client|setinfo' command",
      });
      assert.equal(db.callSync('CLIENT', 'SETINFO', 'lib-name', ''), 'OK');
      assert.equal(client.libName, '');
    } finally {
      db.close();
    }
  });

  it('RESET leaves pub/sub mode; PING answers a RESP2 subscriber with an array', () => {
    const db = open();
    try {
      db.callSync('SUBSCRIBE', 'ch');
      const client = [...db.server.clients.values()].find((c) => c.kind === 'embedded')!;
      assert.notEqual(client.pubsub, null);
      assert.equal(db.callSync('PING'), 'PONG');
      db.callSync('HELLO', '2');
      assert.deepEqual(db.callSync('PING'), ['pong', '']);
      assert.deepEqual(db.callSync('PING', 'hi'), ['pong', 'hi']);
      assert.equal(db.callSync('RESET'), 'RESET');
      assert.equal(client.pubsub, null);
      assert.equal(client.resp, 2);
      assert.equal(db.server.pubsub.channels.size, 0);
    } finally {
      db.close();
    }
  });

  it('CLIENT REPLY OFF/SKIP write no reply of their own', () => {
    const db = open();
    try {
      assert.equal(db.callSync('CLIENT', 'REPLY', 'SKIP'), null);
      const client = [...db.server.clients.values()].find((c) => c.kind === 'embedded')!;
      assert.equal(client.replyMode, 'skip');
      db.callSync('CLIENT', 'REPLY', 'OFF');
      assert.equal(client.replyMode, 'off');
      assert.equal(db.callSync('CLIENT', 'REPLY', 'ON'), 'OK');
      assert.equal(client.replyMode, 'on');
    } finally {
      db.close();
    }
  });

  it('embedded calls whose reply Redis would not send resolve to null; SUBSCRIBE confirmations still come', async () => {
    const pushes: unknown[] = [];
    const db = open({ onPush: (f) => pushes.push(f) });
    try {
      // SKIP: the next call only; SKIP then ON: ON answers.
      assert.equal(db.callSync('CLIENT', 'REPLY', 'SKIP'), null);
      assert.equal(db.callSync('SET', 'k', 'v'), null);
      assert.equal(db.callSync('GET', 'k'), 'v');
      db.callSync('CLIENT', 'REPLY', 'SKIP');
      assert.equal(db.callSync('CLIENT', 'REPLY', 'ON'), 'OK');
      assert.equal(db.callSync('PING'), 'PONG');
      // OFF: every call until ON (errors included); a SKIP meanwhile changes nothing.
      db.callSync('CLIENT', 'REPLY', 'OFF');
      assert.equal(db.callSync('GET', 'k'), null);
      assert.equal(db.callSync('INCR', 'k'), null);
      assert.equal(await db.call('BLPOP', 'nolist', '0.01'), null);
      db.callSync('CLIENT', 'REPLY', 'SKIP');
      assert.deepEqual(db.callSync('SUBSCRIBE', 'ch'), ['subscribe', 'ch', 1]);
      const other = open({ server: db.server });
      other.callSync('PUBLISH', 'ch', 'hello');
      other.close();
      assert.equal(db.callSync('CLIENT', 'REPLY', 'ON'), 'OK');
      assert.deepEqual(pushes, [['message', 'ch', 'hello']]);
      assert.equal(db.callSync('PING'), 'PONG');
      // RESET turns replies back on, and answers.
      db.callSync('CLIENT', 'REPLY', 'OFF');
      assert.equal(db.callSync('RESET'), 'RESET');
      assert.equal(db.callSync('PING'), 'PONG');
    } finally {
      db.close();
    }
  });
});
