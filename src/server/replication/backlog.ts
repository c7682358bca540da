/**
 * The replication backlog (Redis's repl_backlog): the last `repl-backlog-size` bytes of the
 * replication stream, so a replica that lost its link can continue from its offset (PSYNC
 * answered +CONTINUE) instead of loading a whole new RDB.
 *
 * A ring buffer that grows with the stream up to the configured size (Redis's backlog also holds
 * only the blocks the stream filled). Offsets are the stream's: the byte at offset `o` is the o-th
 * byte ever fed (the first byte of the stream is offset 1, as master_repl_offset counts).
 */
export class ReplBacklog {
  private buf: Buffer;
  /** repl-backlog-size: what the ring grows to. */
  private limit: number;
  /** Where the next byte goes in `buf`. */
  private idx = 0;
  /** Bytes held (repl_backlog_histlen), at most the size. */
  histlen = 0;
  /** The stream offset of the first byte held (repl_backlog_first_byte_offset). */
  firstByteOffset: number;

  /** A backlog starting after `offset` (the stream's bytes so far are not in it). */
  constructor(size: number, offset: number) {
    this.limit = size;
    this.buf = Buffer.allocUnsafe(Math.min(size, INITIAL_BYTES));
    this.firstByteOffset = offset + 1;
  }

  /** The configured size (repl_backlog_size). */
  get size(): number {
    return this.limit;
  }

  /** Bytes allocated now (mem_replication_backlog). */
  get allocated(): number {
    return this.buf.length;
  }

  /** Appends stream bytes, dropping the oldest ones past the size. */
  add(bytes: Buffer): void {
    if (this.histlen + bytes.length > this.buf.length && this.buf.length < this.limit) {
      this.realloc(Math.min(this.limit, Math.max(this.buf.length * 2, this.histlen + bytes.length)));
    }
    const size = this.buf.length;
    let src = bytes;
    if (src.length >= size) {
      // Only the last `size` bytes can stay.
      this.firstByteOffset += this.histlen + src.length - size;
      src.copy(this.buf, 0, src.length - size);
      this.idx = 0;
      this.histlen = size;
      return;
    }
    const first = Math.min(src.length, size - this.idx);
    src.copy(this.buf, this.idx, 0, first);
    if (first < src.length) src.copy(this.buf, 0, first);
    this.idx = (this.idx + src.length) % size;
    const held = this.histlen + src.length;
    if (held > size) {
      this.firstByteOffset += held - size;
      this.histlen = size;
    } else {
      this.histlen = held;
    }
  }

  /**
   * Whether the bytes from `offset` (the next byte a replica wants) to the end are held: from the
   * first byte held up to one past the last (nothing missing), as masterTryPartialResynchronization
   * checks.
   */
  covers(offset: number): boolean {
    return offset >= this.firstByteOffset && offset <= this.firstByteOffset + this.histlen;
  }

  /** The bytes from `offset` to the end (covers(offset) must hold), as one or two slices. */
  from(offset: number): Buffer[] {
    const skip = offset - this.firstByteOffset;
    const len = this.histlen - skip;
    if (len <= 0) return [];
    const size = this.buf.length;
    // The oldest byte held sits `histlen` before idx.
    const start = (this.idx - len + size) % size;
    if (start + len <= size) return [Buffer.from(this.buf.subarray(start, start + len))];
    return [Buffer.from(this.buf.subarray(start)), Buffer.from(this.buf.subarray(0, len - (size - start)))];
  }

  /** repl-backlog-size changed: the newest bytes that fit are kept (Redis keeps its history too). */
  resize(size: number): void {
    this.limit = size;
    if (this.buf.length > size) this.realloc(size);
  }

  /** A buffer of `capacity` bytes holding the newest bytes that fit, oldest first. */
  private realloc(capacity: number): void {
    const keep = Math.min(this.histlen, capacity);
    const next = Buffer.allocUnsafe(capacity);
    let pos = 0;
    for (const part of this.from(this.firstByteOffset + this.histlen - keep)) pos += part.copy(next, pos);
    this.firstByteOffset += this.histlen - keep;
    this.buf = next;
    this.histlen = keep;
    this.idx = keep % capacity;
  }
}

/** The ring's first allocation (Redis's replication buffer blocks are 16 KB). */
const INITIAL_BYTES = 16 * 1024;
