/**
 * What the stream commands propagate to replicas, compared with a real Redis 7.0 replica stream:
 * XADD with the ID it generated and approximate trimming made exact, the consumer-group reads and
 * claims as the XCLAIM / XGROUP SETID effects Redis chooses, nothing for no-ops and failures, and
 * the command path's wrapping (MULTI, EVAL, lazy expiry, SELECT, a blocked XREADGROUP served later)
 * around them.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Step } from '../helpers/differential.js';
import { normalizeTimes, propagationSuite, type PropagationCaseOptions, type PropagationScenario } from '../helpers/propagation.js';
import type { PairedClient } from '../helpers/scenario.js';

/** Every write command of the stream group (XGROUP by subcommand): each must be exercised below. */
const STREAM_WRITES = [
  'xadd',
  'xdel',
  'xtrim',
  'xsetid',
  'xgroup|create',
  'xgroup|setid',
  'xgroup|destroy',
  'xgroup|createconsumer',
  'xgroup|delconsumer',
  'xack',
  'xclaim',
  'xautoclaim',
  'xreadgroup',
];

/** The command a step runs, XGROUP with its subcommand (`xgroup|create`). */
function commandOf(argv: readonly string[]): string {
  const name = argv[0].toLowerCase();
  return name === 'xgroup' && argv.length > 1 ? `${name}|${argv[1].toLowerCase()}` : name;
}

/**
 * PEXPIRE only gives keys a TTL before a lazy-expiry case; its own propagated form (PEXPIREAT) is
 * the keyspace commands' concern, so both forms compare equal here.
 */
function expiryAsMarker(argv: string[]): string[] {
  return /^pexpire(at)?$/i.test(argv[0]) ? ['<pexpire>', argv[1]] : normalizeTimes(argv);
}

/** Small stream nodes make approximate trimming visible with a few entries. */
const SMALL_NODES: Step[] = [['CONFIG', 'SET', 'stream-node-max-entries', '3']];
const DEFAULT_NODES: Step[] = [['CONFIG', 'SET', 'stream-node-max-entries', '100']];

/** XADD key <n>-1 f <n> for n = from..to. */
function addMany(key: string, from: number, to: number): Step[] {
  const out: Step[] = [];
  for (let n = from; n <= to; n++) out.push(['XADD', key, `${n}-1`, 'f', String(n)]);
  return out;
}

/** Waits until both servers have `n` clients blocked. */
async function waitBlocked(s: PropagationScenario, probe: PairedClient, n: number): Promise<void> {
  const blocked = (info: Buffer) => Number(/blocked_clients:(\d+)/.exec(info.latin1Slice())?.[1]);
  for (let i = 0; i < 500; i++) {
    const [r, c] = await Promise.all([probe.redis.command(['INFO', 'clients']), probe.cinder.command(['INFO', 'clients'])]);
    if (blocked(r) === n && blocked(c) === n) return;
    await s.sleep(5);
  }
  assert.fail(`clients did not block (${n} expected)`);
}

propagationSuite('propagation: streams', (t) => {
  const covered = new Set<string>();
  const streamCase = (name: string, steps: Step[], opts?: PropagationCaseOptions): void => {
    for (const step of steps) if (Array.isArray(step) && step.length > 0) covered.add(commandOf(step));
    t.case(name, steps, opts);
  };
  const streamScenario = (name: string, commands: string[], body: (s: PropagationScenario) => Promise<void>, opts?: PropagationCaseOptions): void => {
    for (const c of commands) covered.add(c);
    t.scenario(name, body, opts);
  };

  // ------------------------------------------------------------------ XADD

  streamCase('XADD with a full explicit ID propagates as sent', [
    ['XADD', 's', '1-1', 'f', 'v'],
    ['XADD', 's', '1-2', 'a', '1', 'b', '2'],
    ['XADD', 's', '2', 'f', 'v'],
    ['xadd', 's', '3-0', 'f', 'v'],
  ]);
  streamCase('XADD with ms-* propagates the ID it generated', [
    ['XADD', 's', '5-*', 'f', 'v'],
    ['XADD', 's', '5-*', 'f', 'v'],
    ['XADD', 's', '7-*', 'f', 'v'],
    ['XADD', 's', '7-5', 'f', 'v'],
    ['XADD', 's', '7-*', 'f', 'v'],
  ]);
  streamCase('XADD with * propagates the ID it generated', [
    ['XADD', 's', '*', 'f', 'v'],
    ['XADD', 's', '*', 'f', 'v'],
    ['XADD', 'future', '99999999999999-5', 'f', 'v'],
    ['XADD', 'future', '*', 'f', 'v'],
  ], { compare: 'type' });
  streamCase('XADD NOMKSTREAM: nothing for a missing key, as sent otherwise', [
    ['XADD', 's', 'NOMKSTREAM', '1-1', 'f', 'v'],
    ['EXISTS', 's'],
    ['XADD', 's', '1-1', 'f', 'v'],
    ['XADD', 's', 'NOMKSTREAM', '2-1', 'f', 'v'],
    ['XADD', 's', 'NOMKSTREAM', '3-*', 'f', 'v'],
  ]);
  streamCase('XADD failures propagate nothing', [
    ['XADD', 's', '5-1', 'f', 'v'],
    ['XADD', 's', '5-1', 'f', 'v'],
    ['XADD', 's', '4-*', 'f', 'v'],
    ['XADD', 's', '0-0', 'f', 'v'],
    ['XADD', 's', '6-1', 'f'],
    ['XADD', 's', 'bad', 'f', 'v'],
    ['XADD', 's', 'MAXLEN', '-1', '6-1', 'f', 'v'],
    ['XADD', 's', 'MAXLEN', '1', 'LIMIT', '5', '6-1', 'f', 'v'],
    ['SET', 'str', 'v'],
    ['XADD', 'str', '1-1', 'f', 'v'],
    ['XSETID', 's', '18446744073709551615-18446744073709551615'],
    ['XADD', 's', '*', 'f', 'v'],
  ]);
  streamCase('XADD with exact MAXLEN / MINID trimming propagates as sent', [
    ...addMany('s', 1, 5),
    ['XADD', 's', 'MAXLEN', '3', '6-1', 'f', 'v'],
    ['XADD', 's', 'MAXLEN', '=', '3', '7-1', 'f', 'v'],
    ['XADD', 's', 'MAXLEN', '10', '8-1', 'f', 'v'],
    ['XADD', 's', 'MINID', '7', '9-1', 'f', 'v'],
    ['XADD', 's', 'MINID', '=', '8-1', '10-*', 'f', 'v'],
    ['XADD', 's', 'MAXLEN', '0', '11-1', 'f', 'v'],
    ['XLEN', 's'],
  ]);
  streamCase('XADD with approximate MAXLEN propagates the exact length it left', [
    ...SMALL_NODES,
    ...addMany('s', 1, 10),
    ['XADD', 's', 'MAXLEN', '~', '5', '11-1', 'f', 'v'],
    ['XLEN', 's'],
    ['XADD', 's', 'MAXLEN', '~', '100', '12-1', 'f', 'v'],
    ['XADD', 's', 'MAXLEN', '~', '2', '13-*', 'f', 'v'],
    ['XADD', 's', 'MAXLEN', '~', '0', '*', 'f', 'v'],
    ['XLEN', 's'],
    ...DEFAULT_NODES,
  ], { compare: 'type' });
  streamCase('XADD with approximate MINID propagates the first ID it left', [
    ...SMALL_NODES,
    ...addMany('s', 1, 10),
    ['XADD', 's', 'MINID', '~', '5', '11-1', 'f', 'v'],
    ['XADD', 's', 'MINID', '~', '1', '12-1', 'f', 'v'],
    ['XADD', 's', 'MINID', '~', '100', '13-1', 'f', 'v'],
    ['XLEN', 's'],
    ['XADD', 'e', 'MINID', '~', '100', '5-1', 'f', 'v'],
    ['XLEN', 'e'],
    ...DEFAULT_NODES,
  ]);
  streamCase('XADD with approximate trimming and LIMIT propagates the exact threshold, LIMIT kept', [
    ...SMALL_NODES,
    ...addMany('s', 1, 12),
    ['XADD', 's', 'MAXLEN', '~', '0', 'LIMIT', '3', '13-1', 'f', 'v'],
    ['XADD', 's', 'MAXLEN', '~', '0', 'LIMIT', '2', '14-1', 'f', 'v'],
    ['XADD', 's', 'MINID', '~', '100', 'LIMIT', '6', '15-1', 'f', 'v'],
    ['XADD', 's', 'NOMKSTREAM', 'MAXLEN', '~', '1', 'LIMIT', '0', '16-1', 'f', 'v'],
    ['XLEN', 's'],
    ...DEFAULT_NODES,
  ]);

  // ------------------------------------------------------------------ XTRIM, XDEL, XSETID

  streamCase('XTRIM exact propagates as sent when it removes entries', [
    ...addMany('s', 1, 6),
    ['XTRIM', 's', 'MAXLEN', '4'],
    ['XTRIM', 's', 'MAXLEN', '10'],
    ['XTRIM', 's', 'MAXLEN', '=', '3'],
    ['XTRIM', 's', 'MINID', '5'],
    ['XTRIM', 's', 'MINID', '=', '6-1'],
    ['XTRIM', 's', 'MINID', '1'],
    ['XTRIM', 'missing', 'MAXLEN', '0'],
    ['XTRIM', 's', 'MAXLEN', '0'],
    ['EXISTS', 's'],
  ]);
  streamCase('XTRIM approximate propagates the exact threshold, only when it removes entries', [
    ...SMALL_NODES,
    ...addMany('s', 1, 12),
    ['XTRIM', 's', 'MAXLEN', '~', '10'],
    ['XTRIM', 's', 'MAXLEN', '~', '7'],
    ['XTRIM', 's', 'MINID', '~', '8'],
    ['XTRIM', 's', 'MINID', '~', '11-1'],
    ['XTRIM', 's', 'MAXLEN', '~', '0', 'LIMIT', '1'],
    ['XTRIM', 's', 'MAXLEN', '~', '0', 'LIMIT', '3'],
    ['XLEN', 's'],
    ['XTRIM', 's', 'MINID', '~', '100'],
    ['XLEN', 's'],
    ...DEFAULT_NODES,
  ]);
  streamCase('approximate MINID propagates the first stored ID, even a deleted one', [
    ...SMALL_NODES,
    ...addMany('s', 1, 9),
    ['XDEL', 's', '4-1', '7-1', '8-1'],
    ['XTRIM', 's', 'MINID', '~', '5'],
    ['XADD', 's', 'MINID', '~', '9', '10-1', 'f', 'v'],
    ['XLEN', 's'],
    ...DEFAULT_NODES,
  ]);
  streamCase('XTRIM failures propagate nothing', [
    ...addMany('s', 1, 3),
    ['XTRIM', 's', 'MAXLEN', 'x'],
    ['XTRIM', 's', 'MAXLEN', '1', 'LIMIT', '1'],
    ['XTRIM', 's', 'MAXLEN', '1', 'MINID', '1'],
    ['XTRIM', 's'],
    ['SET', 'str', 'v'],
    ['XTRIM', 'str', 'MAXLEN', '0'],
  ]);

  streamCase('XDEL propagates as sent when it deletes something', [
    ...addMany('s', 1, 4),
    ['XDEL', 's', '2-1'],
    ['XDEL', 's', '2-1'],
    ['XDEL', 's', '1-1', '9-9', '3-1'],
    ['XDEL', 'missing', '1-1'],
    ['XDEL', 's', 'bad'],
    ['XDEL', 's', '4-1'],
    ['EXISTS', 's'],
  ]);

  streamCase('XSETID propagates as sent, also when it changes nothing', [
    ...addMany('s', 1, 2),
    ['XSETID', 's', '5-0'],
    ['XSETID', 's', '5-0'],
    ['XSETID', 's', '6-0', 'ENTRIESADDED', '10'],
    ['XSETID', 's', '7-0', 'ENTRIESADDED', '10', 'MAXDELETEDID', '3-0'],
    ['XSETID', 's', '7-0', 'MAXDELETEDID', '7-0'],
    ['XINFO', 'STREAM', 's'],
  ]);
  streamCase('XSETID failures propagate nothing', [
    ...addMany('s', 1, 2),
    ['XSETID', 's', '1-0'],
    ['XSETID', 'missing', '1-0'],
    ['XSETID', 's', '9-0', 'ENTRIESADDED', '1'],
    ['XSETID', 's', '9-0', 'MAXDELETEDID', '10-0'],
    ['XSETID', 's', '9-0', 'ENTRIESADDED', '-1'],
    ['XSETID', 's', 'x'],
  ]);

  // ------------------------------------------------------------------ XGROUP

  streamCase('XGROUP CREATE propagates as sent ($ too), errors nothing', [
    ...addMany('s', 1, 3),
    ['XGROUP', 'CREATE', 's', 'g1', '0'],
    ['XGROUP', 'CREATE', 's', 'g2', '$'],
    ['XGROUP', 'CREATE', 's', 'g3', '2-1', 'ENTRIESREAD', '2'],
    ['XGROUP', 'CREATE', 'new', 'g', '$', 'MKSTREAM'],
    ['XGROUP', 'CREATE', 'new2', 'g', '0', 'MKSTREAM', 'ENTRIESREAD', '0'],
    ['XGROUP', 'CREATE', 's', 'g1', '0'],
    ['XGROUP', 'CREATE', 'missing', 'g', '0'],
    ['XGROUP', 'CREATE', 's', 'g4', 'bad'],
    ['xgroup', 'create', 's', 'g5', '$'],
    ['XINFO', 'GROUPS', 's'],
  ]);
  streamCase('XGROUP SETID propagates as sent ($ too), errors nothing', [
    ...addMany('s', 1, 3),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XGROUP', 'SETID', 's', 'g', '2-1'],
    ['XGROUP', 'SETID', 's', 'g', '2-1'],
    ['XGROUP', 'SETID', 's', 'g', '$'],
    ['XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD', '0'],
    ['XGROUP', 'SETID', 's', 'nogroup', '0'],
    ['XGROUP', 'SETID', 'missing', 'g', '0'],
    ['XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD', '-5'],
  ]);
  streamCase('XGROUP DESTROY propagates as sent when it destroys a group', [
    ...addMany('s', 1, 3),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['XGROUP', 'DESTROY', 's', 'g'],
    ['XGROUP', 'DESTROY', 's', 'g'],
    ['XGROUP', 'DESTROY', 'missing', 'g'],
  ]);
  streamCase('XGROUP CREATECONSUMER propagates as sent when it creates one', [
    ...addMany('s', 1, 3),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'],
    ['XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'],
    ['XGROUP', 'CREATECONSUMER', 's', 'nogroup', 'alice'],
    ['XGROUP', 'CREATECONSUMER', 'missing', 'g', 'alice'],
  ]);
  streamCase('XGROUP DELCONSUMER propagates as sent when the consumer exists', [
    ...addMany('s', 1, 3),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>'],
    ['XGROUP', 'CREATECONSUMER', 's', 'g', 'bob'],
    ['XGROUP', 'DELCONSUMER', 's', 'g', 'alice'],
    ['XGROUP', 'DELCONSUMER', 's', 'g', 'bob'],
    ['XGROUP', 'DELCONSUMER', 's', 'g', 'nobody'],
    ['XGROUP', 'DELCONSUMER', 's', 'nogroup', 'bob'],
  ]);

  // ------------------------------------------------------------------ XREADGROUP

  streamCase('XREADGROUP > propagates an XCLAIM per delivered entry, its LASTID the group position', [
    ...addMany('s', 1, 3),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>'],
  ], { compare: 'type' });
  streamCase('XREADGROUP NOACK propagates the consumer and the group last ID', [
    ...addMany('s', 1, 3),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'NOACK', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'NOACK', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>'],
    ['XADD', 's', '4-1', 'f', 'v'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>'],
  ], { compare: 'type' });
  streamCase('XREADGROUP re-reading the history propagates nothing', [
    ...addMany('s', 1, 3),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '1-1'],
    ['XDEL', 's', '2-1'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '0'],
    ['XINFO', 'CONSUMERS', 's', 'g'],
  ], { compare: 'type' });
  streamCase('XREADGROUP taking an entry pending elsewhere (after SETID) claims it for the reader', [
    ...addMany('s', 1, 3),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['XGROUP', 'SETID', 's', 'g', '1-1'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '1', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>'],
    ['XPENDING', 's', 'g'],
  ], { compare: 'type' });
  streamCase('XREADGROUP NOACK creating a consumer to re-read history propagates the consumer only', [
    ...addMany('s', 1, 2),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'dave', 'NOACK', 'STREAMS', 's', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'NOACK', 'STREAMS', 's', '0'],
    ['XINFO', 'GROUPS', 's'],
  ], { compare: 'type' });
  streamCase('XREADGROUP NOACK over several streams: each stream\'s consumer and position in turn', [
    ...addMany('a', 1, 2),
    ...addMany('b', 3, 4),
    ['XGROUP', 'CREATE', 'a', 'g', '0'],
    ['XGROUP', 'CREATE', 'b', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'NOACK', 'COUNT', '1', 'STREAMS', 'a', 'b', '>', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'NOACK', 'STREAMS', 'b', 'a', '>', '>'],
  ], { compare: 'type' });
  streamCase('XREADGROUP with nothing new propagates nothing, and creates no consumer', [
    ...addMany('s', 1, 1),
    ['XGROUP', 'CREATE', 's', 'g', '$'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'NOACK', 'STREAMS', 's', '>'],
    ['XINFO', 'GROUPS', 's'],
  ]);
  streamCase('XREADGROUP over several streams propagates each stream\'s effects in order', [
    ...addMany('a', 1, 2),
    ...addMany('b', 3, 4),
    ['XGROUP', 'CREATE', 'a', 'g', '0'],
    ['XGROUP', 'CREATE', 'b', 'g', '0'],
    ['XGROUP', 'CREATE', 'c', 'g', '0', 'MKSTREAM'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 'a', 'c', 'b', '>', '>', '>'],
    ['XADD', 'a', '5-1', 'f', 'v'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 'a', 'b', '>', '>'],
  ], { compare: 'type' });
  streamCase('XREADGROUP past a deleted entry, and NOACK in a group created with ENTRIESREAD', [
    ...addMany('s', 1, 5),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XDEL', 's', '3-1'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '3', 'STREAMS', 's', '>'],
    ['XGROUP', 'CREATE', 's', 'h', '0', 'ENTRIESREAD', '0'],
    ['XREADGROUP', 'GROUP', 'h', 'bob', 'NOACK', 'STREAMS', 's', '>'],
  ], { compare: 'type' });
  streamCase('XREADGROUP failures propagate nothing', [
    ...addMany('s', 1, 2),
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '$'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', 'missing', '>', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's'],
    ['XREAD', 'STREAMS', 's', '0'],
  ], { compare: 'type' });

  // ------------------------------------------------------------------ XACK

  streamCase('XACK propagates as sent when it acknowledges something', [
    ...addMany('s', 1, 3),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['XACK', 's', 'g', '1-1'],
    ['XACK', 's', 'g', '1-1'],
    ['XACK', 's', 'g', '2-1', '9-9', '3-1'],
    ['XACK', 's', 'nogroup', '1-1'],
    ['XACK', 'missing', 'g', '1-1'],
    ['XACK', 's', 'g', 'bad'],
  ], { compare: 'type' });

  // ------------------------------------------------------------------ XCLAIM

  const pending: Step[] = [
    ...addMany('s', 1, 4),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    { argv: ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'], compare: 'type' },
  ];
  /** Entries 1-1 .. 4-1 pending for alice, then `steps`. */
  const afterPending = (steps: Step[]): Step[] => [...pending, ...steps];

  streamCase('XCLAIM propagates an XCLAIM per claimed entry with its delivery time and count', afterPending([
    ['XCLAIM', 's', 'g', 'bob', '0', '1-1'],
    ['XCLAIM', 's', 'g', 'bob', '0', '1-1', '2-1'],
    ['XCLAIM', 's', 'g', 'carol', '3600000', '1-1'],
    ['XCLAIM', 's', 'g', 'carol', '0', '9-9'],
  ]), { compare: 'type' });
  streamCase('XCLAIM IDLE, TIME, RETRYCOUNT and JUSTID', afterPending([
    ['XCLAIM', 's', 'g', 'bob', '0', '1-1', 'IDLE', '5000'],
    ['XCLAIM', 's', 'g', 'bob', '0', '2-1', 'TIME', '1000'],
    ['XCLAIM', 's', 'g', 'bob', '0', '3-1', 'TIME', '99999999999999'],
    ['XCLAIM', 's', 'g', 'bob', '0', '2-1', 'RETRYCOUNT', '7'],
    ['XCLAIM', 's', 'g', 'carol', '0', '2-1', '3-1', 'JUSTID'],
    ['XCLAIM', 's', 'g', 'carol', '0', '4-1', 'JUSTID', 'RETRYCOUNT', '0', 'TIME', '12345'],
  ]), { compare: 'type' });
  streamCase('XCLAIM FORCE creates the pending entry; LASTID moves the group', afterPending([
    ['XACK', 's', 'g', '1-1'],
    ['XCLAIM', 's', 'g', 'bob', '0', '1-1'],
    ['XCLAIM', 's', 'g', 'bob', '0', '1-1', 'FORCE', 'TIME', '5000'],
    ['XCLAIM', 's', 'g', 'bob', '0', '9-9', 'FORCE'],
    ['XADD', 's', '10-1', 'f', 'v'],
    ['XCLAIM', 's', 'g', 'bob', '0', '2-1', 'LASTID', '8-0', 'TIME', '6000'],
    ['XCLAIM', 's', 'g', 'bob', '0', '9-9', 'LASTID', '9-0'],
    ['XCLAIM', 's', 'g', 'bob', '0', '2-1', 'LASTID', '1-0', 'TIME', '7000'],
    ['XINFO', 'GROUPS', 's'],
  ]), { compare: 'type' });
  streamCase('XCLAIM of deleted entries propagates their removal from the PEL', afterPending([
    ['XDEL', 's', '2-1', '3-1'],
    ['XCLAIM', 's', 'g', 'bob', '0', '2-1'],
    ['XCLAIM', 's', 'g', 'bob', '0', '3-1', '1-1', 'TIME', '1000'],
    ['XCLAIM', 's', 'g', 'bob', '0', '2-1'],
    ['XPENDING', 's', 'g'],
  ]), { compare: 'type' });
  streamCase('XCLAIM propagates the IDs as the command named them', [
    ['XADD', 's', '5-0', 'f', 'v'],
    ['XADD', 's', '6-0', 'f', 'v'],
    ['XADD', 's', '7-0', 'f', 'v'],
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    { argv: ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'], compare: 'type' },
    ['XDEL', 's', '6-0'],
    ['XCLAIM', 's', 'g', 'bob', '0', '5', '06', '007-0', 'TIME', '1000'],
    ['XCLAIM', 's', 'g', 'bob', '0', '5-0', 'TIME', '2000'],
  ], { compare: 'type' });
  streamCase('XCLAIM failures propagate nothing', afterPending([
    ['XCLAIM', 's', 'nogroup', 'bob', '0', '1-1'],
    ['XCLAIM', 'missing', 'g', 'bob', '0', '1-1'],
    ['XCLAIM', 's', 'g', 'bob', 'x', '1-1'],
    ['XCLAIM', 's', 'g', 'bob', '0', '1-1', 'IDLE', 'x'],
    ['XCLAIM', 's', 'g', 'bob', '0', '1-1', 'BOGUS'],
  ]), { compare: 'type' });

  // ------------------------------------------------------------------ XAUTOCLAIM

  streamCase('XAUTOCLAIM propagates an XCLAIM per claimed entry', afterPending([
    ['XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '2'],
    ['XAUTOCLAIM', 's', 'g', 'bob', '0', '3-1', 'JUSTID'],
    ['XAUTOCLAIM', 's', 'g', 'carol', '3600000', '0'],
    ['XAUTOCLAIM', 's', 'g', 'carol', '0', '99-0'],
  ]), { compare: 'type' });
  streamCase('XAUTOCLAIM of deleted entries propagates their removal from the PEL', afterPending([
    ['XDEL', 's', '1-1', '3-1'],
    ['XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '2'],
    ['XAUTOCLAIM', 's', 'g', 'bob', '3600000', '0'],
    ['XPENDING', 's', 'g'],
  ]), { compare: 'type' });
  streamCase('XAUTOCLAIM failures propagate nothing', afterPending([
    ['XAUTOCLAIM', 's', 'nogroup', 'bob', '0', '0'],
    ['XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '0'],
    ['XAUTOCLAIM', 's', 'g', 'bob', '0', 'bad'],
  ]), { compare: 'type' });

  // ------------------------------------------------------------------ wrapping

  streamCase('stream writes in MULTI/EXEC are wrapped, with their rewrites inside', [
    ...addMany('s', 1, 2),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['MULTI'],
    ['XADD', 's', '3-*', 'f', 'v'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['XACK', 's', 'g', '1-1'],
    ['XCLAIM', 's', 'g', 'bob', '0', '2-1', 'TIME', '1000'],
    ['XDEL', 's', 'nope-'],
    ['EXEC'],
    ['MULTI'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'NOACK', 'STREAMS', 's', '>'],
    ['EXEC'],
    ['MULTI'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', '0', 'STREAMS', 's', '>'],
    ['XADD', 's', '4-1', 'f', 'v'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', '0', 'STREAMS', 's', '>'],
    ['EXEC'],
  ], { compare: 'type' });
  streamCase('stream writes in a script are wrapped, with their rewrites inside', [
    ...addMany('s', 1, 2),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['EVAL', "redis.call('xadd', KEYS[1], '3-*', 'f', 'v') return redis.call('xreadgroup', 'group', 'g', 'alice', 'streams', KEYS[1], '>')", '1', 's'],
    ['EVAL', "return redis.call('xadd', KEYS[1], '*', 'f', 'v')", '1', 's'],
    ['EVAL', "return redis.call('xautoclaim', KEYS[1], 'g', 'bob', '0', '0', 'COUNT', '1')", '1', 's'],
    ['EVAL', "return redis.call('xreadgroup', 'group', 'g', 'alice', 'streams', KEYS[1], '0')", '1', 's'],
  ], { compare: 'type' });
  streamCase('stream writes in another database select it', [
    ['SELECT', '3'],
    ['XADD', 's', '1-*', 'f', 'v'],
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['SELECT', '0'],
    ['XADD', 's', '1-1', 'f', 'v'],
  ], { compare: 'type' });
  streamCase('a stream found expired is deleted first (DEL + the command, wrapped)', [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['XADD', 's1', '1-1', 'f', 'v'],
    ['PEXPIRE', 's1', '10'],
    ['XADD', 's2', '1-1', 'f', 'v'],
    ['PEXPIRE', 's2', '10'],
    ['XADD', 's3', '1-1', 'f', 'v'],
    ['PEXPIRE', 's3', '10'],
    ['XADD', 's4', '1-1', 'f', 'v'],
    ['XGROUP', 'CREATE', 's4', 'g', '0'],
    ['PEXPIRE', 's4', '10'],
    { sleep: 50 },
    ['XADD', 's1', '1-*', 'f', 'v'],
    ['XGROUP', 'CREATE', 's2', 'g', '$', 'MKSTREAM'],
    ['XTRIM', 's3', 'MAXLEN', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's4', '>'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ], { normalize: expiryAsMarker });

  // ------------------------------------------------------------------ blocked XREADGROUP

  streamScenario('XREADGROUP BLOCK served by another client\'s XADD: the XADD, then an XCLAIM per entry', ['xreadgroup', 'xadd'], async (s) => {
    const reader = await s.client('reader');
    const writer = await s.client('writer');
    await writer.call(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    reader.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await waitBlocked(s, writer, 1);
    await writer.call(['XADD', 's', '1-*', 'f', 'v']);
    await reader.reply();
    reader.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '5', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await waitBlocked(s, writer, 1);
    await writer.call(['XADD', 's', '*', 'f', 'v'], 'type');
    await reader.reply('type');
  });
  streamScenario('XREADGROUP BLOCK NOACK served later by a new consumer', ['xreadgroup'], async (s) => {
    const reader = await s.client('reader');
    const writer = await s.client('writer');
    await writer.call(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    reader.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'NOACK', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await waitBlocked(s, writer, 1);
    await writer.call(['XADD', 's', '1-1', 'f', 'v']);
    await reader.reply();
  });
  streamScenario('XREADGROUP BLOCK served by an XADD in MULTI: after the transaction', ['xreadgroup'], async (s) => {
    const r1 = await s.client('reader 1');
    const r2 = await s.client('reader 2');
    const writer = await s.client('writer');
    await writer.call(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    await writer.call(['XGROUP', 'CREATE', 's', 'h', '$']);
    r1.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await waitBlocked(s, writer, 1);
    await writer.call(['XGROUP', 'CREATE', 'other', 'h', '$', 'MKSTREAM']);
    r2.send(['XREADGROUP', 'GROUP', 'h', 'bob', 'COUNT', '1', 'NOACK', 'BLOCK', '0', 'STREAMS', 'other', 's', '>', '>']);
    await waitBlocked(s, writer, 2);
    await writer.call(['MULTI']);
    await writer.call(['XADD', 's', '1-1', 'f', 'v']);
    await writer.call(['XADD', 's', '2-*', 'f', 'v']);
    await writer.call(['EXEC']);
    await r1.reply();
    await r2.reply();
  });
  streamScenario('XREADGROUP BLOCK in another database, served by a script', ['xreadgroup'], async (s) => {
    const reader = await s.client('reader');
    const writer = await s.client('writer');
    await reader.call(['SELECT', '2']);
    await writer.call(['SELECT', '2']);
    await writer.call(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    reader.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await waitBlocked(s, writer, 1);
    await writer.call(['EVAL', "redis.call('xadd', KEYS[1], '1-1', 'f', 'v') return redis.call('xadd', KEYS[1], '2-1', 'f', 'v')", '1', 's']);
    await reader.reply();
  });

  streamScenario('XREADGROUP BLOCK ended by XGROUP DESTROY, or by its timeout, propagates nothing of its own', ['xreadgroup'], async (s) => {
    const reader = await s.client('reader');
    const writer = await s.client('writer');
    await writer.call(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    reader.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await waitBlocked(s, writer, 1);
    await writer.call(['XGROUP', 'DESTROY', 's', 'g']);
    await reader.reply();
    await writer.call(['XGROUP', 'CREATE', 's', 'g', '$']);
    await reader.call(['XREADGROUP', 'GROUP', 'g', 'alice', 'NOACK', 'BLOCK', '20', 'STREAMS', 's', '>']);
    await writer.call(['XINFO', 'GROUPS', 's']);
  });

  streamScenario('WATCH: XADD, XTRIM, XDEL invalidate it; XSETID and the consumer-group writes do not (Redis 7.0)', [], async (s) => {
    const watcher = await s.client('watcher');
    const other = await s.client('other');
    const commands: string[][] = [
      ['XSETID', 's', '10-0'],
      ['XGROUP', 'CREATE', 's', 'h', '0'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'bob'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'bob'],
      ['XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'carol', 'NOACK', 'STREAMS', 's', '0'],
      ['XCLAIM', 's', 'g', 'dave', '0', '1-1', 'TIME', '1000'],
      ['XAUTOCLAIM', 's', 'g', 'erin', '0', '0'],
      ['XACK', 's', 'g', '1-1'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['XADD', 's', '11-1', 'f', 'v'],
      ['XDEL', 's', '2-1'],
      ['XTRIM', 's', 'MAXLEN', '0'],
    ];
    await other.call(['XADD', 's', '1-1', 'f', 'v']);
    await other.call(['XADD', 's', '2-1', 'f', 'v']);
    await other.call(['XGROUP', 'CREATE', 's', 'g', '0']);
    for (const argv of commands) {
      await watcher.call(['WATCH', 's']);
      await other.call(argv, 'type');
      await watcher.call(['MULTI']);
      await watcher.call(['PING']);
      await watcher.call(['EXEC']);
    }
  });

  streamScenario('changes are counted as Redis counts them (rdb_changes_since_last_save)', [], async (s) => {
    const client = await s.client();
    const changes = async (): Promise<[number, number]> => {
      const [r, c] = await Promise.all([client.redis.command(['INFO', 'persistence']), client.cinder.command(['INFO', 'persistence'])]);
      const field = (info: Buffer) => Number(/rdb_changes_since_last_save:(\d+)/.exec(info.latin1Slice())?.[1]);
      return [field(r), field(c)];
    };
    const commands: string[][] = [
      ...(addMany('s', 1, 7) as string[][]),
      ['XADD', 's', 'MAXLEN', '3', '8-1', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '~', '1', '9-1', 'f', 'v'],
      ['XTRIM', 's', 'MAXLEN', '1'],
      ['XDEL', 's', '9-9'],
      ['XDEL', 's', '9-1'],
      ['XSETID', 's', '20-0'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ...(addMany('s', 21, 23) as string[][]),
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'carol', 'NOACK', 'STREAMS', 's', '0'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'dave', 'NOACK', 'STREAMS', 's', '>'],
      ['XCLAIM', 's', 'g', 'bob', '0', '21-1', '22-1'],
      ['XCLAIM', 's', 'g', 'bob', '0', '21-1', 'LASTID', '30-0'],
      ['XCLAIM', 's', 'g', 'bob', '0', '99-0', 'LASTID', '31-0'],
      ['XCLAIM', 's', 'g', 'erin', '0', '99-0', 'FORCE'],
      ['XDEL', 's', '21-1'],
      ['XCLAIM', 's', 'g', 'bob', '0', '21-1'],
      ['XCLAIM', 's', 'g', 'bob', '0', '21-1'],
      ['XAUTOCLAIM', 's', 'g', 'frank', '0', '0'],
      ['XAUTOCLAIM', 's', 'g', 'frank', '0', '0'],
      ['XDEL', 's', '22-1'],
      ['XAUTOCLAIM', 's', 'g', 'gina', '0', '0', 'JUSTID'],
      ['XACK', 's', 'g', '23-1', '99-9'],
      ['XACK', 's', 'g', '23-1'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'hank'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'hank'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'hank'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'hank'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['XGROUP', 'DESTROY', 's', 'g'],
    ];
    await client.call(SMALL_NODES[0] as string[]);
    try {
      for (const argv of commands) {
        const [r0, c0] = await changes();
        await client.call(argv, 'type');
        const [r1, c1] = await changes();
        assert.equal(c1 - c0, r1 - r0, `changes counted for ${argv.join(' ')}`);
      }
    } finally {
      await client.call(DEFAULT_NODES[0] as string[]);
    }
  });

  it('every stream write command has a propagation case', () => {
    for (const name of STREAM_WRITES) assert.ok(covered.has(name), `no case runs ${name}`);
  });
});
