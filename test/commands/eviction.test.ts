/**
 * maxmemory and eviction against a real redis-server 7.0: the configuration, the OOM error, which
 * keys each maxmemory-policy gives up, what an evicted key does (event, WATCH, blocked clients,
 * INFO), and scripts and MULTI under maxmemory.
 *
 * Redis and Cinder count memory differently, so where a case depends on how much fits, each
 * server's limit is set from its own used_memory (used + a margin), and the cases compare what
 * must hold on both (which keys survive, which kinds of keys went), not how many keys went. With
 * `maxmemory 1` every evictable key goes on both, which makes exact comparisons possible (counts,
 * and with volatile-ttl the order of evictions).
 */
import assert from 'node:assert/strict';
import { diffSuite, parseReply, satisfies, type Matcher, type Reply } from '../helpers/differential.js';
import { scenarioSuite, type PairedClient, type Scenario, type Side } from '../helpers/scenario.js';
import { propagationSuite } from '../helpers/propagation.js';

const SIDES: Side[] = ['redis', 'cinder'];

// ---------------------------------------------------------------- helpers

/** The fields of an INFO reply (bulk or verbatim). */
function infoFields(r: Reply): Map<string, string> {
  const text = r.text ?? '';
  const body = r.type === '=' ? text.slice(4) : text;
  const fields = new Map<string, string>();
  for (const line of body.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** INFO replies where `fields` are present on both servers and equal. */
function sameInfo(fields: string[]): Matcher {
  return {
    describe: `INFO with equal ${fields.join(', ')}`,
    match(redis, cinder) {
      const [r, c] = [infoFields(parseReply(redis)), infoFields(parseReply(cinder))];
      return fields.every((f) => r.has(f) && r.get(f) === c.get(f));
    },
  };
}

/** INFO replies where each field is present on both servers and an integer (values per process). */
function integerInfo(fields: string[]): Matcher {
  return satisfies(`INFO with integer ${fields.join(', ')}`, (r) => {
    const f = infoFields(r);
    return fields.every((name) => /^\d+$/.test(f.get(name) ?? ''));
  });
}

/** One server's INFO field, read on the client's own connection to it. */
async function infoValue(c: PairedClient, side: Side, section: string, field: string): Promise<string> {
  const value = infoFields(parseReply(await c[side].command(['INFO', section]))).get(field);
  assert.ok(value !== undefined, `${side}: INFO ${section} has no ${field}`);
  return value;
}

/** The keys matching `pattern` on one server. */
async function keysOn(c: PairedClient, side: Side, pattern: string): Promise<string[]> {
  const r = parseReply(await c[side].command(['KEYS', pattern]));
  return (r.items ?? []).map((i) => i.text ?? '').sort();
}

/**
 * Sets maxmemory on each server to its own used_memory plus `margin` bytes (replies compared),
 * and returns the limits.
 */
async function limitAboveUsed(c: PairedClient, margin: number): Promise<Record<Side, number>> {
  const limits = { redis: 0, cinder: 0 };
  for (const side of SIDES) limits[side] = Number(await infoValue(c, side, 'memory', 'used_memory')) + margin;
  await c.call((side) => ['CONFIG', 'SET', 'maxmemory', String(limits[side])]);
  return limits;
}

/** Writes `n` keys `${prefix}${i}` of `size` bytes (with PX from `ttl` when given). */
async function fill(c: PairedClient, prefix: string, n: number, size: number, ttl?: (i: number) => number): Promise<void> {
  const value = 'x'.repeat(size);
  for (let i = 0; i < n; i++) await c.call(ttl === undefined ? ['SET', `${prefix}${i}`, value] : ['SET', `${prefix}${i}`, value, 'PX', String(ttl(i))]);
}

const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/**
 * Runs each command the scenario will use once (replies not compared), so first uses allocate
 * nothing after used_memory is read (Cinder prices a command's latency histogram at 12.5 KB).
 */
async function warm(c: PairedClient): Promise<void> {
  for (const argv of [
    ['SET', 'warm', 'v'],
    ['SET', 'warm', 'v', 'PX', '100000'],
    ['GET', 'warm'],
    ['EXISTS', 'warm'],
    ['OBJECT', 'IDLETIME', 'warm'],
    ['DEL', 'warm'],
    ['KEYS', 'warm'],
    ['DBSIZE'],
    ['INFO', 'memory'],
    ['INFO', 'stats'],
    ['CONFIG', 'SET', 'maxmemory', '0'],
  ]) {
    await Promise.all([c.redis.command(argv), c.cinder.command(argv)]);
  }
}

/** Whether evicted_keys is above zero on both servers. */
async function evictedOnBoth(c: PairedClient): Promise<void> {
  for (const side of SIDES) assert.ok(Number(await infoValue(c, side, 'stats', 'evicted_keys')) > 0, `${side} evicted nothing`);
}

const RESET = [
  ['maxmemory', '0'],
  ['maxmemory-policy', 'noeviction'],
  ['maxmemory-samples', '5'],
  ['maxmemory-eviction-tenacity', '10'],
  ['lfu-log-factor', '10'],
  ['lazyfree-lazy-eviction', 'no'],
  ['notify-keyspace-events', ''],
  ['latency-monitor-threshold', '0'],
];

/** A scenario that leaves both servers' eviction settings as they were (CONFIG persists across cases). */
function evictionScenario(t: { scenario(name: string, body: (s: Scenario) => Promise<void>): void }, name: string, body: (s: Scenario, a: PairedClient) => Promise<void>): void {
  t.scenario(name, async (s) => {
    const admin = await s.client('admin');
    const a = await s.client('a');
    try {
      await a.call(['CONFIG', 'RESETSTAT']);
      await body(s, a);
    } finally {
      await admin.call(['CONFIG', 'SET', ...RESET.flat()]);
    }
  });
}

// ---------------------------------------------------------------- configuration

diffSuite('maxmemory configuration', (t) => {
  t.case('maxmemory with units, and back to 0', [
    ['CONFIG', 'SET', 'maxmemory', '1gb'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '100MB'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '2g'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '123456789'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '500k'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '-1'],
    ['CONFIG', 'SET', 'maxmemory', '1x'],
    ['CONFIG', 'SET', 'maxmemory', 'lots'],
    ['CONFIG', 'SET', 'maxmemory', '0'],
    ['CONFIG', 'GET', 'maxmemory'],
  ]);
  t.case('maxmemory-policy: every value, any case; errors', [
    ...['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'].flatMap((p) => [
      ['CONFIG', 'SET', 'maxmemory-policy', p],
      ['CONFIG', 'GET', 'maxmemory-policy'],
    ]),
    ['CONFIG', 'SET', 'maxmemory-policy', 'ALLKEYS-LRU'],
    ['CONFIG', 'GET', 'maxmemory-policy'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'lru'],
    ['CONFIG', 'SET', 'maxmemory-policy', ''],
    ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
  ]);
  t.case('maxmemory-samples, maxmemory-eviction-tenacity, lazyfree-lazy-eviction, lfu-*', [
    ['CONFIG', 'SET', 'maxmemory-samples', '10'],
    ['CONFIG', 'GET', 'maxmemory-samples'],
    ['CONFIG', 'SET', 'maxmemory-samples', '0'],
    ['CONFIG', 'SET', 'maxmemory-samples', '-3'],
    ['CONFIG', 'SET', 'maxmemory-samples', '64'],
    ['CONFIG', 'SET', 'maxmemory-samples', '5'],
    ['CONFIG', 'GET', 'maxmemory-samples'],
    ['CONFIG', 'SET', 'maxmemory-eviction-tenacity', '0'],
    ['CONFIG', 'GET', 'maxmemory-eviction-tenacity'],
    ['CONFIG', 'SET', 'maxmemory-eviction-tenacity', '100'],
    ['CONFIG', 'SET', 'maxmemory-eviction-tenacity', '101'],
    ['CONFIG', 'SET', 'maxmemory-eviction-tenacity', '-1'],
    ['CONFIG', 'SET', 'maxmemory-eviction-tenacity', '10'],
    ['CONFIG', 'GET', 'maxmemory-eviction-tenacity'],
    ['CONFIG', 'SET', 'lazyfree-lazy-eviction', 'yes'],
    ['CONFIG', 'GET', 'lazyfree-lazy-eviction'],
    ['CONFIG', 'SET', 'lazyfree-lazy-eviction', 'maybe'],
    ['CONFIG', 'SET', 'lazyfree-lazy-eviction', 'no'],
    ['CONFIG', 'SET', 'lfu-log-factor', '0'],
    ['CONFIG', 'SET', 'lfu-decay-time', '5'],
    ['CONFIG', 'GET', 'lfu-log-factor'],
    ['CONFIG', 'GET', 'lfu-decay-time'],
    ['CONFIG', 'SET', 'lfu-log-factor', '-1'],
    ['CONFIG', 'SET', 'lfu-log-factor', '10', 'lfu-decay-time', '1'],
  ]);
  t.case('several eviction parameters in one CONFIG SET, all or nothing', [
    ['CONFIG', 'SET', 'maxmemory', '1gb', 'maxmemory-policy', 'allkeys-lru', 'maxmemory-samples', '7'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'GET', 'maxmemory-policy'],
    ['CONFIG', 'GET', 'maxmemory-samples'],
    ['CONFIG', 'SET', 'maxmemory', '2gb', 'maxmemory-policy', 'bogus'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction', 'maxmemory-samples', '5'],
  ]);
  t.case('INFO: maxmemory, maxmemory_human, maxmemory_policy; the eviction stats fields', [
    ['CONFIG', 'SET', 'maxmemory', '1gb', 'maxmemory-policy', 'volatile-lfu'],
    { argv: ['INFO', 'memory'], compare: sameInfo(['maxmemory', 'maxmemory_human', 'maxmemory_policy', 'mem_not_counted_for_evict']) },
    { argv: ['INFO', 'stats'], compare: sameInfo(['evicted_keys', 'evicted_clients', 'current_eviction_exceeded_time']) },
    { argv: ['INFO', 'stats'], compare: integerInfo(['evicted_keys', 'evicted_clients', 'total_eviction_exceeded_time', 'current_eviction_exceeded_time']) },
    ['CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction'],
    { argv: ['INFO', 'memory'], compare: sameInfo(['maxmemory', 'maxmemory_human', 'maxmemory_policy']) },
  ]);
});

// ---------------------------------------------------------------- which keys go

scenarioSuite('eviction: which keys each policy gives up', (t) => {
  evictionScenario(t, 'noeviction: writes get the OOM error, reads and deletes go on, nothing is evicted', async (_s, a) => {
    await fill(a, 'k', 10, 100);
    await a.call(['CONFIG', 'SET', 'maxmemory', '1']);
    await a.call(['SET', 'new', 'v']);
    await a.call(['INCR', 'counter']);
    await a.call(['RPUSH', 'list', 'x']);
    await a.call(['GET', 'k1']);
    await a.call(['DEL', 'k1']);
    await a.call(['EXPIRE', 'k2', '100']);
    await a.call(['DBSIZE']);
    await a.call(['INFO', 'stats'], sameInfo(['evicted_keys']));
    await a.call(['CONFIG', 'SET', 'maxmemory', '0']);
    await a.call(['SET', 'new', 'v']);
  });

  for (const policy of ['allkeys-lru', 'allkeys-lfu', 'allkeys-random']) {
    evictionScenario(t, `${policy} with maxmemory 1: every key goes, then writes are refused`, async (_s, a) => {
      await a.call(['CONFIG', 'SET', 'maxmemory-policy', policy]);
      await fill(a, 'plain:', 10, 100);
      await fill(a, 'ttl:', 10, 100, (i) => 100_000 + i);
      await a.call(['SELECT', '3']);
      await fill(a, 'other:', 5, 100);
      await a.call(['CONFIG', 'SET', 'maxmemory', '1']);
      await a.call(['DBSIZE']);
      await a.call(['SELECT', '0']);
      await a.call(['DBSIZE']);
      await a.call(['SET', 'new', 'v']);
      await a.call(['GET', 'plain:1']);
      await a.call(['INFO', 'stats'], sameInfo(['evicted_keys']));
    });
  }

  for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
    evictionScenario(t, `${policy} with maxmemory 1: only keys with a TTL go, then writes are refused`, async (_s, a) => {
      await a.call(['CONFIG', 'SET', 'maxmemory-policy', policy]);
      await fill(a, 'plain:', 10, 100);
      await fill(a, 'ttl:', 10, 100, (i) => 100_000 + i);
      await a.call(['CONFIG', 'SET', 'maxmemory', '1']);
      await a.call(['DBSIZE']);
      await a.call(['KEYS', 'ttl:*']);
      await a.call(['EXISTS', ...names('plain:', 10)]);
      await a.call(['SET', 'new', 'v']);
      await a.call(['DEL', 'plain:0']);
      await a.call(['INFO', 'stats'], sameInfo(['evicted_keys']));
    });
  }

  evictionScenario(t, 'volatile-* with no key with a TTL answers OOM and evicts nothing', async (_s, a) => {
    await fill(a, 'plain:', 10, 100);
    for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
      await a.call(['CONFIG', 'SET', 'maxmemory-policy', policy, 'maxmemory', '1']);
      await a.call(['SET', 'new', 'v']);
      await a.call(['DBSIZE']);
      await a.call(['CONFIG', 'SET', 'maxmemory', '0']);
    }
    await a.call(['INFO', 'stats'], sameInfo(['evicted_keys']));
  });

  evictionScenario(t, 'allkeys-lru evicts the idle keys first', async (s, a) => {
    await warm(a);
    await a.call(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru', 'maxmemory-samples', '64']);
    await fill(a, 'cold:', 30, 2000);
    // Wait until the cold keys are two seconds idle on both servers (LRU clock: one-second ticks).
    for (const side of SIDES) {
      for (;;) {
        const idle = parseReply(await a[side].command(['OBJECT', 'IDLETIME', 'cold:29']));
        if (Number(idle.text) >= 2) break;
        await s.sleep(100);
      }
    }
    await fill(a, 'hot:', 10, 2000);
    await limitAboveUsed(a, 10_000);
    await fill(a, 'new:', 20, 2000);
    // What went on each server came from the cold keys; hot and new ones all stayed.
    await a.call(['EXISTS', ...names('hot:', 10), ...names('new:', 20)]);
    await evictedOnBoth(a);
    for (const side of SIDES) assert.ok((await keysOn(a, side, 'cold:*')).length < 30, side);
  });

  evictionScenario(t, 'allkeys-lfu keeps the frequently used keys', async (_s, a) => {
    await warm(a);
    await a.call(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu', 'maxmemory-samples', '64', 'lfu-log-factor', '0']);
    await fill(a, 'once:', 30, 2000);
    await fill(a, 'often:', 10, 2000);
    for (let round = 0; round < 10; round++) for (const k of names('often:', 10)) await a.call(['GET', k], 'ignore');
    await a.call(['OBJECT', 'FREQ', 'often:3']);
    await limitAboveUsed(a, 10_000);
    await fill(a, 'new:', 20, 2000);
    await a.call(['EXISTS', ...names('often:', 10)]);
    await evictedOnBoth(a);
    for (const side of SIDES) assert.ok((await keysOn(a, side, 'once:*')).length + (await keysOn(a, side, 'new:*')).length < 50, side);
  });

  evictionScenario(t, 'volatile-ttl takes the nearest expiry first, never a key without TTL', async (_s, a) => {
    await warm(a);
    await a.call(['CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl', 'maxmemory-samples', '64']);
    // ttl:i expires sooner the higher i is.
    await fill(a, 'ttl:', 30, 2000, (i) => 10_000_000 - i * 100_000);
    await fill(a, 'plain:', 10, 2000);
    await limitAboveUsed(a, 10_000);
    await fill(a, 'new:', 15, 2000);
    await a.call(['EXISTS', ...names('plain:', 10), ...names('new:', 15)]);
    await evictedOnBoth(a);
    for (const side of SIDES) {
      const left = (await keysOn(a, side, 'ttl:*')).map((k) => Number(k.slice(4)));
      const gone = Array.from({ length: 30 }, (_, i) => i).filter((i) => !left.includes(i));
      assert.ok(gone.length > 0 && left.length > 0, `${side}: ${gone.length} gone, ${left.length} left`);
      assert.ok(Math.min(...gone) > Math.max(...left), `${side}: a later expiry went before a sooner one`);
    }
  });

  for (const policy of ['allkeys-random', 'volatile-random', 'volatile-lru', 'volatile-lfu']) {
    evictionScenario(t, `${policy} keeps used memory at maxmemory as keys are written`, async (_s, a) => {
      await warm(a);
      await a.call(['CONFIG', 'SET', 'maxmemory-policy', policy]);
      await fill(a, 'plain:', 10, 2000);
      await fill(a, 'ttl:', 40, 2000, (i) => 1_000_000 + i);
      const limits = await limitAboveUsed(a, 10_000);
      // New keys with a TTL, so the volatile policies have something to evict as they come.
      await fill(a, 'new:', 30, 2000, () => 1_000_000);
      // One more command: its gate evicts for the last write.
      await a.call(['PING']);
      await evictedOnBoth(a);
      for (const side of SIDES) {
        const used = Number(await infoValue(a, side, 'memory', 'used_memory'));
        // The last write may be past the limit until the next command evicts.
        assert.ok(used <= limits[side] + 8_000, `${side}: used ${used} > maxmemory ${limits[side]}`);
      }
      if (policy.startsWith('volatile')) await a.call(['EXISTS', ...names('plain:', 10)]);
    });
  }
});

// ---------------------------------------------------------------- what an evicted key does

scenarioSuite('eviction: what an evicted key does', (t) => {
  evictionScenario(t, 'the evicted keyspace event, in order of expiry under volatile-ttl', async (s, a) => {
    const sub = await s.client('subscriber');
    // Samples of 10 see all 6 keys with a TTL, so the order is exact on both servers.
    await a.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEe', 'maxmemory-policy', 'volatile-ttl', 'maxmemory-samples', '10']);
    await sub.call(['SUBSCRIBE', '__keyevent@0__:evicted', '__keyspace@0__:ttl:3']);
    await sub.reply();
    await fill(a, 'ttl:', 6, 100, (i) => 100_000 - i * 1000);
    await a.call(['SET', 'plain', 'v']);
    await a.call(['CONFIG', 'SET', 'maxmemory', '1']);
    for (let i = 5; i >= 0; i--) {
      await sub.reply();
      if (i === 3) await sub.reply();
    }
    await s.quiet();
  });

  evictionScenario(t, 'the evicted event under allkeys-random: every key, in some order', async (s, a) => {
    const sub = await s.client('subscriber');
    await a.call(['CONFIG', 'SET', 'notify-keyspace-events', 'Ee', 'maxmemory-policy', 'allkeys-random']);
    await sub.call(['PSUBSCRIBE', '__keyevent@*__:evicted']);
    await fill(a, 'k', 8, 100);
    await a.call(['CONFIG', 'SET', 'maxmemory', '1']);
    const got: Record<Side, string[]> = { redis: [], cinder: [] };
    for (let i = 0; i < 8; i++) {
      for (const side of SIDES) {
        const msg = parseReply(await sub[side].readReply(5000));
        got[side].push(msg.items![3].text!);
      }
    }
    assert.deepEqual(got.cinder.sort(), got.redis.sort());
    await s.quiet();
  });

  evictionScenario(t, 'WATCH sees an evicted key as changed', async (s, a) => {
    const admin = await s.client('admin2');
    await a.call(['SET', 'watched', 'v', 'PX', '100000']);
    await a.call(['SET', 'other', 'v']);
    await a.call(['WATCH', 'watched']);
    await admin.call(['CONFIG', 'SET', 'maxmemory-policy', 'volatile-random', 'maxmemory', '1']);
    await admin.call(['CONFIG', 'SET', 'maxmemory', '0']);
    await a.call(['MULTI']);
    await a.call(['GET', 'other']);
    await a.call(['EXEC']);
    await a.call(['EXISTS', 'watched']);
  });

  evictionScenario(t, 'blocked clients: an evicted stream answers XREADGROUP as DEL does; waiters on other keys stay blocked', async (s, a) => {
    const reader = await s.client('reader');
    const popper = await s.client('popper');
    await a.call(['XGROUP', 'CREATE', 'stream', 'g', '$', 'MKSTREAM']);
    await a.call(['PEXPIRE', 'stream', '100000']);
    await a.call(['SET', 'plain', 'v']);
    reader.send(['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 'stream', '>']);
    popper.send(['BLPOP', 'nothing', '0']);
    await s.sleep(50);
    await a.call(['CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl', 'maxmemory', '1']);
    await reader.reply();
    await s.quiet();
    await a.call(['CONFIG', 'SET', 'maxmemory', '0']);
    await a.call(['LPUSH', 'nothing', 'x']);
    await popper.reply();
  });

  evictionScenario(t, 'evicted_keys counts across databases; CONFIG RESETSTAT clears it', async (_s, a) => {
    await fill(a, 'k', 5, 100);
    await a.call(['SELECT', '2']);
    await fill(a, 'k', 5, 100);
    await a.call(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru', 'maxmemory', '1']);
    await a.call(['INFO', 'stats'], sameInfo(['evicted_keys']));
    await a.call(['CONFIG', 'SET', 'maxmemory', '0']);
    await a.call(['CONFIG', 'RESETSTAT']);
    await a.call(['INFO', 'stats'], sameInfo(['evicted_keys', 'total_eviction_exceeded_time', 'current_eviction_exceeded_time']));
    await a.call(['SELECT', '0']);
  });
});

scenarioSuite('eviction: the latency monitor', (t) => {
  evictionScenario(t, 'a mass eviction is an eviction-cycle spike, and LATENCY DOCTOR gives Redis\'s advice', async (_s, a) => {
    await a.call(['EVAL', "for i = 1, 100000 do redis.call('set', 'k' .. i, 'v') end return 1", '0']);
    await a.call(['LATENCY', 'RESET'], 'ignore');
    await a.call(['CONFIG', 'SET', 'latency-monitor-threshold', '1', 'maxmemory-eviction-tenacity', '100', 'maxmemory-policy', 'allkeys-random']);
    await a.call(['CONFIG', 'SET', 'maxmemory', '1']);
    await a.call(['DBSIZE']);
    const advice =
      "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, " +
      'Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n';
    for (const side of SIDES) {
      const latest = parseReply(await a[side].command(['LATENCY', 'LATEST']));
      const events = (latest.items ?? []).map((e) => e.items![0].text);
      assert.ok(events.includes('eviction-cycle'), `${side}: ${events.join(', ')}`);
      const doctor = parseReply(await a[side].command(['LATENCY', 'DOCTOR'])).text ?? '';
      assert.ok(/\d+\. eviction-cycle: 1 latency spikes/.test(doctor) && doctor.includes(advice), `${side}: ${doctor}`);
    }
    await a.call(['CONFIG', 'SET', 'latency-monitor-threshold', '0']);
    await a.call(['LATENCY', 'RESET'], 'ignore');
  });
});

// ---------------------------------------------------------------- scripts and MULTI under maxmemory

scenarioSuite('eviction: scripts and MULTI under maxmemory', (t) => {
  evictionScenario(t, 'out of memory: MULTI queues only EXEC/DISCARD/QUIT/RESET; EXEC of a denyoom transaction is refused', async (s, a) => {
    const admin = await s.client('admin2');
    await a.call(['SET', 'k', 'v']);
    await a.call(['MULTI']);
    await a.call(['GET', 'k']);
    await a.call(['SET', 'k', 'v2']);
    await admin.call(['CONFIG', 'SET', 'maxmemory', '1']);
    await a.call(['EXEC']);
    await a.call(['MULTI']);
    await a.call(['GET', 'k']);
    await a.call(['DEL', 'k']);
    await a.call(['EXEC']);
    await a.call(['MULTI']);
    await a.call(['DISCARD']);
    await a.call(['GET', 'k']);
  });

  evictionScenario(t, 'out of memory: scripts by their flags', async (_s, a) => {
    await a.call(['SET', 'x', '1']);
    await a.call(['FUNCTION', 'FLUSH']);
    await a.call([
      'FUNCTION',
      'LOAD',
      '#!lua name=evictlib\n' +
        'redis.register_function{function_name="ro", callback=function(k, a) return redis.call("get", "x") end, flags={"no-writes"}}\n' +
        'redis.register_function{function_name="w", callback=function(k, a) return redis.call("set", "x", "2") end}\n' +
        'redis.register_function{function_name="oomok", callback=function(k, a) return redis.call("set", "x", "3") end, flags={"allow-oom"}}\n',
    ]);
    await a.call(['CONFIG', 'SET', 'maxmemory', '1']);
    await a.call(['EVAL', "return redis.call('set','k','v')", '0']);
    await a.call(['EVAL', "redis.call('del','gone'); return redis.call('set','k','v')", '0']);
    await a.call(['EVAL', '#!lua flags=no-writes\nreturn redis.call("get", "x")', '0']);
    await a.call(['EVAL', '#!lua\nreturn 1', '0']);
    await a.call(['EVAL', '#!lua flags=allow-oom\nreturn redis.call("set", "y", "1")', '0']);
    await a.call(['EVAL_RO', "return redis.call('get','x')", '0']);
    await a.call(['FCALL', 'ro', '0']);
    await a.call(['FCALL_RO', 'ro', '0']);
    await a.call(['FCALL', 'w', '0']);
    await a.call(['FCALL', 'oomok', '0']);
    await a.call(['CONFIG', 'SET', 'maxmemory', '0']);
    await a.call(['FUNCTION', 'FLUSH']);
  });

  evictionScenario(t, 'a script that started under maxmemory finishes its writes past it; the next write is refused', async (_s, a) => {
    await warm(a);
    await a.call(['EVAL', "return 'warm'", '0']);
    await limitAboveUsed(a, 50_000);
    await a.call(['EVAL', "for i = 1, 40 do redis.call('set', 'big' .. i, string.rep('x', 10000)) end return redis.call('dbsize')", '0']);
    await a.call(['SET', 'after', 'v']);
    await a.call(['GET', 'big40'], 'ignore');
    await a.call(['EXISTS', 'big1', 'big40']);
  });

  evictionScenario(t, 'under an eviction policy the same transaction runs: keys are evicted before EXEC', async (s, a) => {
    const admin = await s.client('admin2');
    await a.call(['SET', 'old', 'v', 'PX', '100000']);
    await a.call(['MULTI']);
    await a.call(['SET', 'k', 'v']);
    await admin.call(['CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl', 'maxmemory', '1']);
    // The TTL key goes at EXEC's gate, then memory is still over: EXEC is refused.
    await a.call(['EXEC']);
    await a.call(['EXISTS', 'old']);
  });
});

// ---------------------------------------------------------------- replication

propagationSuite('eviction: what replicas receive', (t) => {
  t.case('CONFIG SET maxmemory evicts at once: one DEL each, nearest expiry first (volatile-ttl)', [
    ['SET', 'a', '1', 'PX', '300000'],
    ['SET', 'b', '1', 'PX', '100000'],
    ['SET', 'c', '1', 'PX', '200000'],
    ['SET', 'plain', '1'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl', 'maxmemory', '1'],
    ['SET', 'x', 'y'],
    ['CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction'],
  ]);
  t.case('lazyfree-lazy-eviction: evictions replay as UNLINK', [
    ['CONFIG', 'SET', 'lazyfree-lazy-eviction', 'yes'],
    ['SET', 'a', '1', 'PX', '100000'],
    ['SET', 'b', '1', 'PX', '200000'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl', 'maxmemory', '1'],
    ['CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction', 'lazyfree-lazy-eviction', 'no'],
  ]);
  t.case("evictions at a command's gate come before it, unwrapped", [
    ['SET', 'a', '1', 'PX', '100000'],
    ['SET', 'b', '1', 'PX', '200000'],
    ['SET', 'plain', '1'],
    // noeviction while the limit drops: the next command's gate is what evicts.
    ['CONFIG', 'SET', 'maxmemory', '1'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl'],
    ['DEL', 'plain'],
    ['CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction'],
  ]);
  t.case('CONFIG SET maxmemory inside MULTI: what the transaction did so far goes out unwrapped, then the DELs', [
    ['SET', 'a', '1', 'PX', '100000'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl'],
    ['MULTI'],
    ['SET', 'b', '1'],
    ['CONFIG', 'SET', 'maxmemory', '1'],
    ['EXEC'],
    ['CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction'],
  ]);
});
