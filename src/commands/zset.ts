import { withDocs, type CommandSpec, type KeySpec, type KeySpecFlag, firstKey, arg } from '../server/command-spec.js';
import { keyWritten, EVENT } from '../server/notify.js';
import { propagating, rewriteCommand } from '../server/propagate.js';
import { afterRemoval, randomCountArgs, removeMembers } from './collection.js';
import { isOption, cursorOrThrow, parseScanOptions, replyScanPage } from './args.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { formatDouble17g, parseFloatStrict, parseInteger } from '../util/number.js';
import { SetValue } from '../engine/types/set.js';
import { createZSet, zsetFromSorted, ZSetValue, type LexBound } from '../engine/types/zset.js';

/**
 * The SORTED SET command group (t_zset.c): ZADD ZINCRBY ZREM ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE
 * ZRANK ZREVRANK ZRANGE (and its BYSCORE/BYLEX/REV/LIMIT forms) ZRANGESTORE ZREVRANGE
 * ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZREMRANGEBYRANK ZREMRANGEBYSCORE
 * ZREMRANGEBYLEX ZPOPMIN ZPOPMAX ZMPOP ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE
 * ZINTERCARD ZRANDMEMBER ZSCAN. Handlers only call the sorted set type API
 * (src/engine/types/zset.ts); the blocking variants (BZPOPMIN, BZPOPMAX, BZMPOP) build on
 * `readZSet` and `popAndReply` exported here.
 */

const NAN_SCORE = 'ERR resulting score is not a number (NaN)';
const NOT_FLOAT_RANGE = 'ERR min or max is not a float';
const NOT_LEX_RANGE = 'ERR min or max not valid string range item';
const MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';

// ---------------------------------------------------------------- helpers (exported API)

/** A sorted set for reading, undefined when absent; WRONGTYPE for other types. */
export function readZSet(c: Client, key: string): ZSetValue | undefined {
  const v = c.db.lookupRead(key);
  if (v === undefined || v instanceof ZSetValue) return v;
  throw new CommandError(Errors.wrongType);
}

/** A sorted set for writing, undefined when absent; WRONGTYPE for other types. */
export function writeZSet(c: Client, key: string): ZSetValue | undefined {
  const v = c.db.lookupWrite(key);
  if (v === undefined || v instanceof ZSetValue) return v;
  throw new CommandError(Errors.wrongType);
}

/** A score argument (getDoubleFromObject): strtod over the whole string, no NaN, no overflow. */
export function parseScore(s: string): number | null {
  return parseFloatStrict(s);
}

/** A score reply: a RESP3 double, or a %.17g bulk string in RESP2. */
export function replyScore(c: Client, d: number): void {
  c.reply.double(d);
}

/**
 * How popAndReply frames its reply (genericZpopCommand's four shapes):
 * - 'flat':         [m1, s1, m2, s2, ...]                   ZPOPMIN/ZPOPMAX (RESP2, or no count)
 * - 'nested':       [[m1, s1], [m2, s2], ...]               ZPOPMIN/ZPOPMAX with count in RESP3
 * - 'keyed-flat':   [key, m1, s1, ...]                      BZPOPMIN/BZPOPMAX
 * - 'keyed-nested': [key, [[m1, s1], ...]]                  ZMPOP/BZMPOP (both protocols)
 */
export type PopStyle = 'flat' | 'nested' | 'keyed-flat' | 'keyed-nested';

/**
 * Pops up to `count` (>= 1) elements from the lowest (or highest when `max`) end of the non-empty
 * sorted set `zset` stored at `key`, writes ONE reply framed per `style` (scores as doubles),
 * deletes the key when it becomes empty and bumps server.dirty by the number popped. Returns how
 * many were popped.
 */
export function popAndReply(c: Client, key: string, zset: ZSetValue, max: boolean, count: number, style: PopStyle): number {
  const r = c.reply;
  const n = Math.min(count, zset.size);
  const nested = style === 'nested' || style === 'keyed-nested';
  if (style === 'flat') r.arrayLen(n * 2);
  else if (style === 'nested') r.arrayLen(n);
  else if (style === 'keyed-flat') {
    r.arrayLen(n * 2 + 1);
    r.bulk(key);
  } else {
    r.arrayLen(2);
    r.bulk(key);
    r.arrayLen(n);
  }
  for (let i = 0; i < n; i++) {
    const e = max ? zset.popMax() : zset.popMin();
    if (e === undefined) break;
    if (nested) r.arrayLen(2);
    r.bulk(e[0]);
    r.double(e[1]);
  }
  if (n > 0) afterRemoval(c, key, zset.size, EVENT.zset, max ? 'zpopmax' : 'zpopmin', n);
  return n;
}

/** The listpack limits in force. */
function maxEntries(c: Client): number {
  return c.server.config.zsetMaxListpackEntries;
}
function maxValue(c: Client): number {
  return c.server.config.zsetMaxListpackValue;
}

/** getLongFromObjectOrReply for a range index / LIMIT argument. */
function longOrThrow(s: string): number {
  const v = parseInteger(s);
  if (v === null) throw new CommandError(Errors.notInteger);
  return Number(v);
}

/** isspace() as C defines it. */
function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * strtod over a C string with only "the whole string was consumed" checked (zslParseRange): the
 * text stops at a NUL, leading spaces are skipped, overflow gives +-inf, underflow 0, and an empty
 * string reads as 0 (strtod consumes nothing and the end is already reached). NaN is rejected.
 */
function strtodWhole(arg: string): number | null {
  const nul = arg.indexOf('\0');
  const s = nul < 0 ? arg : arg.slice(0, nul);
  if (s.length === 0) return 0;
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  if (i === s.length) return null;
  const body = s.slice(i);
  const v = parseFloatStrict(body);
  if (v !== null) return v;
  if (DECIMAL.test(body)) return Number(body);
  return null;
}

interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** zslParseRange: "(x" is exclusive; null when either end is not a float. */
function parseScoreRange(minArg: string, maxArg: string): ScoreRange | null {
  const range: ScoreRange = { min: 0, max: 0, minex: false, maxex: false };
  let s = minArg;
  if (s.charCodeAt(0) === 40 /* ( */) {
    range.minex = true;
    s = s.slice(1);
  }
  const min = strtodWhole(s);
  if (min === null) return null;
  s = maxArg;
  if (s.charCodeAt(0) === 40) {
    range.maxex = true;
    s = s.slice(1);
  }
  const max = strtodWhole(s);
  if (max === null) return null;
  range.min = min;
  range.max = max;
  return range;
}

/** zslParseLexRangeItem: "-", "+", "[x", "(x"; null otherwise. */
function parseLexItem(s: string): LexBound | null {
  const first = s.charCodeAt(0);
  const single = s.length === 1 || s.charCodeAt(1) === 0;
  if (first === 43 /* + */) return single ? { kind: 'max' } : null;
  if (first === 45 /* - */) return single ? { kind: 'min' } : null;
  if (first === 40 /* ( */) return { kind: 'value', value: s.slice(1), exclusive: true };
  if (first === 91 /* [ */) return { kind: 'value', value: s.slice(1), exclusive: false };
  return null;
}

function parseLexRange(minArg: string, maxArg: string): { min: LexBound; max: LexBound } | null {
  const min = parseLexItem(minArg);
  const max = parseLexItem(maxArg);
  if (min === null || max === null) return null;
  return { min, max };
}

/** Ranks [start, end] (end exclusive) of the elements inside a score range. */
function scoreRangeRanks(z: ZSetValue, range: ScoreRange): [number, number] {
  const start = z.scoreLowerBound(range.min, range.minex);
  const end = z.scoreUpperBound(range.max, range.maxex);
  return [start, Math.max(start, end)];
}

/** Ranks [start, end) of the elements inside a lex range. */
function lexRangeRanks(z: ZSetValue, range: { min: LexBound; max: LexBound }): [number, number] {
  const start = z.lexLowerBound(range.min);
  const end = z.lexUpperBound(range.max);
  return [start, Math.max(start, end)];
}

/** Normalizes a rank range like Redis (negative from the end); null when empty. */
function rankRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

// ---------------------------------------------------------------- ZADD / ZINCRBY

const IN_NX = 1;
const IN_XX = 2;
const IN_GT = 4;
const IN_LT = 8;
const IN_CH = 16;
const IN_INCR = 32;

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
export function zaddCommand(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, 0);
}

// ZINCRBY key increment member
function zincrbyCommand(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, IN_INCR);
}

/** Scores parsed by the last zaddGeneric call (reused: ZADD is hot). */
let scoreBuf = new Float64Array(16);

function zaddGeneric(c: Client, argv: string[], initialFlags: number): void {
  let flags = initialFlags;
  let scoreIdx = 2;
  while (scoreIdx < argv.length) {
    const opt = argv[scoreIdx];
    if (opt.length > 4 && opt.indexOf('\0') < 0) break;
    if (isOption(opt, 'NX')) flags |= IN_NX;
    else if (isOption(opt, 'XX')) flags |= IN_XX;
    else if (isOption(opt, 'CH')) flags |= IN_CH;
    else if (isOption(opt, 'INCR')) flags |= IN_INCR;
    else if (isOption(opt, 'GT')) flags |= IN_GT;
    else if (isOption(opt, 'LT')) flags |= IN_LT;
    else break;
    scoreIdx++;
  }
  const incr = (flags & IN_INCR) !== 0;
  const nx = (flags & IN_NX) !== 0;
  const xx = (flags & IN_XX) !== 0;
  const gt = (flags & IN_GT) !== 0;
  const lt = (flags & IN_LT) !== 0;
  const pairArgs = argv.length - scoreIdx;
  if (pairArgs % 2 !== 0 || pairArgs === 0) throw new CommandError(Errors.syntax);
  const elements = pairArgs / 2;
  if (nx && xx) throw new CommandError('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    throw new CommandError('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  if (incr && elements > 1) throw new CommandError('ERR INCR option supports a single increment-element pair');
  if (scoreBuf.length < elements) scoreBuf = new Float64Array(elements * 2);
  const scores = scoreBuf;
  for (let j = 0; j < elements; j++) {
    const d = parseFloatStrict(argv[scoreIdx + j * 2]);
    if (d === null) throw new CommandError(Errors.notFloat);
    scores[j] = d;
  }

  const key = argv[1];
  let z = writeZSet(c, key);
  let added = 0;
  let updated = 0;
  let processed = 0;
  let lastScore = 0;
  // A new set is stored only once filled, so key-creation hooks (blocked BZPOPMIN clients) never
  // see it empty.
  let fresh = false;
  if (z === undefined) {
    if (xx) return zaddReply(c, incr, flags, 0, 0, 0, 0);
    z = createZSet();
    fresh = true;
  }
  const entries = maxEntries(c);
  const valueLimit = maxValue(c);
  let nan = false;
  for (let j = 0; j < elements; j++) {
    let score = scores[j];
    const member = argv[scoreIdx + j * 2 + 1];
    const current = z.score(member);
    if (current !== undefined) {
      if (nx) continue;
      if (incr) {
        score += current;
        if (Number.isNaN(score)) {
          nan = true;
          break;
        }
      }
      if ((lt && score >= current) || (gt && score <= current)) continue;
      lastScore = score;
      processed++;
      if (score !== current) {
        z.update(member, current, score);
        updated++;
      }
    } else {
      if (xx) continue;
      z.add(member, score, entries, valueLimit);
      added++;
      processed++;
      lastScore = score;
    }
  }
  if (fresh && z.size > 0) c.db.set(key, z);
  if (added + updated > 0) keyWritten(c, EVENT.zset, incr ? 'zincr' : 'zadd', key, added + updated);
  if (nan) throw new CommandError(NAN_SCORE);
  zaddReply(c, incr, flags, added, updated, processed, lastScore);
}

function zaddReply(c: Client, incr: boolean, flags: number, added: number, updated: number, processed: number, score: number): void {
  if (incr) {
    if (processed > 0) c.reply.double(score);
    else c.reply.nullBulk();
    return;
  }
  c.reply.int((flags & IN_CH) !== 0 ? added + updated : added);
}

// ---------------------------------------------------------------- simple reads and ZREM

// ZREM key member [member ...]
function zremCommand(c: Client, argv: string[]): void {
  removeMembers(c, argv[1], writeZSet(c, argv[1]), argv, EVENT.zset, 'zrem');
}

// ZCARD key
function zcardCommand(c: Client, argv: string[]): void {
  const z = readZSet(c, argv[1]);
  c.reply.int(z === undefined ? 0 : z.size);
}

// ZSCORE key member
function zscoreCommand(c: Client, argv: string[]): void {
  const z = readZSet(c, argv[1]);
  const s = z === undefined ? undefined : z.score(argv[2]);
  if (s === undefined) return c.reply.nullBulk();
  c.reply.double(s);
}

// ZMSCORE key member [member ...]
function zmscoreCommand(c: Client, argv: string[]): void {
  const z = readZSet(c, argv[1]);
  c.reply.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const s = z === undefined ? undefined : z.score(argv[i]);
    if (s === undefined) c.reply.nullBulk();
    else c.reply.double(s);
  }
}

// ZRANK key member / ZREVRANK key member
function zrankGeneric(c: Client, argv: string[], reverse: boolean): void {
  const z = readZSet(c, argv[1]);
  if (z === undefined) return c.reply.nullBulk();
  const r = z.rank(argv[2]);
  if (r < 0) return c.reply.nullBulk();
  c.reply.int(reverse ? z.size - 1 - r : r);
}

// ZCOUNT key min max
function zcountCommand(c: Client, argv: string[]): void {
  const range = parseScoreRange(argv[2], argv[3]);
  if (range === null) throw new CommandError(NOT_FLOAT_RANGE);
  const z = readZSet(c, argv[1]);
  if (z === undefined) return c.reply.int(0);
  const [start, end] = scoreRangeRanks(z, range);
  c.reply.int(end - start);
}

// ZLEXCOUNT key min max
function zlexcountCommand(c: Client, argv: string[]): void {
  const range = parseLexRange(argv[2], argv[3]);
  if (range === null) throw new CommandError(NOT_LEX_RANGE);
  const z = readZSet(c, argv[1]);
  if (z === undefined) return c.reply.int(0);
  const [start, end] = lexRangeRanks(z, range);
  c.reply.int(end - start);
}

// ---------------------------------------------------------------- ZRANGE family

const RANGE_AUTO = 0;
const RANGE_RANK = 1;
const RANGE_SCORE = 2;
const RANGE_LEX = 3;
const DIR_AUTO = 0;
const DIR_FORWARD = 1;
const DIR_REVERSE = 2;

/**
 * zrangeGenericCommand: every ZRANGE form. `at` is the index of the source key; `store` is the
 * destination key for ZRANGESTORE (null otherwise).
 */
function zrangeGeneric(c: Client, argv: string[], at: number, store: string | null, type0: number, dir0: number): void {
  let type = type0;
  let dir = dir0;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = at + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j];
    if (store === null && isOption(a, 'WITHSCORES')) withScores = true;
    else if (isOption(a, 'LIMIT') && left >= 2) {
      offset = longOrThrow(argv[j + 1]);
      limit = longOrThrow(argv[j + 2]);
      j += 2;
    } else if (dir === DIR_AUTO && isOption(a, 'REV')) dir = DIR_REVERSE;
    else if (type === RANGE_AUTO && isOption(a, 'BYLEX')) type = RANGE_LEX;
    else if (type === RANGE_AUTO && isOption(a, 'BYSCORE')) type = RANGE_SCORE;
    else throw new CommandError(Errors.syntax);
  }
  if (dir === DIR_AUTO) dir = DIR_FORWARD;
  if (type === RANGE_AUTO) type = RANGE_RANK;
  if (limit !== -1 && type === RANGE_RANK) {
    throw new CommandError('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  }
  if (withScores && type === RANGE_LEX) {
    throw new CommandError('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  }
  const reverse = dir === DIR_REVERSE;
  let minArg = argv[at + 1];
  let maxArg = argv[at + 2];
  if (reverse && type !== RANGE_RANK) {
    const t = minArg;
    minArg = maxArg;
    maxArg = t;
  }
  let startIdx = 0;
  let endIdx = 0;
  let scoreRange: ScoreRange | null = null;
  let lexRange: { min: LexBound; max: LexBound } | null = null;
  if (type === RANGE_RANK) {
    startIdx = longOrThrow(minArg);
    endIdx = longOrThrow(maxArg);
  } else if (type === RANGE_SCORE) {
    scoreRange = parseScoreRange(minArg, maxArg);
    if (scoreRange === null) throw new CommandError(NOT_FLOAT_RANGE);
  } else {
    lexRange = parseLexRange(minArg, maxArg);
    if (lexRange === null) throw new CommandError(NOT_LEX_RANGE);
  }

  const z = readZSet(c, argv[at]);
  // The selected ranks [from, to] (inclusive), walked downwards when reverse.
  let from = 0;
  let to = -1;
  if (z !== undefined) {
    if (type === RANGE_RANK) {
      const r = rankRange(startIdx, endIdx, z.size);
      if (r !== null) {
        // ZREVRANGE counts its indexes from the top.
        from = reverse ? z.size - 1 - r[1] : r[0];
        to = reverse ? z.size - 1 - r[0] : r[1];
      }
    } else {
      const [lo, hi] = scoreRange !== null ? scoreRangeRanks(z, scoreRange) : lexRangeRanks(z, lexRange!);
      // hi is exclusive. LIMIT: a negative offset selects nothing, a negative count everything.
      if (offset >= 0 && lo < hi) {
        const avail = hi - lo - offset;
        if (avail > 0) {
          const n = limit < 0 ? avail : Math.min(avail, limit);
          if (n > 0) {
            if (reverse) {
              to = hi - 1 - offset;
              from = to - n + 1;
            } else {
              from = lo + offset;
              to = from + n - 1;
            }
          }
        }
      }
    }
  }
  const count = to - from + 1;

  if (store !== null) {
    if (count <= 0) {
      if (c.db.delete(store)) keyWritten(c, EVENT.generic, 'del', store);
      return c.reply.int(0);
    }
    const members: string[] = [];
    const scores: number[] = [];
    z!.forEachInRange(from, to, reverse, (m, s) => {
      members.push(m);
      scores.push(s);
    });
    if (reverse) {
      members.reverse();
      scores.reverse();
    }
    c.db.set(store, fromSortedWithLimits(c, members, scores));
    keyWritten(c, EVENT.zset, 'zrangestore', store);
    return c.reply.int(count);
  }

  const r = c.reply;
  if (count <= 0) return r.arrayLen(0);
  const nested = withScores && r.resp === 3;
  r.arrayLen(withScores && !nested ? count * 2 : count);
  z!.forEachInRange(from, to, reverse, (m, s) => {
    if (nested) r.arrayLen(2);
    r.bulk(m);
    if (withScores) r.double(s);
  });
}

/** A result set in the encoding Redis gives it (zsetConvertToListpackIfNeeded's rule). */
export function fromSortedWithLimits(c: Client, members: string[], scores: number[]): ZSetValue {
  let listpack = members.length <= maxEntries(c);
  if (listpack) {
    const limit = maxValue(c);
    for (let i = 0; i < members.length; i++) {
      if (members[i].length > limit) {
        listpack = false;
        break;
      }
    }
  }
  return zsetFromSorted(members, scores, listpack);
}

// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
function zrangeCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, RANGE_AUTO, DIR_AUTO);
}

// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
function zrangestoreCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 2, argv[1], RANGE_AUTO, DIR_AUTO);
}

// ZREVRANGE key start stop [WITHSCORES]
function zrevrangeCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, RANGE_RANK, DIR_REVERSE);
}

// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
function zrangebyscoreCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, RANGE_SCORE, DIR_FORWARD);
}

// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
function zrevrangebyscoreCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, RANGE_SCORE, DIR_REVERSE);
}

// ZRANGEBYLEX key min max [LIMIT offset count]
function zrangebylexCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, RANGE_LEX, DIR_FORWARD);
}

// ZREVRANGEBYLEX key max min [LIMIT offset count]
function zrevrangebylexCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, RANGE_LEX, DIR_REVERSE);
}

// ---------------------------------------------------------------- ZREMRANGEBY*

function zremrangeGeneric(c: Client, argv: string[], type: number): void {
  let startIdx = 0;
  let endIdx = 0;
  let scoreRange: ScoreRange | null = null;
  let lexRange: { min: LexBound; max: LexBound } | null = null;
  if (type === RANGE_RANK) {
    startIdx = longOrThrow(argv[2]);
    endIdx = longOrThrow(argv[3]);
  } else if (type === RANGE_SCORE) {
    scoreRange = parseScoreRange(argv[2], argv[3]);
    if (scoreRange === null) throw new CommandError(NOT_FLOAT_RANGE);
  } else {
    lexRange = parseLexRange(argv[2], argv[3]);
    if (lexRange === null) throw new CommandError(NOT_LEX_RANGE);
  }
  const key = argv[1];
  const z = writeZSet(c, key);
  if (z === undefined) return c.reply.int(0);
  let from: number;
  let toExclusive: number;
  if (type === RANGE_RANK) {
    const r = rankRange(startIdx, endIdx, z.size);
    if (r === null) return c.reply.int(0);
    from = r[0];
    toExclusive = r[1] + 1;
  } else {
    [from, toExclusive] = scoreRange !== null ? scoreRangeRanks(z, scoreRange) : lexRangeRanks(z, lexRange!);
  }
  const deleted = z.deleteRange(from, toExclusive - 1);
  if (deleted > 0) {
    const event = type === RANGE_RANK ? 'zremrangebyrank' : type === RANGE_SCORE ? 'zremrangebyscore' : 'zremrangebylex';
    afterRemoval(c, key, z.size, EVENT.zset, event, deleted);
  }
  c.reply.int(deleted);
}

// ZREMRANGEBYRANK key start stop
function zremrangebyrankCommand(c: Client, argv: string[]): void {
  zremrangeGeneric(c, argv, RANGE_RANK);
}

// ZREMRANGEBYSCORE key min max
function zremrangebyscoreCommand(c: Client, argv: string[]): void {
  zremrangeGeneric(c, argv, RANGE_SCORE);
}

// ZREMRANGEBYLEX key min max
function zremrangebylexCommand(c: Client, argv: string[]): void {
  zremrangeGeneric(c, argv, RANGE_LEX);
}

// ---------------------------------------------------------------- pops

// ZPOPMIN key [count] / ZPOPMAX key [count]
function zpopGeneric(c: Client, argv: string[], max: boolean): void {
  if (argv.length > 3) throw new CommandError(Errors.syntax);
  let count = -1;
  if (argv.length === 3) {
    const v = parseInteger(argv[2]);
    if (v === null || v < 0) throw new CommandError(MUST_BE_POSITIVE);
    count = Number(v);
  }
  const key = argv[1];
  const z = writeZSet(c, key);
  if (z === undefined || count === 0) return c.reply.arrayLen(0);
  const nested = c.reply.resp === 3 && count !== -1;
  popAndReply(c, key, z, max, count === -1 ? 1 : count, nested ? 'nested' : 'flat');
}

function zpopminCommand(c: Client, argv: string[]): void {
  zpopGeneric(c, argv, false);
}

function zpopmaxCommand(c: Client, argv: string[]): void {
  zpopGeneric(c, argv, true);
}

/** getRangeLongFromObjectOrReply(1, LONG_MAX, msg): any failure gives `message`. */
function positiveCountOrThrow(s: string, message: string): number {
  const v = parseInteger(s);
  if (v === null || v < 1) throw new CommandError(message);
  return Number(v);
}

/** What ZMPOP/BZMPOP parsed: the keys, the end to pop from and how many. */
export interface MpopArgs {
  keys: string[];
  max: boolean;
  count: number;
}

/**
 * Parses `numkeys key [key ...] MIN|MAX [COUNT count]` starting at argv[numkeysIdx]
 * (zmpopGenericCommand), throwing Redis's errors. Shared with BZMPOP.
 */
export function parseMpopArgs(argv: string[], numkeysIdx: number): MpopArgs {
  const numkeys = positiveCountOrThrow(argv[numkeysIdx], 'ERR numkeys should be greater than 0');
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) throw new CommandError(Errors.syntax);
  let max: boolean;
  if (isOption(argv[whereIdx], 'MIN')) max = false;
  else if (isOption(argv[whereIdx], 'MAX')) max = true;
  else throw new CommandError(Errors.syntax);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && isOption(argv[j], 'COUNT') && more > 0) {
      j++;
      count = positiveCountOrThrow(argv[j], 'ERR count should be greater than 0');
    } else throw new CommandError(Errors.syntax);
  }
  return { keys: argv.slice(numkeysIdx + 1, whereIdx), max, count: count === -1 ? 1 : count };
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
function zmpopCommand(c: Client, argv: string[]): void {
  const { keys, max, count } = parseMpopArgs(argv, 1);
  for (const key of keys) {
    const z = writeZSet(c, key);
    if (z === undefined) continue;
    const popped = popAndReply(c, key, z, max, count, 'keyed-nested');
    // Replayed as the pop it turned out to be: the key it chose and how many it took.
    if (propagating(c)) rewriteCommand(c, [max ? 'ZPOPMAX' : 'ZPOPMIN', key, String(popped)]);
    return;
  }
  c.reply.nullArray();
}

// ---------------------------------------------------------------- ZUNION / ZINTER / ZDIFF

const OP_UNION = 0;
const OP_INTER = 1;
const OP_DIFF = 2;
const AGG_SUM = 0;
const AGG_MIN = 1;
const AGG_MAX = 2;

/** One input of a set operation: a sorted set, a plain set (every score 1) or a missing key. */
interface Source {
  zset: ZSetValue | null;
  set: SetValue | null;
  weight: number;
  size: number;
}

function sourceIterate(src: Source, visit: (m: string, s: number) => void): void {
  if (src.zset !== null) src.zset.forEachInRange(0, src.zset.size - 1, false, visit);
  else if (src.set !== null) src.set.forEach((m) => visit(m, 1));
}

function sourceScore(src: Source, member: string): number | undefined {
  if (src.zset !== null) return src.zset.score(member);
  if (src.set !== null) return src.set.has(member) ? 1 : undefined;
  return undefined;
}

function aggregate(target: number, val: number, agg: number): number {
  if (agg === AGG_SUM) {
    const r = target + val;
    // inf + -inf: Redis keeps 0 rather than NaN.
    return Number.isNaN(r) ? 0 : r;
  }
  if (agg === AGG_MIN) return val < target ? val : target;
  return val > target ? val : target;
}

/**
 * zunionInterDiffGenericCommand. `dst` is the destination key (STORE forms) or null;
 * `cardOnly` is ZINTERCARD.
 */
function setOpGeneric(c: Client, argv: string[], dst: string | null, numkeysIdx: number, op: number, cardOnly: boolean): void {
  const nameLower = argv[0].toLowerCase();
  const setnumRaw = parseInteger(argv[numkeysIdx]);
  if (setnumRaw === null) throw new CommandError(Errors.notInteger);
  if (setnumRaw < 1) throw new CommandError(`ERR at least 1 input key is needed for '${nameLower}' command`);
  if (setnumRaw > argv.length - (numkeysIdx + 1)) throw new CommandError(Errors.syntax);
  const setnum = Number(setnumRaw);
  const srcs: Source[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = c.db.lookupRead(argv[j]);
    const src: Source = { zset: null, set: null, weight: 1, size: 0 };
    if (v !== undefined) {
      if (v instanceof ZSetValue) {
        src.zset = v;
        src.size = v.size;
      } else if (v instanceof SetValue) {
        src.set = v;
        src.size = v.size;
      } else throw new CommandError(Errors.wrongType);
    }
    srcs.push(src);
  }
  let agg = AGG_SUM;
  let withScores = false;
  let limit = 0;
  let remaining = argv.length - j;
  while (remaining > 0) {
    const a = argv[j];
    if (op !== OP_DIFF && !cardOnly && remaining >= setnum + 1 && isOption(a, 'WEIGHTS')) {
      j++;
      remaining--;
      for (let i = 0; i < setnum; i++, j++, remaining--) {
        const w = parseFloatStrict(argv[j]);
        if (w === null) throw new CommandError('ERR weight value is not a float');
        srcs[i].weight = w;
      }
    } else if (op !== OP_DIFF && !cardOnly && remaining >= 2 && isOption(a, 'AGGREGATE')) {
      j++;
      remaining--;
      const v = argv[j];
      if (isOption(v, 'SUM')) agg = AGG_SUM;
      else if (isOption(v, 'MIN')) agg = AGG_MIN;
      else if (isOption(v, 'MAX')) agg = AGG_MAX;
      else throw new CommandError(Errors.syntax);
      j++;
      remaining--;
    } else if (remaining >= 1 && dst === null && !cardOnly && isOption(a, 'WITHSCORES')) {
      j++;
      remaining--;
      withScores = true;
    } else if (cardOnly && remaining >= 2 && isOption(a, 'LIMIT')) {
      j++;
      remaining--;
      const v = parseInteger(argv[j]);
      if (v === null || v < 0) throw new CommandError("ERR LIMIT can't be negative");
      limit = Number(v);
      j++;
      remaining--;
    } else throw new CommandError(Errors.syntax);
  }

  // Smallest inputs first (a stable sort, as glibc's qsort behaves for small arrays).
  if (op !== OP_DIFF) srcs.sort((a, b) => a.size - b.size);

  const members: string[] = [];
  const scores: number[] = [];
  let cardinality = 0;
  if (op === OP_INTER) {
    if (srcs[0].size > 0) {
      const first = srcs[0];
      const visit = (m: string, s0: number): boolean => {
        let score = first.weight * s0;
        if (Number.isNaN(score)) score = 0;
        for (let k = 1; k < srcs.length; k++) {
          const v = sourceScore(srcs[k], m);
          if (v === undefined) return true;
          score = aggregate(score, v * srcs[k].weight, agg);
        }
        if (cardOnly) {
          cardinality++;
          return !(limit > 0 && cardinality >= limit);
        }
        members.push(m);
        scores.push(score);
        return true;
      };
      // Iterate over a snapshot so an early stop (LIMIT) is easy.
      const elems: string[] = [];
      const elemScores: number[] = [];
      sourceIterate(first, (m, s) => {
        elems.push(m);
        elemScores.push(s);
      });
      for (let i = 0; i < elems.length; i++) if (!visit(elems[i], elemScores[i])) break;
    }
  } else if (op === OP_UNION) {
    const acc = new Map<string, number>();
    for (const src of srcs) {
      if (src.size === 0) continue;
      sourceIterate(src, (m, s) => {
        let score = src.weight * s;
        if (Number.isNaN(score)) score = 0;
        const prev = acc.get(m);
        acc.set(m, prev === undefined ? score : aggregate(prev, score, agg));
      });
    }
    for (const [m, s] of acc) {
      members.push(m);
      scores.push(s);
    }
  } else {
    const first = srcs[0];
    if (first.size > 0) {
      sourceIterate(first, (m, s) => {
        for (let k = 1; k < srcs.length; k++) if (srcs[k].size > 0 && sourceScore(srcs[k], m) !== undefined) return;
        members.push(m);
        scores.push(s);
      });
    }
  }

  if (cardOnly) return c.reply.int(cardinality);

  // Sort the result into sorted-set order.
  const order = new Array<number>(members.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => {
    const sa = scores[a];
    const sb = scores[b];
    if (sa !== sb) return sa < sb ? -1 : 1;
    const ma = members[a];
    const mb = members[b];
    return ma < mb ? -1 : ma > mb ? 1 : 0;
  });
  const sortedMembers = order.map((i) => members[i]);
  const sortedScores = order.map((i) => scores[i]);

  if (dst !== null) {
    if (sortedMembers.length === 0) {
      if (c.db.delete(dst)) keyWritten(c, EVENT.generic, 'del', dst);
      return c.reply.int(0);
    }
    c.db.set(dst, fromSortedWithLimits(c, sortedMembers, sortedScores));
    keyWritten(c, EVENT.zset, op === OP_UNION ? 'zunionstore' : op === OP_INTER ? 'zinterstore' : 'zdiffstore', dst);
    return c.reply.int(sortedMembers.length);
  }
  const r = c.reply;
  const nested = withScores && r.resp === 3;
  r.arrayLen(withScores && !nested ? sortedMembers.length * 2 : sortedMembers.length);
  for (let i = 0; i < sortedMembers.length; i++) {
    if (nested) r.arrayLen(2);
    r.bulk(sortedMembers[i]);
    if (withScores) r.double(sortedScores[i]);
  }
}

// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
function zunionstoreCommand(c: Client, argv: string[]): void {
  setOpGeneric(c, argv, argv[1], 2, OP_UNION, false);
}

// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
function zinterstoreCommand(c: Client, argv: string[]): void {
  setOpGeneric(c, argv, argv[1], 2, OP_INTER, false);
}

// ZDIFFSTORE destination numkeys key [key ...]
function zdiffstoreCommand(c: Client, argv: string[]): void {
  setOpGeneric(c, argv, argv[1], 2, OP_DIFF, false);
}

// ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
function zunionCommand(c: Client, argv: string[]): void {
  setOpGeneric(c, argv, null, 1, OP_UNION, false);
}

// ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
function zinterCommand(c: Client, argv: string[]): void {
  setOpGeneric(c, argv, null, 1, OP_INTER, false);
}

// ZDIFF numkeys key [key ...] [WITHSCORES]
function zdiffCommand(c: Client, argv: string[]): void {
  setOpGeneric(c, argv, null, 1, OP_DIFF, false);
}

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
function zintercardCommand(c: Client, argv: string[]): void {
  setOpGeneric(c, argv, null, 1, OP_INTER, true);
}

// ---------------------------------------------------------------- ZRANDMEMBER, ZSCAN

// ZRANDMEMBER key [count [WITHSCORES]]
function zrandmemberCommand(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const { count, withExtra } = randomCountArgs(argv, 'WITHSCORES');
    return randomMembersWithCount(c, argv[1], count, withExtra);
  }
  const z = readZSet(c, argv[1]);
  if (z === undefined) return c.reply.nullBulk();
  const e: [string, number] = ['', 0];
  z.random(e);
  c.reply.bulk(e[0]);
}

/** zrandmemberWithCountCommand: sampling with repetition (negative count) or distinct members. */
function randomMembersWithCount(c: Client, key: string, l: number, withScores: boolean): void {
  const z = readZSet(c, key);
  if (z === undefined) return c.reply.arrayLen(0);
  const r = c.reply;
  const size = z.size;
  const unique = l >= 0;
  let count = unique ? l : -l;
  if (count === 0) return r.arrayLen(0);
  const nested = withScores && r.resp === 3;
  const e: [string, number] = ['', 0];
  const emit = (m: string, s: number): void => {
    if (nested) r.arrayLen(2);
    r.bulk(m);
    if (withScores) r.double(s);
  };
  if (!unique || count === 1) {
    r.arrayLen(withScores && !nested ? count * 2 : count);
    while (count-- > 0) {
      z.random(e);
      emit(e[0], e[1]);
    }
    return;
  }
  const replySize = count < size ? count : size;
  r.arrayLen(withScores && !nested ? replySize * 2 : replySize);
  if (count >= size) {
    z.forEachInRange(0, size - 1, false, emit);
    return;
  }
  // Distinct ranks by a partial Fisher-Yates when the sample is a large part of the set, else by
  // rejection.
  if (count * 3 > size) {
    const positions = new Int32Array(size);
    for (let i = 0; i < size; i++) positions[i] = i;
    for (let i = 0; i < count; i++) {
      const k = i + Math.floor(Math.random() * (size - i));
      const p = positions[k];
      positions[k] = positions[i];
      positions[i] = p;
      z.at(p, e);
      emit(e[0], e[1]);
    }
    return;
  }
  const picked = new Set<number>();
  while (picked.size < count) {
    const p = Math.floor(Math.random() * size);
    if (picked.has(p)) continue;
    picked.add(p);
    z.at(p, e);
    emit(e[0], e[1]);
  }
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]
function zscanCommand(c: Client, argv: string[]): void {
  const cursor = cursorOrThrow(argv[2]);
  const z = readZSet(c, argv[1]);
  if (z === undefined) return replyScanPage(c, 0, []);
  const { count, matcher } = parseScanOptions(argv, 3);
  const out: string[] = [];
  const next = z.scan(cursor, count, (m, s) => {
    if (matcher === null || matcher.matches(m)) out.push(m, formatDouble17g(s));
  });
  replyScanPage(c, next, out);
}

// ---------------------------------------------------------------- command table

/** numkeys at argv[1], keys after it. */
function keynumAt1(flags: KeySpecFlag[]): KeySpec[] {
  return [{ flags, begin: { index: 1 }, find: { keynum: { keynumidx: 0, firstkey: 1, step: 1 } } }];
}

/** destination at argv[1], numkeys at argv[2], keys after it. */
function storeKeys(): KeySpec[] {
  return [
    { flags: ['OW', 'UPDATE'], begin: { index: 1 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
    { flags: ['RO', 'ACCESS'], begin: { index: 2 }, find: { keynum: { keynumidx: 0, firstkey: 1, step: 1 } } },
  ];
}

const RANGE_COMPLEXITY =
  'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).';
const REMRANGE_COMPLEXITY = 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.';
const POP_COMPLEXITY = 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.';
const UNION_COMPLEXITY = 'O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.';
const INTER_COMPLEXITY =
  'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.';
const DIFF_COMPLEXITY =
  'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.';

function spec(s: Omit<CommandSpec, 'group' | 'acl'>): CommandSpec {
  return { ...s, group: 'sorted-set', acl: ['sortedset'] };
}

/** ZINTER and ZUNION's arguments; their STORE forms take a destination first and no WITHSCORES. */
const WEIGHTS_AND_AGGREGATE = [
  arg.integer('weight', { token: 'WEIGHTS', optional: true, multiple: true }),
  arg.oneOf('aggregate', [arg.token('SUM'), arg.token('MIN'), arg.token('MAX')], { token: 'AGGREGATE', optional: true }),
];
const COMBINE_ARGS = [arg.integer('numkeys'), arg.key('key', 0, { multiple: true }), ...WEIGHTS_AND_AGGREGATE, arg.token('WITHSCORES', { optional: true })];
const COMBINE_STORE_ARGS = [arg.key('destination', 0), arg.integer('numkeys'), arg.key('key', 1, { multiple: true }), ...WEIGHTS_AND_AGGREGATE];

export const SORTED_SET_COMMANDS: CommandSpec[] = [
  withDocs(
    spec({
      name: 'zadd',
      summary: 'Adds members with scores to a sorted set, or updates their scores; creates the key if needed.',
      since: '1.2.0',
      complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.',
      arity: -4,
      flags: ['write', 'denyoom', 'fast'],
      keys: firstKey(['RW', 'UPDATE']),
      args: [
        arg.key('key', 0),
        arg.oneOf('condition', [arg.token('NX'), arg.token('XX')], { since: '3.0.2', optional: true }),
        arg.oneOf('comparison', [arg.token('GT'), arg.token('LT')], { since: '6.2.0', optional: true }),
        arg.token('CH', { name: 'change', since: '3.0.2', optional: true }),
        arg.token('INCR', { name: 'increment', since: '3.0.2', optional: true }),
        arg.block('score_member', [arg.double('score'), arg.string('member')], { multiple: true }),
      ],
      handler: zaddCommand,
    }),
    {
      history: [
        ['2.4.0', 'Accepts multiple elements.'],
        ['3.0.2', 'Added the `XX`, `NX`, `CH` and `INCR` options.'],
        ['6.2.0', 'Added the `GT` and `LT` options.'],
      ],
    },
  ),
  spec({
    name: 'zcard',
    summary: 'Returns how many members a sorted set has.',
    since: '1.2.0',
    complexity: 'O(1)',
    arity: 2,
    flags: ['readonly', 'fast'],
    keys: firstKey(['RO']),
    args: [arg.key('key', 0)],
    handler: zcardCommand,
  }),
  spec({
    name: 'zcount',
    summary: 'Counts the members whose score lies within a range.',
    since: '2.0.0',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    arity: 4,
    flags: ['readonly', 'fast'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.double('min'), arg.double('max')],
    handler: zcountCommand,
  }),
  spec({
    name: 'zdiff',
    summary: 'Returns the members of the first sorted set that are in none of the others.',
    since: '6.2.0',
    complexity: DIFF_COMPLEXITY,
    arity: -3,
    flags: ['readonly'],
    keys: keynumAt1(['RO', 'ACCESS']),
    args: [arg.integer('numkeys'), arg.key('key', 0, { multiple: true }), arg.token('WITHSCORES', { optional: true })],
    handler: zdiffCommand,
  }),
  spec({
    name: 'zdiffstore',
    summary: 'Stores the difference of sorted sets in a key.',
    since: '6.2.0',
    complexity: DIFF_COMPLEXITY,
    arity: -4,
    flags: ['write', 'denyoom'],
    keys: storeKeys(),
    args: [arg.key('destination', 0), arg.integer('numkeys'), arg.key('key', 1, { multiple: true })],
    handler: zdiffstoreCommand,
  }),
  spec({
    name: 'zincrby',
    summary: "Adds an amount to a member's score, creating the member at 0 first if needed.",
    since: '1.2.0',
    complexity: 'O(log(N)) where N is the number of elements in the sorted set.',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    keys: firstKey(['RW', 'ACCESS', 'UPDATE']),
    args: [arg.key('key', 0), arg.integer('increment'), arg.string('member')],
    handler: zincrbyCommand,
  }),
  spec({
    name: 'zinter',
    summary: 'Returns the members present in every given sorted set, with aggregated scores.',
    since: '6.2.0',
    complexity: INTER_COMPLEXITY,
    arity: -3,
    flags: ['readonly'],
    keys: keynumAt1(['RO', 'ACCESS']),
    args: COMBINE_ARGS,
    handler: zinterCommand,
  }),
  spec({
    name: 'zintercard',
    summary: 'Counts the members present in every given sorted set, optionally stopping at a limit.',
    since: '7.0.0',
    complexity: 'O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.',
    arity: -3,
    flags: ['readonly'],
    keys: keynumAt1(['RO', 'ACCESS']),
    args: [arg.integer('numkeys'), arg.key('key', 0, { multiple: true }), arg.integer('limit', { token: 'LIMIT', optional: true })],
    handler: zintercardCommand,
  }),
  spec({
    name: 'zinterstore',
    summary: 'Stores the intersection of sorted sets in a key.',
    since: '2.0.0',
    complexity: INTER_COMPLEXITY,
    arity: -4,
    flags: ['write', 'denyoom'],
    keys: storeKeys(),
    args: COMBINE_STORE_ARGS,
    handler: zinterstoreCommand,
  }),
  spec({
    name: 'zlexcount',
    summary: 'Counts the members within a lexicographical range (for members sharing one score).',
    since: '2.8.9',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
    arity: 4,
    flags: ['readonly', 'fast'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.string('min'), arg.string('max')],
    handler: zlexcountCommand,
  }),
  spec({
    name: 'zmpop',
    summary: 'Pops the lowest or highest scored members from the first non-empty sorted set among the keys.',
    since: '7.0.0',
    complexity: 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
    arity: -4,
    flags: ['write'],
    keys: keynumAt1(['RW', 'ACCESS', 'DELETE']),
    args: [
      arg.integer('numkeys'),
      arg.key('key', 0, { multiple: true }),
      arg.oneOf('where', [arg.token('MIN'), arg.token('MAX')]),
      arg.integer('count', { token: 'COUNT', optional: true }),
    ],
    handler: zmpopCommand,
  }),
  spec({
    name: 'zmscore',
    summary: 'Returns the scores of several members (null for absent ones).',
    since: '6.2.0',
    complexity: 'O(N) where N is the number of members being requested.',
    arity: -3,
    flags: ['readonly', 'fast'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.string('member', { multiple: true })],
    handler: zmscoreCommand,
  }),
  spec({
    name: 'zpopmax',
    summary: 'Removes and returns the highest scored members.',
    since: '5.0.0',
    complexity: POP_COMPLEXITY,
    arity: -2,
    flags: ['write', 'fast'],
    keys: firstKey(['RW', 'ACCESS', 'DELETE']),
    args: [arg.key('key', 0), arg.integer('count', { optional: true })],
    handler: zpopmaxCommand,
  }),
  spec({
    name: 'zpopmin',
    summary: 'Removes and returns the lowest scored members.',
    since: '5.0.0',
    complexity: POP_COMPLEXITY,
    arity: -2,
    flags: ['write', 'fast'],
    keys: firstKey(['RW', 'ACCESS', 'DELETE']),
    args: [arg.key('key', 0), arg.integer('count', { optional: true })],
    handler: zpopminCommand,
  }),
  spec({
    name: 'zrandmember',
    summary: 'Returns one or more random members, optionally with their scores.',
    since: '6.2.0',
    complexity: 'O(N) where N is the number of elements returned',
    arity: -2,
    flags: ['readonly'],
    tips: ['nondeterministic_output'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [
      arg.key('key', 0),
      arg.block('options', [arg.integer('count'), arg.token('WITHSCORES', { optional: true })], { optional: true }),
    ],
    handler: zrandmemberCommand,
  }),
  withDocs(
    spec({
      name: 'zrange',
      summary: 'Returns members within a range of ranks, scores or lexicographical values, optionally reversed.',
      since: '1.2.0',
      complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.',
      arity: -4,
      flags: ['readonly'],
      keys: firstKey(['RO', 'ACCESS']),
      args: [
        arg.key('key', 0),
        arg.string('start'),
        arg.string('stop'),
        arg.oneOf('sortby', [arg.token('BYSCORE'), arg.token('BYLEX')], { since: '6.2.0', optional: true }),
        arg.token('REV', { since: '6.2.0', optional: true }),
        arg.block('offset_count', [arg.integer('offset'), arg.integer('count')], { token: 'LIMIT', since: '6.2.0', optional: true }),
        arg.token('WITHSCORES', { optional: true }),
      ],
      handler: zrangeCommand,
    }),
    { history: [['6.2.0', 'Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.']] },
  ),
  withDocs(
    spec({
      name: 'zrangebylex',
      summary: 'Returns members within a lexicographical range.',
      since: '2.8.9',
      complexity: RANGE_COMPLEXITY,
      arity: -4,
      flags: ['readonly'],
      keys: firstKey(['RO', 'ACCESS']),
      args: [
        arg.key('key', 0),
        arg.string('min'),
        arg.string('max'),
        arg.block('offset_count', [arg.integer('offset'), arg.integer('count')], { token: 'LIMIT', optional: true }),
      ],
      handler: zrangebylexCommand,
    }),
    { docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`ZRANGE` with the `BYLEX` argument' },
  ),
  withDocs(
    spec({
      name: 'zrangebyscore',
      summary: 'Returns members within a score range.',
      since: '1.0.5',
      complexity: RANGE_COMPLEXITY,
      arity: -4,
      flags: ['readonly'],
      keys: firstKey(['RO', 'ACCESS']),
      args: [
        arg.key('key', 0),
        arg.double('min'),
        arg.double('max'),
        arg.token('WITHSCORES', { since: '2.0.0', optional: true }),
        arg.block('offset_count', [arg.integer('offset'), arg.integer('count')], { token: 'LIMIT', optional: true }),
      ],
      handler: zrangebyscoreCommand,
    }),
    {
      history: [['2.0.0', 'Added the `WITHSCORES` modifier.']],
      docFlags: ['deprecated'],
      deprecatedSince: '6.2.0',
      replacedBy: '`ZRANGE` with the `BYSCORE` argument',
    },
  ),
  spec({
    name: 'zrangestore',
    summary: 'Stores a range of members (by rank, score or lex) of a sorted set in another key.',
    since: '6.2.0',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.',
    arity: -5,
    flags: ['write', 'denyoom'],
    keys: [
      { flags: ['OW', 'UPDATE'], begin: { index: 1 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
      { flags: ['RO', 'ACCESS'], begin: { index: 2 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
    ],
    args: [
      arg.key('dst', 0),
      arg.key('src', 1),
      arg.string('min'),
      arg.string('max'),
      arg.oneOf('sortby', [arg.token('BYSCORE'), arg.token('BYLEX')], { optional: true }),
      arg.token('REV', { optional: true }),
      arg.block('offset_count', [arg.integer('offset'), arg.integer('count')], { token: 'LIMIT', optional: true }),
    ],
    handler: zrangestoreCommand,
  }),
  spec({
    name: 'zrank',
    summary: 'Returns the 0-based position of a member in ascending score order.',
    since: '2.0.0',
    complexity: 'O(log(N))',
    arity: 3,
    flags: ['readonly', 'fast'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.string('member')],
    handler: (c, argv) => zrankGeneric(c, argv, false),
  }),
  withDocs(
    spec({
      name: 'zrem',
      summary: 'Removes members from a sorted set, deleting the key when none remain.',
      since: '1.2.0',
      complexity: 'O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.',
      arity: -3,
      flags: ['write', 'fast'],
      keys: firstKey(['RW', 'DELETE']),
      args: [arg.key('key', 0), arg.string('member', { multiple: true })],
      handler: zremCommand,
    }),
    { history: [['2.4.0', 'Accepts multiple elements.']] },
  ),
  spec({
    name: 'zremrangebylex',
    summary: 'Removes the members within a lexicographical range.',
    since: '2.8.9',
    complexity: REMRANGE_COMPLEXITY,
    arity: 4,
    flags: ['write'],
    keys: firstKey(['RW', 'DELETE']),
    args: [arg.key('key', 0), arg.string('min'), arg.string('max')],
    handler: zremrangebylexCommand,
  }),
  spec({
    name: 'zremrangebyrank',
    summary: 'Removes the members within a range of ranks.',
    since: '2.0.0',
    complexity: REMRANGE_COMPLEXITY,
    arity: 4,
    flags: ['write'],
    keys: firstKey(['RW', 'DELETE']),
    args: [arg.key('key', 0), arg.integer('start'), arg.integer('stop')],
    handler: zremrangebyrankCommand,
  }),
  spec({
    name: 'zremrangebyscore',
    summary: 'Removes the members within a score range.',
    since: '1.2.0',
    complexity: REMRANGE_COMPLEXITY,
    arity: 4,
    flags: ['write'],
    keys: firstKey(['RW', 'DELETE']),
    args: [arg.key('key', 0), arg.double('min'), arg.double('max')],
    handler: zremrangebyscoreCommand,
  }),
  withDocs(
    spec({
      name: 'zrevrange',
      summary: 'Returns members within a range of ranks, from the highest score down.',
      since: '1.2.0',
      complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.',
      arity: -4,
      flags: ['readonly'],
      keys: firstKey(['RO', 'ACCESS']),
      args: [arg.key('key', 0), arg.integer('start'), arg.integer('stop'), arg.token('WITHSCORES', { optional: true })],
      handler: zrevrangeCommand,
    }),
    { docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`ZRANGE` with the `REV` argument' },
  ),
  withDocs(
    spec({
      name: 'zrevrangebylex',
      summary: 'Returns members within a lexicographical range, from the highest down.',
      since: '2.8.9',
      complexity: RANGE_COMPLEXITY,
      arity: -4,
      flags: ['readonly'],
      keys: firstKey(['RO', 'ACCESS']),
      args: [
        arg.key('key', 0),
        arg.string('max'),
        arg.string('min'),
        arg.block('offset_count', [arg.integer('offset'), arg.integer('count')], { token: 'LIMIT', optional: true }),
      ],
      handler: zrevrangebylexCommand,
    }),
    { docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`ZRANGE` with the `REV` and `BYLEX` arguments' },
  ),
  withDocs(
    spec({
      name: 'zrevrangebyscore',
      summary: 'Returns members within a score range, from the highest score down.',
      since: '2.2.0',
      complexity: RANGE_COMPLEXITY,
      arity: -4,
      flags: ['readonly'],
      keys: firstKey(['RO', 'ACCESS']),
      args: [
        arg.key('key', 0),
        arg.double('max'),
        arg.double('min'),
        arg.token('WITHSCORES', { optional: true }),
        arg.block('offset_count', [arg.integer('offset'), arg.integer('count')], { token: 'LIMIT', optional: true }),
      ],
      handler: zrevrangebyscoreCommand,
    }),
    {
      history: [['2.1.6', '`min` and `max` can be exclusive.']],
      docFlags: ['deprecated'],
      deprecatedSince: '6.2.0',
      replacedBy: '`ZRANGE` with the `REV` and `BYSCORE` arguments',
    },
  ),
  spec({
    name: 'zrevrank',
    summary: 'Returns the 0-based position of a member in descending score order.',
    since: '2.0.0',
    complexity: 'O(log(N))',
    arity: 3,
    flags: ['readonly', 'fast'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.string('member')],
    handler: (c, argv) => zrankGeneric(c, argv, true),
  }),
  spec({
    name: 'zscan',
    summary: 'Iterates over the members and scores of a sorted set a few at a time with a cursor.',
    since: '2.8.0',
    complexity:
      'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..',
    arity: -3,
    flags: ['readonly'],
    tips: ['nondeterministic_output'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [
      arg.key('key', 0),
      arg.integer('cursor'),
      arg.pattern('pattern', { token: 'MATCH', optional: true }),
      arg.integer('count', { token: 'COUNT', optional: true }),
    ],
    handler: zscanCommand,
  }),
  spec({
    name: 'zscore',
    summary: 'Returns the score of a member.',
    since: '1.2.0',
    complexity: 'O(1)',
    arity: 3,
    flags: ['readonly', 'fast'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.string('member')],
    handler: zscoreCommand,
  }),
  spec({
    name: 'zunion',
    summary: 'Returns the union of sorted sets, with aggregated scores.',
    since: '6.2.0',
    complexity: UNION_COMPLEXITY,
    arity: -3,
    flags: ['readonly'],
    keys: keynumAt1(['RO', 'ACCESS']),
    args: COMBINE_ARGS,
    handler: zunionCommand,
  }),
  spec({
    name: 'zunionstore',
    summary: 'Stores the union of sorted sets in a key.',
    since: '2.0.0',
    complexity: 'O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.',
    arity: -4,
    flags: ['write', 'denyoom'],
    keys: storeKeys(),
    args: COMBINE_STORE_ARGS,
    handler: zunionstoreCommand,
  }),
];
