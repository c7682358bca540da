import { diffSuite } from '../helpers/differential.js';
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
