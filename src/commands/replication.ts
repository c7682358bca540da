import { arg, withDocs, type CommandSpec, type CommandArg } from '../server/command-spec.js';
import type { Client, ReplicaConf } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { parseInteger } from '../util/number.js';
import { clientInfoLine } from '../server/client-info.js';
import { intOrThrow } from './args.js';
import { replicaName } from '../server/replication/master.js';

/**
 * Replication's commands (replication.c): the master side's SYNC, PSYNC, REPLCONF and WAIT (the
 * work in src/server/replication/master.ts), the replica side's REPLICAOF / SLAVEOF (the link in
 * src/server/replication/replica.ts), and ROLE for both. These parse and check as Redis does.
 */

/** NET_HOST_STR_LEN: the longest address REPLCONF ip-address takes (with its NUL). */
const NET_HOST_STR_LEN = 256;

/** getLongLongFromObject: a whole integer, else null. */
function parseLongLong(s: string): number | null {
  const v = parseInteger(s);
  return v === null ? null : Number(v);
}

function confOf(c: Client): ReplicaConf {
  c.replconf ??= { listeningPort: 0, ip: null, capaEof: false, capaPsync2: false, rdbOnly: false, functionsOnly: false };
  return c.replconf;
}

/** SYNC, and PSYNC replicationid offset [FAILOVER]: syncCommand, in Redis's order of checks. */
function syncCommand(c: Client, argv: string[]): void {
  // A replica already attached asks again: ignored.
  if (c.replica !== null) return;
  const server = c.server;
  const psync = argv[0].toLowerCase() === 'psync';
  // PSYNC <our replid> <offset> FAILOVER: our master hands over (its FAILOVER): we become a master
  // and then serve the PSYNC as any (continuing its history, now our replid2).
  if (psync && argv.length > 3 && argv[3].toLowerCase() === 'failover') {
    server.log.warning(`Failover request received for replid ${argv[1]}.`);
    if (server.replication.masterHost === null) throw new CommandError("ERR PSYNC FAILOVER can't be sent to a master.");
    if (argv[1].toLowerCase() !== server.replication.replid) throw new CommandError('ERR PSYNC FAILOVER replid must match my replid.');
    server.replica.unsetMaster();
    server.log.notice(`MASTER MODE enabled (failover request from '${clientInfoLine(c, c, 0)}')`);
  }
  if (server.failover.state !== 'no-failover') throw new CommandError("NOMASTERLINK Can't SYNC while failing over");
  // A replica serves its own replicas only while it follows its master.
  if (server.replication.masterHost !== null && server.replica.state !== 'connected') {
    throw new CommandError("NOMASTERLINK Can't SYNC while not connected with my master");
  }
  // Replies already queued would land inside the transfer (clientHasPendingReplies).
  if (c.replyBufferBytes() + c.socketQueuedBytes() > 0) throw new CommandError('ERR SYNC and PSYNC are invalid with pending output');
  // The transfer needs a socket: an in-process handle has none.
  if (c.rawWrite === null) throw new CommandError('ERR SYNC and PSYNC need a network connection');
  const conf = c.replconf;
  if (conf !== null && conf.functionsOnly && !conf.capaEof) throw new CommandError('ERR Filtered replica requires EOF capability');
  const master = server.replicationMaster;
  if (!psync) {
    master.startSync(c, null);
    return;
  }
  const offset = parseLongLong(argv[2]);
  if (offset === null) {
    server.log.notice(`Replica ${replicaName(c)} asks for synchronization`);
    server.log.warning(`Replica ${replicaName(c)} asks for synchronization but with a wrong offset`);
    throw new CommandError(Errors.notInteger);
  }
  master.startSync(c, { replid: argv[1], offset });
}

function replconfCommand(c: Client, argv: string[]): void {
  if (argv.length % 2 === 0) throw new CommandError(Errors.syntax);
  const master = c.server.replicationMaster;
  for (let j = 1; j < argv.length; j += 2) {
    const opt = argv[j].toLowerCase();
    const value = argv[j + 1];
    switch (opt) {
      case 'listening-port': {
        const port = parseLongLong(value);
        if (port === null) throw new CommandError(Errors.notInteger);
        confOf(c).listeningPort = port;
        break;
      }
      case 'ip-address':
        if (value.length >= NET_HOST_STR_LEN) {
          throw new CommandError(`ERR REPLCONF ip-address provided by replica instance is too long: ${value.length} bytes`);
        }
        confOf(c).ip = value;
        break;
      case 'capa':
        // Capabilities this master does not know are ignored, so replicas can announce new ones.
        if (value.toLowerCase() === 'eof') confOf(c).capaEof = true;
        else if (value.toLowerCase() === 'psync2') confOf(c).capaPsync2 = true;
        break;
      case 'ack': {
        // A replica's ACK gets no reply; one from anyone else is ignored.
        if (c.replica === null) return;
        const offset = parseLongLong(value);
        if (offset === null) return;
        master.ack(c, offset);
        return;
      }
      case 'getack':
        // Answered by a replica to its master (the replica side); a master has nothing to say.
        return;
      case 'rdb-only': {
        const v = parseLongLong(value);
        if (v === null) throw new CommandError(Errors.notInteger);
        if (v < 0 || v > 1) throw new CommandError('ERR value is out of range, value must between 0 and 1');
        confOf(c).rdbOnly = v === 1;
        break;
      }
      case 'rdb-filter-only': {
        // A space-separated list of what the RDB keeps: "functions" (redis-cli --functions-rdb), or nothing.
        let functionsOnly = false;
        for (const word of value.split(' ')) {
          if (word === '') continue;
          if (word.toLowerCase() === 'functions') functionsOnly = true;
          else throw new CommandError(`ERR Unsupported rdb-filter-only option: ${word}`);
        }
        confOf(c).functionsOnly = functionsOnly;
        break;
      }
      default:
        throw new CommandError(`ERR Unrecognized REPLCONF option: ${argv[j]}`);
    }
  }
  c.reply.ok();
}

// WAIT numreplicas timeout
function waitCommand(c: Client, argv: string[]): void {
  const server = c.server;
  if (server.replication.masterHost !== null) {
    throw new CommandError(
      'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
    );
  }
  const numreplicas = parseLongLong(argv[1]);
  if (numreplicas === null) throw new CommandError(Errors.notInteger);
  const timeout = parseLongLong(argv[2]);
  if (timeout === null) throw new CommandError('ERR timeout is not an integer or out of range');
  if (timeout < 0) throw new CommandError('ERR timeout is negative');
  const master = server.replicationMaster;
  const acks = master.countAcks(c.woff);
  if (acks >= numreplicas || c.denyBlocking) {
    c.reply.int(acks);
    return;
  }
  master.waitFor(c, c.woff, numreplicas, timeout > 0 ? server.clock.now + timeout : 0);
}

// ---------------------------------------------------------------- replica side: REPLICAOF, SLAVEOF

// REPLICAOF host port | NO ONE
function replicaofCommand(c: Client, argv: string[]): void {
  const server = c.server;
  if (server.config.get('cluster-enabled') === 'yes') throw new CommandError('ERR REPLICAOF not allowed in cluster mode.');
  if (server.failover.state !== 'no-failover') throw new CommandError('ERR REPLICAOF not allowed while failing over.');
  const repl = server.replication;
  if (argv[1].toLowerCase() === 'no' && argv[2].toLowerCase() === 'one') {
    if (repl.masterHost !== null) {
      server.replica.unsetMaster();
      server.log.notice(`MASTER MODE enabled (user request from '${clientInfoLine(c, c, 0)}')`);
    }
    c.reply.ok();
    return;
  }
  const port = intOrThrow(argv[2], 'ERR Invalid master port');
  if (port < 0 || port > 65535) throw new CommandError('ERR Invalid master port');
  if (repl.masterHost !== null && repl.masterHost.toLowerCase() === argv[1].toLowerCase() && repl.masterPort === port) {
    server.log.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    c.reply.simple('OK Already connected to specified master');
    return;
  }
  server.replica.setMaster(argv[1], port);
  server.log.notice(`REPLICAOF ${argv[1]}:${port} enabled (user request from '${clientInfoLine(c, c, 0)}')`);
  c.reply.ok();
}

// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]
function failoverCommand(c: Client, argv: string[]): void {
  const server = c.server;
  if (server.config.get('cluster-enabled') === 'yes') throw new CommandError('ERR FAILOVER not allowed in cluster mode.');
  const failover = server.failover;
  if (argv.length === 2 && argv[1].toLowerCase() === 'abort') {
    if (failover.state === 'no-failover') throw new CommandError('ERR No failover in progress.');
    failover.abort('Failover manually aborted');
    c.reply.ok();
    return;
  }
  let timeout = 0;
  let force = false;
  let host: string | null = null;
  let port = 0;
  for (let j = 1; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'timeout' && j + 1 < argv.length && timeout === 0) {
      timeout = intOrThrow(argv[j + 1], Errors.notInteger);
      if (timeout <= 0) throw new CommandError('ERR FAILOVER timeout must be greater than 0');
      j++;
    } else if (opt === 'to' && j + 2 < argv.length && host === null) {
      port = intOrThrow(argv[j + 2], Errors.notInteger);
      host = argv[j + 1];
      j += 2;
    } else if (opt === 'force' && !force) {
      force = true;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  if (failover.state !== 'no-failover') throw new CommandError('ERR FAILOVER already in progress.');
  if (server.replication.masterHost !== null) throw new CommandError('ERR FAILOVER is not valid when server is a replica.');
  const master = server.replicationMaster;
  if (master.replicas.length === 0) throw new CommandError('ERR FAILOVER requires connected replicas.');
  if (force && (timeout === 0 || host === null)) {
    throw new CommandError('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
  }
  if (host !== null) {
    const link = master.findReplica(host, port);
    if (link === null) throw new CommandError('ERR FAILOVER target HOST and PORT is not a replica.');
    if (link.state !== 'online') throw new CommandError('ERR FAILOVER target replica is not online.');
  }
  failover.begin(host, port, timeout, force);
  c.reply.ok();
}

// ROLE
function roleCommand(c: Client): void {
  const server = c.server;
  const repl = server.replication;
  const r = c.reply;
  if (repl.masterHost === null) {
    const online = server.replicationMaster.replicas.filter((l) => l.state === 'online');
    r.arrayLen(3);
    r.bulk('master');
    r.int(repl.masterReplOffset);
    r.arrayLen(online.length);
    for (const link of online) {
      const conf = link.client.replconf;
      r.arrayLen(3);
      r.bulk(conf?.ip ?? hostOf(link.client.addr));
      r.bulk(String(conf?.listeningPort ?? 0));
      r.bulk(String(link.ackOffset));
    }
    return;
  }
  const replica = server.replica;
  r.arrayLen(5);
  r.bulk('slave');
  r.bulk(repl.masterHost);
  r.int(repl.masterPort);
  r.bulk(replica.state);
  r.int(replica.master !== null ? replica.reploff : -1);
}

function hostOf(addr: string): string {
  const colon = addr.lastIndexOf(':');
  return colon < 0 ? addr : addr.slice(0, colon);
}

const REPLICAOF_ARGS: CommandArg[] = [
  arg.oneOf('args', [
    arg.block('host-port', [arg.string('host'), arg.integer('port')]),
    arg.block('no-one', [arg.token('NO'), arg.token('ONE')]),
  ]),
];

export const REPLICATION_COMMANDS: CommandSpec[] = [
  {
    name: 'failover',
    summary: 'Start a coordinated failover between this server and one of its replicas.',
    since: '6.2.0',
    group: 'server',
    complexity: 'O(1)',
    arity: -1,
    flags: ['admin', 'noscript', 'stale'],
    args: [
      arg.block('target', [arg.string('host'), arg.integer('port'), arg.token('FORCE', { optional: true })], { token: 'TO', optional: true }),
      arg.token('ABORT', { optional: true }),
      arg.integer('milliseconds', { token: 'TIMEOUT', optional: true }),
    ],
    handler: failoverCommand,
  },
  {
    name: 'replicaof',
    summary: 'Makes this server a replica of another one, or promotes it to a master.',
    since: '5.0.0',
    group: 'server',
    complexity: 'O(1)',
    arity: 3,
    flags: ['admin', 'noscript', 'stale', 'no_async_loading'],
    args: REPLICAOF_ARGS,
    handler: replicaofCommand,
  },
  withDocs(
    {
      name: 'slaveof',
      summary: 'Makes this server a replica of another one, or promotes it to a master.',
      since: '1.0.0',
      group: 'server',
      complexity: 'O(1)',
      arity: 3,
      flags: ['admin', 'noscript', 'stale', 'no_async_loading'],
      handler: replicaofCommand,
    },
    { docFlags: ['deprecated'], deprecatedSince: '5.0.0', replacedBy: '`REPLICAOF`', args: REPLICAOF_ARGS },
  ),
  {
    name: 'sync',
    summary: 'Asks for a full copy of the dataset and then the stream of writes (replication, old protocol).',
    since: '1.0.0',
    group: 'server',
    arity: 1,
    flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
    handler: syncCommand,
  },
  {
    name: 'psync',
    summary: 'Asks to continue a replication stream from an offset, or for a full copy when it cannot.',
    since: '2.8.0',
    group: 'server',
    arity: -3,
    flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
    args: [arg.string('replicationid'), arg.integer('offset')],
    handler: syncCommand,
  },
  withDocs(
    {
      name: 'replconf',
      summary: 'Tells the master about a replica: its port, address, capabilities and acknowledged offset.',
      since: '3.0.0',
      group: 'server',
      complexity: 'O(1)',
      arity: -1,
      flags: ['admin', 'noscript', 'loading', 'stale', 'allow_busy'],
      handler: replconfCommand,
    },
    { docFlags: ['syscmd'] },
  ),
  {
    name: 'wait',
    summary: "Blocks until the replicas acknowledged the connection's writes, or the timeout passes.",
    since: '3.0.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: 3,
    flags: ['noscript'],
    acl: ['connection'],
    tips: ['request_policy:all_shards', 'response_policy:agg_min'],
    args: [arg.integer('numreplicas'), arg.integer('timeout')],
    handler: waitCommand,
  },
  {
    name: 'role',
    summary: 'Says whether the server is a master or a replica, with its replication offset and peers.',
    since: '2.8.12',
    group: 'server',
    complexity: 'O(1)',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast'],
    acl: ['admin', 'dangerous'],
    handler: roleCommand,
  },
];
