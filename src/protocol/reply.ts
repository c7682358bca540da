/**
 * The reply sink handlers write to, in the spirit of Redis's addReply* family: handlers never see
 * bytes or sockets, only these typed calls. RespWriter encodes RESP2/RESP3 bytes for the network;
 * ValueReply builds JS values for embedded callers (and, later, scripts).
 *
 * Lengths are announced before elements (arrayLen then the elements), so a reply streams with no
 * intermediate objects. RESP3-only kinds are downgraded for RESP2 exactly as Redis does.
 */
export type BulkValue = string | number | bigint | Buffer | BulkBytes;
/** Bytes held inside a larger buffer (the engine's ByteString and SlabString values): `bytes[start, start + len)`. */
export interface BulkBytes {
  readonly bytes: Buffer;
  readonly start: number;
  readonly len: number;
}

export interface Reply {
  /** 2 or 3: the protocol the caller negotiated with HELLO. */
  resp: 2 | 3;
  /** +OK */
  ok(): void;
  /** +<s>: a status line (no CR/LF inside). */
  simple(s: string): void;
  /** -<message>: the full error line, e.g. "ERR syntax error". */
  error(message: string): void;
  /** :<n> */
  int(n: number | bigint): void;
  /** $<len>\r\n<bytes>: latin1 string, integer, Buffer or byte buffer. */
  bulk(v: BulkValue): void;
  /** RESP2 $-1, RESP3 _ */
  nullBulk(): void;
  /** RESP2 *-1, RESP3 _ */
  nullArray(): void;
  /** *<n> */
  arrayLen(n: number): void;
  /** RESP3 %<n> (n pairs follow); RESP2 *<2n> */
  mapLen(n: number): void;
  /** RESP3 ~<n>; RESP2 *<n> */
  setLen(n: number): void;
  /** RESP3 ><n>; RESP2 *<n> */
  pushLen(n: number): void;
  /** RESP3 ,<%.17g>; RESP2 bulk string */
  double(d: number): void;
  /**
   * A double written with digits the handler chose (Redis's addReplyHumanLongDouble: GEOPOS's
   * %.17Lf coordinates): RESP3 ,<text>; RESP2 bulk string <text>.
   */
  doubleText(text: string): void;
  /** RESP3 #t/#f; RESP2 :1/:0 */
  bool(b: boolean): void;
  /** RESP3 =<len>\r\ntxt:<s>; RESP2 bulk string */
  verbatim(s: string, format?: string): void;
  /** RESP3 (<digits>; RESP2 bulk string */
  bigNumber(digits: string): void;
}

/** An error reply as an embedded caller receives it (thrown by `db.call`). */
export class ReplyError extends Error {
  readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = 'ReplyError';
    const space = message.indexOf(' ');
    this.code = space < 0 ? message : message.slice(0, space);
  }
}

/** A RESP3 map reply decoded for embedded callers. */
export type ReplyValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Buffer
  | ReplyError
  | ReplyValue[]
  | Map<ReplyValue, ReplyValue>
  | Set<ReplyValue>;

type FrameKind = 'array' | 'map' | 'set';

interface Frame<T> {
  kind: FrameKind;
  items: T[];
  remaining: number;
}

/**
 * Assembles values from the length-first Reply calls: elements go into the innermost open
 * aggregate, and an aggregate whose last element arrived becomes one value of its parent (or a
 * complete reply). Subclasses say how a finished aggregate looks and where complete replies go.
 */
export abstract class ReplyTree<T> {
  private stack: Frame<T>[] = [];

  /** The value of a finished aggregate (a map's items alternate key, value). */
  protected abstract finish(kind: FrameKind, items: T[]): T;
  /** A whole reply is complete. */
  protected abstract complete(value: T): void;

  protected add(v: T): void {
    let value = v;
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (top === undefined) {
        this.complete(value);
        return;
      }
      top.items.push(value);
      if (--top.remaining > 0) return;
      this.stack.pop();
      value = this.finish(top.kind, top.items);
    }
  }

  /** Opens an aggregate of `n` elements (a map of k pairs has 2k). */
  protected open(kind: FrameKind, n: number): void {
    if (n === 0) this.add(this.finish(kind, []));
    else this.stack.push({ kind, items: [], remaining: n });
  }

  /** Drops a partly built reply. */
  protected resetTree(): void {
    this.stack.length = 0;
  }
}

/**
 * Builds JS values from replies: bulk strings become latin1 strings (or Buffers when `buffers` is
 * set), integers numbers (bigint beyond 2^53), arrays arrays, maps Maps, sets Sets, errors ReplyError.
 */
export class ValueReply extends ReplyTree<ReplyValue> implements Reply {
  resp: 2 | 3 = 3;
  private done: ReplyValue[] = [];

  constructor(private readonly buffers = false) {
    super();
  }

  /** Take the replies completed since the last call. */
  take(): ReplyValue[] {
    const out = this.done;
    this.done = [];
    return out;
  }

  protected complete(value: ReplyValue): void {
    this.done.push(value);
  }

  protected finish(kind: FrameKind, items: ReplyValue[]): ReplyValue {
    if (kind === 'array') return items;
    if (kind === 'set') return new Set(items);
    const m = new Map<ReplyValue, ReplyValue>();
    for (let i = 0; i < items.length; i += 2) m.set(items[i], items[i + 1]);
    return m;
  }

  ok(): void {
    this.add('OK');
  }
  simple(s: string): void {
    this.add(s);
  }
  error(message: string): void {
    this.add(new ReplyError(message));
  }
  int(n: number | bigint): void {
    this.add(typeof n === 'bigint' && n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n);
  }
  bulk(v: BulkValue): void {
    let s: string | Buffer;
    if (typeof v === 'string') s = this.buffers ? Buffer.from(v, 'latin1') : v;
    else if (typeof v === 'number' || typeof v === 'bigint') s = this.buffers ? Buffer.from(String(v)) : String(v);
    else if (Buffer.isBuffer(v)) s = this.buffers ? Buffer.from(v) : v.toString('latin1');
    else {
      const start = v.start;
      s = this.buffers ? Buffer.from(v.bytes.subarray(start, start + v.len)) : v.bytes.latin1Slice(start, start + v.len);
    }
    this.add(s);
  }
  nullBulk(): void {
    this.add(null);
  }
  nullArray(): void {
    this.add(null);
  }
  arrayLen(n: number): void {
    this.open('array', n);
  }
  mapLen(n: number): void {
    this.open('map', n * 2);
  }
  setLen(n: number): void {
    this.open('set', n);
  }
  pushLen(n: number): void {
    this.open('array', n);
  }
  double(d: number): void {
    this.add(d);
  }
  doubleText(text: string): void {
    this.add(Number(text));
  }
  bool(b: boolean): void {
    this.add(b);
  }
  verbatim(s: string): void {
    this.add(s);
  }
  bigNumber(digits: string): void {
    this.add(BigInt(digits));
  }
}
