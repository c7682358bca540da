import net from 'node:net';

/**
 * MIGRATE's side of the network (Redis's migrateGetSocket / migrateCloseTimedoutSockets and the
 * synchronous I/O of migrateCommand, cluster.c): connections to targets kept per "host:port" for
 * 10 seconds of disuse, and the exchange of one MIGRATE with its target.
 *
 * Redis does the exchange with blocking reads and writes, each bounded by the timeout, and the
 * whole server waits. Here the exchange is asynchronous: the command path suspends the client
 * (src/commands/dump.ts) and finishes the command when `transfer` settles. A cached connection
 * serves one MIGRATE at a time (the others wait their turn), so replies are never mixed up and
 * `lastDbid` means what Redis's last_dbid means.
 */

/** Idle seconds after which the cron closes a cached connection (MIGRATE_SOCKET_CACHE_TIMEOUT). */
const CACHE_TIMEOUT_S = 10;
/** Cached connections at most; a new one past this drops one at random (MIGRATE_SOCKET_CACHE_ITEMS). */
const CACHE_ITEMS = 64;
/** Redis writes the request in chunks of this size, each bounded by the timeout. */
const WRITE_CHUNK = 64 * 1024;
/** connSyncReadLine's buffer: longer lines are cut there. */
const MAX_LINE = 1023;

/** An I/O failure of the exchange; `timedOut` is Redis's errno == ETIMEDOUT (no retry then). */
class TargetIoError extends Error {
  constructor(readonly timedOut: boolean) {
    super(timedOut ? 'timeout' : 'connection error');
  }
}

/** One cached connection to a target: a socket read line by line, like connSyncReadLine. */
export class TargetConnection {
  /** The database selected on the target (decimal), null when unknown (Redis's last_dbid). */
  lastDbid: string | null = null;
  /** Unix seconds of the last use (last_use_time). */
  lastUseTime = Math.floor(Date.now() / 1000);
  /** The MIGRATE using the connection; the next one chains on it. */
  turn: Promise<void> = Promise.resolve();
  private input = '';
  private failed = false;
  private waiter: (() => void) | null = null;

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.input += chunk.latin1Slice();
      this.wake();
    });
    const fail = (): void => {
      this.failed = true;
      this.wake();
    };
    socket.on('error', fail);
    socket.on('close', fail);
    // An idle cached connection does not keep the process alive.
    socket.unref();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  get broken(): boolean {
    return this.failed || this.socket.destroyed;
  }

  /** Waits for an event on the socket or the deadline; throws on a timeout. */
  private async waitEvent(timeoutMs: number, writing: boolean): Promise<void> {
    let timer: NodeJS.Timeout | null = null;
    const onDrain = (): void => this.wake();
    if (writing) this.socket.on('drain', onDrain);
    const timedOut = await new Promise<boolean>((resolve) => {
      this.waiter = () => resolve(false);
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    if (timer !== null) clearTimeout(timer);
    if (writing) this.socket.off('drain', onDrain);
    this.waiter = null;
    if (timedOut) throw new TargetIoError(true);
  }

  /** connSyncWrite of `buf` in 64 KB chunks, each handed to the kernel within the timeout. */
  async write(buf: Buffer, timeoutMs: number): Promise<void> {
    this.socket.ref();
    for (let pos = 0; pos < buf.length; pos += WRITE_CHUNK) {
      if (this.broken) throw new TargetIoError(false);
      const chunk = buf.subarray(pos, Math.min(buf.length, pos + WRITE_CHUNK));
      if (this.socket.write(chunk)) continue;
      // Not taken at once: wait until the kernel takes it (drain), fails, or the timeout passes.
      while (this.socket.writableLength > 0) {
        if (this.broken) throw new TargetIoError(false);
        await this.waitEvent(timeoutMs, true);
      }
    }
  }

  /** connSyncReadLine: the next line of the target's replies without its CRLF. */
  async readLine(timeoutMs: number): Promise<string> {
    for (;;) {
      const nl = this.input.indexOf('\n');
      if (nl >= 0) {
        let line = this.input.slice(0, nl);
        this.input = this.input.slice(nl + 1);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        return line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line;
      }
      if (this.broken) throw new TargetIoError(false);
      await this.waitEvent(timeoutMs, false);
    }
  }

  /** Done with the connection for now: it may idle in the cache without holding the process. */
  release(): void {
    this.lastUseTime = Math.floor(Date.now() / 1000);
    this.socket.unref();
  }

  close(): void {
    this.failed = true;
    this.socket.destroy();
  }
}

/** The RESTORE of one key, serialized when MIGRATE ran (its value as it was then). */
export interface MigrateRecord {
  key: string;
  /** Milliseconds to live on the target (decimal), "0" for none. */
  ttl: string;
  payload: Buffer;
}

export interface MigrateRequest {
  host: string;
  port: string;
  /** The target's database, in decimal. */
  dbid: string;
  /** Milliseconds each connect, write and read may take. */
  timeout: number;
  replace: boolean;
  username: string | null;
  password: string | null;
  records: MigrateRecord[];
}

/** How a MIGRATE ended: the keys the target acknowledged, and the reply (null: +OK). */
export interface MigrateOutcome {
  acknowledged: string[];
  error: string | null;
}

/** One RESP multibulk request. */
function encodeRequest(parts: Buffer[], argv: Array<string | Buffer>): void {
  parts.push(Buffer.from(`*${argv.length}\r\n`, 'latin1'));
  for (const a of argv) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`, 'latin1'), b, Buffer.from('\r\n', 'latin1'));
  }
}

/** The cached connections to MIGRATE targets (Redis's server.migrate_cached_sockets). */
export class MigrateSockets {
  private readonly cache = new Map<string, TargetConnection>();


  /** INFO's migrate_cached_sockets. */
  get size(): number {
    return this.cache.size;
  }

  /**
   * migrateGetSocket: the cached connection to host:port, or a new one; null when it could not be
   * made (name not resolved, timeout), 'refused' when the target refused it. Redis's blocking
   * connect only waits for the socket to be writable, so a refusal shows at the first write.
   */
  private async connect(host: string, port: string, timeoutMs: number): Promise<TargetConnection | 'refused' | null> {
    const name = `${host}:${port}`;
    const cached = this.cache.get(name);
    if (cached !== undefined && !cached.broken) {
      cached.lastUseTime = Math.floor(Date.now() / 1000);
      return cached;
    }
    if (cached !== undefined) this.cache.delete(name);
    if (this.cache.size >= CACHE_ITEMS) {
      // Too many: drop one at random, as Redis does.
      const names = [...this.cache.keys()];
      this.closeNamed(names[Math.floor(Math.random() * names.length)]);
    }
    const portNumber = Number.parseInt(port, 10);
    if (!Number.isFinite(portNumber) || portNumber < 0 || portNumber > 65535) return null;
    const socket = await new Promise<net.Socket | 'refused' | null>((resolve) => {
      const s = net.connect({ host, port: portNumber });
      const timer = setTimeout(() => {
        s.destroy();
        resolve(null);
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        s.destroy();
        resolve(e.syscall === 'connect' ? 'refused' : null);
      });
    });
    if (socket === null || socket === 'refused') return socket;
    // Another MIGRATE may have connected meanwhile: keep one connection per target.
    const raced = this.cache.get(name);
    if (raced !== undefined && !raced.broken) {
      socket.destroy();
      return raced;
    }
    const conn = new TargetConnection(socket);
    this.cache.set(name, conn);
    return conn;
  }

  /** migrateCloseSocket. */
  private closeNamed(name: string): void {
    const conn = this.cache.get(name);
    if (conn === undefined) return;
    conn.close();
    this.cache.delete(name);
  }

  /** migrateCloseTimedoutSockets: the cron closes connections idle for more than 10 seconds. */
  cron(): void {
    if (this.cache.size === 0) return;
    const now = Math.floor(Date.now() / 1000);
    for (const [name, conn] of this.cache) {
      if (conn.broken || now - conn.lastUseTime > CACHE_TIMEOUT_S) this.closeNamed(name);
    }
  }

  /** Closes every cached connection (the server is going away). */
  closeAll(): void {
    for (const name of [...this.cache.keys()]) this.closeNamed(name);
  }

  /**
   * The exchange of migrateCommand: AUTH, SELECT when the target's database is not known to be
   * `dbid`, one RESTORE per record; then the replies, in order. A socket error before any reply
   * retries once on a new connection (a cached connection the target closed), a timeout never.
   * Keys the target acknowledged are reported even when a later one failed.
   */
  async transfer(req: MigrateRequest): Promise<MigrateOutcome> {
    const name = `${req.host}:${req.port}`;
    let mayRetry = true;
    for (;;) {
      const conn = await this.connect(req.host, req.port, req.timeout);
      if (conn === null) return { acknowledged: [], error: 'IOERR error or timeout connecting to the client' };
      if (conn === 'refused') {
        if (mayRetry) {
          mayRetry = false;
          continue;
        }
        return { acknowledged: [], error: 'IOERR error or timeout writing to target instance' };
      }
      // One MIGRATE at a time per connection: wait for the one before to finish.
      const previous = conn.turn;
      let done!: () => void;
      conn.turn = new Promise<void>((resolve) => (done = resolve));
      await previous;
      try {
        if (conn.broken && mayRetry) {
          // Lost while waiting for its turn: a new connection, as a retry would make.
          this.closeNamed(name);
          mayRetry = false;
          continue;
        }
        const result = await this.exchange(conn, req);
        if (result.retry && mayRetry) {
          this.closeNamed(name);
          mayRetry = false;
          continue;
        }
        if (result.socketError) this.closeNamed(name);
        if (result.outcome !== null) return result.outcome;
        return { acknowledged: result.acknowledged, error: `IOERR error or timeout ${result.writeError ? 'writing' : 'reading'} to target instance` };
      } finally {
        conn.release();
        done();
      }
    }
  }

  /** One attempt on `conn`. `outcome` null: an I/O error to report (or retry when `retry`). */
  private async exchange(
    conn: TargetConnection,
    req: MigrateRequest,
  ): Promise<{ outcome: MigrateOutcome | null; acknowledged: string[]; socketError: boolean; retry: boolean; writeError: boolean }> {
    const parts: Buffer[] = [];
    if (req.password !== null) encodeRequest(parts, req.username !== null ? ['AUTH', req.username, req.password] : ['AUTH', req.password]);
    const select = conn.lastDbid !== req.dbid;
    if (select) encodeRequest(parts, ['SELECT', req.dbid]);
    // RESTORE-ASKING is what a cluster node sends; a standalone Redis sends RESTORE.
    for (const r of req.records) encodeRequest(parts, req.replace ? ['RESTORE', r.key, r.ttl, r.payload, 'REPLACE'] : ['RESTORE', r.key, r.ttl, r.payload]);
    const acknowledged: string[] = [];
    try {
      await conn.write(Buffer.concat(parts), req.timeout);
    } catch (e) {
      return { outcome: null, acknowledged, socketError: true, retry: !(e as TargetIoError).timedOut, writeError: true };
    }
    let authReply = '';
    let selectReply = '';
    try {
      if (req.password !== null) authReply = await conn.readLine(req.timeout);
      if (select) selectReply = await conn.readLine(req.timeout);
    } catch (e) {
      return { outcome: null, acknowledged, socketError: true, retry: !(e as TargetIoError).timedOut, writeError: false };
    }
    let targetError: string | null = null;
    let readError: TargetIoError | null = null;
    let j = 0;
    for (; j < req.records.length; j++) {
      let line: string;
      try {
        line = await conn.readLine(req.timeout);
      } catch (e) {
        readError = e as TargetIoError;
        break;
      }
      const failed = authReply.startsWith('-') ? authReply : selectReply.startsWith('-') ? selectReply : line.startsWith('-') ? line : null;
      if (failed !== null) {
        // The target's database is no longer known: SELECT again next time.
        if (targetError === null) {
          conn.lastDbid = null;
          targetError = `ERR Target instance replied with error: ${failed.slice(1)}`;
        }
      } else {
        acknowledged.push(req.records[j].key);
      }
    }
    if (targetError === null && readError !== null) {
      return { outcome: null, acknowledged, socketError: true, retry: j === 0 && !readError.timedOut, writeError: false };
    }
    if (readError !== null) return { outcome: { acknowledged, error: targetError }, acknowledged, socketError: true, retry: false, writeError: false };
    if (targetError === null) conn.lastDbid = req.dbid;
    return { outcome: { acknowledged, error: targetError }, acknowledged, socketError: false, retry: false, writeError: false };
  }
}
