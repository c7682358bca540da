import { crc64 } from '../../util/crc64.js';
import type { Value } from '../../engine/values.js';
import { RDB_VERSION, RdbFormatError } from './encodings.js';
import { RdbReader, readValue, type RdbLoadLimits } from './reader.js';
import { RdbWriter, writeValueBody, type RdbSaveOptions } from './writer.js';

/**
 * The whole RDB file as Redis 7.0.15 writes it (rdbSaveRio): "REDIS0010", aux fields, function
 * libraries, then per non-empty database SELECTDB, RESIZEDB and its key records (EXPIRETIME_MS,
 * IDLE or FREQ by policy, the type and value), EOF and a CRC64 of everything before it (zero with
 * rdbchecksum no). The reader takes versions 1 to 10 and the old opcodes. No I/O here: the writer
 * hands out chunks, the reader walks a Buffer.
 */

/** rdb.h's RDB_OPCODE_*. */
export const RdbOpcode = {
  FUNCTION2: 245,
  FUNCTION_PRE_GA: 246,
  MODULE_AUX: 247,
  IDLE: 248,
  FREQ: 249,
  AUX: 250,
  RESIZEDB: 251,
  EXPIRETIME_MS: 252,
  EXPIRETIME: 253,
  SELECTDB: 254,
  EOF: 255,
} as const;

/** Access metadata saved with a key: which of IDLE / FREQ the policy writes. */
export type AccessRecord = { kind: 'none' } | { kind: 'idle'; seconds: number } | { kind: 'freq'; counter: number };

const NO_ACCESS: AccessRecord = { kind: 'none' };

/**
 * rdbSaveKeyValuePair: the key's expiry, its access word as the policy saves it, its value's type,
 * the key, the value. `expire` is -1 without a TTL.
 */
export function writeKeyRecord(
  w: RdbWriter,
  key: string,
  value: Value,
  expire: number | bigint,
  access: AccessRecord,
  opts: RdbSaveOptions,
): void {
  if (expire !== -1) {
    w.byte(RdbOpcode.EXPIRETIME_MS);
    w.int64LE(expire);
  }
  if (access.kind === 'idle') {
    w.byte(RdbOpcode.IDLE);
    w.length_(access.seconds);
  } else if (access.kind === 'freq') {
    w.byte(RdbOpcode.FREQ);
    w.byte(access.counter);
  }
  // The type byte comes before the key but depends on the value's encoding: reserved, then
  // filled in once the value is written (no intermediate buffer per key).
  const at = w.length;
  w.byte(0);
  w.string(key, opts.compression);
  w.patch(at, writeValueBody(w, value, opts));
}

/** The settings of a whole-file save. */
export interface RdbFileOptions extends RdbSaveOptions {
  /** rdbchecksum: when off the trailer is eight zero bytes. */
  checksum: boolean;
}

/**
 * Writes a file front to back into a growable buffer, handing full chunks to `sink` (a file
 * descriptor's writer) so memory stays bounded whatever the dataset's size. The CRC64 runs over
 * each chunk as it leaves.
 */
export class RdbFileWriter {
  readonly w = new RdbWriter(1 << 16);
  private crc = 0n;
  /** How much of the pending chunk the CRC already covers. */
  private crcEnd = 0;
  /** Bytes handed to the sink so far. */
  flushed = 0;

  constructor(
    readonly opts: RdbFileOptions,
    private readonly sink: (chunk: Buffer) => void,
    private readonly chunkSize = 1 << 20,
  ) {}

  /** The magic, the version and the aux fields (rdbSaveInfoAuxFields), in order. */
  header(aux: ReadonlyArray<readonly [string, string]>): void {
    this.w.raw(Buffer.from('REDIS' + String(RDB_VERSION).padStart(4, '0'), 'latin1'));
    for (const [name, value] of aux) {
      this.w.byte(RdbOpcode.AUX);
      this.w.string(name, false);
      this.w.string(value, false);
    }
  }

  /** A function library (rdbSaveFunctions): FUNCTION2 and its code. */
  functionLibrary(code: string): void {
    this.w.byte(RdbOpcode.FUNCTION2);
    this.w.string(code, this.opts.compression);
  }

  /** SELECTDB and RESIZEDB (the sizes are hints for the loader's tables). */
  selectDb(id: number, size: number, expires: number): void {
    this.w.byte(RdbOpcode.SELECTDB);
    this.w.length_(id);
    this.w.byte(RdbOpcode.RESIZEDB);
    this.w.length_(size);
    this.w.length_(expires);
  }

  key(key: string, value: Value, expire: number | bigint, access: AccessRecord = NO_ACCESS): void {
    writeKeyRecord(this.w, key, value, expire, access, this.opts);
    if (this.w.length >= this.chunkSize) this.flush();
  }

  /** Bytes already encoded elsewhere (records saved ahead of the cursor by a snapshot). */
  raw(bytes: Buffer): void {
    this.w.raw(bytes);
    if (this.w.length >= this.chunkSize) this.flush();
  }

  /**
   * Runs the CRC over what was encoded since the last call. A snapshot calls it at the end of each
   * time slice, so the CRC's cost (about 2 ms per MB) is spread over the slices that made the
   * bytes instead of landing on the one that fills a chunk.
   */
  advanceChecksum(): void {
    if (!this.opts.checksum || this.crcEnd === this.w.length) return;
    const pending = this.w.view();
    this.crc = crc64(pending, this.crcEnd, pending.length, this.crc);
    this.crcEnd = pending.length;
  }

  /** Hands what is buffered to the sink. */
  flush(): void {
    if (this.w.length === 0) return;
    this.advanceChecksum();
    const chunk = this.w.view();
    this.sink(chunk);
    this.flushed += chunk.length;
    this.w.reset();
    this.crcEnd = 0;
  }

  /** EOF and the checksum; everything is flushed. Returns the file's size. */
  finish(): number {
    this.w.byte(RdbOpcode.EOF);
    this.advanceChecksum();
    this.w.int64LE(BigInt.asIntN(64, this.opts.checksum ? this.crc : 0n));
    const tail = this.w.view();
    this.sink(tail);
    this.flushed += tail.length;
    this.w.reset();
    this.crcEnd = 0;
    return this.flushed;
  }
}

// ---------------------------------------------------------------- reading

/** What a loader does with the file's contents, in file order. */
export interface RdbFileVisitor {
  aux?(name: string, value: string): void;
  functionLibrary?(code: string): void;
  /** Returns an error text to stop reading there (a database the server does not have). */
  selectDb?(id: number): string | void;
  resizeDb?(size: number, expires: number): void;
  /**
   * A key record of database `db`; expire is -1 without a TTL, idle / freq -1 when absent.
   * Returns an error text to stop reading there (a duplicated key).
   */
  key(db: number, key: string, value: Value, expire: number | bigint, idle: number, freq: number): string | void;
}

/** What reading a file found at its end. */
export interface RdbFileSummary {
  version: number;
  /** The checksum in the file (0n: saved with rdbchecksum no, or a version without one). */
  storedChecksum: bigint;
  /** Whether the checksum was checked and matched (false when the file has none). */
  checksumVerified: boolean;
  /** The offset after the checksum: where an AOF's command tail starts after its RDB preamble. */
  end: number;
}

/**
 * Reads a whole RDB file (rdbLoadRioWithLoadingCtx), calling `visitor` for each part. Corrupt or
 * truncated input throws RdbFormatError naming the offset, before or after some records were
 * visited: a caller that must not serve a partial dataset loads into fresh databases first.
 * `verifyChecksum` is rdbchecksum: a non-zero stored checksum must then match.
 */
export function readRdbFile(buf: Buffer, limits: RdbLoadLimits, visitor: RdbFileVisitor, verifyChecksum = true): RdbFileSummary {
  return new RdbFileReader(buf, limits, visitor, verifyChecksum).step(Infinity)!;
}

/**
 * readRdbFile in steps, so a server can load a big file from its event loop and answer clients
 * (with -LOADING) between steps. The header is checked by the first step.
 */
export class RdbFileReader {
  private readonly r: RdbReader;
  private version = 0;
  private db = 0;
  private expire: number | bigint = -1;
  private idle = -1;
  private freq = -1;
  /** Key records read so far. */
  keys = 0;
  /** The CRC64 of buf[0, crcEnd), advanced at the end of each step so the last one is short. */
  private crc = 0n;
  private crcEnd = 0;

  constructor(
    readonly buf: Buffer,
    private readonly limits: RdbLoadLimits,
    private readonly visitor: RdbFileVisitor,
    private readonly verifyChecksum = true,
  ) {
    this.r = new RdbReader(buf, 0, buf.length);
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.r.pos;
  }

  private header(): void {
    const { r, buf } = this;
    if (buf.length < 9) r.fail('unexpected end of data reading the RDB header', buf.length);
    if (buf.latin1Slice(0, 5) !== 'REDIS') r.fail('Wrong signature trying to load DB from file', 0);
    const verText = buf.latin1Slice(5, 9);
    const version = /^[0-9]{4}$/.test(verText) ? Number(verText) : NaN;
    if (!(version >= 1 && version <= RDB_VERSION)) r.fail(`Can't handle RDB format version ${verText}`, 5);
    this.version = version;
    r.pos = 9;
  }

  /**
   * Reads records until the file ends (returns its summary), or `deadline` (performance.now()
   * milliseconds, checked every few records) passes, or `maxKeys` key records were read, or the
   * offset crosses a multiple of `yieldBytes` (returns null: call again to go on).
   */
  step(deadline: number, maxKeys = Infinity, yieldBytes = 0): RdbFileSummary | null {
    const { r, buf, visitor } = this;
    if (this.version === 0) this.header();
    const version = this.version;
    const startKeys = this.keys;
    const startBlock = yieldBytes > 0 ? Math.floor(r.pos / yieldBytes) : 0;
    let records = 0;
    for (;;) {
      if (
        (deadline !== Infinity && (++records & 31) === 0 && performance.now() >= deadline) ||
        this.keys - startKeys >= maxKeys ||
        (yieldBytes > 0 && Math.floor(r.pos / yieldBytes) > startBlock)
      ) {
        if (this.verifyChecksum) {
          this.crc = crc64(buf, this.crcEnd, r.pos, this.crc);
          this.crcEnd = r.pos;
        }
        return null;
      }
      const at = r.pos;
      const type = r.byte();
      switch (type) {
        case RdbOpcode.EXPIRETIME: {
          // Seconds, as a 32-bit integer (RDB versions before 3).
          const bytes = takeBytes(r, 4, 'an expire time');
          this.expire = bytes.readInt32LE(0) * 1000;
          continue;
        }
        case RdbOpcode.EXPIRETIME_MS: {
          const bytes = takeBytes(r, 8, 'an expire time');
          const ms = bytes.readBigInt64LE(0);
          this.expire = ms >= BigInt(Number.MIN_SAFE_INTEGER) && ms <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ms) : ms;
          continue;
        }
        case RdbOpcode.FREQ:
          this.freq = r.byte();
          continue;
        case RdbOpcode.IDLE:
          this.idle = r.length();
          continue;
        case RdbOpcode.EOF: {
          let stored = 0n;
          let verified = false;
          if (version >= 5) {
            const bytes = takeBytes(r, 8, 'the checksum');
            stored = bytes.readBigUInt64LE(0);
            if (this.verifyChecksum && stored !== 0n) {
              const expected = crc64(buf, this.crcEnd, at + 1, this.crc);
              if (expected !== stored) {
                r.fail(`Wrong RDB checksum expected: (${expected.toString(16)}) got (${stored.toString(16)})`, at + 1);
              }
              verified = true;
            }
          }
          return { version, storedChecksum: stored, checksumVerified: verified, end: r.pos };
        }
        case RdbOpcode.SELECTDB: {
          this.db = r.length();
          const refused = visitor.selectDb?.(this.db);
          if (typeof refused === 'string') r.fail(refused, at);
          continue;
        }
        case RdbOpcode.RESIZEDB: {
          const size = r.length();
          const expires = r.length();
          visitor.resizeDb?.(size, expires);
          continue;
        }
        case RdbOpcode.AUX: {
          const name = r.string();
          const value = r.string();
          visitor.aux?.(name, value);
          continue;
        }
        case RdbOpcode.MODULE_AUX:
          return r.fail("The RDB file contains AUX module data I can't load: Cinder has no modules", at);
        case RdbOpcode.FUNCTION_PRE_GA:
          return r.fail('Pre-release function format not supported.', at);
        case RdbOpcode.FUNCTION2: {
          const code = r.string();
          visitor.functionLibrary?.(code);
          continue;
        }
        default: {
          if (type === 6 || type === 7) r.fail('The RDB file contains module data Cinder can\'t load', at);
          const key = r.string();
          const value = readValue(r, type, this.limits);
          const refused = visitor.key(this.db, key, value, this.expire, this.idle, this.freq);
          if (typeof refused === 'string') r.fail(refused, at);
          this.keys++;
          this.expire = -1;
          this.idle = -1;
          this.freq = -1;
        }
      }
    }
  }
}

function takeBytes(r: RdbReader, n: number, what: string): Buffer {
  if (r.pos + n > r.end) r.fail(`unexpected end of data reading ${what}`);
  const out = r.buf.subarray(r.pos, r.pos + n);
  r.pos += n;
  return out;
}

export { RdbFormatError };
