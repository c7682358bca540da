/**
 * A chain of replicas with Cinder in the middle: real redis-server master -> Cinder replica ->
 * real redis-server replica. Cinder proxies its master's stream byte for byte, so all three share
 * one replication id and offset; its own replica resumes with a partial resync after a cut, and
 * continues (under replid2) when Cinder is promoted with REPLICAOF NO ONE.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawConnection, redisServerAvailable, startCinderProcess, startRealRedis, type RealRedis } from '../helpers/differential.js';
import { cmd, fingerprint, info, populate, waitFor, waitInSync } from '../helpers/replica.js';
import { startRealReplica } from '../helpers/replication.js';

describe('Redis -> Cinder -> Redis', { skip: !redisServerAvailable && 'redis-server not installed' }, () => {
  let top: RealRedis;
  let middle: Awaited<ReturnType<typeof startCinderProcess>>;
  let bottom: RealRedis;
  let a: RawConnection;
  let b: RawConnection;
  let c: RawConnection;

  before(async () => {
    top = await startRealRedis();
    a = await RawConnection.connect(top.port);
    for (const argv of populate()) await cmd(a, ...argv);
    await cmd(a, 'SELECT', 0);
    middle = await startCinderProcess(['--replicaof', '127.0.0.1', String(top.port)]);
    b = await RawConnection.connect(middle.port);
    await waitInSync(a, b);
    bottom = await startRealReplica(middle.port);
    c = await RawConnection.connect(bottom.port);
    await waitInSync(b, c);
  });

  after(async () => {
    for (const conn of [a, b, c]) conn?.close();
    await bottom?.stop();
    await middle?.stop();
    await top?.stop();
  });

  it('all three hold the same dataset, replication id and offset, and follow writes at the top', async () => {
    for (let i = 0; i < 50; i++) await cmd(a, 'INCR', 'chain:counter');
    await cmd(a, 'SELECT', 3);
    await cmd(a, 'RPUSH', 'chain:list', 'x', 'y');
    await cmd(a, 'SELECT', 0);
    await cmd(a, 'EVAL', "redis.call('SET', KEYS[1], ARGV[1]) return 1", 1, 'chain:script', 'v');
    await waitInSync(a, b);
    await waitInSync(b, c);
    const [ia, ib, ic] = await Promise.all([info(a, 'replication'), info(b, 'replication'), info(c, 'replication')]);
    assert.equal(ib.get('master_replid'), ia.get('master_replid'));
    assert.equal(ic.get('master_replid'), ia.get('master_replid'));
    assert.equal(ib.get('master_repl_offset'), ia.get('master_repl_offset'));
    assert.equal(ic.get('master_repl_offset'), ia.get('master_repl_offset'));
    assert.equal(ib.get('connected_slaves'), '1');
    assert.equal(ib.get('repl_backlog_active'), '1');
    assert.deepEqual(await fingerprint(c), await fingerprint(a));
  });

  it('the bottom replica resumes from Cinder with a partial resync after its link is cut', async () => {
    const before = Number((await info(b, 'stats')).get('sync_partial_ok'));
    await cmd(b, 'CLIENT', 'KILL', 'TYPE', 'replica');
    await cmd(a, 'SET', 'chain:after-cut', '1');
    await waitFor('the partial resync', async () => Number((await info(b, 'stats')).get('sync_partial_ok')) === before + 1);
    await waitInSync(a, b);
    await waitInSync(b, c);
    assert.deepEqual(await fingerprint(c), await fingerprint(a));
  });

  it('Cinder promoted with REPLICAOF NO ONE: the bottom replica continues under the new id, and follows writes to Cinder', async () => {
    const oldId = (await info(a, 'replication')).get('master_replid');
    const partials = Number((await info(b, 'stats')).get('sync_partial_ok'));
    assert.equal((await cmd(b, 'REPLICAOF', 'NO', 'ONE')).text, 'OK');
    const ib = await info(b, 'replication');
    assert.equal(ib.get('role'), 'master');
    assert.equal(ib.get('master_replid2'), oldId);
    assert.notEqual(ib.get('master_replid'), oldId);
    await waitFor('the bottom replica to continue', async () => Number((await info(b, 'stats')).get('sync_partial_ok')) === partials + 1);
    await cmd(b, 'SET', 'chain:promoted', 'yes');
    await waitInSync(b, c);
    assert.equal((await cmd(c, 'GET', 'chain:promoted')).text, 'yes');
    assert.equal((await info(c, 'replication')).get('master_replid'), ib.get('master_replid'));
    assert.deepEqual(await fingerprint(c), await fingerprint(b));
  });
});
