import { BUSY_EVAL, BUSY_FUNCTION } from '../server/script-runner.js';
import type { CommandSpec } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors, sanitizeErrorLine, subcommandSyntaxError } from '../protocol/errors.js';
import { RespWriter } from '../protocol/resp-writer.js';
import { parseInteger } from '../util/number.js';
import { genInfoString, memoryReport, memoryStats } from '../server/info.js';
import { KEY_SLOT_BYTES } from '../engine/memory.js';
import { purgeSlabs } from '../engine/slab.js';
import { writeHelp } from './introspection.js';
import { withDocs, type CommandDocExtras, arg } from '../server/command-spec.js';
import { objectEncodingOf, objectRefcount } from './generic.js';
import { RdbWriter, quicklistNodes, writeValue } from '../persistence/rdb/writer.js';
import { estimateObjectIdleTime } from '../engine/access.js';
import type { ListValue } from '../engine/types/list.js';
import { isString } from '../engine/values.js';

/**
 * Server commands: INFO TIME LASTSAVE SHUTDOWN DEBUG MEMORY (server.c, debug.c, object.c in
 * Redis 7.0).
 */

// ---------------------------------------------------------------- INFO TIME LASTSAVE

// INFO [section [section ...]]
function infoCommand(c: Client, argv: string[]): void {
  c.reply.verbatim(genInfoString(c.server, argv.slice(1)), 'txt');
}

// TIME
function timeCommand(c: Client): void {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  c.reply.arrayLen(2);
  c.reply.bulk(Math.floor(us / 1e6));
  c.reply.bulk(us % 1e6);
}

// LASTSAVE
function lastSaveCommand(c: Client): void {
  c.reply.int(c.server.lastSave);
}

// ---------------------------------------------------------------- SHUTDOWN

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
function shutdownCommand(c: Client, argv: string[]): void {
  let nosave = false;
  let save = false;
  let now = false;
  let force = false;
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const opt = argv[i].toLowerCase();
    if (opt === 'nosave') nosave = true;
    else if (opt === 'save') save = true;
    else if (opt === 'now') now = true;
    else if (opt === 'force') force = true;
    else if (opt === 'abort') abort = true;
    else throw new CommandError(Errors.syntax);
  }
  if ((abort && (nosave || save || now || force)) || (nosave && save)) throw new CommandError(Errors.syntax);
  const server = c.server;
  if (abort) {
    if (!server.shutdown.abort()) throw new CommandError('ERR No shutdown in progress.');
    c.reply.ok();
    return;
  }
  // Waiting for replicas blocks the client: one that cannot block may only shut down NOW.
  if (!now && c.denyBlocking) throw new CommandError("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
  // A busy script may have half-written the dataset: only SHUTDOWN NOSAVE may stop the server then.
  const busy = server.scripting.busyKind;
  if (busy !== null && !nosave) throw new CommandError(busy === 'eval' ? BUSY_EVAL : BUSY_FUNCTION);
  const error = server.shutdown.prepare({ save: save ? true : nosave ? false : null, now, force }, c);
  if (error !== null) throw new CommandError(error);
  // Shutting down (no reply, the connection closes) or blocked until the replicas caught up.
}

// ---------------------------------------------------------------- DEBUG

/** strtod's leading-number parse (DEBUG SLEEP): "0.5x" reads 0.5, junk reads 0. */
function strtodPrefix(s: string): number {
  const m = /^[\t\n\v\f\r ]*([+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf(?:inity)?|nan))/i.exec(s);
  if (m === null) return 0;
  const v = m[1].toLowerCase().replace(/^([+-]?)inf(inity)?$/, '$1Infinity');
  const n = Number(v);
  return Number.isNaN(n) ? 0 : n;
}

/** atoi: optional whitespace and sign, then digits; anything else reads 0. */
function atoi(s: string): number {
  const m = /^[\t\n\v\f\r ]*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  const n = Number(m[1]);
  return n > 2147483647 || n < -2147483648 ? Number(BigInt.asIntN(32, BigInt(m[1]))) : n;
}

/** Blocks the whole server for `ms` milliseconds, as DEBUG SLEEP does in Redis. */
function sleepSync(ms: number): void {
  // Redis converts to an integer count of microseconds: infinities and NaN end up not sleeping.
  if (!(ms > 0) || !Number.isFinite(ms)) return;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(cell, 0, 0, Math.min(ms, 2 ** 31 - 1));
}

/** getPositiveLongFromObjectOrReply with Redis's default message for both failures. */
function positiveLongOrThrow(s: string): number {
  const v = parseInteger(s);
  if (v === null || Number(v) < 0) throw new CommandError('ERR value is out of range, must be positive');
  return Number(v);
}

const DEBUG_HELP = [
  'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named key:<num>. If <prefix> is specified then',
  '    it is used instead of the \'key\' prefix. These are not propagated to',
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'CLIENT-EVICTION',
  '    Show low level client eviction pools info (maxmemory-clients).',
  'PAUSE-CRON <0|1>',
  '    Stop periodic cron job processing.',
  'HELP',
  '    Prints this help.',
];

const PROTOCOL_TYPES = 'string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false';

// DEBUG PROTOCOL type
function debugProtocol(c: Client, type: string): void {
  const r = c.reply;
  switch (type.toLowerCase()) {
    case 'string':
      r.bulk('Hello World');
      return;
    case 'integer':
      r.int(12345);
      return;
    case 'double':
      r.double(3.141);
      return;
    case 'bignum':
      r.bigNumber('1234567999999999999999999999999999999');
      return;
    case 'null':
      r.nullBulk();
      return;
    case 'array':
      r.arrayLen(3);
      for (let j = 0; j < 3; j++) r.int(j);
      return;
    case 'set':
      r.setLen(3);
      for (let j = 0; j < 3; j++) r.int(j);
      return;
    case 'map':
      r.mapLen(3);
      for (let j = 0; j < 3; j++) {
        r.int(j);
        r.bool(j === 1);
      }
      return;
    case 'attrib':
      // An attribute (RESP3 only) annotates the reply that follows it.
      if (r.resp === 3 && r instanceof RespWriter) r.raw('|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n');
      r.bulk('Some real reply following the attribute');
      return;
    case 'push':
      if (r.resp < 3) throw new CommandError('ERR RESP2 is not supported by this command');
      r.pushLen(2);
      r.bulk('server-cpu-usage');
      r.int(42);
      r.bulk('Some real reply following the push reply');
      return;
    case 'verbatim':
      r.verbatim('This is a verbatim\nstring', 'txt');
      return;
    case 'true':
      r.bool(true);
      return;
    case 'false':
      r.bool(false);
      return;
    default:
      throw new CommandError(`ERR Wrong protocol type name. Please use one of the following: ${PROTOCOL_TYPES}`);
  }
}

// DEBUG POPULATE count [prefix] [size]
function debugPopulate(c: Client, argv: string[]): void {
  const count = positiveLongOrThrow(argv[2]);
  const size = argv.length === 5 ? positiveLongOrThrow(argv[4]) : 0;
  // Redis formats the name into a 128-byte buffer: longer names are cut.
  const prefix = argv.length >= 4 ? argv[3] : 'key';
  const db = c.db;
  const guard = c.server.memoryGuard;
  for (let j = 0; j < count; j++) {
    // Stops where the heap would run out (Redis goes on; a full V8 heap would end the process).
    if ((j & 1023) === 1023 && guard.fullNow()) throw new CommandError(Errors.oom);
    const key = `${prefix}:${j}`.slice(0, 127);
    if (db.lookupWrite(key) !== undefined) continue;
    let value: string = `value:${j}`;
    if (size !== 0) value = value.length >= size ? value.slice(0, size) : value + '\0'.repeat(size - value.length);
    db.set(key, value);
  }
  c.reply.ok();
}

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save (unless NOSAVE), then load the file, replacing
// the dataset (unless NOFLUSH: added to it; MERGE: the file's keys win conflicts).
function debugReload(c: Client, argv: string[]): void {
  let flush = true;
  let save = true;
  let merge = false;
  for (let j = 2; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'merge') merge = true;
    else if (opt === 'noflush') flush = false;
    else if (opt === 'nosave') save = false;
    else throw new CommandError('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  const p = c.server.persistence;
  p.killBgsave();
  if (save && !p.save()) throw new CommandError('ERR');
  try {
    p.load(undefined, { flush, merge });
  } catch (e) {
    c.server.log.warning(`Error loading the RDB dump: ${(e as Error).message}`);
    throw new CommandError('ERR Error trying to load the RDB dump, check server logs.');
  }
  c.server.log.warning('DB reloaded by DEBUG RELOAD');
  c.reply.ok();
}

// DEBUG OBJECT key
// Redis's line, the address being made up (a value has none here): refcount, encoding, the
// value's RDB length (rdbSavedObjectLen), the access word and the idle time from it, and for a
// list the quicklist Redis would hold (nodes cut as the RDB writer cuts them).
function debugObject(c: Client, key: string): void {
  const db = c.db;
  // dictFind: a key past its TTL but not yet deleted is still shown.
  const slot = db.storedSlot(key);
  if (slot < 0) throw new CommandError('ERR no such key');
  const v = db.valueAt(slot);
  const cfg = c.server.config;
  const fill = cfg.listMaxListpackSize;
  const w = new RdbWriter();
  writeValue(w, v, { compression: cfg.get('rdbcompression') === 'yes', listFill: fill });
  const word = db.accessWord(key);
  let extra = '';
  if (!isString(v) && v.type === 'list') {
    const list = v as ListValue;
    const nodes = quicklistNodes(list, fill);
    let bytes = 0;
    for (const n of nodes) bytes += n.length;
    const compressed = Number(cfg.get('list-compress-depth')) !== 0 ? 1 : 0;
    extra =
      ` ql_nodes:${nodes.length} ql_avg_node:${(list.length / nodes.length).toFixed(2)}` +
      ` ql_listpack_max:${fill} ql_compressed:${compressed} ql_uncompressed_size:${bytes}`;
  }
  const address = '0x7f' + (0x1000_0000 + slot * 16).toString(16).padStart(10, '0');
  c.reply.simple(
    `Value at:${address} refcount:${objectRefcount(c, v)} encoding:${objectEncodingOf(v)} ` +
      `serializedlength:${w.length - 1} lru:${word} lru_seconds_idle:${Math.floor(estimateObjectIdleTime(word, Date.now()) / 1000)}${extra}`,
  );
}

// DEBUG subcommand [argument ...]
// (enable-debug-command is checked by the command path: DEBUG is flagged `protected`.)
function debugCommand(c: Client, argv: string[]): void {
  const sub = argv[1].toLowerCase();
  const argc = argv.length;
  if (sub === 'help' && argc === 2) {
    writeHelp(c.reply, DEBUG_HELP);
  } else if (sub === 'sleep' && argc === 3) {
    sleepSync(strtodPrefix(argv[2]) * 1000);
    c.reply.ok();
  } else if (sub === 'set-active-expire' && argc === 3) {
    c.server.activeExpireEnabled = atoi(argv[2]) !== 0;
    c.reply.ok();
  } else if (sub === 'client-eviction' && argc === 2) {
    const report = c.server.clientBuffers.evictionReport();
    if (report === null) throw new CommandError('ERR maxmemory-clients is disabled.');
    c.reply.verbatim(report, 'txt');
  } else if (sub === 'pause-cron' && argc === 3) {
    if (atoi(argv[2]) !== 0) c.server.stopCron();
    else c.server.startCron();
    c.reply.ok();
  } else if (sub === 'protocol' && argc === 3) {
    debugProtocol(c, argv[2]);
  } else if (sub === 'log' && argc === 3) {
    c.server.log.warning(`DEBUG LOG: ${argv[2]}`);
    c.reply.ok();
  } else if (sub === 'error' && argc === 3) {
    // Written as is (not counted as an error reply, as Redis writes raw protocol here).
    c.reply.error(sanitizeErrorLine(argv[2]));
  } else if (sub === 'object' && argc === 3) {
    debugObject(c, argv[2]);
  } else if (sub === 'populate' && argc >= 3 && argc <= 5) {
    debugPopulate(c, argv);
  } else if (sub === 'reload') {
    debugReload(c, argv);
  } else if (sub === 'change-repl-id' && argc === 2) {
    c.server.replication.changeReplid();
    c.server.log.warning('Changing replication IDs after receiving DEBUG change-repl-id');
    c.reply.ok();
  } else {
    throw new CommandError(subcommandSyntaxError(argv));
  }
}

// ---------------------------------------------------------------- MEMORY

// MEMORY USAGE key [SAMPLES count]
function memoryUsageCommand(c: Client, argv: string[]): void {
  let samples = 5;
  for (let j = 3; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'samples' && j + 1 < argv.length) {
      const n = parseInteger(argv[j + 1]);
      if (n === null) throw new CommandError(Errors.notInteger);
      if (Number(n) < 0) throw new CommandError(Errors.syntax);
      samples = Number(n) === 0 ? Number.MAX_SAFE_INTEGER : Number(n);
      j++;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  // The accounting's own figure for the key (every type keeps running counts, so SAMPLES, which
  // bounds Redis's sampling, changes nothing), plus its share of the keyspace's arrays.
  void samples;
  const key = argv[2];
  const db = c.db;
  if (db.peek(key) === undefined) {
    c.reply.nullBulk();
    return;
  }
  c.reply.int(db.sizeOf(key) + KEY_SLOT_BYTES);
}

/** Redis's getMemoryDoctorReport texts (object.c), for the states Cinder can detect. */
const DOCTOR_NO_ISSUE = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
const DOCTOR_EMPTY =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
const DOCTOR_ISSUES = 'Sam, I detected a few issues in this Redis instance memory implants:\n\n';
const DOCTOR_BIG_PEAK =
  ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n';
const DOCTOR_HIGH_FRAG =
  ' * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is "libc".\n\n';
const DOCTOR_BIG_CLIENT_BUF =
  ' * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n';
const DOCTOR_MANY_SCRIPTS =
  " * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of your memory.\n\n";
const DOCTOR_END = "I'm here to keep you safe, Sam. I want to help you.\n";

/**
 * getMemoryDoctorReport with Cinder's figures. "Empty" is judged on what the instance holds beyond
 * its startup baseline (Redis: total under 5 MB, its baseline being ~1 MB; ours is the process's
 * heap at startup, several MB), and fragmentation on the growth of RSS against the growth of
 * used_memory since startup, which is what fragments here (the process's own native memory is
 * not). Redis's allocator checks (external fragmentation, allocator RSS) and replica buffers have
 * no counterpart and are never reported.
 */
export function memoryDoctorReport(c: Client): string {
  const server = c.server;
  const mem = memoryReport(server);
  const reports: string[] = [];
  if (mem.used - mem.startup < 5 * 1024 * 1024) return DOCTOR_EMPTY;
  if (mem.peak / mem.used > 1.5) reports.push(DOCTOR_BIG_PEAK);
  const grownRss = mem.rss - server.memory.startupRss;
  const grownUsed = mem.used - mem.startup;
  if (grownRss / grownUsed > 1.4 && grownRss - grownUsed > 10 << 20) reports.push(DOCTOR_HIGH_FRAG);
  const clients = server.clients.size;
  if (clients > 0 && mem.clientsNormal / clients > 200 * 1024) reports.push(DOCTOR_BIG_CLIENT_BUF);
  if (server.scripting.scripts.size > 1000) reports.push(DOCTOR_MANY_SCRIPTS);
  if (reports.length === 0) return DOCTOR_NO_ISSUE;
  return DOCTOR_ISSUES + reports.join('') + DOCTOR_END;
}

// MEMORY DOCTOR
function memoryDoctorCommand(c: Client): void {
  c.reply.verbatim(memoryDoctorReport(c), 'txt');
}

// MEMORY STATS
function memoryStatsCommand(c: Client): void {
  const stats = memoryStats(c.server);
  const r = c.reply;
  r.mapLen(stats.length);
  for (const [name, value] of stats) {
    r.bulk(name);
    if (typeof value === 'number') {
      r.int(value);
    } else if ('double' in value) {
      r.double(value.double);
    } else {
      r.mapLen(value.length);
      for (const [k, v] of value) {
        r.bulk(k);
        r.int(v);
      }
    }
  }
}

// MEMORY MALLOC-STATS
function memoryMallocStatsCommand(c: Client): void {
  // What Redis answers when built without jemalloc (our INFO reports mem_allocator:libc): a bulk
  // string in both protocols (its jemalloc statistics are verbatim text).
  c.reply.bulk('Stats not supported for the current allocator');
}

// MEMORY PURGE
function memoryPurgeCommand(c: Client): void {
  // The slabs' reserve of empty pages goes back (src/engine/slab.ts), as jemalloc's dirty pages do.
  purgeSlabs();
  c.reply.ok();
}

const MEMORY_HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
  'HELP',
  '    Prints this help.',
];

// MEMORY HELP
function memoryHelpCommand(c: Client): void {
  writeHelp(c.reply, MEMORY_HELP);
}

// ---------------------------------------------------------------- specs

const ALL_SHARDS_SPECIAL = ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'];

export const SERVER_COMMANDS: CommandSpec[] = [
  withDocs(
    {
      name: 'info',
      summary: 'Reports server state and statistics, by section.',
      since: '1.0.0',
      group: 'server',
      complexity: 'O(1)',
      arity: -1,
      flags: ['loading', 'stale'],
      acl: ['dangerous'],
      tips: ALL_SHARDS_SPECIAL,
      args: [arg.string('section', { optional: true, multiple: true })],
      handler: infoCommand,
    },
    { history: [['7.0.0', 'Several sections may be requested at once.']] },
  ),
  {
    name: 'time',
    summary: "Returns the server's clock: seconds and microseconds.",
    since: '2.6.0',
    group: 'server',
    complexity: 'O(1)',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    tips: ['nondeterministic_output'],
    handler: timeCommand,
  },
  {
    name: 'lastsave',
    summary: 'Returns the Unix time of the last successful save.',
    since: '1.0.0',
    group: 'server',
    complexity: 'O(1)',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    acl: ['admin', 'dangerous'],
    tips: ['nondeterministic_output'],
    handler: lastSaveCommand,
  },
  withDocs(
    {
      name: 'shutdown',
      summary: 'Stops the server, saving first unless told otherwise.',
      since: '1.0.0',
      group: 'server',
      complexity:
        'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)',
      arity: -1,
      flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'],
      args: [
        arg.oneOf('nosave_save', [arg.token('NOSAVE'), arg.token('SAVE')], { optional: true }),
        arg.token('NOW', { since: '7.0.0', optional: true }),
        arg.token('FORCE', { since: '7.0.0', optional: true }),
        arg.token('ABORT', { since: '7.0.0', optional: true }),
      ],
      handler: shutdownCommand,
    },
    { history: [['7.0.0', 'NOW, FORCE and ABORT modifiers.']] },
  ),
  withDocs(
    {
      name: 'debug',
      summary: 'Testing and troubleshooting helpers.',
      since: '1.0.0',
      group: 'server',
      complexity: 'Depends on subcommand.',
      arity: -2,
      // protected: refused unless enable-debug-command allows it (the dispatcher's gate reads the flag).
      flags: ['admin', 'noscript', 'loading', 'stale', 'protected'],
      handler: debugCommand,
    },
    { docFlags: ['syscmd'] } satisfies CommandDocExtras,
  ),
  {
    name: 'memory',
    summary: 'Memory introspection.',
    since: '4.0.0',
    group: 'server',
    complexity: 'Depends on subcommand.',
    arity: -2,
    flags: [],
    subcommands: [
      {
        name: 'doctor',
        summary: 'Reports memory problems and advice.',
        since: '4.0.0',
        group: 'server',
        complexity: 'O(1)',
        arity: 2,
        flags: [],
        tips: ALL_SHARDS_SPECIAL,
        handler: memoryDoctorCommand,
      },
      {
        name: 'help',
        summary: 'Lists the MEMORY subcommands.',
        since: '4.0.0',
        group: 'server',
        complexity: 'O(1)',
        arity: 2,
        flags: ['loading', 'stale'],
        handler: memoryHelpCommand,
      },
      {
        name: 'malloc-stats',
        summary: "Reports the memory allocator's internal statistics.",
        since: '4.0.0',
        group: 'server',
        complexity: 'Depends on how much memory is allocated, could be slow',
        arity: 2,
        flags: [],
        tips: ALL_SHARDS_SPECIAL,
        handler: memoryMallocStatsCommand,
      },
      {
        name: 'purge',
        summary: 'Asks the allocator to release unused memory.',
        since: '4.0.0',
        group: 'server',
        complexity: 'Depends on how much memory is allocated, could be slow',
        arity: 2,
        flags: [],
        tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
        handler: memoryPurgeCommand,
      },
      {
        name: 'stats',
        summary: 'Reports memory usage figures.',
        since: '4.0.0',
        group: 'server',
        complexity: 'O(1)',
        arity: 2,
        flags: [],
        tips: ALL_SHARDS_SPECIAL,
        handler: memoryStatsCommand,
      },
      {
        name: 'usage',
        summary: 'Estimates the bytes a key and its value use.',
        since: '4.0.0',
        group: 'server',
        complexity: 'O(N) where N is the number of samples.',
        arity: -3,
        flags: ['readonly'],
        keys: [{ flags: ['RO'], begin: { index: 2 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } }],
        args: [arg.key('key', 0), arg.integer('count', { token: 'SAMPLES', optional: true })],
        handler: memoryUsageCommand,
      },
    ],
  },
];
