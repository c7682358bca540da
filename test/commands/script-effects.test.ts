import { scenarioSuite } from '../helpers/scenario.js';

/**
 * What a script's writes do to other clients, against real Redis: WATCH, blocked clients (lists,
 * sorted sets, streams) and keyspace notifications. Scripts run atomically: waiters wake only after
 * the whole script, with what is left.
 */
scenarioSuite('scripts: effects on other clients', (t) => {
  t.scenario("a script's write invalidates another client's WATCH", async (s) => {
    const a = await s.client('watcher');
    const b = await s.client('scripter');
    await a.call(['SET', 'k', '1']);
    await a.call(['WATCH', 'k']);
    await b.call(['EVAL', "return redis.call('incr', KEYS[1])", '1', 'k']);
    await a.call(['MULTI']);
    await a.call(['SET', 'k', 'mine']);
    await a.call(['EXEC']);
    await a.call(['GET', 'k']);
  });

  t.scenario('a read-only script leaves a WATCH alone', async (s) => {
    const a = await s.client('watcher');
    const b = await s.client('scripter');
    await a.call(['SET', 'k', '1']);
    await a.call(['WATCH', 'k']);
    await b.call(['EVAL', "return redis.call('get', KEYS[1])", '1', 'k']);
    await b.call(['EVAL', "return redis.call('set', KEYS[1], '1', 'XX', 'GET')", '1', 'other']);
    await a.call(['MULTI']);
    await a.call(['SET', 'k', 'mine']);
    await a.call(['EXEC']);
  });

  t.scenario('a script that pushes wakes a blocked BLPOP after it ends, with what is left', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('scripter');
    a.send(['BLPOP', 'q', '0']);
    await s.quiet();
    await b.call(['EVAL', "redis.call('rpush', KEYS[1], 'a', 'b') redis.call('lpop', KEYS[1]) return redis.call('llen', KEYS[1])", '1', 'q']);
    await a.reply();
    await b.call(['LLEN', 'q']);
  });

  t.scenario('a script that pushes and removes everything wakes nobody', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('scripter');
    a.send(['BLPOP', 'q', '0']);
    await s.quiet();
    await b.call(['EVAL', "redis.call('rpush', KEYS[1], 'a') redis.call('del', KEYS[1]) return 1", '1', 'q']);
    await s.quiet();
    await b.call(['RPUSH', 'q', 'later']);
    await a.reply();
  });

  t.scenario('a script that adds to a sorted set wakes BZPOPMIN', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('scripter');
    a.send(['BZPOPMIN', 'z', '0']);
    await s.quiet();
    await b.call(['EVAL', "return redis.call('zadd', KEYS[1], 2, 'two', 1, 'one')", '1', 'z']);
    await a.reply();
    await b.call(['ZRANGE', 'z', '0', '-1', 'WITHSCORES']);
  });

  t.scenario('XADD inside a script wakes XREAD BLOCK and XREADGROUP BLOCK', async (s) => {
    const a = await s.client('reader');
    const g = await s.client('group reader');
    const b = await s.client('scripter');
    await b.call(['XGROUP', 'CREATE', 'st', 'grp', '$', 'MKSTREAM']);
    a.send(['XREAD', 'BLOCK', '0', 'STREAMS', 'st', '$']);
    g.send(['XREADGROUP', 'GROUP', 'grp', 'c1', 'BLOCK', '0', 'STREAMS', 'st', '>']);
    await s.quiet();
    await b.call(['EVAL', "redis.call('xadd', KEYS[1], '5-1', 'f', 'v') return redis.call('xadd', KEYS[1], '5-2', 'f', 'w')", '1', 'st']);
    await a.reply();
    await g.reply();
  });

  t.scenario('keyspace notifications from inside a script arrive in order', async (s) => {
    const sub = await s.client('subscriber');
    const b = await s.client('scripter');
    await b.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
    await sub.call(['PSUBSCRIBE', '__key*__:*']);
    await b.call(['EVAL', "redis.call('set', KEYS[1], '1') redis.call('incr', KEYS[1]) redis.call('expire', KEYS[1], 100) return redis.call('del', KEYS[1])", '1', 'n']);
    for (let i = 0; i < 8; i++) await sub.reply();
    await b.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
  });

  t.scenario('PUBLISH from a script reaches subscribers', async (s) => {
    const sub = await s.client('subscriber');
    const b = await s.client('scripter');
    await sub.call(['SUBSCRIBE', 'ch']);
    await b.call(['EVAL', "return redis.call('publish', 'ch', ARGV[1])", '0', 'hello']);
    await sub.reply();
  });
});
