/**
 * The replication backlog (Redis's repl_backlog): the last `repl-backlog-size` bytes of the
 * replication stream, so a replica that lost its link can continue from its offset (PSYNC
 * answered +CONTINUE) instead of loading a whole new RDB.
 *
 * A ring buffer of the configured size. Offsets are the stream's: the byte at offset `o` is the
 * o-th byte ever fed (the first byte of the stream is offset 1, as master_repl_offset counts).
 */
export class ReplBacklog {
  private buf: Buffer;
  /** Where the next byte goes in `buf`. */
  private idx = 0;
  /** Bytes held (repl_backlog_histlen), at most the size. */
  histlen = 0;
  /** The stream offset of the first byte held (repl_backlog_first_byte_offset). */
  firstByteOffset: number;

  /** A backlog starting after `offset` (the stream's bytes so far are not in it). */
  constructor(size: number, offset: number) {
    this.buf = Buffer.allocUnsafe(size);
    this.firstByteOffset = offset + 1;
  }

  get size(): number {
    return this.buf.length;
  }

  /** Appends stream bytes, dropping the oldest ones past the size. */
  add(bytes: Buffer): void {
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
    if (size === this.buf.length) return;
    const keep = Math.min(this.histlen, size);
    const next = Buffer.allocUnsafe(size);
    const last = this.from(this.firstByteOffset + this.histlen - keep);
    let pos = 0;
    for (const part of last) pos += part.copy(next, pos);
    this.firstByteOffset += this.histlen - keep;
    this.buf = next;
    this.histlen = keep;
    this.idx = keep % size;
  }
}
