import fs from 'node:fs';
import type { Server } from './server.js';
import { Client } from './client.js';
import { strerror } from './config.js';
import { RespWriter } from '../protocol/resp-writer.js';
import { RdbFormatError } from '../persistence/rdb/encodings.js';
import { AofFormatError, AofReader, AofTruncatedError } from '../persistence/aof/commands.js';
import type { AofFileInfo } from '../persistence/aof/manifest.js';
import { LOAD_SLICE_MS, RdbLoad, loadingBudget, loadingInfoFields, type LoadingProgress } from './loading.js';

/**
 * Loading the append-only files at startup (loadAppendOnlyFiles / loadSingleAppendOnlyFile): every
 * file of the manifest in order, an RDB preamble through the RDB loader, then its commands through
 * call() as Redis's AOF client does (no replies, MULTI queued until EXEC).
 *
 * The load is resumable: `advance` runs one slice (the server's startup, clients answered
 * -LOADING between slices and INFO showing loading_* progress, as Redis processes events while it
 * loads) or everything at once (the embedded `open()`, which is synchronous).
 */

/** A failure that stops startup; its lines are logged already. */
export class AofLoadError extends Error {}

/** What loading needs of the AOF it loads (src/server/aof.ts). */
export interface AofFiles {
  filePath(name: string): string;
  fileSize(name: string): number;
  /** aof_current_size / aof_base_size count what was loaded. */
  loaded(f: AofFileInfo, size: number): void;
}

export class AofLoading implements LoadingProgress {
  /** loading_start_time (Unix seconds). */
  readonly startTime = Math.floor(Date.now() / 1000);
  /** loading_total_bytes: every file of the manifest. */
  readonly totalBytes: number;
  /** loading_loaded_bytes, as of the last slice. */
  loadedBytes = 0;
  private readonly sizes: number[];
  private index = 0;
  /** Bytes of the files done. */
  private doneBytes = 0;
  private buf: Buffer | null = null;
  private rdb: RdbLoad | null = null;
  private replay: AofReplay | null = null;
  private fileStarted = 0;
  /** loading_rdb_used_mem: the used-mem field of the last RDB preamble read. */
  private rdbUsedMem = 0;
  private readonly started = performance.now();

  constructor(
    private readonly server: Server,
    private readonly aof: AofFiles,
    private readonly files: readonly AofFileInfo[],
  ) {
    this.sizes = files.map((f) => aof.fileSize(f.name));
    this.totalBytes = this.sizes.reduce((a, b) => a + b, 0);
  }

  /**
   * Loads one slice (`sliced`: about LOAD_SLICE_MS, or what key-load-delay allows) or everything.
   * Returns whether all files are loaded and how long to wait before the next slice (ms).
   * Throws AofLoadError, its reasons logged, when startup must stop.
   */
  advance(sliced: boolean): { done: boolean; waitMs: number } {
    const budget = sliced ? loadingBudget(this.server.config) : { maxKeys: Infinity, waitMs: 0 };
    const deadline = sliced ? performance.now() + LOAD_SLICE_MS : Infinity;
    let maxKeys = budget.maxKeys;
    while (this.index < this.files.length) {
      const f = this.files[this.index];
      if (this.buf === null) this.open(f);
      if (this.rdb !== null) {
        const done = this.readPreamble(f, sliced);
        if (!done) return { done: false, waitMs: budget.waitMs };
      }
      const replay = this.replay!;
      const ran = replay.run(deadline, maxKeys);
      this.loadedBytes = this.doneBytes + replay.offset;
      if (!replay.done) return { done: false, waitMs: budget.waitMs };
      maxKeys -= ran;
      this.closeFile(f);
      const more = this.index < this.files.length;
      if (more && sliced && (performance.now() >= deadline || maxKeys <= 0)) return { done: false, waitMs: budget.waitMs };
    }
    this.server.log.notice(`DB loaded from append only file: ${((performance.now() - this.started) / 1000).toFixed(3)} seconds`);
    return { done: true, waitMs: 0 };
  }

  private open(f: AofFileInfo): void {
    const log = this.server.log;
    const file = this.aof.filePath(f.name);
    this.fileStarted = performance.now();
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file);
    } catch (e) {
      log.warning(`Fatal error: can't open the append log file ${f.name} for reading: ${strerror(e)}`);
      throw new AofLoadError(f.name);
    }
    this.buf = buf;
    if (buf.length >= 5 && buf.latin1Slice(0, 5) === 'REDIS') {
      if (f.type === 'b' && f.name.endsWith('.rdb')) log.notice('Reading RDB base file on AOF loading...');
      else log.notice('Reading RDB preamble from AOF file...');
      // Startup's databases are empty: the preamble's keys go straight into them.
      this.rdb = new RdbLoad(this.server, buf, this.server.dbs, this.server.persistence.loadLimits());
    } else {
      this.startReplay(f, 0);
    }
  }

  /** The RDB part of a file, in slices or at once; then its command tail starts. */
  private readPreamble(f: AofFileInfo, sliced: boolean): boolean {
    const rdb = this.rdb!;
    try {
      if (sliced) {
        const step = rdb.slice();
        this.loadedBytes = this.doneBytes + rdb.loadedBytes;
        if (!step.done) return false;
      } else {
        rdb.runToEnd();
      }
    } catch (e) {
      if (e instanceof RdbFormatError) {
        this.server.log.warning(`Internal error in RDB reading offset ${e.offset} -> ${e.message}`);
        this.server.log.warning(`Error reading the RDB base file ${f.name}, AOF loading aborted`);
        throw new AofLoadError(f.name);
      }
      throw e;
    }
    rdb.installLibraries();
    this.rdbUsedMem = rdb.rdbUsedMem;
    const persistence = this.server.persistence;
    persistence.lastLoad = rdb.result;
    persistence.lastLoadEnd = rdb.end;
    this.server.log.notice(`Done loading RDB, keys loaded: ${rdb.result.keysLoaded}, keys expired: ${rdb.result.keysExpired}.`);
    this.rdb = null;
    if (rdb.end < this.buf!.length) this.server.log.notice('Reading the remaining AOF tail...');
    this.startReplay(f, rdb.end);
    return true;
  }

  private startReplay(f: AofFileInfo, start: number): void {
    const last = this.index === this.files.length - 1;
    this.replay = new AofReplay(this.server, this.buf!, start, f.name, this.aof.filePath(f.name), last);
  }

  private closeFile(f: AofFileInfo): void {
    const size = this.sizes[this.index];
    this.aof.loaded(f, this.aof.fileSize(f.name));
    const kind = f.type === 'b' ? 'base' : 'incr';
    this.server.log.notice(`DB loaded from ${kind} file ${f.name}: ${((performance.now() - this.fileStarted) / 1000).toFixed(3)} seconds`);
    this.doneBytes += size;
    this.loadedBytes = this.doneBytes;
    this.buf = null;
    this.replay = null;
    this.index++;
  }

  /** INFO persistence's loading_* fields (loading_rdb_used_mem: a preamble's used-mem, else 0). */
  infoFields(): Array<[string, string | number]> {
    return loadingInfoFields(this.startTime, this.totalBytes, this.loadedBytes, this.rdb?.rdbUsedMem ?? this.rdbUsedMem);
  }
}

/** Runs the commands of buf[start..] as the AOF client, resumably. */
class AofReplay {
  private readonly writer = new RespWriter();
  private readonly client: Client;
  private readonly reader: AofReader;
  private validUpTo: number;
  private validBeforeMulti: number;
  done = false;

  constructor(
    private readonly server: Server,
    buf: Buffer,
    start: number,
    private readonly name: string,
    private readonly file: string,
    private readonly last: boolean,
  ) {
    this.client = new Client(server, this.writer, 'aof');
    this.reader = new AofReader(buf, start);
    this.validUpTo = start;
    this.validBeforeMulti = start;
  }

  get offset(): number {
    return this.reader.pos;
  }

  /** Runs commands until the file ends, `deadline` (performance.now()) passes or `maxCommands` ran. */
  run(deadline: number, maxCommands: number): number {
    const server = this.server;
    const log = server.log;
    const c = this.client;
    const reader = this.reader;
    const exec = server.commands.lookupOriginal('exec');
    let ran = 0;
    for (;;) {
      // The clock is read once in 64 commands (a slice is milliseconds long).
      if (ran >= maxCommands || ((ran & 63) === 63 && performance.now() >= deadline)) return ran;
      let argv: string[] | null;
      const at = reader.pos;
      try {
        argv = reader.next();
      } catch (e) {
        if (e instanceof AofTruncatedError) {
          this.truncated(c.multi !== null ? this.validBeforeMulti : this.validUpTo, c.multi !== null);
          this.done = true;
          return ran;
        }
        if (e instanceof AofFormatError) {
          log.warning(`Bad file format reading the append only file ${this.name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
          log.warning(`AOF ${this.name} is not valid at offset ${e.offset}: ${e.message}`);
          throw new AofLoadError(this.name);
        }
        throw e;
      }
      if (argv === null) break;
      let cmd = server.commands.lookup(argv[0]) ?? server.commands.lookup(argv[0].toLowerCase());
      if (cmd !== undefined && cmd.subcommands !== null && argv.length > 1) {
        cmd = cmd.subcommands.get(argv[1]) ?? cmd.subcommands.get(argv[1].toLowerCase()) ?? cmd;
      }
      if (cmd === undefined || cmd.handler === undefined) {
        log.warning(`Unknown command '${argv[0]}' reading the append only file ${this.name}`);
        log.warning(`AOF ${this.name}: the command starts at offset ${at}`);
        throw new AofLoadError(this.name);
      }
      if (cmd.name === 'multi') this.validBeforeMulti = at;
      server.clock.now = Date.now();
      if (c.multi !== null && cmd !== exec) {
        c.multi.queue(cmd, argv);
      } else {
        server.call(c, cmd, argv);
      }
      this.writer.discard();
      if (c.multi === null) this.validUpTo = reader.pos;
      ran++;
    }
    if (c.multi !== null) {
      // The file ends inside a transaction: what it holds was never acknowledged.
      log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${this.name}`);
      this.truncated(this.validBeforeMulti, true);
    }
    this.done = true;
    return ran;
  }

  /** The file ends inside a command: aof-load-truncated decides (only for the last file). */
  private truncated(validUpTo: number, inMulti: boolean): void {
    const log = this.server.log;
    const name = this.name;
    if (this.last && this.server.config.get('aof-load-truncated') === 'yes') {
      if (!inMulti) log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
      log.warning(`!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`);
      try {
        fs.truncateSync(this.file, validUpTo);
      } catch (e) {
        log.warning(`Error truncating the AOF file ${name}: ${strerror(e)}`);
        throw new AofLoadError(name);
      }
      log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
      return;
    }
    log.warning(
      `Unexpected end of file reading the append only file ${name}. You can: ` +
        '1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. ' +
        "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
    );
    log.warning(`AOF ${name}: the last complete command ends at offset ${validUpTo}`);
    throw new AofLoadError(name);
  }
}
