import { firstKey, keyAt, arg, type CommandSpec } from '../server/command-spec.js';
import { keyWritten, EVENT } from '../server/notify.js';
import { isOption } from './args.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { isString, ByteString, SlabString, type StringValue, type Value } from '../engine/values.js';
import { toByteString } from '../engine/types/string.js';
import { viewBytes, viewLen, viewOf, viewStart } from '../engine/types/bitmap.js';
import {
  ERR_CORRUPT_HLL,
  HLL_DENSE,
  HLL_HDR_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  cachedCard,
  compactHll,
  createHll,
  decodeSparse,
  denseGet,
  denseSet,
  hllAdd,
  hllCount,
  hllCountRegisters,
  hllInvalid,
  hllMerge,
  hllSet,
  invalidateCache,
  setCachedCard,
  sparseToDense,
  type HllBytes,
} from '../engine/types/hll.js';

/**
 * The HYPERLOGLOG command group: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST, on string values in
 * Redis's HyperLogLog representation (src/engine/types/hll.ts).
 */

// ---------------------------------------------------------------- helpers

/** Redis's isHLLObjectOrReply: the value as a string that is a HyperLogLog, or an error. */
function hllOrThrow(v: Value): StringValue {
  if (!isString(v)) throw new CommandError(Errors.wrongType);
  const err = hllInvalid(v);
  if (err !== null) throw new CommandError(err);
  return v;
}

/**
 * The bytes a write changes: a dense value kept in a slab chunk is changed in place (same length);
 * anything else is copied into a ByteString (or is one already), to be stored back with `store`.
 */
function forWrite(s: StringValue): HllBytes {
  if (s instanceof SlabString && s.bytes[s.start + 4] === HLL_DENSE) return s;
  return toByteString(s);
}

/**
 * Keeps a changed HyperLogLog in the keyspace, compact (src/engine/types/hll.ts, "Storage").
 * `created`: the key is new. The keyspace event and WATCH are the caller's (keyWritten).
 */
function store(c: Client, key: string, b: HllBytes, created: boolean): void {
  if (!(b instanceof ByteString)) return;
  const v = compactHll(b);
  if (created) c.db.set(key, v);
  else c.db.replace(key, v, false);
}

/** Registers merged by PFCOUNT / PFMERGE (reused: commands run one at a time). */
const maxRegisters = new Uint8Array(HLL_REGISTERS);

// ---------------------------------------------------------------- commands

// PFADD key [element [element ...]]
function pfaddCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const v = db.lookupWrite(key);
  const created = v === undefined;
  const b = created ? createHll() : forWrite(hllOrThrow(v));
  let updated = created ? 1 : 0;
  const maxBytes = c.server.config.hllSparseMaxBytes;
  for (let j = 2; j < argv.length; j++) {
    const r = hllAdd(b, argv[j], maxBytes);
    if (r === 1) updated++;
    else if (r === -1) {
      // Redis changes the value in place: what was added before the corrupt part stays.
      if (updated > 0) store(c, key, b, created);
      throw new CommandError(ERR_CORRUPT_HLL);
    }
  }
  if (updated > 0) {
    invalidateCache(b);
    store(c, key, b, created);
    keyWritten(c, EVENT.string, 'pfadd', key, updated);
  }
  c.reply.int(updated > 0 ? 1 : 0);
}

// PFCOUNT key [key ...]
function pfcountCommand(c: Client, argv: string[]): void {
  const db = c.db;
  if (argv.length > 2) {
    const max = maxRegisters;
    max.fill(0);
    for (let j = 1; j < argv.length; j++) {
      const v = db.lookupRead(argv[j]);
      if (v === undefined) continue;
      viewOf(hllOrThrow(v));
      if (!hllMerge(max, viewBytes, viewStart, viewLen)) throw new CommandError(ERR_CORRUPT_HLL);
    }
    c.reply.int(hllCountRegisters(max));
    return;
  }
  const key = argv[1];
  const v = db.lookupRead(key);
  if (v === undefined) return c.reply.int(0);
  const s = hllOrThrow(v);
  viewOf(s);
  const cached = cachedCard(viewBytes, viewStart);
  if (cached !== -1) return c.reply.int(cached);
  const card = hllCount(viewBytes, viewStart, viewLen);
  if (card < 0) throw new CommandError(ERR_CORRUPT_HLL);
  // A read that caches its result in the value: a change Redis signals and propagates. The
  // value keeps its length, so a slab chunk is changed in place.
  db.peek(key);
  const b = typeof s === 'object' ? s : toByteString(s);
  setCachedCard(b, card);
  store(c, key, b, false);
  db.touch(key);
  db.remeasure(key);
  c.server.dirty++;
  c.reply.int(card);
}

// PFMERGE destkey [sourcekey [sourcekey ...]]
function pfmergeCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const max = maxRegisters;
  max.fill(0);
  let useDense = false;
  // The destination is merged too (it is argv[1]).
  for (let j = 1; j < argv.length; j++) {
    const v = db.lookupRead(argv[j]);
    if (v === undefined) continue;
    viewOf(hllOrThrow(v));
    if (viewBytes[viewStart + 4] === HLL_DENSE) useDense = true;
    if (!hllMerge(max, viewBytes, viewStart, viewLen)) throw new CommandError(ERR_CORRUPT_HLL);
  }
  const key = argv[1];
  const v = db.lookupWrite(key);
  const created = v === undefined;
  const b = created ? createHll() : toByteString(v as StringValue);
  if (useDense && !sparseToDense(b)) throw new CommandError(ERR_CORRUPT_HLL);
  const maxBytes = c.server.config.hllSparseMaxBytes;
  for (let j = 0; j < HLL_REGISTERS; j++) {
    if (max[j] !== 0) hllSet(b, j, max[j], maxBytes);
  }
  invalidateCache(b);
  store(c, key, b, created);
  // A "pfadd" event: PFMERGE is a mix of both, as Redis says.
  keyWritten(c, EVENT.string, 'pfadd', key);
  c.reply.ok();
}

// PFDEBUG subcommand key
function pfdebugCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const sub = argv[1];
  const key = argv[2];
  const v = db.lookupWrite(key);
  if (v === undefined) throw new CommandError('ERR The specified key does not exist');
  const s = hllOrThrow(v);
  viewOf(s);
  let bytes = viewBytes;
  let start = viewStart;
  const len = viewLen;
  const r = c.reply;
  if (isOption(sub, 'GETREG')) {
    if (bytes[start + 4] === HLL_SPARSE) {
      bytes = toDenseOrThrow(c, key, s).bytes;
      start = 0;
      // The encoding changed: propagated so replicas convert too.
      c.server.dirty++;
    }
    r.arrayLen(HLL_REGISTERS);
    for (let j = 0; j < HLL_REGISTERS; j++) r.int(denseGet(bytes, start + HLL_HDR_SIZE, j));
  } else if (isOption(sub, 'DECODE')) {
    if (bytes[start + 4] !== HLL_SPARSE) throw new CommandError('ERR HLL encoding is not sparse');
    r.bulk(decodeSparse(bytes, start, len));
  } else if (isOption(sub, 'ENCODING')) {
    r.simple(bytes[start + 4] === HLL_DENSE ? 'dense' : 'sparse');
  } else if (isOption(sub, 'TODENSE')) {
    let converted = 0;
    if (bytes[start + 4] === HLL_SPARSE) {
      toDenseOrThrow(c, key, s);
      converted = 1;
      c.server.dirty++;
    }
    r.int(converted);
  } else {
    throw new CommandError(`ERR Unknown PFDEBUG subcommand '${sub.replace(/[\r\n]/g, ' ')}'`);
  }
}

/** PFDEBUG's conversion of a sparse value, stored back; INVALIDOBJ when corrupt. */
function toDenseOrThrow(c: Client, key: string, s: StringValue): ByteString {
  const b = toByteString(s);
  if (!sparseToDense(b)) throw new CommandError(ERR_CORRUPT_HLL);
  store(c, key, b, false);
  c.db.remeasure(key);
  return b;
}

// PFSELFTEST
function pfselftestCommand(c: Client): void {
  const failure = selfTest();
  if (failure !== null) throw new CommandError(`ERR TESTFAILED ${failure}`);
  c.reply.ok();
}

/**
 * Checks the implementation against itself: dense registers read back what was written, and
 * sparse and dense HyperLogLogs fed the same elements agree on every count, within the error
 * bound of the estimator. Returns a description of the first failure, or null.
 */
function selfTest(): string | null {
  const regs = Buffer.alloc(HLL_HDR_SIZE + (HLL_REGISTERS * 6) / 8);
  const expected = new Uint8Array(HLL_REGISTERS);
  let seed = 1;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 8;
  };
  for (let round = 0; round < 8; round++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      expected[i] = rand() & 63;
      denseSet(regs, HLL_HDR_SIZE, i, expected[i]);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      if (denseGet(regs, HLL_HDR_SIZE, i) !== expected[i]) return `Register error at ${i}`;
    }
  }
  const sparse = createHll();
  const dense = createHll();
  if (!sparseToDense(dense)) return 'Conversion error';
  const relErr = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  for (let j = 1; j <= 20000; j++) {
    const element = `${j}:${rand()}`;
    // The sparse one turns dense at Redis's default limit: counts must agree on both sides of it.
    hllAdd(sparse, element, 3000);
    hllAdd(dense, element, 3000);
    if (j !== checkpoint) continue;
    checkpoint = checkpoint < 100 ? checkpoint + 1 : checkpoint * 10;
    const a = hllCount(sparse.bytes, 0, sparse.len);
    const b = hllCount(dense.bytes, 0, dense.len);
    if (a !== b) return `Sparse and dense counts differ at ${j}: ${a} != ${b}`;
    const maxErr = j < 10 ? 1 : relErr * 6 * j;
    if (Math.abs(b - j) > maxErr) return `Error rate too high at ${j}: ${b}`;
  }
  return null;
}

// ---------------------------------------------------------------- command table

export const HYPERLOGLOG_COMMANDS: CommandSpec[] = [
  {
    name: 'pfadd',
    summary: 'Adds elements to a HyperLogLog, creating the key when missing.',
    since: '2.8.9',
    group: 'hyperloglog',
    complexity: 'O(1) to add every element.',
    arity: -2,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['hyperloglog'],
    keys: firstKey(['RW', 'INSERT']),
    args: [arg.key('key', 0), arg.string('element', { optional: true, multiple: true })],
    handler: pfaddCommand,
  },
  {
    name: 'pfcount',
    summary: 'Returns the estimated number of distinct elements seen by one HyperLogLog, or by the union of several.',
    since: '2.8.9',
    group: 'hyperloglog',
    complexity:
      'O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.',
    arity: -2,
    // may_replicate: a refreshed cache propagates (CLIENT PAUSE WRITE holds it, as Redis does).
    flags: ['readonly', 'may_replicate'],
    acl: ['hyperloglog'],
    keys: [keyAt(1, ['RW', 'ACCESS'], -1, 'RW because it may change the internal representation of the key, and propagate to replicas')],
    args: [arg.key('key', 0, { multiple: true })],
    handler: pfcountCommand,
  },
  {
    name: 'pfmerge',
    summary: 'Stores the union of HyperLogLogs in a key, merged with what it holds.',
    since: '2.8.9',
    group: 'hyperloglog',
    complexity: 'O(N) to merge N HyperLogLogs, but with high constant times.',
    arity: -2,
    flags: ['write', 'denyoom'],
    acl: ['hyperloglog'],
    keys: [keyAt(1, ['RW', 'ACCESS', 'INSERT']), keyAt(2, ['RO', 'ACCESS'], -1)],
    args: [arg.key('destkey', 0), arg.key('sourcekey', 1, { multiple: true })],
    handler: pfmergeCommand,
  },
  {
    name: 'pfdebug',
    summary: 'Inspects or converts the representation of a HyperLogLog (GETREG, DECODE, ENCODING, TODENSE).',
    since: '2.8.9',
    group: 'hyperloglog',
    complexity: 'N/A',
    docFlags: ['syscmd'],
    arity: 3,
    flags: ['write', 'denyoom', 'admin'],
    acl: ['hyperloglog'],
    keys: [keyAt(2, ['RW', 'ACCESS'])],
    args: [arg.string('subcommand'), arg.key('key', 0)],
    handler: pfdebugCommand,
  },
  {
    name: 'pfselftest',
    summary: 'Runs the HyperLogLog implementation against itself and answers OK.',
    since: '2.8.9',
    group: 'hyperloglog',
    complexity: 'N/A',
    docFlags: ['syscmd'],
    arity: 1,
    flags: ['admin'],
    acl: ['hyperloglog'],
    handler: pfselftestCommand,
  },
];
