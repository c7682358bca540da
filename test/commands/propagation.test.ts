/**
 * What writes propagate to replicas (and later the AOF), compared with a real Redis 7.0 replica
 * stream: the command path's recording, MULTI/EXEC wrapping, SELECT, scripts, expiry.
 */
import { propagationSuite } from '../helpers/propagation.js';

propagationSuite('propagation: the command path', (t) => {
  t.case('a plain write propagates as sent; reads and no-op writes do not', [
    ['SET', 'k', 'v'],
    ['GET', 'k'],
    ['DEL', 'nosuch'],
    ['APPEND', 'k', 'x'],
  ]);
  t.case('SET with a relative expiry propagates an absolute PXAT', [
    ['SET', 'k', 'v', 'EX', '100'],
    ['SET', 'k', 'v', 'PX', '100000', 'GET'],
    ['SET', 'k', 'v', 'KEEPTTL'],
  ]);
  t.case('MULTI/EXEC with several writes is wrapped; with one write it is not', [
    ['MULTI'],
    ['SET', 'a', '1'],
    ['INCR', 'a'],
    ['GET', 'a'],
    ['EXEC'],
    ['MULTI'],
    ['SET', 'b', '1'],
    ['GET', 'b'],
    ['EXEC'],
    ['MULTI'],
    ['GET', 'b'],
    ['EXEC'],
  ]);
  t.case('SELECT precedes effects in another database', [
    ['SET', 'a', '1'],
    ['SELECT', '3'],
    ['SET', 'a', '1'],
    ['SELECT', '0'],
    ['DEL', 'a'],
  ]);
  t.case('a script propagates its effects, wrapped when several', [
    ['EVAL', "redis.call('set', KEYS[1], 'x') return redis.call('incr', KEYS[2])", '2', 'a', 'n'],
    ['EVAL', "return redis.call('set', KEYS[1], 'y')", '1', 'a'],
    ['EVAL', "return redis.call('get', KEYS[1])", '1', 'a'],
    ['EVAL', "redis.call('select', 5) return redis.call('set', 'x', '1')", '0'],
  ]);
  t.case('PUBLISH and SPUBLISH reach replicas whether or not anybody listens', [
    ['PUBLISH', 'news', 'hello'],
    ['SPUBLISH', 'shard', 'hello'],
    ['MULTI'],
    ['SET', 'a', '1'],
    ['PUBLISH', 'news', 'in a transaction'],
    ['EXEC'],
  ]);
  t.case('a key found expired is propagated as DEL', [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['SET', 'k', 'v', 'PX', '1'],
    { sleep: 50 },
    ['GET', 'k'],
    ['SET', 'k2', 'v', 'PX', '1'],
    { sleep: 50 },
    ['SET', 'k2', 'new'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ]);
});

propagationSuite('propagation: expiry', (t) => {
  t.case(
    'keys removed by active expiry are propagated as DEL, one by one',
    [
      ['SET', 'a', '1', 'PX', '30'],
      ['SET', 'b', '1', 'PX', '30'],
      ['SET', 'c', '1', 'PX', '30'],
    ],
    // Random sampling decides the order.
    { settleMs: 600, unordered: true },
  );
  t.case(
    'active expiry in another database selects it',
    [
      ['SELECT', '2'],
      ['SET', 'd', '1', 'PX', '30'],
    ],
    { settleMs: 600 },
  );
});
