import { diffSuite, randomPick } from '../helpers/differential.js';
import { scenarioSuite } from '../helpers/scenario.js';

diffSuite('transactions: MULTI, EXEC, DISCARD', (t) => {
  t.case('queued commands run at EXEC, with their replies in one array', [
    ['MULTI'],
    ['SET', 'a', '1'],
    ['INCR', 'a'],
    ['GET', 'a'],
    ['RPUSH', 'l', 'x', 'y'],
    ['EXEC'],
    ['GET', 'a'],
  ]);
  t.case('an empty transaction', [['MULTI'], ['EXEC']]);
  t.case('runtime errors are returned per command and the others still run', [
    ['SET', 's', 'x'],
    ['MULTI'],
    ['LPUSH', 's', 'y'],
    ['INCR', 's'],
    ['SET', 's', 'z'],
    ['GET', 's'],
    ['EXEC'],
  ]);
  t.case('an unknown command while queuing aborts EXEC', [
    ['MULTI'],
    ['SET', 'a', '1'],
    ['NOSUCHCOMMAND', 'x'],
    ['SET', 'b', '2'],
    ['EXEC'],
    ['EXISTS', 'a', 'b'],
  ]);
  t.case('a wrong arity while queuing aborts EXEC', [['MULTI'], ['SET', 'a'], ['SET', 'b', '2'], ['EXEC'], ['EXISTS', 'b']]);
  t.case('an unknown subcommand while queuing aborts EXEC', [['MULTI'], ['CONFIG', 'NOPE'], ['EXEC']]);
  t.case('nested MULTI is an error that does not abort', [['MULTI'], ['MULTI'], ['SET', 'a', '1'], ['EXEC'], ['GET', 'a']]);
  t.case('EXEC and DISCARD without MULTI', [['EXEC'], ['DISCARD'], ['MULTI'], ['DISCARD'], ['DISCARD'], ['EXEC']]);
  t.case('DISCARD drops the queue', [['MULTI'], ['SET', 'a', '1'], ['DISCARD'], ['GET', 'a'], ['MULTI'], ['SET', 'a', '2'], ['EXEC'], ['GET', 'a']]);
  t.case('RESET leaves the transaction', [['MULTI'], ['SET', 'a', '1'], ['RESET'], ['EXEC'], ['GET', 'a']]);
  t.case('blocking commands inside MULTI answer as their non-blocking forms', [
    ['MULTI'],
    ['BLPOP', 'empty', '0'],
    ['BRPOP', 'empty', '1'],
    ['BLMOVE', 'empty', 'dst', 'LEFT', 'LEFT', '0'],
    ['BRPOPLPUSH', 'empty', 'dst', '0'],
    ['BLMPOP', '0', '1', 'empty', 'LEFT'],
    ['BZPOPMIN', 'empty', '0'],
    ['BZMPOP', '0', '1', 'empty', 'MAX'],
    ['RPUSH', 'full', 'v'],
    ['BLPOP', 'full', '0'],
    ['EXEC'],
  ]);
  t.case('SELECT inside a transaction', [['MULTI'], ['SELECT', '2'], ['SET', 'a', 'db2'], ['EXEC'], ['GET', 'a'], ['SELECT', '0'], ['GET', 'a']]);
  t.case('COMMAND INFO of the transaction commands', [['COMMAND', 'INFO', 'multi', 'exec', 'discard']]);
});

scenarioSuite('transactions: waking blocked clients', (t) => {
  t.scenario('a push inside MULTI wakes waiters only after EXEC, with what is left', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('transaction');
    a.send(['BLPOP', 'k', '0']);
    await s.quiet();
    await b.call(['MULTI']);
    await b.call(['RPUSH', 'k', 'first']);
    await b.call(['LPOP', 'k']);
    await b.call(['RPUSH', 'k', 'second', 'third']);
    await s.quiet();
    await b.call(['EXEC']);
    await a.reply();
    await b.call(['LRANGE', 'k', '0', '-1']);
  });

  t.scenario('a transaction that pushes and pops everything wakes nobody', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('transaction');
    a.send(['BLPOP', 'k', '0']);
    await s.quiet();
    await b.call(['MULTI']);
    await b.call(['RPUSH', 'k', 'x']);
    await b.call(['DEL', 'k']);
    await b.call(['EXEC']);
    await s.quiet();
    await b.call(['RPUSH', 'k', 'later']);
    await a.reply();
  });
});

diffSuite('transactions: WATCH and UNWATCH on one connection', (t) => {
  t.case('WATCH then an unchanged key: EXEC runs', [['SET', 'k', '1'], ['WATCH', 'k', 'other'], ['MULTI'], ['INCR', 'k'], ['EXEC'], ['GET', 'k']]);
  t.case('a change by the same client before MULTI aborts EXEC', [['WATCH', 'k'], ['SET', 'k', 'x'], ['MULTI'], ['GET', 'k'], ['EXEC'], ['EXEC']]);
  t.case('UNWATCH forgets the change', [['WATCH', 'k'], ['SET', 'k', 'x'], ['UNWATCH'], ['MULTI'], ['GET', 'k'], ['EXEC']]);
  t.case('WATCH inside MULTI is an error that does not abort', [['MULTI'], ['WATCH', 'k'], ['SET', 'k', '1'], ['EXEC'], ['GET', 'k']]);
  t.case('WATCH arity and COMMAND INFO', [['WATCH'], ['UNWATCH', 'x'], ['COMMAND', 'INFO', 'watch', 'unwatch'], ['COMMAND', 'GETKEYS', 'WATCH', 'a', 'b']]);
  t.case('no-op writes do not touch a watched key', [
    ['SADD', 's', 'a'],
    ['HSET', 'h', 'f', 'v'],
    ['ZADD', 'z', '1', 'm'],
    ['RPUSH', 'l', 'x'],
    ['SET', 'str', 'v'],
    ['WATCH', 's', 'h', 'z', 'l', 'str', 'missing'],
    ['SADD', 's', 'a'],
    ['SREM', 's', 'nope'],
    ['HSETNX', 'h', 'f', 'other'],
    ['HDEL', 'h', 'nope'],
    ['ZADD', 'z', 'NX', '5', 'm'],
    ['ZADD', 'z', 'XX', '1', 'm'],
    ['ZREM', 'z', 'nope'],
    ['LREM', 'l', '0', 'nope'],
    ['LPOP', 'l', '0'],
    ['SET', 'str', 'w', 'NX'],
    ['DEL', 'missing'],
    ['EXPIRE', 'missing', '10'],
    ['PERSIST', 'str'],
    ['RENAME', 'str', 'str'],
    ['MULTI'],
    ['PING'],
    ['EXEC'],
  ]);
  t.case('FLUSHDB touches watched keys that exist, not missing ones', [
    ['WATCH', 'missing'],
    ['FLUSHDB'],
    ['MULTI'],
    ['PING'],
    ['EXEC'],
    ['SET', 'k', '1'],
    ['WATCH', 'k'],
    ['FLUSHALL'],
    ['MULTI'],
    ['PING'],
    ['EXEC'],
  ]);
  t.case('a watched key that expires makes EXEC fail', [
    ['SET', 'k', '1', 'PX', '30'],
    ['WATCH', 'k'],
    { sleep: 60 },
    ['MULTI'],
    ['PING'],
    ['EXEC'],
  ]);
  t.case('a key already expired when watched does not count when it is then deleted', [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['SET', 'k', '1', 'PX', '10'],
    { sleep: 30 },
    ['WATCH', 'k'],
    ['EXISTS', 'k'],
    ['MULTI'],
    ['PING'],
    ['EXEC'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ]);
});

/** Write commands another client runs between WATCH and EXEC, each on the watched keys' types. */
const TOUCHING_WRITES: string[][] = [
  ['SET', 'str', 'new'],
  ['APPEND', 'str', 'more'],
  ['SETRANGE', 'str', '1', 'zz'],
  ['INCR', 'num'],
  ['INCRBYFLOAT', 'num', '1.5'],
  ['EXPIRE', 'str', '100'],
  ['PERSIST', 'vol'],
  ['DEL', 'str'],
  ['RENAME', 'str', 'moved'],
  ['HSET', 'h', 'f', 'changed'],
  ['HINCRBY', 'h', 'n', '1'],
  ['HDEL', 'h', 'f'],
  ['RPUSH', 'l', 'x'],
  ['LPOP', 'l'],
  ['LSET', 'l', '0', 'y'],
  ['LTRIM', 'l', '0', '100'],
  ['LINSERT', 'l', 'BEFORE', 'a', 'b'],
  ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'],
  ['SADD', 's', 'new'],
  ['SREM', 's', 'a'],
  ['SPOP', 's'],
  ['SMOVE', 's', 's2', 'a'],
  ['ZADD', 'z', '5', 'new'],
  ['ZINCRBY', 'z', '1', 'a'],
  ['ZREM', 'z', 'a'],
  ['ZPOPMIN', 'z'],
  ['ZREMRANGEBYRANK', 'z', '0', '0'],
  ['SINTERSTORE', 'dst', 's', 's'],
  ['SORT', 'l', 'ALPHA', 'STORE', 'dst'],
  ['COPY', 's', 'dst', 'REPLACE'],
];

scenarioSuite('transactions: WATCH across clients', (t) => {
  t.scenario('every kind of write by another client aborts the watcher\'s EXEC; reads do not', async (s) => {
    const a = await s.client('watcher');
    const b = await s.client('writer');
    const setup: string[][] = [
      ['SET', 'str', 'abc'],
      ['SET', 'num', '10'],
      ['SET', 'vol', 'v', 'EX', '100'],
      ['HSET', 'h', 'f', 'v', 'n', '1'],
      ['RPUSH', 'l', 'a', 'b', 'c'],
      ['SADD', 's', 'a', 'b', 'c'],
      ['ZADD', 'z', '1', 'a', '2', 'b'],
      ['SET', 'dst', 'x'],
    ];
    const watched = ['str', 'num', 'vol', 'h', 'l', 's', 'z', 'dst', 'l2', 's2', 'moved'];
    for (const write of TOUCHING_WRITES) {
      await b.call(['FLUSHALL']);
      for (const cmd of setup) await b.call(cmd);
      await a.call(['WATCH', ...watched]);
      await b.call(['GET', 'str']);
      await b.call(['LRANGE', 'l', '0', '-1']);
      // SPOP picks one of s's members at random.
      await b.call(write, write[0] === 'SPOP' ? randomPick(['a', 'b', 'c']) : 'exact');
      await a.call(['MULTI']);
      await a.call(['PING']);
      await a.call(['EXEC']);
    }
  });

  t.scenario('a blocked pop served from a watched list aborts EXEC', async (s) => {
    const a = await s.client('watcher');
    const b = await s.client('blocked popper');
    const p = await s.client('pusher');
    b.send(['BLPOP', 'q', '0']);
    await s.quiet();
    await p.call(['RPUSH', 'q', '1', '2']);
    await b.reply();
    await a.call(['WATCH', 'q']);
    b.send(['BLPOP', 'q', '0']);
    await b.reply();
    await a.call(['MULTI']);
    await a.call(['PING']);
    await a.call(['EXEC']);
  });

  t.scenario('SWAPDB touches keys watched in either database', async (s) => {
    const a = await s.client('watcher');
    const b = await s.client('writer');
    await b.call(['SELECT', '1']);
    await b.call(['SET', 'k', 'in-db1']);
    await a.call(['WATCH', 'k']);
    await b.call(['SWAPDB', '0', '1']);
    await a.call(['MULTI']);
    await a.call(['GET', 'k']);
    await a.call(['EXEC']);
  });
});
