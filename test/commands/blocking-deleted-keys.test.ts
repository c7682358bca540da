/**
 * Blocked clients whose key goes away (Redis 7.0's signalDeletedKeyAsReady): XREADGROUP is answered
 * when its stream is deleted, replaced, flushed, swapped out, moved or expires (-UNBLOCKED, or
 * -NOGROUP when a stream without the group took its place); XREAD, BLPOP and BZPOPMIN keep waiting
 * and are served by a later write. Every reply compared with a real redis-server.
 */
import { scenarioSuite, type PairedClient, type Scenario } from '../helpers/scenario.js';

/** A consumer blocked in XREADGROUP on `s` (group g, created at $), and a writer. */
async function blockedConsumer(s: Scenario, keys = ['s']): Promise<{ a: PairedClient; w: PairedClient }> {
  const a = await s.client('consumer');
  const w = await s.client('writer');
  for (const key of keys) await w.call(['XGROUP', 'CREATE', key, 'g', '$', 'MKSTREAM']);
  a.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', ...keys, ...keys.map(() => '>')]);
  await s.quiet();
  return { a, w };
}

scenarioSuite('blocking: XREADGROUP when its stream goes away', (t) => {
  for (const [what, commands] of [
    ['DEL', [['DEL', 's']]],
    ['UNLINK', [['UNLINK', 's']]],
    ['GETDEL is refused (WRONGTYPE), nothing happens; then SET replaces it', [['GETDEL', 's'], ['SET', 's', 'x']]],
    ['RENAME of the stream to another name', [['RENAME', 's', 'elsewhere']]],
    ['RENAME of a list onto it', [['RPUSH', 'l', 'a'], ['RENAME', 'l', 's']]],
    ['FLUSHDB', [['FLUSHDB']]],
    ['MOVE to another database', [['MOVE', 's', '1']]],
    ['MULTI DEL + SET', [['MULTI'], ['DEL', 's'], ['SET', 's', 'x'], ['EXEC']]],
  ] as Array<[string, string[][]]>) {
    t.scenario(`${what}: -UNBLOCKED`, async (s) => {
      const { a, w } = await blockedConsumer(s);
      for (const argv of commands) await w.call(argv);
      await a.reply();
      await a.call(['PING']);
    });
  }

  t.scenario('FLUSHALL answers a consumer blocked in another database', async (s) => {
    const a = await s.client('consumer db1');
    const w = await s.client('writer');
    await a.call(['SELECT', '1']);
    await a.call(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    a.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await s.quiet();
    await w.call(['FLUSHALL']);
    await a.reply();
  });

  t.scenario('expiry (active expiry removes the stream)', async (s) => {
    const { a, w } = await blockedConsumer(s);
    await w.call(['PEXPIRE', 's', '1']);
    await a.reply();
  });

  t.scenario('MULTI DEL + XADD: the new stream has no group, -NOGROUP', async (s) => {
    const { a, w } = await blockedConsumer(s);
    for (const argv of [['MULTI'], ['DEL', 's'], ['XADD', 's', '1-1', 'f', 'v'], ['EXEC']]) await w.call(argv);
    await a.reply();
  });

  t.scenario('MULTI DEL + XGROUP CREATE MKSTREAM keeps it waiting; XADD then serves it', async (s) => {
    const { a, w } = await blockedConsumer(s);
    for (const argv of [['MULTI'], ['DEL', 's'], ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], ['EXEC']]) await w.call(argv);
    await s.quiet();
    await w.call(['XADD', 's', '1-1', 'f', 'v']);
    await a.reply();
    await w.call(['XPENDING', 's', 'g']);
  });

  t.scenario('RENAME or COPY of a stream with the group onto it keeps it waiting', async (s) => {
    const { a, w } = await blockedConsumer(s);
    await w.call(['XADD', 'other', '5-1', 'f', 'v']);
    await w.call(['XGROUP', 'CREATE', 'other', 'g', '$']);
    await w.call(['COPY', 'other', 's', 'REPLACE']);
    await s.quiet();
    await w.call(['RENAME', 'other', 's']);
    await s.quiet();
    await w.call(['XADD', 's', '6-1', 'f', 'w']);
    await a.reply();
  });

  t.scenario('group destroyed (with and without MULTI re-creating it)', async (s) => {
    const { a, w } = await blockedConsumer(s);
    for (const argv of [['MULTI'], ['XGROUP', 'DESTROY', 's', 'g'], ['XGROUP', 'CREATE', 's', 'g', '$'], ['EXEC']]) await w.call(argv);
    await s.quiet();
    await w.call(['XGROUP', 'DESTROY', 's', 'g']);
    await a.reply();
  });

  t.scenario('SWAPDB: empty other side, stream without the group, with the group and entries, with the group only', async (s) => {
    const { a, w } = await blockedConsumer(s);
    await w.call(['SWAPDB', '0', '1']);
    await a.reply();
    await w.call(['FLUSHALL']);
    await w.call(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    a.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await s.quiet();
    await w.call(['SELECT', '1']);
    await w.call(['XADD', 's', '1-1', 'f', 'v']);
    await w.call(['SWAPDB', '0', '1']);
    await a.reply();
    // db0 now holds the stream without the group; give it one with an entry past it.
    await w.call(['SELECT', '0']);
    await w.call(['XGROUP', 'CREATE', 's', 'g', '$']);
    a.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await s.quiet();
    await w.call(['SELECT', '1']);
    await w.call(['XADD', 's', '1-1', 'f', 'v']);
    await w.call(['XGROUP', 'CREATE', 's', 'g', '0']);
    await w.call(['SWAPDB', '0', '1']);
    await a.reply();
    // The other side holds the stream with the group and nothing new: it keeps waiting.
    await w.call(['FLUSHALL']);
    await w.call(['SELECT', '0']);
    await w.call(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    a.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await s.quiet();
    await w.call(['SELECT', '1']);
    await w.call(['XADD', 's', '2-1', 'f', 'v']);
    await w.call(['XGROUP', 'CREATE', 's', 'g', '$']);
    await w.call(['SWAPDB', '0', '1']);
    await s.quiet();
    await w.call(['SELECT', '0']);
    await w.call(['XADD', 's', '3-1', 'f', 'v']);
    await a.reply();
  });

  t.scenario('two streams, one deleted: -UNBLOCKED; one fed and one deleted in one EXEC: served', async (s) => {
    const { a, w } = await blockedConsumer(s, ['s', 't']);
    await w.call(['DEL', 't']);
    await a.reply();
    await w.call(['XGROUP', 'CREATE', 't', 'g', '$', 'MKSTREAM']);
    a.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', 't', '>', '>']);
    await s.quiet();
    for (const argv of [['MULTI'], ['XADD', 's', '9-1', 'a', 'b'], ['DEL', 't'], ['EXEC']]) await w.call(argv);
    await a.reply();
  });

  t.scenario('RESP3 consumer; errors are counted in errorstats and failed_calls', async (s) => {
    const a = await s.client('consumer', { hello3: true });
    const w = await s.client('writer');
    await w.call(['CONFIG', 'RESETSTAT']);
    await w.call(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    a.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await s.quiet();
    await w.call(['DEL', 's']);
    await a.reply();
    await w.call(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    a.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await s.quiet();
    await w.call(['XGROUP', 'DESTROY', 's', 'g']);
    await a.reply();
    await w.call(['INFO', 'errorstats']);
    // usec differs: compare the xreadgroup line's counters only.
    const [r, c] = await Promise.all([w.redis.command(['INFO', 'commandstats']), w.cinder.command(['INFO', 'commandstats'])]);
    const counters = (b: Buffer) => /cmdstat_xreadgroup:calls=(\d+),.*rejected_calls=(\d+),failed_calls=(\d+)/.exec(b.latin1Slice())?.slice(1).join(',');
    if (counters(r) !== counters(c)) throw new Error(`xreadgroup counters: redis ${counters(r)}, cinder ${counters(c)}`);
  });
});

scenarioSuite('blocking: other waiters when their key goes away keep waiting', (t) => {
  for (const [name, block, feed] of [
    ['XREAD', ['XREAD', 'BLOCK', '0', 'STREAMS', 'k', '$'], ['XADD', 'k', '99-1', 'a', 'b']],
    ['BLPOP', ['BLPOP', 'k', '0'], ['RPUSH', 'k', 'z']],
    ['BZPOPMIN', ['BZPOPMIN', 'k', '0'], ['ZADD', 'k', '1', 'z']],
    ['BLMOVE', ['BLMOVE', 'k', 'dst', 'LEFT', 'RIGHT', '0'], ['RPUSH', 'k', 'z']],
  ] as Array<[string, string[], string[]]>) {
    t.scenario(`${name}: DEL, SET, FLUSHDB, FLUSHALL, SWAPDB, MULTI DEL + SET, expiry; then served`, async (s) => {
      const a = await s.client('waiter');
      const w = await s.client('writer');
      if (name === 'XREAD') await w.call(['XADD', 'k', '5-1', 'f', 'v']);
      a.send(block);
      await s.quiet();
      for (const argv of [
        ['DEL', 'k'],
        ['SET', 'k', 'x'],
        ['FLUSHDB'],
        ['SET', 'k', 'x'],
        ['FLUSHALL'],
        ['SELECT', '1'],
        ['SET', 'k', 'x'],
        ['SWAPDB', '0', '1'],
        ['SWAPDB', '0', '1'],
        ['SELECT', '0'],
        ['MULTI'],
        ['DEL', 'k'],
        ['SET', 'k', 'x'],
        ['EXEC'],
        ['PEXPIRE', 'k', '1'],
      ]) {
        await w.call(argv);
      }
      // Wait until active expiry removed the key on both servers (EXISTS would expire it lazily).
      for (let i = 0; i < 100; i++) {
        const [r, c] = await Promise.all([w.redis.command(['DBSIZE']), w.cinder.command(['DBSIZE'])]);
        if (r.latin1Slice() === ':0\r\n' && c.latin1Slice() === ':0\r\n') break;
        await s.sleep(20);
      }
      await s.quiet();
      await w.call(feed);
      await a.reply();
    });
  }
});
