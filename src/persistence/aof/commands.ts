/**
 * The command part of an append-only file: commands as RESP arrays of bulk strings
 * (catAppendOnlyGenericCommand), `#`-lines as annotations (`#TS:<unix seconds>` with
 * aof-timestamp-enabled), and the reader loadSingleAppendOnlyFile uses, with Redis's leniency
 * (the CRLF after an argument is not checked) and its two failure kinds: a short read (the file
 * ends inside a command: a crash mid-write, handled per aof-load-truncated) and a bad format.
 */

/** A growable byte buffer commands are encoded into (Redis's aof_buf). Strings are latin1: one char per byte. */
export class AofBuffer {
  buf: Buffer;
  length = 0;

  constructor(initial = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  /** Appends raw text (latin1). */
  raw(s: string): void {
    this.ensure(s.length);
    this.length += this.buf.latin1Write(s, this.length);
  }

  /**
   * Appends one command as a RESP array of bulk strings. Headers and short arguments are written
   * byte by byte: a latin1Write per piece (a native call each) was most of the AOF's CPU cost for
   * small commands such as SET.
   */
  command(argv: readonly string[]): void {
    let size = 16;
    for (const a of argv) size += a.length + 16;
    this.ensure(size);
    const buf = this.buf;
    let pos = writeHeader(buf, this.length, 42 /* '*' */, argv.length);
    for (const a of argv) {
      const n = a.length;
      pos = writeHeader(buf, pos, 36 /* '$' */, n);
      if (n <= SHORT_ARG) {
        for (let i = 0; i < n; i++) buf[pos + i] = a.charCodeAt(i);
        pos += n;
      } else {
        pos += buf.latin1Write(a, pos);
      }
      buf[pos++] = 13;
      buf[pos++] = 10;
    }
    this.length = pos;
  }

  /** The bytes appended so far. */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Forgets the contents; a buffer grown past `keepBytes` is released. */
  reset(keepBytes = 1024 * 1024): void {
    this.length = 0;
    if (this.buf.length > keepBytes) this.buf = Buffer.allocUnsafe(16 * 1024);
  }
}

/** Arguments up to this length are copied in JS rather than by a native latin1Write. */
const SHORT_ARG = 48;

/** Writes `<type><n>\r\n` at `pos`; returns the position after it. */
function writeHeader(buf: Buffer, pos: number, type: number, n: number): number {
  buf[pos++] = type;
  if (n < 10) buf[pos++] = 48 + n;
  else if (n < 100) {
    buf[pos++] = 48 + ((n / 10) | 0);
    buf[pos++] = 48 + (n % 10);
  } else pos += buf.latin1Write(String(n), pos);
  buf[pos++] = 13;
  buf[pos++] = 10;
  return pos;
}

/** The file ends inside a command (a crash while it was written). */
export class AofTruncatedError extends Error {
  constructor(readonly offset: number) {
    super(`unexpected end of file at offset ${offset}`);
  }
}

/** Bytes that are not a command where one must start. */
export class AofFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Reads commands from `buf` starting at `start`. `next()` returns the next command's arguments,
 * or null at the end of the file; `pos` is then the offset after the last complete command
 * (Redis's valid_up_to).
 */
export class AofReader {
  pos: number;

  constructor(
    private readonly buf: Buffer,
    start = 0,
  ) {
    this.pos = start;
  }

  /** One line (fgets): up to and including '\n', or to the end of the file. */
  private line(): { start: number; end: number } | null {
    const buf = this.buf;
    if (this.pos >= buf.length) return null;
    const start = this.pos;
    const nl = buf.indexOf(10, start);
    const end = nl < 0 ? buf.length : nl + 1;
    this.pos = end;
    return { start, end };
  }

  next(): string[] | null {
    const buf = this.buf;
    for (;;) {
      const at = this.pos;
      const l = this.line();
      if (l === null) return null;
      const first = buf[l.start];
      if (first === 35) continue; // '#': an annotation
      if (first !== 42) throw new AofFormatError(`expected '*', got '${printable(first)}'`, at);
      if (buf[l.end - 1] !== 10) throw new AofTruncatedError(at);
      const argc = atoi(buf, l.start + 1, l.end);
      if (argc < 1) throw new AofFormatError(`invalid argument count`, at);
      const argv = new Array<string>(argc);
      for (let i = 0; i < argc; i++) {
        const lineAt = this.pos;
        const h = this.line();
        if (h === null) throw new AofTruncatedError(at);
        if (buf[h.start] !== 36) throw new AofFormatError(`expected '$', got '${printable(buf[h.start])}'`, lineAt);
        if (buf[h.end - 1] !== 10) throw new AofTruncatedError(at);
        const len = atoi(buf, h.start + 1, h.end);
        if (len < 0) throw new AofFormatError('invalid bulk length', lineAt);
        if (this.pos + len + 2 > buf.length) throw new AofTruncatedError(at);
        argv[i] = buf.latin1Slice(this.pos, this.pos + len);
        this.pos += len + 2;
      }
      return argv;
    }
  }
}

/** atoi over buf[start, end): leading digits (a '-' sign allowed), 0 when there are none. */
function atoi(buf: Buffer, start: number, end: number): number {
  let i = start;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
  }
  let v = 0;
  for (; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

function printable(byte: number | undefined): string {
  if (byte === undefined) return 'EOF';
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
}
