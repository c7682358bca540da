/**
 * Helpers for replication tests against real redis-server: a dataset of every type and encoding,
 * a fingerprint of everything observable about a dataset, and waits on INFO replication.
 */

export { cmd, text, fingerprint } from './fingerprint.js';

// INFO as a map, polling, and waiting for a replica to catch up: shared with the master side's tests.
export { info, until as waitFor, caughtUp as waitInSync } from './replication.js';

/** Commands that build every type on both sides of its encoding boundaries, in several databases. */
export function populate(): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  const long = 'x'.repeat(100);
  out.push(['SELECT', 0]);
  out.push(['SET', 'str:int', 12345], ['SET', 'str:neg', -7], ['SET', 'str:big', '123456789012345'], ['SET', 'str:text', 'hello']);
  out.push(['SET', 'str:long', long], ['SET', 'str:bin', '\x00\x01\xff\r\n'], ['SET', 'str:ttl', 'v', 'PXAT', 4102444800123]);
  out.push(['RPUSH', 'list:small', 'a', 'b', 1, 2]);
  out.push(['RPUSH', 'list:big', ...Array.from({ length: 300 }, (_, i) => `e${i}`)], ['RPUSH', 'list:huge-elem', 'a'.repeat(9000), 'b']);
  out.push(['SADD', 'set:int', 1, 2, 3, -100000], ['SADD', 'set:str', 'a', 'b', 'c']);
  out.push(['SADD', 'set:bigint', ...Array.from({ length: 600 }, (_, i) => i)]);
  out.push(['HSET', 'hash:small', 'f1', 'v1', 'f2', 2], ['HSET', 'hash:longval', 'f', long]);
  out.push(['HSET', 'hash:big', ...Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`]).flat()]);
  out.push(['ZADD', 'zset:small', 1, 'a', 2.5, 'b', -3, 'c'], ['ZADD', 'zset:long', 1, long]);
  out.push(['ZADD', 'zset:big', ...Array.from({ length: 200 }, (_, i) => [i / 3, `m${i}`]).flat()]);
  out.push(['PFADD', 'hll', 'a', 'b', 'c']);
  out.push(['SELECT', 3]);
  out.push(['XADD', 's', '1-1', 'a', 1], ['XADD', 's', '1-2', 'a', 2, 'b', 3], ['XADD', 's', '2-0', 'c', 'x']);
  out.push(['XDEL', 's', '1-2'], ['XGROUP', 'CREATE', 's', 'g1', '0'], ['XGROUP', 'CREATE', 's', 'g2', '$']);
  out.push(['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', 1, 'STREAMS', 's', '>']);
  out.push(['XGROUP', 'CREATECONSUMER', 's', 'g1', 'bob']);
  out.push(['SET', 'ttl3', 'v', 'PXAT', 4102444800999]);
  out.push(['SELECT', 9], ['SET', 'only-in-9', 'yes']);
  out.push(['FUNCTION', 'LOAD', "#!lua name=lib1\nredis.register_function('f1', function(keys) return redis.call('INCR', keys[1]) end)"]);
  out.push(['SELECT', 0]);
  return out;
}

