import type { TrackingState } from './tracking.js';
import type { Reply } from '../protocol/reply.js';
import type { Keyspace, WatchEntry } from '../engine/keyspace.js';
import type { Server } from './server.js';
import type { Command } from './command-table.js';
import type { BlockedState } from './blocking.js';
import type { MultiState } from './multi.js';
import type { ClientSubscriptions } from './pubsub.js';
import type { ReplicaLink } from './replication/master.js';
import type { User } from './acl/user.js';

/** What REPLCONF told the master about a replica (before or after its SYNC / PSYNC). */
export interface ReplicaConf {
  /** listening-port: the port the replica serves on (INFO slaveN port=, ROLE). */
  listeningPort: number;
  /** ip-address: the address it announces, else its connection's. */
  ip: string | null;
  /** capa eof (diskless transfers) and capa psync2 (+CONTINUE <replid>). */
  capaEof: boolean;
  capaPsync2: boolean;
  /** rdb-only 1: the RDB and nothing more (redis-cli --rdb). */
  rdbOnly: boolean;
  /** rdb-filter-only functions: an RDB of the function libraries alone (redis-cli --functions-rdb). */
  functionsOnly: boolean;
}

/**
 * A network connection, an embedded handle, the client a script's redis.call runs as, or the fake
 * client replaying the append-only file (no replies; obeyed as Redis obeys its AOF client), or the
 * client applying this replica's master's stream (src/server/replication/replica.ts: no replies,
 * obeyed past the read-only and stale gates, Redis's CLIENT_MASTER).
 */
export type ClientKind = 'normal' | 'embedded' | 'script' | 'aof' | 'master';

/**
 * Per-client session state, shared by network connections and embedded handles. It knows nothing
 * of sockets: the transport fills in addresses and `closeHook`.
 */
export class Client {
  readonly id: number;
  name: string | null = null;
  /** The selected database. */
  db: Keyspace;
  dbIndex = 0;
  /** Negotiated protocol (HELLO). Kept in sync with `reply.resp`. */
  get resp(): 2 | 3 {
    return this.reply.resp;
  }
  set resp(v: 2 | 3) {
    this.reply.resp = v;
  }
  readonly createdAt: number;
  lastInteraction: number;
  /** The last command looked up, run or refused (CLIENT LIST `cmd=`; null after an unknown one). */
  lastCommand: Command | null = null;
  /** The command call() is running for this client (Redis's realcmd; EXEC's queued ones in turn). */
  currentCommand: Command | null = null;
  /** The argv the running command propagates instead of its own (rewriteCommand), or null. */
  propagateArgv: string[] | null = null;
  /** PROPAGATE_FORCE_* / PREVENT_PROPAGATE_* of the running command (src/server/propagate.ts). */
  propagateFlags = 0;
  /** Time the suspended command (blocked, or its script on the worker) has run so far, in µs. */
  suspendedUsec = 0;
  /** The arguments of the suspended command (its slow log entry is written when it completes). */
  suspendedArgv: string[] | null = null;
  libName = '';
  /**
   * The ACL user the client runs as (src/server/acl): the default user until AUTH; null for the
   * clients Redis leaves unrestricted (our master's stream, the AOF, embedded handles).
   */
  user: User | null;
  /** AUTH (or HELLO AUTH) succeeded, or the default user was on and nopass when it connected. */
  authenticated: boolean;
  /** CLIENT LIST's user=: the user's name, `(superuser)` for an unrestricted client. */
  get userName(): string {
    return this.user === null ? '(superuser)' : this.user.name;
  }
  libVer = '';
  /** Remote and local address as "ip:port" (empty for embedded clients). */
  addr = '';
  laddr = '';
  fd = -1;
  /** Connected through the unix socket (CLIENT LIST flag U; a local client). */
  unixSocket = false;
  /** CLIENT REPLY OFF is in force (Redis's CLIENT_REPLY_OFF). */
  replyOff = false;
  /** CLIENT REPLY SKIP ran: the next command's replies are dropped (CLIENT_REPLY_SKIP_NEXT). */
  replySkipNext = false;
  /** CLIENT REPLY as one word: 'off' while OFF is in force, else 'skip' while a SKIP is pending. */
  get replyMode(): 'on' | 'off' | 'skip' {
    return this.replyOff ? 'off' : this.replySkipNext ? 'skip' : 'on';
  }
  /** 'on' clears OFF and a pending SKIP (RESET); 'off' / 'skip' set them. */
  set replyMode(mode: 'on' | 'off' | 'skip') {
    if (mode === 'on') this.replyOff = this.replySkipNext = false;
    else if (mode === 'off') this.replyOff = true;
    else this.replySkipNext = true;
  }
  /** Set while a SKIP applies to the command being run. */
  suppressReply = false;
  /**
   * Set by the transport: CLIENT REPLY or RESET changed the reply flags in the middle of a command
   * (replies written from now on are dropped or kept accordingly). `clearSkip`: CLIENT REPLY ON
   * also ends the SKIP of the command being run.
   */
  replyModeHook: ((clearSkip: boolean) => void) | null = null;
  noEvict = false;
  /** CLIENT TRACKING's settings; null while tracking is off (src/server/tracking.ts). */
  tracking: TrackingState | null = null;
  /** Invalidations this client's running command caused for itself: sent after its reply (null: a flush). */
  pendingInvalidations: Array<string | null> | null = null;
  /** Commands queued since MULTI; null outside a transaction. */
  multi: MultiState | null = null;
  /** Keys this client WATCHes, with their database. */
  watched: Array<{ db: Keyspace; entry: WatchEntry }> = [];
  /** A watched key changed since WATCH: EXEC will fail (CLIENT_DIRTY_CAS). */
  casDirty = false;
  /** What the client waits for while a blocking command (BLPOP, ...) holds it; null otherwise. */
  blocked: BlockedState | null = null;
  /**
   * Blocking commands answer at once as their non-blocking forms (inside MULTI, scripts, or a
   * synchronous embedded call), as Redis's CLIENT_DENY_BLOCKING.
   */
  denyBlocking = false;
  /** Running EXEC's queued commands (Redis's server.in_exec for this client). */
  inExec = false;
  /**
   * The client's script outlived busy-reply-threshold and runs on the long-script worker: like a
   * blocked client, its reply and pipelined commands wait (src/scripting/long-script.ts).
   */
  heldByScript = false;
  /**
   * MIGRATE waits for its target's replies (src/server/migrate.ts): like a blocked client, its
   * reply and pipelined commands wait until the command completes.
   */
  awaitingTarget = false;
  /**
   * The command CLIENT PAUSE holds back (Redis's BLOCKED_POSTPONE): not run, not answered, and the
   * client's pipelined input waits behind it. Null while nothing is held (src/server/pause.ts).
   */
  postponedArgv: string[] | null = null;
  /**
   * A held command the pause's end released: the transport runs it (through the command path
   * again, so it may be held anew) before any further input, then resumes the client.
   */
  releasedArgv: string[] | null = null;
  /**
   * A MONITOR client (Redis flags it CLIENT_SLAVE|CLIENT_MONITOR): it receives every command run,
   * may not touch the keyspace, and is never paused (src/server/monitor.ts).
   */
  monitor = false;
  /**
   * Set by the transport when MONITOR lines must bypass the reply sink (an embedded handle takes
   * each call's reply as its result); null: lines are written to `reply` like any reply.
   */
  monitorSink: ((line: string) => void) | null = null;
  /**
   * Arguments of `argv` the running command hid (redactClientCommandArgument: HELLO's AUTH): MONITOR
   * and SLOWLOG show `(redacted)` in their place. Only meaningful while `redacted.argv` is the argv
   * being reported.
   */
  redacted: { argv: readonly string[]; indexes: number[] } | null = null;
  /** Set by the transport: send the reply of a client just unblocked and run its pipelined commands. */
  resumeHook: (() => void) | null = null;
  /** Channels, patterns and shard channels subscribed to; null while none (not in pub/sub mode). */
  pubsub: ClientSubscriptions | null = null;
  /**
   * Set by the transport: writes out replies added outside the client's own commands (pub/sub
   * messages published by other clients).
   */
  flushHook: (() => void) | null = null;
  /**
   * Set by the transport while the client's own replies are being discarded (CLIENT REPLY OFF or
   * SKIP): pub/sub frames go here instead of `reply`, since Redis 7.0 sends them regardless.
   */
  pushSink: Reply | null = null;
  /** REPLCONF's settings, once the client sent one. */
  replconf: ReplicaConf | null = null;
  /** Set once SYNC / PSYNC made the client a replica (Redis's CLIENT_SLAVE): its link. */
  replica: ReplicaLink | null = null;
  /** What a WAIT blocked on: the offset and how many replicas must acknowledge it. */
  replicaWait: { offset: number; numreplicas: number } | null = null;
  /** The replication offset after the client's last command that propagated (Redis's woff; WAIT). */
  woff = 0;
  /**
   * Set by the transport: bytes straight to the socket, outside the replies (a replica's RDB and
   * stream). Returns false when the socket holds more than its high-water mark (wait for drainHook).
   */
  rawWrite: ((chunk: Buffer) => boolean) | null = null;
  /** Set by QUIT or a protocol error: close once pending replies are written. */
  closeAfterReply = false;
  /**
   * Marked to be closed on the next turn of the event loop, its pending output dropped (Redis's
   * CLIENT_CLOSE_ASAP: an output buffer limit reached): it gets no more replies and its input
   * is no longer read (src/server/client-buffers.ts).
   */
  closeAsap = false;
  /** When the output first passed the soft limit of its class (unix seconds), or 0 while under it. */
  obufSoftLimitReachedTime = 0;
  /** tot-mem as last computed, counted in mem_clients_normal (src/server/client-buffers.ts). */
  lastMemoryUsage = 0;
  /** Whether lastMemoryUsage counts in mem_clients_slaves (the client was a replica then). */
  lastMemoryReplica = false;
  /** The client-eviction bucket the client is in (null: not evictable, or eviction is off). */
  memoryBucket: Set<Client> | null = null;
  /** Closes the transport once what was written to it is sent (an rdb-only replica's end); set by the transport. */
  endHook: (() => void) | null = null;
  /** Closes the underlying transport now (CLIENT KILL, SHUTDOWN); set by the transport. */
  closeHook: (() => void) | null = null;
  /** Set by the transport: an idle client gives back the buffers it grew (the clients cron). */
  trimBuffersHook: (() => void) | null = null;
  // Buffer sizes, reported by the transport (0 for a client without one).
  /** Output not yet taken by the kernel: the reply buffer's plus the socket's (the output limits compare it). */
  outputBytes: () => number = () => 0;
  /** Replies encoded but not handed to the socket yet (CLIENT LIST obl). */
  replyBufferBytes: () => number = () => 0;
  /** Output handed to the socket, not yet taken by the kernel (CLIENT LIST omem). */
  socketQueuedBytes: () => number = () => 0;
  /** The reply buffer's capacity (CLIENT LIST rbs). */
  replyBufferSize: () => number = () => 0;
  /** Buffered but unparsed input in bytes (CLIENT LIST qbuf). */
  queryBufferBytes: () => number = () => 0;
  /** What the query buffer holds in memory (qbuf + qbuf-free). */
  queryBufferAllocated: () => number = () => 0;
  /** Bytes of the arguments of a request still being received (part of argv-mem). */
  partialArgvBytes: () => number = () => 0;

  constructor(
    readonly server: Server,
    readonly reply: Reply,
    readonly kind: ClientKind,
  ) {
    this.id = server.nextClientId++;
    this.db = server.dbs[0];
    this.createdAt = server.clock.now;
    this.lastInteraction = this.createdAt;
    // Network and script clients are the default user until AUTH (a script's calls are checked
    // against its caller's user); the others are trusted.
    const restricted = kind === 'normal' || kind === 'script';
    this.user = restricted ? server.acl.defaultUser : null;
    this.authenticated = !restricted || server.acl.openByDefault;
  }

  /**
   * Redis's islocalClient: a unix socket client, a TCP one from 127.0.0.1 or ::1 exactly (not the
   * rest of 127/8, as protected mode), or one in this process.
   */
  get isLocal(): boolean {
    if (this.kind !== 'normal' || this.unixSocket) return true;
    const colon = this.addr.lastIndexOf(':');
    const host = colon < 0 ? this.addr : this.addr.slice(0, colon);
    return host === '127.0.0.1' || host === '::1' || host.startsWith('/');
  }

  /** Hides argument `index` of `argv`, the command being run, from MONITOR and SLOWLOG. */
  redactArgument(argv: readonly string[], index: number): void {
    if (this.redacted === null || this.redacted.argv !== argv) this.redacted = { argv, indexes: [index] };
    else this.redacted.indexes.push(index);
  }

  selectDb(index: number): void {
    this.db = this.server.dbs[index];
    this.dbIndex = index;
  }
}
