/**
 * Resumable request parser for RESP multibulk and inline (telnet) commands, following Redis's
 * processMultibulkBuffer/processInlineBuffer: same limits, same error texts, same leniencies.
 *
 * Arguments come out as latin1 strings (one char per byte, binary safe). Large bulk arguments are
 * assembled in a buffer of their final size, so a 512 MB argument arriving in 64 KB chunks costs
 * one copy per byte instead of quadratic concatenation.
 */

/** Unterminated inline request or length line Redis buffers before replying with a protocol error. */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
/**
 * Longest terminated line accepted. Redis reads 16 KB at a time and gives up once more than
 * PROTO_INLINE_MAX_SIZE bytes are buffered with no terminator, so a line starting a read is refused
 * once its terminator lies 80 KB or more away.
 */
const LINE_LIMIT = PROTO_INLINE_MAX_SIZE + 16 * 1024;
/** Arguments at least this long are assembled in place (Redis's PROTO_MBULK_BIG_ARG). */
const BIG_ARG = 32 * 1024;
/** Largest big-argument buffer a connection keeps for reuse. */
const SCRATCH_MAX = 1024 * 1024;
const INT_MAX = 2147483647;
const EMPTY = Buffer.alloc(0);
/** `argv` between requests (never written: each request starts a fresh array). */
const NO_ARGS: string[] = [];

export class ProtocolError extends Error {}

export class RequestParser {
  /** proto-max-bulk-len: longest bulk argument accepted. */
  maxBulkLen = 512 * 1024 * 1024;
  /** Set when the stream is malformed; the connection must reply `-ERR Protocol error: <msg>` and close. */
  error: string | null = null;

  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Arguments still expected in the current multibulk request (0 = between requests). */
  private pending = 0;
  private argv: string[] = NO_ARGS;
  /** Bytes of the arguments in `argv` so far (big ones included). */
  private argvBytes = 0;
  /** Length of the bulk being read, or -1 while its `$<len>` line is awaited. */
  private bulkLen = -1;
  /** In-place assembly of a big argument (bulkLen + 2 bytes, CRLF included). */
  private big: Buffer | null = null;
  private bigFill = 0;
  /** Big arguments of the current request: position, value, position, value, ... */
  private bigArgs: Array<number | string> | null = null;
  /**
   * Reused assembly buffer for big arguments up to SCRATCH_MAX: the argument becomes a string
   * right away, so one buffer serves every big argument of the connection instead of a fresh
   * off-heap allocation each time (which also spares V8 the external-memory GC pressure).
   */
  private scratch: Buffer | null = null;

  /** Bytes received but not consumed yet (CLIENT LIST qbuf; client-query-buffer-limit compares it). */
  get buffered(): number {
    const rest = this.buf.length - this.pos;
    return this.big !== null ? this.bigFill + rest : rest;
  }

  /**
   * Bytes the query buffer holds in memory: the unconsumed input, the big argument being
   * assembled (allocated at its full size up front, as Redis sizes its query buffer for a big
   * bulk) and the kept assembly buffer. What client eviction counts for the query buffer.
   */
  get allocated(): number {
    const rest = this.buf.length - this.pos;
    const big = this.big;
    const scratch = this.scratch === null ? 0 : this.scratch.length;
    const own = big !== null && big.buffer !== this.scratch?.buffer ? big.length : 0;
    return rest + own + scratch;
  }

  /** Bytes of the arguments already parsed of a request still being received (argv-mem). */
  get partialArgvBytes(): number {
    return this.pending === 0 ? 0 : this.argvBytes;
  }

  /** The first `n` unconsumed bytes (for logging the start of an oversized query buffer). */
  head(n: number): Buffer {
    if (this.big !== null) {
      const fromBig = this.big.subarray(0, Math.min(n, this.bigFill));
      if (fromBig.length >= n || this.pos >= this.buf.length) return fromBig;
      return Buffer.concat([fromBig, this.buf.subarray(this.pos, this.pos + n - fromBig.length)]);
    }
    return this.buf.subarray(this.pos, Math.min(this.buf.length, this.pos + n));
  }

  /**
   * Drops the kept assembly buffer while no big argument is being read (an idle client should not
   * pin a megabyte: Redis's clientsCronResizeQueryBuffer frees an idle client's query buffer).
   */
  releaseScratch(): void {
    if (this.big === null) this.scratch = null;
  }

  feed(input: Buffer): void {
    let chunk = input;
    if (this.big !== null && this.bigFill < this.big.length) {
      // While a big argument is being assembled `buf` is empty: bytes past its end start `buf`.
      const take = Math.min(chunk.length, this.big.length - this.bigFill);
      chunk.copy(this.big, this.bigFill, 0, take);
      this.bigFill += take;
      if (take === chunk.length) return;
      chunk = chunk.subarray(take);
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
  }

  /**
   * The next complete command, or null when more bytes are needed or the input is malformed
   * (then `error` is set). Empty requests (`*0`, blank inline lines) are skipped silently.
   */
  next(): string[] | null {
    for (;;) {
      if (this.error !== null) return null;
      if (this.big !== null) {
        if (this.bigFill < this.big.length) return null;
        const big = this.big;
        this.big = null;
        this.bigFill = 0;
        // Kept out of `argv` until the request completes (see finish()).
        if (this.bigArgs === null) this.bigArgs = [];
        this.bigArgs.push(this.argv.length, big.latin1Slice(0, big.length - 2));
        this.argv.push('');
        this.argvBytes += big.length - 2;
        this.bulkLen = -1;
        if (--this.pending === 0) return this.finish();
        continue;
      }
      if (this.pending === 0) {
        if (this.pos >= this.buf.length) {
          this.buf = EMPTY;
          this.pos = 0;
          return null;
        }
        if (this.buf[this.pos] === 42 /* * */) {
          const r = this.readMultibulkHeader();
          if (r <= 0) return null;
          continue;
        }
        const inline = this.readInline();
        if (inline === null) return null;
        if (inline.length === 0) continue;
        return inline;
      }
      const arg = this.readBulk();
      if (arg === null) {
        if (this.big !== null) continue;
        return null;
      }
      this.argv.push(arg);
      this.argvBytes += arg.length;
      if (--this.pending === 0) return this.finish();
    }
  }

  private finish(): string[] {
    let argv = this.argv;
    this.argv = NO_ARGS;
    const bigArgs = this.bigArgs;
    if (bigArgs !== null) {
      // A request that waited for more bytes may have outlived a scavenge, putting `argv` in the
      // old generation. A big young string stored into it would then be kept alive (and copied
      // into the old generation) by that dead array's old-to-new reference until the next full GC:
      // with many clients sending big values this promoted nearly every value. A fresh array does
      // not have the problem.
      this.bigArgs = null;
      argv = argv.slice();
      for (let i = 0; i < bigArgs.length; i += 2) argv[bigArgs[i] as number] = bigArgs[i + 1] as string;
    }
    return argv;
  }

  private fail(message: string): null {
    this.error = message;
    return null;
  }

  /** Parses `*<n>\r\n`. Returns 1 when a multibulk with arguments started, 0 to wait, -1 on error. */
  private readMultibulkHeader(): number {
    const buf = this.buf;
    const cr = findLineEnd(buf, this.pos, 13);
    if (cr < 0) {
      if (buf.length - this.pos > PROTO_INLINE_MAX_SIZE) {
        this.fail('too big mbulk count string');
        return -1;
      }
      return 0;
    }
    if (cr + 1 >= buf.length) return 0; // the byte after CR (not checked to be LF) is not here yet
    const n = parseLength(buf, this.pos + 1, cr);
    if (n === null || n > INT_MAX) {
      this.fail('invalid multibulk length');
      return -1;
    }
    this.pos = cr + 2;
    if (n <= 0) return 1; // empty request: nothing to run, keep parsing
    this.pending = n;
    // A fresh array per request: one kept from the previous request would age into the old
    // generation while the connection idles, and every argument stored into it would then be
    // kept alive by that array's old-to-new references after it died.
    this.argv = [];
    this.argvBytes = 0;
    this.bulkLen = -1;
    return 1;
  }

  /** Reads one bulk argument; null to wait (or when a big argument switched to in-place mode). */
  private readBulk(): string | null {
    const buf = this.buf;
    if (this.bulkLen < 0) {
      const cr = findLineEnd(buf, this.pos, 13);
      if (cr < 0) {
        if (buf.length - this.pos > PROTO_INLINE_MAX_SIZE) return this.fail('too big bulk count string');
        return null;
      }
      if (cr + 1 >= buf.length) return null;
      const first = buf[this.pos];
      if (first !== 36 /* $ */) {
        // Redis turns CR/LF into spaces so the error stays one line.
        return this.fail(`expected '$', got '${first === 13 || first === 10 ? ' ' : String.fromCharCode(first)}'`);
      }
      const n = parseLength(buf, this.pos + 1, cr);
      if (n === null || n < 0 || n > this.maxBulkLen) return this.fail('invalid bulk length');
      this.pos = cr + 2;
      this.bulkLen = n;
    }
    const len = this.bulkLen;
    const available = buf.length - this.pos;
    if (available < len + 2) {
      if (len >= BIG_ARG) {
        let big: Buffer;
        if (len + 2 <= SCRATCH_MAX) {
          if (this.scratch === null || this.scratch.length < len + 2) {
            this.scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX, Math.max(len + 2, 2 * (this.scratch?.length ?? 0))));
          }
          big = this.scratch.subarray(0, len + 2);
        } else {
          big = Buffer.allocUnsafeSlow(len + 2);
        }
        buf.copy(big, 0, this.pos);
        this.big = big;
        this.bigFill = available;
        this.buf = EMPTY;
        this.pos = 0;
      }
      return null;
    }
    const start = this.pos;
    this.pos += len + 2;
    this.bulkLen = -1;
    return len === 0 ? '' : buf.latin1Slice(start, start + len);
  }

  /** Reads one inline request; null to wait or on error; an empty array for a blank line. */
  private readInline(): string[] | null {
    const buf = this.buf;
    const nl = findLineEnd(buf, this.pos, 10);
    if (nl < 0) {
      if (buf.length - this.pos > PROTO_INLINE_MAX_SIZE) return this.fail('too big inline request');
      return null;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === 13) end--;
    const line = buf.latin1Slice(this.pos, end);
    this.pos = nl + 1;
    const argv = splitInlineArgs(line);
    if (argv === null) return this.fail('unbalanced quotes in request');
    return argv;
  }
}

/**
 * Index of the first `target` byte (CR or LF) at or after `from`, or -1 when a NUL byte, the end
 * of the buffer or LINE_LIMIT bytes come first: Redis looks for line ends with strchr, which stops
 * at NUL, so a NUL in a length line or inline request leaves the request waiting for more input.
 */
function findLineEnd(buf: Buffer, from: number, target: number): number {
  const end = Math.min(buf.length, from + LINE_LIMIT);
  for (let i = from; i < end; i++) {
    const c = buf[i];
    if (c === target) return i;
    if (c === 0) return -1;
  }
  return -1;
}

const LLONG_MAX_DIGITS = '9223372036854775807';
const LLONG_MIN_DIGITS = '9223372036854775808';

/**
 * Redis's string2ll over bytes [start, end): optional '-', digits, no leading zeros, within the
 * signed 64-bit range. Values beyond 2^53 come back rounded, which no caller can tell apart.
 */
function parseLength(buf: Buffer, start: number, end: number): number | null {
  if (start >= end || end - start > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  if (buf[i] === 48) return end - start === 1 ? 0 : null;
  const digits = end - i;
  if (digits > 19) return null;
  let n = 0;
  for (let j = i; j < end; j++) {
    const c = buf[j] - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  if (digits === 19 && buf.latin1Slice(i, end) > (neg ? LLONG_MIN_DIGITS : LLONG_MAX_DIGITS)) return null;
  return neg ? -n : n;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Redis's sdssplitargs: whitespace-separated tokens, "double quotes" with \n \r \t \b \a \xHH
 * escapes, 'single quotes' with only \' escaped; a closing quote must be followed by a space or the
 * end. A NUL byte ends the line, as it does for the C original. Returns null on unbalanced quotes.
 */
export function splitInlineArgs(line: string): string[] | null {
  const out: string[] = [];
  const len = line.length;
  const at = (i: number) => (i < len ? line.charCodeAt(i) : 0);
  let p = 0;
  for (;;) {
    while (p < len && at(p) !== 0 && isSpace(at(p))) p++;
    if (p >= len || at(p) === 0) return out;
    let inq = false;
    let insq = false;
    let done = false;
    let cur = '';
    while (!done) {
      const c = at(p);
      if (inq) {
        if (c === 92 && at(p + 1) === 120 && hexValue(at(p + 2)) >= 0 && hexValue(at(p + 3)) >= 0) {
          cur += String.fromCharCode(hexValue(at(p + 2)) * 16 + hexValue(at(p + 3)));
          p += 3;
        } else if (c === 92 && at(p + 1) !== 0) {
          p++;
          const e = at(p);
          cur +=
            e === 110 ? '\n' : e === 114 ? '\r' : e === 116 ? '\t' : e === 98 ? '\b' : e === 97 ? '\x07' : String.fromCharCode(e);
        } else if (c === 34) {
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === 0) {
          return null;
        } else {
          cur += String.fromCharCode(c);
        }
      } else if (insq) {
        if (c === 92 && at(p + 1) === 39) {
          p++;
          cur += "'";
        } else if (c === 39) {
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === 0) {
          return null;
        } else {
          cur += String.fromCharCode(c);
        }
      } else if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0) {
        done = true;
      } else if (c === 34) {
        inq = true;
      } else if (c === 39) {
        insq = true;
      } else {
        cur += String.fromCharCode(c);
      }
      if (at(p) !== 0) p++;
    }
    out.push(cur);
  }
}
