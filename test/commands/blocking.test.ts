import assert from 'node:assert/strict';
import { it } from 'node:test';
import { diffSuite } from '../helpers/differential.js';
import { scenarioSuite } from '../helpers/scenario.js';
import { open } from '../../src/embedded/index.js';

diffSuite('blocking: immediate answers and argument errors', (t) => {
  t.case('BLPOP/BRPOP take from the first non-empty list', [
    ['RPUSH', 'k2', 'a', 'b', 'c'],
    ['BLPOP', 'k1', 'k2', '0'],
    ['BRPOP', 'k1', 'k2', '1'],
    ['BRPOP', 'k2', '0.5'],
    ['EXISTS', 'k2'],
  ]);
  t.case('BLPOP timeouts and their errors', [
    ['BLPOP', 'k', '-1'],
    ['BLPOP', 'k', 'abc'],
    ['BLPOP', 'k', ''],
    ['BLPOP', 'k', 'inf'],
    ['BLPOP', 'k', '-inf'],
    ['BLPOP', 'k', 'nan'],
    ['BLPOP', 'k', '1e20'],
    ['BLPOP', 'k', '9.3e15'],
    ['BLPOP', 'k', ' 1'],
    ['BLPOP', 'k', '1 '],
    ['BRPOP', 'k', '-0.5'],
    ['BZPOPMIN', 'k', '-1'],
    ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '-1'],
    ['BLMPOP', '-1', '1', 'k', 'LEFT'],
    ['BZMPOP', 'x', '1', 'k', 'MIN'],
    ['BLPOP', 'k'],
    ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT'],
  ]);
  t.case('short timeouts expire with a null reply', [
    ['BLPOP', 'k', '0.01'],
    ['BRPOP', 'k1', 'k2', '0.02'],
    ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0.01'],
    ['BRPOPLPUSH', 'a', 'b', '0.01'],
    ['BLMPOP', '0.01', '2', 'a', 'b', 'RIGHT', 'COUNT', '3'],
    ['BZPOPMIN', 'z', '0.01'],
    ['BZPOPMAX', 'z', 'y', '0.01'],
    ['BZMPOP', '0.01', '1', 'z', 'MAX'],
  ]);
  t.case('WRONGTYPE is answered at once', [
    ['SET', 's', 'x'],
    ['BLPOP', 'nokey', 's', '0'],
    ['BRPOP', 's', '0'],
    ['BLMOVE', 's', 'd', 'LEFT', 'LEFT', '0'],
    ['RPUSH', 'l', 'v'],
    ['BLMOVE', 'l', 's', 'LEFT', 'LEFT', '0'],
    ['LLEN', 'l'],
    ['BLMPOP', '0', '2', 'nokey', 's', 'LEFT'],
    ['BZPOPMIN', 's', '0'],
    ['BZMPOP', '0', '1', 's', 'MIN'],
    ['ZADD', 'z', '1', 'a'],
    ['BLPOP', 'z', '0'],
    ['BZPOPMIN', 'l', '0'],
  ]);
  t.case('BLMOVE and BRPOPLPUSH move at once when the source has elements', [
    ['RPUSH', 'src', '1', '2', '3'],
    ['BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0'],
    ['BLMOVE', 'src', 'dst', 'RIGHT', 'LEFT', '0'],
    ['BRPOPLPUSH', 'src', 'dst', '0'],
    ['LRANGE', 'dst', '0', '-1'],
    ['EXISTS', 'src'],
    ['BLMOVE', 'dst', 'dst', 'LEFT', 'RIGHT', '0'],
    ['LRANGE', 'dst', '0', '-1'],
    ['BLMOVE', 'dst', 'dst', 'up', 'RIGHT', '0'],
    ['BLMOVE', 'dst', 'dst', 'LEFT', 'down', '0'],
  ]);
  t.case('BLMPOP at once, with COUNT and its errors', [
    ['RPUSH', 'b', '1', '2', '3', '4'],
    ['BLMPOP', '0', '2', 'a', 'b', 'LEFT'],
    ['BLMPOP', '0', '2', 'a', 'b', 'RIGHT', 'COUNT', '2'],
    ['BLMPOP', '0', '1', 'b', 'left', 'count', '10'],
    ['EXISTS', 'b'],
    ['BLMPOP', '0', '0', 'b', 'LEFT'],
    ['BLMPOP', '0', '-1', 'b', 'LEFT'],
    ['BLMPOP', '0', '3', 'b', 'LEFT'],
    ['BLMPOP', '0', '1', 'b', 'MIDDLE'],
    ['BLMPOP', '0', '1', 'b', 'LEFT', 'COUNT', '0'],
    ['BLMPOP', '0', '1', 'b', 'LEFT', 'COUNT'],
    ['BLMPOP', '0', '1', 'b', 'LEFT', 'COUNT', '1', 'COUNT', '2'],
    ['BLMPOP', '0', 'x', 'b', 'LEFT'],
  ]);
  t.case('BZPOPMIN, BZPOPMAX and BZMPOP at once', [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4.5', 'd'],
    ['BZPOPMIN', 'nokey', 'z', '0'],
    ['BZPOPMAX', 'z', '0'],
    ['BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '5'],
    ['EXISTS', 'z'],
    ['ZADD', 'z', '-inf', 'lo', 'inf', 'hi'],
    ['BZMPOP', '0', '2', 'x', 'z', 'MAX'],
    ['BZPOPMIN', 'z', '0'],
    ['BZMPOP', '0', '1', 'z', 'SIDEWAYS'],
    ['BZMPOP', '0', '0', 'z', 'MIN'],
    ['BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '0'],
  ]);
  t.case('CLIENT UNBLOCK of clients that are not blocked, and its errors', [
    ['CLIENT', 'UNBLOCK', '999999'],
    ['CLIENT', 'UNBLOCK', '999999', 'TIMEOUT'],
    ['CLIENT', 'UNBLOCK', '999999', 'error'],
    ['CLIENT', 'UNBLOCK', '999999', 'later'],
    ['CLIENT', 'UNBLOCK', 'abc'],
    ['CLIENT', 'UNBLOCK', 'abc', 'maybe'],
    ['CLIENT', 'UNBLOCK', '1', 'TIMEOUT', 'extra'],
    ['CLIENT', 'UNBLOCK'],
  ]);
  t.case('COMMAND INFO of the blocking commands', [
    ['COMMAND', 'INFO', 'blpop', 'brpop', 'blmove', 'brpoplpush', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop'],
    ['COMMAND', 'GETKEYS', 'BLMPOP', '0', '2', 'a', 'b', 'LEFT'],
    ['COMMAND', 'GETKEYS', 'BZMPOP', '0', '1', 'z', 'MIN'],
    ['COMMAND', 'GETKEYS', 'BLPOP', 'a', 'b', 'c', '0'],
    ['COMMAND', 'GETKEYS', 'BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '0'],
  ]);
});

scenarioSuite('blocking: clients woken by other clients', (t) => {
  t.scenario('BLPOP waits until another client pushes', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('pusher');
    a.send(['BLPOP', 'k', '0']);
    await s.quiet();
    await b.call(['RPUSH', 'k', 'x', 'y']);
    await a.reply();
    await b.call(['LRANGE', 'k', '0', '-1']);
  });

  t.scenario('waiters are served in the order they blocked, one element each', async (s) => {
    const a = await s.client('a');
    const b = await s.client('b');
    const c = await s.client('c');
    const p = await s.client('pusher');
    a.send(['BLPOP', 'k', '0']);
    await s.quiet(20);
    b.send(['BRPOP', 'k', '0']);
    await s.quiet(20);
    c.send(['BLPOP', 'other', 'k', '0']);
    await s.quiet(20);
    await p.call(['RPUSH', 'k', '1', '2']);
    await a.reply();
    await b.reply();
    await s.quiet();
    await p.call(['EXISTS', 'k']);
    await p.call(['LPUSH', 'other', 'o']);
    await c.reply();
  });

  t.scenario('a waiter on several keys gets the key that was pushed', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('pusher');
    a.send(['BRPOP', 'k1', 'k2', 'k3', '0']);
    await s.quiet();
    await b.call(['RPUSH', 'k3', 'c']);
    await a.reply();
  });

  t.scenario('a timeout answers null and leaves the key alone', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('other');
    a.send(['BLPOP', 'k', '0.15']);
    await s.quiet(30);
    await a.reply('exact', 3000);
    await b.call(['RPUSH', 'k', 'x']);
    await s.quiet();
    await b.call(['LLEN', 'k']);
  });

  t.scenario('RESP3 replies of a woken BLPOP and BZPOPMIN, and a RESP3 timeout', async (s) => {
    const a = await s.client('waiter', { hello3: true });
    const b = await s.client('pusher');
    a.send(['BZPOPMIN', 'z', '0']);
    await s.quiet();
    await b.call(['ZADD', 'z', '2.5', 'm', '1', 'n']);
    await a.reply();
    a.send(['BLMPOP', '0', '1', 'l', 'RIGHT', 'COUNT', '5']);
    await s.quiet();
    await b.call(['RPUSH', 'l', '1', '2', '3']);
    await a.reply();
    await a.call(['BZPOPMAX', 'z', 'zz', '0.05']);
    await a.call(['BZPOPMAX', 'zz', '0.05']);
    await a.call(['BLMOVE', 'x', 'y', 'LEFT', 'LEFT', '0.05']);
  });

  t.scenario('commands pipelined behind a blocked command wait for it', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('pusher');
    a.send(['BLPOP', 'k', '0']);
    a.send(['PING']);
    a.send(['LLEN', 'k']);
    await s.quiet();
    await b.call(['RPUSH', 'k', 'x', 'y']);
    await a.reply();
    await a.reply();
    await a.reply();
  });

  t.scenario('BLMOVE moves atomically into its destination, and chains wake in turn', async (s) => {
    const a = await s.client('first mover');
    const b = await s.client('second mover');
    const p = await s.client('pusher');
    a.send(['BLMOVE', 's1', 's2', 'RIGHT', 'LEFT', '0']);
    await s.quiet(20);
    b.send(['BRPOPLPUSH', 's2', 's3', '0']);
    await s.quiet(20);
    await p.call(['RPUSH', 's1', 'v']);
    await a.reply();
    await b.reply();
    await p.call(['EXISTS', 's1', 's2']);
    await p.call(['LRANGE', 's3', '0', '-1']);
  });

  t.scenario('a served BLMOVE whose destination became another type gets WRONGTYPE', async (s) => {
    const a = await s.client('mover');
    const p = await s.client('pusher');
    a.send(['BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0']);
    await s.quiet();
    await p.call(['SET', 'dst', 'string']);
    await p.call(['RPUSH', 'src', 'v']);
    await a.reply();
    await p.call(['LRANGE', 'src', '0', '-1']);
    await p.call(['GET', 'dst']);
  });

  t.scenario('a key that becomes another type keeps the waiter blocked', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('writer');
    a.send(['BLPOP', 'k', '0']);
    await s.quiet();
    await b.call(['SET', 'k', 'string']);
    await b.call(['ZADD', 'k2', '1', 'm']);
    await b.call(['RENAME', 'k2', 'k']);
    await s.quiet();
    await b.call(['DEL', 'k']);
    await b.call(['RPUSH', 'tmp', 'moved']);
    await b.call(['RENAME', 'tmp', 'k']);
    await a.reply();
  });

  t.scenario('SWAPDB, MOVE and COPY wake waiters', async (s) => {
    const a = await s.client('waiter db0');
    const b = await s.client('writer db1');
    a.send(['BLPOP', 'k', '0']);
    await s.quiet();
    await b.call(['SELECT', '1']);
    await b.call(['RPUSH', 'k', 'from-db1']);
    await b.call(['SWAPDB', '0', '1']);
    await a.reply();
    a.send(['BLPOP', 'm', '0']);
    await s.quiet();
    await b.call(['RPUSH', 'm', 'moved']);
    await b.call(['MOVE', 'm', '0']);
    await a.reply();
    a.send(['BZPOPMAX', 'c', '0']);
    await s.quiet();
    await b.call(['ZADD', 'src', '7', 'copied']);
    await b.call(['COPY', 'src', 'c', 'DB', '0']);
    await a.reply();
  });

  t.scenario('a client that disconnects while blocked leaves no trace', async (s) => {
    const a = await s.client('quitter');
    const b = await s.client('pusher');
    a.send(['BLPOP', 'k', '0']);
    await s.quiet();
    a.close();
    await s.sleep(50);
    await b.call(['RPUSH', 'k', 'kept']);
    await b.call(['LRANGE', 'k', '0', '-1']);
  });

  t.scenario('CLIENT UNBLOCK as a timeout and as an error', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('admin');
    const ids = await a.ids();
    a.send(['BLPOP', 'k', '0']);
    await s.quiet();
    await b.call((side) => ['CLIENT', 'UNBLOCK', ids[side]]);
    await a.reply();
    await b.call((side) => ['CLIENT', 'UNBLOCK', ids[side]]);
    a.send(['BZPOPMIN', 'z', '100']);
    await s.quiet();
    await b.call((side) => ['CLIENT', 'UNBLOCK', ids[side], 'ERROR']);
    await a.reply();
    a.send(['BLMOVE', 'x', 'y', 'LEFT', 'LEFT', '0']);
    await s.quiet();
    await b.call((side) => ['CLIENT', 'UNBLOCK', ids[side], 'TIMEOUT']);
    await a.reply();
    await a.call(['PING']);
  });

  t.scenario('CLIENT KILL of a blocked client', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('admin');
    const ids = await a.ids();
    a.send(['BLPOP', 'k', '0']);
    await s.quiet();
    await b.call((side) => ['CLIENT', 'KILL', 'ID', ids[side]]);
    await b.call(['RPUSH', 'k', 'x']);
    await b.call(['LLEN', 'k']);
  });

  t.scenario('one push serves as many waiters as it has elements; the rest keep waiting', async (s) => {
    const waiters = [];
    for (let i = 0; i < 5; i++) {
      const w = await s.client(`waiter ${i}`);
      w.send(['BLMPOP', '0', '1', 'k', 'LEFT', 'COUNT', '2']);
      await s.quiet(10);
      waiters.push(w);
    }
    const p = await s.client('pusher');
    await p.call(['RPUSH', 'k', '1', '2', '3', '4', '5']);
    for (const w of waiters.slice(0, 3)) await w.reply();
    await s.quiet();
    await p.call(['EXISTS', 'k']);
    await p.call(['RPUSH', 'k', '6']);
    await waiters[3].reply();
    await s.quiet();
  });

  t.scenario('a BLMOVE onto the list another client waits on', async (s) => {
    const a = await s.client('mover');
    const b = await s.client('waiter on destination');
    const p = await s.client('pusher');
    b.send(['BLPOP', 'dst', '0']);
    await s.quiet(20);
    a.send(['BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', '0']);
    await s.quiet(20);
    await p.call(['LPUSH', 'src', 'hop']);
    await a.reply();
    await b.reply();
    await p.call(['EXISTS', 'src', 'dst']);
  });

  t.scenario('INFO counts blocked clients', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('observer');
    a.send(['BLPOP', 'k', '0']);
    await s.quiet();
    const field = (info: Buffer) => /blocked_clients:(\d+)/.exec(info.latin1Slice())?.[1];
    const [r, c] = await Promise.all([b.redis.command(['INFO', 'clients']), b.cinder.command(['INFO', 'clients'])]);
    assert.equal(field(c), field(r));
    assert.equal(field(c), '1');
    await b.call(['RPUSH', 'k', 'x']);
    await a.reply();
    const [r2, c2] = await Promise.all([b.redis.command(['INFO', 'clients']), b.cinder.command(['INFO', 'clients'])]);
    assert.equal(field(c2), field(r2));
    assert.equal(field(c2), '0');
  });
});

it('embedded: call() can block and is woken by another handle; callSync answers at once', async () => {
  const db = open();
  const other = open({ server: db.server });
  try {
    assert.equal(db.callSync('BLPOP', 'k', '0'), null);
    const waiting = db.call('BLPOP', 'k', '0');
    const after = db.call('PING');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(other.callSync('RPUSH', 'k', 'v'), 1);
    assert.deepEqual(await waiting, ['k', 'v']);
    assert.equal(await after, 'PONG');
    assert.equal(await db.call('BLPOP', 'k', '0.02'), null);
  } finally {
    other.close();
    db.close();
  }
});

it('embedded: many concurrent waiters each get one element, in order', async () => {
  const pusher = open();
  const handles = Array.from({ length: 50 }, () => open({ server: pusher.server }));
  try {
    const results = handles.map((h) => h.call('BRPOP', 'q', '0'));
    await new Promise((r) => setTimeout(r, 10));
    const values = Array.from({ length: 50 }, (_, i) => String(i));
    pusher.callSync('LPUSH', 'q', ...values);
    const got = await Promise.all(results);
    assert.deepEqual(
      got.map((g) => (g as string[])[1]),
      values,
    );
    assert.equal(pusher.server.blocking.blockedClients, 0);
  } finally {
    for (const h of handles) h.close();
    pusher.close();
  }
});

scenarioSuite('blocking: CLIENT REPLY and blocked replies', (t) => {
  t.scenario('under CLIENT REPLY OFF a blocked command served later sends nothing', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('pusher');
    a.send(['CLIENT', 'REPLY', 'OFF']);
    a.send(['BLPOP', 'k', '0']);
    await s.quiet();
    await b.call(['RPUSH', 'k', 'x', 'y']);
    a.send(['CLIENT', 'REPLY', 'ON']);
    await a.reply();
    await a.call(['LRANGE', 'k', '0', '-1']);
  });

  t.scenario('CLIENT REPLY SKIP drops a blocked command reply and then answers again', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('pusher');
    a.send(['CLIENT', 'REPLY', 'SKIP']);
    a.send(['BLPOP', 'k', '0']);
    a.send(['PING', 'after']);
    await s.quiet();
    await b.call(['RPUSH', 'k', 'x']);
    await a.reply();
  });
});
