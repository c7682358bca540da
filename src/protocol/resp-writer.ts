import type { BulkValue, Reply } from './reply.js';
import { formatDouble17g } from '../util/number.js';

const INITIAL_SIZE = 16 * 1024;
/** After a flush, a buffer grown past this is dropped so an idle client does not pin memory. */
const SHRINK_ABOVE = 1024 * 1024;

/**
 * Encodes replies straight into one growable output buffer; the connection flushes it with a
 * single write per batch of input (a whole pipeline is answered with one write).
 */
export class RespWriter implements Reply {
  resp: 2 | 3 = 2;
  buf: Buffer = Buffer.allocUnsafe(INITIAL_SIZE);
  pos = 0;

  /** Bytes waiting to be flushed. */
  get length(): number {
    return this.pos;
  }

  /**
   * Hand the pending bytes to `write`. The buffer is reused only when `write` reports that it no
   * longer references it (the socket wrote everything synchronously).
   */
  flush(write: (chunk: Buffer) => boolean): void {
    if (this.pos === 0) return;
    const reusable = write(this.buf.subarray(0, this.pos));
    if (reusable && this.buf.length <= SHRINK_ABOVE) {
      this.pos = 0;
    } else {
      this.buf = Buffer.allocUnsafe(INITIAL_SIZE);
      this.pos = 0;
    }
  }

  /** Back to the initial buffer when nothing is pending (an idle client gives back what it grew). */
  shrink(): void {
    if (this.pos === 0 && this.buf.length > INITIAL_SIZE) this.buf = Buffer.allocUnsafe(INITIAL_SIZE);
  }

  /** Drop everything not flushed yet (CLIENT REPLY OFF/SKIP, disconnects). */
  discard(): void {
    this.pos = 0;
  }

  /** Remove everything written after `mark` (used to cancel a partly written reply). */
  truncate(mark: number): void {
    this.pos = mark;
  }

  /** Remove the bytes [start, end) written since the last flush, keeping what follows. */
  cut(start: number, end: number): void {
    if (end < this.pos) this.buf.copyWithin(start, end, this.pos);
    this.pos -= end - start;
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private crlf(): void {
    this.buf[this.pos++] = 13;
    this.buf[this.pos++] = 10;
  }

  /** Writes `<prefix><n>\r\n` with n a non-negative or negative integer; caller ensured 24 bytes. */
  private header(prefix: number, n: number): void {
    this.ensure(24);
    const b = this.buf;
    b[this.pos++] = prefix;
    if (n >= 0 && n < 10) {
      b[this.pos++] = 48 + n;
    } else {
      this.pos += b.latin1Write(String(n), this.pos);
    }
    b[this.pos++] = 13;
    b[this.pos++] = 10;
  }

  /** Raw protocol bytes (already encoded). */
  raw(s: string): void {
    this.ensure(s.length);
    this.pos += this.buf.latin1Write(s, this.pos);
  }

  /** Raw protocol bytes (already encoded) from `src[start, end)`, copied without a string. */
  rawBytes(src: Buffer, start: number, end: number): void {
    this.ensure(end - start);
    src.copy(this.buf, this.pos, start, end);
    this.pos += end - start;
  }

  ok(): void {
    this.ensure(5);
    const b = this.buf;
    b[this.pos] = 43; // +
    b[this.pos + 1] = 79; // O
    b[this.pos + 2] = 75; // K
    b[this.pos + 3] = 13;
    b[this.pos + 4] = 10;
    this.pos += 5;
  }

  simple(s: string): void {
    this.ensure(s.length + 3);
    this.buf[this.pos++] = 43;
    this.pos += this.buf.latin1Write(s, this.pos);
    this.crlf();
  }

  error(message: string): void {
    this.ensure(message.length + 3);
    this.buf[this.pos++] = 45;
    this.pos += this.buf.latin1Write(message, this.pos);
    this.crlf();
  }

  int(n: number | bigint): void {
    if (typeof n === 'number') this.header(58, n);
    else this.raw(':' + n.toString() + '\r\n');
  }

  bulk(v: BulkValue): void {
    if (typeof v === 'string') {
      const len = v.length;
      this.header(36, len);
      this.ensure(len + 2);
      if (len > 0) this.pos += this.buf.latin1Write(v, this.pos);
      this.crlf();
    } else if (typeof v === 'number' || typeof v === 'bigint') {
      const s = String(v);
      this.header(36, s.length);
      this.ensure(s.length + 2);
      this.pos += this.buf.latin1Write(s, this.pos);
      this.crlf();
    } else {
      if (Buffer.isBuffer(v)) {
        const len = v.length;
        this.header(36, len);
        this.ensure(len + 2);
        v.copy(this.buf, this.pos, 0, len);
        this.pos += len;
      } else {
        const bytes = v.bytes;
        const len = v.len;
        this.header(36, len);
        this.ensure(len + 2);
        // A plain view for the copy: Buffer#copy from an offset builds one anyway, after
        // validating its arguments (a GET of a 1000-byte slab value spent a fifth of its time there).
        this.buf.set(new Uint8Array(bytes.buffer, bytes.byteOffset + v.start, len), this.pos);
        this.pos += len;
      }
      this.crlf();
    }
  }

  nullBulk(): void {
    if (this.resp === 2) this.raw('$-1\r\n');
    else this.raw('_\r\n');
  }

  nullArray(): void {
    if (this.resp === 2) this.raw('*-1\r\n');
    else this.raw('_\r\n');
  }

  arrayLen(n: number): void {
    this.header(42, n);
  }

  mapLen(n: number): void {
    if (this.resp === 2) this.header(42, n * 2);
    else this.header(37, n);
  }

  setLen(n: number): void {
    if (this.resp === 2) this.header(42, n);
    else this.header(126, n);
  }

  pushLen(n: number): void {
    if (this.resp === 2) this.header(42, n);
    else this.header(62, n);
  }

  double(d: number): void {
    const s = formatDouble17g(d);
    if (this.resp === 2) this.bulk(s);
    else this.raw(',' + s + '\r\n');
  }

  doubleText(text: string): void {
    if (this.resp === 2) this.bulk(text);
    else this.raw(',' + text + '\r\n');
  }

  bool(b: boolean): void {
    if (this.resp === 2) this.raw(b ? ':1\r\n' : ':0\r\n');
    else this.raw(b ? '#t\r\n' : '#f\r\n');
  }

  verbatim(s: string, format = 'txt'): void {
    if (this.resp === 2) {
      this.bulk(s);
      return;
    }
    this.header(61, s.length + 4);
    this.raw(format + ':');
    this.ensure(s.length + 2);
    this.pos += this.buf.latin1Write(s, this.pos);
    this.crlf();
  }

  bigNumber(digits: string): void {
    if (this.resp === 2) this.bulk(digits);
    else this.raw('(' + digits + '\r\n');
  }
}
