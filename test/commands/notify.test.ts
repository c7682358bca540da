/**
 * Keyspace notifications: the same commands against Redis and Cinder with notify-keyspace-events
 * set, while a client subscribed to every keyspace/keyevent channel records what is published.
 * The two event streams must be identical (order included).
 */
import assert from 'node:assert/strict';
import { scenarioSuite, type Scenario } from '../helpers/scenario.js';
import { randomPick, type Compare, type RawConnection } from '../helpers/differential.js';

/** Every frame received until the connection stays quiet for `quietMs`. */
async function drain(conn: RawConnection, quietMs = 80): Promise<string[]> {
  const frames: string[] = [];
  for (;;) {
    const frame = await conn.readReply(quietMs).then(
      (b) => b.latin1Slice(),
      () => null,
    );
    if (frame === null) return frames;
    frames.push(frame);
  }
}

/**
 * Runs `commands` with `flags` enabled and compares the published events. A command is an argv
 * (its reply compared exactly), an argv with its own comparison (random picks), or a pause in ms.
 */
async function compareEvents(s: Scenario, flags: string, commands: Array<string[] | number | { argv: string[]; compare: Compare }>, anyOrder = false): Promise<void> {
  const writer = await s.client('writer');
  const sub = await s.client('subscriber');
  await writer.call(['CONFIG', 'SET', 'notify-keyspace-events', flags]);
  try {
    await sub.call(['PSUBSCRIBE', '__key*__:*']);
    for (const cmd of commands) {
      // A number is a pause in ms (time for expiry to happen).
      if (typeof cmd === 'number') await s.sleep(cmd);
      else if (Array.isArray(cmd)) await writer.call(cmd);
      else await writer.call(cmd.argv, cmd.compare);
    }
    const [expected, actual] = await Promise.all([drain(sub.redis), drain(sub.cinder)]);
    if (anyOrder) {
      expected.sort();
      actual.sort();
    }
    assert.deepEqual(actual, expected);
    assert.ok(expected.length > 0 || commands.length === 0, 'the script published nothing: it would not catch a missing event');
  } finally {
    await writer.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
  }
}

scenarioSuite('keyspace notifications', (t) => {
  t.scenario('bitmaps and HyperLogLog: only real changes notify', async (s) => {
    await compareEvents(s, 'KEA', [
      ['SETBIT', 'b', '7', '1'],
      ['SETBIT', 'b', '7', '1'],
      ['SETBIT', 'b', '7', '0'],
      ['SETBIT', 'b', '100', '0'],
      ['BITFIELD', 'f', 'SET', 'u8', '0', '1'],
      ['BITFIELD', 'f', 'SET', 'u8', '0', '1', 'GET', 'u8', '0'],
      ['BITFIELD', 'g', 'OVERFLOW', 'FAIL', 'SET', 'u2', '0', '9'],
      ['SET', 'a', 'x'],
      ['BITOP', 'NOT', 'd', 'a'],
      ['BITOP', 'AND', 'd', 'nokey'],
      ['BITOP', 'AND', 'd', 'nokey'],
      ['PFADD', 'h', 'a'],
      ['PFADD', 'h', 'a'],
      ['PFCOUNT', 'h'],
      ['PFMERGE', 'm', 'h'],
      ['PFDEBUG', 'TODENSE', 'h'],
    ]);
  });
  t.scenario('strings and generic commands', async (s) => {
    await compareEvents(s, 'KEA', [
      ['SET', 'a', '1'],
      ['SET', 'b', 'x', 'EX', '100'],
      ['SET', 'b', 'y', 'NX'],
      ['SETNX', 'c', 'v'],
      ['SETEX', 'd', '10', 'v'],
      ['PSETEX', 'e', '10000', 'v'],
      ['GETSET', 'a', '2'],
      ['MSET', 'm1', '1', 'm2', '2'],
      ['MSETNX', 'n1', '1', 'n2', '2'],
      ['APPEND', 'a', 'zz'],
      ['APPEND', 'new', 'zz'],
      ['SETRANGE', 'a', '1', 'Q'],
      ['SETRANGE', 'sr', '2', 'Q'],
      ['SETRANGE', 'sr', '0', ''],
      ['INCR', 'i'],
      ['INCRBY', 'i', '5'],
      ['DECR', 'i'],
      ['DECRBY', 'i', '2'],
      ['INCRBYFLOAT', 'f', '1.5'],
      ['GETDEL', 'm1'],
      ['GETEX', 'm2', 'EX', '100'],
      ['GETEX', 'm2', 'PERSIST'],
      ['GETEX', 'm2', 'PXAT', '1'],
      ['EXPIRE', 'a', '100'],
      ['PEXPIRE', 'a', '100000'],
      ['EXPIREAT', 'a', '99999999999'],
      ['PERSIST', 'a'],
      ['EXPIRE', 'c', '-1'],
      ['RENAME', 'a', 'a2'],
      ['RENAMENX', 'a2', 'a3'],
      ['SET', 'x', 'v'],
      ['RENAME', 'a3', 'x'],
      ['COPY', 'x', 'xcopy'],
      ['COPY', 'x', 'xcopy', 'DB', '1'],
      ['MOVE', 'xcopy', '2'],
      ['DEL', 'x', 'nope', 'b'],
      ['UNLINK', 'd'],
      ['SET', 'x', 'v', 'KEEPTTL', 'GET'],
    ]);
  });

  t.scenario('lists, including pops that empty a key and moves', async (s) => {
    await compareEvents(s, 'KEA', [
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
      ['LPUSH', 'l', 'z'],
      ['LPUSHX', 'nope', 'x'],
      ['RPUSHX', 'l', 'f'],
      ['LPOP', 'l'],
      ['RPOP', 'l', '2'],
      ['LPOP', 'l', '0'],
      ['LSET', 'l', '0', 'A'],
      ['LINSERT', 'l', 'BEFORE', 'A', 'pre'],
      ['LINSERT', 'l', 'BEFORE', 'nope', 'pre'],
      ['LREM', 'l', '0', 'pre'],
      ['LREM', 'l', '0', 'nothing'],
      ['LTRIM', 'l', '0', '1'],
      ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'],
      ['RPOPLPUSH', 'l', 'l2'],
      ['LMOVE', 'l2', 'l2', 'LEFT', 'LEFT'],
      ['LMPOP', '2', 'none', 'l2', 'RIGHT', 'COUNT', '5'],
      ['RPUSH', 'b', '1', '2'],
      ['BLPOP', 'b', '0'],
      ['BLMOVE', 'b', 'b2', 'RIGHT', 'LEFT', '0'],
      ['BLMPOP', '0', '1', 'b2', 'LEFT'],
      ['RPUSH', 't', '1', '2', '3'],
      ['LTRIM', 't', '5', '10'],
      ['RPUSH', 'srt', '3', '1', '2'],
      ['SORT', 'srt', 'STORE', 'sorted'],
      ['SORT', 'nope', 'STORE', 'sorted'],
    ]);
  });

  t.scenario('hashes and sets', async (s) => {
    await compareEvents(
      s,
      'KEA',
      [
        ['HSET', 'h', 'a', '1', 'b', '2'],
        ['HMSET', 'h', 'c', '3'],
        ['HSETNX', 'h', 'a', 'x'],
        ['HSETNX', 'h', 'z', 'x'],
        ['HINCRBY', 'h', 'n', '2'],
        ['HINCRBYFLOAT', 'h', 'f', '2.5'],
        ['HDEL', 'h', 'a', 'nope'],
        ['HDEL', 'h', 'b', 'c', 'z', 'n', 'f'],
        ['SADD', 's', 'a', 'b', 'c', 'd'],
        ['SADD', 's', 'a'],
        ['SREM', 's', 'a', 'zz'],
        ['SMOVE', 's', 's2', 'b'],
        ['SMOVE', 's', 's2', 'nope'],
        ['SINTERSTORE', 'si', 's', 's'],
        ['SUNIONSTORE', 'su', 's', 's2'],
        ['SDIFFSTORE', 'sd', 's', 's2'],
        ['SINTERSTORE', 'si', 's', 'missing'],
        ['SDIFFSTORE', 'sd', 'missing'],
        // s2 holds only b; su one of b, c, d at random; s10 pops all of s (c and d) in any order.
        ['SPOP', 's2'],
        { argv: ['SPOP', 'su', '1'], compare: randomPick(['b', 'c', 'd'], { count: 1 }) },
        { argv: ['SPOP', 's', '10'], compare: 'unordered' },
        ['SADD', 'last', 'x'],
        ['SREM', 'last', 'x'],
        ['SADD', 'one', 'x'],
        ['SMOVE', 'one', 'other', 'x'],
      ],
    );
  });

  t.scenario('sorted sets', async (s) => {
    await compareEvents(s, 'KEA', [
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'],
      ['ZADD', 'z', 'NX', '9', 'a'],
      ['ZADD', 'z', 'XX', 'CH', '7', 'a'],
      ['ZADD', 'z', 'INCR', '1', 'a'],
      ['ZINCRBY', 'z', '1', 'b'],
      ['ZREM', 'z', 'c', 'nope'],
      ['ZREMRANGEBYRANK', 'z', '0', '0'],
      ['ZREMRANGEBYSCORE', 'z', '100', '200'],
      ['ZREMRANGEBYSCORE', 'z', '0', '4'],
      ['ZADD', 'lex', '0', 'a', '0', 'b', '0', 'c'],
      ['ZREMRANGEBYLEX', 'lex', '[a', '[b'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z', '5'],
      ['ZADD', 'u1', '1', 'x', '2', 'y'],
      ['ZADD', 'u2', '3', 'y'],
      ['ZUNIONSTORE', 'zu', '2', 'u1', 'u2'],
      ['ZINTERSTORE', 'zi', '2', 'u1', 'u2'],
      ['ZDIFFSTORE', 'zd', '2', 'u1', 'u2'],
      ['ZINTERSTORE', 'zi', '2', 'u1', 'missing'],
      ['ZRANGESTORE', 'zr', 'u1', '0', '-1'],
      ['ZRANGESTORE', 'zr', 'u1', '5', '10'],
      ['ZMPOP', '1', 'u1', 'MIN', 'COUNT', '5'],
      ['BZPOPMAX', 'u2', '0'],
      ['ZADD', 'bz', '1', 'a'],
      ['BZMPOP', '0', '1', 'bz', 'MAX'],
    ]);
  });

  t.scenario('geo sets', async (s) => {
    await compareEvents(s, 'KEA', [
      ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
      ['GEOADD', 'g', 'NX', '13.361389', '38.115556', 'Palermo'],
      ['GEOADD', 'g', 'XX', 'CH', '13', '38', 'Palermo'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km'],
      ['GEORADIUS', 'g', '15', '37', '500', 'km', 'STORE', 'gs'],
      ['GEORADIUSBYMEMBER', 'g', 'Palermo', '500', 'km', 'STOREDIST', 'gd'],
      ['GEOSEARCHSTORE', 'gs2', 'g', 'FROMLONLAT', '15', '37', 'BYBOX', '900', '900', 'km'],
      ['GEOSEARCHSTORE', 'gs2', 'g', 'FROMLONLAT', '100', '37', 'BYBOX', '1', '1', 'km'],
      ['GEORADIUS', 'missing', '15', '37', '500', 'km', 'STORE', 'gs'],
    ]);
  });

  t.scenario('expired events from lazy and active expiry, and class filters', async (s) => {
    await compareEvents(s, 'Ex', [
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ['SET', 'lazy', 'v', 'PX', '30'],
      ['SET', 'active', 'v', 'PX', '30'],
      ['RPUSH', 'filtered', 'v'],
      100,
      ['GET', 'lazy'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
      400,
      ['PING'],
      // Which of the two keys Redis expires first varies from run to run.
    ], true);
  });

  t.scenario('only keyspace channels, only some classes, and new-key events', async (s) => {
    await compareEvents(s, 'Kl', [['RPUSH', 'l', 'a'], ['SET', 'str', 'v'], ['LPOP', 'l'], ['HSET', 'h', 'f', 'v']]);
    await compareEvents(s, 'En$', [['SET', 'n1', 'v'], ['SET', 'n1', 'w'], ['RPUSH', 'nl', 'x'], ['INCR', 'n2']]);
  });

  t.scenario('keymiss events from reads of missing keys', async (s) => {
    await compareEvents(s, 'Em', [
      ['GET', 'nope'],
      ['SET', 'x', 'v'],
      ['GET', 'x'],
      ['MGET', 'a', 'x', 'b'],
      ['EXISTS', 'nope'],
      ['TYPE', 'nope'],
      ['TTL', 'nope'],
      ['STRLEN', 'nope'],
      ['LRANGE', 'nope', '0', '-1'],
      ['LLEN', 'nope'],
      ['HGET', 'nope', 'f'],
      ['HGETALL', 'nope'],
      ['SMEMBERS', 'nope'],
      ['SISMEMBER', 'nope', 'm'],
      ['ZSCORE', 'nope', 'm'],
      ['ZRANGE', 'nope', '0', '-1'],
      ['GETRANGE', 'nope', '0', '1'],
      ['OBJECT', 'ENCODING', 'nope'],
    ]);
  });

  t.scenario('CONFIG GET spells the classes as Redis does', async (s) => {
    const c = await s.client('config');
    for (const flags of ['KEA', 'AKE', 'Egx', 'gxE', 'KA', 'lshzxetd$gKE', 'Em', '']) {
      await c.call(['CONFIG', 'SET', 'notify-keyspace-events', flags]);
      await c.call(['CONFIG', 'GET', 'notify-keyspace-events']);
    }
    await c.call(['CONFIG', 'SET', 'notify-keyspace-events', 'Q']);
  });

  // Redis 7.0: A does not include n, and CONFIG GET leaves n out whenever it shows A (AKEn -> AKE),
  // yet n stays active.
  t.scenario('CONFIG GET with n next to A and other combinations', async (s) => {
    const c = await s.client('config');
    const combos = ['KEAn', 'AKEn', 'nA', 'An', 'n', 'KEn', 'nKE', 'Agn', 'Ag$lshzxetdn', 'Ag$lshzxetd', 'g$lshzxetdKE', 'Kmn', 'AKEmn', 'mnAKE', 'KA', 'E', 'K', 'nm', 'AAnn', 'KEAn'];
    for (const flags of combos) {
      await c.call(['CONFIG', 'SET', 'notify-keyspace-events', flags]);
      await c.call(['CONFIG', 'GET', 'notify-keyspace-events']);
      await c.call(['CONFIG', 'GET', 'notify-keyspace-*']);
    }
    await c.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    await c.call(['CONFIG', 'GET', 'notify-keyspace-events']);
  });

  t.scenario('new-key events arrive with A plus n', async (s) => {
    const cmds = [['SET', 'n1', 'v'], ['SET', 'n1', 'w'], ['RPUSH', 'nl', 'x'], ['HSET', 'nh', 'f', 'v'], ['DEL', 'n1'], ['SET', 'n1', 'v']];
    await compareEvents(s, 'KEAn', cmds);
    await compareEvents(s, 'AEn', cmds);
    await compareEvents(s, 'nKA', cmds);
  });

  t.scenario('going from KEAn to KEA turns new-key events off', async (s) => {
    const writer = await s.client('writer');
    // compareEvents sets the flags itself; set KEAn first so the KEA step is a real change.
    await writer.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEAn']);
    await compareEvents(s, 'KEA', [['SET', 'off1', 'v'], ['RPUSH', 'off2', 'x']]);
    await writer.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
    await compareEvents(s, 'KEAn', [['SET', 'on1', 'v'], ['RPUSH', 'on2', 'x']]);
  });
});
