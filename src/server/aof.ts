import fs from 'node:fs';
import path from 'node:path';
import type { Server } from './server.js';
import { strerror } from './config.js';
import { CommandError } from '../protocol/errors.js';
import { PROPAGATE_AOF, type PropagationTarget } from './propagate.js';
import { RdbSnapshot } from '../persistence/snapshot.js';
import { AofBaseWriter } from '../persistence/aof/base.js';
import { SnapshotDriver } from './snapshot-driver.js';
import { AofLoadError, AofLoading, type AofFiles } from './aof-loading.js';
import { runSlices } from './loading.js';
import { AofBuffer } from '../persistence/aof/commands.js';
import {
  AofManifest,
  AofManifestError,
  parseManifest,
  baseFileName,
  incrFileName,
  manifestFileName,
  tempIncrFileName,
  tempManifestFileName,
  type AofFileInfo,
} from '../persistence/aof/manifest.js';

/**
 * The append-only file, as Redis 7.0's multi-part AOF (aof.c):
 *
 * - Writing: the AOF is a propagation target (src/server/propagate.ts), so it receives exactly the
 *   stream replicas get (rewritten commands, expiry as DEL, scripts by effects, MULTI/EXEC) and adds
 *   SELECT and `#TS:` annotations. Effects are encoded into a buffer (aof_buf); at the end of the
 *   event loop turn (a setImmediate, Redis's beforeSleep) the buffer is written to the incremental
 *   file with one write. `appendfsync always` then fsyncs on libuv's thread pool, and the
 *   connections' replies wait until the bytes their commands produced are on disk: a reply is
 *   never sent for a write that a crash could lose; writes that arrive during an fsync are grouped
 *   into the next one. `everysec` fsyncs in the background once a second; `no` leaves it to the OS.
 *   With any policy, replies wait for the write(2) of their turn, as in Redis.
 * - The directory (appenddirname) holds a base file (RDB preamble with aof-use-rdb-preamble, else
 *   commands), incremental files and the manifest naming them (src/persistence/aof/manifest.ts).
 * - BGREWRITEAOF without fork: a new incremental file takes the writes from now on, while the
 *   copy-on-write snapshot BGSAVE uses (src/persistence/snapshot.ts) writes the dataset as of now
 *   into the new base in time slices; then the manifest is swapped (the old base and incrementals
 *   become history and are deleted). As in Redis 7.0 no rewrite buffer is needed.
 * - Loading at startup replays the files through call() as Redis's AOF client does (no replies,
 *   MULTI/EXEC queued and executed, commands the server must obey accepted).
 */

type AofState = 'off' | 'on' | 'wait-rewrite';

/** aof-rewrite-incremental-fsync: the base is fsynced every this many bytes (REDIS_AUTOSYNC_BYTES). */
const AUTOSYNC_BYTES = 4 * 1024 * 1024;


interface Rewrite {
  snapshot: RdbSnapshot;
  fd: number;
  tmp: string;
  startMs: number;
  driver: SnapshotDriver;
  /** aof-use-rdb-preamble as the rewrite started: the base's name ends in .rdb, else .aof. */
  preamble: boolean;
  /** aof-rewrite-incremental-fsync as the rewrite started; bytes written since the last fsync. */
  autosync: boolean;
  unsynced: number;
  /** An incremental fsync is running (off the event loop); what to do once it is done. */
  syncInFlight: boolean;
  afterSync: (() => void) | null;
  syncError: unknown;
}

export { AofLoadError };

export class Aof implements PropagationTarget, AofFiles {
  readonly kinds = PROPAGATE_AOF;
  state: AofState = 'off';
  manifest = new AofManifest();
  /** The incremental file appended to (-1: none). */
  private fd = -1;
  /** Changes when `fd` changes, so an fsync completing for an old file is recognised. */
  private fdGeneration = 0;
  private selectedDb = -1;
  private lastTimestamp = 0;
  private readonly buf = new AofBuffer();
  /** Positions in the stream of bytes fed since startup: fed, written to the file, fsynced. */
  private appended = 0;
  private written = 0;
  private synced = 0;
  /** Replies of commands that fed bytes up to this position may be sent. */
  private released = 0;
  /** Connections holding replies: the position each needs and how to resume it (parallel arrays, no object per wait). */
  private readonly waitPos: number[] = [];
  private readonly waitResume: (() => void)[] = [];
  private waitersHead = 0;
  private fsyncInFlight = false;
  /** Runs once the fsync in flight is done: a switched-out file's fsync and close wait for it. */
  private afterFsync: (() => void) | null = null;
  /**
   * Incremental files switched out by a rewrite, being fsynced and closed off the event loop
   * (Redis's aof_background_fsync_and_close). While any is, `synced` may count their bytes too
   * early, so replies under `always` are released only once they are done.
   */
  private readonly retiring = new Set<number>();
  /** The stream position up to which the retiring files hold bytes. */
  private retiredUpTo = 0;
  private lastFsyncMs = 0;
  private turnScheduled = false;
  private readonly endOfTurn = () => this.flushTurn();
  /** aof_current_size / aof_base_size. */
  currentSize = 0;
  baseSize = 0;
  /** The last write error (aof_last_write_status: err while set); cleared by a write that succeeds. */
  writeError: string | null = null;
  /** The last background fsync's error (aof_bio_fsync_status); cleared by an fsync that succeeds. */
  fsyncError: string | null = null;
  /** When the last write error was logged (ms): Redis logs them at most every 30 s. */
  private lastWriteErrorLogMs = 0;
  /** aof_delayed_fsync: writes made while an fsync had been running for 2 s or more. */
  delayedFsyncs = 0;
  /** aof_flush_postponed_start: since when writes have met an fsync still running (0: not). */
  private postponedStartMs = 0;
  private lastWriteRetryMs = 0;
  /** CINDER_AOF_FAULT_FILE: while that file exists, AOF writes or fsyncs fail (tests). */
  private readonly faultFile = process.env.CINDER_AOF_FAULT_FILE ?? null;
  private rewrite: Rewrite | null = null;
  rewriteScheduled = false;
  lastRewriteSeconds = -1;
  lastBgrewriteOk = true;
  rewrites = 0;
  rewritesConsecutiveFailures = 0;
  private fsyncPolicy: 'always' | 'everysec' | 'no';
  /** aof-timestamp-enabled, kept here since feed() runs for every write. */
  private timestamps: boolean;

  constructor(private readonly server: Server) {
    const config = server.config;
    this.timestamps = config.get('aof-timestamp-enabled') === 'yes';
    config.onChange('aof-timestamp-enabled', (v) => (this.timestamps = v === 'yes'));
    this.fsyncPolicy = config.get('appendfsync') as 'always' | 'everysec' | 'no';
    config.onChange('appendfsync', (v) => {
      this.fsyncPolicy = v as 'always' | 'everysec' | 'no';
      // Replies waiting for an fsync under `always` are released by the write alone now.
      if (this.fsyncPolicy !== 'always') this.release(this.written);
    });
    config.onChange('appendonly', (v) => {
      if (v === 'yes') this.start();
      else this.stop();
    });
  }

  // ------------------------------------------------------------------ paths

  private get appendFilename(): string {
    return this.server.config.get('appendfilename')!;
  }

  private get serverDir(): string {
    return fromLatin1(this.server.config.get('dir')!);
  }

  /** dir/appenddirname. */
  get dirPath(): string {
    return path.join(this.serverDir, fromLatin1(this.server.config.get('appenddirname')!));
  }

  filePath(name: string): string {
    return path.join(this.dirPath, fromLatin1(name));
  }

  get rewriteInProgress(): boolean {
    return this.rewrite !== null;
  }

  get enabled(): boolean {
    return this.state !== 'off';
  }

  // ------------------------------------------------------------------ feeding and writing

  /** feedAppendOnlyFile: one propagated effect. */
  feed(dbid: number, argv: readonly string[]): void {
    if (this.fd < 0) return;
    const b = this.buf;
    const before = b.length;
    if (this.timestamps) {
      const now = Math.floor(Date.now() / 1000);
      if (now > this.lastTimestamp) {
        b.raw(`#TS:${now}\r\n`);
        this.lastTimestamp = now;
      }
    }
    if (dbid !== this.selectedDb) {
      b.command(['SELECT', String(dbid)]);
      this.selectedDb = dbid;
    }
    b.command(argv);
    this.appended += b.length - before;
    if (!this.turnScheduled) {
      this.turnScheduled = true;
      setImmediate(this.endOfTurn);
    }
  }

  /** Whether a connection must hold its replies: some fed bytes are not written (or fsynced) yet. */
  get repliesMustWait(): boolean {
    return this.appended > this.released;
  }

  /** Bytes fed so far: the position replies produced now wait for. */
  get fedPosition(): number {
    return this.appended;
  }

  /** Replies needing up to this position may be sent. */
  get releasedPosition(): number {
    return this.released;
  }

  /**
   * Calls `resume` once the stream is written up to `pos` (and fsynced under `always`). A
   * connection holding replies calls this; resumed, it checks what it needs now.
   */
  waitForDurability(pos: number, resume: () => void): void {
    if (pos <= this.released) {
      resume();
      return;
    }
    this.waitPos.push(pos);
    this.waitResume.push(resume);
  }

  private release(pos: number): void {
    if (pos > this.released) this.released = pos;
    const positions = this.waitPos;
    const resumes = this.waitResume;
    while (this.waitersHead < positions.length && positions[this.waitersHead] <= this.released) {
      resumes[this.waitersHead++]();
    }
    if (this.waitersHead === positions.length) {
      positions.length = 0;
      resumes.length = 0;
      this.waitersHead = 0;
    }
  }

  /**
   * The end-of-turn write now, if one is pending (a snapshot slice is about to run: the replies
   * waiting for this write go out before it rather than after it).
   */
  flushTurnNow(): void {
    if (this.turnScheduled) this.flushTurn();
  }

  /** beforeSleep's flushAppendOnlyFile: one write for the turn, then the fsync policy. */
  private flushTurn(): void {
    if (!this.turnScheduled) return; // written early, before a snapshot slice
    this.turnScheduled = false;
    if (this.fsyncPolicy === 'everysec') this.countDelayedFsync();
    if (!this.writeBuffer()) return;
    if (this.fsyncPolicy === 'always' && !this.fsyncHeldOff()) this.startFsync();
    else {
      this.release(this.written);
      if (this.fsyncPolicy === 'everysec' && Date.now() - this.lastFsyncMs >= 1000 && !this.fsyncHeldOff()) this.startFsync();
    }
  }

  /**
   * no-appendfsync-on-rewrite: no fsync while a snapshot (BGSAVE or rewrite) writes its file, as
   * Redis skips it while a child runs; the writes are still made, and under `always` their
   * replies go out after the write alone.
   */
  private fsyncHeldOff(): boolean {
    if (this.server.config.get('no-appendfsync-on-rewrite') !== 'yes') return false;
    if (this.rewrite === null && !this.server.persistence.bgsaveInProgress) return false;
    this.release(this.written);
    return true;
  }

  /**
   * aof_delayed_fsync as Redis counts it: under everysec Redis postpones a write while the
   * background fsync runs, up to 2 s, then writes anyway and counts one. Cinder writes at once
   * (a write during fdatasync cost 16 us against 9 us here, and replies keep following their
   * write), but counts the same events: one per 2 s of writes meeting an fsync still running.
   */
  private countDelayedFsync(): void {
    if (!this.fsyncInFlight || this.buf.length === 0) {
      this.postponedStartMs = 0;
      return;
    }
    const now = Date.now();
    if (this.postponedStartMs === 0) this.postponedStartMs = now;
    else if (now - this.postponedStartMs >= 2000) {
      this.delayedFsyncs++;
      this.postponedStartMs = 0;
    }
  }

  /** Writes aof_buf to the incremental file. Returns false when it failed (handled as Redis does). */
  private writeBuffer(): boolean {
    const b = this.buf;
    if (b.length === 0 || this.fd < 0) return true;
    const data = b.view();
    let off = 0;
    try {
      if (this.faultFile !== null) this.injectFault('write');
      while (off < data.length) off += fs.writeSync(this.fd, data, off, data.length - off);
    } catch (e) {
      if (off > 0) {
        // A partial write: cut the file back so it never ends in half a command.
        try {
          fs.ftruncateSync(this.fd, fs.fstatSync(this.fd).size - off);
        } catch {
          // The tail is handled by aof-load-truncated at the next start.
        }
      }
      return this.writeFailed(e);
    }
    this.written += data.length;
    this.currentSize += data.length;
    b.reset();
    if (this.writeError !== null) {
      this.server.log.warning('AOF write error looks solved, Redis can write again.');
      this.writeError = null;
    }
    return true;
  }

  private writeFailed(e: unknown): boolean {
    const log = this.server.log;
    const why = strerror(e);
    if (this.fsyncPolicy === 'always') {
      log.warning(`Error writing to the AOF file: ${why}`);
      this.fatal("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
    }
    // Redis logs a write error at most every 30 s (AOF_WRITE_LOG_ERROR_RATE); the cron retries every second.
    const now = Date.now();
    if (now - this.lastWriteErrorLogMs > 30_000) {
      log.warning(`Error writing to the AOF file: ${why}`);
      this.lastWriteErrorLogMs = now;
    }
    this.writeError = why;
    // As Redis: the data stays in the buffer for the cron to retry; writes are refused meanwhile
    // (MISCONF), and the replies of the commands already run are sent.
    this.release(this.appended);
    return false;
  }

  private startFsync(): void {
    if (this.fsyncInFlight || this.synced >= this.written || this.fd < 0) return;
    const target = this.written;
    const generation = this.fdGeneration;
    this.fsyncInFlight = true;
    this.fdatasync(this.fd, (err) => {
      this.fsyncInFlight = false;
      const after = this.afterFsync;
      if (after !== null) {
        this.afterFsync = null;
        after();
      }
      if (generation !== this.fdGeneration) {
        // The file was switched while this ran (its own fsync covers it).
      } else if (err) {
        const why = strerror(err);
        if (this.fsyncPolicy === 'always') {
          this.fatal(`Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${why}. Exiting...`);
        }
        // bio.c: logged when the status turns to error; writes are refused until an fsync succeeds.
        if (this.fsyncError === null) this.server.log.warning(`Fail to fsync the AOF file: ${why}`);
        this.fsyncError = why;
        // Tried again a second later (Redis sets aof_last_fsync when it queues the fsync).
        this.lastFsyncMs = Date.now();
        return;
      } else {
        this.fsyncError = null;
        if (target > this.synced) this.synced = target;
        this.lastFsyncMs = Date.now();
      }
      if (this.fsyncPolicy === 'always') {
        if (this.retiring.size === 0) this.release(this.synced);
        // Writes of the turns that ran meanwhile: the next group.
        if (!this.fsyncHeldOff()) this.startFsync();
      }
    });
  }

  /** fdatasync on the thread pool (or the fault CINDER_AOF_FAULT_FILE names). */
  private fdatasync(fd: number, done: (err: NodeJS.ErrnoException | null) => void): void {
    if (this.faultFile !== null) {
      try {
        this.injectFault('fsync');
      } catch (e) {
        setImmediate(() => done(e as NodeJS.ErrnoException));
        return;
      }
    }
    fs.fdatasync(fd, done);
  }

  /**
   * A switched-out incremental file: fsynced and closed on the thread pool, after the fsync in
   * flight on it if any (a synchronous fdatasync of up to a second of writes stalled every
   * client at the start of each rewrite). Under `always` the replies of what it holds wait.
   */
  private retire(fd: number): void {
    this.retiring.add(fd);
    if (this.written > this.retiredUpTo) this.retiredUpTo = this.written;
    const run = (): void => {
      this.fdatasync(fd, (err) => {
        fs.close(fd, () => {
          this.retiring.delete(fd);
          if (err) {
            const why = strerror(err);
            if (this.fsyncPolicy === 'always') {
              this.fatal(`Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${why}. Exiting...`);
            }
            if (this.fsyncError === null) this.server.log.warning(`Fail to fsync the AOF file: ${why}`);
            this.fsyncError = why;
            return;
          }
          if (this.retiring.size > 0) return;
          if (this.retiredUpTo > this.synced) this.synced = this.retiredUpTo;
          if (this.fsyncPolicy === 'always') this.release(this.synced);
        });
      });
    };
    if (!this.fsyncInFlight) run();
    else {
      const before = this.afterFsync;
      this.afterFsync = before === null ? run : () => (before(), run());
    }
  }

  /** Writes and fsyncs everything now (shutdown, turning the AOF off). */
  private syncNow(): void {
    // Files still being retired are fsynced here too (shutdown must not wait for the thread pool).
    for (const fd of this.retiring) {
      try {
        fs.fdatasyncSync(fd);
      } catch {
        // Closed meanwhile: its fsync had completed.
      }
    }
    if (this.fd < 0) return;
    this.writeBuffer();
    try {
      fs.fdatasyncSync(this.fd);
      this.synced = this.written;
      this.lastFsyncMs = Date.now();
    } catch (e) {
      this.server.log.warning(`Fail to fsync the AOF file: ${strerror(e)}`);
    }
    this.release(this.written);
  }

  private fatal(message: string): never {
    this.server.log.warning(message);
    process.exit(1);
  }

  /** Refused writes (writeCommandsDeniedByDiskError's AOF part), or null. */
  writesDeniedError(): string | null {
    const error = this.writeError ?? this.fsyncError;
    if (error === null || this.state === 'off') return null;
    return `MISCONF Errors writing to the AOF file: ${error}`;
  }

  /** Throws the error CINDER_AOF_FAULT_FILE asks for ("write ENOSPC", "fsync EIO"), if it exists. */
  private injectFault(op: 'write' | 'fsync'): void {
    let spec: string;
    try {
      spec = fs.readFileSync(this.faultFile!, 'latin1').trim();
    } catch {
      return;
    }
    const [what, code] = spec.split(/\s+/);
    if (what !== op) return;
    const e = new Error(`${code}: injected AOF ${op} fault`) as NodeJS.ErrnoException;
    e.code = code ?? 'EIO';
    throw e;
  }

  /** Switches the incremental file appended to; what was buffered goes to the old one first. */
  private switchIncr(fd: number): void {
    const old = this.fd;
    if (old >= 0) {
      this.writeBuffer();
      this.retire(old);
    }
    this.fd = fd;
    this.fdGeneration++;
    this.selectedDb = -1;
    this.lastTimestamp = 0;
    // Everything fed is written now (or failed: MISCONF, as writeFailed releases); under `always`
    // the old file's fsync releases its replies.
    if (this.fsyncPolicy !== 'always' || this.retiring.size === 0) this.release(this.appended);
  }

  // ------------------------------------------------------------------ manifest and files

  /** persistAofManifest: written to a temp file, fsynced, renamed over the manifest, directory fsynced. */
  private persistManifest(m: AofManifest): void {
    const dir = this.dirPath;
    const tmp = path.join(dir, fromLatin1(tempManifestFileName(this.appendFilename)));
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, Buffer.from(m.format(), 'latin1'));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.join(dir, fromLatin1(manifestFileName(this.appendFilename))));
    fsyncDir(dir);
    this.manifest = m;
  }

  private ensureDir(): void {
    fs.mkdirSync(this.dirPath, { recursive: true });
  }

  /** aofDelHistoryFiles: the files a rewrite made obsolete. */
  private deleteHistory(): void {
    if (this.manifest.history.length === 0) return;
    const m = this.manifest.clone();
    const history = m.history;
    m.history = [];
    this.persistManifest(m);
    this.unlinkHistory(history);
  }

  /** The files of a manifest's former history, unlinked on the thread pool (Redis's bg_unlink). */
  private unlinkHistory(files: readonly AofFileInfo[]): void {
    for (const f of files) {
      this.server.log.notice(`Removing the history file ${f.name} in the background`);
      fs.rm(this.filePath(f.name), { force: true }, ignoreError);
    }
  }

  fileSize(name: string): number {
    try {
      return fs.statSync(this.filePath(name)).size;
    } catch {
      return 0;
    }
  }

  private rdbPreamble(): boolean {
    return this.server.config.get('aof-use-rdb-preamble') === 'yes';
  }

  /**
   * The base's snapshot: an RDB preamble (aux aof-base 1), or with `preamble` false the commands
   * rewriteAppendOnlyFileRio writes (src/persistence/aof/base.ts).
   */
  private startSnapshot(preamble: boolean, sink: (chunk: Buffer) => void): RdbSnapshot {
    const p = this.server.persistence;
    const libraries = [...this.server.functions.libraries.values()].map((lib) => lib.code);
    if (!preamble) {
      const timestamp = this.timestamps ? Math.floor(Date.now() / 1000) : null;
      // Commands carry no access metadata: no IDLE / FREQ to compute.
      const opts = { ...p.snapshotOptions(), access: 'none' as const };
      return new RdbSnapshot(this.server.dbs, opts, sink, [], libraries, (_o, out) => new AofBaseWriter(out, timestamp));
    }
    const aux = p.auxFields().map(([k, v]) => [k, k === 'aof-base' ? '1' : v] as [string, string]);
    return new RdbSnapshot(this.server.dbs, p.snapshotOptions(), sink, aux, libraries);
  }

  /** Writes the dataset as a base file now (server start): temp file, fsync, rename. */
  private writeBaseNow(name: string): void {
    const tmp = path.join(this.serverDir, `temp-rewriteaof-${process.pid}.aof`);
    const fd = fs.openSync(tmp, 'w');
    try {
      const snapshot = this.startSnapshot(this.rdbPreamble(), (chunk) => writeAll(fd, chunk));
      snapshot.step(Infinity);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.filePath(name));
  }

  // ------------------------------------------------------------------ server start

  /**
   * aofOpenIfNeededOnServerStart (after loading): with appendonly yes, a base is written if the
   * manifest has none, the last incremental file is opened for appending (or a new one created),
   * and the AOF starts receiving effects.
   */
  openOnStart(fail: (message: string) => never = () => process.exit(1)): void {
    const config = this.server.config;
    if (config.get('appendonly') !== 'yes') return;
    const log = this.server.log;
    try {
      this.ensureDir();
    } catch (e) {
      const message = `Can't open or create append-only dir ${this.dirPath}: ${strerror(e)}`;
      log.warning(message);
      fail(message);
    }
    const m = this.manifest.clone();
    let changed = false;
    if (m.base === null && m.incrs.length === 0) {
      const name = baseFileName(this.appendFilename, ++m.baseSeq, this.rdbPreamble());
      log.notice(`Creating AOF base file ${name} on server start`);
      this.writeBaseNow(name);
      m.base = { name, seq: m.baseSeq, type: 'b' };
      changed = true;
    }
    let incr = m.incrs[m.incrs.length - 1];
    if (incr !== undefined) {
      log.notice(`Opening AOF incr file ${incr.name} on server start`);
    } else {
      incr = { name: incrFileName(this.appendFilename, ++m.incrSeq), seq: m.incrSeq, type: 'i' };
      log.notice(`Creating AOF incr file ${incr.name} on server start`);
      m.incrs.push(incr);
      changed = true;
    }
    const fd = fs.openSync(this.filePath(incr.name), 'a');
    if (changed) this.persistManifest(m);
    this.switchIncr(fd);
    this.state = 'on';
    this.server.propagation.addTarget(this);
    this.deleteHistory();
  }

  /**
   * loadAppendOnlyFiles, at once (the embedded open()): reads the manifest (migrating an old
   * single-file AOF into the directory first) and replays every file. Returns false when there is
   * no AOF. Throws AofLoadError (after logging why) when startup must stop.
   */
  loadOnStart(): boolean {
    const load = this.prepareLoad();
    if (load === null) return false;
    load.advance(false);
    return true;
  }

  /**
   * loadAppendOnlyFiles at server startup: in slices from the event loop, clients answered
   * -LOADING meanwhile (`persistence.loading`), as Redis processes events while it loads.
   * Resolves false when there is no AOF; rejects with AofLoadError when startup must stop.
   */
  async loadInSlices(): Promise<boolean> {
    const load = this.prepareLoad();
    if (load === null) return false;
    const persistence = this.server.persistence;
    persistence.loading = load;
    try {
      await runSlices(() => load.advance(true));
    } finally {
      persistence.loading = null;
    }
    return true;
  }

  /** The files to load, in order, or null when there is no AOF. */
  private prepareLoad(): AofLoading | null {
    const manifestPath = this.filePath(manifestFileName(this.appendFilename));
    const oldPath = path.join(this.serverDir, fromLatin1(this.appendFilename));
    if (!fs.existsSync(manifestPath) && fs.existsSync(oldPath)) this.migrateOldFile(oldPath);
    if (!this.readManifest()) return null;
    const files = this.manifest.loadOrder;
    if (files.length === 0) return null;
    return new AofLoading(this.server, this, files);
  }

  /** AofFiles: a file was loaded (aof_current_size / aof_base_size count what was loaded). */
  loaded(f: AofFileInfo, size: number): void {
    this.currentSize += size;
    if (f.type === 'b') this.baseSize = size;
  }

  /**
   * aofLoadManifestFromDisk: the manifest of the directory, if there is one (read even with the
   * AOF off, so a BGREWRITEAOF continues its sequence numbers). Returns false when there is none.
   */
  readManifest(): boolean {
    const log = this.server.log;
    const manifestPath = this.filePath(manifestFileName(this.appendFilename));
    let text: string;
    try {
      text = fs.readFileSync(manifestPath, 'latin1');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      log.warning(`Fatal error: can't open the AOF manifest ${manifestFileName(this.appendFilename)} for reading: ${strerror(e)}`);
      throw new AofLoadError('manifest');
    }
    let m: AofManifest;
    try {
      m = parseManifest(text);
    } catch (e) {
      if (e instanceof AofManifestError) {
        log.warning(e.message);
        throw new AofLoadError(e.message);
      }
      throw e;
    }
    this.manifest = m;
    return true;
  }

  /** aofUpgradePrepare: an old appendonly.aof becomes the base of a new directory. */
  private migrateOldFile(oldPath: string): void {
    const log = this.server.log;
    this.ensureDir();
    const name = this.appendFilename;
    const m = new AofManifest();
    m.base = { name, seq: 1, type: 'b' };
    m.baseSeq = 1;
    fs.renameSync(oldPath, this.filePath(name));
    this.persistManifest(m);
    log.notice(`Successfully migrated an old-style AOF file (${name}) into the AOF directory (${this.server.config.get('appenddirname')}).`);
  }

  // ------------------------------------------------------------------ turning on and off

  /** startAppendOnly (CONFIG SET appendonly yes): a rewrite writes the base first. */
  private start(): void {
    if (this.state !== 'off') return;
    const log = this.server.log;
    this.state = 'wait-rewrite';
    if (this.server.persistence.bgsaveInProgress) {
      this.rewriteScheduled = true;
      log.notice('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
      return;
    }
    if (this.rewriteInProgress) this.killRewrite();
    const err = this.startRewrite();
    if (err !== null) {
      this.state = 'off';
      log.warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
      throw new CommandError('ERR Unable to turn on AOF. Check server logs.');
    }
  }

  /** stopAppendOnly (CONFIG SET appendonly no). */
  private stop(): void {
    if (this.state === 'off') return;
    if (this.rewrite !== null) {
      this.server.log.notice(`Killing running AOF rewrite child: ${process.pid}`);
      this.killRewrite();
    }
    this.syncNow();
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    this.fdGeneration++;
    this.state = 'off';
    this.rewriteScheduled = false;
    this.writeError = null;
    this.fsyncError = null;
    this.server.propagation.removeTarget(this);
    this.buf.reset();
    this.appended = this.written;
    this.release(this.appended);
  }

  /**
   * A replica's full sync is about to replace the dataset (readSyncBulkPayload's stopAppendOnly):
   * the AOF stops, appendonly stays yes. Returns whether it was on.
   */
  stopForSync(): boolean {
    if (this.state === 'off') return false;
    this.stop();
    return true;
  }

  /** restartAOFAfterSYNC: the AOF starts again from a rewrite of the dataset the sync brought. */
  restartAfterSync(): void {
    try {
      this.start();
    } catch {
      // Logged by start(); the cron does not retry (Redis retries once a second): CONFIG SET appendonly.
    }
  }

  /** An embedded engine's close: a rewrite in progress abandoned, the AOF written, fsynced and closed. */
  close(): void {
    if (this.state !== 'off') this.stop();
    else if (this.rewrite !== null) this.killRewrite();
  }

  /** prepareForShutdown: the rewrite is abandoned, and the AOF flushed and fsynced. */
  beforeShutdown(): void {
    if (this.rewrite !== null) {
      this.server.log.warning('There is a child rewriting the AOF. Killing it!');
      this.killRewrite();
    }
    if (this.state === 'on') {
      this.server.log.notice('Calling fsync() on the AOF file.');
      this.syncNow();
    }
  }

  // ------------------------------------------------------------------ rewriting

  /**
   * BGREWRITEAOF. Returns the status reply text, or throws CommandError as Redis answers.
   * `scheduleOnly`: inside a transaction (Redis defers the fork to the cron).
   */
  bgrewrite(scheduleOnly: boolean): string {
    if (this.rewrite !== null) throw new CommandError('ERR Background append only file rewriting already in progress');
    if (this.server.persistence.bgsaveInProgress || scheduleOnly) {
      this.rewriteScheduled = true;
      this.rewritesConsecutiveFailures = 0;
      return 'Background append only file rewriting scheduled';
    }
    if (this.startRewrite() !== null) {
      throw new CommandError("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
    }
    return 'Background append only file rewriting started';
  }

  /** rewriteAppendOnlyFileBackground: a new incremental file, then the base written in slices. */
  private startRewrite(): string | null {
    const log = this.server.log;
    this.rewriteScheduled = false;
    let tmp = '';
    let fd = -1;
    try {
      this.ensureDir();
      if (this.state === 'on') {
        const m = this.manifest.clone();
        const incr: AofFileInfo = { name: incrFileName(this.appendFilename, ++m.incrSeq), seq: m.incrSeq, type: 'i' };
        const incrFd = fs.openSync(this.filePath(incr.name), 'a');
        m.incrs.push(incr);
        this.persistManifest(m);
        log.notice(`Creating AOF incr file ${incr.name} on background rewrite`);
        this.switchIncr(incrFd);
      } else if (this.state === 'wait-rewrite') {
        const name = tempIncrFileName(this.appendFilename);
        const incrFd = fs.openSync(this.filePath(name), 'w');
        log.notice(`Creating AOF incr file ${name} on background rewrite`);
        this.switchIncr(incrFd);
        this.currentSize = 0;
        this.server.propagation.addTarget(this);
      }
      tmp = path.join(this.serverDir, `temp-rewriteaof-bg-${process.pid}.aof`);
      fd = fs.openSync(tmp, 'w');
    } catch (e) {
      log.warning(`Can't rewrite append only file in background: ${strerror(e)}`);
      this.lastBgrewriteOk = false;
      return strerror(e);
    }
    let rw: Rewrite | null = null;
    const preamble = this.rdbPreamble();
    const snapshot = this.startSnapshot(preamble, (chunk) => {
      writeAll(fd, chunk);
      if (rw !== null) this.rewriteWrote(rw, chunk.length);
    });
    const driver = new SnapshotDriver(snapshot, {
      beforeSlice: () => this.flushTurnNow(),
      keySaveDelayUs: () => Number(this.server.config.get('rdb-key-save-delay')),
      walked: () => this.walkDone(rw!),
      failed: (e) => this.rewriteFailed(e),
    });
    rw = {
      snapshot,
      fd,
      tmp,
      startMs: Date.now(),
      driver,
      preamble,
      autosync: this.server.config.get('aof-rewrite-incremental-fsync') === 'yes',
      unsynced: 0,
      syncInFlight: false,
      afterSync: null,
      syncError: null,
    };
    this.rewrite = rw;
    log.notice(`Background append only file rewriting started by pid ${process.pid}`);
    driver.start();
    return null;
  }

  /**
   * aof-rewrite-incremental-fsync (rioSetAutoSync): every 4 MB of base an fsync, so the kernel
   * never holds a large dirty backlog to flush at the end. Redis's child fsyncs inline; here it
   * runs on the thread pool, one at a time, and the final fsync waits for it.
   */
  private rewriteWrote(rw: Rewrite, bytes: number): void {
    if (!rw.autosync) return;
    rw.unsynced += bytes;
    if (rw.unsynced < AUTOSYNC_BYTES || rw.syncInFlight) return;
    rw.unsynced = 0;
    rw.syncInFlight = true;
    fs.fdatasync(rw.fd, (err) => {
      rw.syncInFlight = false;
      if (err) rw.syncError ??= err;
      const next = rw.afterSync;
      rw.afterSync = null;
      next?.();
    });
  }

  /** SAVE during a rewrite: the rewrite's walk completes now (the keyspace has one observer). */
  finishRewriteWalk(): void {
    this.rewrite?.driver.finishNow();
  }

  /** The base is all written: its fsync and close run off the event loop, then the swap. */
  private walkDone(rw: Rewrite): void {
    if (rw.syncInFlight) {
      rw.afterSync = () => this.walkDone(rw);
      return;
    }
    if (rw.syncError !== null) {
      this.rewriteFailed(rw.syncError);
      return;
    }
    fs.fsync(rw.fd, (err) => {
      if (this.rewrite !== rw) return;
      if (err) return this.rewriteFailed(err);
      fs.close(rw.fd, (err2) => {
        if (this.rewrite !== rw) return;
        rw.fd = -1;
        if (err2) return this.rewriteFailed(err2);
        this.server.log.notice(`Successfully created the temporary AOF base file ${path.basename(rw.tmp)}`);
        try {
          this.rewriteDone(rw);
        } catch (e) {
          this.rewriteFailed(e);
        }
      });
    });
  }

  /** backgroundRewriteDoneHandler: the new base and incremental file replace the old ones. */
  private rewriteDone(rw: Rewrite): void {
    const log = this.server.log;
    log.notice('Background AOF rewrite terminated with success');
    const m = this.manifest.clone();
    const baseName = baseFileName(this.appendFilename, ++m.baseSeq, rw.preamble);
    fs.renameSync(rw.tmp, this.filePath(baseName));
    log.notice(`Successfully renamed the temporary AOF base file ${path.basename(rw.tmp)} into ${baseName}`);
    if (m.base !== null) m.history.push({ ...m.base, type: 'h' });
    m.base = { name: baseName, seq: m.baseSeq, type: 'b' };
    if (this.state === 'wait-rewrite') {
      const tempName = tempIncrFileName(this.appendFilename);
      const incr: AofFileInfo = { name: incrFileName(this.appendFilename, ++m.incrSeq), seq: m.incrSeq, type: 'i' };
      fs.renameSync(this.filePath(tempName), this.filePath(incr.name));
      log.notice(`Successfully renamed the temporary AOF incr file ${tempName} into ${incr.name}`);
      for (const f of m.incrs) m.history.push({ ...f, type: 'h' });
      m.incrs = [incr];
    } else {
      // Every incremental file but the one being appended to is in the new base now (with the
      // AOF off, all of them).
      const keep = this.state === 'on' ? 1 : 0;
      const old = m.incrs.splice(0, m.incrs.length - keep);
      for (const f of old) m.history.push({ ...f, type: 'h' });
    }
    // The files replaced go straight out of the manifest (Redis lists them as history, persists,
    // then persists again without them): one manifest fsync and directory fsync fewer on the
    // event loop. A crash before their unlink leaves files no manifest names, which loading ignores.
    const replaced = m.history;
    m.history = [];
    fsyncDir(this.dirPath);
    this.persistManifest(m);
    this.rewrite = null;
    this.baseSize = this.fileSize(baseName);
    this.currentSize = this.baseSize;
    for (const f of m.incrs) this.currentSize += this.fileSize(f.name);
    if (this.state === 'wait-rewrite') this.state = 'on';
    this.lastBgrewriteOk = true;
    this.rewrites++;
    this.rewritesConsecutiveFailures = 0;
    this.lastRewriteSeconds = Math.floor((Date.now() - rw.startMs) / 1000);
    this.unlinkHistory(replaced);
    log.notice('Background AOF rewrite finished successfully');
  }

  private rewriteFailed(e: unknown): void {
    const rw = this.rewrite;
    if (rw === null) return;
    const log = this.server.log;
    this.cleanUpRewrite(rw);
    log.warning(`Error writing the AOF base file: ${strerror(e)}`);
    log.warning('Background AOF rewrite terminated with error');
    this.lastBgrewriteOk = false;
    this.rewritesConsecutiveFailures++;
    this.lastRewriteSeconds = Math.floor((Date.now() - rw.startMs) / 1000);
    // CONFIG SET appendonly yes still waits for its base: the cron tries again.
    if (this.state === 'wait-rewrite') this.rewriteScheduled = true;
  }

  private cleanUpRewrite(rw: Rewrite): void {
    this.rewrite = null;
    rw.driver.stop();
    if (rw.fd >= 0) {
      try {
        fs.closeSync(rw.fd);
      } catch {
        // closing already
      }
    }
    fs.rmSync(rw.tmp, { force: true });
  }

  /** killAppendOnlyChild: the rewrite is abandoned (its temp files removed). */
  killRewrite(): void {
    const rw = this.rewrite;
    if (rw === null) return;
    this.cleanUpRewrite(rw);
    if (this.state === 'wait-rewrite') {
      // The writes made meanwhile were going to the temp incr file, which no manifest names.
      this.server.propagation.removeTarget(this);
      if (this.fd >= 0) fs.closeSync(this.fd);
      this.fd = -1;
      this.fdGeneration++;
      this.buf.reset();
      this.appended = this.written;
      this.release(this.appended);
      fs.rmSync(this.filePath(tempIncrFileName(this.appendFilename)), { force: true });
    }
  }

  /** serverCron's AOF part: scheduled and automatic rewrites, fsync once a second, write retries. */
  cron(): void {
    if (this.state !== 'off') {
      // Redis retries a failed write once a second (run_with_period(1000) in serverCron).
      if (this.writeError !== null && this.buf.length > 0 && Date.now() - this.lastWriteRetryMs >= 1000) {
        this.lastWriteRetryMs = Date.now();
        if (this.writeBuffer() && this.fsyncPolicy !== 'always') this.release(this.written);
      }
      if (this.fsyncPolicy === 'everysec' && this.written > this.synced && Date.now() - this.lastFsyncMs >= 1000 && !this.fsyncHeldOff()) this.startFsync();
    }
    if (this.rewrite !== null || this.server.persistence.bgsaveInProgress) return;
    if (this.rewriteScheduled) {
      this.startRewrite();
      return;
    }
    if (this.state !== 'on') return;
    const cfg = this.server.config;
    const percentage = Number(cfg.get('auto-aof-rewrite-percentage'));
    const minSize = Number(cfg.get('auto-aof-rewrite-min-size'));
    if (percentage > 0 && this.currentSize > minSize) {
      const base = this.baseSize > 0 ? this.baseSize : 1;
      const growth = Math.floor((this.currentSize * 100) / base) - 100;
      if (growth >= percentage) {
        this.server.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
        this.startRewrite();
      }
    }
  }

  /** INFO persistence's aof_* fields, as Redis 7.0 lists them. */
  infoFields(field: (name: string, value: string | number) => void): void {
    field('aof_enabled', this.state !== 'off' ? 1 : 0);
    field('aof_rewrite_in_progress', this.rewrite !== null ? 1 : 0);
    field('aof_rewrite_scheduled', this.rewriteScheduled ? 1 : 0);
    field('aof_last_rewrite_time_sec', this.lastRewriteSeconds);
    field('aof_current_rewrite_time_sec', this.rewrite !== null ? Math.floor((Date.now() - this.rewrite.startMs) / 1000) : -1);
    field('aof_last_bgrewrite_status', this.lastBgrewriteOk ? 'ok' : 'err');
    field('aof_rewrites', this.rewrites);
    field('aof_rewrites_consecutive_failures', this.rewritesConsecutiveFailures);
    field('aof_last_write_status', this.writeError === null && this.fsyncError === null ? 'ok' : 'err');
    field('aof_last_cow_size', 0);
  }

  /** The fields INFO adds while `appendonly` is yes (the directive: also while the AOF loads). */
  infoEnabledFields(field: (name: string, value: string | number) => void): void {
    if (this.server.config.get('appendonly') !== 'yes') return;
    field('aof_current_size', this.currentSize);
    field('aof_base_size', this.baseSize);
    field('aof_pending_rewrite', this.rewriteScheduled ? 1 : 0);
    field('aof_buffer_length', this.buf.length);
    field('aof_pending_bio_fsync', this.fsyncInFlight ? 1 : 0);
    field('aof_delayed_fsync', this.delayedFsyncs);
  }

  /** mem_aof_buffer. */
  get bufferBytes(): number {
    return this.buf.length;
  }
}

function fromLatin1(s: string): string {
  return Buffer.from(s, 'latin1').toString();
}

function writeAll(fd: number, chunk: Buffer): void {
  let off = 0;
  while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
}

/** After a rename, the directory entry must reach the disk too. */
function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories.
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** A callback for background file operations whose failure changes nothing (a history file's unlink). */
function ignoreError(): void {}
