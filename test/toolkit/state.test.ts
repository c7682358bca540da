/**
 * The toolkit's ephemeral state on the embedded engine, cinder-server, redis-server and a Redis
 * Cluster: sessions with a sliding TTL, presence and typing, leaderboards (top, rank, neighbours,
 * pages, daily and weekly boards), feature flags cached per process and invalidated by pub/sub.
 */
import assert from 'node:assert/strict';
import { connect } from '../../src/toolkit/client.js';
import { FeatureFlags, Leaderboard, Presence, Sessions } from '../../src/toolkit/state.js';
import type { EmbeddedDb } from '../../src/embedded/index.js';
import { onEveryBackend } from '../helpers/backends.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

onEveryBackend('toolkit: state', { cluster: true }, (each) => {

  each('sessions: data round trip, partial updates, a TTL that slides with use, destroy', async (b) => {
    const sessions = new Sessions<{ user: string; cart?: string[]; name?: string }>(b.client(), { ttlMs: 400 });
    const id = await sessions.create({ user: 'u1', name: 'Zoë' });
    assert.deepEqual(await sessions.get(id), { user: 'u1', name: 'Zoë' });
    assert.equal(await sessions.update(id, { cart: ['a', 'b'] }), true);
    for (let i = 0; i < 4; i++) {
      await sleep(200);
      assert.ok((await sessions.get(id)) !== null, 'the session expired though it was used');
    }
    assert.deepEqual(await sessions.get(id), { user: 'u1', name: 'Zoë', cart: ['a', 'b'] });
    await sleep(600);
    assert.equal(await sessions.get(id), null);
    assert.equal(await sessions.update(id, { user: 'x' }), false);
    const other = await sessions.create({ user: 'u2' });
    await sessions.destroy(other);
    assert.equal(await sessions.get(other), null);
  });

  each('presence: online within the window, typing, leaving', async (b) => {
    const room = new Presence(b.client(), 'room1', { onlineMs: 300, typingMs: 150 });
    await room.heartbeat('ann');
    await room.heartbeat('bob');
    assert.deepEqual((await room.online()).sort(), ['ann', 'bob']);
    await room.typing('ann');
    assert.deepEqual(await room.whoIsTyping(), ['ann']);
    await sleep(200);
    assert.deepEqual(await room.whoIsTyping(), []);
    await room.heartbeat('bob');
    await sleep(150);
    assert.deepEqual(await room.online(), ['bob']);
    await room.leave('bob');
    assert.deepEqual(await room.online(), []);
  });

  each('leaderboards: top, rank, neighbours, pages, increments, GT, daily and weekly boards', async (b) => {
    const c = b.client();
    const board = new Leaderboard(c, 'game');
    for (let i = 1; i <= 20; i++) await board.set(`p${i}`, i * 10);
    assert.deepEqual(await board.top(3), [
      { member: 'p20', score: 200, rank: 1 },
      { member: 'p19', score: 190, rank: 2 },
      { member: 'p18', score: 180, rank: 3 },
    ]);
    assert.deepEqual(await board.rank('p1'), { member: 'p1', score: 10, rank: 20 });
    assert.equal(await board.rank('nobody'), null);
    assert.deepEqual(
      (await board.around('p10', 2)).map((r) => `${r.rank}:${r.member}`),
      ['9:p12', '10:p11', '11:p10', '12:p9', '13:p8'],
    );
    assert.deepEqual(
      (await board.page(4, 5)).map((r) => r.member),
      ['p5', 'p4', 'p3', 'p2', 'p1'],
    );
    assert.equal(await board.incr('p1', 1000), 1010);
    assert.equal((await board.rank('p1'))?.rank, 1);
    await board.set('p1', 5, { onlyHigher: true });
    assert.equal((await board.rank('p1'))?.score, 1010);
    assert.equal(await board.size(), 20);
    const day = Leaderboard.daily(c, 'game', { date: new Date('2026-12-07T12:00:00Z') });
    const week = Leaderboard.weekly(c, 'game', { date: new Date('2026-12-07T12:00:00Z') });
    assert.equal(day.key, 'leaderboard:{game:2026-12-07}');
    assert.equal(week.key, 'leaderboard:{game:2026-W50}');
    await day.incr('p1', 5);
    const ttl = Number(await connect(c).call('PTTL', day.key));
    assert.ok(ttl > 6 * 86_400_000 && ttl <= 7 * 86_400_000);
  });

  each('feature flags: cached per process, every process sees a change', async (b) => {
    const a = await FeatureFlags.create(b.client() as never as EmbeddedDb);
    const other = await FeatureFlags.create(b.client() as never as EmbeddedDb);
    try {
      assert.equal(await a.get('new-ui', false), false);
      assert.equal(await other.get('new-ui', false), false);
      await a.set('new-ui', true);
      await until('the other process to see the change', async () => (await other.get('new-ui', false)) === true);
      assert.equal(await a.get('new-ui', false), true);
      // A value written behind the flags' back is not seen: they are cached.
      await connect(b.client()).call('HSET', 'flags:{all}', 'new-ui', 'false');
      assert.equal(await other.get('new-ui', false), true);
      await a.set('limits', { rps: 5 });
      await until('the limits', async () => JSON.stringify(await other.get('limits', null)) === '{"rps":5}');
      await a.remove('new-ui');
      await until('the removal', async () => (await other.get('new-ui', 'unset')) === 'unset');
    } finally {
      a.close();
      other.close();
    }
  });
});
