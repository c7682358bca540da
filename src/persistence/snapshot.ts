import type { Keyspace, SnapshotObserver } from '../engine/keyspace.js';
import type { Value } from '../engine/values.js';
import { RdbWriter } from './rdb/writer.js';
import { RdbFileWriter, writeKeyRecord, type AccessRecord, type RdbFileOptions } from './rdb/file.js';

/**
 * A point-in-time RDB snapshot of the databases without fork(): the file holds the dataset as it
 * was when the snapshot started, while commands keep changing it.
 *
 * Each non-empty database is walked by a slot cursor from its last slot down (slots below the
 * cursor are not saved yet). New keys are appended above the cursor, so they are never reached.
 * Before a key below the cursor changes (in place, replaced, re-TTLed, deleted, expired, evicted),
 * the keyspace calls its observer, which saves the old record first ("saved ahead") and marks
 * the key to be skipped when the cursor reaches it. A deletion swaps the last slot into the hole:
 * a key moving from above the cursor to below it (saved already, or new) is marked skipped too.
 * FLUSHDB hands the old contents over (the walk goes on in them, untouched); SWAPDB moves a
 * cursor with its contents. Records saved ahead of their database's section wait in a buffer
 * that is written right after its SELECTDB.
 */

/** How key records carry access metadata (rdbSaveKeyValuePair: IDLE under LRU policies, FREQ under LFU). */
export type AccessSaving = 'none' | 'idle' | 'freq';

export interface SnapshotOptions extends RdbFileOptions {
  access: AccessSaving;
}

/**
 * Where a snapshot's records go: RDB records (an RDB file, an AOF's RDB preamble) or commands
 * (an AOF base with aof-use-rdb-preamble no, src/persistence/aof/base.ts).
 */
export interface SnapshotRecordWriter {
  /** What precedes the databases (the RDB magic and aux fields; an AOF's timestamp annotation). */
  header(aux: ReadonlyArray<readonly [string, string]>): void;
  functionLibrary(code: string): void;
  /** Starts database `id`'s section (the sizes are hints for a loader). */
  selectDb(id: number, size: number, expires: number): void;
  key(key: string, value: Value, expire: number | bigint, access: AccessRecord): void;
  /** Bytes an AheadRecords of this writer encoded. */
  raw(bytes: Buffer): void;
  /** Ends the file, everything handed to the sink; returns the file's size. */
  finish(): number;
  /** The end of a slice: work owed for the bytes written so far is done now (the RDB's CRC64). */
  advanceChecksum(): void;
  /** A buffer for records saved before their database's section began (given to raw() after its selectDb). */
  aheadRecords(): AheadRecords;
}

/** Records encoded apart from the file, in its writer's format. */
export interface AheadRecords {
  key(key: string, value: Value, expire: number | bigint, access: AccessRecord): void;
  view(): Buffer;
}

/** Makes the record writer of a snapshot that hands its chunks to `sink`. */
export type SnapshotWriterFactory = (opts: SnapshotOptions, sink: (chunk: Buffer) => void) => SnapshotRecordWriter;

/** The RDB file writer with its records-ahead buffer. */
class RdbSnapshotFile extends RdbFileWriter implements SnapshotRecordWriter {
  aheadRecords(): AheadRecords {
    const w = new RdbWriter(4096);
    const opts = this.opts;
    return {
      key: (key, value, expire, access) => writeKeyRecord(w, key, value, expire, access, opts),
      view: () => w.view(),
    };
  }
}

const rdbRecords: SnapshotWriterFactory = (opts, sink) => new RdbSnapshotFile(opts, sink);

class DbCursor implements SnapshotObserver {
  /** Slots below `next` are not saved yet. */
  next: number;
  /** Keys below the cursor not to save when reached (saved ahead, or moved down from above). */
  readonly skip = new Set<string>();
  /** Records saved before this database's section began. */
  ahead: AheadRecords | null = null;
  started = false;

  constructor(
    public source: Keyspace,
    readonly dbIndex: number,
    readonly sizeAtStart: number,
    readonly expiresAtStart: number,
    private readonly snapshot: RdbSnapshot,
  ) {
    this.next = sizeAtStart;
  }

  beforeChange(db: Keyspace, slot: number): void {
    if (slot >= this.next) return;
    const key = db.keyAt(slot);
    if (this.skip.size > 0 && this.skip.has(key)) return;
    this.saveAhead(db, slot, key);
    this.skip.add(key);
  }

  beforeRemove(db: Keyspace, slot: number, last: number): void {
    if (slot < this.next) {
      const key = db.keyAt(slot);
      if (!this.skip.delete(key)) this.saveAhead(db, slot, key);
      // The last key moves into the hole: from the saved (or new) side to the unsaved one.
      if (slot !== last && last >= this.next) this.skip.add(db.keyAt(last));
    }
    // The keyspace shrinks to `last` slots: the next key stored goes in slot `last`, which must
    // not be below the cursor (new keys are not in the snapshot).
    if (this.next > last) this.next = last;
  }

  cleared(_db: Keyspace, frozen: Keyspace): void {
    this.source = frozen;
  }

  moved(db: Keyspace): void {
    this.source = db;
  }

  private saveAhead(db: Keyspace, slot: number, key: string): void {
    const s = this.snapshot;
    s.savedAhead++;
    if (this.started) {
      // This database's section is the one being written: the record can go there now.
      s.file.key(key, db.valueAt(slot), db.expireExactAt(slot), s.accessOf(db, slot));
      return;
    }
    this.ahead ??= s.file.aheadRecords();
    this.ahead.key(key, db.valueAt(slot), db.expireExactAt(slot), s.accessOf(db, slot));
  }

  /** Stops observing (the walk is over or abandoned). */
  detach(): void {
    if (this.source.snapshot === this) this.source.snapshot = null;
  }
}

/** A snapshot in progress: `step` writes records until a deadline; `finished` once the EOF is out. */
export class RdbSnapshot {
  readonly file: SnapshotRecordWriter;
  private readonly cursors: DbCursor[] = [];
  private current = 0;
  finished = false;
  /** Keys written so far and keys in the snapshot (INFO's current_save_keys_*). */
  keysSaved = 0;
  readonly keysTotal: number;
  /** Records saved ahead of the cursor because their key was about to change. */
  savedAhead = 0;

  /**
   * Starts a snapshot of `dbs` as they are now: the header (aux fields) and function libraries
   * are encoded at once, then every database is observed until its walk ends. `writer` chooses
   * the records' format (RDB unless given).
   */
  constructor(
    dbs: readonly Keyspace[],
    readonly opts: SnapshotOptions,
    sink: (chunk: Buffer) => void,
    aux: ReadonlyArray<readonly [string, string]>,
    libraries: readonly string[],
    writer: SnapshotWriterFactory = rdbRecords,
  ) {
    this.file = writer(opts, sink);
    this.file.header(aux);
    for (const code of libraries) this.file.functionLibrary(code);
    let total = 0;
    for (let i = 0; i < dbs.length; i++) {
      const db = dbs[i];
      if (db.size === 0) continue;
      if (db.snapshot !== null) throw new Error('a snapshot is already walking this keyspace');
      const cursor = new DbCursor(db, i, db.size, db.volatileCount, this);
      db.snapshot = cursor;
      this.cursors.push(cursor);
      total += db.size;
    }
    this.keysTotal = total;
  }

  /** The access record a key is saved with. */
  accessOf(db: Keyspace, slot: number): AccessRecord {
    switch (this.opts.access) {
      case 'idle':
        return { kind: 'idle', seconds: Math.floor(db.idleMsAt(slot) / 1000) };
      case 'freq':
        return { kind: 'freq', counter: db.lfuAt(slot) };
      default:
        return NO_ACCESS;
    }
  }

  /**
   * Writes records until `deadline` (performance.now() milliseconds), `maxKeys` or the end; returns true
   * when the file is complete (EOF and checksum handed to the sink). Throws what the sink throws.
   */
  step(deadline: number, maxKeys = Infinity): boolean {
    if (this.finished) return true;
    const file = this.file;
    const access = this.opts.access;
    let n = 0;
    while (this.current < this.cursors.length) {
      const cur = this.cursors[this.current];
      if (!cur.started) {
        file.selectDb(cur.dbIndex, cur.sizeAtStart, cur.expiresAtStart);
        if (cur.ahead !== null) file.raw(cur.ahead.view());
        cur.ahead = null;
        cur.started = true;
      }
      const skip = cur.skip;
      while (cur.next > 0) {
        const slot = --cur.next;
        const db = cur.source;
        if (slot >= db.size) continue;
        const key = db.keyAt(slot);
        if (skip.size > 0 && skip.delete(key)) continue;
        file.key(key, db.valueAt(slot), db.expireExactAt(slot), access === 'none' ? NO_ACCESS : this.accessOf(db, slot));
        this.keysSaved++;
        if (++n >= maxKeys || ((n & 31) === 0 && performance.now() >= deadline)) {
          file.advanceChecksum();
          return false;
        }
      }
      cur.detach();
      this.current++;
    }
    file.finish();
    this.finished = true;
    return true;
  }

  /** Stops observing every database (the snapshot is abandoned or complete). */
  abort(): void {
    for (const cur of this.cursors) cur.detach();
    this.current = this.cursors.length;
  }
}

const NO_ACCESS: AccessRecord = { kind: 'none' };
