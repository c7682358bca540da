/**
 * Memory introspection against redis-server 7.0: INFO memory's fields, MEMORY DOCTOR / HELP /
 * USAGE, and used_memory following the dataset as Redis's does. Values are per process, so they are
 * compared by kind (integer, human size, ratio, percentage), by bounds, or through the report texts
 * Redis can give; the texts and field lists themselves must match exactly.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { diffSuite, RawConnection, parseReply, satisfies, type Matcher, type Reply } from '../helpers/differential.js';

const RESPS: Array<2 | 3> = [2, 3];

/** The text of a bulk or verbatim reply. */
function text(r: Reply): string | null {
  if (r.text === null) return null;
  if (r.type === '=') return r.text.startsWith('txt:') ? r.text.slice(4) : null;
  return r.type === '$' ? r.text : null;
}

function textOf(reply: Buffer): string {
  const t = text(parseReply(reply));
  assert.ok(t !== null, `not a bulk or verbatim reply: ${reply.latin1Slice().slice(0, 80)}`);
  return t;
}

/** INFO memory as [field, value] pairs in order. */
function infoFields(reply: Buffer): Array<[string, string]> {
  const lines = textOf(reply).split('\r\n').filter((l) => l !== '' && !l.startsWith('#'));
  return lines.map((l) => {
    const colon = l.indexOf(':');
    return [l.slice(0, colon), l.slice(colon + 1)];
  });
}

/** What kind of value an INFO field holds: values differ per process, kinds must not. */
function kind(value: string): string {
  if (/^-?\d+$/.test(value)) return 'integer';
  if (/^\d+(\.\d\d[KMGTP]|B)$/.test(value)) return 'human size';
  if (/^-?\d+\.\d\d$/.test(value)) return 'ratio';
  if (/^-?\d+\.\d\d%$/.test(value)) return 'percentage';
  return 'word';
}

/** Fields whose values both servers must report the same (configuration, absent subsystems). */
const SAME_VALUE = [
  'maxmemory',
  'maxmemory_human',
  'maxmemory_policy',
  'mem_not_counted_for_evict',
  'mem_replication_backlog',
  'mem_total_replication_buffers',
  'mem_clients_slaves',
  'mem_cluster_links',
  'mem_aof_buffer',
  'number_of_cached_scripts',
  'number_of_functions',
  'number_of_libraries',
  'active_defrag_running',
  'lazyfree_pending_objects',
  'lazyfreed_objects',
];

// ---------------------------------------------------------------- MEMORY DOCTOR texts (Redis 7.0.15)

const NO_ISSUE = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
const EMPTY =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
const ISSUES = 'Sam, I detected a few issues in this Redis instance memory implants:\n\n';
const END = "I'm here to keep you safe, Sam. I want to help you.\n";
/** Redis's bullets, in the order it prints them, by title. */
const BULLETS: Array<[title: string, text: RegExp]> = [
  ['Peak memory', /^ \* Peak memory: In the past this instance used more than 150% the memory that is currently using\. .* otherwise the only other option is to shutdown and restart the instance\.\n\n$/],
  ['High total RSS', /^ \* High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1\.4 .* Note: The currently used allocator is "[^"]+"\.\n\n$/],
  ['High allocator fragmentation', /^ \* High allocator fragmentation: .* You can try enabling 'activedefrag' config option\.\n\n$/],
  ['High allocator RSS overhead', /^ \* High allocator RSS overhead: .* you can try the MEMORY PURGE command to reclaim it\.\n\n$/],
  ['High process RSS overhead', /^ \* High process RSS overhead: .* This problem may be due to Lua scripts or Modules\.\n\n$/],
  ['Big replica buffers', /^ \* Big replica buffers: .* to check the output buffers of each replica\.\n\n$/],
  ['Big client buffers', /^ \* Big client buffers: .* why certain clients are using a big amount of memory\.\n\n$/],
  ['Many scripts', /^ \* Many scripts: There seem to be many cached scripts in this instance \(more than 1000\)\. .* the scripts' caches may end up consuming most of your memory\.\n\n$/],
];

/** The titles of a MEMORY DOCTOR report's bullets, or null when it is not one of Redis's reports. */
function doctorTitles(report: string): string[] | null {
  if (report === NO_ISSUE || report === EMPTY) return [];
  if (!report.startsWith(ISSUES) || !report.endsWith(END)) return null;
  const body = report.slice(ISSUES.length, report.length - END.length);
  const bullets = body.split(/(?<=\n\n)(?= \* )/);
  const titles: string[] = [];
  let next = 0;
  for (const bullet of bullets) {
    const at = BULLETS.findIndex(([, re], i) => i >= next && re.test(bullet));
    if (at < 0) return null;
    titles.push(BULLETS[at][0]);
    next = at + 1;
  }
  return titles.length > 0 ? titles : null;
}

/** A MEMORY DOCTOR reply made of Redis's texts, in its order, with the `required` bullets. */
function doctorReport(required: string[] = []): Matcher {
  return satisfies(`a MEMORY DOCTOR report with ${required.join(', ') || 'any findings'}`, (r) => {
    const t = text(r);
    const titles = t === null ? null : doctorTitles(t);
    return titles !== null && required.every((title) => titles.includes(title));
  });
}

/** MEMORY USAGE within a factor 4 of Redis's either way. */
const usageNearRedis: Matcher = {
  describe: "MEMORY USAGE within 4x of Redis's",
  match(redis, cinder) {
    const [r, c] = [parseReply(redis), parseReply(cinder)];
    if (r.type !== ':' || c.type !== ':') return false;
    const [a, b] = [Number(r.text), Number(c.text)];
    return a > 0 && b > 0 && b <= a * 4 && b * 4 >= a;
  },
};

async function withConnections<T>(ports: { redis: number; cinder: number }, resp: 2 | 3, body: (r: RawConnection, c: RawConnection) => Promise<T>): Promise<T> {
  const [r, c] = await Promise.all([RawConnection.connect(ports.redis), RawConnection.connect(ports.cinder)]);
  try {
    if (resp === 3) await Promise.all([r.command(['HELLO', '3']), c.command(['HELLO', '3'])]);
    return await body(r, c);
  } finally {
    r.close();
    c.close();
  }
}

async function usedMemory(conn: RawConnection): Promise<number> {
  const fields = new Map(infoFields(await conn.command(['INFO', 'memory'])));
  return Number(fields.get('used_memory'));
}

diffSuite(
  'memory: INFO memory, MEMORY DOCTOR, HELP, USAGE',
  (t) => {
    for (const resp of RESPS) {
      it(`INFO memory has Redis's fields, in its order, with values of the same kinds [RESP${resp}]`, async () => {
        await withConnections(t.ports, resp, async (r, c) => {
          for (const argv of [
            ['FLUSHALL'],
            ['CONFIG', 'SET', 'maxmemory', '100mb'],
            ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'],
            ['SET', 'k', 'v'],
            ['EVAL', 'return 1', '0'],
          ]) {
            await Promise.all([r.command(argv), c.command(argv)]);
          }
          try {
            const [a, b] = await Promise.all([r.command(['INFO', 'memory']), c.command(['INFO', 'memory'])]);
            const theirs = infoFields(a);
            const ours = infoFields(b);
            assert.deepEqual(
              ours.map(([k]) => k),
              theirs.map(([k]) => k),
              'field names and order',
            );
            for (let i = 0; i < theirs.length; i++) {
              const [name, value] = theirs[i];
              // The allocator is named differently (jemalloc-5.3.0 / libc): a word either way.
              assert.equal(kind(ours[i][1]), kind(value), `${name}: ${ours[i][1]} vs Redis's ${value}`);
              if (SAME_VALUE.includes(name)) assert.equal(ours[i][1], value, name);
            }
            const values = new Map(ours);
            assert.equal(values.get('maxmemory'), '104857600');
            assert.equal(values.get('mem_allocator'), 'libc');
            const used = Number(values.get('used_memory'));
            assert.equal(Number(values.get('used_memory_overhead')) + Number(values.get('used_memory_dataset')), used);
            assert.ok(Number(values.get('used_memory_peak')) >= used);
            assert.ok(Number(values.get('used_memory_startup')) < used);
            assert.ok(Number(values.get('mem_clients_normal')) > 0);
          } finally {
            for (const argv of [
              ['CONFIG', 'SET', 'maxmemory', '0'],
              ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
            ]) {
              await Promise.all([r.command(argv), c.command(argv)]);
            }
          }
        });
      });
    }

    t.case('DOCTOR on an empty instance', [['MEMORY', 'DOCTOR'], ['SET', 'k', 'v'], ['MEMORY', 'DOCTOR'], ['MEMORY', 'DOCTOR', 'x']]);
    t.case('HELP', [['MEMORY', 'HELP'], ['memory', 'help'], ['MEMORY', 'HELP', 'x']]);
    t.case('USAGE of every type and encoding', [
      ['SET', 'int', '12345'],
      ['SET', 'embstr', 'hello'],
      ['SET', 'raw', 'r'.repeat(100)],
      ['SET', 'big', 'b'.repeat(20000)],
      ['APPEND', 'appended', 'a'.repeat(30)],
      ['RPUSH', 'list', 'a', 'b', '1', '2'],
      ['HSET', 'hash', 'f', 'v', 'g', 'w'],
      ['SADD', 'intset', '1', '2', '3'],
      ['SADD', 'strset', 'a', 'b', 'c'],
      ['ZADD', 'zset', '1', 'a', '2', 'b'],
      ['XADD', 'stream', '1-1', 'f', 'v'],
      ['EVAL', "for i = 1, 600 do redis.call('HSET', 'bighash', 'f' .. i, 'v' .. i); redis.call('SADD', 'bigset', 'm' .. i); redis.call('ZADD', 'bigzset', i, 'm' .. i); redis.call('RPUSH', 'biglist', 'v' .. i); redis.call('XADD', 'bigstream', '*', 'f', 'v' .. i) end", '0'],
      ['OBJECT', 'ENCODING', 'bighash'],
      ['OBJECT', 'ENCODING', 'bigset'],
      ['OBJECT', 'ENCODING', 'bigzset'],
      ...['int', 'embstr', 'raw', 'big', 'appended', 'list', 'hash', 'intset', 'strset', 'zset', 'bighash', 'bigset', 'bigzset', 'biglist', 'bigstream'].map((k) => ({
        argv: ['MEMORY', 'USAGE', k],
        compare: usageNearRedis,
      })),
      { argv: ['MEMORY', 'USAGE', 'bigstream', 'SAMPLES', '0'], compare: usageNearRedis },
    ]);
    t.case('DOCTOR with data reports in Redis words', [
      ['DEBUG', 'POPULATE', '60000', 'key', '100'],
      { argv: ['MEMORY', 'DOCTOR'], compare: doctorReport() },
      ['FLUSHALL'],
      // Little left: the empty-instance report again, whatever the peak was.
      ['MEMORY', 'DOCTOR'],
    ]);
    t.case(
      'DOCTOR reports a past peak and many cached scripts',
      [
        ['DEBUG', 'POPULATE', '150000', 'key', '100'],
        // INFO records the peak (Redis's cron would, a moment later).
        { argv: ['INFO', 'memory'], compare: 'type' },
        ['EVAL', "for i = 0, 119999 do redis.call('DEL', 'key:' .. i) end", '0'],
        ...Array.from({ length: 1001 }, (_, i) => ({ argv: ['SCRIPT', 'LOAD', `return ${i}`], compare: 'type' as const })),
        { argv: ['MEMORY', 'DOCTOR'], compare: doctorReport(['Peak memory', 'Many scripts']) },
      ],
      { resp: [2] },
    );

    for (const resp of RESPS) {
      it(`used_memory follows the dataset as Redis's does, type by type [RESP${resp}]`, async () => {
        await withConnections(t.ports, resp, async (r, c) => {
          const loads = [
            "for i = 1, 20000 do redis.call('SET', 'k' .. i, 'value' .. i) end",
            "for i = 1, 20000 do redis.call('HSET', 'h' .. (i % 2000), 'field' .. i, 'value' .. i) end",
            "for i = 1, 50000 do redis.call('HSET', 'bh', 'field' .. i, 'value' .. i) end",
            "for i = 1, 20000 do redis.call('RPUSH', 'l' .. (i % 2000), 'value' .. i) end",
            "for i = 1, 50000 do redis.call('RPUSH', 'bl', 'value' .. i) end",
            "for i = 1, 20000 do redis.call('SADD', 's' .. (i % 2000), 'value' .. i) end",
            "for i = 1, 20000 do redis.call('SADD', 'si' .. (i % 2000), i) end",
            "for i = 1, 50000 do redis.call('SADD', 'bs', 'value' .. i) end",
            "for i = 1, 20000 do redis.call('ZADD', 'z' .. (i % 2000), i, 'value' .. i) end",
            "for i = 1, 50000 do redis.call('ZADD', 'bz', i, 'value' .. i) end",
            "for i = 1, 20000 do redis.call('XADD', 'x' .. (i % 2000), '*', 'f', 'value' .. i) end",
            "for i = 1, 50000 do redis.call('XADD', 'bx', '*', 'f', 'value' .. i) end",
          ];
          for (const load of loads) {
            await Promise.all([r.command(['FLUSHALL']), c.command(['FLUSHALL'])]);
            // The script cache is left as it was before the measure: the load's script is cached first.
            await Promise.all([r.command(['SCRIPT', 'LOAD', load]), c.command(['SCRIPT', 'LOAD', load])]);
            const [r0, c0] = await Promise.all([usedMemory(r), usedMemory(c)]);
            await Promise.all([r.command(['EVAL', load, '0']), c.command(['EVAL', load, '0'])]);
            const [r1, c1] = await Promise.all([usedMemory(r), usedMemory(c)]);
            const ratio = (c1 - c0) / (r1 - r0);
            assert.ok(ratio > 0.25 && ratio < 4, `${load}: Cinder grew ${c1 - c0} bytes, Redis ${r1 - r0}`);
            await Promise.all([r.command(['FLUSHALL']), c.command(['FLUSHALL'])]);
            // Deleting it all gives everything back but new commands' latency histograms (12 KB each):
            // the accounting has no drift.
            const back = (await usedMemory(c)) - c0;
            assert.ok(Math.abs(back) < 128 * 1024, `${load}: ${back} bytes left after FLUSHALL`);
          }
        });
      });
    }

    it('used_memory stands still while nothing changes (it does not wait for garbage collection)', async () => {
      await withConnections(t.ports, 2, async (_r, c) => {
        await c.command(['FLUSHALL']);
        await c.command(['EVAL', "for i = 1, 5000 do redis.call('SET', 'k' .. i, string.rep('x', 100)) end", '0']);
        // Each command's first call adds its latency histogram (counted): those calls come first.
        await c.command(['GET', 'k1']);
        await usedMemory(c);
        const first = await usedMemory(c);
        for (let i = 0; i < 20; i++) await c.command(['GET', `k${i}`]);
        assert.equal(await usedMemory(c), first);
      });
    });
  },
  { config: { 'enable-debug-command': 'yes' } },
);
