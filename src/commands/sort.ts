import { PERM_READ } from '../server/acl/selector.js';
import { arg, type CommandSpec, type KeySpecFlag } from '../server/command-spec.js';
import { keyWritten, EVENT } from '../server/notify.js';
import { isOption } from './args.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { parseFloatStrict, parseInteger } from '../util/number.js';
import { isString } from '../engine/values.js';
import { stringOf } from '../engine/types/string.js';
import { HashValue } from '../engine/types/hash.js';
import { ListValue, createList } from '../engine/types/list.js';
import { ZSetValue } from '../engine/types/zset.js';
import { SetValue } from '../engine/types/set.js';

/**
 * SORT and SORT_RO (sort.c): sorts a list, set or sorted set numerically or lexicographically,
 * by its elements or by external keys (BY pattern), fetches external keys or hash fields per
 * element (GET pattern), and answers the result or stores it as a list (STORE).
 */

const NOT_A_DOUBLE = "ERR One or more scores can't be converted into double";

// ---------------------------------------------------------------- patterns

/** Length of `s` as C string functions see it: up to the first NUL byte. */
function cLength(s: string): number {
  const nul = s.indexOf('\0');
  return nul < 0 ? s.length : nul;
}

/** strchr(pattern, '*') != NULL: a BY pattern without '*' means "do not sort". */
function hasStar(pattern: string): boolean {
  const star = pattern.indexOf('*');
  return star >= 0 && star < cLength(pattern);
}

/**
 * lookupKeyByPattern: the value a GET/BY pattern names for `element`. "#" is the element
 * itself; otherwise the first '*' is replaced by the element, and a "->field" suffix reads that
 * hash field. Missing keys, wrong types and patterns without '*' give null. Numbers are string
 * values stored as integers (read as such for numeric sorting).
 */
function lookupByPattern(c: Client, pattern: string, element: string): string | number | null {
  if (pattern.charCodeAt(0) === 35 /* # */ && (pattern.length === 1 || pattern.charCodeAt(1) === 0)) return element;
  const visible = cLength(pattern);
  const star = pattern.indexOf('*');
  if (star < 0 || star >= visible) return null;
  // A hash field: the first "->" after the '*' with something after it.
  const arrow = pattern.indexOf('->', star + 1);
  const field = arrow >= 0 && arrow + 2 < visible ? pattern.slice(arrow + 2) : null;
  const postfixEnd = field === null ? pattern.length : arrow;
  const key = pattern.slice(0, star) + element + pattern.slice(star + 1, postfixEnd);
  const v = c.db.lookupRead(key);
  if (v === undefined) return null;
  if (field !== null) {
    if (!(v instanceof HashValue)) return null;
    return v.get(field) ?? null;
  }
  if (!isString(v)) return null;
  return typeof v === 'number' ? v : stringOf(v);
}

/** strtod as SORT uses it: leading spaces allowed, the rest (up to a NUL) must be a number. */
function sortScore(v: string | number): number | null {
  if (typeof v === 'number') return v;
  const s = v.slice(0, cLength(v));
  // strtod converting nothing leaves the end pointer at the start: fine only for "".
  if (s.length === 0) return 0;
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  if (i === s.length) return null;
  return parseFloatStrict(i === 0 ? s : s.slice(i));
}

function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

/** Byte order of two latin1 strings (compareStringObjects: memcmp, then length). */
function binaryCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** strcoll in the C/C.UTF-8 locale on NUL-terminated strings: byte order up to the first NUL. */
function collate(a: string, b: string): number {
  return binaryCompare(a.slice(0, cLength(a)), b.slice(0, cLength(b)));
}

// ---------------------------------------------------------------- the command

/** One element being sorted, with what it is compared by. */
interface SortEntry {
  element: string;
  score: number;
  /** The BY value for ALPHA sorting by pattern (null: missing). */
  by: string | null;
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination]
function sortCommand(c: Client, argv: string[]): void {
  sortGeneric(c, argv, false);
}

// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
function sortRoCommand(c: Client, argv: string[]): void {
  sortGeneric(c, argv, true);
}

/** ACLUserCheckCmdWithUnrestrictedKeyAccess for reads: whether the client's user may read any key. */
function fullReadAccess(c: Client, argv: readonly string[]): boolean {
  const user = c.user;
  if (user === null || user.unrestricted) return true;
  return c.server.acl.hasUnrestrictedKeyAccess(user, c.currentCommand!, argv, PERM_READ);
}

function sortGeneric(c: Client, argv: string[], readonly: boolean): void {
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let dontSort = false;
  let sortBy: string | null = null;
  let storeKey: string | null = null;
  const gets: string[] = [];
  for (let j = 2; j < argv.length; j++) {
    const arg = argv[j];
    const left = argv.length - j - 1;
    if (isOption(arg, 'ASC')) {
      desc = false;
    } else if (isOption(arg, 'DESC')) {
      desc = true;
    } else if (isOption(arg, 'ALPHA')) {
      alpha = true;
    } else if (isOption(arg, 'LIMIT') && left >= 2) {
      const start = parseInteger(argv[j + 1]);
      const count = start === null ? null : parseInteger(argv[j + 2]);
      if (start === null || count === null) throw new CommandError(Errors.notInteger);
      limitStart = Number(start);
      limitCount = Number(count);
      j += 2;
    } else if (!readonly && isOption(arg, 'STORE') && left >= 1) {
      storeKey = argv[++j];
    } else if (isOption(arg, 'BY') && left >= 1) {
      sortBy = argv[++j];
      // A constant BY pattern means "do not sort" (and a later real pattern does not undo it).
      if (!hasStar(sortBy)) dontSort = true;
      // A real pattern reads keys no key spec names: only for a user who may read every key.
      else if (!fullReadAccess(c, argv)) throw new CommandError('ERR BY option of SORT denied due to insufficient ACL permissions.');
    } else if (isOption(arg, 'GET') && left >= 1) {
      if (!fullReadAccess(c, argv)) throw new CommandError('ERR GET option of SORT denied due to insufficient ACL permissions.');
      gets.push(argv[++j]);
    } else {
      throw new CommandError(Errors.syntax);
    }
  }

  const value = c.db.lookupRead(argv[1]);
  if (value !== undefined && !(value instanceof ListValue || value instanceof SetValue || value instanceof ZSetValue)) {
    throw new CommandError(Errors.wrongType);
  }

  // An unsorted set would make STORE's result depend on the set's internal order: sort it.
  if (dontSort && value instanceof SetValue && storeKey !== null) {
    dontSort = false;
    alpha = true;
    sortBy = null;
  }
  // Redis converts a listpack sorted set for SORT (visible in OBJECT ENCODING).
  if (value instanceof ZSetValue) value.convert();

  const length = value === undefined ? 0 : value instanceof ListValue ? value.length : value.size;
  let start = limitStart < 0 ? 0 : limitStart;
  let end = limitCount < 0 ? length - 1 : start + limitCount - 1;
  if (start >= length) {
    start = length - 1;
    end = length - 2;
  }
  if (end >= length) end = length - 1;

  let elements: string[];
  if (value === undefined) {
    elements = [];
  } else if (dontSort && !(value instanceof SetValue)) {
    // Lists and sorted sets keep their own order (reversed by DESC); only the LIMIT range is read.
    elements = [];
    if (end >= start) {
      // Positions in natural order: DESC's range [start, end] counts from the tail.
      const from = desc ? length - 1 - end : start;
      const to = desc ? length - 1 - start : end;
      const push = (m: string) => elements.push(m);
      if (value instanceof ListValue) {
        value.forEachRange(from, to, push);
        if (desc) elements.reverse();
      } else {
        value.forEachInRange(from, to, desc, push);
      }
      end -= start;
      start = 0;
    }
  } else if (value instanceof ListValue) {
    elements = value.toArray();
  } else if (value instanceof SetValue) {
    elements = value.members();
  } else {
    elements = value.toArrays().members;
  }

  if (!dontSort) {
    const entries: SortEntry[] = new Array(elements.length);
    let conversionError = false;
    for (let j = 0; j < elements.length; j++) {
      const element = elements[j];
      const entry: SortEntry = { element, score: 0, by: null };
      entries[j] = entry;
      const byValue = sortBy !== null ? lookupByPattern(c, sortBy, element) : element;
      if (byValue === null) continue;
      if (alpha) {
        if (sortBy !== null) entry.by = String(byValue);
      } else {
        const score = sortScore(byValue);
        if (score === null) conversionError = true;
        else entry.score = score;
      }
    }
    if (conversionError) throw new CommandError(NOT_A_DOUBLE);
    const sign = desc ? -1 : 1;
    const storing = storeKey !== null;
    let compare: (a: SortEntry, b: SortEntry) => number;
    if (!alpha) {
      // Equal scores fall back to the elements' bytes, so the result is deterministic.
      compare = (a, b) => sign * (a.score > b.score ? 1 : a.score < b.score ? -1 : binaryCompare(a.element, b.element));
    } else if (sortBy !== null) {
      compare = (a, b) => {
        if (a.by === null || b.by === null) return sign * (a.by === b.by ? 0 : a.by === null ? -1 : 1);
        return sign * (storing ? binaryCompare(a.by, b.by) : collate(a.by, b.by));
      };
    } else {
      compare = (a, b) => sign * (storing ? binaryCompare(a.element, b.element) : collate(a.element, b.element));
    }
    // Array#sort is stable, as glibc's merge-sort qsort is for the ties ALPHA leaves.
    entries.sort(compare);
    for (let j = 0; j < entries.length; j++) elements[j] = entries[j].element;
  }

  const count = end - start + 1;
  const outputLength = gets.length > 0 ? gets.length * count : count;
  if (storeKey === null) {
    const reply = c.reply;
    reply.arrayLen(outputLength);
    for (let j = start; j <= end; j++) {
      if (gets.length === 0) reply.bulk(elements[j]);
      for (const pattern of gets) {
        const v = lookupByPattern(c, pattern, elements[j]);
        if (v === null) reply.nullBulk();
        else reply.bulk(v);
      }
    }
    return;
  }
  const list = createList();
  for (let j = start; j <= end; j++) {
    if (gets.length === 0) list.pushRight(elements[j]);
    for (const pattern of gets) {
      const v = lookupByPattern(c, pattern, elements[j]);
      list.pushRight(v === null ? '' : String(v));
    }
  }
  if (outputLength > 0) {
    c.db.set(storeKey, list);
    keyWritten(c, EVENT.list, 'sortstore', storeKey, outputLength);
  } else if (c.db.delete(storeKey)) {
    keyWritten(c, EVENT.generic, 'del', storeKey);
  }
  c.reply.int(outputLength);
}

// ---------------------------------------------------------------- keys

const SORTED_KEY_FLAGS: readonly KeySpecFlag[] = ['RO', 'ACCESS'];
const STORE_KEY_FLAGS: readonly KeySpecFlag[] = ['OW', 'UPDATE'];

/**
 * sortGetKeys: the sorted key, and the last STORE's key. Options with arguments are skipped as
 * Redis skips them (LIMIT two, GET and BY one); a STORE's key is itself looked at as an option.
 */
function sortKeys(argv: readonly string[]): Array<{ pos: number; flags: readonly KeySpecFlag[] }> {
  const keys = [{ pos: 1, flags: SORTED_KEY_FLAGS }];
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i];
    if (isOption(arg, 'LIMIT')) i += 2;
    else if (isOption(arg, 'STORE') && i + 1 < argv.length) store = i + 1;
    else if (isOption(arg, 'GET') || isOption(arg, 'BY')) i += 1;
  }
  if (store >= 0) keys.push({ pos: store, flags: STORE_KEY_FLAGS });
  return keys;
}

// ---------------------------------------------------------------- command table

const BY_GET_NOTES =
  "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort";
const STORE_NOTES = "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array";

/** The arguments SORT and SORT_RO share (SORT adds STORE). */
const SORT_ARGS = [
  arg.key('key', 0),
  arg.pattern('pattern', { keySpecIndex: 1, token: 'BY', optional: true }),
  arg.block('offset_count', [arg.integer('offset'), arg.integer('count')], { token: 'LIMIT', optional: true }),
  arg.pattern('pattern', { keySpecIndex: 1, token: 'GET', optional: true, multiple: true, multipleToken: true }),
  arg.oneOf('order', [arg.token('ASC'), arg.token('DESC')], { optional: true }),
  arg.token('ALPHA', { name: 'sorting', optional: true }),
];

export const SORT_COMMANDS: CommandSpec[] = [
  {
    name: 'sort',
    summary: 'Sorts a list, set or sorted set (optionally by external keys) and answers or stores the result.',
    since: '1.0.0',
    group: 'generic',
    complexity: 'O(N+M*log(M)) for N elements to sort and M returned; O(N) when not sorting',
    arity: -2,
    flags: ['write', 'denyoom'],
    acl: ['set', 'sortedset', 'list', 'dangerous'],
    keys: [
      { flags: ['RO', 'ACCESS'], begin: { index: 1 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
      { notes: BY_GET_NOTES, flags: ['RO', 'ACCESS'], begin: { unknown: true }, find: { unknown: true } },
      { notes: STORE_NOTES, flags: ['OW', 'UPDATE'], begin: { unknown: true }, find: { unknown: true } },
    ],
    getKeysAndFlags: sortKeys,
    args: [...SORT_ARGS, arg.key('destination', 2, { token: 'STORE', optional: true })],
    handler: sortCommand,
  },
  {
    name: 'sort_ro',
    summary: 'Sorts a list, set or sorted set (optionally by external keys) and answers the result.',
    since: '7.0.0',
    group: 'generic',
    complexity: 'O(N+M*log(M)) for N elements to sort and M returned; O(N) when not sorting',
    arity: -2,
    flags: ['readonly'],
    acl: ['set', 'sortedset', 'list', 'dangerous'],
    keys: [
      { flags: ['RO', 'ACCESS'], begin: { index: 1 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
      { notes: BY_GET_NOTES, flags: ['RO', 'ACCESS'], begin: { unknown: true }, find: { unknown: true } },
    ],
    getKeysAndFlags: () => [{ pos: 1, flags: SORTED_KEY_FLAGS }],
    args: SORT_ARGS,
    handler: sortRoCommand,
  },
];

