import { withDocs, type CommandSpec, type KeySpec, firstKey, keyAt, arg } from '../server/command-spec.js';
import { isOption, int64OrThrow } from './args.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors, cString, subcommandSyntaxError } from '../protocol/errors.js';
import { parseInteger } from '../util/number.js';
import { datasetChanged, keyStateChanged, notify, keyWritten, EVENT } from '../server/notify.js';
import { alsoPropagate, preventPropagation, propagating, rewriteCommand } from '../server/propagate.js';
import {
  StreamValue,
  ConsumerGroup,
  Consumer,
  NACK,
  ENTRIES_READ_INVALID,
  ID_MAX,
  U64_MAX,
  formatId,
  idMs,
  idSeq,
  makeId,
  type TrimArgs,
} from '../engine/types/stream.js';

/**
 * The STREAM group (t_stream.c): XADD XRANGE XREVRANGE XLEN XDEL XTRIM XSETID XREAD XGROUP
 * XREADGROUP XACK XPENDING XCLAIM XAUTOCLAIM XINFO. Handlers only call the stream type API
 * (src/engine/types/stream.ts). XREAD/XREADGROUP BLOCK wait through the server's BlockingManager.
 */

const INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';
const XADD_EQUAL_OR_SMALLER = 'ERR The ID specified in XADD is equal or smaller than the target stream top item';
const XADD_ZERO = 'ERR The ID specified in XADD must be greater than 0-0';
const EXHAUSTED = 'ERR The stream has exhausted the last possible ID, unable to add more items';
const INVALID_START = 'ERR invalid start ID for the interval';
const INVALID_END = 'ERR invalid end ID for the interval';
const XGROUP_NEEDS_KEY =
  'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.';

// ---------------------------------------------------------------- ID parsing

/** Redis's string2ull: string2ll (rejecting negatives), else strtoull's rules (spaces, sign, wrap). */
function parseU64(s: string): bigint | null {
  const ll = parseInteger(s);
  if (ll !== null) return ll < 0 ? null : BigInt(ll);
  let i = 0;
  const n = s.length;
  if (n === 0) return null;
  while (i < n && (s.charCodeAt(i) === 32 || (s.charCodeAt(i) >= 9 && s.charCodeAt(i) <= 13))) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  const digitsAt = i;
  while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === digitsAt || i !== n) return null;
  const v = BigInt(s.slice(digitsAt, i));
  if (v > U64_MAX) return null;
  return neg ? (U64_MAX + 1n - v) & U64_MAX : v;
}

interface ParsedId {
  id: bigint;
  /** false for XADD's `ms-*` */
  seqGiven: boolean;
}

/** streamGenericParseIDOrReply. */
function parseIdOrThrow(arg: string, missingSeq: bigint, strict: boolean, allowSeqStar = false): ParsedId {
  if (arg.length > 127) throw new CommandError(INVALID_ID);
  // The C code reads a NUL-terminated copy.
  const nul = arg.indexOf('\x00');
  const s = nul >= 0 ? arg.slice(0, nul) : arg;
  if (s === '-' || s === '+') {
    if (strict) throw new CommandError(INVALID_ID);
    return { id: s === '-' ? 0n : ID_MAX, seqGiven: true };
  }
  const dash = s.indexOf('-');
  const ms = parseU64(dash >= 0 ? s.slice(0, dash) : s);
  if (ms === null) throw new CommandError(INVALID_ID);
  let seq = missingSeq;
  let seqGiven = true;
  if (dash >= 0) {
    const rest = s.slice(dash + 1);
    if (allowSeqStar && rest === '*') {
      seq = 0n;
      seqGiven = false;
    } else {
      const v = parseU64(rest);
      if (v === null) throw new CommandError(INVALID_ID);
      seq = v;
    }
  }
  return { id: makeId(ms, seq), seqGiven };
}

function strictId(arg: string): bigint {
  return parseIdOrThrow(arg, 0n, true).id;
}

/** streamParseIntervalIDOrReply: `(` makes the bound exclusive. */
function intervalId(arg: string, missingSeq: bigint): { id: bigint; exclusive: boolean } {
  if (arg.length > 1 && arg[0] === '(') return { id: parseIdOrThrow(arg.slice(1), missingSeq, true).id, exclusive: true };
  return { id: parseIdOrThrow(arg, missingSeq, false).id, exclusive: false };
}

function startBound(arg: string): bigint {
  const { id, exclusive } = intervalId(arg, 0n);
  if (!exclusive) return id;
  if (id === ID_MAX) throw new CommandError(INVALID_START);
  return id + 1n;
}

function endBound(arg: string): bigint {
  const { id, exclusive } = intervalId(arg, U64_MAX);
  if (!exclusive) return id;
  if (id === 0n) throw new CommandError(INVALID_END);
  return id - 1n;
}

// ---------------------------------------------------------------- helpers

function readStream(c: Client, key: string): StreamValue | undefined {
  const v = c.db.lookupRead(key);
  if (v === undefined || v instanceof StreamValue) return v;
  throw new CommandError(Errors.wrongType);
}

function writeStream(c: Client, key: string): StreamValue | undefined {
  const v = c.db.lookupWrite(key);
  if (v === undefined || v instanceof StreamValue) return v;
  throw new CommandError(Errors.wrongType);
}

function replyId(c: Client, id: bigint): void {
  c.reply.bulk(formatId(id));
}

function replyFields(c: Client, fields: string[]): void {
  c.reply.arrayLen(fields.length);
  for (const f of fields) c.reply.bulk(f);
}

function replyEntry(c: Client, id: bigint, fields: string[]): void {
  c.reply.arrayLen(2);
  replyId(c, id);
  replyFields(c, fields);
}

/** Collects up to `count` (0: all) entries of a range. */
function collect(s: StreamValue, start: bigint, end: bigint, count: number, rev: boolean): Array<[bigint, string[]]> {
  const out: Array<[bigint, string[]]> = [];
  s.range(start, end, rev, (id, cur) => {
    out.push([id, cur.fields()]);
    return count === 0 || out.length < count;
  });
  return out;
}

function replyEntries(c: Client, entries: Array<[bigint, string[]]>): void {
  c.reply.arrayLen(entries.length);
  for (const [id, fields] of entries) replyEntry(c, id, fields);
}

function nodeLimits(c: Client): { maxBytes: number; maxEntries: number } {
  return { maxBytes: Number(c.server.config.streamNodeMaxBytes), maxEntries: Number(c.server.config.streamNodeMaxEntries) };
}

function toSafe(v: number | bigint): number {
  return typeof v === 'bigint' ? Number(v) : v;
}

// ---------------------------------------------------------------- XADD / XTRIM

interface AddTrimArgs {
  trim: TrimArgs | null;
  noMkStream: boolean;
  /** XADD: the ID argument index */
  idIndex: number;
  /** The MAXLEN/MINID threshold's index (approximate trimming rewrites it and the `~` before it). */
  thresholdIndex: number;
}

/** streamParseAddOrTrimArgsOrReply. */
function parseAddOrTrim(c: Client, argv: string[], xadd: boolean): AddTrimArgs {
  let strategy: 'maxlen' | 'minid' | null = null;
  let approx = false;
  let maxlen = 0;
  let minid = 0n;
  let limit = -1;
  let noMkStream = false;
  let thresholdIndex = 0;
  let i = 2;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const opt = argv[i];
    if (xadd && opt === '*') break;
    if (isOption(opt, 'MAXLEN') && more >= 1) {
      if (strategy === 'minid') throw new CommandError('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      approx = false;
      const next = argv[i + 1];
      if (more >= 2 && next === '~') {
        approx = true;
        i++;
      } else if (more >= 2 && next === '=') i++;
      const v = toSafe(int64OrThrow(argv[i + 1]));
      if (v < 0) throw new CommandError('ERR The MAXLEN argument must be >= 0.');
      maxlen = v;
      thresholdIndex = i + 1;
      i++;
      strategy = 'maxlen';
    } else if (isOption(opt, 'MINID') && more >= 1) {
      if (strategy === 'maxlen') throw new CommandError('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      approx = false;
      const next = argv[i + 1];
      if (more >= 2 && next === '~') {
        approx = true;
        i++;
      } else if (more >= 2 && next === '=') i++;
      minid = strictId(argv[i + 1]);
      thresholdIndex = i + 1;
      i++;
      strategy = 'minid';
    } else if (isOption(opt, 'LIMIT') && more >= 1) {
      const v = toSafe(int64OrThrow(argv[i + 1]));
      if (v < 0) throw new CommandError('ERR The LIMIT argument must be >= 0.');
      limit = v;
      i++;
    } else if (xadd && isOption(opt, 'NOMKSTREAM')) {
      noMkStream = true;
    } else if (xadd) {
      parseIdOrThrow(opt, 0n, true, true);
      break;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  // A client the server must obey (the AOF, a master) may send what its own propagation wrote:
  // exact trimming with LIMIT, which then trims without limit (mustObeyClient).
  if (limit >= 0 && !approx) {
    if (c.kind !== 'aof') throw new CommandError('ERR syntax error, LIMIT cannot be used without the special ~ option');
    limit = 0;
  }
  if (!xadd && strategy === null) throw new CommandError(Errors.syntax);
  if (limit < 0) {
    if (approx) {
      limit = 100 * Number(c.server.config.streamNodeMaxEntries);
      if (limit <= 0 || limit > 1000000) limit = 10000;
    } else limit = 0;
  }
  const trim = strategy === null ? null : { strategy, maxlen, minid, approx, limit };
  return { trim, noMkStream, idIndex: i, thresholdIndex };
}

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
function xaddCommand(c: Client, argv: string[]): void {
  const args = parseAddOrTrim(c, argv, true);
  const fieldsAt = args.idIndex + 1;
  const nfields = argv.length - fieldsAt;
  if (nfields < 2 || nfields % 2 === 1) throw new CommandError(Errors.wrongArity('xadd'));
  let explicit: ParsedId | null = null;
  if (argv[args.idIndex] !== '*') {
    explicit = parseIdOrThrow(argv[args.idIndex], 0n, true, true);
    if (explicit.seqGiven && explicit.id === 0n) throw new CommandError(XADD_ZERO);
  }
  const key = argv[1];
  let s = writeStream(c, key);
  if (s === undefined && args.noMkStream) return c.reply.nullBulk();
  const existing = s;
  const lastId = s === undefined ? 0n : s.lastId;
  if (lastId === ID_MAX) throw new CommandError(EXHAUSTED);
  let id: bigint;
  if (explicit === null) {
    const now = BigInt(c.server.clock.now);
    id = now > idMs(lastId) ? makeId(now, 0n) : lastId + 1n;
  } else if (!explicit.seqGiven) {
    const ms = idMs(explicit.id);
    if (ms === idMs(lastId)) {
      if (idSeq(lastId) === U64_MAX) throw new CommandError('ERR Elements are too large to be stored');
      id = lastId + 1n;
    } else id = makeId(ms, 0n);
    if (id <= lastId) throw new CommandError(XADD_EQUAL_OR_SMALLER);
  } else {
    id = explicit.id;
    if (id <= lastId) throw new CommandError(XADD_EQUAL_OR_SMALLER);
  }
  if (s === undefined) {
    s = new StreamValue();
    c.db.set(key, s);
  }
  const { maxBytes, maxEntries } = nodeLimits(c);
  s.append(id, argv, fieldsAt, maxBytes, maxEntries);
  replyId(c, id);
  // One change for the entry; entries trimmed with it are not counted (as in Redis).
  keyWritten(c, EVENT.stream, 'xadd', key);
  if (args.trim !== null && s.trim(args.trim) > 0) notify(c, EVENT.stream, 'xtrim', key);
  // Replicas get the ID this entry got, and the exact result of approximate trimming.
  if (propagating(c) && (explicit === null || !explicit.seqGiven || args.trim?.approx)) {
    const rewritten = argv.slice();
    rewritten[args.idIndex] = formatId(id);
    if (args.trim?.approx) exactTrimThreshold(rewritten, s, args);
    rewriteCommand(c, rewritten);
  }
  if (existing !== undefined) signalReady(c, key);
}

/**
 * Approximate trimming (`~`, LIMIT) depends on how entries fall into nodes: it propagates as exact
 * trimming to what it left, `= <length>` or `= <first stored ID>` (LIMIT stays, replicas ignore it).
 */
function exactTrimThreshold(argv: string[], s: StreamValue, args: AddTrimArgs): void {
  argv[args.thresholdIndex - 1] = '=';
  argv[args.thresholdIndex] = args.trim!.strategy === 'maxlen' ? String(s.length) : formatId(s.firstStoredId());
}

function signalReady(c: Client, key: string): void {
  c.server.blocking.signalKeyReady(c.db, key);
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
function xtrimCommand(c: Client, argv: string[]): void {
  const args = parseAddOrTrim(c, argv, false);
  const s = writeStream(c, argv[1]);
  if (s === undefined) return c.reply.int(0);
  const deleted = s.trim(args.trim as TrimArgs);
  if (deleted > 0) {
    keyWritten(c, EVENT.stream, 'xtrim', argv[1], deleted);
    if (args.trim!.approx && propagating(c)) {
      const rewritten = argv.slice();
      exactTrimThreshold(rewritten, s, args);
      rewriteCommand(c, rewritten);
    }
  }
  c.reply.int(deleted);
}

// ---------------------------------------------------------------- reads and deletes

/** COUNT for XRANGE/XREVRANGE: -1 when absent. */
function rangeCount(argv: string[]): number {
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (isOption(argv[j], 'COUNT') && j + 1 < argv.length) {
      const v = toSafe(int64OrThrow(argv[j + 1]));
      count = v < 0 ? 0 : v;
      j++;
    } else throw new CommandError(Errors.syntax);
  }
  return count;
}

function xrangeGeneric(c: Client, argv: string[], rev: boolean): void {
  const start = startBound(rev ? argv[3] : argv[2]);
  const end = endBound(rev ? argv[2] : argv[3]);
  const count = rangeCount(argv);
  const s = readStream(c, argv[1]);
  if (s === undefined) return c.reply.arrayLen(0);
  if (count === 0) return c.reply.nullArray();
  replyEntries(c, collect(s, start, end, count < 0 ? 0 : count, rev));
}

// XRANGE key start end [COUNT count]
function xrangeCommand(c: Client, argv: string[]): void {
  xrangeGeneric(c, argv, false);
}

// XREVRANGE key end start [COUNT count]
function xrevrangeCommand(c: Client, argv: string[]): void {
  xrangeGeneric(c, argv, true);
}

// XLEN key
function xlenCommand(c: Client, argv: string[]): void {
  const s = readStream(c, argv[1]);
  c.reply.int(s === undefined ? 0 : s.length);
}

// XDEL key id [id ...]
function xdelCommand(c: Client, argv: string[]): void {
  const s = writeStream(c, argv[1]);
  if (s === undefined) return c.reply.int(0);
  const ids: bigint[] = [];
  for (let j = 2; j < argv.length; j++) ids.push(strictId(argv[j]));
  let deleted = 0;
  for (const id of ids) {
    if (!s.delete(id)) continue;
    deleted++;
    if (id > s.maxDeletedId) s.maxDeletedId = id;
  }
  if (deleted > 0) keyWritten(c, EVENT.stream, 'xdel', argv[1], deleted);
  c.reply.int(deleted);
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
function xsetidCommand(c: Client, argv: string[]): void {
  const id = strictId(argv[2]);
  let entriesAdded = -1;
  let maxDeleted = 0n;
  for (let i = 3; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    if (isOption(argv[i], 'ENTRIESADDED') && more >= 1) {
      const v = toSafe(int64OrThrow(argv[i + 1]));
      if (v < 0) throw new CommandError('ERR entries_added must be positive');
      entriesAdded = v;
      i++;
    } else if (isOption(argv[i], 'MAXDELETEDID') && more >= 1) {
      maxDeleted = strictId(argv[i + 1]);
      if (id < maxDeleted) throw new CommandError('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      i++;
    } else throw new CommandError(Errors.syntax);
  }
  const s = writeStream(c, argv[1]);
  if (s === undefined) throw new CommandError(Errors.noSuchKey);
  if (s.length > 0) {
    // Redis compares with the last live entry (streamLastValidID), not last-generated-id: past
    // trailing tombstones the last ID can move back.
    if (id < s.lastLiveId()) throw new CommandError('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1 && s.length > entriesAdded)
      throw new CommandError('ERR The entries_added specified in XSETID is smaller than the target stream length');
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (maxDeleted !== 0n) s.maxDeletedId = maxDeleted;
  // Redis 7.0 does not signal the key as modified here: WATCH is not invalidated (nor by XGROUP,
  // XACK, XCLAIM, XAUTOCLAIM or XREADGROUP), so no keyWritten.
  keyStateChanged(c, EVENT.stream, 'xsetid', argv[1]);
  c.reply.ok();
}

// ---------------------------------------------------------------- XREAD / XREADGROUP

/** Marker for `>` in XREADGROUP. */
const NEW_ENTRIES = -1n;

function xreadGeneric(c: Client, argv: string[], group: boolean): void {
  let count = 0;
  let streamsAt = 0;
  let nstreams = 0;
  let groupName: string | null = null;
  let consumerName = '';
  let noack = false;
  /** Absolute deadline in ms (0: forever), null without BLOCK. */
  let deadline: number | null = null;
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const opt = argv[i];
    if (isOption(opt, 'BLOCK') && more >= 1) {
      // Other blocking commands just do not block inside a script; XREAD refuses BLOCK there.
      if (c.kind === 'script') throw new CommandError(`ERR ${argv[0]} command is not allowed with BLOCK option from scripts`);
      deadline = parseTimeoutMs(argv[i + 1], c.server.clock.now);
      i++;
    } else if (isOption(opt, 'COUNT') && more >= 1) {
      const v = toSafe(int64OrThrow(argv[i + 1]));
      count = v < 0 ? 0 : v;
      i++;
    } else if (isOption(opt, 'STREAMS') && more >= 1) {
      streamsAt = i + 1;
      nstreams = argv.length - streamsAt;
      if (nstreams % 2 !== 0) {
        throw new CommandError(
          `ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.`,
        );
      }
      nstreams /= 2;
      break;
    } else if (isOption(opt, 'GROUP') && more >= 2) {
      if (!group) throw new CommandError('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      groupName = argv[i + 1];
      consumerName = argv[i + 2];
      i += 2;
    } else if (isOption(opt, 'NOACK')) {
      if (!group) throw new CommandError('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      noack = true;
    } else throw new CommandError(Errors.syntax);
  }
  if (streamsAt === 0) throw new CommandError(Errors.syntax);
  if (group && groupName === null) throw new CommandError('ERR Missing GROUP option for XREADGROUP');
  const ids: bigint[] = [];
  const groups: Array<ConsumerGroup | null> = [];
  for (let i = streamsAt + nstreams; i < argv.length; i++) {
    const key = argv[i - nstreams];
    const arg = argv[i];
    // Every stream is looked up here (an access; WRONGTYPE comes before a bad ID), and again to serve it.
    const s = readStream(c, key);
    let g: ConsumerGroup | null = null;
    if (groupName !== null) {
      g = s?.groups.get(groupName) ?? null;
      if (s === undefined || g === null) {
        throw new CommandError(`NOGROUP No such key '${cString(key)}' or consumer group '${cString(groupName)}' in XREADGROUP with GROUP option`);
      }
    }
    groups.push(g);
    if (arg === '$') {
      if (group) {
        throw new CommandError(
          'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
        );
      }
      ids.push(s === undefined ? 0n : s.lastId);
      continue;
    }
    if (arg === '>') {
      if (!group) {
        throw new CommandError('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      }
      ids.push(NEW_ENTRIES);
      continue;
    }
    ids.push(strictId(arg));
  }
  // Serve. XREADGROUP propagates its effects (XCLAIM, XGROUP SETID ...), never itself.
  if (group) preventPropagation(c);
  const now = c.server.clock.now;
  const served: Array<() => void> = [];
  for (let i = 0; i < nstreams; i++) {
    const key = argv[streamsAt + i];
    const s = readStream(c, key);
    if (s === undefined) continue;
    const g = groups[i];
    const want = ids[i];
    if (g !== null) {
      if (want === NEW_ENTRIES && s.lastLiveId() <= g.lastId) continue;
      // The consumer is created (and seen) only when the stream is served.
      const consumer = consumerFor(c, key, g, consumerName, now, noack);
      if (want === NEW_ENTRIES) {
        const entries = collect(s, g.lastId + 1n, ID_MAX, count, false);
        deliverEntries(c, key, s, g, consumer, entries, now, noack);
        if (entries.length > 0) {
          datasetChanged(c);
          c.db.remeasure(key);
        }
        served.push(() => {
          if (c.reply.resp === 2) c.reply.arrayLen(2);
          c.reply.bulk(key);
          replyEntries(c, entries);
        });
      } else {
        // streamIncrID wraps the last possible ID to 0-0.
        const history = consumerHistory(s, g, consumer, want === ID_MAX ? 0n : want + 1n, count, now);
        // Counted as a change like any served group read, though nothing propagates it (as in Redis).
        datasetChanged(c);
        c.db.remeasure(key);
        served.push(() => {
          if (c.reply.resp === 2) c.reply.arrayLen(2);
          c.reply.bulk(key);
          c.reply.arrayLen(history.length);
          for (const [id, fields] of history) {
            c.reply.arrayLen(2);
            replyId(c, id);
            if (fields === undefined) c.reply.nullArray();
            else replyFields(c, fields);
          }
        });
      }
      continue;
    }
    if (s.length === 0 || s.lastLiveId() <= want) continue;
    const entries = collect(s, want + 1n, ID_MAX, count, false);
    served.push(() => {
      if (c.reply.resp === 2) c.reply.arrayLen(2);
      c.reply.bulk(key);
      replyEntries(c, entries);
    });
  }
  if (served.length === 0) {
    if (deadline === null || c.denyBlocking) return c.reply.nullArray();
    const keys = argv.slice(streamsAt, streamsAt + nstreams);
    c.server.blocking.block(c, {
      keys,
      deadline,
      serve: (client, key) => serveBlocked(client, key, keys, ids, groupName, consumerName, count, noack),
      timedOut: (client) => client.reply.nullArray(),
    });
    return;
  }
  if (c.reply.resp === 2) c.reply.arrayLen(served.length);
  else c.reply.mapLen(served.length);
  for (const f of served) f();
}

/** XREAD/XREADGROUP BLOCK's timeout in milliseconds (getTimeoutFromObjectOrReply, UNIT_MILLISECONDS). */
function parseTimeoutMs(arg: string, now: number): number {
  const t = parseInteger(arg);
  if (t === null) throw new CommandError('ERR timeout is not an integer or out of range');
  if (t < 0) throw new CommandError('ERR timeout is negative');
  if (t === 0) return 0;
  // A deadline past what a double holds exactly is as good as forever.
  return typeof t === 'bigint' || t > Number.MAX_SAFE_INTEGER - now ? 0 : now + t;
}

/**
 * Serves a client blocked in XREAD/XREADGROUP when `key` may have new entries: replies with that
 * one stream (as Redis does) and returns true, or returns false to keep waiting.
 */
function serveBlocked(
  c: Client,
  key: string,
  keys: string[],
  ids: bigint[],
  groupName: string | null,
  consumerName: string,
  count: number,
  noack: boolean,
): boolean {
  const s = c.db.peek(key);
  if (!(s instanceof StreamValue)) {
    // Deleted or replaced by another type: XREAD keeps waiting, XREADGROUP is answered (Redis 7.0).
    if (groupName === null) return false;
    replyServedError(c, 'UNBLOCKED the stream key no longer exists');
    return true;
  }
  const i = keys.indexOf(key);
  let entries: Array<[bigint, string[]]>;
  if (groupName !== null) {
    const g = s.groups.get(groupName);
    if (g === undefined) {
      replyServedError(c, 'NOGROUP the consumer group this client was blocked on no longer exists');
      return true;
    }
    if (s.lastLiveId() <= g.lastId) return false;
    const now = c.server.clock.now;
    const consumer = consumerFor(c, key, g, consumerName, now, noack);
    entries = collect(s, g.lastId + 1n, ID_MAX, count, false);
    deliverEntries(c, key, s, g, consumer, entries, now, noack);
    datasetChanged(c);
    c.db.remeasure(key);
  } else {
    if (s.length === 0 || s.lastLiveId() <= ids[i]) return false;
    entries = collect(s, ids[i] + 1n, ID_MAX, count, false);
  }
  if (c.reply.resp === 2) {
    c.reply.arrayLen(1);
    c.reply.arrayLen(2);
  } else c.reply.mapLen(1);
  c.reply.bulk(key);
  replyEntries(c, entries);
  return true;
}

/** An error ending a blocked XREADGROUP (errorstats; the blocking manager counts the failed call). */
function replyServedError(c: Client, message: string): void {
  c.server.replyError(c, message);
}

/**
 * XREADGROUP's delivery of new entries, with what replicas replay instead of the read: each entry
 * left pending as an XCLAIM of it; with NOACK, where nothing is left pending, the group's new
 * position as XGROUP SETID.
 */
function deliverEntries(
  c: Client,
  key: string,
  s: StreamValue,
  g: ConsumerGroup,
  consumer: Consumer,
  entries: Array<[bigint, string[]]>,
  now: number,
  noack: boolean,
): void {
  for (const [id] of entries) {
    deliverNew(s, g, consumer, id, now, noack);
    if (!noack && propagating(c)) propagateClaim(c, key, g, formatId(id), g.nacks.get(id) as NACK);
  }
  if (noack && entries.length > 0 && propagating(c)) propagateGroupPosition(c, key, g);
}

/**
 * streamPropagateXCLAIM: a pending entry as it now is (owner, delivery time and count, the group's
 * last ID), in a form replicas replay exactly; an entry no longer in the stream is dropped from
 * their PEL by it. `id` as the command named it (XCLAIM propagates its argument as typed).
 */
function propagateClaim(c: Client, key: string, g: ConsumerGroup, id: string, nack: NACK): void {
  alsoPropagate(c, [
    'XCLAIM', key, g.name, nack.consumer?.name ?? '', '0', id,
    'TIME', String(nack.deliveryTime), 'RETRYCOUNT', String(nack.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', formatId(g.lastId),
  ]);
}

/** streamPropagateGroupID: the group's last delivered ID and entries-read counter. */
function propagateGroupPosition(c: Client, key: string, g: ConsumerGroup): void {
  alsoPropagate(c, ['XGROUP', 'SETID', key, g.name, formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
}

/** Delivers a new entry to a consumer: advances the group, and records it as pending unless NOACK. */
function deliverNew(s: StreamValue, g: ConsumerGroup, consumer: Consumer, id: bigint, now: number, noack: boolean): void {
  if (id > g.lastId) {
    if (g.entriesRead !== ENTRIES_READ_INVALID && !s.rangeHasTombstones(id, ID_MAX)) g.entriesRead++;
    else if (s.entriesAdded !== 0) g.entriesRead = s.estimateDistance(id);
    g.lastId = id;
  }
  if (noack) return;
  const existing = g.nacks.get(id);
  if (existing !== undefined) {
    existing.consumer?.pel.remove(id);
    existing.consumer = consumer;
    existing.deliveryTime = now;
    existing.deliveryCount = 1;
  } else {
    g.nacks.set(id, new NACK(consumer, now, 1));
    g.pel.insert(id);
  }
  consumer.pel.insert(id);
}

/** A consumer's pending entries from `start` (deleted entries have no fields); bumps the deliveries of the others. */
function consumerHistory(
  s: StreamValue,
  g: ConsumerGroup,
  consumer: Consumer,
  start: bigint,
  count: number,
  now: number,
): Array<[bigint, string[] | undefined]> {
  const out: Array<[bigint, string[] | undefined]> = [];
  consumer.pel.forEachFrom(start, (id) => {
    if (count !== 0 && out.length >= count) return false;
    const fields = s.get(id);
    out.push([id, fields]);
    // Entries deleted from the stream are reported with no fields and not counted as delivered.
    const nack = fields === undefined ? undefined : g.nacks.get(id);
    if (nack !== undefined) {
      nack.deliveryTime = now;
      nack.deliveryCount++;
    }
    return true;
  });
  return out;
}

// XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]
function xreadCommand(c: Client, argv: string[]): void {
  xreadGeneric(c, argv, false);
}

// XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]
function xreadgroupCommand(c: Client, argv: string[]): void {
  xreadGeneric(c, argv, true);
}

// ---------------------------------------------------------------- XGROUP

function entriesReadArg(arg: string): number {
  const v = toSafe(int64OrThrow(arg));
  if (v < 0 && v !== ENTRIES_READ_INVALID) throw new CommandError('ERR value for ENTRIESREAD must be positive or -1');
  return v;
}

function subcommandSyntax(argv: string[]): CommandError {
  return new CommandError(subcommandSyntaxError(argv));
}

/** The stream and group an XGROUP subcommand works on, with Redis's checks. */
function xgroupTarget(c: Client, argv: string[], needGroup: boolean, mkstream = false): { s: StreamValue | undefined; g: ConsumerGroup | undefined } {
  const s = writeStream(c, argv[2]);
  const g = s?.groups.get(argv[3]);
  if (!mkstream) {
    if (s === undefined) throw new CommandError(XGROUP_NEEDS_KEY);
    if (g === undefined && needGroup) throw new CommandError(`NOGROUP No such consumer group '${argv[3]}' for key name '${argv[2]}'`);
  }
  return { s, g };
}

// XGROUP's changes end with notify + dirty, not keyWritten: Redis 7.0 does not signal the key as
// modified for them, so they do not invalidate WATCH.

// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]
function xgroupCreateCommand(c: Client, argv: string[]): void {
  let mkstream = false;
  let entriesRead = ENTRIES_READ_INVALID;
  for (let i = 5; i < argv.length; ) {
    if (isOption(argv[i], 'MKSTREAM')) {
      mkstream = true;
      i++;
    } else if (isOption(argv[i], 'ENTRIESREAD') && i + 1 < argv.length) {
      entriesRead = entriesReadArg(argv[i + 1]);
      i += 2;
    } else throw subcommandSyntax(argv);
  }
  let { s } = xgroupTarget(c, argv, false, mkstream);
  if (argv.length > 8) throw subcommandSyntax(argv);
  const id = argv[4] === '$' ? (s === undefined ? 0n : s.lastId) : strictId(argv[4]);
  if (s === undefined) {
    s = new StreamValue();
    c.db.set(argv[2], s);
  }
  if (s.groups.has(argv[3])) throw new CommandError('BUSYGROUP Consumer Group name already exists');
  s.groups.set(argv[3], new ConsumerGroup(argv[3], id, entriesRead));
  keyStateChanged(c, EVENT.stream, 'xgroup-create', argv[2]);
  c.reply.ok();
}

// XGROUP SETID key group id|$ [ENTRIESREAD entries-read]
function xgroupSetidCommand(c: Client, argv: string[]): void {
  let entriesRead = ENTRIES_READ_INVALID;
  if (argv.length === 7 && isOption(argv[5], 'ENTRIESREAD')) entriesRead = entriesReadArg(argv[6]);
  else if (argv.length !== 5) throw subcommandSyntax(argv);
  const { s, g } = xgroupTarget(c, argv, true);
  const id = argv[4] === '$' ? (s as StreamValue).lastId : parseIdOrThrow(argv[4], 0n, false).id;
  const group = g as ConsumerGroup;
  group.lastId = id;
  group.entriesRead = entriesRead;
  keyStateChanged(c, EVENT.stream, 'xgroup-setid', argv[2]);
  c.reply.ok();
}

// XGROUP DESTROY key group
function xgroupDestroyCommand(c: Client, argv: string[]): void {
  const { s, g } = xgroupTarget(c, argv, false);
  if (g === undefined) return c.reply.int(0);
  (s as StreamValue).groups.delete(argv[3]);
  keyStateChanged(c, EVENT.stream, 'xgroup-destroy', argv[2]);
  // Clients blocked in XREADGROUP on this group get -NOGROUP.
  signalReady(c, argv[2]);
  c.reply.int(1);
}

// XGROUP CREATECONSUMER key group consumer
function xgroupCreateconsumerCommand(c: Client, argv: string[]): void {
  const { g } = xgroupTarget(c, argv, true);
  const created = (g as ConsumerGroup).createConsumer(argv[4], c.server.clock.now);
  if (created !== null) {
    keyStateChanged(c, EVENT.stream, 'xgroup-createconsumer', argv[2]);
  }
  c.reply.int(created === null ? 0 : 1);
}

// XGROUP DELCONSUMER key group consumer
function xgroupDelconsumerCommand(c: Client, argv: string[]): void {
  const { g } = xgroupTarget(c, argv, true);
  const group = g as ConsumerGroup;
  const consumer = group.consumers.get(argv[4]);
  let pending = 0;
  if (consumer !== undefined) {
    pending = consumer.pel.size;
    group.deleteConsumer(consumer);
    keyStateChanged(c, EVENT.stream, 'xgroup-delconsumer', argv[2]);
  }
  c.reply.int(pending);
}

const XGROUP_HELP = [
  'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
  'HELP',
  '    Prints this help.',
];

const XINFO_HELP = [
  'XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
  'HELP',
  '    Prints this help.',
];

function replyHelp(c: Client, lines: string[]): void {
  c.reply.arrayLen(lines.length);
  for (const l of lines) c.reply.simple(l);
}

// ---------------------------------------------------------------- XACK / XPENDING / XCLAIM / XAUTOCLAIM

function groupOrThrow(c: Client, key: string, group: string): { s: StreamValue; g: ConsumerGroup } {
  const s = readStream(c, key);
  const g = s?.groups.get(group);
  if (s === undefined || g === undefined) throw new CommandError(`NOGROUP No such key '${cString(key)}' or consumer group '${cString(group)}'`);
  return { s, g };
}

// XACK key group id [id ...]
function xackCommand(c: Client, argv: string[]): void {
  const s = readStream(c, argv[1]);
  const g = s?.groups.get(argv[2]);
  if (g === undefined) return c.reply.int(0);
  const ids: bigint[] = [];
  for (let j = 3; j < argv.length; j++) ids.push(strictId(argv[j]));
  let acked = 0;
  for (const id of ids) if (g.ack(id)) acked++;
  datasetChanged(c, acked);
  // The PEL shrank: memory accounting (datasetChanged has no key to re-measure).
  if (acked > 0) c.db.remeasure(argv[1]);
  c.reply.int(acked);
}

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
function xpendingCommand(c: Client, argv: string[]): void {
  const justInfo = argv.length === 3;
  if (argv.length > 3 && argv.length < 6) throw new CommandError(Errors.syntax);
  let minIdle = 0;
  let count = 0;
  let start = 0n;
  let end = ID_MAX;
  let consumerName: string | null = null;
  if (argv.length >= 6) {
    let at = 3;
    if (isOption(argv[3], 'IDLE')) {
      minIdle = toSafe(int64OrThrow(argv[4]));
      if (argv.length < 8) throw new CommandError(Errors.syntax);
      at += 2;
    }
    const n = toSafe(int64OrThrow(argv[at + 2]));
    count = n < 0 ? 0 : n;
    start = startBound(argv[at]);
    end = endBound(argv[at + 1]);
    if (at + 3 < argv.length) consumerName = argv[at + 3];
  }
  const { g } = groupOrThrow(c, argv[1], argv[2]);
  if (justInfo) {
    c.reply.arrayLen(4);
    c.reply.int(g.pel.size);
    if (g.pel.size === 0) {
      c.reply.nullBulk();
      c.reply.nullBulk();
      c.reply.nullArray();
      return;
    }
    replyId(c, g.pel.first()!);
    replyId(c, g.pel.last()!);
    const withPending = g.sortedConsumers().filter((x) => x.pel.size > 0);
    c.reply.arrayLen(withPending.length);
    for (const x of withPending) {
      c.reply.arrayLen(2);
      c.reply.bulk(x.name);
      c.reply.bulk(String(x.pel.size));
    }
    return;
  }
  let pel = g.pel;
  if (consumerName !== null) {
    const consumer = g.consumers.get(consumerName);
    if (consumer === undefined) return c.reply.arrayLen(0);
    pel = consumer.pel;
  }
  const now = c.server.clock.now;
  const rows: Array<[bigint, NACK]> = [];
  pel.forEachFrom(start, (id) => {
    if (count <= 0 || id > end) return false;
    const nack = g.nacks.get(id) as NACK;
    if (minIdle && now - nack.deliveryTime < minIdle) return true;
    rows.push([id, nack]);
    count--;
    return true;
  });
  c.reply.arrayLen(rows.length);
  for (const [id, nack] of rows) {
    c.reply.arrayLen(4);
    replyId(c, id);
    c.reply.bulk(nack.consumer?.name ?? '');
    c.reply.int(Math.max(0, now - nack.deliveryTime));
    c.reply.int(nack.deliveryCount);
  }
}

/**
 * The named consumer, created (with its event) when missing; marks it seen. `propagateCreation`:
 * XREADGROUP NOACK propagates a consumer it creates, as no XCLAIM of a pending entry will create it
 * on replicas.
 */
function consumerFor(c: Client, key: string, g: ConsumerGroup, name: string, now: number, propagateCreation = false): Consumer {
  let consumer = g.consumers.get(name);
  if (consumer === undefined) {
    consumer = new Consumer(name, now);
    g.consumers.set(name, consumer);
    keyStateChanged(c, EVENT.stream, 'xgroup-createconsumer', key);
    if (propagateCreation && propagating(c)) alsoPropagate(c, ['XGROUP', 'CREATECONSUMER', key, g.name, name]);
  }
  consumer.seenTime = now;
  return consumer;
}

/** Moves a pending entry to `consumer`. */
function transfer(nack: NACK, id: bigint, consumer: Consumer): void {
  if (nack.consumer !== consumer) {
    nack.consumer?.pel.remove(id);
    consumer.pel.insert(id);
    nack.consumer = consumer;
  }
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-ms] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
function xclaimCommand(c: Client, argv: string[]): void {
  const { s, g } = groupOrThrow(c, argv[1], argv[2]);
  // Propagated as its effects: an XCLAIM per entry it claims or drops, or the group's new last ID.
  preventPropagation(c);
  let minIdle = toSafe(int64OrThrow(argv[4], 'ERR Invalid min-idle-time argument for XCLAIM'));
  if (minIdle < 0) minIdle = 0;
  const ids: bigint[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    try {
      ids.push(strictId(argv[j]));
    } catch {
      break;
    }
  }
  const now = c.server.clock.now;
  let deliveryTime = -1;
  let retryCount = -1;
  let force = false;
  let justId = false;
  let lastId = 0n;
  for (; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j];
    if (isOption(opt, 'FORCE')) force = true;
    else if (isOption(opt, 'JUSTID')) justId = true;
    else if (isOption(opt, 'IDLE') && more >= 1) {
      j++;
      deliveryTime = now - toSafe(int64OrThrow(argv[j], 'ERR Invalid IDLE option argument for XCLAIM'));
    } else if (isOption(opt, 'TIME') && more >= 1) {
      j++;
      deliveryTime = toSafe(int64OrThrow(argv[j], 'ERR Invalid TIME option argument for XCLAIM'));
    } else if (isOption(opt, 'RETRYCOUNT') && more >= 1) {
      j++;
      retryCount = toSafe(int64OrThrow(argv[j], 'ERR Invalid RETRYCOUNT option argument for XCLAIM'));
    } else if (isOption(opt, 'LASTID') && more >= 1) {
      j++;
      lastId = strictId(argv[j]);
    } else throw new CommandError(`ERR Unrecognized XCLAIM option '${opt}'`);
  }
  let propagateLastId = false;
  if (lastId > g.lastId) {
    g.lastId = lastId;
    propagateLastId = true;
  }
  if (deliveryTime !== -1) {
    if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  } else deliveryTime = now;
  let consumer: Consumer | null = null;
  const out: Array<[bigint, string[] | undefined]> = [];
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k];
    let nack = g.nacks.get(id);
    const fields = s.get(id);
    if (fields === undefined) {
      // A pending entry deleted from the stream leaves the PEL.
      if (nack !== undefined) {
        if (propagating(c)) propagateClaim(c, argv[1], g, argv[5 + k], nack);
        propagateLastId = false;
        g.ack(id);
        datasetChanged(c);
      }
      continue;
    }
    if (force && nack === undefined) {
      nack = new NACK(null, now, 1);
      g.nacks.set(id, nack);
      g.pel.insert(id);
    }
    if (nack === undefined) continue;
    if (nack.consumer !== null && minIdle && now - nack.deliveryTime < minIdle) continue;
    if (consumer === null) consumer = consumerFor(c, argv[1], g, argv[3], now);
    nack.deliveryTime = deliveryTime;
    if (retryCount >= 0) nack.deliveryCount = retryCount;
    else if (!justId) nack.deliveryCount++;
    transfer(nack, id, consumer);
    out.push([id, fields]);
    datasetChanged(c);
    if (propagating(c)) propagateClaim(c, argv[1], g, argv[5 + k], nack);
    // The propagated XCLAIM carries LASTID.
    propagateLastId = false;
  }
  if (propagateLastId) {
    datasetChanged(c);
    if (propagating(c)) propagateGroupPosition(c, argv[1], g);
  }
  c.db.remeasure(argv[1]);
  c.reply.arrayLen(out.length);
  for (const [id, fields] of out) {
    if (justId) replyId(c, id);
    else replyEntry(c, id, fields as string[]);
  }
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
function xautoclaimCommand(c: Client, argv: string[]): void {
  let minIdle = toSafe(int64OrThrow(argv[4], 'ERR Invalid min-idle-time argument for XAUTOCLAIM'));
  if (minIdle < 0) minIdle = 0;
  const start = startBound(argv[5]);
  let count = 100;
  let justId = false;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (isOption(argv[j], 'COUNT') && more >= 1) {
      const v = parseInteger(argv[j + 1]);
      if (v === null) throw new CommandError('ERR COUNT must be > 0');
      // LONG_MAX / max(sizeof(streamID), attempts factor 10)
      if (v < 1 || v > 576460752303423487n) throw new CommandError('ERR COUNT must be > 0');
      count = toSafe(v);
      j++;
    } else if (isOption(argv[j], 'JUSTID')) justId = true;
    else throw new CommandError(Errors.syntax);
  }
  const { s, g } = groupOrThrow(c, argv[1], argv[2]);
  // Propagated as its effects: an XCLAIM per entry it claims or drops.
  preventPropagation(c);
  let attempts = count * 10;
  const now = c.server.clock.now;
  const claimed: Array<[bigint, string[] | undefined]> = [];
  const deleted: bigint[] = [];
  let consumer: Consumer | null = null;
  const pel = g.pel;
  // A cursor by ID: acknowledging deleted entries removes them from the PEL while we walk it.
  let cursor = pel.ceiling(start);
  while (attempts-- > 0 && count > 0 && cursor !== undefined) {
    const id = cursor;
    const nack = g.nacks.get(id) as NACK;
    const fields = s.get(id);
    cursor = pel.ceiling(id + 1n);
    if (fields === undefined) {
      if (propagating(c)) propagateClaim(c, argv[1], g, formatId(id), nack);
      g.ack(id);
      deleted.push(id);
      count--;
      datasetChanged(c);
      continue;
    }
    if (minIdle && now - nack.deliveryTime < minIdle) continue;
    if (consumer === null) consumer = consumerFor(c, argv[1], g, argv[3], now);
    nack.deliveryTime = now;
    if (!justId) nack.deliveryCount++;
    transfer(nack, id, consumer);
    claimed.push([id, fields]);
    count--;
    datasetChanged(c);
    if (propagating(c)) propagateClaim(c, argv[1], g, formatId(id), nack);
  }
  c.db.remeasure(argv[1]);
  const next = cursor ?? 0n;
  c.reply.arrayLen(3);
  replyId(c, next);
  c.reply.arrayLen(claimed.length);
  for (const [id, fields] of claimed) {
    if (justId) replyId(c, id);
    else replyEntry(c, id, fields as string[]);
  }
  c.reply.arrayLen(deleted.length);
  for (const id of deleted) replyId(c, id);
}

// ---------------------------------------------------------------- XINFO

function replyLag(c: Client, s: StreamValue, g: ConsumerGroup): void {
  const lag = s.lag(g);
  if (lag === null) c.reply.nullBulk();
  else c.reply.int(lag);
}

function replyEntriesRead(c: Client, g: ConsumerGroup): void {
  if (g.entriesRead === ENTRIES_READ_INVALID) c.reply.nullBulk();
  else c.reply.int(g.entriesRead);
}

// XINFO STREAM key [FULL [COUNT count]]
function xinfoStreamCommand(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[2]);
  if (v === undefined) throw new CommandError(Errors.noSuchKey);
  if (!(v instanceof StreamValue)) throw new CommandError(Errors.wrongType);
  let full = false;
  let count = 10;
  if (argv.length >= 4) {
    if (argv.length > 6 || !isOption(argv[3], 'FULL')) throw subcommandSyntax(argv);
    full = true;
    if (argv.length > 4) {
      if (argv.length !== 6 || !isOption(argv[4], 'COUNT')) throw subcommandSyntax(argv);
      const n = toSafe(int64OrThrow(argv[5]));
      count = n < 0 ? 0 : n;
    }
  }
  const s = v;
  c.reply.mapLen(full ? 9 : 10);
  c.reply.bulk('length');
  c.reply.int(s.length);
  c.reply.bulk('radix-tree-keys');
  c.reply.int(s.nodeCount);
  c.reply.bulk('radix-tree-nodes');
  c.reply.int(s.raxNodeCount());
  c.reply.bulk('last-generated-id');
  replyId(c, s.lastId);
  c.reply.bulk('max-deleted-entry-id');
  replyId(c, s.maxDeletedId);
  c.reply.bulk('entries-added');
  c.reply.int(s.entriesAdded);
  c.reply.bulk('recorded-first-entry-id');
  replyId(c, s.firstId());
  if (!full) {
    c.reply.bulk('groups');
    c.reply.int(s.groups.size);
    const first = collect(s, 0n, ID_MAX, 1, false);
    const last = collect(s, 0n, ID_MAX, 1, true);
    c.reply.bulk('first-entry');
    if (first.length === 0) c.reply.nullBulk();
    else replyEntry(c, first[0][0], first[0][1]);
    c.reply.bulk('last-entry');
    if (last.length === 0) c.reply.nullBulk();
    else replyEntry(c, last[0][0], last[0][1]);
    return;
  }
  c.reply.bulk('entries');
  replyEntries(c, collect(s, 0n, ID_MAX, count, false));
  c.reply.bulk('groups');
  const groups = s.sortedGroups();
  c.reply.arrayLen(groups.length);
  for (const g of groups) {
    c.reply.mapLen(7);
    c.reply.bulk('name');
    c.reply.bulk(g.name);
    c.reply.bulk('last-delivered-id');
    replyId(c, g.lastId);
    c.reply.bulk('entries-read');
    replyEntriesRead(c, g);
    c.reply.bulk('lag');
    replyLag(c, s, g);
    c.reply.bulk('pel-count');
    c.reply.int(g.pel.size);
    c.reply.bulk('pending');
    const pel = g.pel.toArray(count);
    c.reply.arrayLen(pel.length);
    for (const id of pel) {
      const nack = g.nacks.get(id) as NACK;
      c.reply.arrayLen(4);
      replyId(c, id);
      c.reply.bulk(nack.consumer?.name ?? '');
      c.reply.int(nack.deliveryTime);
      c.reply.int(nack.deliveryCount);
    }
    c.reply.bulk('consumers');
    const consumers = g.sortedConsumers();
    c.reply.arrayLen(consumers.length);
    for (const consumer of consumers) {
      c.reply.mapLen(4);
      c.reply.bulk('name');
      c.reply.bulk(consumer.name);
      c.reply.bulk('seen-time');
      c.reply.int(consumer.seenTime);
      c.reply.bulk('pel-count');
      c.reply.int(consumer.pel.size);
      c.reply.bulk('pending');
      const cpel = consumer.pel.toArray(count);
      c.reply.arrayLen(cpel.length);
      for (const id of cpel) {
        const nack = g.nacks.get(id) as NACK;
        c.reply.arrayLen(3);
        replyId(c, id);
        c.reply.int(nack.deliveryTime);
        c.reply.int(nack.deliveryCount);
      }
    }
  }
}

// XINFO GROUPS key
function xinfoGroupsCommand(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[2]);
  if (v === undefined) throw new CommandError(Errors.noSuchKey);
  if (!(v instanceof StreamValue)) throw new CommandError(Errors.wrongType);
  const groups = v.sortedGroups();
  c.reply.arrayLen(groups.length);
  for (const g of groups) {
    c.reply.mapLen(6);
    c.reply.bulk('name');
    c.reply.bulk(g.name);
    c.reply.bulk('consumers');
    c.reply.int(g.consumers.size);
    c.reply.bulk('pending');
    c.reply.int(g.pel.size);
    c.reply.bulk('last-delivered-id');
    replyId(c, g.lastId);
    c.reply.bulk('entries-read');
    replyEntriesRead(c, g);
    c.reply.bulk('lag');
    replyLag(c, v, g);
  }
}

// XINFO CONSUMERS key group
function xinfoConsumersCommand(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[2]);
  if (v === undefined) throw new CommandError(Errors.noSuchKey);
  if (!(v instanceof StreamValue)) throw new CommandError(Errors.wrongType);
  const g = v.groups.get(argv[3]);
  if (g === undefined) throw new CommandError(`NOGROUP No such consumer group '${argv[3]}' for key name '${argv[2]}'`);
  const now = c.server.clock.now;
  const consumers = g.sortedConsumers();
  c.reply.arrayLen(consumers.length);
  for (const consumer of consumers) {
    c.reply.mapLen(3);
    c.reply.bulk('name');
    c.reply.bulk(consumer.name);
    c.reply.bulk('pending');
    c.reply.int(consumer.pel.size);
    c.reply.bulk('idle');
    c.reply.int(Math.max(0, now - consumer.seenTime));
  }
}

// ---------------------------------------------------------------- command table

/** XREAD/XREADGROUP: the keys after STREAMS, half of the remaining arguments. */
function streamsKeySpec(flags: KeySpec['flags'], startfrom = 1): KeySpec[] {
  return [{ flags, begin: { keyword: 'STREAMS', startfrom }, find: { range: { lastkey: -1, step: 1, limit: 2 } } }];
}

function streamsKeys(argv: readonly string[]): number[] {
  for (let i = 1; i < argv.length; i++) {
    if (isOption(argv[i], 'STREAMS')) {
      const n = Math.floor((argv.length - i - 1) / 2);
      const out: number[] = [];
      for (let k = 0; k < n; k++) out.push(i + 1 + k);
      return out;
    }
  }
  return [];
}

export const STREAM_COMMANDS: CommandSpec[] = [
  {
    name: 'xack',
    summary: 'Acknowledges entries of a consumer group, removing them from its pending list.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(1) for each message ID processed.',
    arity: -4,
    flags: ['write', 'fast'],
    acl: ['stream'],
    keys: firstKey(['RW', 'UPDATE']),
    args: [arg.key('key', 0), arg.string('group'), arg.string('id', { multiple: true })],
    handler: xackCommand,
  },
  withDocs(
    {
      name: 'xadd',
      summary: 'Appends an entry to a stream, creating the key when needed.',
      since: '5.0.0',
      group: 'stream',
      complexity: 'O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.',
      arity: -5,
      flags: ['write', 'denyoom', 'fast'],
      acl: ['stream'],
      tips: ['nondeterministic_output'],
      keys: firstKey(['RW', 'UPDATE'], 'UPDATE instead of INSERT because of the optional trimming feature'),
      args: [
        arg.key('key', 0),
        arg.token('NOMKSTREAM', { since: '6.2.0', optional: true }),
        arg.block('trim', [
          arg.oneOf('strategy', [arg.token('MAXLEN'), arg.token('MINID', { since: '6.2.0' })]),
          arg.oneOf('operator', [arg.token('=', { name: 'equal' }), arg.token('~', { name: 'approximately' })], { optional: true }),
          arg.string('threshold'),
          arg.integer('count', { token: 'LIMIT', since: '6.2.0', optional: true }),
        ], { optional: true }),
        arg.oneOf('id_or_auto', [arg.token('*', { name: 'auto_id' }), arg.string('id')]),
        arg.block('field_value', [arg.string('field'), arg.string('value')], { multiple: true }),
      ],
      handler: xaddCommand,
    },
    {
      history: [
        ['6.2.0', 'Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` option.'],
        ['7.0.0', 'Added support for the `<ms>-*` explicit ID form.'],
      ],
    },
  ),
  withDocs(
    {
      name: 'xautoclaim',
      summary: 'Transfers ownership of pending entries idle long enough, scanning from a start ID.',
      since: '6.2.0',
      group: 'stream',
      complexity: 'O(1) if COUNT is small.',
      arity: -6,
      flags: ['write', 'fast'],
      acl: ['stream'],
      tips: ['nondeterministic_output'],
      keys: firstKey(['RW', 'DELETE']),
      args: [
        arg.key('key', 0),
        arg.string('group'),
        arg.string('consumer'),
        arg.string('min-idle-time'),
        arg.string('start'),
        arg.integer('count', { token: 'COUNT', optional: true }),
        arg.token('JUSTID', { optional: true }),
      ],
      handler: xautoclaimCommand,
    },
    { history: [['7.0.0', 'Added an element to the reply array, containing deleted entries the command cleared from the PEL']] },
  ),
  withDocs(
    {
      name: 'xclaim',
      summary: 'Transfers ownership of pending entries to a consumer.',
      since: '5.0.0',
      group: 'stream',
      complexity: 'O(log N) with N being the number of messages in the PEL of the consumer group.',
      arity: -6,
      flags: ['write', 'fast'],
      acl: ['stream'],
      tips: ['nondeterministic_output'],
      keys: firstKey(['RW', 'UPDATE']),
      args: [
        arg.key('key', 0),
        arg.string('group'),
        arg.string('consumer'),
        arg.string('min-idle-time'),
        arg.string('id', { multiple: true }),
        arg.integer('ms', { token: 'IDLE', optional: true }),
        arg.unixTime('unix-time-milliseconds', { token: 'TIME', optional: true }),
        arg.integer('count', { token: 'RETRYCOUNT', optional: true }),
        arg.token('FORCE', { optional: true }),
        arg.token('JUSTID', { optional: true }),
        arg.string('id', { token: 'LASTID', optional: true }),
      ],
      handler: xclaimCommand,
    },
    { history: [] },
  ),
  {
    name: 'xdel',
    summary: 'Deletes entries of a stream by ID.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(1) for each single item to delete in the stream, regardless of the stream size.',
    arity: -3,
    flags: ['write', 'fast'],
    acl: ['stream'],
    keys: firstKey(['RW', 'DELETE']),
    args: [arg.key('key', 0), arg.string('id', { multiple: true })],
    handler: xdelCommand,
  },
  {
    name: 'xgroup',
    summary: 'A container for consumer groups commands.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'Depends on subcommand.',
    arity: -2,
    flags: [],
    subcommands: [
      withDocs(
        {
          name: 'setid',
          summary: 'Sets the last-delivered ID of a consumer group.',
          since: '5.0.0',
          group: 'stream',
          complexity: 'O(1)',
          arity: -5,
          flags: ['write'],
          acl: ['stream'],
          keys: keysAt2(['RW', 'UPDATE']),
          args: [
            arg.key('key', 0),
            arg.string('groupname'),
            arg.oneOf('id', [arg.string('id'), arg.token('$', { name: 'new_id' })]),
            arg.integer('entries_read', { token: 'ENTRIESREAD', optional: true }),
          ],
          handler: xgroupSetidCommand,
        },
        { history: [['7.0.0', 'Added the optional `entries_read` argument.']] },
      ),
      {
        name: 'createconsumer',
        summary: 'Creates a consumer in a consumer group.',
        since: '6.2.0',
        group: 'stream',
        complexity: 'O(1)',
        arity: 5,
        flags: ['write', 'denyoom'],
        acl: ['stream'],
        keys: keysAt2(['RW', 'INSERT']),
        args: [arg.key('key', 0), arg.string('groupname'), arg.string('consumername')],
        handler: xgroupCreateconsumerCommand,
      },
      {
        name: 'destroy',
        summary: 'Destroys a consumer group.',
        since: '5.0.0',
        group: 'stream',
        complexity: 'O(N) where N is the number of entries in the group\'s pending entries list (PEL).',
        arity: 4,
        flags: ['write'],
        acl: ['stream'],
        keys: keysAt2(['RW', 'DELETE']),
        args: [arg.key('key', 0), arg.string('groupname')],
        handler: xgroupDestroyCommand,
      },
      withDocs(
        {
          name: 'create',
          summary: 'Creates a consumer group.',
          since: '5.0.0',
          group: 'stream',
          complexity: 'O(1)',
          arity: -5,
          flags: ['write', 'denyoom'],
          acl: ['stream'],
          keys: keysAt2(['RW', 'INSERT']),
          args: [
            arg.key('key', 0),
            arg.string('groupname'),
            arg.oneOf('id', [arg.string('id'), arg.token('$', { name: 'new_id' })]),
            arg.token('MKSTREAM', { optional: true }),
            arg.integer('entries_read', { token: 'ENTRIESREAD', optional: true }),
          ],
          handler: xgroupCreateCommand,
        },
        { history: [['7.0.0', 'Added the `entries_read` named argument.']] },
      ),
      {
        name: 'delconsumer',
        summary: 'Deletes a consumer from a consumer group.',
        since: '5.0.0',
        group: 'stream',
        complexity: 'O(1)',
        arity: 5,
        flags: ['write'],
        acl: ['stream'],
        keys: keysAt2(['RW', 'DELETE']),
        args: [arg.key('key', 0), arg.string('groupname'), arg.string('consumername')],
        handler: xgroupDelconsumerCommand,
      },
      {
        name: 'help',
        summary: 'Returns helpful text about the different subcommands.',
        since: '5.0.0',
        group: 'stream',
        complexity: 'O(1)',
        arity: 2,
        flags: ['loading', 'stale'],
        acl: ['stream'],
        handler: (c) => replyHelp(c, XGROUP_HELP),
      },
    ],
  },
  {
    name: 'xinfo',
    summary: 'A container for stream introspection commands.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'Depends on subcommand.',
    arity: -2,
    flags: [],
    subcommands: [
      {
        name: 'consumers',
        summary: 'Returns a list of the consumers in a consumer group.',
        since: '5.0.0',
        group: 'stream',
        complexity: 'O(1)',
        arity: 4,
        flags: ['readonly'],
        acl: ['stream'],
        tips: ['nondeterministic_output'],
        keys: keysAt2(['RO', 'ACCESS']),
        args: [arg.key('key', 0), arg.string('groupname')],
        handler: xinfoConsumersCommand,
      },
      withDocs(
        {
          name: 'stream',
          summary: 'Returns information about a stream.',
          since: '5.0.0',
          group: 'stream',
          complexity: 'O(1)',
          arity: -3,
          flags: ['readonly'],
          acl: ['stream'],
          keys: keysAt2(['RO', 'ACCESS']),
          args: [
            arg.key('key', 0),
            arg.block('full', [arg.integer('count', { token: 'COUNT', optional: true })], { token: 'FULL', optional: true }),
          ],
          handler: xinfoStreamCommand,
        },
        {
          history: [
            ['6.0.0', 'Added the `FULL` modifier.'],
            ['7.0.0', 'Added the `max-deleted-entry-id`, `entries-added`, `recorded-first-entry-id`, `entries-read` and `lag` fields'],
          ],
        },
      ),
      {
        name: 'help',
        summary: 'Returns helpful text about the different subcommands.',
        since: '5.0.0',
        group: 'stream',
        complexity: 'O(1)',
        arity: 2,
        flags: ['loading', 'stale'],
        acl: ['stream'],
        handler: (c) => replyHelp(c, XINFO_HELP),
      },
      withDocs(
        {
          name: 'groups',
          summary: 'Returns a list of the consumer groups of a stream.',
          since: '5.0.0',
          group: 'stream',
          complexity: 'O(1)',
          arity: 3,
          flags: ['readonly'],
          acl: ['stream'],
          keys: keysAt2(['RO', 'ACCESS']),
          args: [arg.key('key', 0)],
          handler: xinfoGroupsCommand,
        },
        { history: [['7.0.0', 'Added the `entries-read` and `lag` fields']] },
      ),
    ],
  },
  {
    name: 'xlen',
    summary: 'Returns the number of entries in a stream.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'O(1)',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['stream'],
    keys: firstKey(['RO']),
    args: [arg.key('key', 0)],
    handler: xlenCommand,
  },
  withDocs(
    {
      name: 'xpending',
      summary: 'Returns the pending entries of a consumer group.',
      since: '5.0.0',
      group: 'stream',
      complexity: 'O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1).',
      arity: -3,
      flags: ['readonly'],
      acl: ['stream'],
      tips: ['nondeterministic_output'],
      keys: firstKey(['RO', 'ACCESS']),
      args: [
        arg.key('key', 0),
        arg.string('group'),
        arg.block('filters', [
          arg.integer('min-idle-time', { token: 'IDLE', since: '6.2.0', optional: true }),
          arg.string('start'),
          arg.string('end'),
          arg.integer('count'),
          arg.string('consumer', { optional: true }),
        ], { optional: true }),
      ],
      handler: xpendingCommand,
    },
    { history: [['6.2.0', 'Added the `IDLE` option and exclusive range intervals.']] },
  ),
  withDocs(
    {
      name: 'xrange',
      summary: 'Returns the entries of a stream within a range of IDs.',
      since: '5.0.0',
      group: 'stream',
      complexity: 'O(N) with N being the number of elements being returned.',
      arity: -4,
      flags: ['readonly'],
      acl: ['stream'],
      keys: firstKey(['RO', 'ACCESS']),
      args: [arg.key('key', 0), arg.string('start'), arg.string('end'), arg.integer('count', { token: 'COUNT', optional: true })],
      handler: xrangeCommand,
    },
    { history: [['6.2.0', 'Added exclusive ranges.']] },
  ),
  {
    name: 'xread',
    summary: 'Returns entries from several streams with IDs greater than the requested ones.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1).',
    arity: -4,
    flags: ['readonly', 'blocking'],
    acl: ['stream'],
    keys: streamsKeySpec(['RO', 'ACCESS']),
    getKeys: streamsKeys,
    args: [
      arg.integer('count', { token: 'COUNT', optional: true }),
      arg.integer('milliseconds', { token: 'BLOCK', optional: true }),
      arg.block('streams', [arg.key('key', 0, { multiple: true }), arg.string('id', { multiple: true })], { token: 'STREAMS' }),
    ],
    handler: xreadCommand,
  },
  {
    name: 'xreadgroup',
    summary: 'Returns new or historical entries of streams for a consumer of a group.',
    since: '5.0.0',
    group: 'stream',
    complexity: 'For each stream mentioned: O(M) with M being the number of elements returned.',
    arity: -7,
    flags: ['write', 'blocking'],
    acl: ['stream'],
    keys: streamsKeySpec(['RO', 'ACCESS'], 4),
    getKeys: streamsKeys,
    args: [
      arg.block('group_consumer', [arg.string('group'), arg.string('consumer')], { token: 'GROUP' }),
      arg.integer('count', { token: 'COUNT', optional: true }),
      arg.integer('milliseconds', { token: 'BLOCK', optional: true }),
      arg.token('NOACK', { optional: true }),
      arg.block('streams', [arg.key('key', 0, { multiple: true }), arg.string('id', { multiple: true })], { token: 'STREAMS' }),
    ],
    handler: xreadgroupCommand,
  },
  withDocs(
    {
      name: 'xrevrange',
      summary: 'Returns the entries of a stream within a range of IDs, in reverse order.',
      since: '5.0.0',
      group: 'stream',
      complexity: 'O(N) with N being the number of elements returned.',
      arity: -4,
      flags: ['readonly'],
      acl: ['stream'],
      keys: firstKey(['RO', 'ACCESS']),
      args: [arg.key('key', 0), arg.string('end'), arg.string('start'), arg.integer('count', { token: 'COUNT', optional: true })],
      handler: xrevrangeCommand,
    },
    { history: [['6.2.0', 'Added exclusive ranges.']] },
  ),
  withDocs(
    {
      name: 'xsetid',
      summary: 'Sets the last ID (and counters) of a stream.',
      since: '5.0.0',
      group: 'stream',
      complexity: 'O(1)',
      arity: -3,
      flags: ['write', 'denyoom', 'fast'],
      acl: ['stream'],
      keys: firstKey(['RW', 'UPDATE']),
      args: [
        arg.key('key', 0),
        arg.string('last-id'),
        arg.integer('entries_added', { token: 'ENTRIESADDED', since: '7.0.0', optional: true }),
        arg.string('max_deleted_entry_id', { token: 'MAXDELETEDID', since: '7.0.0', optional: true }),
      ],
      handler: xsetidCommand,
    },
    { history: [['7.0.0', 'Added the `entries_added` and `max_deleted_entry_id` arguments.']] },
  ),
  withDocs(
    {
      name: 'xtrim',
      summary: 'Removes the oldest entries of a stream.',
      since: '5.0.0',
      group: 'stream',
      complexity: 'O(N), with N being the number of evicted entries.',
      arity: -4,
      flags: ['write'],
      acl: ['stream'],
      tips: ['nondeterministic_output'],
      keys: firstKey(['RW', 'DELETE']),
      args: [
        arg.key('key', 0),
        arg.block('trim', [
          arg.oneOf('strategy', [arg.token('MAXLEN'), arg.token('MINID', { since: '6.2.0' })]),
          arg.oneOf('operator', [arg.token('=', { name: 'equal' }), arg.token('~', { name: 'approximately' })], { optional: true }),
          arg.string('threshold'),
          arg.integer('count', { token: 'LIMIT', since: '6.2.0', optional: true }),
        ]),
      ],
      handler: xtrimCommand,
    },
    { history: [['6.2.0', 'Added the `MINID` trimming strategy and the `LIMIT` option.']] },
  ),
];

/** Key spec for container subcommands whose key is argv[2]. */
function keysAt2(flags: KeySpec['flags']): KeySpec[] {
  return [keyAt(2, flags)];
}
