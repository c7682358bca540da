/**
 * LATENCY, differential against redis-server 7.0: subcommands, errors and the idle replies byte for
 * byte; spikes made with DEBUG SLEEP (and a large SADD for `fast-command`, a mass expiry for
 * `expire-cycle`) compared in everything but their timings, which are checked against bounds: the
 * events and sample counts, the GRAPH art, the DOCTOR report's sentences, and the HISTOGRAM shape.
 */
import assert from 'node:assert/strict';
import { diffSuite } from '../helpers/differential.js';
import { scenarioSuite, type PairedClient, type Side } from '../helpers/scenario.js';
import { mapEntries, parseResp, type RespValue } from '../helpers/resp-value.js';
import { LatencyHistogram } from '../../src/server/info.js';
import { LatencyMonitor, cumulativeDistribution, latencyGraph } from '../../src/server/latency.js';
import { describe, it } from 'node:test';

// ---------------------------------------------------------------- idle monitor, errors

diffSuite('latency: subcommands and errors, monitor off', (t) => {
  t.case('HELP, arity, unknown subcommands, events never seen', [
    ['LATENCY', 'HELP'],
    ['LATENCY'],
    ['LATENCY', 'nosuch'],
    ['LATENCY', 'HELP', 'x'],
    ['LATENCY', 'HISTORY'],
    ['LATENCY', 'HISTORY', 'a', 'b'],
    ['LATENCY', 'GRAPH'],
    ['LATENCY', 'LATEST', 'x'],
    ['LATENCY', 'DOCTOR', 'x'],
    ['LATENCY', 'GRAPH', 'command'],
    ['LATENCY', 'GRAPH', 'no\r\nsuch'],
    ['LATENCY', 'HISTORY', 'command'],
    ['LATENCY', 'LATEST'],
    ['LATENCY', 'RESET'],
    ['LATENCY', 'RESET', 'command', 'nosuch'],
    ['LATENCY', 'DOCTOR'],
    ['LATENCY', 'HISTOGRAM', 'nosuch'],
    ['LATENCY', 'HISTOGRAM', 'get|x', 'config|nosuch', '', '|', 'config|get|x'],
    ['CONFIG', 'GET', 'latency-monitor-threshold'],
    ['CONFIG', 'SET', 'latency-monitor-threshold', '-1'],
    ['CONFIG', 'SET', 'latency-monitor-threshold', 'x'],
  ]);
  t.case('LATENCY in MULTI and from a script', [
    ['MULTI'],
    ['LATENCY', 'LATEST'],
    ['LATENCY', 'HISTORY'],
    ['EXEC'],
    ['MULTI'],
    ['LATENCY', 'RESET'],
    ['EXEC'],
    ['EVAL', "return redis.pcall('latency', 'latest')", '0'],
    ['EVAL', "return redis.pcall('latency', 'help')", '0'],
  ]);
});

// ---------------------------------------------------------------- spikes

const DEBUG = { config: { 'enable-debug-command': 'yes' } };

/** Sends `argv` to both servers at once and returns both replies, parsed. */
async function both(pc: PairedClient, argv: string[]): Promise<Record<Side, RespValue>> {
  pc.send(argv);
  const [r, c] = await Promise.all([pc.redis.readReply(15000), pc.cinder.readReply(15000)]);
  return { redis: parseResp(r), cinder: parseResp(c) };
}

/** Waits for the start of the next wall-clock second (both servers read the same clock). */
async function nextSecond(): Promise<number> {
  const now = Date.now();
  await new Promise((r) => setTimeout(r, 1000 - (now % 1000) + 5));
  return Math.floor(Date.now() / 1000);
}

interface Sample {
  time: number;
  latency: number;
}

function samplesOf(v: RespValue): Sample[] {
  assert.ok(Array.isArray(v), JSON.stringify(v));
  return v.map((s) => {
    assert.ok(Array.isArray(s) && s.length === 2 && typeof s[0] === 'number' && typeof s[1] === 'number');
    return { time: s[0], latency: s[1] };
  });
}

/** LATENCY LATEST as event -> [time, latency, max]. */
function latestOf(v: RespValue): Map<string, number[]> {
  assert.ok(Array.isArray(v));
  const out = new Map<string, number[]>();
  for (const e of v) {
    assert.ok(Array.isArray(e) && e.length === 4 && typeof e[0] === 'string');
    out.set(e[0], e.slice(1) as number[]);
  }
  return out;
}

/** 300,000 new members: SADD is a fast command that takes long (well over 100 ms) here. */
function bigSadd(key: string): string[] {
  return ['SADD', key, ...Array.from({ length: 300_000 }, (_, i) => String(i))];
}

async function cleanup(pc: PairedClient): Promise<void> {
  await pc.call(['CONFIG', 'SET', 'latency-monitor-threshold', '0']);
  await pc.call(['LATENCY', 'RESET'], 'ignore');
  await pc.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
}

scenarioSuite(
  'latency: spikes from DEBUG SLEEP',
  (t) => {
    t.scenario('a threshold of 0 records nothing; CONFIG SET turns the monitor on at run time', async (s) => {
      const a = await s.client('main');
      try {
        await a.call(['LATENCY', 'RESET'], 'ignore');
        await a.call(['DEBUG', 'SLEEP', '0.12']);
        await a.call(['LATENCY', 'LATEST']);
        await a.call(['CONFIG', 'SET', 'latency-monitor-threshold', '100']);
        await a.call(['DEBUG', 'SLEEP', '0']);
        await a.call(['LATENCY', 'LATEST']);
        await a.call(['DEBUG', 'SLEEP', '0.12']);
        const latest = await both(a, ['LATENCY', 'LATEST']);
        for (const side of ['redis', 'cinder'] as const) {
          const events = latestOf(latest[side]);
          assert.deepEqual([...events.keys()], ['command'], side);
          const [time, latency, max] = events.get('command')!;
          assert.ok(Math.abs(time - Date.now() / 1000) < 5 && latency >= 120 && max === latency, `${side}: ${events.get('command')}`);
        }
      } finally {
        await cleanup(a);
      }
    });

    t.scenario('one sample per second, the worst of it; LATEST, HISTORY and RESET', async (s) => {
      const a = await s.client('main');
      try {
        await a.call(['CONFIG', 'SET', 'latency-monitor-threshold', '100']);
        await a.call(['LATENCY', 'RESET'], 'ignore');
        const first = await nextSecond();
        await a.call(['DEBUG', 'SLEEP', '0.2']);
        await a.call(['DEBUG', 'SLEEP', '0.1']);
        const second = await nextSecond();
        await a.call(['DEBUG', 'SLEEP', '0.1']);
        const history = await both(a, ['LATENCY', 'HISTORY', 'command']);
        const latest = await both(a, ['LATENCY', 'LATEST']);
        for (const side of ['redis', 'cinder'] as const) {
          const samples = samplesOf(history[side]);
          assert.deepEqual(
            samples.map((x) => x.time),
            [first, second],
            `${side}: ${JSON.stringify(samples)}`,
          );
          assert.ok(samples[0].latency >= 200 && samples[1].latency >= 100 && samples[1].latency < samples[0].latency, `${side}: ${JSON.stringify(samples)}`);
          const [time, latency, max] = latestOf(latest[side]).get('command')!;
          assert.deepEqual([time, latency, max], [second, samples[1].latency, samples[0].latency], side);
        }
        // Fast commands are their own event. A threshold of 1 ms makes a 300,000-member SADD a
        // spike on any machine (at 100 ms it depends on the machine's speed).
        await a.call(['CONFIG', 'SET', 'latency-monitor-threshold', '1']);
        await a.call(bigSadd('big'), 'ignore');
        const events = await both(a, ['LATENCY', 'LATEST']);
        for (const side of ['redis', 'cinder'] as const) assert.deepEqual([...latestOf(events[side]).keys()].sort(), ['command', 'fast-command'], side);
        // Names are exact for HISTORY and GRAPH, any case for RESET.
        await a.call(['LATENCY', 'HISTORY', 'COMMAND']);
        await a.call(['LATENCY', 'GRAPH', 'Command']);
        await a.call(['LATENCY', 'RESET', 'COMMAND', 'command', 'nosuch']);
        await a.call(['LATENCY', 'HISTORY', 'command']);
        await a.call(['LATENCY', 'RESET']);
        await a.call(['LATENCY', 'LATEST']);
        await a.call(['LATENCY', 'RESET']);
      } finally {
        await cleanup(a);
      }
    });

    // Two samples: their bars (the lowest and the highest) do not depend on the timings. The
    // scaling of the bars between them is checked by the unit test below against Redis's art.
    t.scenario('GRAPH: the same art from samples in two seconds', async (s) => {
      const a = await s.client('main');
      try {
        await a.call(['CONFIG', 'SET', 'latency-monitor-threshold', '100']);
        await a.call(['LATENCY', 'RESET'], 'ignore');
        for (const seconds of ['0.3', '0.1']) {
          await nextSecond();
          await a.call(['DEBUG', 'SLEEP', seconds]);
        }
        const graph = await both(a, ['LATENCY', 'GRAPH', 'command']);
        const lines = (side: Side) => {
          const text = graph[side];
          assert.equal(typeof text, 'string');
          return (text as string).split('\n');
        };
        const [r, c] = [lines('redis'), lines('cinder')];
        const header = /^command - high (\d+) ms, low (\d+) ms \(all time high (\d+) ms\)$/;
        for (const [side, l] of [['redis', r], ['cinder', c]] as const) {
          const m = header.exec(l[0]);
          assert.ok(m !== null && Number(m[1]) >= 300 && Number(m[2]) >= 100 && Number(m[1]) > Number(m[2]) && m[3] === m[1], `${side}: ${l[0]}`);
        }
        // The rule and the bars exactly; the labels (seconds ago) with their digits masked.
        assert.deepEqual(c.slice(1, 7), r.slice(1, 7));
        const mask = (l: string[]) => l.slice(7).map((x) => x.replace(/\d/g, 'N'));
        assert.deepEqual(mask(c), mask(r));
        assert.deepEqual(c.slice(1, 6), ['-'.repeat(80), '# ', '| ', '| ', '|_']);
        assert.equal(c[6], '  ');
      } finally {
        await cleanup(a);
      }
    });

    t.scenario('DOCTOR: statistics per event and advice as Redis words it', async (s) => {
      const a = await s.client('main');
      try {
        await a.call(['CONFIG', 'SET', 'latency-monitor-threshold', '100']);
        await a.call(['LATENCY', 'RESET'], 'ignore');
        // Monitor on, nothing seen yet.
        await a.call(['LATENCY', 'DOCTOR']);
        // Only DEBUG SLEEP spikes here: whether a big SADD passes the threshold (a fast-command
        // spike) depends on each machine's speed and load, and so would the advice that follows.
        await a.call(['DEBUG', 'SLEEP', '0.12']);
        const doctor = async (label: string) => {
          const report = await both(a, ['LATENCY', 'DOCTOR']);
          // Event lines come in each server's own order, with their own timings: compared masked, as a set.
          const split = (text: RespValue) => {
            assert.equal(typeof text, 'string');
            const lines = (text as string).split('\n');
            const events = lines.filter((l) => /^\d+\. /.test(l)).map((l) => l.replace(/^\d+\. /, '').replace(/\d+(\.\d+)?/g, 'N'));
            return { events: events.sort(), rest: lines.filter((l) => !/^\d+\. /.test(l)) };
          };
          const r = split(report.redis);
          const c = split(report.cinder);
          assert.deepEqual(c, r, label);
          assert.deepEqual(r.events, ['command: N latency spikes (average Nms, mean deviation Nms, period N sec). Worst all time event Nms.']);
        };
        await doctor('slowlog at 10000 us: nothing to tune');
        await a.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '-1']);
        await doctor('slow log disabled');
        await a.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '200000']);
        await doctor('slow log threshold above the monitor threshold');
        await a.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '10000']);
      } finally {
        await cleanup(a);
      }
    });

    t.scenario('expire-cycle: a mass expiry spikes the active expiry cycle', async (s) => {
      const a = await s.client('main');
      try {
        await a.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
        await a.call(['EVAL', "for i = 1, 100000 do redis.call('set', 'e' .. i, 'v', 'px', 1) end return 1", '0']);
        await s.sleep(20);
        await a.call(['CONFIG', 'SET', 'latency-monitor-threshold', '10']);
        await a.call(['LATENCY', 'RESET'], 'ignore');
        await a.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
        for (const side of ['redis', 'cinder'] as const) {
          const conn = a[side];
          for (let i = 0; ; i++) {
            const history = samplesOf(parseResp(await conn.command(['LATENCY', 'HISTORY', 'expire-cycle'])));
            if (history.length > 0) {
              assert.ok(history[0].latency >= 10);
              break;
            }
            if (i > 1000) assert.fail(`${side}: no expire-cycle spike`);
            await s.sleep(10);
          }
        }
        const doctor = await both(a, ['LATENCY', 'DOCTOR']);
        const hz = "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.";
        for (const side of ['redis', 'cinder'] as const) {
          const text = doctor[side] as string;
          assert.ok(/\d+\. expire-cycle: \d+ latency spikes/.test(text) && text.includes(hz), `${side}: ${text}`);
        }
      } finally {
        await a.call(['FLUSHALL']);
        await cleanup(a);
      }
    });
  },
  DEBUG,
);

// ---------------------------------------------------------------- HISTOGRAM

/** Checks one command's histogram map: calls, then buckets in µs with cumulative counts up to calls. */
function histogramOf(v: RespValue): { calls: number; buckets: Array<[number, number]> } {
  const fields = mapEntries(v);
  assert.deepEqual(
    fields.map(([k]) => k),
    ['calls', 'histogram_usec'],
  );
  const calls = fields[0][1] as number;
  const buckets = mapEntries(fields[1][1]).map(([k, n]) => [k, n] as [number, number]);
  let prev: [number, number] = [0, 0];
  for (const b of buckets) {
    assert.ok(b[0] > prev[0] && b[1] > prev[1], JSON.stringify(buckets));
    prev = b;
  }
  assert.equal(prev[1], calls, JSON.stringify(buckets));
  return { calls, buckets };
}

scenarioSuite('latency: HISTOGRAM', (t) => {
  for (const hello3 of [false, true]) {
    t.scenario(`all commands or the ones named, with their calls [RESP${hello3 ? 3 : 2}]`, async (s) => {
      const a = await s.client('main', { hello3 });
      await a.call(['CONFIG', 'RESETSTAT']);
      await a.call(['SET', 'a', '1']);
      await a.call(['SET', 'b', '2']);
      await a.call(['GET', 'a']);
      await a.call(['CONFIG', 'GET', 'maxmemory']);
      await a.call(['GET']);
      await a.call(['EVAL', "return redis.call('get', 'a')", '0']);
      await a.call(['BLPOP', 'nolist', '0.01']);
      const summary = (v: RespValue) => mapEntries(v).map(([name, h]) => `${name as string}:${histogramOf(h).calls}`);
      const all = await both(a, ['LATENCY', 'HISTOGRAM']);
      assert.deepEqual(summary(all.cinder).sort(), summary(all.redis).sort());
      const some = await both(a, ['LATENCY', 'HISTOGRAM', 'set', 'GET', 'set', 'nosuch', 'CONFIG|GET', 'get|x', 'blpop', 'eval']);
      assert.deepEqual(summary(some.cinder), summary(some.redis));
      assert.ok(summary(some.redis).includes('set:2'));
      // A container brings its subcommands that have data (in each server's own order).
      const container = await both(a, ['LATENCY', 'HISTOGRAM', 'config']);
      assert.deepEqual(summary(container.cinder).sort(), summary(container.redis).sort());
    });
  }
});

// ---------------------------------------------------------------- units

describe('latency: units', () => {
  it('HISTOGRAM buckets: HdrHistogram logarithmic steps from 1024 ns, doubling, labelled by their highest value', () => {
    const h = new LatencyHistogram();
    for (const ns of [1, 1000, 1024, 1500, 5000, 33000, 2_000_000]) h.record(ns);
    // 1 ns, 1000 and 1024 ns fall in the first step (labelled 1 µs); 1500 ns in the 2 µs step, etc.
    assert.deepEqual(cumulativeDistribution(h), [
      [1, 3],
      [2, 4],
      [8, 5],
      [33, 6],
      [2113, 7],
    ]);
    assert.deepEqual(cumulativeDistribution(new LatencyHistogram()), []);
  });

  it('GRAPH: bars scale between the lowest and highest sample, labels are the age in s/m/h/d', () => {
    const m = new LatencyMonitor();
    m.addSample('e', 10, 1000);
    m.addSample('e', 100, 1001);
    m.addSample('e', 200, 1003);
    m.addSample('e', 53, 1004);
    m.addSample('e', 20, 1004);
    assert.equal(
      latencyGraph('e', m.events.get('e')!, 1004),
      'e - high 200 ms, low 10 ms (all time high 200 ms)\n' +
        '-'.repeat(80) +
        '\n' +
        '  # \n' +
        '  | \n' +
        ' #| \n' +
        '_||#\n' +
        '    \n' +
        '4310\n' +
        'ssss\n',
    );
    const old = new LatencyMonitor();
    old.addSample('e', 5, 1);
    assert.match(latencyGraph('e', old.events.get('e')!, 1 + 90 * 86400), /\n_\n \n9\n0\nd\n$/);
  });

  it('160 samples at most, the oldest dropped first', () => {
    const m = new LatencyMonitor();
    for (let i = 1; i <= 200; i++) m.addSample('e', i, i);
    const times: number[] = [];
    m.events.get('e')!.forEach((t) => times.push(t));
    assert.equal(times.length, 160);
    assert.equal(times[0], 41);
    assert.equal(times[159], 200);
  });
});

