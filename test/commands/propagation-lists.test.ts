/**
 * What the list commands and the blocking pops propagate to replicas, compared with a real
 * Redis 7.0 replica stream: the plain writes as sent, LMPOP and the blocking forms as their
 * non-blocking equivalents, served waiters after the write that woke them.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { propagationSuite, type PropagationContext, type PropagationScenario } from '../helpers/propagation.js';
import type { PairedClient } from '../helpers/scenario.js';
import type { CommandSpec } from '../../src/server/command-spec.js';
import { LIST_COMMANDS } from '../../src/commands/list.js';
import { BLOCKING_COMMANDS } from '../../src/commands/blocking.js';

/** Every write command of `specs` is named in the first step of some case of the suite. */
function everyWriteHasACase(t: PropagationContext, specs: CommandSpec[]): void {
  it('every write command of the group has a case', () => {
    const writes = specs.filter((s) => s.flags.includes('write') || s.flags.includes('may_replicate')).map((s) => s.name);
    assert.deepEqual(writes.filter((name) => !t.exercised.has(name)), []);
  });
}

/** Waits until both servers count `n` blocked clients (a waiter is in place before the write). */
async function blockedClients(s: PropagationScenario, observer: PairedClient, n: number): Promise<void> {
  const field = (b: Buffer) => Number(/blocked_clients:(\d+)/.exec(b.latin1Slice())?.[1]);
  for (let i = 0; i < 500; i++) {
    const [r, c] = await Promise.all([observer.redis.command(['INFO', 'clients']), observer.cinder.command(['INFO', 'clients'])]);
    if (field(r) === n && field(c) === n) return;
    await s.sleep(5);
  }
  assert.fail(`blocked_clients never reached ${n} on both servers`);
}

propagationSuite('propagation: lists', (t) => {
  t.case('LPUSH and RPUSH propagate as sent; a failing push propagates nothing', [
    ['LPUSH', 'l', 'a', 'b', 'c'],
    ['RPUSH', 'l', 'd'],
    ['rpush', 'l', 'e', 'f'],
    ['SET', 's', 'x'],
    ['LPUSH', 's', 'a'],
    ['RPUSH', 's', 'a'],
  ]);
  t.case('LPUSHX and RPUSHX propagate when the list exists, nothing otherwise', [
    ['LPUSHX', 'l', 'a'],
    ['RPUSHX', 'l', 'a', 'b'],
    ['RPUSH', 'l', 'x'],
    ['LPUSHX', 'l', 'a', 'b'],
    ['RPUSHX', 'l', 'c'],
  ]);
  t.case('LPOP and RPOP without a count propagate as sent; on a missing key nothing', [
    ['RPUSH', 'l', 'a', 'b', 'c'],
    ['LPOP', 'l'],
    ['RPOP', 'l'],
    ['LPOP', 'l'],
    ['LPOP', 'l'],
    ['RPOP', 'nosuch'],
  ]);
  t.case('LPOP and RPOP with a count', [
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
    ['LPOP', 'l', '2'],
    ['RPOP', 'l', '1'],
    ['LPOP', 'l', '0'],
    ['RPOP', 'l', '10'],
    ['LPOP', 'l', '3'],
    ['LPOP', 'l', '-1'],
  ]);
  t.case('LINSERT propagates when the pivot is found', [
    ['RPUSH', 'l', 'a', 'c'],
    ['LINSERT', 'l', 'BEFORE', 'c', 'b'],
    ['LINSERT', 'l', 'after', 'c', 'd'],
    ['LINSERT', 'l', 'BEFORE', 'zz', 'x'],
    ['LINSERT', 'nosuch', 'BEFORE', 'a', 'x'],
    ['LINSERT', 'l', 'MIDDLE', 'a', 'x'],
  ]);
  t.case('LSET propagates as sent; its errors propagate nothing', [
    ['RPUSH', 'l', 'a', 'b'],
    ['LSET', 'l', '0', 'x'],
    ['LSET', 'l', '-1', 'y'],
    ['LSET', 'l', '5', 'z'],
    ['LSET', 'nosuch', '0', 'z'],
  ]);
  t.case('LREM propagates when it removes something', [
    ['RPUSH', 'l', 'a', 'b', 'a', 'c', 'a'],
    ['LREM', 'l', '1', 'a'],
    ['LREM', 'l', '-1', 'a'],
    ['LREM', 'l', '0', 'zz'],
    ['LREM', 'nosuch', '0', 'a'],
    ['LREM', 'l', '0', 'a'],
    ['LREM', 'l', '0', 'b'],
    ['LREM', 'l', '0', 'c'],
    ['EXISTS', 'l'],
  ]);
  t.case('LTRIM propagates when it removes something, nothing when it keeps all', [
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
    ['LTRIM', 'l', '0', '-1'],
    ['LTRIM', 'l', '1', '-2'],
    ['LTRIM', 'nosuch', '0', '1'],
    ['LTRIM', 'l', '5', '10'],
    ['EXISTS', 'l'],
  ]);
  t.case('LMOVE propagates as sent (argument case kept); same-key rotation too', [
    ['RPUSH', 'src', 'a', 'b', 'c'],
    ['LMOVE', 'src', 'dst', 'LEFT', 'RIGHT'],
    ['LMOVE', 'src', 'dst', 'right', 'left'],
    ['LMOVE', 'dst', 'dst', 'LEFT', 'RIGHT'],
    ['LMOVE', 'src', 'dst', 'LEFT', 'LEFT'],
    ['LMOVE', 'src', 'dst', 'LEFT', 'LEFT'],
    ['SET', 's', 'x'],
    ['LMOVE', 'dst', 's', 'LEFT', 'LEFT'],
  ]);
  t.case('RPOPLPUSH propagates as sent', [
    ['RPUSH', 'src', 'a', 'b'],
    ['RPOPLPUSH', 'src', 'dst'],
    ['RPOPLPUSH', 'dst', 'dst'],
    ['RPOPLPUSH', 'src', 'dst'],
    ['RPOPLPUSH', 'src', 'dst'],
  ]);
  t.case('LMPOP propagates as LPOP/RPOP with the number popped', [
    ['RPUSH', 'b', '1', '2', '3', '4', '5'],
    ['LMPOP', '2', 'a', 'b', 'LEFT'],
    ['LMPOP', '2', 'a', 'b', 'right', 'COUNT', '2'],
    ['LMPOP', '1', 'b', 'LEFT', 'COUNT', '10'],
    ['LMPOP', '2', 'a', 'b', 'LEFT'],
    ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '0'],
  ]);
  t.case('list writes inside MULTI are wrapped; LMPOP rewritten inside', [
    ['MULTI'],
    ['RPUSH', 'l', 'a', 'b', 'c'],
    ['LMPOP', '1', 'l', 'RIGHT', 'COUNT', '2'],
    ['LPOP', 'nosuch'],
    ['EXEC'],
  ]);
  t.case('list writes in a script are wrapped', [
    ['EVAL', "redis.call('rpush', KEYS[1], 'a', 'b', 'c') return redis.call('lmpop', 1, KEYS[1], 'LEFT', 'COUNT', 5)", '1', 'l'],
    ['RPUSH', 'l', 'x'],
    ['EVAL', "return redis.call('blmpop', 0, 1, KEYS[1], 'LEFT')", '1', 'l'],
  ]);
  t.case('list writes in another database select it', [
    ['SELECT', '4'],
    ['RPUSH', 'l', 'a', 'b'],
    ['LPOP', 'l'],
    ['SELECT', '0'],
    ['RPUSH', 'l', 'c'],
  ]);
  t.case('LPUSH, LPOP and LMOVE on a key found expired propagate DEL first, wrapped', [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    // A key of any type found expired is missing to the list command.
    ['SET', 'l', 'v', 'PX', '1'],
    ['SET', 'm', 'v', 'PX', '1'],
    ['SET', 'n', 'v', 'PX', '1'],
    { sleep: 50 },
    ['LPUSH', 'l', 'b'],
    ['LPOP', 'm'],
    ['RPUSH', 'src', 'x'],
    ['LMOVE', 'src', 'n', 'LEFT', 'LEFT'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ]);
  everyWriteHasACase(t, LIST_COMMANDS);
});

propagationSuite('propagation: blocking pops answered at once', (t) => {
  t.case('BLPOP and BRPOP with an element propagate as LPOP/RPOP', [
    ['RPUSH', 'l2', 'a', 'b', 'c'],
    ['BLPOP', 'l1', 'l2', '0'],
    ['BRPOP', 'l1', 'l2', '1'],
    ['brpop', 'l2', '0'],
  ]);
  t.case('BLMOVE and BRPOPLPUSH with an element propagate as LMOVE/RPOPLPUSH', [
    ['RPUSH', 'src', 'a', 'b', 'c'],
    ['BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0'],
    ['BLMOVE', 'src', 'dst', 'right', 'left', '1'],
    ['BRPOPLPUSH', 'src', 'dst', '0'],
    ['BLMOVE', 'dst', 'dst', 'LEFT', 'RIGHT', '0'],
  ]);
  t.case('BLMPOP with elements propagates as LPOP/RPOP with the number popped', [
    ['RPUSH', 'b', '1', '2', '3', '4'],
    ['BLMPOP', '0', '2', 'a', 'b', 'LEFT'],
    ['BLMPOP', '0', '2', 'a', 'b', 'RIGHT', 'COUNT', '2'],
    ['BLMPOP', '1', '1', 'b', 'left', 'count', '10'],
  ]);
  t.case('BZPOPMIN, BZPOPMAX and BZMPOP with members propagate as ZPOPMIN/ZPOPMAX', [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'],
    ['BZPOPMIN', 'y', 'z', '0'],
    ['BZPOPMAX', 'z', '0'],
    ['BZMPOP', '0', '2', 'y', 'z', 'MIN'],
    ['BZMPOP', '0', '1', 'z', 'max', 'COUNT', '10'],
  ]);
  t.case('blocking pops with nothing to take in MULTI answer null and propagate nothing', [
    ['MULTI'],
    ['BLPOP', 'l', '0'],
    ['BLMOVE', 'l', 'd', 'LEFT', 'LEFT', '0'],
    ['BLMPOP', '0', '1', 'l', 'LEFT'],
    ['BZPOPMIN', 'z', '0'],
    ['EXEC'],
  ]);
  t.case('blocking pops with elements in MULTI propagate their non-blocking forms, wrapped', [
    ['RPUSH', 'l', 'a', 'b', 'c', 'd'],
    ['ZADD', 'z', '1', 'a', '2', 'b'],
    ['MULTI'],
    ['BLPOP', 'l', '0'],
    ['BRPOPLPUSH', 'l', 'd', '0'],
    ['BLMPOP', '0', '1', 'l', 'RIGHT', 'COUNT', '5'],
    ['BZPOPMAX', 'z', '0'],
    ['EXEC'],
  ]);
  t.case('a blocking pop on the wrong type propagates nothing', [
    ['SET', 's', 'x'],
    ['BLPOP', 's', '0'],
    ['RPUSH', 'l', 'v'],
    ['BLMOVE', 'l', 's', 'LEFT', 'LEFT', '0'],
    ['BZPOPMIN', 'l', '0'],
  ]);
  t.case('a blocking pop that finds its key expired propagates the DEL, then blocks', [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['SET', 'l', 'v', 'PX', '1'],
    ['SET', 'z', 'v', 'PX', '1'],
    ['SET', 'd', 'v', 'PX', '1'],
    { sleep: 50 },
    ['BLPOP', 'l', '0.01'],
    ['BZPOPMIN', 'z', '0.01'],
    ['RPUSH', 'src', 'x'],
    ['BLMOVE', 'src', 'd', 'LEFT', 'LEFT', '0.01'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ]);
  t.case('a timed-out blocking pop propagates nothing', [
    ['BLPOP', 'l', '0.01'],
    ['BLMOVE', 'l', 'd', 'LEFT', 'LEFT', '0.01'],
    ['BZMPOP', '0.01', '1', 'z', 'MIN'],
  ]);
  everyWriteHasACase(t, BLOCKING_COMMANDS);
});

propagationSuite('propagation: blocked clients served later', (t) => {
  t.scenario('a served BLPOP propagates LPOP after the push that woke it', async (s) => {
    const w = await s.client('waiter');
    const p = await s.client('pusher');
    w.send(['BLPOP', 'l', '0']);
    await blockedClients(s, p, 1);
    await p.call(['RPUSH', 'l', 'a', 'b']);
    await w.reply();
    w.send(['BRPOP', 'x', 'l', '0']);
    await w.reply();
  });

  t.scenario('several waiters: one LPOP/RPOP each, not wrapped together', async (s) => {
    const a = await s.client('first');
    const b = await s.client('second');
    const c = await s.client('third');
    const p = await s.client('pusher');
    a.send(['BLPOP', 'l', '0']);
    await blockedClients(s, p, 1);
    b.send(['BRPOP', 'l', '0']);
    await blockedClients(s, p, 2);
    c.send(['BLPOP', 'l', '0']);
    await blockedClients(s, p, 3);
    await p.call(['RPUSH', 'l', '1', '2']);
    await a.reply();
    await b.reply();
    await blockedClients(s, p, 1);
    await p.call(['LPUSH', 'l', '3']);
    await c.reply();
  });

  t.scenario('waiters served after an EXEC that pushed come after its MULTI/EXEC', async (s) => {
    const a = await s.client('first');
    const b = await s.client('second');
    const p = await s.client('pusher');
    a.send(['BLPOP', 'l1', '0']);
    await blockedClients(s, p, 1);
    b.send(['BRPOP', 'l2', '0']);
    await blockedClients(s, p, 2);
    await p.call(['MULTI']);
    await p.call(['RPUSH', 'l1', 'a']);
    await p.call(['RPUSH', 'l2', 'b', 'c']);
    await p.call(['LPOP', 'l2']);
    await p.call(['EXEC']);
    await a.reply();
    await b.reply();
  });

  t.scenario('an EXEC that pushes and pops its own element leaves the waiter blocked', async (s) => {
    const a = await s.client('waiter');
    const p = await s.client('pusher');
    a.send(['BLPOP', 'l', '0']);
    await blockedClients(s, p, 1);
    await p.call(['MULTI']);
    await p.call(['RPUSH', 'l', 'mine']);
    await p.call(['BLPOP', 'l', '0']);
    await p.call(['EXEC']);
    await blockedClients(s, p, 1);
    await p.call(['RPUSH', 'l', 'yours']);
    await a.reply();
  });

  t.scenario('an LMOVE into a waited key propagates LMOVE, then the waiter’s LPOP', async (s) => {
    const a = await s.client('waiter');
    const p = await s.client('mover');
    a.send(['BLPOP', 'dst', '0']);
    await blockedClients(s, p, 1);
    await p.call(['RPUSH', 'src', 'x', 'y']);
    await p.call(['LMOVE', 'src', 'dst', 'LEFT', 'LEFT']);
    await a.reply();
  });

  t.scenario('a served BLMOVE rotating one list propagates LMOVE on that key, its ends in lower case whatever the client wrote', async (s) => {
    const a = await s.client('rotator');
    const p = await s.client('pusher');
    a.send(['BLMOVE', 'l', 'l', 'LEFT', 'RIGHT', '0']);
    await blockedClients(s, p, 1);
    await p.call(['RPUSH', 'l', '1', '2', '3']);
    await a.reply();
    await p.call(['LRANGE', 'l', '0', '-1']);
  });

  t.scenario('a served BLMOVE whose destination it finds expired', async (s) => {
    const a = await s.client('mover');
    const p = await s.client('pusher');
    await p.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    try {
      a.send(['BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0']);
      await blockedClients(s, p, 1);
      await p.call(['SET', 'dst', 'old', 'PX', '1']);
      await s.sleep(20);
      await p.call(['RPUSH', 'src', 'v']);
      await a.reply();
    } finally {
      await p.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
    }
  });

  t.scenario('a waiter served after a script that pushed', async (s) => {
    const a = await s.client('waiter');
    const p = await s.client('pusher');
    a.send(['BLMPOP', '0', '2', 'l1', 'l2', 'RIGHT', 'COUNT', '5']);
    await blockedClients(s, p, 1);
    await p.call(['EVAL', "redis.call('rpush', KEYS[1], 'a', 'b') redis.call('set', KEYS[2], 'x') return 1", '2', 'l2', 'str']);
    await a.reply();
  });

  t.scenario('a waiter in another database gets its pop selected there', async (s) => {
    const a = await s.client('waiter');
    const p = await s.client('pusher');
    await a.call(['SELECT', '5']);
    await p.call(['SELECT', '5']);
    a.send(['BLPOP', 'l', '0']);
    await blockedClients(s, p, 1);
    await p.call(['RPUSH', 'l', 'v', 'w']);
    await a.reply();
    await p.call(['SELECT', '0']);
    await p.call(['RPUSH', 'l', 'z']);
  });

  t.scenario('a served BLMOVE propagates LMOVE (served BRPOPLPUSH: RPOPLPUSH), and its destination wakes the next waiter', async (s) => {
    const a = await s.client('first mover');
    const b = await s.client('second mover');
    const c = await s.client('popper');
    const p = await s.client('pusher');
    a.send(['BLMOVE', 's1', 's2', 'right', 'left', '0']);
    await blockedClients(s, p, 1);
    b.send(['BRPOPLPUSH', 's2', 's3', '0']);
    await blockedClients(s, p, 2);
    c.send(['BLPOP', 's3', '0']);
    await blockedClients(s, p, 3);
    await p.call(['RPUSH', 's1', 'v']);
    await a.reply();
    await b.reply();
    await c.reply();
  });

  t.scenario('a served BLMOVE whose destination is another type propagates nothing of its own', async (s) => {
    const a = await s.client('mover');
    const p = await s.client('pusher');
    a.send(['BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0']);
    await blockedClients(s, p, 1);
    await p.call(['SET', 'dst', 'string']);
    await p.call(['RPUSH', 'src', 'v']);
    await a.reply();
  });

  t.scenario('a served BLMPOP propagates LPOP/RPOP with the number popped', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('second');
    const p = await s.client('pusher');
    a.send(['BLMPOP', '0', '1', 'l', 'left', 'COUNT', '2']);
    await blockedClients(s, p, 1);
    b.send(['BLMPOP', '0', '1', 'l', 'RIGHT', 'COUNT', '10']);
    await blockedClients(s, p, 2);
    await p.call(['RPUSH', 'l', '1', '2', '3']);
    await a.reply();
    await b.reply();
  });

  t.scenario('served BZPOPMIN, BZPOPMAX and BZMPOP propagate ZPOPMIN/ZPOPMAX', async (s) => {
    const a = await s.client('min');
    const b = await s.client('max');
    const c = await s.client('mpop');
    const p = await s.client('adder');
    a.send(['BZPOPMIN', 'z', '0']);
    await blockedClients(s, p, 1);
    b.send(['BZPOPMAX', 'y', 'z', '0']);
    await blockedClients(s, p, 2);
    c.send(['BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '5']);
    await blockedClients(s, p, 3);
    await p.call(['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd']);
    await a.reply();
    await b.reply();
    await c.reply();
    c.send(['BZMPOP', '0', '1', 'z', 'max']);
    await blockedClients(s, p, 1);
    await p.call(['ZADD', 'z', '7', 'q', '8', 'r']);
    await c.reply();
  });

  t.scenario('a waiter that timed out propagates nothing; a key of another type keeps it waiting', async (s) => {
    const a = await s.client('waiter');
    const p = await s.client('writer');
    await a.call(['BLPOP', 'l', '0.05']);
    a.send(['BLPOP', 'k', '0']);
    await blockedClients(s, p, 1);
    await p.call(['SET', 'k', 'str']);
    await p.call(['DEL', 'k']);
    await p.call(['LPUSH', 'k', 'x']);
    await a.reply();
  });
});
