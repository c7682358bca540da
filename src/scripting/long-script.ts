import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Client } from '../server/client.js';
import type { LuaValue } from './lua-vm.js';
import { reviveLuaValue, SIGNAL, type RunJob, type ToMain, type ToWorker } from './long-script-protocol.js';

/** A script that outlived its main-thread budget and now runs on the worker. */
export interface LongScript {
  caller: Client;
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

export interface LongScriptHandler {
  /** A redis.call from the worker: run it on the main thread, as the script. */
  onCall(script: LongScript, argv: string[], resp: 2 | 3): LuaValue;
  onLog(level: number, message: string): void;
  /** The script finished (or was killed: `v` is then the error to answer). */
  onDone(script: LongScript, v: LuaValue): void;
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
export class LongScriptLane {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private signals: Int32Array = new Int32Array(2);
  running: LongScript | null = null;

  constructor(private readonly handler: LongScriptHandler) {}

  private ensureWorker(): void {
    if (this.worker !== null) return;
    const signal = new SharedArrayBuffer(8);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(new URL('./script-worker.js', import.meta.url), {
      workerData: { cinderScriptWorker: true, signal, port: port2 },
      transferList: [port2],
    });
    worker.unref();
    const gone = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.port = null;
      const script = this.running;
      if (script !== null) {
        this.running = null;
        this.handler.onDone(script, { err: Buffer.from(`ERR the script worker stopped: ${why}`) });
      }
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
  start(script: LongScript, job: RunJob, deadline: number): boolean {
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
    let m: { message: unknown } | undefined;
    while ((m = receiveMessageOnPort(port)) !== undefined) {
      const message = m.message as ToMain;
      const script = this.running;
      if (script === null) return true;
      if (message.t === 'call') {
        this.send({ t: 'reply', v: this.handler.onCall(script, message.argv, message.resp) });
      } else if (message.t === 'log') {
        this.handler.onLog(message.level, message.message);
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
    const step = (): void => {
      if (this.running === null || signals !== this.signals) return;
      const seen = Atomics.load(signals, SIGNAL.toMain);
      if (this.drain()) return;
      const w = waitAsync(signals, SIGNAL.toMain, seen);
      if (w.async) void w.value.then(step);
      else setImmediate(step);
    };
    step();
  }

  /** Stops the running script (SCRIPT KILL / FUNCTION KILL): the caller gets `error`. */
  kill(error: string): void {
    const script = this.running;
    const worker = this.worker;
    this.running = null;
    this.worker = null;
    this.port = null;
    if (worker !== null) void worker.terminate();
    if (script !== null) this.handler.onDone(script, { err: Buffer.from(error, 'latin1') });
  }

  /** Stops the worker thread (server shutdown); a running script is abandoned. */
  close(): void {
    const worker = this.worker;
    this.worker = null;
    this.running = null;
    if (worker !== null) void worker.terminate();
  }
}
