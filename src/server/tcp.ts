import net from 'node:net';
import { RequestParser } from '../protocol/request-parser.js';
import { RespWriter } from '../protocol/resp-writer.js';
import { Client } from './client.js';
import { clientInfoLine } from './client-info.js';
import type { Server } from './server.js';
import type { BulkValue, Reply } from '../protocol/reply.js';

/**
 * Stop reading from a client whose unsent replies exceed this (it is not reading them), while its
 * class has no client-output-buffer-limit (normal clients by default): the back-pressure bounds
 * its output where Redis would let it grow. With a limit configured the limit decides instead.
 */
const OUTPUT_PAUSE_BYTES = 64 * 1024 * 1024;

/**
 * One client connection (TCP, TLS or a unix socket: the same code path): bytes in → parser →
 * dispatcher → replies encoded into one buffer → one write per batch of input. No per-request
 * closures or allocations beyond the argv array.
 */
export class Connection {
  readonly client: Client;
  private readonly parser = new RequestParser();
  private readonly writer = new RespWriter();
  /** Where pub/sub frames go while replies are dropped: into the output, outside the dropped ranges. */
  private readonly keptPushes: Reply;
  private closed = false;
  /** The command now blocked ran under CLIENT REPLY OFF/SKIP: its later reply is dropped too. */
  private dropHeldReply = false;
  /** The command being run is skipped (CLIENT REPLY SKIP before it; Redis's CLIENT_REPLY_SKIP). */
  private skipCurrent = false;
  /** Writer position where replies of the current command started being dropped; -1 while kept. */
  private muteFrom = -1;
  /** Ranges [start, end) of the writer to drop once the current command is done. */
  private readonly cuts: number[] = [];
  private paused = false;
  /** Replies are held until the AOF has what their commands wrote (appendfsync); see flush(). */
  private waitingForAof = false;
  /** The AOF position the held replies need (what was fed when the last of them was added). */
  private aofNeeded = 0;
  /** end() was asked while replies were held: close once they are sent. */
  private endAfterAof = false;
  private readonly aofResume = () => {
    const aof = this.server.aof;
    if (this.aofNeeded > aof.releasedPosition) {
      aof.waitForDurability(this.aofNeeded, this.aofResume);
      return;
    }
    this.waitingForAof = false;
    this.flush();
    if (this.endAfterAof && !this.waitingForAof) this.end();
  };

  constructor(
    private readonly server: Server,
    private readonly socket: net.Socket,
    unixPath: string | null = null,
  ) {
    this.client = new Client(server, this.writer, 'normal');
    this.parser.maxBulkLen = server.config.protoMaxBulkLen;
    const c = this.client;
    if (unixPath !== null) {
      // A unix socket client shows the socket's path as both ends (genClientAddrString).
      c.unixSocket = true;
      c.addr = c.laddr = `${unixPath}:0`;
    } else {
      c.addr = formatAddress(socket.remoteAddress, socket.remotePort);
      c.laddr = formatAddress(socket.localAddress, socket.localPort);
    }
    c.fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    c.closeHook = () => this.destroy();
    c.endHook = () => this.end();
    c.outputBytes = () => this.writer.length + this.socket.writableLength;
    c.replyBufferBytes = () => this.writer.length;
    c.socketQueuedBytes = () => this.socket.writableLength;
    c.replyBufferSize = () => this.writer.buf.length;
    c.queryBufferBytes = () => this.parser.buffered;
    c.queryBufferAllocated = () => this.parser.allocated;
    c.partialArgvBytes = () => this.parser.partialArgvBytes;
    c.trimBuffersHook = () => {
      this.parser.releaseScratch();
      this.writer.shrink();
    };
    c.resumeHook = () => this.resume();
    c.rawWrite = (chunk) => {
      if (this.closed) return true;
      return this.socket.write(chunk);
    };
    c.flushHook = () => {
      this.flush();
      this.account();
    };
    this.keptPushes = new PushPassThrough(
      this.writer,
      () => {
        if (this.writer.pos > this.muteFrom) this.cuts.push(this.muteFrom, this.writer.pos);
      },
      () => {
        this.muteFrom = this.writer.pos;
      },
    );
    c.replyModeHook = (clearSkip) => {
      if (clearSkip) this.skipCurrent = false;
      this.updateMute();
    };
    server.registerClient(c);
    server.stats.totalConnections++;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.onClose());
  }

  private onData(chunk: Buffer): void {
    // A client being closed for its output buffer reads nothing more.
    if (this.closed || this.client.closeAsap) return;
    const server = this.server;
    server.stats.netInputBytes += chunk.length;
    // proto-max-bulk-len may change with CONFIG SET at any time.
    this.parser.maxBulkLen = server.config.protoMaxBulkLen;
    this.parser.feed(chunk);
    // Checked on what is buffered before running any of it, as Redis checks after each read; a
    // blocked client's input accumulates here too.
    if (this.parser.buffered > server.config.clientQueryBufferLimit) {
      server.clientBuffers.queryBufferLimitReached(this.client, this.parser.head(64));
      this.destroy();
      return;
    }
    // A blocked client's input waits in the parser until it is unblocked (resume()).
    if (this.waiting) this.account();
    else this.processInput();
    // Redis counts every read as interaction (`timeout`): a request still arriving keeps its
    // client alive, though no command ran (those that ran set it already).
    if (this.parser.buffered !== 0) this.client.lastInteraction = Date.now();
    server.clientBuffers.evictIfNeeded();
  }

  /** The client's buffers changed: its memory as client eviction and INFO count it. */
  private account(): void {
    if (!this.closed) this.server.clientBuffers.update(this.client);
  }

  /**
   * The client's command is not done: blocked (BLPOP), its script on the long-script worker, or
   * held by CLIENT PAUSE. Its reply and the rest of its input wait until it is resumed.
   */
  private get waiting(): boolean {
    const c = this.client;
    return c.blocked !== null || c.heldByScript || c.awaitingTarget || c.postponedArgv !== null;
  }

  /** Runs every complete command buffered in the parser, then writes the replies at once. */
  private processInput(): void {
    const server = this.server;
    const client = this.client;
    const parser = this.parser;
    let argv: string[] | null;
    // A command CLIENT PAUSE held and released runs first, as if it had just arrived.
    while ((argv = client.releasedArgv ?? parser.next()) !== null) {
      client.releasedArgv = null;
      const name = argv[0];
      if ((name.length === 4 || name.length === 5) && isHttpProbe(name)) {
        this.rejectHttp();
        return;
      }
      if (client.replyOff || client.replySkipNext) {
        // CLIENT REPLY OFF/SKIP: run the command, drop what it writes, except pub/sub frames.
        if (client.replySkipNext) {
          client.replySkipNext = false;
          this.skipCurrent = true;
        }
        this.updateMute();
      }
      server.processCommand(client, argv);
      // A replica's link carries the stream one way: a command of its that replies is a misuse.
      if (client.replica !== null && this.writer.length > 0) {
        server.replicationMaster.rogueReply(client);
        this.writer.discard();
        this.destroy();
        return;
      }
      // Held by CLIENT PAUSE before it ran: it runs later, under the same reply flags.
      if (client.postponedArgv !== null && this.skipCurrent) client.replySkipNext = true;
      // Replies were dropped for some of the command (OFF or ON may also come inside an EXEC).
      if (this.muteFrom >= 0 || this.cuts.length > 0) this.endMutedCommand();
      // Past its output buffer limit the client is closed, its pipelined commands not run.
      server.clientBuffers.closeOnOutputLimit(client, true);
      if (client.closeAfterReply || client.closeAsap || this.closed || this.waiting) break;
    }
    if (parser.error !== null && !client.closeAfterReply && !client.closeAsap && !this.waiting) {
      server.replyError(client, `ERR Protocol error: ${parser.error}`);
      client.closeAfterReply = true;
    }
    this.flush();
    if (client.closeAfterReply) this.end();
    else this.account();
  }

  /**
   * Starts or stops dropping the current command's replies as the reply flags now say (Redis
   * checks them at every reply it adds). Pub/sub frames are kept, in place: Redis 7.0 sends them
   * whatever the flags (CLIENT_PUSHING).
   */
  private updateMute(): void {
    const client = this.client;
    const mute = client.replyOff || this.skipCurrent;
    if (mute && this.muteFrom < 0) {
      this.muteFrom = this.writer.pos;
      client.pushSink = this.keptPushes;
    } else if (!mute && this.muteFrom >= 0) {
      this.cuts.push(this.muteFrom, this.writer.pos);
      this.muteFrom = -1;
      client.pushSink = null;
    }
  }

  /** Drops what the current command wrote while muted. */
  private endMutedCommand(): void {
    const client = this.client;
    const writer = this.writer;
    const stillMuted = this.muteFrom >= 0;
    if (stillMuted) this.cuts.push(this.muteFrom, writer.pos);
    this.muteFrom = -1;
    this.skipCurrent = false;
    client.pushSink = null;
    const cuts = this.cuts;
    for (let i = cuts.length - 2; i >= 0; i -= 2) writer.cut(cuts[i], cuts[i + 1]);
    cuts.length = 0;
    // A command that blocks while muted gets its reply later: drop that one too.
    if (stillMuted && (client.blocked !== null || client.heldByScript || client.awaitingTarget)) this.dropHeldReply = true;
  }

  /** The client was unblocked: its reply is in the writer; go on with its pipelined commands. */
  private resume(): void {
    if (this.closed) return;
    if (this.dropHeldReply) {
      // Only the served reply was written since the last flush (pushes flush on their own).
      this.dropHeldReply = false;
      this.writer.discard();
    }
    this.processInput();
  }

  /**
   * POST or Host: as a command means an HTTP request is being relayed to us (cross-protocol
   * scripting): like Redis, log it (at most once a minute) and drop the connection at once,
   * without the replies not yet sent.
   */
  private rejectHttp(): void {
    const now = Date.now();
    if (now - lastHttpWarning > 60_000) {
      lastHttpWarning = now;
      this.server.log.warning(
        'Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. ' +
          'This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. ' +
          'Connection aborted.',
      );
    }
    this.writer.discard();
    this.destroy();
  }

  private flush(): void {
    if (this.closed || this.writer.length === 0) return;
    // Redis's beforeSleep writes (and under `appendfsync always` fsyncs) the AOF before it sends
    // replies: a reply never acknowledges a write the file does not have yet.
    const aof = this.server.aof;
    if (this.waitingForAof || aof.repliesMustWait) {
      this.aofNeeded = aof.fedPosition;
      if (!this.waitingForAof) {
        this.waitingForAof = true;
        aof.waitForDurability(this.aofNeeded, this.aofResume);
      }
      return;
    }
    const client = this.client;
    // Output added outside the client's commands (a blocked client served) is checked here.
    if (client.closeAsap || this.server.clientBuffers.closeOnOutputLimit(client, true)) {
      this.writer.discard();
      return;
    }
    const socket = this.socket;
    this.server.stats.netOutputBytes += this.writer.length;
    this.writer.flush((chunk) => {
      socket.write(chunk);
      return socket.writableLength === 0;
    });
    if (!this.paused && socket.writableLength > OUTPUT_PAUSE_BYTES && this.server.clientBuffers.outputLimits(client) === null) {
      this.paused = true;
      socket.pause();
    }
  }

  private onDrain(): void {
    if (this.closed) return;
    if (this.client.replica !== null) this.server.replicationMaster.drained(this.client);
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    this.account();
  }

  /** Close after pending output is written. */
  end(): void {
    if (this.closed) return;
    if (this.waitingForAof) {
      this.endAfterAof = true;
      return;
    }
    this.closed = true;
    this.release();
    // Like Redis's close(): once the replies are handed to the kernel the socket is gone, even
    // if the peer never closes its side.
    this.socket.end(() => this.socket.destroy());
  }

  /** Close now, dropping pending output. */
  destroy(): void {
    if (!this.closed) {
      this.closed = true;
      this.release();
    }
    this.socket.destroy();
  }

  private onClose(): void {
    if (!this.closed) {
      // The peer closed it (readQueryFromClient reading 0 bytes).
      const log = this.server.log;
      if (log.enabled('verbose')) log.verbose(`Client closed connection ${clientInfoLine(this.client, null, 0)}`);
      this.closed = true;
      this.release();
    }
  }

  /** The client is gone: leave the server's tables (pub/sub subscriptions included). */
  private release(): void {
    this.server.unregisterClient(this.client);
  }
}

/**
 * A pub/sub frame written while a command's replies are dropped: each call goes to the output with
 * the dropping paused around it, so the frame stays where Redis would send it.
 */
class PushPassThrough implements Reply {
  constructor(
    private readonly writer: RespWriter,
    private readonly pause: () => void,
    private readonly resume: () => void,
  ) {}
  get resp(): 2 | 3 {
    return this.writer.resp;
  }
  set resp(v: 2 | 3) {
    this.writer.resp = v;
  }
  private kept(write: () => void): void {
    this.pause();
    write();
    this.resume();
  }
  ok(): void {
    this.kept(() => this.writer.ok());
  }
  simple(s: string): void {
    this.kept(() => this.writer.simple(s));
  }
  error(message: string): void {
    this.kept(() => this.writer.error(message));
  }
  int(n: number | bigint): void {
    this.kept(() => this.writer.int(n));
  }
  bulk(v: BulkValue): void {
    this.kept(() => this.writer.bulk(v));
  }
  nullBulk(): void {
    this.kept(() => this.writer.nullBulk());
  }
  nullArray(): void {
    this.kept(() => this.writer.nullArray());
  }
  arrayLen(n: number): void {
    this.kept(() => this.writer.arrayLen(n));
  }
  mapLen(n: number): void {
    this.kept(() => this.writer.mapLen(n));
  }
  setLen(n: number): void {
    this.kept(() => this.writer.setLen(n));
  }
  pushLen(n: number): void {
    this.kept(() => this.writer.pushLen(n));
  }
  double(d: number): void {
    this.kept(() => this.writer.double(d));
  }
  doubleText(text: string): void {
    this.kept(() => this.writer.doubleText(text));
  }
  bool(b: boolean): void {
    this.kept(() => this.writer.bool(b));
  }
  verbatim(s: string, format?: string): void {
    this.kept(() => this.writer.verbatim(s, format));
  }
  bigNumber(digits: string): void {
    this.kept(() => this.writer.bigNumber(digits));
  }
}

let lastHttpWarning = 0;

/** `post` or `host:`, any case (no allocation: this runs for every command of 4 or 5 chars). */
function isHttpProbe(name: string): boolean {
  const c0 = name.charCodeAt(0) | 0x20;
  if (name.length === 4) {
    return c0 === 112 && (name.charCodeAt(1) | 0x20) === 111 && (name.charCodeAt(2) | 0x20) === 115 && (name.charCodeAt(3) | 0x20) === 116;
  }
  return (
    c0 === 104 &&
    (name.charCodeAt(1) | 0x20) === 111 &&
    (name.charCodeAt(2) | 0x20) === 115 &&
    (name.charCodeAt(3) | 0x20) === 116 &&
    name.charCodeAt(4) === 58
  );
}

function formatAddress(ip: string | undefined, port: number | undefined): string {
  if (ip === undefined) return '';
  const host = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return `${host}:${port ?? 0}`;
}
