import { createRequire } from 'node:module';
import type { Worker, MessagePort } from 'node:worker_threads';
import type { LuaValue } from './lua-vm.js';
import { reviveLuaValue, SIGNAL, type RunJob, type ToMain, type ToWorker } from './long-script-protocol.js';

/** A script that outlived its main-thread budget and now runs on the worker. */
export interface LongScript {
  kind: 'eval' | 'function';
  /** How errors name it: the SHA1 for EVAL, the function name for FCALL. */
  name: string;
  /** Date.now() when the script started (on the main thread). */
  startedAt: number;
  readOnly: boolean;
  /** It has run a write command: SCRIPT KILL refuses (UNKILLABLE). */
  wrote: boolean;
  /**
   * The busy threshold has passed and the main thread went back to its event loop: other clients
   * get BUSY, SCRIPT KILL and SHUTDOWN NOSAVE work, the caller waits for its reply.
   */
  busy: boolean;
}

/** What the lane asks of its owner (the server's ScriptRunner), for scripts of type `S`. */
export interface LongScriptHandler<S extends LongScript> {
  /** A redis.call from the worker: run it on the main thread, as the script. */
  onCall(script: S, argv: string[], resp: 2 | 3): LuaValue;
  onLog(level: number, message: string): void;
  /** redis.set_repl(flags) from the worker (already checked). */
  onRepl(script: S, flags: number): void;
  /**
   * The script finished, or was killed, or its worker failed (`v` is then the error to answer).
   * Called exactly once per started script, when the lane is already free for the next one.
   */
  onDone(script: S, v: LuaValue): void;
}

/**
 * node:worker_threads, loaded with the first worker: a server that never runs a long script does
 * not load it at startup (docs/BENCHMARKS.md "Startup and idle memory"); createRequire is the one
 * synchronous way.
 */
let threads: typeof import('node:worker_threads') | null = null;
function workerThreads(): typeof import('node:worker_threads') {
  threads ??= createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  return threads;
}

type AsyncWait = { async: boolean; value: Promise<unknown> };
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): AsyncWait }).waitAsync;

/**
 * The main thread's side of the long-script worker (script-worker.ts). Redis runs a script to the
 * end on its only thread and, once busy-reply-threshold has passed, answers other clients BUSY from
 * inside the script's instruction hook. A WebAssembly VM cannot be paused from JavaScript, so a
 * script that exhausts its main-thread instruction budget is re-run on a worker thread instead,
 * with the replies it already received replayed; the main thread serves the worker's redis.call()s
 * synchronously until the threshold, then returns to its event loop (BUSY for everyone else,
 * SCRIPT KILL terminates the worker). See docs/SCRIPTING.md.
 */
export class LongScriptLane<S extends LongScript> {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private signals: Int32Array = new Int32Array(2);
  /**
   * The script on the worker, from start() until its end, its kill or its worker's failure: the
   * one piece of state that says whether the server is busy. It is cleared before the owner
   * hears of the end (onDone), so whatever onDone starts finds the lane free.
   */
  running: S | null = null;

  constructor(private readonly handler: LongScriptHandler<S>) {}

  private ensureWorker(): void {
    if (this.worker !== null) return;
    const signal = new SharedArrayBuffer(8);
    const { Worker, MessageChannel } = workerThreads();
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(new URL('./script-worker.js', import.meta.url), {
      workerData: { cinderScriptWorker: true, signal, port: port2 },
      transferList: [port2],
    });
    worker.unref();
    const gone = (why: string) => {
      if (this.worker !== worker) return;
      const script = this.running;
      this.detachWorker();
      if (script !== null) this.handler.onDone(script, { err: Buffer.from(`ERR the script worker stopped: ${why}`) });
    };
    worker.on('error', (e) => gone((e as Error)?.message ?? String(e)));
    worker.on('exit', (code) => gone(`exit code ${code}`));
    this.worker = worker;
    this.port = port1;
    this.signals = new Int32Array(signal);
  }

  private send(message: ToWorker): void {
    this.port!.postMessage(message);
    Atomics.add(this.signals, SIGNAL.toWorker, 1);
    Atomics.notify(this.signals, SIGNAL.toWorker);
  }

  /**
   * Starts `job` on the worker and serves it synchronously until it finishes (true) or until
   * `deadline` (Date.now() ms) passes (false: the script goes on in the background, `busy`).
   */
  start(script: S, job: RunJob, deadline: number): boolean {
    if (this.running !== null) throw new Error('a long script is already running');
    this.ensureWorker();
    this.running = script;
    this.send(job);
    if (this.pump(deadline)) return true;
    script.busy = true;
    this.serveAsync();
    return false;
  }

  /** Handles the worker's messages until the script is done (true) or the deadline (false). */
  private pump(deadline: number): boolean {
    const signals = this.signals;
    for (;;) {
      const seen = Atomics.load(signals, SIGNAL.toMain);
      if (this.drain()) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      Atomics.wait(signals, SIGNAL.toMain, seen, left === Infinity ? undefined : left);
    }
  }

  /** Handles every queued message; true once the script is over. */
  private drain(): boolean {
    const port = this.port;
    if (port === null || this.running === null) return true;
    const { receiveMessageOnPort } = workerThreads();
    let m: { message: unknown } | undefined;
    while ((m = receiveMessageOnPort(port)) !== undefined) {
      const message = m.message as ToMain;
      const script = this.running;
      if (script === null) return true;
      if (message.t === 'call') {
        let reply: LuaValue;
        try {
          reply = this.handler.onCall(script, message.argv, message.resp);
        } catch (e) {
          // The worker waits for an answer whatever happened here.
          reply = { err: Buffer.from(`ERR ${(e as Error)?.message ?? e}`, 'latin1') };
        }
        this.send({ t: 'reply', v: reply });
      } else if (message.t === 'log') {
        this.handler.onLog(message.level, message.message);
      } else if (message.t === 'repl') {
        this.handler.onRepl(script, message.flags);
      } else {
        this.running = null;
        this.handler.onDone(script, reviveLuaValue(message.v));
        return true;
      }
    }
    return false;
  }

  /** Serves the worker from the event loop, woken by its signal. */
  private serveAsync(): void {
    const signals = this.signals;
    const script = this.running;
    const step = (): void => {
      // Each wake-up belongs to one script on one worker: after a kill (or a new worker) it ends.
      if (this.running !== script || script === null || signals !== this.signals) return;
      const seen = Atomics.load(signals, SIGNAL.toMain);
      try {
        if (this.drain()) return;
      } catch (e) {
        // Never leave the server busy behind a broken lane: the script ends with the error.
        this.kill(`ERR the script worker lane failed: ${(e as Error)?.message ?? e}`);
        return;
      }
      const w = waitAsync(signals, SIGNAL.toMain, seen);
      if (w.async) void w.value.then(step);
      else setImmediate(step);
    };
    step();
  }

  /**
   * Stops the running script (SCRIPT KILL / FUNCTION KILL): the caller gets `error`. The worker
   * thread is terminated wherever it is (starting up, waiting for a reply, deep in Lua), so
   * nothing the script does afterwards can reach the server.
   */
  kill(error: string): void {
    const script = this.running;
    this.detachWorker();
    if (script !== null) this.handler.onDone(script, { err: Buffer.from(error, 'latin1') });
  }

  /** Stops the worker thread (server shutdown); a running script is abandoned. */
  close(): void {
    this.detachWorker();
  }

  /** Forgets the worker (its later messages and exit are ignored) and terminates it. */
  private detachWorker(): void {
    const worker = this.worker;
    const signals = this.signals;
    this.running = null;
    this.worker = null;
    this.port = null;
    this.signals = new Int32Array(2);
    // Wake the pending waitAsync so its step sees the lane moved on.
    Atomics.add(signals, SIGNAL.toMain, 1);
    Atomics.notify(signals, SIGNAL.toMain);
    if (worker !== null) void worker.terminate();
  }
}
