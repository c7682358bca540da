import { arg, firstKey, keyAt, withDocs, type CommandSpec } from '../server/command-spec.js';
import { EVENT, keyWritten, keyWrittenIn } from '../server/notify.js';
import { propagating, rewriteCommand } from '../server/propagate.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { isOption, alreadyExpired } from './args.js';
import { parseInteger } from '../util/number.js';
import { LRU_CLOCK_MAX, lfuTimeInMinutes, lruClock } from '../engine/access.js';
import { createDumpPayload, type RdbSaveOptions } from '../persistence/rdb/writer.js';
import { readDumpPayload, verifyDumpPayload } from '../persistence/rdb/reader.js';
import { RdbFormatError } from '../persistence/rdb/encodings.js';
import type { Keyspace, WatchEntry } from '../engine/keyspace.js';
import type { MigrateRecord } from '../server/migrate.js';

/**
 * DUMP and RESTORE (cluster.c in Redis): a key's value as Redis's RDB object encoding with the RDB
 * version and a CRC64 (src/persistence/rdb), and back.
 */

const BAD_PAYLOAD = 'ERR DUMP payload version or checksum are wrong';
const BAD_DATA = 'ERR Bad data format';
const BUSY_KEY = 'BUSYKEY Target key name already exists.';

/** The settings that shape DUMP's bytes, read from the config at each call. */
export function rdbSaveOptions(c: Client): RdbSaveOptions {
  const cfg = c.server.config;
  return { compression: cfg.get('rdbcompression') === 'yes', listFill: cfg.listMaxListpackSize };
}

// DUMP key
function dumpCommand(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) return c.reply.nullBulk();
  c.reply.bulk(createDumpPayload(v, rdbSaveOptions(c)));
}

/** getLongLongFromObjectOrReply. */
function int64OrThrow(s: string): number | bigint {
  const v = parseInteger(s);
  if (v === null) throw new CommandError(Errors.notInteger);
  return v;
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
function restoreCommand(c: Client, argv: string[]): void {
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  // Options first, in Redis's order of checks: options, busy key, TTL, payload.
  for (let j = 4; j < argv.length; j++) {
    const more = argv.length - j - 1;
    if (isOption(argv[j], 'REPLACE')) {
      replace = true;
    } else if (isOption(argv[j], 'ABSTTL')) {
      absttl = true;
    } else if (isOption(argv[j], 'IDLETIME') && more >= 1 && freq === -1) {
      const v = int64OrThrow(argv[++j]);
      if (v < 0) throw new CommandError('ERR Invalid IDLETIME value, must be >= 0');
      idle = Number(v);
    } else if (isOption(argv[j], 'FREQ') && more >= 1 && idle === -1) {
      const v = int64OrThrow(argv[++j]);
      if (v < 0 || v > 255) throw new CommandError('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = Number(v);
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  const db = c.db;
  const key = argv[1];
  if (!replace && db.lookupWrite(key) !== undefined) throw new CommandError(BUSY_KEY);
  let ttl = BigInt(int64OrThrow(argv[2]));
  if (ttl < 0n) throw new CommandError('ERR Invalid TTL value, must be >= 0');
  const payload = Buffer.from(argv[3], 'latin1');
  if (!verifyDumpPayload(payload)) throw new CommandError(BAD_PAYLOAD);
  let value;
  try {
    value = readDumpPayload(payload, c.server.persistence.loadLimits());
  } catch (e) {
    if (e instanceof RdbFormatError) throw new CommandError(BAD_DATA);
    throw e;
  }
  const deleted = replace && db.delete(key);
  const now = c.server.clock.now;
  if (ttl !== 0n && !absttl) ttl += BigInt(now);
  if (ttl !== 0n && alreadyExpired(c, ttl)) {
    // Already expired: nothing is created; a replaced key is deleted, and replicas told so.
    if (deleted) {
      // DEL whatever lazyfree-lazy-server-del says (Redis 7.0.15's restoreCommand).
      if (propagating(c)) rewriteCommand(c, ['DEL', key]);
      keyWritten(c, EVENT.generic, 'del', key);
    }
    return c.reply.ok();
  }
  db.set(key, value);
  if (ttl !== 0n) {
    const when = ttl <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ttl) : ttl;
    db.setExpire(key, when);
    // Replicas get the absolute time, whatever their clock says.
    if (!absttl && propagating(c)) {
      const rewritten = argv.slice();
      rewritten[2] = String(ttl);
      rewritten.push('ABSTTL');
      rewriteCommand(c, rewritten);
    }
  }
  // objectSetLRUOrLFU: FREQ counts under an LFU policy, IDLETIME under the others.
  const tracking = c.server.accessTracking;
  if (tracking.lfu && freq >= 0) {
    db.setAccessWord(key, (lfuTimeInMinutes(now) << 8) | freq);
  } else if (!tracking.lfu && idle >= 0) {
    const clock = lruClock(now);
    let word = clock - idle;
    // Too idle for the wrapping clock: the oldest time it can express (half a period ahead).
    if (word < 0) word = (clock + Math.floor(LRU_CLOCK_MAX / 2)) % LRU_CLOCK_MAX;
    db.setAccessWord(key, word);
  }
  keyWritten(c, EVENT.generic, 'restore', key);
  c.reply.ok();
}


// ---------------------------------------------------------------- MIGRATE

const MIGRATE_KEYS_NEED_EMPTY_KEY = 'ERR When using MIGRATE KEYS option, the key argument must be set to the empty string';

/**
 * Watches the keys being migrated, as WATCH does, with one watcher per key: a key another client
 * changes while the target is answering is not deleted afterwards (its newer value stays here).
 */
function watchMigratedKeys(db: Keyspace, keys: readonly string[]): WatchEntry[] {
  const byKey = (db.watchers ??= new Map());
  const entries: WatchEntry[] = [];
  for (const key of keys) {
    const entry: WatchEntry = { watcher: { casDirty: false }, key, expired: false };
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [entry]);
    else list.push(entry);
    entries.push(entry);
  }
  return entries;
}

function unwatchMigratedKeys(db: Keyspace, entries: readonly WatchEntry[]): void {
  const byKey = db.watchers;
  if (byKey === null) return;
  for (const entry of entries) {
    const list = byKey.get(entry.key);
    if (list === undefined) continue;
    const i = list.indexOf(entry);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) byKey.delete(entry.key);
  }
  if (byKey.size === 0) db.watchers = null;
}

/**
 * MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
 * [AUTH2 username password] [KEYS key ...]
 *
 * migrateCommand: the values are serialized now, as they are; then the client is suspended while
 * the target is sent AUTH / SELECT / RESTORE and answers (Redis waits with the whole server).
 * When it has answered, the keys it acknowledged are deleted here (unless COPY) and propagated as
 * one DEL, and the client gets +OK or the error. Unlike Redis, other clients run meanwhile: they
 * still see the keys, and a key one of them changes is kept here (the target has the value MIGRATE
 * read). Inside MULTI or a script, where nothing may wait, MIGRATE is refused.
 */
function migrateCommand(c: Client, argv: string[]): void {
  let copy = false;
  let replace = false;
  let username: string | null = null;
  let password: string | null = null;
  let firstKey = 3;
  let numKeys = 1;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (isOption(argv[j], 'COPY')) {
      copy = true;
    } else if (isOption(argv[j], 'REPLACE')) {
      replace = true;
    } else if (isOption(argv[j], 'AUTH')) {
      if (more < 1) throw new CommandError(Errors.syntax);
      password = argv[++j];
      c.redactArgument(argv, j);
    } else if (isOption(argv[j], 'AUTH2')) {
      if (more < 2) throw new CommandError(Errors.syntax);
      username = argv[++j];
      c.redactArgument(argv, j);
      password = argv[++j];
      c.redactArgument(argv, j);
    } else if (isOption(argv[j], 'KEYS')) {
      if (argv[3].length !== 0) throw new CommandError(MIGRATE_KEYS_NEED_EMPTY_KEY);
      firstKey = j + 1;
      numKeys = argv.length - j - 1;
      break;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  let timeout = int64OrThrow(argv[5]);
  const dbid = int64OrThrow(argv[4]);
  if (timeout <= 0) timeout = 1000;
  // Keys not here (or expired) are skipped; none at all is NOKEY, not an error.
  const db = c.db;
  const now = BigInt(c.server.clock.now);
  const options = rdbSaveOptions(c);
  const records: MigrateRecord[] = [];
  for (let j = 0; j < numKeys; j++) {
    const key = argv[firstKey + j];
    const value = db.lookupRead(key);
    if (value === undefined) continue;
    const expireAt = db.getExpireExact(key);
    let ttl = 0n;
    if (expireAt !== -1) {
      ttl = BigInt(expireAt) - now;
      if (ttl < 0n) continue;
      if (ttl < 1n) ttl = 1n;
    }
    records.push({ key, ttl: String(ttl), payload: createDumpPayload(value, options) });
  }
  if (records.length === 0) return c.reply.simple('NOKEY');
  if (c.denyBlocking) throw new CommandError('ERR MIGRATE cannot wait for its target inside MULTI or a script');
  const server = c.server;
  const watched = watchMigratedKeys(db, records.map((r) => r.key));
  const started = performance.now();
  c.awaitingTarget = true;
  server.migrateSockets
    .transfer({
      host: argv[1],
      port: argv[2],
      dbid: String(dbid),
      timeout: Number(timeout > 2 ** 31 - 1 ? 2 ** 31 - 1 : timeout),
      replace,
      username,
      password,
      records,
    })
    .then(
      (outcome) => finishMigrate(c, db, copy, watched, outcome.acknowledged, outcome.error, started),
      (e: unknown) => finishMigrate(c, db, copy, watched, [], `ERR internal error while running 'migrate': ${String(e)}`, started),
    );
}

/**
 * The target answered (or failed): delete what it acknowledged (unless COPY), as Redis's loop over
 * the replies does, as a top-level command of its own propagated as one DEL; then the reply.
 */
function finishMigrate(c: Client, db: Keyspace, copy: boolean, watched: WatchEntry[], acknowledged: string[], error: string | null, started: number): void {
  const server = c.server;
  unwatchMigratedKeys(db, watched);
  const errorsBefore = server.stats.totalErrorReplies;
  server.holdTopLevelCall();
  try {
    if (!copy && acknowledged.length > 0) {
      const changed = new Set<string>();
      for (const entry of watched) if (entry.watcher.casDirty) changed.add(entry.key);
      const deleted: string[] = ['DEL'];
      for (const key of acknowledged) {
        if (changed.has(key) || !db.delete(key)) continue;
        keyWrittenIn(c, db, EVENT.generic, 'del', key);
        deleted.push(key);
      }
      if (deleted.length > 1 && server.propagation.active) server.propagation.also(db.id, deleted);
    }
  } finally {
    server.releaseTopLevelCall();
  }
  c.awaitingTarget = false;
  // A client that went away meanwhile gets nothing; the keys moved all the same.
  if (!server.clients.has(c.id)) return;
  if (error === null) c.reply.ok();
  else server.replyError(c, error);
  server.completeSuspendedCall(c, (performance.now() - started) * 1000, server.stats.totalErrorReplies !== errorsBefore, 'io');
  c.resumeHook?.();
}

// ---------------------------------------------------------------- command table

/** migrateGetKeys: the key argument, or with KEYS (and an empty key argument) the keys after it. */
function migrateKeys(argv: string[]): number[] {
  let first = 3;
  let num = 1;
  for (let i = 6; i < argv.length; i++) {
    if (isOption(argv[i], 'KEYS') && argv[3].length === 0) {
      first = i + 1;
      num = argv.length - first;
      break;
    }
  }
  return Array.from({ length: num }, (_, i) => first + i);
}

const RESTORE_HISTORY: Array<[string, string]> = [
  ['3.0.0', 'Added the `REPLACE` modifier.'],
  ['5.0.0', 'Added the `ABSTTL` modifier.'],
  ['5.0.0', 'Added the `IDLETIME` and `FREQ` options.'],
];

const RESTORE_ARGS = [
  arg.key('key', 0),
  arg.integer('ttl'),
  arg.string('serialized-value'),
  arg.token('REPLACE', { optional: true, since: '3.0.0' }),
  arg.token('ABSTTL', { optional: true, since: '5.0.0' }),
  arg.integer('seconds', { token: 'IDLETIME', optional: true, since: '5.0.0' }),
  arg.integer('frequency', { token: 'FREQ', optional: true, since: '5.0.0' }),
];

const RESTORE_COMPLEXITY =
  'O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).';

export const DUMP_COMMANDS: CommandSpec[] = [
  {
    name: 'dump',
    summary: "Serializes a key's value in Redis's RDB format, with the format version and a checksum.",
    since: '2.6.0',
    group: 'generic',
    complexity:
      'O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).',
    arity: 2,
    flags: ['readonly'],
    acl: ['keyspace'],
    tips: ['nondeterministic_output'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0)],
    handler: dumpCommand,
  },
  withDocs(
    {
      name: 'restore',
      summary: 'Creates a key from a value serialized by DUMP.',
      since: '2.6.0',
      group: 'generic',
      complexity: RESTORE_COMPLEXITY,
      arity: -4,
      flags: ['write', 'denyoom'],
      acl: ['keyspace', 'dangerous'],
      keys: firstKey(['OW', 'UPDATE']),
      handler: restoreCommand,
    },
    { history: RESTORE_HISTORY, args: RESTORE_ARGS },
  ),
  // What a cluster node sends a target node while migrating slots: RESTORE, accepted during an
  // import (asking); a standalone server runs it as RESTORE.
  withDocs(
    {
      name: 'restore-asking',
      summary: 'RESTORE as a cluster node sends it to the node it migrates keys to.',
      since: '3.0.0',
      group: 'server',
      complexity: RESTORE_COMPLEXITY,
      arity: -4,
      flags: ['write', 'denyoom', 'asking'],
      acl: ['keyspace', 'dangerous'],
      keys: firstKey(['OW', 'UPDATE']),
      handler: restoreCommand,
    },
    { history: RESTORE_HISTORY, args: RESTORE_ARGS, docFlags: ['syscmd'] },
  ),
  withDocs(
    {
      name: 'migrate',
      summary: 'Moves keys to another Redis server: DUMP here, RESTORE there, then DEL here.',
      since: '2.6.0',
      group: 'generic',
      complexity:
        'This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.',
      arity: -6,
      flags: ['write'],
      acl: ['keyspace', 'dangerous'],
      tips: ['nondeterministic_output'],
      keys: [
        keyAt(3, ['RW', 'ACCESS', 'DELETE']),
        { flags: ['RW', 'ACCESS', 'DELETE', 'INCOMPLETE'], begin: { keyword: 'KEYS', startfrom: -2 }, find: { range: { lastkey: -1, step: 1, limit: 0 } } },
      ],
      getKeys: migrateKeys,
      handler: migrateCommand,
    },
    {
      history: [
        ['3.0.0', 'Added the `COPY` and `REPLACE` options.'],
        ['3.0.6', 'Added the `KEYS` option.'],
        ['4.0.7', 'Added the `AUTH` option.'],
        ['6.0.0', 'Added the `AUTH2` option.'],
      ],
      args: [
        arg.string('host'),
        arg.integer('port'),
        arg.oneOf('key_or_empty_string', [arg.key('key', 0), arg.token('', { name: 'empty_string' })]),
        arg.integer('destination-db'),
        arg.integer('timeout'),
        arg.token('COPY', { optional: true, since: '3.0.0' }),
        arg.token('REPLACE', { optional: true, since: '3.0.0' }),
        arg.oneOf(
          'authentication',
          [
            arg.string('password', { token: 'AUTH', optional: true, since: '4.0.7' }),
            arg.block('username_password', [arg.string('username'), arg.string('password')], { token: 'AUTH2', optional: true, since: '6.0.0' }),
          ],
          { optional: true },
        ),
        arg.key('key', 1, { token: 'KEYS', optional: true, multiple: true, since: '3.0.6' }),
      ],
    },
  ),
];
