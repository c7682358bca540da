import { withDocs, type CommandSpec, firstKey, arg } from '../server/command-spec.js';
import { keyWritten, EVENT } from '../server/notify.js';
import { propagating, rewriteCommand } from '../server/propagate.js';
import { randomCountArgs, removeMembers } from './collection.js';
import { cursorOrThrow, parseScanOptions, replyScanPage } from './args.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { addInt64, parseInteger } from '../util/number.js';
import { addLongDouble, formatLongDoubleHuman, longDoubleFromInteger, parseLongDouble, type LongDouble } from '../util/long-double.js';
import { createHash, HashValue, listpackLimits } from '../engine/types/hash.js';

/**
 * The HASH command group (t_hash.c): HSET HSETNX HMSET HGET HMGET HDEL HLEN HSTRLEN HEXISTS HKEYS
 * HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN. Handlers only call the hash type API
 * (src/engine/types/hash.ts); encodings and conversions live there.
 */

const HASH_NOT_INTEGER = 'ERR hash value is not an integer';
const HASH_NOT_FLOAT = 'ERR hash value is not a float';
const INCR_NAN_OR_INF = 'ERR value is NaN or Infinity';

// ---------------------------------------------------------------- helpers

/** A hash for reading, undefined when absent; WRONGTYPE for other types. */
function readHash(c: Client, key: string): HashValue | undefined {
  const v = c.db.lookupRead(key);
  if (v === undefined || v instanceof HashValue) return v;
  throw new CommandError(Errors.wrongType);
}

/** A hash for writing, undefined when absent; WRONGTYPE for other types. */
function writeHash(c: Client, key: string): HashValue | undefined {
  const v = c.db.lookupWrite(key);
  if (v === undefined || v instanceof HashValue) return v;
  throw new CommandError(Errors.wrongType);
}

/** hashTypeLookupWriteOrCreate: the hash at `key`, created empty (and stored) when absent. */
function hashOrCreate(c: Client, key: string): HashValue {
  const v = c.db.lookupWrite(key);
  if (v === undefined) {
    const h = createHash();
    c.db.set(key, h);
    return h;
  }
  if (v instanceof HashValue) return v;
  throw new CommandError(Errors.wrongType);
}

// ---------------------------------------------------------------- writes

// HSET key field value [field value ...]
function hsetCommand(c: Client, argv: string[]): void {
  c.reply.int(setPairs(c, argv, 'hset'));
}

// HMSET key field value [field value ...]
function hmsetCommand(c: Client, argv: string[]): void {
  setPairs(c, argv, 'hmset');
  c.reply.ok();
}

/** HSET/HMSET's shared body: returns the number of fields created. */
function setPairs(c: Client, argv: string[], name: string): number {
  if (argv.length % 2 === 1) throw new CommandError(Errors.wrongArity(name));
  const h = hashOrCreate(c, argv[1]);
  const { maxEntries, maxValue } = listpackLimits(c.server.config);
  h.tryConversion(argv, 2, argv.length - 1, maxValue);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) {
    if (h.set(argv[i], argv[i + 1], maxEntries, maxValue)) created++;
  }
  keyWritten(c, EVENT.hash, 'hset', argv[1], (argv.length - 2) / 2);
  return created;
}

// HSETNX key field value
function hsetnxCommand(c: Client, argv: string[]): void {
  const h = hashOrCreate(c, argv[1]);
  if (h.has(argv[2])) return c.reply.int(0);
  const { maxEntries, maxValue } = listpackLimits(c.server.config);
  h.tryConversion(argv, 2, 3, maxValue);
  h.set(argv[2], argv[3], maxEntries, maxValue);
  keyWritten(c, EVENT.hash, 'hset', argv[1]);
  c.reply.int(1);
}

// HDEL key field [field ...]
function hdelCommand(c: Client, argv: string[]): void {
  removeMembers(c, argv[1], writeHash(c, argv[1]), argv, EVENT.hash, 'hdel');
}

// HINCRBY key field increment
function hincrbyCommand(c: Client, argv: string[]): void {
  const incr = parseInteger(argv[3]);
  if (incr === null) throw new CommandError(Errors.notInteger);
  const h = hashOrCreate(c, argv[1]);
  const field = argv[2];
  const current = h.get(field);
  let value: number | bigint = 0;
  if (current !== undefined) {
    const parsed = parseInteger(current);
    if (parsed === null) throw new CommandError(HASH_NOT_INTEGER);
    value = parsed;
  }
  const sum = addInt64(value, incr);
  if (sum === null) throw new CommandError(Errors.overflow);
  const { maxEntries, maxValue } = listpackLimits(c.server.config);
  h.set(field, String(sum), maxEntries, maxValue);
  keyWritten(c, EVENT.hash, 'hincrby', argv[1]);
  c.reply.int(sum);
}

const LD_ZERO: LongDouble = longDoubleFromInteger(0);

// HINCRBYFLOAT key field increment
function hincrbyfloatCommand(c: Client, argv: string[]): void {
  const incr = parseLongDouble(argv[3]);
  if (incr === null) throw new CommandError(Errors.notFloat);
  if (incr.inf) throw new CommandError(INCR_NAN_OR_INF);
  const h = hashOrCreate(c, argv[1]);
  const field = argv[2];
  const current = h.get(field);
  let value = LD_ZERO;
  if (current !== undefined) {
    const parsed = parseLongDouble(current);
    if (parsed === null) throw new CommandError(HASH_NOT_FLOAT);
    value = parsed;
  }
  const sum = addLongDouble(value, incr);
  if (sum === null || sum.inf) throw new CommandError(Errors.nanOrInfinity);
  const text = formatLongDoubleHuman(sum);
  const { maxEntries, maxValue } = listpackLimits(c.server.config);
  h.set(field, text, maxEntries, maxValue);
  keyWritten(c, EVENT.hash, 'hincrbyfloat', argv[1]);
  // Replicas and the AOF store the result, so float formatting never makes them diverge.
  if (propagating(c)) rewriteCommand(c, ['HSET', argv[1], field, text]);
  c.reply.bulk(text);
}

// ---------------------------------------------------------------- reads

// HGET key field
function hgetCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  const v = h === undefined ? undefined : h.get(argv[2]);
  if (v === undefined) return c.reply.nullBulk();
  c.reply.bulk(v);
}

// HMGET key field [field ...]
function hmgetCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  c.reply.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const v = h === undefined ? undefined : h.get(argv[i]);
    if (v === undefined) c.reply.nullBulk();
    else c.reply.bulk(v);
  }
}

// HLEN key
function hlenCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  c.reply.int(h === undefined ? 0 : h.size);
}

// HSTRLEN key field
function hstrlenCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  c.reply.int(h === undefined ? 0 : h.valueLength(argv[2]));
}

// HEXISTS key field
function hexistsCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  c.reply.int(h !== undefined && h.has(argv[2]) ? 1 : 0);
}

// HKEYS key
function hkeysCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  if (h === undefined) return c.reply.arrayLen(0);
  const fields = h.fields();
  c.reply.arrayLen(fields.length);
  for (let i = 0; i < fields.length; i++) c.reply.bulk(fields[i]);
}

// HVALS key
function hvalsCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  if (h === undefined) return c.reply.arrayLen(0);
  const values = h.values();
  c.reply.arrayLen(values.length);
  for (let i = 0; i < values.length; i++) c.reply.bulk(values[i]);
}

// HGETALL key
function hgetallCommand(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  if (h === undefined) return c.reply.mapLen(0);
  const reply = c.reply;
  reply.mapLen(h.size);
  h.forEach((f, v) => {
    reply.bulk(f);
    reply.bulk(v);
  });
}

// HRANDFIELD key [count [WITHVALUES]]
function hrandfieldCommand(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const { count, withExtra } = randomCountArgs(argv, 'WITHVALUES');
    return randomFieldsWithCount(c, argv[1], count, withExtra);
  }
  const h = readHash(c, argv[1]);
  if (h === undefined) return c.reply.nullBulk();
  const pair: string[] = ['', ''];
  h.pairAt(Math.floor(Math.random() * h.size), pair);
  c.reply.bulk(pair[0]);
}

/** hrandfieldWithCountCommand: the four cases of Redis, with its reply shapes. */
function randomFieldsWithCount(c: Client, key: string, l: number, withValues: boolean): void {
  const h = readHash(c, key);
  if (h === undefined) return c.reply.arrayLen(0);
  const reply = c.reply;
  const size = h.size;
  const unique = l >= 0;
  let count = unique ? l : -l;
  if (count === 0) return reply.arrayLen(0);
  const nested = withValues && reply.resp === 3;

  // Sampling with repetition (negative count), or a single element.
  if (!unique || count === 1) {
    reply.arrayLen(withValues && !nested ? count * 2 : count);
    if (h.encoding() === 'hashtable') {
      const pair: string[] = ['', ''];
      while (count-- > 0) {
        h.pairAt(Math.floor(Math.random() * size), pair);
        writePair(c, pair[0], pair[1], withValues, nested);
      }
    } else {
      const all = h.pairs();
      while (count-- > 0) {
        const i = 2 * Math.floor(Math.random() * size);
        writePair(c, all[i], all[i + 1], withValues, nested);
      }
    }
    return;
  }

  const replySize = count < size ? count : size;
  reply.arrayLen(withValues && !nested ? replySize * 2 : replySize);

  // The whole hash, in iteration order.
  if (count >= size) {
    h.forEach((f, v) => writePair(c, f, v, withValues, nested));
    return;
  }

  // A random subset of distinct fields.
  const pair: string[] = ['', ''];
  if (count * 3 > size || h.encoding() === 'listpack') {
    // Partial Fisher-Yates over the positions.
    const positions = new Int32Array(size);
    for (let i = 0; i < size; i++) positions[i] = i;
    const all = h.encoding() === 'listpack' ? h.pairs() : null;
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (size - i));
      const p = positions[j];
      positions[j] = positions[i];
      positions[i] = p;
      if (all !== null) writePair(c, all[2 * p], all[2 * p + 1], withValues, nested);
      else {
        h.pairAt(p, pair);
        writePair(c, pair[0], pair[1], withValues, nested);
      }
    }
    return;
  }
  const picked = new Set<number>();
  while (picked.size < count) {
    const p = Math.floor(Math.random() * size);
    if (picked.has(p)) continue;
    picked.add(p);
    h.pairAt(p, pair);
    writePair(c, pair[0], pair[1], withValues, nested);
  }
}

function writePair(c: Client, field: string, value: string, withValues: boolean, nested: boolean): void {
  if (nested) c.reply.arrayLen(2);
  c.reply.bulk(field);
  if (withValues) c.reply.bulk(value);
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
function hscanCommand(c: Client, argv: string[]): void {
  const cursor = cursorOrThrow(argv[2]);
  const h = readHash(c, argv[1]);
  if (h === undefined) return replyScanPage(c, 0, []);
  const { count, matcher } = parseScanOptions(argv, 3);
  const out: string[] = [];
  const next = h.scan(cursor, count, (f, v) => {
    if (matcher === null || matcher.matches(f)) out.push(f, v);
  });
  replyScanPage(c, next, out);
}

// ---------------------------------------------------------------- command table

export const HASH_COMMANDS: CommandSpec[] = [
  withDocs({
    name: 'hdel',
    summary: 'Removes fields from a hash, deleting the key when none remain.',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(N) for N fields removed',
    arity: -3,
    flags: ['write', 'fast'],
    acl: ['hash'],
    keys: firstKey(['RW', 'DELETE']),
    args: [arg.key('key', 0), arg.string('field', { multiple: true })],
    handler: hdelCommand,
  }, { history: [['2.4.0', 'Takes several fields.']] }),
  {
    name: 'hexists',
    summary: 'Tells whether a hash has a field.',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(1)',
    arity: 3,
    flags: ['readonly', 'fast'],
    acl: ['hash'],
    keys: firstKey(['RO']),
    args: [arg.key('key', 0), arg.string('field')],
    handler: hexistsCommand,
  },
  {
    name: 'hget',
    summary: "Returns one field's value from a hash.",
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(1)',
    arity: 3,
    flags: ['readonly', 'fast'],
    acl: ['hash'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.string('field')],
    handler: hgetCommand,
  },
  {
    name: 'hgetall',
    summary: 'Returns every field and value of a hash.',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(N) for a hash of N fields',
    arity: 2,
    flags: ['readonly'],
    acl: ['hash'],
    tips: ['nondeterministic_output_order'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0)],
    handler: hgetallCommand,
  },
  {
    name: 'hincrby',
    summary: "Adds an integer to a hash field's integer value, creating the field at 0.",
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(1)',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['hash'],
    keys: firstKey(['RW', 'ACCESS', 'UPDATE']),
    args: [arg.key('key', 0), arg.string('field'), arg.integer('increment')],
    handler: hincrbyCommand,
  },
  {
    name: 'hincrbyfloat',
    summary: "Adds a floating-point amount to a hash field's value, creating the field at 0.",
    since: '2.6.0',
    group: 'hash',
    complexity: 'O(1)',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['hash'],
    keys: firstKey(['RW', 'ACCESS', 'UPDATE']),
    args: [arg.key('key', 0), arg.string('field'), arg.double('increment')],
    handler: hincrbyfloatCommand,
  },
  {
    name: 'hkeys',
    summary: 'Returns every field name of a hash.',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(N) for a hash of N fields',
    arity: 2,
    flags: ['readonly'],
    acl: ['hash'],
    tips: ['nondeterministic_output_order'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0)],
    handler: hkeysCommand,
  },
  {
    name: 'hlen',
    summary: 'Counts the fields of a hash.',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(1)',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['hash'],
    keys: firstKey(['RO']),
    args: [arg.key('key', 0)],
    handler: hlenCommand,
  },
  {
    name: 'hmget',
    summary: 'Returns the values of several hash fields (nil for each missing one).',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(N) for N fields requested',
    arity: -3,
    flags: ['readonly', 'fast'],
    acl: ['hash'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.string('field', { multiple: true })],
    handler: hmgetCommand,
  },
  withDocs({
    name: 'hmset',
    summary: 'Sets several hash fields at once and answers OK (superseded by HSET).',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(N) for N fields set',
    arity: -4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['hash'],
    keys: firstKey(['RW', 'UPDATE']),
    args: [arg.key('key', 0), arg.block('field_value', [arg.string('field'), arg.string('value')], { multiple: true })],
    handler: hmsetCommand,
  }, { docFlags: ['deprecated'], deprecatedSince: '4.0.0', replacedBy: '`HSET` with multiple field-value pairs' }),
  {
    name: 'hrandfield',
    summary: 'Picks random fields (optionally with values) from a hash, distinct or with repetition.',
    since: '6.2.0',
    group: 'hash',
    complexity: 'O(N) for N fields returned',
    arity: -2,
    flags: ['readonly'],
    acl: ['hash'],
    tips: ['nondeterministic_output'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [
      arg.key('key', 0),
      arg.block('options', [arg.integer('count'), arg.token('WITHVALUES', { optional: true })], { optional: true }),
    ],
    handler: hrandfieldCommand,
  },
  {
    name: 'hscan',
    summary: 'Walks the fields and values of a hash a few at a time with a cursor, optionally filtered by a pattern.',
    since: '2.8.0',
    group: 'hash',
    complexity: 'O(1) per call, O(N) for a full iteration',
    arity: -3,
    flags: ['readonly'],
    acl: ['hash'],
    tips: ['nondeterministic_output'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [
      arg.key('key', 0),
      arg.integer('cursor'),
      arg.pattern('pattern', { token: 'MATCH', optional: true }),
      arg.integer('count', { token: 'COUNT', optional: true }),
    ],
    handler: hscanCommand,
  },
  withDocs({
    name: 'hset',
    summary: 'Sets one or more hash fields, creating the hash if needed; returns how many fields were new.',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(N) for N fields set',
    arity: -4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['hash'],
    keys: firstKey(['RW', 'UPDATE']),
    args: [arg.key('key', 0), arg.block('field_value', [arg.string('field'), arg.string('value')], { multiple: true })],
    handler: hsetCommand,
  }, { history: [['4.0.0', 'Takes several field/value pairs.']] }),
  {
    name: 'hsetnx',
    summary: 'Sets a hash field only when it does not exist yet.',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(1)',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['hash'],
    keys: firstKey(['RW', 'INSERT']),
    args: [arg.key('key', 0), arg.string('field'), arg.string('value')],
    handler: hsetnxCommand,
  },
  {
    name: 'hstrlen',
    summary: "Returns the length in bytes of a hash field's value.",
    since: '3.2.0',
    group: 'hash',
    complexity: 'O(1)',
    arity: 3,
    flags: ['readonly', 'fast'],
    acl: ['hash'],
    keys: firstKey(['RO']),
    args: [arg.key('key', 0), arg.string('field')],
    handler: hstrlenCommand,
  },
  {
    name: 'hvals',
    summary: 'Returns every value of a hash.',
    since: '2.0.0',
    group: 'hash',
    complexity: 'O(N) for a hash of N fields',
    arity: 2,
    flags: ['readonly'],
    acl: ['hash'],
    tips: ['nondeterministic_output_order'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0)],
    handler: hvalsCommand,
  },
];
