import { arg, type CommandSpec, type KeySpec, type KeySpecFlag } from '../server/command-spec.js';
import { EVENT } from '../server/notify.js';
import { afterRemoval } from './collection.js';
import type { Client } from '../server/client.js';
import { parseTimeoutSeconds, type BlockRequest } from '../server/blocking.js';
import { CommandError } from '../protocol/errors.js';
import { listEndOrThrow, moveElement, parseMpop, popToReply, rewriteAsPopCount, writeList, type ListEnd } from './list.js';
import { propagating, rewriteCommand } from '../server/propagate.js';
import { parseMpopArgs, popAndReply, writeZSet } from './zset.js';
import { ListValue } from '../engine/types/list.js';
import { ZSetValue } from '../engine/types/zset.js';

/**
 * The blocking variants of the list and sorted set pops (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP
 * BZPOPMIN BZPOPMAX BZMPOP). Each first tries what its non-blocking form would do; when there is
 * nothing to take it blocks through the server's BlockingManager (src/server/blocking.ts), with a
 * `serve` function that takes from the key that became ready, exactly as the immediate path would.
 * Where blocking is denied (inside MULTI, scripts, synchronous embedded calls) the command answers
 * at once with its timeout reply, like Redis's CLIENT_DENY_BLOCKING.
 *
 * Both paths propagate the non-blocking form of what was done (`rewriteCommand`): BLPOP as LPOP,
 * BLMOVE as LMOVE, BLMPOP as LPOP key count, BZPOPMIN as ZPOPMIN, ... A waiter served later has
 * its rewrite recorded by the BlockingManager, as the command path records a command's.
 */

/** Blocks `c` or, where it may not block, answers with the timeout reply now. */
function blockOrAnswer(c: Client, request: BlockRequest, deniedReply: (c: Client) => void): void {
  if (c.denyBlocking) {
    deniedReply(c);
    return;
  }
  c.server.blocking.block(c, request);
}

const replyNullArray = (c: Client): void => c.reply.nullArray();
const replyNullBulk = (c: Client): void => c.reply.nullBulk();

/** The list at `key` when serving a waiter: undefined when it is not (or no longer) a list. */
function readyList(c: Client, key: string): ListValue | undefined {
  const v = c.db.peek(key);
  return v instanceof ListValue && v.length > 0 ? v : undefined;
}

function readyZSet(c: Client, key: string): ZSetValue | undefined {
  const v = c.db.peek(key);
  if (!(v instanceof ZSetValue && v.size > 0)) return undefined;
  // Redis serves each waiter through ZPOP's own lookup: one access per waiter served.
  c.db.lookupWrite(key);
  return v;
}

// ---------------------------------------------------------------- lists

/** BLPOP/BRPOP's reply: [key, element]; replays as LPOP/RPOP key. */
function popOneWithKey(c: Client, key: string, list: ListValue, where: ListEnd): void {
  const v = where === 'left' ? list.popLeft()! : list.popRight()!;
  afterRemoval(c, key, list.length, EVENT.list, where === 'left' ? 'lpop' : 'rpop', 1);
  if (propagating(c)) rewriteCommand(c, [where === 'left' ? 'LPOP' : 'RPOP', key]);
  c.reply.arrayLen(2);
  c.reply.bulk(key);
  c.reply.bulk(v);
}

// BLPOP key [key ...] timeout / BRPOP key [key ...] timeout
function blockingPop(c: Client, argv: string[], where: ListEnd): void {
  const deadline = parseTimeoutSeconds(argv[argv.length - 1], c.server.clock.now);
  const keys = argv.slice(1, -1);
  for (const key of keys) {
    const list = writeList(c, key);
    if (list !== undefined) return popOneWithKey(c, key, list, where);
  }
  blockOrAnswer(
    c,
    {
      keys,
      deadline,
      serve(client, key) {
        const list = readyList(client, key);
        if (list === undefined) return false;
        popOneWithKey(client, key, list, where);
        return true;
      },
      timedOut: replyNullArray,
    },
    replyNullArray,
  );
}

function blpopCommand(c: Client, argv: string[]): void {
  blockingPop(c, argv, 'left');
}

function brpopCommand(c: Client, argv: string[]): void {
  blockingPop(c, argv, 'right');
}

/**
 * BLMOVE/BRPOPLPUSH's move; replays as RPOPLPUSH or LMOVE, from `argv`, the blocking command's
 * arguments. LMOVE's ends are as the client wrote them when answered at once, and `left`/`right`
 * when served later (Redis builds that argv itself).
 */
function moveAndReply(c: Client, argv: string[], list: ListValue, from: ListEnd, to: ListEnd, served: boolean): void {
  c.reply.bulk(moveElement(c, argv[1], list, argv[2], from, to));
  if (!propagating(c)) return;
  if (argv.length === 4) rewriteCommand(c, ['RPOPLPUSH', argv[1], argv[2]]);
  else rewriteCommand(c, ['LMOVE', argv[1], argv[2], served ? from : argv[3], served ? to : argv[4]]);
}

/** BLMOVE/BRPOPLPUSH's body once the ends and the timeout are parsed. */
function blockingMove(c: Client, argv: string[], from: ListEnd, to: ListEnd, deadline: number): void {
  const source = argv[1];
  const list = writeList(c, source);
  if (list !== undefined) {
    // Redis then runs LMOVE, which looks the source up again (a second access).
    c.db.lookupWrite(source);
    moveAndReply(c, argv, list, from, to, false);
    return;
  }
  blockOrAnswer(
    c,
    {
      keys: [source],
      deadline,
      serve(client, key) {
        const ready = readyList(client, key);
        if (ready === undefined) return false;
        try {
          moveAndReply(client, argv, ready, from, to, true);
        } catch (e) {
          // A destination of another type: the waiter gets WRONGTYPE and the element stays.
          if (!(e instanceof CommandError)) throw e;
          client.server.countError(e.message);
          client.reply.error(e.message);
        }
        return true;
      },
      timedOut: replyNullArray,
    },
    replyNullBulk,
  );
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
function blmoveCommand(c: Client, argv: string[]): void {
  const from = listEndOrThrow(argv[3]);
  const to = listEndOrThrow(argv[4]);
  const deadline = parseTimeoutSeconds(argv[5], c.server.clock.now);
  blockingMove(c, argv, from, to, deadline);
}

// BRPOPLPUSH source destination timeout
function brpoplpushCommand(c: Client, argv: string[]): void {
  const deadline = parseTimeoutSeconds(argv[3], c.server.clock.now);
  blockingMove(c, argv, 'right', 'left', deadline);
}

/** LMPOP's reply: [key, [elements]]; replays as LPOP/RPOP key popped. */
function mpopWithKey(c: Client, key: string, list: ListValue, where: ListEnd, count: number): void {
  c.reply.arrayLen(2);
  c.reply.bulk(key);
  rewriteAsPopCount(c, key, where, popToReply(c, key, list, where, count));
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
function blmpopCommand(c: Client, argv: string[]): void {
  const deadline = parseTimeoutSeconds(argv[1], c.server.clock.now);
  const { numkeys, where, count } = parseMpop(argv, 2);
  const keys = argv.slice(3, 3 + numkeys);
  for (const key of keys) {
    const list = writeList(c, key);
    if (list !== undefined) return mpopWithKey(c, key, list, where, count);
  }
  blockOrAnswer(
    c,
    {
      keys,
      deadline,
      serve(client, key) {
        const list = readyList(client, key);
        if (list === undefined) return false;
        mpopWithKey(client, key, list, where, count);
        return true;
      },
      timedOut: replyNullArray,
    },
    replyNullArray,
  );
}

// ---------------------------------------------------------------- sorted sets

/**
 * Pops and replies for BZPOPMIN/BZPOPMAX (replayed as ZPOPMIN/ZPOPMAX key) and BZMPOP (replayed
 * with the number popped as the count).
 */
function zpopAndReply(c: Client, key: string, zset: ZSetValue, max: boolean, count: number, style: 'keyed-flat' | 'keyed-nested'): void {
  const popped = popAndReply(c, key, zset, max, count, style);
  if (!propagating(c)) return;
  const name = max ? 'ZPOPMAX' : 'ZPOPMIN';
  rewriteCommand(c, style === 'keyed-flat' ? [name, key] : [name, key, String(popped)]);
}

/** BZPOPMIN/BZPOPMAX/BZMPOP's shared body. */
function blockingZPop(c: Client, keys: string[], max: boolean, count: number, style: 'keyed-flat' | 'keyed-nested', deadline: number): void {
  for (const key of keys) {
    const zset = writeZSet(c, key);
    if (zset !== undefined) {
      // Redis then runs ZPOP, which looks the key up again (a second access).
      c.db.lookupWrite(key);
      zpopAndReply(c, key, zset, max, count, style);
      return;
    }
  }
  blockOrAnswer(
    c,
    {
      keys,
      deadline,
      serve(client, key) {
        const zset = readyZSet(client, key);
        if (zset === undefined) return false;
        zpopAndReply(client, key, zset, max, count, style);
        return true;
      },
      timedOut: replyNullArray,
    },
    replyNullArray,
  );
}

// BZPOPMIN key [key ...] timeout / BZPOPMAX key [key ...] timeout
function bzpopminCommand(c: Client, argv: string[]): void {
  const deadline = parseTimeoutSeconds(argv[argv.length - 1], c.server.clock.now);
  blockingZPop(c, argv.slice(1, -1), false, 1, 'keyed-flat', deadline);
}

function bzpopmaxCommand(c: Client, argv: string[]): void {
  const deadline = parseTimeoutSeconds(argv[argv.length - 1], c.server.clock.now);
  blockingZPop(c, argv.slice(1, -1), true, 1, 'keyed-flat', deadline);
}

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
function bzmpopCommand(c: Client, argv: string[]): void {
  const deadline = parseTimeoutSeconds(argv[1], c.server.clock.now);
  const { keys, max, count } = parseMpopArgs(argv, 2);
  blockingZPop(c, keys, max, count, 'keyed-nested', deadline);
}

// ---------------------------------------------------------------- table

const POP_KEY: KeySpecFlag[] = ['RW', 'ACCESS', 'DELETE'];

/** All arguments but the last (the timeout) are keys. */
const KEYS_BEFORE_TIMEOUT: KeySpec[] = [{ flags: POP_KEY, begin: { index: 1 }, find: { range: { lastkey: -2, step: 1, limit: 0 } } }];

/** Source and destination of BLMOVE/BRPOPLPUSH. */
const MOVE_KEYS: KeySpec[] = [
  { flags: POP_KEY, begin: { index: 1 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
  { flags: ['RW', 'INSERT'], begin: { index: 2 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
];

/** `timeout numkeys key ...`: numkeys at argument 2. */
const NUMKEYS_AT_2: KeySpec[] = [{ flags: POP_KEY, begin: { index: 2 }, find: { keynum: { keynumidx: 0, firstkey: 1, step: 1 } } }];

export const BLOCKING_COMMANDS: CommandSpec[] = [
  {
    name: 'blpop',
    summary: 'Pops the first element of the first non-empty list, waiting until one exists or the timeout passes.',
    since: '2.0.0',
    group: 'list',
    complexity: 'O(N) where N is the number of provided keys.',
    arity: -3,
    flags: ['write', 'noscript', 'blocking'],
    acl: ['list'],
    keys: KEYS_BEFORE_TIMEOUT,
    history: [['6.0.0', '`timeout` is interpreted as a double instead of an integer.']],
    args: [arg.key('key', 0, { multiple: true }), arg.double('timeout')],
    handler: blpopCommand,
  },
  {
    name: 'brpop',
    summary: 'Pops the last element of the first non-empty list, waiting until one exists or the timeout passes.',
    since: '2.0.0',
    group: 'list',
    complexity: 'O(N) where N is the number of provided keys.',
    arity: -3,
    flags: ['write', 'noscript', 'blocking'],
    acl: ['list'],
    keys: KEYS_BEFORE_TIMEOUT,
    history: [['6.0.0', '`timeout` is interpreted as a double instead of an integer.']],
    args: [arg.key('key', 0, { multiple: true }), arg.double('timeout')],
    handler: brpopCommand,
  },
  {
    name: 'brpoplpush',
    summary: 'Moves the last element of a list to the head of another, waiting until the source has one.',
    since: '2.2.0',
    group: 'list',
    complexity: 'O(1)',
    arity: 4,
    flags: ['write', 'denyoom', 'noscript', 'blocking'],
    acl: ['list'],
    keys: MOVE_KEYS,
    history: [['6.0.0', '`timeout` is interpreted as a double instead of an integer.']],
    docFlags: ['deprecated'],
    deprecatedSince: '6.2.0',
    replacedBy: '`BLMOVE` with the `RIGHT` and `LEFT` arguments',
    args: [arg.key('source', 0), arg.key('destination', 1), arg.double('timeout')],
    handler: brpoplpushCommand,
  },
  {
    name: 'blmove',
    summary: 'Moves an element from one end of a list to an end of another, waiting until the source has one.',
    since: '6.2.0',
    group: 'list',
    complexity: 'O(1)',
    arity: 6,
    flags: ['write', 'denyoom', 'noscript', 'blocking'],
    acl: ['list'],
    keys: MOVE_KEYS,
    args: [
      arg.key('source', 0),
      arg.key('destination', 1),
      arg.oneOf('wherefrom', [arg.token('LEFT'), arg.token('RIGHT')]),
      arg.oneOf('whereto', [arg.token('LEFT'), arg.token('RIGHT')]),
      arg.double('timeout'),
    ],
    handler: blmoveCommand,
  },
  {
    name: 'blmpop',
    summary: 'Pops elements from the first non-empty list among several, waiting until one exists.',
    since: '7.0.0',
    group: 'list',
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
    arity: -5,
    flags: ['write', 'blocking', 'movablekeys'],
    acl: ['list'],
    keys: NUMKEYS_AT_2,
    args: [
      arg.double('timeout'),
      arg.integer('numkeys'),
      arg.key('key', 0, { multiple: true }),
      arg.oneOf('where', [arg.token('LEFT'), arg.token('RIGHT')]),
      arg.integer('count', { token: 'COUNT', optional: true }),
    ],
    handler: blmpopCommand,
  },
  {
    name: 'bzpopmin',
    summary: 'Pops the member with the lowest score from the first non-empty sorted set, waiting until one exists.',
    since: '5.0.0',
    group: 'sorted-set',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    arity: -3,
    flags: ['write', 'noscript', 'blocking', 'fast'],
    acl: ['sortedset'],
    keys: KEYS_BEFORE_TIMEOUT,
    history: [['6.0.0', '`timeout` is interpreted as a double instead of an integer.']],
    args: [arg.key('key', 0, { multiple: true }), arg.double('timeout')],
    handler: bzpopminCommand,
  },
  {
    name: 'bzpopmax',
    summary: 'Pops the member with the highest score from the first non-empty sorted set, waiting until one exists.',
    since: '5.0.0',
    group: 'sorted-set',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    arity: -3,
    flags: ['write', 'noscript', 'blocking', 'fast'],
    acl: ['sortedset'],
    keys: KEYS_BEFORE_TIMEOUT,
    history: [['6.0.0', '`timeout` is interpreted as a double instead of an integer.']],
    args: [arg.key('key', 0, { multiple: true }), arg.double('timeout')],
    handler: bzpopmaxCommand,
  },
  {
    name: 'bzmpop',
    summary: 'Pops members by score from the first non-empty sorted set among several, waiting until one exists.',
    since: '7.0.0',
    group: 'sorted-set',
    complexity: 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
    arity: -5,
    flags: ['write', 'blocking', 'movablekeys'],
    acl: ['sortedset'],
    keys: NUMKEYS_AT_2,
    args: [
      arg.double('timeout'),
      arg.integer('numkeys'),
      arg.key('key', 0, { multiple: true }),
      arg.oneOf('where', [arg.token('MIN'), arg.token('MAX')]),
      arg.integer('count', { token: 'COUNT', optional: true }),
    ],
    handler: bzmpopCommand,
  },
];
