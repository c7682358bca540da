import { SlabString } from './slab.js';

/**
 * What a key can hold. Strings are stored as compactly as V8 allows:
 * - a JS number for canonical integers within 2^53 (OBJECT ENCODING "int"; a Smi costs no heap),
 * - a latin1 string (one char per byte, binary safe) for short values ("embstr"/"raw"),
 * - a SlabString (a chunk off the V8 heap, src/engine/slab.ts) for values of 256 bytes to 16 KB,
 * - a ByteString (growable byte buffer) for longer values, and once a value is modified in place
 *   by APPEND or SETRANGE, so repeated appends are amortized O(1) like Redis's sds ("raw").
 * SlabString and ByteString both expose their bytes as `bytes.subarray(start, start + len)`.
 * Collections are class instances carrying their type name.
 */
export type RedisType = 'string' | 'list' | 'hash' | 'set' | 'zset' | 'stream';

/** A ByteString's object (type, bytes, len) and the Buffer views + ArrayBuffer around its bytes (see memory.ts). */
const BYTE_STRING_OVERHEAD = 48 + 184;

/** A mutable string value with spare capacity (Redis's sds with greedy preallocation). */
export class ByteString {
  readonly type = 'string' as const;
  constructor(
    public bytes: Buffer,
    public len: number,
  ) {}

  static from(s: string | number, extra = 0): ByteString {
    const str = typeof s === 'number' ? String(s) : s;
    const bytes = Buffer.allocUnsafeSlow(Math.max(str.length + extra, 16));
    bytes.latin1Write(str, 0);
    return new ByteString(bytes, str.length);
  }

  /** Make room for `total` bytes, doubling like sdsMakeRoomFor (up to 1 MB of slack). */
  reserve(total: number): void {
    if (total <= this.bytes.length) return;
    const grown = total < 1024 * 1024 ? total * 2 : total + 1024 * 1024;
    const next = Buffer.allocUnsafeSlow(grown);
    this.bytes.copy(next, 0, 0, this.len);
    this.bytes = next;
  }

  toString(): string {
    return this.bytes.latin1Slice(0, this.len);
  }

  /** Where the bytes start in `bytes` (always 0; a SlabString's start within its page is not). */
  get start(): number {
    return 0;
  }

  /** Estimated bytes: the object and its buffer, capacity included (memory accounting). */
  memoryUsage(): number {
    return BYTE_STRING_OVERHEAD + this.bytes.length;
  }
}

/** Base for collection values (lists, hashes, sets, sorted sets, streams). */
export interface CollectionValue {
  readonly type: Exclude<RedisType, 'string'>;
  /** OBJECT ENCODING name. */
  encoding(): string;
  /** An independent copy sharing nothing mutable (COPY). */
  clone(): CollectionValue;
  /**
   * Estimated bytes of the value on the V8 heap and in its buffers, in O(1) from running counts
   * (memory accounting and MEMORY USAGE; see src/engine/memory.ts).
   */
  memoryUsage(): number;
  /** Whether the running byte counts behind memoryUsage equal a recount from scratch (tests; O(n)). */
  memoryCountsExact(): boolean;
}

export type StringValue = string | number | ByteString | SlabString;
/** The string values held as bytes outside a JS string: `bytes.subarray(start, start + len)`. */
export type BytesValue = ByteString | SlabString;
export type Value = StringValue | CollectionValue;

export function typeOf(v: Value): RedisType {
  return typeof v === 'string' || typeof v === 'number' ? 'string' : v.type;
}

export function isString(v: Value): v is StringValue {
  return typeof v === 'string' || typeof v === 'number' || v instanceof SlabString || v instanceof ByteString;
}

export { SlabString };
