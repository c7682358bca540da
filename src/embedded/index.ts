import type { Commands } from './commands.generated.js';
import { commandMethods } from './command-methods.js';
import { ALL_COMMANDS } from '../commands/index.js';
import type { Server } from '../server/server.js';
import { createServer } from '../cinder.js';
import { Config } from '../server/config.js';
import { Client } from '../server/client.js';
import { Listeners } from '../server/listeners.js';
import { ReplyError, ValueReply, type ReplyValue } from '../protocol/reply.js';

export { ReplyError, type ReplyValue };

export interface StartOptions {
  /** TCP port; 0 picks a free one (the default). */
  port?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /**
   * Further redis.conf directives, e.g. `{ databases: 4, hz: 100 }`. Persistence is off unless
   * asked: without a `save` directive there are no save points (redis-server's default would
   * write dump.rdb into the host's working directory); give `dir`, `dbfilename` and `save` to
   * persist as a server does.
   */
  config?: Record<string, string | number | boolean>;
  /**
   * Load the RDB file at `dir`/`dbfilename` before serving, if it exists (default false). With
   * `appendonly: 'yes'` the append-only directory is the dataset and is always loaded instead.
   */
  load?: boolean;
  /** Print Redis-style log lines to stdout (default false). */
  log?: boolean;
}

/** A server listening on TCP inside this process. */
export interface RunningServer {
  readonly port: number;
  readonly host: string;
  /** The engine, for in-process inspection. */
  readonly server: Server;
  /** Closes every connection and stops listening. */
  close(): Promise<void>;
}

/** The config of an embedded engine: no save points unless the caller gives some. */
function embeddedConfig(config: Record<string, string | number | boolean> = {}): Config {
  const directives: Record<string, string | number | boolean> = { ...config };
  if (directives.save === undefined) directives.save = '';
  return Config.fromObject(directives);
}

function buildConfig(opts: StartOptions): Config {
  return embeddedConfig({ ...(opts.config ?? {}), port: opts.port ?? 0, bind: opts.host ?? '127.0.0.1' });
}

/** Loads the configured RDB file into `server` when asked; a missing file is an empty dataset. */
function loadIfAsked(server: Server, load: boolean | undefined): void {
  if (!load) return;
  try {
    server.persistence.load();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/**
 * With `appendonly yes` (which needs an explicit `dir`: an engine never writes into the host's
 * working directory unasked), loads the append-only directory, as a server does at startup (the
 * AOF, not the RDB file, is the dataset), then opens it for appending. A directory that cannot be
 * loaded throws an Error carrying the log lines that say why.
 */
function openAofIfAsked(server: Server, config: Record<string, string | number | boolean> | undefined): boolean {
  if (server.config.get('appendonly') !== 'yes') return false;
  if (config?.dir === undefined) throw new Error("appendonly needs a 'dir' directive: the directory the append-only files go in");
  const log = server.log;
  const warnings: string[] = [];
  const warning = log.warning;
  log.warning = (m: string) => {
    warnings.push(m);
    warning.call(log, m);
  };
  try {
    server.aof.loadOnStart();
    server.aof.openOnStart((message) => {
      throw new Error(message);
    });
  } catch (e) {
    throw new Error(warnings.length > 0 ? warnings.join('\n') : (e as Error).message);
  } finally {
    log.warning = warning;
  }
  return true;
}

/**
 * Starts a real Redis-protocol server in this process, e.g. for a test suite: `startServer({ port: 0 })`.
 *
 * The data lives in this process's V8 heap, whose size the host's Node flags fixed at startup
 * (`cinder-server` sizes its own; an embedded engine cannot). For a large dataset start Node with
 * `serverNodeFlags(maxmemory)` (src/server/heap.ts). Either way, when the heap nears its limit,
 * commands that may add memory are refused with Redis's OOM error instead of the process dying.
 */
export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const config = buildConfig(opts);
  const server = createServer(config);
  if (!opts.log) server.log.sink = null;
  server.replica.configure();
  if (!openAofIfAsked(server, opts.config)) loadIfAsked(server, opts.load);
  const listener = new Listeners(server);
  await listener.start();
  const port = listener.tcpPort;
  server.startCron();
  server.replica.start();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    server.stopCron();
    server.aof.close();
    server.scripting.close();
    server.migrateSockets.closeAll();
    server.replica.close();
    await listener.close();
    server.dropDatasets();
  };
  server.shutdownHook = (req) => {
    if (!server.persistence.saveBeforeShutdown(req.save, req.force)) return 'ERR Errors trying to SHUTDOWN. Check logs.';
    void close();
    return null;
  };
  return { port, host: opts.host ?? '127.0.0.1', server, close };
}

export type Arg = string | number | bigint | Buffer;

/** An in-process handle: commands run through the same dispatcher, with no socket. */
export interface EmbeddedDb extends Commands {
  /** Runs one command; resolves to the reply as a JS value, rejects with ReplyError on an error reply. */
  call(command: string, ...args: Arg[]): Promise<ReplyValue>;
  /** Same as `call`, synchronously. */
  callSync(command: string, ...args: Arg[]): ReplyValue;
  /** The engine behind this handle. */
  readonly server: Server;
  /** Stops the engine's periodic tasks. */
  close(): void;
  /**
   * Messages of channels, patterns and shard channels as an async iterator (its own handle on the
   * same engine, subscribed before this resolves). `break` out of the loop or call `close()` to
   * unsubscribe.
   */
  subscription(to: { channels?: string[]; patterns?: string[]; shardChannels?: string[] }): Promise<Subscription>;
}

export interface PubSubMessage {
  channel: string;
  message: ReplyValue;
  /** The pattern that matched (PSUBSCRIBE). */
  pattern?: string;
}

export interface Subscription extends AsyncIterableIterator<PubSubMessage> {
  close(): void;
}

export interface OpenOptions {
  /** redis.conf directives (no save points unless given, as for startServer). */
  config?: Record<string, string | number | boolean>;
  /** Load the RDB file at `dir`/`dbfilename` first, if it exists (default false). */
  load?: boolean;
  /** Return bulk strings as Buffers instead of latin1 strings. */
  buffers?: boolean;
  /** Share an existing engine (e.g. one started by startServer) instead of creating one. */
  server?: Server;
  /**
   * Receives pub/sub frames published to this handle's subscriptions by other clients, e.g.
   * `['message', channel, payload]` or `['pmessage', pattern, channel, payload]`. Without it they
   * are dropped. (Confirmations of the handle's own SUBSCRIBE calls are the calls' results.)
   * After MONITOR, each command run arrives here as its monitor line (a string without the `+`).
   */
  onPush?: (frame: ReplyValue) => void;
}

function toArg(a: Arg): string {
  if (typeof a === 'string') return a;
  if (Buffer.isBuffer(a)) return a.toString('latin1');
  return String(a);
}

/**
 * Opens an in-process engine: `const db = open(); await db.call('SET', 'k', 'v')`. It shares the
 * host's V8 heap (see startServer about the Node flags the host should set).
 */
export function open(opts: OpenOptions = {}): EmbeddedDb {
  const server = opts.server ?? createServer(embeddedConfig(opts.config));
  const ownsServer = opts.server === undefined;
  if (ownsServer) server.log.sink = null;
  if (ownsServer && !openAofIfAsked(server, opts.config)) loadIfAsked(server, opts.load);
  server.startCron();
  const reply = new ValueReply(opts.buffers ?? false);
  reply.resp = 3;
  const client = new Client(server, reply, 'embedded');
  server.registerClient(client);
  // Frames published by others arrive between calls; hand them over (or drop them) at once so
  // they never pile up in the reply sink nor get mistaken for a call's result.
  const onPush = opts.onPush;
  // (While a call waits in a blocking command its reply is not written yet: no confusion either.)
  // MONITOR lines go to onPush without passing through the reply sink, whose last value is a
  // call's result.
  const monitorLines: string[] = [];
  const deliverPushes = (): void => {
    const frames = reply.take();
    if (onPush !== undefined) for (const f of frames) onPush(f);
    if (monitorLines.length > 0) {
      const lines = monitorLines.splice(0);
      if (onPush !== undefined) for (const line of lines) onPush(line);
    }
  };
  client.flushHook = deliverPushes;
  client.monitorSink = (line) => {
    monitorLines.push(line);
    server.pubsub.scheduleFlush(client);
  };
  const takeValue = (): ReplyValue => {
    const out = reply.take();
    const value = out.length > 0 ? out[out.length - 1] : null;
    if (value instanceof ReplyError) throw value;
    return value;
  };
  // CLIENT REPLY OFF / SKIP: a call whose reply Redis would not send resolves to null, unless it
  // turns replies back on (CLIENT REPLY ON, RESET). Pub/sub frames are sent whatever the flags, so
  // a muted SUBSCRIBE still resolves to its confirmation. (Granularity is the call: an EXEC that
  // turns replies off part way resolves to null.)
  let skipCurrent = false;
  let muted = false;
  const mutedPushes = new ValueReply(opts.buffers ?? false);
  const setMuted = (on: boolean): void => {
    muted = on;
    mutedPushes.resp = reply.resp;
    client.pushSink = on ? mutedPushes : null;
  };
  client.replyModeHook = (clearSkip) => {
    if (clearSkip) skipCurrent = false;
    setMuted(client.replyOff || skipCurrent);
  };
  const beginCall = (): void => {
    if (!client.replyOff && !client.replySkipNext) return;
    if (client.replySkipNext) {
      client.replySkipNext = false;
      skipCurrent = true;
    }
    setMuted(true);
  };
  const endCall = (): ReplyValue => {
    const wasMuted = muted;
    skipCurrent = false;
    if (muted) setMuted(false);
    if (!wasMuted) return takeValue();
    reply.take();
    const pushes = mutedPushes.take();
    return pushes.length > 0 ? pushes[pushes.length - 1] : null;
  };
  const callSync = (command: string, ...args: Arg[]): ReplyValue => {
    if (client.blocked !== null || client.postponedArgv !== null) throw new ReplyError('ERR this handle is waiting in a blocking command');
    const argv = [command, ...args.map(toArg)];
    // Messages that arrived since the last flush come first.
    deliverPushes();
    // A synchronous call cannot wait: blocking commands answer as their non-blocking forms.
    client.denyBlocking = true;
    beginCall();
    try {
      server.processCommand(client, argv);
    } finally {
      client.denyBlocking = false;
    }
    return endCall();
  };
  // Asynchronous calls may block (BLPOP ...): they run one after another, each once the one
  // before it has its reply, like a connection's pipeline.
  let wakeUp: (() => void) | null = null;
  client.resumeHook = () => wakeUp?.();
  let queue: Promise<unknown> = Promise.resolve();
  const callAsync = (command: string, ...args: Arg[]): Promise<ReplyValue> => {
    const argv = [command, ...args.map(toArg)];
    const run = async (): Promise<ReplyValue> => {
      deliverPushes();
      beginCall();
      server.processCommand(client, argv);
      while (client.blocked !== null || client.heldByScript || client.awaitingTarget || client.postponedArgv !== null) {
        // Frames published meanwhile are others' messages (onPush), not this call's result.
        client.pushSink = null;
        await new Promise<void>((resolve) => (wakeUp = resolve));
        wakeUp = null;
        // Released by the end of a CLIENT PAUSE: the command goes through the command path now,
        // under the reply flags it arrived with.
        const released = client.releasedArgv;
        if (released !== null) {
          client.releasedArgv = null;
          if (muted) setMuted(true);
          server.processCommand(client, released);
        }
      }
      return endCall();
    };
    const result = queue.then(run, run);
    queue = result.catch(() => undefined);
    return result;
  };
  const subscription = async (to: { channels?: string[]; patterns?: string[]; shardChannels?: string[] }): Promise<Subscription> => {
    const queued: PubSubMessage[] = [];
    let waiting: ((r: IteratorResult<PubSubMessage>) => void) | null = null;
    let done = false;
    const deliver = (m: PubSubMessage): void => {
      if (done) return;
      if (waiting !== null) {
        const w = waiting;
        waiting = null;
        w({ value: m, done: false });
      } else {
        queued.push(m);
      }
    };
    const sub = open({
      server,
      buffers: opts.buffers,
      onPush: (frame) => {
        if (!Array.isArray(frame)) return;
        const kind = frame[0];
        if (kind === 'message' || kind === 'smessage') deliver({ channel: String(frame[1]), message: frame[2] });
        else if (kind === 'pmessage') deliver({ pattern: String(frame[1]), channel: String(frame[2]), message: frame[3] });
      },
    });
    if ((to.channels?.length ?? 0) > 0) await sub.call('SUBSCRIBE', ...to.channels!);
    if ((to.patterns?.length ?? 0) > 0) await sub.call('PSUBSCRIBE', ...to.patterns!);
    if ((to.shardChannels?.length ?? 0) > 0) await sub.call('SSUBSCRIBE', ...to.shardChannels!);
    const finish = (): void => {
      if (done) return;
      done = true;
      sub.close();
      waiting?.({ value: undefined, done: true });
      waiting = null;
    };
    const it: Subscription = {
      next: () => {
        if (queued.length > 0) return Promise.resolve({ value: queued.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: () => {
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      close: finish,
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    return it;
  };
  // The typed methods (db.set(...), db.configGet(...)) live on a shared prototype and go through call.
  return Object.assign(Object.create(commandPrototype()) as Commands, {
    server,
    callSync,
    call: callAsync,
    subscription,
    close: () => {
      const waiting = wakeUp;
      server.unregisterClient(client);
      // A call still waiting in a blocking command resolves to null.
      waiting?.();
      if (ownsServer) {
        server.stopCron();
        server.aof.close();
        server.scripting.close();
        server.migrateSockets.closeAll();
        server.dropDatasets();
      }
    },
  });
}

let prototypeOfHandles: object | null = null;

/** One method per command, each sending its name (and subcommand) then its arguments through `call`. */
function commandPrototype(): object {
  if (prototypeOfHandles !== null) return prototypeOfHandles;
  const proto: Record<string, (this: { call: EmbeddedDb['call'] }, ...args: Arg[]) => Promise<ReplyValue>> = {};
  for (const { method, prefix } of commandMethods(ALL_COMMANDS)) {
    const [command, ...sub] = prefix;
    proto[method] = function (this: { call: EmbeddedDb['call'] }, ...args: Arg[]) {
      return this.call(command, ...sub, ...args);
    };
  }
  prototypeOfHandles = proto;
  return proto;
}
