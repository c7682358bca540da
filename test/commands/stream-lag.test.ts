/**
 * Consumer-group lag and entries-read against a real redis-server 7.0: random sequences of every
 * command that moves a stream's counters (XADD with and without trimming, XDEL, XTRIM MAXLEN/MINID
 * exact and `~`, XSETID, XGROUP CREATE/SETID with and without ENTRIESREAD, XREADGROUP, XCLAIM
 * LASTID, DEL) interleaved with XINFO GROUPS and XINFO STREAM [FULL], every reply compared.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffSuite, RawConnection } from '../helpers/differential.js';

const U64 = '18446744073709551615';

/** Delivery and seen times (ms since the epoch) differ between the servers by design. */
function maskTimes(reply: Buffer): string {
  return reply.latin1Slice().replace(/:1\d{12}\r\n/g, ':T\r\n');
}

async function runMasked(conns: [RawConnection, RawConnection], steps: string[][], resp: 2 | 3): Promise<void> {
  const [r, c] = conns;
  await Promise.all([r.command(['FLUSHALL']), c.command(['FLUSHALL'])]);
  await Promise.all([r.command(['HELLO', String(resp)]), c.command(['HELLO', String(resp)])]);
  for (let i = 0; i < steps.length; i++) {
    const [expected, actual] = await Promise.all([r.command(steps[i]), c.command(steps[i])]);
    const e = maskTimes(expected);
    const a = maskTimes(actual);
    if (e !== a) {
      assert.fail(
        `RESP${resp} step ${i + 1} ${JSON.stringify(steps[i])}\n  redis:  ${JSON.stringify(e)}\n  cinder: ${JSON.stringify(a)}\n` +
          `  steps: ${JSON.stringify(steps.slice(0, i + 1))}`,
      );
    }
  }
}

diffSuite('stream: consumer-group lag and entries-read (property)', (t) => {
  const ms = fc.integer({ min: 1, max: 14 });
  const id = fc.oneof(
    { weight: 6, arbitrary: ms.map((m) => `${m}-1`) },
    { weight: 1, arbitrary: ms.map((m) => `${m}-0`) },
    { weight: 1, arbitrary: fc.constantFrom('0', '0-0', `${U64}-${U64}`, '20-0') },
  );
  const groupId = fc.oneof({ weight: 3, arbitrary: id }, { weight: 2, arbitrary: fc.constant('$') });
  const entriesRead = fc.oneof(fc.constant<string[]>([]), fc.integer({ min: -1, max: 16 }).map((n) => ['ENTRIESREAD', String(n)]));
  const group = fc.constantFrom('g', 'g', 'h');
  const consumer = fc.constantFrom('alice', 'bob');
  const trim = fc.tuple(fc.constantFrom('MAXLEN', 'MINID'), fc.constantFrom('=', '~'), fc.integer({ min: 0, max: 14 })).map(([s, a, n]) =>
    s === 'MAXLEN' ? [s, a, String(n)] : [s, a, `${n}-1`],
  );
  const step: fc.Arbitrary<string[]> = fc.oneof(
    { weight: 8, arbitrary: ms.map((m) => ['XADD', 's', `${m}-1`, 'f', String(m)]) },
    { weight: 2, arbitrary: fc.tuple(trim, ms).map(([tr, m]) => ['XADD', 's', ...tr, `${m}-1`, 'f', 'v']) },
    { weight: 3, arbitrary: fc.array(id, { minLength: 1, maxLength: 3 }).map((ids) => ['XDEL', 's', ...ids]) },
    { weight: 2, arbitrary: trim.map((tr) => ['XTRIM', 's', ...tr]) },
    {
      weight: 3,
      arbitrary: fc.tuple(group, groupId, fc.boolean(), entriesRead).map(([g, i, mk, er]) => ['XGROUP', 'CREATE', 's', g, i, ...(mk ? ['MKSTREAM'] : []), ...er]),
    },
    { weight: 3, arbitrary: fc.tuple(group, groupId, entriesRead).map(([g, i, er]) => ['XGROUP', 'SETID', 's', g, i, ...er]) },
    {
      weight: 5,
      arbitrary: fc.tuple(group, consumer, fc.constantFrom([], ['COUNT', '1'], ['COUNT', '2']), fc.boolean()).map(([g, c, n, noack]) => [
        'XREADGROUP', 'GROUP', g, c, ...n, ...(noack ? ['NOACK'] : []), 'STREAMS', 's', '>',
      ]),
    },
    { weight: 1, arbitrary: fc.tuple(group, consumer).map(([g, c]) => ['XREADGROUP', 'GROUP', g, c, 'STREAMS', 's', '0']) },
    {
      weight: 1,
      arbitrary: fc.tuple(ms, fc.option(fc.integer({ min: 0, max: 16 })), fc.option(ms)).map(([m, added, maxDel]) => [
        'XSETID', 's', `${m}-1`, ...(added === null ? [] : ['ENTRIESADDED', String(added)]), ...(maxDel === null ? [] : ['MAXDELETEDID', `${maxDel}-1`]),
      ]),
    },
    { weight: 1, arbitrary: fc.tuple(group, consumer, id, id).map(([g, c, i, last]) => ['XCLAIM', 's', g, c, '0', i, 'FORCE', 'JUSTID', 'LASTID', last]) },
    { weight: 1, arbitrary: group.map((g) => ['XGROUP', 'DESTROY', 's', g]) },
    { weight: 1, arbitrary: fc.constant<string[]>(['DEL', 's']) },
    // Reads: XSETID below trailing tombstones followed by XADD leaves entries out of ID order.
    { weight: 1, arbitrary: fc.tuple(id, id).map(([a, b]) => ['XRANGE', 's', a, b]) },
    { weight: 1, arbitrary: fc.tuple(id, id).map(([a, b]) => ['XREVRANGE', 's', b, a]) },
    { weight: 1, arbitrary: id.map((a) => ['XREAD', 'STREAMS', 's', a]) },
    { weight: 4, arbitrary: fc.constant<string[]>(['XINFO', 'GROUPS', 's']) },
    { weight: 2, arbitrary: fc.constant<string[]>(['XINFO', 'STREAM', 's']) },
    { weight: 2, arbitrary: fc.constant<string[]>(['XINFO', 'STREAM', 's', 'FULL']) },
    { weight: 1, arbitrary: fc.constant<string[]>(['XREVRANGE', 's', '+', '-']) },
  );
  const sequence = fc.array(step, { minLength: 5, maxLength: 40, size: 'max' }).map((steps) => [...steps, ['XINFO', 'GROUPS', 's'], ['XINFO', 'STREAM', 's', 'FULL']]);

  t.case('ENTRIESREAD above, equal to and below entries-added (lag may go negative, as in Redis 7.0)', [
    ['XADD', 's', '1-1', 'f', 'v'],
    ['XGROUP', 'CREATE', 's', 'g', '0', 'ENTRIESREAD', '7'],
    ['XGROUP', 'CREATE', 's', 'h', '$', 'ENTRIESREAD', '1'],
    ['XGROUP', 'CREATE', 's', 'i', '0', 'ENTRIESREAD', '0'],
    ['XGROUP', 'CREATE', 's', 'j', '0', 'ENTRIESREAD', '-1'],
    ['XINFO', 'GROUPS', 's'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
    ['XADD', 's', '2-1', 'f', 'v'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
    ['XGROUP', 'SETID', 's', 'h', '0', 'ENTRIESREAD', '9'],
    ['XGROUP', 'SETID', 's', 'i', '$'],
    ['XINFO', 'GROUPS', 's'],
    ['XINFO', 'STREAM', 's'],
  ]);
  t.case('XSETID compares with the last live entry, not last-generated-id', [
    ['XADD', 's', '1-1', 'f', '1'],
    ['XADD', 's', '13-1', 'f', '13'],
    ['XDEL', 's', '13-1'],
    ['XSETID', 's', '0-1'],
    ['XSETID', 's', '1-1', 'ENTRIESADDED', '0'],
    ['XSETID', 's', '1-1'],
    ['XINFO', 'STREAM', 's'],
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XINFO', 'GROUPS', 's'],
    ['XADD', 's', '2-1', 'f', '2'],
    ['XRANGE', 's', '-', '+'],
    ['XREVRANGE', 's', '+', '-'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
    ['XINFO', 'GROUPS', 's'],
    ['XINFO', 'STREAM', 's'],
  ]);
  t.case('XADD below trailing tombstones: entries out of order as Redis keeps them', [
    ['CONFIG', 'SET', 'stream-node-max-entries', '3'],
    ['XADD', 's', '8-1', 'f', '1'],
    ['XADD', 's', '9-1', 'f', '1'],
    ['XDEL', 's', '9-1'],
    ['XTRIM', 's', 'MINID', '9-1'],
    ['XSETID', 's', '1-1'],
    ['XADD', 's', '2-1', 'f', '2'],
    ['XADD', 's', '3-1', 'f', '3'],
    ['XRANGE', 's', '-', '+'],
    ['XREVRANGE', 's', '+', '-'],
    ['XRANGE', 's', '2-1', '2-1'],
    ['XREAD', 'STREAMS', 's', '2-1'],
    ['XINFO', 'STREAM', 's'],
    ['XGROUP', 'CREATE', 's', 'g', '2-1'],
    ['XGROUP', 'CREATE', 's', 'h', '0'],
    ['XINFO', 'GROUPS', 's'],
    ['XDEL', 's', '2-1'],
    ['XINFO', 'STREAM', 's'],
    ['XDEL', 's', '3-1'],
    ['XINFO', 'STREAM', 's'],
    ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
  ]);
  t.case('a new node filed under the ID of an old one replaces it (Redis loses its entries)', [
    ['CONFIG', 'SET', 'stream-node-max-entries', '3'],
    ...[5, 6, 7, 8, 9].map((m) => ['XADD', 's', `${m}-1`, 'f', '1']),
    ['XDEL', 's', '9-1'],
    ['XTRIM', 's', 'MINID', '9-1'],
    ['XSETID', 's', '1-1'],
    ...['2-1', '3-1', '4-1', '4-2', '5-1', '8-1', '8-5'].map((id) => ['XADD', 's', id, 'f', '3']),
    ['XLEN', 's'],
    ['XRANGE', 's', '-', '+'],
    ['XREVRANGE', 's', '4', '3'],
    ['XDEL', 's', '3-1'],
    ['XINFO', 'STREAM', 's', 'FULL'],
    ['XTRIM', 's', 'MINID', '4-2'],
    ['XINFO', 'STREAM', 's', 'FULL'],
    ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
  ]);

  async function withConnections(fn: (conns: [RawConnection, RawConnection]) => Promise<void>): Promise<void> {
    const conns = await Promise.all([RawConnection.connect(t.ports.redis), RawConnection.connect(t.ports.cinder)]);
    try {
      await fn(conns);
    } finally {
      for (const x of conns) x.close();
    }
  }

  it('XINFO GROUPS and XINFO STREAM FULL match after random sequences', async () => {
    await withConnections(async (conns) => {
      await fc.assert(
        fc.asyncProperty(sequence, fc.constantFrom<2 | 3>(2, 3), (steps, resp) => runMasked(conns, steps, resp)),
        { numRuns: Number(process.env.STREAM_LAG_RUNS ?? 300), seed: Number(process.env.STREAM_SEED ?? 7007) },
      );
    });
  });

  it('the same with small nodes (approximate trimming drops whole nodes)', async () => {
    await withConnections(async (conns) => {
      await Promise.all(conns.map((x) => x.command(['CONFIG', 'SET', 'stream-node-max-entries', '3'])));
      try {
        await fc.assert(
          fc.asyncProperty(sequence, (steps) => runMasked(conns, steps, 2)),
          { numRuns: Number(process.env.STREAM_LAG_RUNS ?? 300), seed: Number(process.env.STREAM_SEED ?? 8008) },
        );
      } finally {
        await Promise.all(conns.map((x) => x.command(['CONFIG', 'SET', 'stream-node-max-entries', '100'])));
      }
    });
  });
});
