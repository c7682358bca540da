import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Client } from '../client.js';
import type { Server } from '../server.js';
import { AofBuffer } from '../../persistence/aof/commands.js';
import { RespWriter } from '../../protocol/resp-writer.js';
import { PROPAGATE_REPL, type PropagationTarget } from '../propagate.js';
import { PAUSE_OFF } from '../pause.js';
import { ReplBacklog } from './backlog.js';
import { clientInfoLine } from '../client-info.js';

/**
 * The master side of replication (Redis 7.0's replication.c, master half): replicas attached by
 * SYNC / PSYNC, their full sync from a copy-on-write snapshot (disk-based or diskless), the
 * replication backlog and partial resyncs, the stream fed to online replicas, the replication cron
 * (PINGs, timeouts, the backlog's TTL, the diskless delay), WAIT and min-replicas-to-write.
 *
 * The stream's bytes all pass through `server.replication.feed` (src/server/replication/state.ts),
 * which advances master_repl_offset: the propagation target here encodes this server's own effects
 * (while it is a master), a replica's link feeds its master's bytes. The one sink registered here
 * puts those bytes in the backlog and in each replica's output.
 */

/** A replica's place in the sync (INFO slaveN's state=). */
export type ReplicaState = 'wait_bgsave_start' | 'wait_bgsave_end' | 'send_bulk' | 'online' | 'rdb_transmitted';

/** Bytes a replica's socket may hold unsent before a diskless transfer waits for it to drain. */
const DISKLESS_HOLD_BYTES = 16 * 1024 * 1024;
/** How much of the RDB file a disk-based transfer reads at a time (PROTO_IOBUF_LEN * 16 in Redis is 256 KB). */
const BULK_CHUNK = 256 * 1024;
/** RDB_EOF_MARK_SIZE: the random mark ending a diskless transfer. */
const EOF_MARK_SIZE = 40;

/** One attached replica (a client after SYNC or PSYNC: Redis's CLIENT_SLAVE fields). */
export class ReplicaLink {
  state: ReplicaState = 'wait_bgsave_start';
  /** replconf capa eof / psync2. */
  capaEof = false;
  capaPsync2 = false;
  /** SYNC rather than PSYNC (CLIENT_PRE_PSYNC): no +FULLRESYNC line, never timed out. */
  prePsync = false;
  /** REPLCONF rdb-only 1: the RDB, then the link is closed (redis-cli --rdb). */
  rdbOnly = false;
  /** REPLCONF rdb-filter-only functions: its RDB holds the function libraries only. */
  functionsOnly = false;
  /** The offset its RDB corresponds to (psync_initial_offset). */
  initialOffset = 0;
  /** REPLCONF ACK: the last offset it confirmed, and when (ms). */
  ackOffset = 0;
  ackTime = 0;
  /** Diskless: the stream starts when it sends its first ACK (it may still be loading). */
  startStreamOnAck = false;
  /** The stream since its snapshot began, held until its RDB is sent. */
  pending: Buffer[] = [];
  pendingBytes = 0;
  /** Stream bytes for the socket, written once per event-loop turn. */
  readonly out = new RespWriter();
  flushScheduled = false;
  /** Last time a diskless transfer could write to it (repl_last_partial_write), ms. */
  lastPartialWrite = 0;
  /** Waiting for its socket to drain (a diskless walk or a disk-based transfer). */
  drainWaiters: Array<() => void> = [];

  constructor(readonly client: Client) {}

  /** CLIENT LIST / INFO name: ip:listening-port (Redis's replicationGetSlaveName). */
  name(): string {
    return replicaName(this.client);
  }
}

/** replicationGetSlaveName: ip:listening-port of a replica (or a client asking to be one). */
export function replicaName(c: Client): string {
  const ip = c.replconf?.ip ?? hostOf(c.addr);
  return (c.replconf?.listeningPort ?? 0) > 0 ? `${ip}:${c.replconf!.listeningPort}` : `${ip}:<unknown-replica-port>`;
}

/** What a full sync in progress sends and to whom. */
interface FullSync {
  diskless: boolean;
  /** Replicas receiving this snapshot. */
  links: Set<ReplicaLink>;
  /** Diskless: the EOF mark. */
  eofMark: string;
}

/** The hooks a BGSAVE started for replication calls (src/server/persistence.ts). */
export interface ReplicationSave {
  /** Diskless: where the RDB's bytes go instead of a file; null writes the RDB file. */
  sink: ((chunk: Buffer) => void) | null;
  /** The RDB holds the function libraries only (rdb-filter-only functions). */
  withoutData: boolean;
  /** Diskless: true when the walk must wait (a replica's socket is full); `resume` continues it. */
  hold(resume: () => void): boolean;
  /** The walk ended: the file is complete (or the bytes all sent), or it failed / was killed. */
  done(ok: boolean): void;
}

export class ReplicationMaster {
  /** Attached replicas in the order they attached (server.slaves), every state. */
  readonly replicas: ReplicaLink[] = [];
  backlog: ReplBacklog | null = null;
  /** The database the stream last selected (server.slaveseldb); -1 forces a SELECT. */
  selectedDb = -1;
  /** Unix seconds since when no replica is attached (repl_no_slaves_since). */
  noReplicasSince = Math.floor(Date.now() / 1000);
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  /** total_net_repl_output_bytes. */
  netReplOutputBytes = 0;
  /** Online replicas within min-replicas-max-lag (repl_good_slaves_count). */
  goodReplicas = 0;
  /** min-replicas-to-write / min-replicas-max-lag, kept current by config listeners. */
  private minReplicasToWrite = 0;
  private minReplicasMaxLag = 0;
  /** WAIT asked for acks: REPLCONF GETACK goes out at the end of this turn. */
  private getAckScheduled = false;
  /** A GETACK is owed (held back while clients are paused). */
  private ackWanted = false;
  /** Clients blocked in WAIT, in the order they blocked. */
  private readonly waiting = new Set<Client>();
  private fullSync: FullSync | null = null;
  private cronLoops = 0;
  /** A disk-based sync wrote the RDB file (Redis's RDBGeneratedByReplication): rdb-del-sync-files may remove it. */
  private rdbGeneratedByReplication = false;
  private lastCronSecond = 0;
  private readonly scratch = new AofBuffer(4096);
  private readonly target: PropagationTarget;
  private targetAdded = false;

  constructor(private readonly server: Server) {
    const master = this;
    this.target = {
      kinds: PROPAGATE_REPL,
      feed(dbid: number, argv: readonly string[]): void {
        master.feedCommand(dbid, argv);
      },
    };
    server.replication.setSink((bytes) => this.streamBytes(bytes));
    server.config.onChange('repl-backlog-size', () => this.backlog?.resize(this.backlogSize()));
    const minReplicas = (): void => {
      this.minReplicasToWrite = this.configInt('min-replicas-to-write');
      this.minReplicasMaxLag = this.configInt('min-replicas-max-lag');
      this.refreshGoodReplicas();
    };
    minReplicas();
    server.config.onChange('min-replicas-to-write', minReplicas);
    server.config.onChange('min-replicas-max-lag', minReplicas);
  }

  private backlogSize(): number {
    return Number(this.server.config.get('repl-backlog-size'));
  }

  private configInt(name: string): number {
    return Number(this.server.config.get(name));
  }

  // ------------------------------------------------------------------ the stream

  /**
   * replicationFeedSlaves: one effect of this server's own commands, encoded as a replica receives
   * it (a SELECT first when the database changes). A replica proxies its master's stream instead.
   */
  private feedCommand(dbid: number, argv: readonly string[]): void {
    const repl = this.server.replication;
    if (repl.masterHost !== null) return;
    if (this.backlog === null && this.replicas.length === 0) return;
    const buf = this.scratch;
    buf.length = 0;
    if (dbid >= 0 && dbid !== this.selectedDb) {
      buf.command(['SELECT', String(dbid)]);
      this.selectedDb = dbid;
    }
    buf.command(argv);
    repl.feed(buf.view());
    if (buf.buf.length > 1 << 20) buf.reset();
  }

  /** The sink of the stream: the backlog, then every replica as its state allows. */
  private streamBytes(bytes: Buffer): void {
    this.backlog?.add(bytes);
    const replicas = this.replicas;
    for (let i = 0; i < replicas.length; i++) {
      const link = replicas[i];
      if (link.rdbOnly) continue;
      const state = link.state;
      // Not attached to a snapshot yet: its RDB will include these writes.
      if (state === 'wait_bgsave_start') continue;
      if (state === 'online' && !link.startStreamOnAck) {
        link.out.rawBytes(bytes, 0, bytes.length);
        this.scheduleFlush(link);
      } else {
        // Receiving its RDB, or loading it after a diskless transfer: held until it can follow.
        link.pending.push(Buffer.from(bytes));
        link.pendingBytes += bytes.length;
      }
    }
  }

  private scheduleFlush(link: ReplicaLink): void {
    if (link.flushScheduled) return;
    link.flushScheduled = true;
    setImmediate(() => this.flushLink(link));
  }

  /** Writes a replica's pending stream with one write, then checks its output buffer limit. */
  private flushLink(link: ReplicaLink): void {
    link.flushScheduled = false;
    const c = link.client;
    if (c.closeAsap || link.out.length === 0 || c.rawWrite === null) return;
    this.netReplOutputBytes += link.out.length;
    const write = c.rawWrite;
    link.out.flush((chunk) => write(chunk) && c.socketQueuedBytes() === 0);
    this.server.clientBuffers.closeOnOutputLimit(c, true);
  }

  /** Raw bytes to a replica's socket, counted as replication output. */
  private send(link: ReplicaLink, bytes: Buffer | string): boolean {
    const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    this.netReplOutputBytes += buf.length;
    return link.client.rawWrite!(buf);
  }

  /** Adds the target to propagation while a backlog or replicas need the stream. */
  private updateTarget(): void {
    const need = this.backlog !== null || this.replicas.length > 0;
    if (need && !this.targetAdded) {
      this.server.propagation.addTarget(this.target);
      this.targetAdded = true;
    } else if (!need && this.targetAdded) {
      this.server.propagation.removeTarget(this.target);
      this.targetAdded = false;
    }
  }

  // ------------------------------------------------------------------ SYNC / PSYNC

  /**
   * syncCommand: SYNC, or PSYNC <replid> <offset>. A partial resync continues from the backlog;
   * otherwise the client becomes a replica waiting for a full sync, which starts at once (disk,
   * or diskless without delay) or from the cron.
   */
  startSync(c: Client, psync: { replid: string; offset: number } | null): void {
    const server = this.server;
    const log = server.log;
    const link = new ReplicaLink(c);
    const conf = c.replconf;
    link.capaEof = conf?.capaEof ?? false;
    link.capaPsync2 = conf?.capaPsync2 ?? false;
    link.rdbOnly = conf?.rdbOnly ?? false;
    link.functionsOnly = conf?.functionsOnly ?? false;
    log.notice(`Replica ${link.name()} asks for synchronization`);
    if (psync !== null) {
      if (this.tryPartialResync(link, psync.replid, psync.offset)) {
        this.syncPartialOk++;
        return;
      }
      if (psync.replid[0] !== '?') this.syncPartialErr++;
    } else {
      link.prePsync = true;
    }
    this.syncFull++;
    this.attach(link);
    if (this.replicas.length === 1 && this.backlog === null) {
      // A backlog from scratch: a new history, no valid past one.
      const repl = server.replication;
      repl.changeReplid();
      repl.clearReplid2();
      this.createBacklog();
      log.notice(`Replication backlog created, my new replication IDs are '${repl.replid}' and '${repl.replid2}'`);
    }
    const running = this.fullSync;
    if (running !== null && !running.diskless) {
      // A disk-based BGSAVE for replicas is running: this one can share it when another replica
      // records the stream since it started.
      let donor: ReplicaLink | null = null;
      for (const other of running.links) {
        if (other.state === 'wait_bgsave_end' && other.rdbOnly === link.rdbOnly && other.functionsOnly === link.functionsOnly) donor = other;
      }
      if (donor !== null && (link.capaEof || !donor.capaEof) && (link.capaPsync2 || !donor.capaPsync2)) {
        if (!link.rdbOnly) {
          link.pending = donor.pending.map((b) => Buffer.from(b));
          link.pendingBytes = donor.pendingBytes;
        }
        this.setupFullResync(link, donor.initialOffset);
        running.links.add(link);
        log.notice('Waiting for end of BGSAVE for SYNC');
      } else {
        log.notice("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
      }
    } else if (running !== null) {
      log.notice('Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC');
    } else if (this.disklessSync() && link.capaEof && this.configInt('repl-diskless-sync-delay') > 0) {
      log.notice('Delay next BGSAVE for diskless SYNC');
    } else if (!this.snapshotBusy()) {
      this.startSnapshot();
    } else {
      log.notice('No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed');
    }
  }

  private disklessSync(): boolean {
    return this.server.config.get('repl-diskless-sync') === 'yes';
  }

  /** A snapshot already walks the keyspace (BGSAVE, AOF rewrite): Redis's hasActiveChildProcess. */
  private snapshotBusy(): boolean {
    return this.server.persistence.bgsaveInProgress || this.server.aof.rewriteInProgress;
  }

  private attach(link: ReplicaLink): void {
    const c = link.client;
    c.replica = link;
    // The output buffer limit counts the stream held for it during its sync too.
    const socketOutput = c.outputBytes;
    c.outputBytes = () => socketOutput() + link.pendingBytes + link.out.length;
    link.ackTime = Date.now();
    this.replicas.push(link);
    this.updateTarget();
  }

  /** The client is gone, or is dropped: it leaves the replicas (freeClient's replica part). */
  detach(c: Client): void {
    const link = c.replica;
    if (link === null) return;
    c.replica = null;
    const i = this.replicas.indexOf(link);
    if (i >= 0) this.replicas.splice(i, 1);
    link.pending = [];
    link.pendingBytes = 0;
    for (const w of link.drainWaiters.splice(0)) w();
    const sync = this.fullSync;
    if (sync !== null && sync.links.delete(link) && sync.diskless && sync.links.size === 0) {
      // Nobody left to receive the diskless transfer: stop it (Redis kills the child).
      this.server.log.warning('Diskless rdb transfer, last replica dropped, killing fork child.');
      this.server.persistence.killBgsave();
    }
    if (link.state === 'online' || link.state === 'send_bulk') this.server.log.notice(`Connection with replica ${link.name()} lost.`);
    if (this.replicas.length === 0) this.noReplicasSince = Math.floor(Date.now() / 1000);
    this.refreshGoodReplicas();
    this.updateTarget();
  }

  /** masterTryPartialResynchronization: +CONTINUE and the backlog's bytes, when it covers `offset`. */
  private tryPartialResync(link: ReplicaLink, replid: string, offset: number): boolean {
    const server = this.server;
    const repl = server.replication;
    const log = server.log;
    const sameId = replid.toLowerCase() === repl.replid;
    if (!sameId && (replid.toLowerCase() !== repl.replid2 || offset > repl.secondReplidOffset)) {
      if (replid[0] !== '?') {
        if (replid.toLowerCase() !== repl.replid && replid.toLowerCase() !== repl.replid2) {
          log.notice(`Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${repl.replid}' and '${repl.replid2}')`);
        } else {
          log.notice(`Partial resynchronization not accepted: Requested offset for second ID was ${offset}, but I can reply up to ${repl.secondReplidOffset}`);
        }
      } else {
        log.notice(`Full resync requested by replica ${link.name()}`);
      }
      return false;
    }
    const backlog = this.backlog;
    if (backlog === null || !backlog.covers(offset)) {
      log.notice(`Unable to partial resync with replica ${link.name()} for lack of backlog (Replica request was: ${offset}).`);
      if (offset > repl.masterReplOffset) {
        log.warning(`Warning: replica ${link.name()} tried to PSYNC with an offset that is greater than the master replication offset.`);
      }
      return false;
    }
    this.attach(link);
    link.state = 'online';
    const line = link.capaPsync2 ? `+CONTINUE ${repl.replid}\r\n` : '+CONTINUE\r\n';
    this.send(link, line);
    let sent = 0;
    for (const part of backlog.from(offset)) {
      link.out.rawBytes(part, 0, part.length);
      sent += part.length;
    }
    this.scheduleFlush(link);
    log.notice(`Partial resynchronization request from ${link.name()} accepted. Sending ${sent} bytes of backlog starting from offset ${offset}.`);
    this.refreshGoodReplicas();
    return true;
  }

  /**
   * replicationAttachToNewMaster: our own master gives us a new history (a full sync from it
   * starts). Our replicas must sync again, and the backlog starts over with the new history.
   */
  newHistory(): void {
    this.disconnectReplicas();
    this.backlog = null;
    this.selectedDb = -1;
    this.updateTarget();
  }

  /** disconnectSlaves: every replica goes (their history changed under them). */
  disconnectReplicas(): void {
    for (const link of this.replicas.slice()) link.client.closeHook?.();
  }

  /**
   * A replica following its master keeps a backlog of that stream (created after its full sync,
   * as Redis's readSyncBulkPayload does): for its own replicas' PSYNCs, and for the replicas of
   * its master to continue from it once it is promoted.
   */
  ensureBacklog(): void {
    if (this.backlog === null) this.createBacklog();
  }

  /** The stream's selected database is unknown (a promoted replica): the next effect selects its own. */
  forgetSelectedDb(): void {
    this.selectedDb = -1;
  }

  private createBacklog(): void {
    this.backlog = new ReplBacklog(this.backlogSize(), this.server.replication.masterReplOffset);
    this.updateTarget();
  }

  /** replicationSetupSlaveForFullResync: the replica's RDB is the one starting at `offset`. */
  private setupFullResync(link: ReplicaLink, offset: number): void {
    link.initialOffset = offset;
    link.state = 'wait_bgsave_end';
    // The stream after the RDB starts with a SELECT.
    this.selectedDb = -1;
    if (!link.prePsync) this.send(link, `+FULLRESYNC ${this.server.replication.replid} ${offset}\r\n`);
  }

  /**
   * startBgsaveForReplication: a snapshot for every replica waiting for one. Diskless when
   * configured and every one of them takes the EOF-marked transfer; the file otherwise.
   */
  private startSnapshot(): void {
    const server = this.server;
    const first = this.replicas.find((l) => l.state === 'wait_bgsave_start');
    if (first === undefined) return;
    // One snapshot serves the replicas asking for the same contents (Redis's slave_req).
    const functionsOnly = first.functionsOnly;
    const waiting = this.replicas.filter((l) => l.state === 'wait_bgsave_start' && l.functionsOnly === functionsOnly);
    // A filtered RDB always goes over the socket, never over the RDB file.
    const diskless = (this.disklessSync() || functionsOnly) && waiting.every((l) => l.capaEof);
    server.log.notice(`Starting BGSAVE for SYNC with target: ${diskless ? 'replicas sockets' : 'disk'}`);
    const sync: FullSync = { diskless, links: new Set(waiting), eofMark: diskless ? randomBytes(EOF_MARK_SIZE / 2).toString('hex') : '' };
    this.fullSync = sync;
    const offset = server.replication.masterReplOffset;
    const hooks: ReplicationSave = {
      sink: diskless ? (chunk) => this.disklessChunk(sync, chunk) : null,
      withoutData: functionsOnly,
      hold: (resume) => this.holdDiskless(sync, resume),
      done: (ok) => this.snapshotDone(sync, ok),
    };
    // The replicas are set up before the walk's first bytes: the +FULLRESYNC line precedes them.
    const error = server.persistence.bgsave(hooks, () => {
      for (const link of waiting) this.setupFullResync(link, offset);
      if (diskless) for (const link of waiting) this.send(link, `$EOF:${sync.eofMark}\r\n`);
    });
    if (error === null && !diskless) this.rdbGeneratedByReplication = true;
    if (error !== null) {
      this.fullSync = null;
      for (const link of waiting) {
        link.client.replica = null;
        const i = this.replicas.indexOf(link);
        if (i >= 0) this.replicas.splice(i, 1);
        this.send(link, '-ERR BGSAVE failed, replication can\'t continue\r\n');
        link.client.endHook?.();
      }
    }
  }

  private disklessChunk(sync: FullSync, chunk: Buffer): void {
    // The writer reuses its buffer: the sockets get a copy.
    const copy = Buffer.from(chunk);
    const now = Date.now();
    for (const link of sync.links) {
      this.send(link, copy);
      link.lastPartialWrite = now;
    }
  }

  private holdDiskless(sync: FullSync, resume: () => void): boolean {
    for (const link of sync.links) {
      if (link.client.socketQueuedBytes() > DISKLESS_HOLD_BYTES) {
        link.drainWaiters.push(resume);
        return true;
      }
    }
    return false;
  }

  /** updateSlavesWaitingBgsave: the snapshot ended. */
  private snapshotDone(sync: FullSync, ok: boolean): void {
    if (this.fullSync !== sync) return;
    this.fullSync = null;
    const log = this.server.log;
    for (const link of sync.links) {
      if (link.state !== 'wait_bgsave_end' || link.client.replica !== link) continue;
      if (!ok) {
        log.warning('SYNC failed. BGSAVE child returned an error');
        link.client.closeHook?.();
        continue;
      }
      if (sync.diskless) {
        this.send(link, sync.eofMark);
        log.notice(`Streamed RDB transfer with replica ${link.name()} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming`);
        this.putOnline(link, true);
      } else {
        this.sendRdbFile(link);
      }
    }
    // Replicas that arrived meanwhile get the next snapshot.
    if (ok && !this.snapshotBusy()) this.startPendingSnapshot(true);
  }

  /** sendBulkToSlave: the RDB file as `$<size>\r\n<bytes>`, read in chunks, waiting for the socket. */
  private sendRdbFile(link: ReplicaLink): void {
    const log = this.server.log;
    let fd: number;
    let size: number;
    try {
      fd = fs.openSync(this.server.persistence.rdbPath(), 'r');
      size = fs.fstatSync(fd).size;
    } catch (e) {
      log.warning(`SYNC failed. Can't open/stat DB after BGSAVE: ${(e as Error).message}`);
      link.client.closeHook?.();
      return;
    }
    link.state = 'send_bulk';
    this.send(link, `$${size}\r\n`);
    let pos = 0;
    const step = (): void => {
      if (link.client.replica !== link) return void fs.close(fd, () => {});
      if (pos >= size) {
        fs.close(fd, () => {});
        this.putOnline(link, false);
        return;
      }
      const buf = Buffer.allocUnsafe(Math.min(BULK_CHUNK, size - pos));
      fs.read(fd, buf, 0, buf.length, pos, (err, n) => {
        if (link.client.replica !== link) return void fs.close(fd, () => {});
        if (err || n === 0) {
          log.warning(`Read error sending DB to replica: ${err ? err.message : 'premature EOF'}`);
          fs.close(fd, () => {});
          link.client.closeHook?.();
          return;
        }
        pos += n;
        if (this.send(link, n === buf.length ? buf : buf.subarray(0, n))) step();
        else link.drainWaiters.push(step);
      });
    };
    step();
  }

  /**
   * putSlaveOnline: the RDB is sent. The stream recorded meanwhile follows at once, or, after a
   * diskless transfer, once the replica's first ACK says it has loaded it.
   */
  private putOnline(link: ReplicaLink, waitForAck: boolean): void {
    const log = this.server.log;
    if (link.rdbOnly) {
      link.state = 'rdb_transmitted';
      log.notice(`RDB transfer completed, rdb only replica (${link.name()}) should be disconnected asap`);
      // Closed once its RDB is out of the socket's buffer.
      link.client.endHook?.();
      return;
    }
    link.state = 'online';
    link.ackTime = Date.now();
    link.startStreamOnAck = waitForAck;
    if (!waitForAck) this.startStream(link);
    this.refreshGoodReplicas();
    log.notice(`Synchronization with replica ${link.name()} succeeded`);
  }

  /** replicaStartCommandStream: what was held since the snapshot goes out, then the live stream. */
  private startStream(link: ReplicaLink): void {
    link.startStreamOnAck = false;
    for (const part of link.pending) link.out.rawBytes(part, 0, part.length);
    link.pending = [];
    link.pendingBytes = 0;
    if (link.out.length > 0) this.scheduleFlush(link);
  }

  /** A replica's command produced a reply (only ACKs are expected): it is disconnected. */
  rogueReply(c: Client): void {
    this.server.log.warning(`Replica generated a reply to command '${c.lastCommand?.fullName ?? '<unknown>'}', disconnecting it: ${clientInfoLine(c, null, 0)}`);
  }

  /** The client's socket drained: transfers waiting on it go on. */
  drained(c: Client): void {
    const link = c.replica;
    if (link === null || link.drainWaiters.length === 0) return;
    const waiters = link.drainWaiters.splice(0);
    for (const w of waiters) w();
  }

  /** replicationStartPendingFork: replicas waiting for a snapshot get one when its time comes. */
  private startPendingSnapshot(now: boolean): void {
    if (this.fullSync !== null || this.snapshotBusy()) return;
    let waiting = 0;
    let maxIdle = 0;
    const nowSec = Math.floor(Date.now() / 1000);
    for (const link of this.replicas) {
      if (link.state !== 'wait_bgsave_start') continue;
      waiting++;
      maxIdle = Math.max(maxIdle, nowSec - Math.floor(link.client.lastInteraction / 1000));
    }
    if (waiting === 0) return;
    const maxReplicas = this.configInt('repl-diskless-sync-max-replicas');
    if (now || !this.disklessSync() || (maxReplicas > 0 && waiting >= maxReplicas) || maxIdle >= this.configInt('repl-diskless-sync-delay')) {
      this.startSnapshot();
    }
  }

  // ------------------------------------------------------------------ REPLCONF ACK, WAIT

  /** REPLCONF ACK <offset>: the replica has processed the stream up to `offset`. */
  ack(c: Client, offset: number): void {
    const link = c.replica;
    if (link === null) return;
    if (offset > link.ackOffset) link.ackOffset = offset;
    link.ackTime = Date.now();
    if (link.startStreamOnAck && link.state === 'online') this.startStream(link);
    if (this.waiting.size > 0) this.serveWaiting();
    this.server.failover.acked();
    this.server.shutdown.acked();
  }

  /** findReplica: the attached replica announcing `host` (or connecting from it) and listening on `port`. */
  findReplica(host: string, port: number): ReplicaLink | null {
    const wanted = host.toLowerCase();
    for (const link of this.replicas) {
      const conf = link.client.replconf;
      if ((conf?.ip ?? this.peerHost(link)).toLowerCase() === wanted && (conf?.listeningPort ?? 0) === port) return link;
    }
    return null;
  }

  /** The address a replica connects from, without the port. */
  peerHost(link: ReplicaLink): string {
    return hostOf(link.client.addr);
  }

  /** Online replicas that confirmed `offset` (replicationCountAcksByOffset). */
  countAcks(offset: number): number {
    let n = 0;
    for (const link of this.replicas) if (link.state === 'online' && link.ackOffset >= offset) n++;
    return n;
  }

  /**
   * replicationRequestAckFromSlaves: REPLCONF GETACK * joins the stream at the end of this turn
   * (beforeSleep); while clients are paused it waits, as the stream must not move then.
   */
  requestAcks(): void {
    this.ackWanted = true;
    if (this.getAckScheduled) return;
    this.getAckScheduled = true;
    setImmediate(() => {
      this.getAckScheduled = false;
      this.sendGetAck();
    });
  }

  /** sendGetackToReplicas: REPLCONF GETACK * joins the stream now (a SHUTDOWN about to pause writes). */
  sendGetAckNow(): void {
    this.ackWanted = true;
    this.sendGetAck();
  }

  /** isReadyToShutdown: every replica (whatever its state) acknowledged the whole stream. */
  replicasInSync(): boolean {
    const offset = this.server.replication.masterReplOffset;
    for (const link of this.replicas) if (link.ackOffset !== offset) return false;
    return true;
  }

  private sendGetAck(): void {
    if (!this.ackWanted || this.server.pause.type !== PAUSE_OFF) return;
    this.ackWanted = false;
    if (this.replicas.length > 0 && this.server.replication.masterHost === null) this.feedCommand(this.selectedDb, GETACK);
  }

  /** A client blocks in WAIT until `numreplicas` acknowledge `offset` (or its timeout). */
  waitFor(c: Client, offset: number, numreplicas: number, deadline: number): void {
    const master = this;
    const waiter = { offset, numreplicas };
    c.replicaWait = waiter;
    this.waiting.add(c);
    this.server.blocking.block(c, {
      keys: [],
      deadline,
      serve: () => false,
      timedOut(client) {
        master.waiting.delete(client);
        client.replicaWait = null;
        client.reply.int(master.countAcks(waiter.offset));
      },
    });
    this.requestAcks();
  }

  /** processClientsWaitingReplicas: WAITs whose replicas have acknowledged are answered. */
  private serveWaiting(): void {
    for (const c of this.waiting) {
      const w = c.replicaWait;
      if (w === null || c.blocked === null) {
        this.waiting.delete(c);
        continue;
      }
      const acks = this.countAcks(w.offset);
      if (acks < w.numreplicas) continue;
      this.waiting.delete(c);
      c.replicaWait = null;
      c.reply.int(acks);
      this.server.blocking.release(c);
    }
  }

  /** A WAITing client went away or was unblocked otherwise. */
  forgetWaiter(c: Client): void {
    this.waiting.delete(c);
    c.replicaWait = null;
  }

  // ------------------------------------------------------------------ min-replicas, cron

  /** refreshGoodSlavesCount: online replicas whose last ACK is within min-replicas-max-lag. */
  refreshGoodReplicas(): void {
    const minToWrite = this.minReplicasToWrite;
    const maxLag = this.minReplicasMaxLag;
    if (minToWrite === 0 || maxLag === 0) return;
    const now = Math.floor(Date.now() / 1000);
    let good = 0;
    for (const link of this.replicas) {
      if (link.state === 'online' && now - Math.floor(link.ackTime / 1000) <= maxLag) good++;
    }
    this.goodReplicas = good;
  }

  /** checkGoodReplicasStatus: writes are allowed (min-replicas-to-write is met, or off, or a replica). */
  enoughGoodReplicas(): boolean {
    // Runs for every command: two fields, no config lookups.
    const minToWrite = this.minReplicasToWrite;
    if (minToWrite === 0 || this.minReplicasMaxLag === 0) return true;
    return this.goodReplicas >= minToWrite || this.server.replication.masterHost !== null;
  }

  /** The server's cron: pending snapshots every tick, replicationCron's work once a second. */
  cron(): void {
    if (this.ackWanted) this.sendGetAck();
    if (this.replicas.length > 0) this.startPendingSnapshot(false);
    const nowSec = Math.floor(Date.now() / 1000);
    if (nowSec === this.lastCronSecond) return;
    this.lastCronSecond = nowSec;
    this.replicationCron(nowSec);
  }

  private replicationCron(nowSec: number): void {
    const server = this.server;
    const period = this.configInt('repl-ping-replica-period');
    if (this.cronLoops % period === 0 && this.replicas.length > 0 && server.replication.masterHost === null && !(server.failover.holdsPings && server.pause.type !== PAUSE_OFF)) {
      this.feedCommand(this.selectedDb, PING);
    }
    // Replicas waiting for their RDB get a newline now and then, so they do not time out.
    for (const link of this.replicas) {
      const presync = link.state === 'wait_bgsave_start' || (link.state === 'wait_bgsave_end' && !(this.fullSync?.diskless ?? false));
      if (presync) this.send(link, '\n');
    }
    const timeout = this.configInt('repl-timeout');
    for (const link of this.replicas.slice()) {
      if (link.state === 'online') {
        if (link.prePsync) continue;
        if (nowSec - Math.floor(link.ackTime / 1000) > timeout) {
          server.log.warning(`Disconnecting timedout replica (streaming sync): ${link.name()}`);
          link.client.closeHook?.();
          continue;
        }
      }
      if (link.state === 'wait_bgsave_end' && this.fullSync?.diskless && link.lastPartialWrite !== 0 && nowSec - Math.floor(link.lastPartialWrite / 1000) > timeout) {
        server.log.warning(`Disconnecting timedout replica (full sync): ${link.name()}`);
        link.client.closeHook?.();
      }
    }
    const ttl = this.configInt('repl-backlog-ttl');
    if (this.replicas.length === 0 && ttl > 0 && this.backlog !== null && server.replication.masterHost === null) {
      if (nowSec - this.noReplicasSince > ttl) {
        server.replication.changeReplid();
        server.replication.clearReplid2();
        this.backlog = null;
        this.updateTarget();
        server.log.notice(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
      }
    }
    this.refreshGoodReplicas();
    this.removeRdbUsedToSyncReplicas();
    this.cronLoops++;
  }

  /**
   * removeRDBUsedToSyncReplicas: with rdb-del-sync-files and no persistence configured (no save
   * points, no AOF), the file a disk-based sync wrote goes once no replica still needs it.
   */
  private removeRdbUsedToSyncReplicas(): void {
    const server = this.server;
    const config = server.config;
    if (config.get('rdb-del-sync-files') !== 'yes') {
      this.rdbGeneratedByReplication = false;
      return;
    }
    if (!this.rdbGeneratedByReplication || config.save.length !== 0 || config.get('appendonly') === 'yes') return;
    for (const link of this.replicas) {
      if (link.state === 'wait_bgsave_start' || link.state === 'wait_bgsave_end' || link.state === 'send_bulk') return;
    }
    const file = server.persistence.rdbPath();
    if (!fs.existsSync(file)) return;
    this.rdbGeneratedByReplication = false;
    server.log.notice('Removing the RDB file used to feed replicas in a persistence-less instance');
    fs.unlink(file, () => {});
  }

  // ------------------------------------------------------------------ INFO, ROLE, the RDB's aux fields

  /** mem_replication_backlog: what the backlog's ring holds allocated. */
  backlogBytes(): number {
    return this.backlog === null ? 0 : this.backlog.allocated;
  }

  /**
   * The replicas' own stream buffers: what is held for them during their sync and not yet handed
   * to their sockets (what sockets hold counts in their client's tot-mem). Not counted for
   * eviction, as Redis does not count replication buffers past the backlog.
   */
  replicaBufferBytes(): number {
    let n = 0;
    for (const link of this.replicas) n += link.pendingBytes + link.out.length;
    return n;
  }

  /** rdbPopulateSaveInfo: repl-stream-db for the RDB's aux fields (a master with a backlog, a replica with a link or a cached master), else null. */
  saveInfo(): { streamDb: number } | null {
    if (this.server.replication.masterHost !== null) {
      // A replica records where in its master's stream the file was taken: restarted on it, it
      // continues with PSYNC from there.
      const db = this.server.replica.streamDb();
      return db === null ? null : { streamDb: db };
    }
    if (this.backlog === null) return null;
    return { streamDb: this.selectedDb === -1 ? 0 : this.selectedDb };
  }

  /** INFO replication's replica lines and backlog fields, in Redis's order. */
  infoReplicaLines(): Array<[string, string | number]> {
    const out: Array<[string, string | number]> = [];
    out.push(['connected_slaves', this.replicas.length]);
    if (this.minReplicasToWrite > 0 && this.minReplicasMaxLag > 0) {
      out.push(['min_slaves_good_slaves', this.goodReplicas]);
    }
    const nowSec = Math.floor(Date.now() / 1000);
    this.replicas.forEach((link, i) => {
      const c = link.client;
      const ip = c.replconf?.ip ?? hostOf(c.addr);
      const state = replicaStateName(link);
      const lag = nowSec - Math.floor(link.ackTime / 1000);
      out.push([`slave${i}`, `ip=${ip},port=${c.replconf?.listeningPort ?? 0},state=${state},offset=${link.ackOffset},lag=${lag}`]);
    });
    return out;
  }
}

/** replstateToString: a replica's state as INFO and the logs name it. */
export function replicaStateName(link: ReplicaLink): string {
  return link.state === 'wait_bgsave_start' || link.state === 'wait_bgsave_end' ? 'wait_bgsave' : link.state;
}

const PING: readonly string[] = ['PING'];
const GETACK: readonly string[] = ['REPLCONF', 'GETACK', '*'];

function hostOf(addr: string): string {
  const colon = addr.lastIndexOf(':');
  return colon < 0 ? addr : addr.slice(0, colon);
}
