import fs from 'node:fs';
import path from 'node:path';
import type { Server } from './server.js';
import { Keyspace } from '../engine/keyspace.js';
import { listpackLimits } from '../engine/types/hash.js';
import { intsetLimit } from '../engine/types/set.js';
import type { RdbLoadLimits } from '../persistence/rdb/reader.js';
import { RdbSnapshot, type SnapshotOptions } from '../persistence/snapshot.js';
import { REDIS_VERSION } from '../util/version.js';
import { RdbLoad, runSlices, type LoadResult, type LoadingProgress } from './loading.js';
import { SnapshotDriver } from './snapshot-driver.js';
import type { ReplicationSave } from './replication/master.js';

export { RdbFormatError } from '../persistence/rdb/encodings.js';

/**
 * RDB persistence for a server (rdb.c's SAVE / BGSAVE / loading and serverCron's save points):
 * - SAVE writes the whole snapshot at once; BGSAVE writes the same snapshot in time slices from
 *   the event loop while clients are served (src/persistence/snapshot.ts: copy-on-write per key);
 * - files are written to temp-<pid>.rdb, fsynced, renamed over the target, and the directory
 *   fsynced, so a crash mid-save never damages the previous file;
 * - loading reads a whole file into fresh databases (a corrupt file changes nothing);
 * - INFO persistence, LASTSAVE and the MISCONF gate read the state kept here.
 */

/** CONFIG_BGSAVE_RETRY_DELAY: seconds before a failed BGSAVE is retried by the save points. */
const BGSAVE_RETRY_DELAY = 5;

export const MISCONF_ERROR =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

export type { LoadResult };

interface Bgsave {
  snapshot: RdbSnapshot;
  /** Started for replicas (their hooks hear how it ends); a diskless one writes no file. */
  repl: ReplicationSave | null;
  fd: number;
  tmp: string;
  startMs: number;
  dirtyAtStart: number;
  driver: SnapshotDriver;
}

export class Persistence {
  /** `dirty` when the last successful save started (rdb_changes_since_last_save is the difference). */
  dirtyAtLastSave = 0;
  lastBgsaveOk = true;
  /** Seconds the last BGSAVE took (-1 before one ran). */
  lastBgsaveSeconds = -1;
  /** Unix seconds of the last BGSAVE attempt (a failed one is retried after BGSAVE_RETRY_DELAY). */
  lastBgsaveTry = 0;
  /** Successful saves (rdb_saves). */
  saves = 0;
  /** BGSAVE SCHEDULE / BGSAVE inside a transaction: run from the cron when possible. */
  bgsaveScheduled = false;
  lastLoad: LoadResult = { keysLoaded: 0, keysExpired: 0 };
  /** Where the last file loaded ended its RDB part (an AOF's command tail follows). */
  lastLoadEnd = 0;
  /** The load in progress at startup (INFO loading:1, the -LOADING gate), or null. */
  loading: LoadingProgress | null = null;
  private bg: Bgsave | null = null;

  constructor(private readonly server: Server) {}

  get bgsaveInProgress(): boolean {
    return this.bg !== null;
  }

  /** rdb_changes_since_last_save. */
  get changesSinceLastSave(): number {
    return this.server.dirty - this.dirtyAtLastSave;
  }

  /** INFO's current_save_keys_processed / _total and rdb_current_bgsave_time_sec. */
  currentSave(): { processed: number; total: number; seconds: number } {
    const bg = this.bg;
    if (bg === null) return { processed: 0, total: 0, seconds: -1 };
    const s = bg.snapshot;
    return { processed: s.keysSaved + s.savedAhead, total: s.keysTotal, seconds: Math.floor((Date.now() - bg.startMs) / 1000) };
  }

  /** writeCommandsDeniedByDiskError: a failed BGSAVE stops writes while save points are set. */
  writesDenied(): boolean {
    const cfg = this.server.config;
    return !this.lastBgsaveOk && cfg.save.length > 0 && cfg.get('stop-writes-on-bgsave-error') === 'yes';
  }

  /** The file SAVE writes and startup loads: dir + dbfilename. */
  rdbPath(): string {
    const cfg = this.server.config;
    return path.join(fromLatin1(cfg.get('dir')!), fromLatin1(cfg.get('dbfilename')!));
  }

  private tempPath(): string {
    return path.join(fromLatin1(this.server.config.get('dir')!), `temp-${process.pid}.rdb`);
  }

  /** How a snapshot writes records (also the AOF rewrite's RDB preamble). */
  snapshotOptions(): SnapshotOptions {
    const cfg = this.server.config;
    const policy = cfg.maxmemoryPolicy;
    return {
      compression: cfg.get('rdbcompression') === 'yes',
      checksum: cfg.get('rdbchecksum') === 'yes',
      listFill: cfg.listMaxListpackSize,
      access: policy.includes('lfu') ? 'freq' : policy.includes('lru') ? 'idle' : 'none',
    };
  }

  /**
   * rdbSaveInfoAuxFields: the replication fields (rdbPopulateSaveInfo) while a backlog exists, so
   * the file can seed a partial resync.
   */
  auxFields(): Array<[string, string]> {
    const aux: Array<[string, string]> = [
      ['redis-ver', REDIS_VERSION],
      ['redis-bits', '64'],
      ['ctime', String(Math.floor(Date.now() / 1000))],
      ['used-mem', String(this.server.memory.used())],
    ];
    const rsi = this.server.replicationMaster.saveInfo();
    if (rsi !== null) {
      const repl = this.server.replication;
      aux.push(['repl-stream-db', String(rsi.streamDb)], ['repl-id', repl.replid], ['repl-offset', String(repl.masterReplOffset)]);
    }
    aux.push(['aof-base', '0']);
    return aux;
  }

  private startSnapshot(sink: (chunk: Buffer) => void, withoutData = false): RdbSnapshot {
    const libraries = [...this.server.functions.libraries.values()].map((lib) => lib.code);
    return new RdbSnapshot(withoutData ? [] : this.server.dbs, this.snapshotOptions(), sink, this.auxFields(), libraries);
  }

  /**
   * rdbSave: the whole dataset to the RDB file now, atomically. Returns false (after logging why)
   * when it could not be written; the previous file is then untouched.
   */
  save(): boolean {
    const log = this.server.log;
    const tmp = this.tempPath();
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'w');
    } catch (e) {
      log.warning(`Failed opening the temp RDB file ${path.basename(tmp)} (in server root dir ${path.dirname(tmp)}) for saving: ${errText(e)}`);
      return false;
    }
    const startDirty = this.server.dirty;
    // An AOF rewrite walking the keyspace finishes its walk first (a keyspace has one observer).
    this.server.aof.finishRewriteWalk();
    let snapshot: RdbSnapshot | null = null;
    try {
      snapshot = this.startSnapshot((chunk) => writeAll(fd, chunk));
      snapshot.step(Infinity);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fs.renameSync(tmp, this.rdbPath());
      fsyncDir(path.dirname(this.rdbPath()));
    } catch (e) {
      snapshot?.abort();
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
      fs.rmSync(tmp, { force: true });
      log.warning(`Write error saving DB on disk: ${errText(e)}`);
      return false;
    }
    log.notice('DB saved on disk');
    this.dirtyAtLastSave = startDirty;
    this.server.lastSave = Math.floor(Date.now() / 1000);
    this.lastBgsaveOk = true;
    this.saves++;
    return true;
  }

  /**
   * rdbSaveBackground: starts a point-in-time snapshot written in slices. Returns an error text
   * when it could not start (the reason is logged).
   */
  bgsave(repl: ReplicationSave | null = null, started: (() => void) | null = null): string | null {
    if (this.bg !== null) return 'ERR Background save already in progress';
    const log = this.server.log;
    this.lastBgsaveTry = Math.floor(Date.now() / 1000);
    const diskless = repl !== null && repl.sink !== null;
    const tmp = diskless ? '' : this.tempPath();
    let fd = -1;
    if (!diskless) {
      try {
        fd = fs.openSync(tmp, 'w');
      } catch (e) {
        log.warning(`Failed opening the temp RDB file ${path.basename(tmp)} (in server root dir ${path.dirname(tmp)}) for saving: ${errText(e)}`);
        this.lastBgsaveOk = false;
        return 'ERR';
      }
    }
    const fileFd = fd;
    const snapshot = this.startSnapshot(diskless ? repl.sink! : (chunk) => writeAll(fileFd, chunk), repl?.withoutData ?? false);
    const bg: Bgsave = {
      snapshot,
      repl,
      fd,
      tmp,
      startMs: Date.now(),
      dirtyAtStart: this.server.dirty,
      driver: new SnapshotDriver(snapshot, {
        beforeSlice: () => this.server.aof.flushTurnNow(),
        keySaveDelayUs: () => Number(this.server.config.get('rdb-key-save-delay')),
        walked: () => (diskless ? this.transferDone(bg) : this.walked(bg)),
        failed: (e) => this.bgsaveFailed(e),
        hold: diskless ? (resume) => repl.hold(resume) : undefined,
      }),
    };
    this.bg = bg;
    log.notice(diskless ? `Background RDB transfer started by pid ${process.pid}` : `Background saving started by pid ${process.pid}`);
    started?.();
    bg.driver.start();
    return null;
  }

  /** A diskless transfer handed its last bytes to the replicas' sockets (no file, no LASTSAVE). */
  private transferDone(bg: Bgsave): void {
    if (this.bg !== bg) return;
    this.bg = null;
    this.server.log.notice('Background RDB transfer terminated with success');
    bg.repl?.done(true);
  }

  /** The data is all written: flushing it to the disk and renaming happen off the event loop. */
  private walked(bg: Bgsave): void {
    const target = this.rdbPath();
    fs.fsync(bg.fd, (err) => {
      if (this.bg !== bg) return;
      if (err) return this.bgsaveFailed(err);
      fs.close(bg.fd, (err2) => {
        if (this.bg !== bg) return;
        if (err2) return this.bgsaveFailed(err2);
        bg.fd = -1;
        fs.rename(bg.tmp, target, (err3) => {
          if (this.bg !== bg) return;
          if (err3) return this.bgsaveFailed(err3);
          fsyncDirAsync(path.dirname(target), () => this.bgsaveDone(bg));
        });
      });
    });
  }

  private bgsaveDone(bg: Bgsave): void {
    if (this.bg !== bg) return;
    this.bg = null;
    const log = this.server.log;
    log.notice('DB saved on disk');
    log.notice('Background saving terminated with success');
    this.dirtyAtLastSave = bg.dirtyAtStart;
    this.server.lastSave = Math.floor(Date.now() / 1000);
    this.lastBgsaveOk = true;
    this.lastBgsaveSeconds = Math.floor((Date.now() - bg.startMs) / 1000);
    this.saves++;
    bg.repl?.done(true);
  }

  private bgsaveFailed(e: unknown): void {
    const bg = this.bg;
    if (bg === null) return;
    this.cleanUp(bg);
    this.server.log.warning(`Write error saving DB on disk: ${errText(e)}`);
    this.server.log.warning('Background saving error');
    this.lastBgsaveOk = false;
    this.lastBgsaveSeconds = Math.floor((Date.now() - bg.startMs) / 1000);
  }

  private cleanUp(bg: Bgsave): void {
    this.bg = null;
    bg.driver.stop();
    if (bg.fd >= 0) {
      try {
        fs.closeSync(bg.fd);
      } catch {
        // closing already
      }
    }
    if (bg.tmp !== '') fs.rmSync(bg.tmp, { force: true });
    // Replicas waiting for this snapshot are dropped (they retry with a new sync).
    bg.repl?.done(false);
  }

  /**
   * killRDBChild: abandons a BGSAVE in progress (FLUSHALL, SHUTDOWN, DEBUG RELOAD replace the
   * dataset). As a child killed by SIGUSR1, it does not count as a failed save.
   */
  killBgsave(): void {
    const bg = this.bg;
    if (bg === null) return;
    this.cleanUp(bg);
    this.server.log.warning('Background saving terminated by signal 10');
    this.lastBgsaveSeconds = Math.floor((Date.now() - bg.startMs) / 1000);
  }

  /**
   * prepareForShutdown's saving: a BGSAVE in progress is abandoned; then the dataset is saved when
   * asked (SHUTDOWN SAVE) or when save points are set (SHUTDOWN, SIGTERM) unless NOSAVE. Returns
   * false when that save failed and the server must keep running (FORCE exits anyway).
   */
  saveBeforeShutdown(save: boolean | null, force: boolean): boolean {
    const log = this.server.log;
    this.server.aof.beforeShutdown();
    if (this.bg !== null) {
      log.warning('There is a child saving an .rdb. Killing it!');
      this.cleanUp(this.bg);
    }
    // Never while loading: a half-read dataset would overwrite the file (shutdownCommand).
    if (this.loading !== null) return true;
    if (save === false || (save === null && this.server.config.save.length === 0)) return true;
    log.notice('Saving the final RDB snapshot before exiting.');
    if (this.save()) return true;
    if (force) {
      log.warning('Error trying to save the DB. Exit anyway.');
      return true;
    }
    log.warning("Error trying to save the DB, can't exit.");
    return false;
  }

  /** serverCron's part: save points and a scheduled BGSAVE start a BGSAVE. */
  cron(): void {
    // One snapshot walks the keyspace at a time (Redis: one child): not during an AOF rewrite.
    if (this.bg !== null || this.server.aof.rewriteInProgress) return;
    const cfg = this.server.config;
    const now = Math.floor(Date.now() / 1000);
    if (this.bgsaveScheduled) {
      this.bgsaveScheduled = false;
      this.bgsave();
      return;
    }
    const changes = this.changesSinceLastSave;
    for (const [seconds, atLeast] of cfg.save) {
      if (changes >= atLeast && now - this.server.lastSave > seconds && (now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY || this.lastBgsaveOk)) {
        this.server.log.notice(`${changes} changes in ${seconds} seconds. Saving...`);
        this.bgsave();
        return;
      }
    }
  }

  /** The encoding limits values are loaded under. */
  loadLimits(): RdbLoadLimits {
    const cfg = this.server.config;
    const hash = listpackLimits(cfg);
    return {
      hashMaxListpackEntries: hash.maxEntries,
      hashMaxListpackValue: hash.maxValue,
      setMaxIntsetEntries: intsetLimit(cfg),
      zsetMaxListpackEntries: cfg.zsetMaxListpackEntries,
      zsetMaxListpackValue: cfg.zsetMaxListpackValue,
      streamNodeMaxBytes: cfg.streamNodeMaxBytes,
      streamNodeMaxEntries: cfg.streamNodeMaxEntries,
    };
  }

  /**
   * rdbLoad of a whole file into the server: the databases and function libraries are replaced
   * by the file's only once it has been read entirely, so a corrupt file (RdbFormatError, with
   * its offset) leaves everything as it was. Keys already expired are skipped, as a master does.
   * Logs Redis's lines. Throws fs errors as they are (ENOENT: no file).
   */
  load(file = this.rdbPath(), mode: { flush?: boolean; merge?: boolean } = {}, buf: Buffer = fs.readFileSync(file)): LoadResult {
    const server = this.server;
    // Same memory counter: the loaded bytes count as they arrive, and leave with a failed load.
    const staged: Keyspace[] = server.dbs.map((db) => new Keyspace(db.id, server.clock, server.accessTracking, db.memory));
    const load = new RdbLoad(server, buf, staged, this.loadLimits());
    try {
      load.runToEnd();
      if (mode.flush === false) mergeInto(server, load, staged, mode.merge === true);
    } catch (e) {
      for (const s of staged) s.clear();
      throw e;
    }
    if (mode.flush !== false) {
      // Read entirely: now the server's contents are replaced.
      load.installLibraries();
      for (let i = 0; i < staged.length; i++) {
        server.dbs[i].clear();
        server.dbs[i].swapWith(staged[i]);
      }
      // emptyData's signalFlushedDb: cached keys of the old contents are stale.
      server.tracking.flushed();
    }
    this.lastLoad = load.result;
    this.lastLoadEnd = load.end;
    server.log.notice(`Done loading RDB, keys loaded: ${load.result.keysLoaded}, keys expired: ${load.result.keysExpired}.`);
    return load.result;
  }

  /**
   * Startup's load: the file goes straight into the server's (empty) databases in slices from the
   * event loop, clients being answered between slices (-LOADING for commands without the
   * `loading` flag, INFO's loading_* fields). Resolves when done; rejects with RdbFormatError on a
   * corrupt file (the caller exits: the partial dataset is never served) or an fs error (ENOENT:
   * no file, nothing loaded).
   */
  async loadInSlices(file = this.rdbPath()): Promise<LoadResult> {
    const server = this.server;
    const buf = fs.readFileSync(file);
    const load = new RdbLoad(server, buf, server.dbs, this.loadLimits());
    this.loading = load;
    this.lastLoad = load.result;
    try {
      await runSlices(() => {
        if (this.loading !== load) throw new Error('loading abandoned');
        return load.slice();
      });
    } catch (e) {
      if (this.loading === load) this.loading = null;
      throw e;
    }
    load.installLibraries();
    this.loading = null;
    server.log.notice(`Done loading RDB, keys loaded: ${load.result.keysLoaded}, keys expired: ${load.result.keysExpired}.`);
    return load.result;
  }
}

/**
 * DEBUG RELOAD NOFLUSH: the file's libraries and keys are added to the server's. With `merge`
 * (RDBFLAGS_ALLOW_DUP) the file's win a conflict; without it a conflict is an error and nothing
 * changes (Redis panics on the duplicated key).
 */
function mergeInto(server: Server, load: RdbLoad, staged: Keyspace[], merge: boolean): void {
  if (!merge) {
    for (let i = 0; i < staged.length; i++) {
      const live = server.dbs[i];
      staged[i].forEach((key) => {
        if (live.has(key)) throw new Error(`RDB has duplicated key '${key}' in DB ${i}`);
      });
    }
  }
  for (const code of load.libraries) server.functions.load(code, merge);
  for (let i = 0; i < staged.length; i++) {
    const live = server.dbs[i];
    const from = staged[i];
    from.forEach((key, value) => {
      live.set(key, value);
      const expire = from.getExpireExact(key);
      if (expire !== -1) live.setExpire(key, expire);
      live.setAccessWord(key, from.accessWord(key));
    });
    from.clear();
  }
}

function fromLatin1(s: string): string {
  return Buffer.from(s, 'latin1').toString();
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
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
    // Some file systems refuse fsync on directories: the rename is done either way.
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

function fsyncDirAsync(dir: string, done: () => void): void {
  fs.open(dir, 'r', (err, fd) => {
    if (err) return done();
    fs.fsync(fd, () => fs.close(fd, () => done()));
  });
}
