import type { Server } from './server.js';
import type { Keyspace } from '../engine/keyspace.js';
import { LRU_CLOCK_MAX, lfuTimeInMinutes, lruClock } from '../engine/access.js';
import { RdbFileReader } from '../persistence/rdb/file.js';
import type { RdbLoadLimits } from '../persistence/rdb/reader.js';

/**
 * One load of an RDB file into a server's databases (rdbLoadRioWithLoadingCtx's loop and its
 * loading_* state). DEBUG RELOAD runs it to the end at once into fresh databases; startup runs it
 * in slices from the event loop into the live (empty) databases, and the command path answers
 * commands without the `loading` flag with -LOADING meanwhile (processCommand's loading gate).
 */

/** What loading a file found (rdb_last_load_keys_*). */
export interface LoadResult {
  keysLoaded: number;
  keysExpired: number;
  /**
   * The replication position the file was taken at, from its repl-id / repl-offset /
   * repl-stream-db aux fields (a master writes them into the RDB it sends a replica), or null.
   */
  repl?: { replid: string; offset: number; db: number } | null;
}

/** How long a loading slice runs before clients are served (ms). */
export const LOAD_SLICE_MS = 10;

/** A load in progress at startup: the -LOADING gate's condition and INFO's loading_* fields. */
export interface LoadingProgress {
  infoFields(): Array<[string, string | number]>;
}

/**
 * What one loading slice may do under key-load-delay (microseconds per key, for tests): the keys
 * whose delays add up to a millisecond, then a wait that long. Without it, a slice is timed only.
 */
export function loadingBudget(config: Server['config']): { maxKeys: number; waitMs: number } {
  const delayUs = Number(config.get('key-load-delay') ?? 0);
  if (delayUs > 0) {
    const maxKeys = Math.max(1, Math.floor(1000 / delayUs));
    return { maxKeys, waitMs: Math.max(1, Math.round((maxKeys * delayUs) / 1000)) };
  }
  // debugDelay's statistical sleep: 1 µs once in -delay keys.
  if (delayUs < 0) return { maxKeys: 1000 * -delayUs, waitMs: 1 };
  return { maxKeys: Infinity, waitMs: 0 };
}

/**
 * Runs a load's slices from the event loop until it is done (startup's RDB and AOF, a replica's
 * sync): `step` loads one slice and says whether all is loaded and how long to wait before the
 * next one (key-load-delay); clients are served between slices. Rejects with what a step throws.
 */
export function runSlices(step: () => { done: boolean; waitMs: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = (): void => {
      let slice: { done: boolean; waitMs: number };
      try {
        slice = step();
      } catch (e) {
        return reject(e);
      }
      if (slice.done) return resolve();
      if (slice.waitMs > 0) setTimeout(next, slice.waitMs);
      else setImmediate(next);
    };
    next();
  });
}

export class RdbLoad implements LoadingProgress {
  readonly result: LoadResult = { keysLoaded: 0, keysExpired: 0 };
  /** FUNCTION2 records, loaded into the server once the file was read to its end. */
  readonly libraries: string[] = [];
  /** loading_start_time (Unix seconds). */
  readonly startTime = Math.floor(Date.now() / 1000);
  /** Where the file's RDB part ended (an AOF's command tail follows), once read to the end. */
  end = 0;
  /** loading_rdb_used_mem: the file's used-mem aux field (0 until read). */
  rdbUsedMem = 0;
  /** loading_loaded_bytes: the reader's offset when clients were last served. */
  loadedBytes = 0;
  private readonly reader: RdbFileReader;

  /**
   * @param buf the whole file
   * @param dbs where keys go: the server's own at startup, or fresh ones a caller swaps in
   */
  constructor(
    private readonly server: Server,
    readonly buf: Buffer,
    dbs: Keyspace[],
    limits: RdbLoadLimits,
  ) {
    const log = server.log;
    const now = Date.now();
    const lfu = server.accessTracking.lfu;
    // A master skips keys already expired; a replica keeps them: its master sends their DELs (rdbLoad's iAmMaster()).
    const skipExpired = server.replication.masterHost === null;
    const result = this.result;
    const libraries = this.libraries;
    let db = dbs[0];
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.reader = new RdbFileReader(
      buf,
      limits,
      {
        aux(name, value) {
          if (name === 'redis-ver') log.notice(`Loading RDB produced by version ${value}`);
          else if (name === 'ctime') log.notice(`RDB age ${Math.max(0, Math.floor(now / 1000) - Number(value))} seconds`);
          else if (name === 'used-mem') {
            self.rdbUsedMem = Number(value) || 0;
            log.notice(`RDB memory usage when created ${(Number(value) / (1024 * 1024)).toFixed(2)} Mb`);
          } else if (name === 'aof-base' && value !== '0') log.notice('RDB is base AOF');
          else if (name === 'repl-id') (result.repl ??= { replid: '', offset: -1, db: -1 }).replid = value;
          else if (name === 'repl-offset') (result.repl ??= { replid: '', offset: -1, db: -1 }).offset = Number(value);
          else if (name === 'repl-stream-db') (result.repl ??= { replid: '', offset: -1, db: -1 }).db = Number(value);
        },
        functionLibrary(code) {
          libraries.push(code);
        },
        selectDb(id) {
          if (id >= dbs.length) {
            return `FATAL: Data file was created with a Redis server configured to handle more than ${dbs.length} databases`;
          }
          db = dbs[id];
        },
        resizeDb(size) {
          // dictExpand's hint, bounded by the file (a key record takes 3 bytes or more).
          if (db.size === 0) db.reserve(Math.min(size, Math.floor(buf.length / 3)));
        },
        key(_db, key, value, expire, idle, freq) {
          // Keys already expired are skipped, as a master does.
          if (skipExpired && expire !== -1 && Number(expire) < now) {
            result.keysExpired++;
            return;
          }
          if (!db.set(key, value)) return `RDB has duplicated key '${key}' in DB ${db.id}`;
          if (expire !== -1) db.setExpire(key, expire);
          // objectSetLRUOrLFU: FREQ under an LFU policy, IDLE under the others.
          if (lfu && freq >= 0) {
            db.setAccessWord(key, (lfuTimeInMinutes(now) << 8) | freq);
          } else if (!lfu && idle >= 0) {
            const clock = lruClock(now);
            let word = clock - idle;
            if (word < 0) word = (clock + Math.floor(LRU_CLOCK_MAX / 2)) % LRU_CLOCK_MAX;
            db.setAccessWord(key, word);
          }
          result.keysLoaded++;
        },
      },
      server.config.get('rdbchecksum') === 'yes',
    );
  }

  /** loading_total_bytes. */
  get totalBytes(): number {
    return this.buf.length;
  }

  /** Reads the whole file now. Throws RdbFormatError (with its offset) on a corrupt file. */
  runToEnd(): void {
    this.end = this.reader.step(Infinity)!.end;
    this.loadedBytes = this.buf.length;
  }

  /**
   * Reads one slice: LOADING_SLICE_MS, or up to the next multiple of
   * loading-process-events-interval-bytes, or (key-load-delay, microseconds per key, for tests)
   * the keys whose delays add up to a millisecond. Returns whether the file is done, and how
   * long to wait before the next slice (ms; 0: as soon as clients were served).
   */
  slice(): { done: boolean; waitMs: number } {
    const yieldBytes = Number(this.server.config.get('loading-process-events-interval-bytes') ?? 0);
    const { maxKeys, waitMs } = loadingBudget(this.server.config);
    const finished = this.reader.step(performance.now() + LOAD_SLICE_MS, maxKeys, yieldBytes);
    if (finished !== null) this.end = finished.end;
    const done = finished !== null;
    this.loadedBytes = done ? this.buf.length : this.reader.offset;
    return { done, waitMs };
  }

  /** Installs the function libraries read (they replace the server's). */
  installLibraries(): void {
    const functions = this.server.functions;
    functions.flush();
    for (const code of this.libraries) functions.load(code, false);
  }

  /** INFO persistence's loading_* fields. */
  infoFields(): Array<[string, string | number]> {
    return loadingInfoFields(this.startTime, this.totalBytes, this.loadedBytes, this.rdbUsedMem);
  }
}

/** INFO persistence's loading_* fields, as Redis computes them (RDB and AOF loading alike). */
export function loadingInfoFields(startTime: number, total: number, loaded: number, rdbUsedMem: number): Array<[string, string | number]> {
  const perc = total > 0 ? (loaded / total) * 100 : 0;
  const remaining = total > 0 ? total - loaded : 1;
  const elapsed = Math.floor(Date.now() / 1000) - startTime;
  // A fake one second before there is anything to go by.
  const eta = elapsed === 0 ? 1 : Math.floor((elapsed * remaining) / (loaded + 1));
  return [
    ['loading_start_time', startTime],
    ['loading_total_bytes', total],
    ['loading_rdb_used_mem', rdbUsedMem],
    ['loading_loaded_bytes', loaded],
    ['loading_loaded_perc', perc.toFixed(2)],
    ['loading_eta_seconds', eta],
  ];
}
