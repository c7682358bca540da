import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { RequestParser } from '../../protocol/request-parser.js';
import { RespWriter } from '../../protocol/resp-writer.js';
import { Client } from '../client.js';
import type { Server } from '../server.js';
import { RdbLoad, runSlices } from '../loading.js';

/**
 * This server as a replica (Redis 7.0's replication.c, replica side): REPLICAOF's state, the link
 * to the master (handshake, PSYNC, the RDB transfer and its loading), then the master's stream
 * applied through the command path as a client of kind `master`.
 *
 * - The handshake is one async sequence over the socket (PING, AUTH, REPLCONF listening-port /
 *   ip-address / capa eof capa psync2, PSYNC): it is not on the hot path, and a newer attempt or
 *   REPLICAOF makes an older one's socket go away, which ends it.
 * - +FULLRESYNC: the payload (`$<len>` or diskless `$EOF:<mark>`) goes to a temp file in `dir`
 *   renamed over dbfilename (repl-diskless-load disabled), or stays in memory (on-empty-db with an
 *   empty dataset, swapdb). The dataset is flushed and loaded in slices with the -LOADING gate on
 *   (src/server/loading.ts), keys already expired kept (the master sends their DELs). The socket
 *   is paused meanwhile, so the stream waits in the kernel as it does behind Redis's blocking load.
 * - The stream: bytes go to a RequestParser; each command runs through `processCommand` as the
 *   master client (replies discarded, REPLCONF GETACK answered here); processCommand sets
 *   `clock.expiryOff` around its call so keys are as the master has them. The offset advances by each command's bytes once outside
 *   MULTI (Redis's reploff), and exactly those bytes are fed to `server.replication` (the backlog
 *   and our own replicas, so a chain shares one stream and one offset).
 * - A cut caches the master (its replid and applied offset); the cron reconnects every second and
 *   PSYNCs from there (+CONTINUE keeps the dataset).
 */

/** repl_state as ROLE names it (slaveIsInHandshakeState is `handshake`). */
export type ReplState = 'none' | 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';

/** The state of a master we were attached to, kept to continue with PSYNC (Redis's cached_master). */
interface CachedMaster {
  replid: string;
  reploff: number;
  /** The database the stream had selected there: a continued stream sends no SELECT for it. */
  db: number;
}

/** An RDB payload being received (repl_transfer_*). */
interface Transfer {
  /** Bytes announced by `$<len>`, or -1 for an EOF-marked (diskless) transfer. */
  size: number;
  read: number;
  lastIo: number;
}

const EMPTY = Buffer.alloc(0);
const CRLF = '\r\n';
const EOF_MARK_SIZE = 40;

export class Replica {
  state: ReplState = 'none';
  /** The link once synced: the client the master's commands run as (Redis's server.master). */
  master: Client | null = null;
  private cached: CachedMaster | null = null;
  /** slave_repl_offset: the master's offset of the last byte applied (master->reploff). */
  reploff = 0;
  /** slave_read_repl_offset: the master's offset of the last byte read (master->read_reploff). */
  readReploff = 0;
  /** Unix seconds the link went down (repl_down_since), 0 while never up or connected. */
  downSince = 0;
  transfer: Transfer | null = null;
  /** Full syncs and partial resyncs this replica completed (for logs and tests). */
  fullSyncs = 0;
  partialSyncs = 0;
  private socket: net.Socket | null = null;
  /** When the current connection attempt started (ms), for repl-timeout during the handshake. */
  private attemptStart = 0;
  /** The master's stream: parser, and the bytes read but not yet fed on (applied or not). */
  private parser = new RequestParser();
  private readonly writer = new RespWriter();
  private raw: Buffer[] = [];
  private rawOffset = 0;
  private busyRetry: NodeJS.Timeout | null = null;
  /** The RDB is being loaded (the -LOADING gate is ours), and the temp file being written. */
  private loadingForSync = false;
  private tempFile: { fd: number; path: string } | null = null;

  constructor(private readonly server: Server) {}

  /** REPLICAOF host port (replicationSetMaster). */
  setMaster(host: string, port: number): void {
    const server = this.server;
    const repl = server.replication;
    const wasMaster = repl.masterHost === null;
    repl.masterHost = null;
    // The link to a previous master is cached: a PSYNC to the new one may continue its history.
    if (this.master !== null) this.dropMaster('Connection with master lost.');
    this.cancelHandshake();
    // Clients blocked on a master, now a replica (disconnectAllBlockedClients).
    server.blocking.unblockAllWithError('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
    repl.masterHost = host;
    repl.masterPort = port;
    // A master becoming a replica offers its own history (replicationCacheMasterUsingMyself).
    if (wasMaster) {
      server.log.notice(
        'Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.',
      );
      this.cached = { replid: repl.replid, reploff: repl.masterReplOffset, db: 0 };
    }
    server.syncExpiryPaused();
    server.config.set('replicaof', `${host} ${port}`, { force: true });
    // repl_down_since stays as the previous link's loss set it (-1 in INFO for a former master).
    this.state = 'connect';
    server.log.notice(`Connecting to MASTER ${host}:${port}`);
    this.connect();
  }

  /**
   * `replicaof` in the configuration: a replica from the start (its RDB file loads with expired
   * keys kept). Call before loading; `start` connects once the server listens.
   */
  configure(): void {
    const v = this.server.config.get('replicaof') ?? '';
    if (v === '') return;
    const space = v.lastIndexOf(' ');
    const repl = this.server.replication;
    repl.masterHost = v.slice(0, space);
    repl.masterPort = Number(v.slice(space + 1));
    this.state = 'connect';
    this.server.syncExpiryPaused();
  }

  /**
   * After startup's load: the first connection attempt (then the cron's, once a second). A file
   * that says where in its master's stream it was taken (repl-id, repl-offset, repl-stream-db:
   * the RDB a master sent us) gives that position to PSYNC from, as loadDataFromDisk does.
   */
  start(): void {
    const repl = this.server.replication;
    if (repl.masterHost === null || this.state !== 'connect') return;
    const pos = this.server.persistence.lastLoad.repl;
    if (this.cached === null && pos != null && pos.replid.length === 40 && Number.isSafeInteger(pos.offset) && pos.offset >= 0 && pos.db >= 0) {
      repl.replid = pos.replid;
      repl.masterReplOffset = pos.offset;
      this.cached = { replid: pos.replid, reploff: pos.offset, db: pos.db };
    }
    this.server.log.notice(`Connecting to MASTER ${repl.masterHost}:${repl.masterPort}`);
    this.connect();
  }

  /** REPLICAOF NO ONE (replicationUnsetMaster): a new history starts at our offset. */
  unsetMaster(): void {
    const server = this.server;
    const repl = server.replication;
    if (repl.masterHost === null) return;
    repl.masterHost = null;
    if (this.master !== null) this.dropMaster(null);
    this.cached = null;
    this.cancelHandshake();
    repl.shiftReplid();
    server.replicationMaster.forgetSelectedDb();
    // Our replicas learn the new id by reconnecting: they continue with a partial resync (replid2).
    server.replicationMaster.disconnectReplicas();
    this.state = 'none';
    this.downSince = 0;
    server.syncExpiryPaused();
    server.config.set('replicaof', 'no one', { force: true });
  }

  /** The server is closing: the link goes without reconnecting (an embedded engine's close). */
  close(): void {
    this.server.replication.masterHost = null;
    if (this.master !== null) this.dropMaster(null, false);
    this.cancelHandshake();
    this.state = 'none';
  }

  /**
   * The database our master's stream has selected (rdbPopulateSaveInfo's repl-stream-db): the
   * link's, else the cached master's; null with neither (the RDB then carries no position).
   */
  streamDb(): number | null {
    if (this.master !== null) return this.master.dbIndex;
    return this.cached !== null ? this.cached.db : null;
  }

  /** slave_read_repl_offset / slave_repl_offset: the link's, else the cached master's, else 1. */
  offsets(): { read: number; applied: number } {
    if (this.master !== null) return { read: this.readReploff, applied: this.reploff };
    if (this.cached !== null) return { read: this.cached.reploff, applied: this.cached.reploff };
    return { read: 1, applied: 1 };
  }

  /** replicationCron's replica part, once a second: reconnect, timeouts, ACKs. */
  cron(): void {
    const server = this.server;
    if (server.replication.masterHost === null) return;
    const now = Date.now();
    const timeoutMs = Number(server.config.get('repl-timeout')) * 1000;
    if ((this.state === 'connecting' || this.state === 'handshake') && now - this.attemptStart > timeoutMs) {
      server.log.warning('Timeout connecting to the MASTER...');
      this.cancelHandshake();
    }
    if (this.state === 'sync' && this.transfer !== null && !this.loadingForSync && now - this.transfer.lastIo > timeoutMs) {
      server.log.warning(
        "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.",
      );
      this.cancelHandshake();
    }
    if (this.master !== null && now - this.master.lastInteraction > timeoutMs) {
      server.log.warning('MASTER timeout: no data nor PING received...');
      this.dropMaster('Connection with master lost.');
    }
    if (this.state === 'connect') {
      server.log.notice(`Connecting to MASTER ${server.replication.masterHost}:${server.replication.masterPort}`);
      this.connect();
    }
    if (this.master !== null) this.sendAck();
  }

  /** REPLCONF ACK <offset>: what we applied (replicationSendAck). */
  private sendAck(): void {
    const s = this.socket;
    if (s === null || this.master === null) return;
    s.write(encode(['REPLCONF', 'ACK', String(this.reploff)]));
  }

  // ------------------------------------------------------------------ connecting, handshake

  /** connectWithMaster: a fresh socket; the handshake runs once it connects. */
  private connect(): void {
    const repl = this.server.replication;
    const host = repl.masterHost!;
    const socket = net.connect({ host, port: repl.masterPort });
    this.socket = socket;
    this.state = 'connecting';
    this.attemptStart = Date.now();
    socket.setNoDelay(true);
    const reader = new SocketReader(socket);
    socket.once('connect', () => {
      if (this.socket !== socket) return;
      this.server.log.notice('MASTER <-> REPLICA sync started');
      this.state = 'handshake';
      this.handshake(socket, reader).catch((e: Error) => this.handshakeFailed(socket, e));
    });
    socket.on('error', (e) => {
      if (this.socket !== socket) return;
      if (this.state === 'connecting') this.server.log.warning(`Error condition on socket for SYNC: ${e.message}`);
    });
    socket.on('close', () => this.socketClosed(socket));
  }

  private handshakeFailed(socket: net.Socket, e: Error): void {
    if (this.socket !== socket) return;
    if (!(e instanceof LinkClosed)) this.server.log.warning(e.message);
    this.cancelHandshake();
  }

  /**
   * The socket went away: while syncing, try again; while connected, cache the master. While the
   * received RDB loads, the load goes on (a complete snapshot, never half of one, is what a lost
   * link leaves, as behind Redis's blocking load); attaching then finds the socket gone.
   */
  private socketClosed(socket: net.Socket): void {
    if (this.socket !== socket || this.loadingForSync) return;
    if (this.master !== null) {
      this.dropMaster('Connection with master lost.');
      return;
    }
    this.cancelHandshake();
  }

  /** cancelReplicationHandshake: an attempt in progress ends; the cron connects again. */
  private cancelHandshake(): void {
    if (this.master !== null) return;
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    if (this.server.persistence.loading !== null && this.loadingForSync) {
      this.server.persistence.loading = null;
      this.loadingForSync = false;
    }
    this.abortTransfer();
    if (this.server.replication.masterHost !== null) this.state = 'connect';
  }

  private abortTransfer(): void {
    this.transfer = null;
    const t = this.tempFile;
    this.tempFile = null;
    if (t !== null) {
      try {
        fs.closeSync(t.fd);
      } catch {
        // Closed already.
      }
      fs.rmSync(t.path, { force: true });
    }
  }

  /** syncWithMaster: PING, AUTH, REPLCONF, PSYNC, then the payload or the continued stream. */
  private async handshake(socket: net.Socket, r: SocketReader): Promise<void> {
    const server = this.server;
    const log = server.log;
    const cfg = server.config;
    socket.write(encode(['PING']));
    const pong = await r.line();
    // NOAUTH / NOPERM / the old "operation not permitted": the master needs AUTH, which follows.
    if (pong.startsWith('-') && !pong.startsWith('-NOAUTH') && !pong.startsWith('-NOPERM') && !pong.startsWith('-ERR operation not permitted')) {
      throw new Error(`Error reply to PING from master: '${pong.slice(1)}'`);
    }
    log.notice('Master replied to PING, replication can continue...');
    const auth = cfg.get('masterauth') ?? '';
    const user = cfg.get('masteruser') ?? '';
    const announcePort = Number(cfg.get('replica-announce-port') ?? 0);
    const announceIp = cfg.get('replica-announce-ip') ?? '';
    const out: Buffer[] = [];
    if (auth !== '') out.push(encode(user !== '' ? ['AUTH', user, auth] : ['AUTH', auth]));
    out.push(encode(['REPLCONF', 'listening-port', String(announcePort !== 0 ? announcePort : server.tcpPort)]));
    if (announceIp !== '') out.push(encode(['REPLCONF', 'ip-address', announceIp]));
    out.push(encode(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']));
    socket.write(Buffer.concat(out));
    if (auth !== '') {
      const reply = await r.line();
      if (reply.startsWith('-')) throw new Error(`Unable to AUTH to MASTER: ${reply.slice(1)}`);
    }
    const portReply = await r.line();
    if (portReply.startsWith('-')) log.notice(`(Non critical) Master does not understand REPLCONF listening-port: ${portReply.slice(1)}`);
    if (announceIp !== '') {
      const ipReply = await r.line();
      if (ipReply.startsWith('-')) log.notice(`(Non critical) Master does not understand REPLCONF ip-address: ${ipReply.slice(1)}`);
    }
    const capaReply = await r.line();
    if (capaReply.startsWith('-')) log.notice(`(Non critical) Master does not understand REPLCONF capa: ${capaReply.slice(1)}`);

    // slaveTryPartialResynchronization
    const cached = this.cached;
    // A FAILOVER hands our history over: the PSYNC tells the target to become a master first.
    const failover = server.failover;
    const failing = failover.state === 'failover-in-progress';
    const psync = cached !== null ? ['PSYNC', cached.replid, String(cached.reploff + 1)] : ['PSYNC', '?', '-1'];
    if (failing) psync.push('FAILOVER');
    if (cached !== null) log.notice(`Trying a partial resynchronization (request ${cached.replid}:${cached.reploff + 1}).`);
    else log.notice('Partial resynchronization not possible (no cached master)');
    socket.write(encode(psync));
    let reply = await r.line();
    while (reply === '') reply = await r.line();
    if (failing) {
      const accepted = reply.startsWith('+FULLRESYNC') || reply.startsWith('+CONTINUE');
      if (reply.startsWith('-NOMASTERLINK') || reply.startsWith('-LOADING')) {
        log.notice(`Master is currently unable to PSYNC but should be in the future: ${reply}`);
      } else if (!accepted) {
        log.notice(`Master does not support PSYNC or is in error state (reply: ${reply})`);
      }
      failover.psyncAnswered(accepted);
      // Refused: we are a master again (the failover's abort ended this link).
      if (!accepted) return;
    }
    if (reply.startsWith('+FULLRESYNC')) {
      const parts = reply.split(' ');
      const replid = parts[1] ?? '';
      const offset = Number(parts[2]);
      if (replid.length !== 40 || !Number.isSafeInteger(offset)) throw new Error('Master replied with wrong +FULLRESYNC syntax.');
      log.notice(`Full resync from master: ${replid}:${offset}`);
      // Our replicas' history ends here too: they sync again from the dataset we are about to load.
      server.replicationMaster.newHistory();
      // replicationDiscardCachedMaster: that history is over for us.
      if (this.cached !== null) log.notice('Discarding previously cached master state.');
      this.cached = null;
      await this.receivePayload(socket, r, replid, offset);
      return;
    }
    if (reply.startsWith('+CONTINUE')) {
      if (cached === null) throw new Error('Unexpected +CONTINUE without a cached master');
      const newId = reply.slice('+CONTINUE'.length).trim();
      log.notice('Successful partial resynchronization with master.');
      const repl = server.replication;
      if (newId.length === 40 && newId !== cached.replid) {
        // The master's history has a new id from here: ours continues under it, the old one
        // stays valid as replid2 up to this offset (for our own replicas' PSYNCs).
        repl.replid2 = cached.replid;
        repl.secondReplidOffset = repl.masterReplOffset + 1;
        repl.replid = newId;
        log.notice(`Master replication ID changed to ${newId}`);
        // Our replicas PSYNC again and continue under the new id (replid2 covers their offset).
        server.replicationMaster.disconnectReplicas();
      }
      this.cached = null;
      this.partialSyncs++;
      // Our own replicas (and a failover's former master) may PSYNC from this history: keep it.
      server.replicationMaster.ensureBacklog();
      log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
      this.attachMaster(socket, r.takeRest(), cached.reploff, cached.db);
      return;
    }
    if (reply.startsWith('-NOMASTERLINK') || reply.startsWith('-LOADING')) {
      throw new Error(`Master is currently unable to PSYNC but should be in the future: ${reply}`);
    }
    throw new Error(`Unexpected reply to PSYNC from master: ${reply}`);
  }

  /** readSyncBulkPayload: the RDB, to disk or memory, then loaded in place of the dataset. */
  private async receivePayload(socket: net.Socket, r: SocketReader, replid: string, offset: number): Promise<void> {
    const server = this.server;
    const log = server.log;
    this.state = 'sync';
    const transfer: Transfer = { size: 0, read: 0, lastIo: Date.now() };
    this.transfer = transfer;
    r.onActivity = () => (transfer.lastIo = Date.now());
    let header = await r.line();
    // Newlines keep the link alive while the master prepares the RDB.
    while (header === '') header = await r.line();
    if (header.startsWith('-')) throw new Error(`MASTER aborted replication with an error: ${header.slice(1)}`);
    if (!header.startsWith('$')) {
      throw new Error(`Bad protocol from MASTER, the first byte is not '$' (we received '${header}'), are you sure the host and port are right?`);
    }
    let eofMark: Buffer | null = null;
    if (header.startsWith('$EOF:') && header.length >= 5 + EOF_MARK_SIZE) {
      eofMark = Buffer.from(header.slice(5, 5 + EOF_MARK_SIZE), 'latin1');
      transfer.size = -1;
    } else {
      transfer.size = Number(header.slice(1));
      if (!Number.isSafeInteger(transfer.size) || transfer.size < 0) throw new Error(`Bad protocol from MASTER: ${header}`);
    }
    const mode = server.config.get('repl-diskless-load') ?? 'disabled';
    const inMemory = mode === 'swapdb' || (mode === 'on-empty-db' && server.dbs.every((db) => db.size === 0));
    const where = inMemory ? 'parser' : 'disk';
    if (eofMark !== null) log.notice(`MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to ${where}`);
    else log.notice(`MASTER <-> REPLICA sync: receiving ${transfer.size} bytes from master to ${where}`);

    const chunks: Buffer[] = [];
    let tmpPath = '';
    if (!inMemory) {
      tmpPath = path.join(fromLatin1(server.config.get('dir')!), `temp-${Math.floor(Date.now() / 1000)}.${process.pid}.rdb`);
      this.tempFile = { fd: fs.openSync(tmpPath, 'w'), path: tmpPath };
    }
    // The last EOF_MARK_SIZE bytes seen, to spot the mark across chunk boundaries.
    let tail = EMPTY;
    for (;;) {
      if (transfer.size >= 0 && transfer.read >= transfer.size) break;
      const want = transfer.size >= 0 ? transfer.size - transfer.read : Infinity;
      const chunk = await r.some(want);
      transfer.read += chunk.length;
      server.stats.netReplInputBytes += chunk.length;
      transfer.lastIo = Date.now();
      let done = false;
      if (eofMark !== null) {
        const joined = Buffer.concat([tail, chunk.length > EOF_MARK_SIZE ? chunk.subarray(chunk.length - EOF_MARK_SIZE) : chunk]);
        tail = joined.subarray(Math.max(0, joined.length - EOF_MARK_SIZE));
        done = tail.length === EOF_MARK_SIZE && tail.equals(eofMark);
      }
      if (this.tempFile !== null) writeAll(this.tempFile.fd, chunk);
      else chunks.push(chunk);
      if (done) {
        // The mark is not part of the file.
        const extra = EOF_MARK_SIZE;
        if (this.tempFile !== null) {
          fs.ftruncateSync(this.tempFile.fd, fs.fstatSync(this.tempFile.fd).size - extra);
        } else {
          let cut = extra;
          while (cut > 0) {
            const last = chunks[chunks.length - 1];
            if (last.length <= cut) {
              chunks.pop();
              cut -= last.length;
            } else {
              chunks[chunks.length - 1] = last.subarray(0, last.length - cut);
              cut = 0;
            }
          }
        }
        break;
      }
    }
    r.onActivity = null;
    let buf: Buffer;
    if (this.tempFile !== null) {
      const t = this.tempFile;
      fs.fsyncSync(t.fd);
      fs.closeSync(t.fd);
      this.tempFile = null;
      const target = server.persistence.rdbPath();
      try {
        fs.renameSync(t.path, target);
      } catch (e) {
        fs.rmSync(t.path, { force: true });
        throw new Error(`Failed trying to rename the temp DB into ${path.basename(target)} in MASTER <-> REPLICA synchronization: ${(e as Error).message}`);
      }
      buf = fs.readFileSync(target);
      // The file was only a way in: with no persistence configured it goes (rdb-del-sync-files).
      const cfg = server.config;
      if (cfg.get('rdb-del-sync-files') === 'yes' && cfg.save.length === 0 && cfg.get('appendonly') !== 'yes') {
        log.notice('Removing the RDB file obtained from the master. This replica has persistence disabled');
        fs.rmSync(target, { force: true });
      }
    } else {
      buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    }
    // The stream that follows waits in the kernel while the dataset loads (still `sync` for ROLE
    // and INFO, with the transfer's numbers, as Redis's REPL_STATE_TRANSFER lasts until loaded).
    socket.pause();
    const rest = r.takeRest();
    r.detach();
    await this.loadPayload(socket, buf, mode === 'swapdb');
    if (this.socket !== socket) return;
    const repl = server.replication;
    repl.replid = replid;
    repl.masterReplOffset = offset;
    repl.clearReplid2();
    server.replicationMaster.ensureBacklog();
    this.fullSyncs++;
    log.notice('MASTER <-> REPLICA sync: Finished with success');
    this.attachMaster(socket, rest, offset, 0);
  }

  /** Flush, then load the payload: in slices behind the -LOADING gate, or (swapdb) staged and swapped in. */
  private async loadPayload(socket: net.Socket, buf: Buffer, swap: boolean): Promise<void> {
    const server = this.server;
    const log = server.log;
    // A BGSAVE walking the old dataset is abandoned, as Redis kills its child before flushing; the
    // AOF stops, and starts again from a rewrite of the new dataset once it is loaded.
    server.persistence.killBgsave();
    const aofWasOn = server.aof.stopForSync();
    const restartAof = (): void => {
      if (aofWasOn) server.aof.restartAfterSync();
    };
    if (swap) {
      log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
      const tmp = path.join(fromLatin1(server.config.get('dir')!), 'replication-swapdb.rdb');
      try {
        const result = server.persistence.load(tmp, {}, buf);
        log.notice(`MASTER <-> REPLICA sync: Discarding old data (${result.keysLoaded} keys loaded)`);
      } finally {
        restartAof();
      }
      return;
    }
    log.notice('MASTER <-> REPLICA sync: Flushing old data');
    for (const db of server.dbs) db.clear();
    server.tracking.flushed();
    server.functions.flush();
    log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    const load = new RdbLoad(server, buf, server.dbs, server.persistence.loadLimits());
    server.persistence.loading = load;
    this.loadingForSync = true;
    let abandoned = false;
    try {
      await runSlices(() => {
        if (this.socket !== socket || server.persistence.loading !== load) {
          abandoned = true;
          throw new LinkClosed();
        }
        return load.slice();
      });
    } catch (e) {
      if (!abandoned) {
        server.persistence.loading = null;
        this.loadingForSync = false;
        for (const db of server.dbs) db.clear();
      }
      restartAof();
      throw abandoned ? e : new Error(`Failed trying to load the MASTER synchronization DB from disk, check server logs. (${(e as Error).message})`);
    }
    load.installLibraries();
    server.persistence.loading = null;
    this.loadingForSync = false;
    server.persistence.lastLoad = load.result;
    log.notice(`Done loading RDB, keys loaded: ${load.result.keysLoaded}, keys expired: ${load.result.keysExpired}.`);
    restartAof();
  }

  // ------------------------------------------------------------------ the stream

  /** replicationCreateMasterClient: the link carries the stream from `offset` on. */
  private attachMaster(socket: net.Socket, rest: Buffer, offset: number, db: number): void {
    const server = this.server;
    const c = new Client(server, this.writer, 'master');
    if (db > 0 && db < server.dbs.length) c.selectDb(db);
    c.addr = `${server.replication.masterHost}:${server.replication.masterPort}`;
    c.laddr = `${socket.localAddress ?? ''}:${socket.localPort ?? 0}`;
    c.fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    c.resumeHook = () => {
      if (this.master === c) this.applyStream(c);
    };
    c.closeHook = () => {
      if (this.master === c) this.dropMaster('Connection with master lost.');
    };
    server.registerClient(c);
    this.master = c;
    this.reploff = offset;
    this.readReploff = offset;
    this.rawOffset = offset;
    this.raw = [];
    this.parser = new RequestParser();
    this.parser.maxBulkLen = Infinity;
    this.state = 'connected';
    this.transfer = null;
    this.downSince = 0;
    socket.removeAllListeners('data');
    socket.on('data', (chunk: Buffer) => this.onStreamData(c, chunk));
    if (rest.length > 0) this.onStreamData(c, rest);
    socket.resume();
    // The master went away while the RDB loaded: the snapshot is ours, the link is not.
    if (socket.destroyed) {
      this.dropMaster('Connection with master lost.');
      return;
    }
    // The first ACK at once, as Redis does on entering the connected state.
    this.sendAck();
  }

  private onStreamData(c: Client, chunk: Buffer): void {
    if (this.master !== c) return;
    this.server.stats.netReplInputBytes += chunk.length;
    c.lastInteraction = Date.now();
    this.readReploff += chunk.length;
    this.parser.feed(chunk);
    this.raw.push(chunk);
    this.applyStream(c);
  }

  /**
   * processInputBuffer for the master: every complete command runs; nothing while a script is busy
   * (the stream accumulates instead of getting -BUSY) or while CLIENT PAUSE holds a command of it
   * (the pause's end resumes here, the held command first), then the applied bytes are fed on.
   */
  private applyStream(c: Client): void {
    const server = this.server;
    const parser = this.parser;
    while (this.master === c) {
      if (server.scripting.busyKind !== null) {
        if (this.busyRetry === null) {
          this.busyRetry = setTimeout(() => {
            this.busyRetry = null;
            if (this.master === c) this.applyStream(c);
          }, 10);
        }
        break;
      }
      // Held by CLIENT PAUSE (or blocked, were a master to send a blocking command): the rest waits.
      if (c.postponedArgv !== null || c.blocked !== null) break;
      let argv = c.releasedArgv;
      if (argv !== null) c.releasedArgv = null;
      else argv = parser.next();
      if (argv === null) {
        if (parser.error !== null) {
          server.log.warning(`Protocol error from MASTER: ${parser.error}`);
          this.dropMaster('Connection with master lost.', false);
          return;
        }
        break;
      }
      if (isGetack(argv)) {
        this.sendAck();
      } else {
        server.processCommand(c, argv);
        const writer = this.writer;
        // An error here means this replica diverges from its master: say so (afterErrorReply).
        if (writer.pos > 0 && writer.buf[0] === 45) this.errorToMaster(c.lastCommand?.fullName ?? '<unknown>', writer.buf.latin1Slice(1, writer.pos));
        writer.discard();
      }
      // A transaction counts once EXEC ran (reploff stays put inside MULTI); a held command once it ran.
      if (c.multi === null && c.postponedArgv === null && c.blocked === null) this.reploff = this.readReploff - parser.buffered;
    }
    this.feedApplied();
  }

  /** afterErrorReply for our master's command: Redis's critical log line (no reply is sent). */
  private errorToMaster(command: string, reply: string): void {
    const end = reply.indexOf('\r\n');
    const message = end < 0 ? reply : reply.slice(0, end);
    this.server.log.warning(`== CRITICAL == This replica is sending an error to its master: '${message}' after processing the command '${command}'`);
  }

  /** The bytes applied since the last call, to the backlog and our replicas (replicationFeedStreamFromMasterStream). */
  private feedApplied(): void {
    let n = this.reploff - this.rawOffset;
    const repl = this.server.replication;
    while (n > 0) {
      const head = this.raw[0];
      if (head.length <= n) {
        this.raw.shift();
        repl.feed(head);
        n -= head.length;
        this.rawOffset += head.length;
      } else {
        repl.feed(head.subarray(0, n));
        this.raw[0] = head.subarray(n);
        this.rawOffset += n;
        n = 0;
      }
    }
  }

  /**
   * The link is gone (freeClient of server.master): its history is cached for a PSYNC, unless
   * `cache` is false (a protocol error: Redis does not trust that state); the cron reconnects.
   */
  private dropMaster(message: string | null, cache = true): void {
    const server = this.server;
    const c = this.master;
    if (c === null) return;
    if (message !== null) server.log.warning(message);
    this.master = null;
    if (this.busyRetry !== null) clearTimeout(this.busyRetry);
    this.busyRetry = null;
    // replicationCacheMaster: what was applied, never a half-received command or open MULTI.
    if (c.multi !== null) c.multi = null;
    server.unregisterClient(c);
    if (cache) {
      server.log.notice('Caching the disconnected master state.');
      this.cached = { replid: server.replication.replid, reploff: this.reploff, db: c.dbIndex };
    }
    this.raw = [];
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    if (server.replication.masterHost !== null) {
      this.state = 'connect';
      this.downSince = Math.floor(Date.now() / 1000);
    }
  }
}

/** REPLCONF GETACK, which the replica answers on the link (replconfCommand's GETACK). */
function isGetack(argv: string[]): boolean {
  return argv.length === 3 && argv[0].length === 8 && argv[0].toLowerCase() === 'replconf' && argv[1].toLowerCase() === 'getack';
}

class LinkClosed extends Error {
  constructor() {
    super('link closed');
  }
}

/** Reads lines and byte runs from a socket for the handshake and the payload. */
class SocketReader {
  private buf: Buffer = EMPTY;
  private waiter: (() => void) | null = null;
  private closed = false;
  onActivity: (() => void) | null = null;
  private readonly onData = (chunk: Buffer): void => {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    if (this.onActivity !== null) this.onActivity();
    this.wake();
  };
  private readonly onClose = (): void => {
    this.closed = true;
    this.wake();
  };

  constructor(private readonly socket: net.Socket) {
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    if (w !== null) w();
  }

  private wait(): Promise<void> {
    if (this.closed) return Promise.reject(new LinkClosed());
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** The next line without its CRLF (or LF). */
  async line(): Promise<string> {
    for (;;) {
      const nl = this.buf.indexOf(10);
      if (nl >= 0) {
        const end = nl > 0 && this.buf[nl - 1] === 13 ? nl - 1 : nl;
        const s = this.buf.latin1Slice(0, end);
        this.buf = this.buf.subarray(nl + 1);
        return s;
      }
      await this.wait();
    }
  }

  /** Up to `max` bytes, at least one. */
  async some(max: number): Promise<Buffer> {
    while (this.buf.length === 0) await this.wait();
    const n = Math.min(max, this.buf.length);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** What was received past what was read. */
  takeRest(): Buffer {
    const rest = this.buf;
    this.buf = EMPTY;
    return rest;
  }

  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onClose);
  }
}

function encode(argv: readonly string[]): Buffer {
  let s = `*${argv.length}${CRLF}`;
  for (const a of argv) s += `$${Buffer.byteLength(a, 'latin1')}${CRLF}${a}${CRLF}`;
  return Buffer.from(s, 'latin1');
}

function writeAll(fd: number, chunk: Buffer): void {
  let off = 0;
  while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
}

function fromLatin1(s: string): string {
  return Buffer.from(s, 'latin1').toString();
}
