import { workerData, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { LuaVm, UNLIMITED, OUT_OF_BUDGET, FUEL_EXHAUSTED, type LuaValue, type ScriptHost } from './lua-vm.js';
import { reviveLuaValue, SIGNAL, type ToMain, type ToWorker, type RunJob } from './long-script-protocol.js';

/**
 * The long-script worker: a second Lua VM, without an instruction limit, on its own thread. A
 * script that outlives its main-thread budget is re-run here from the start; the redis.call
 * replies it already got on the main thread are replayed in order, later calls are sent to the
 * main thread synchronously. See docs/SCRIPTING.md.
 */
const { signal, port } = workerData as { signal: SharedArrayBuffer; port: MessagePort };
const signals = new Int32Array(signal);

function send(message: ToMain): void {
  port.postMessage(message);
  Atomics.add(signals, SIGNAL.toMain, 1);
  Atomics.notify(signals, SIGNAL.toMain);
}

/** Waits for the main thread's next message. */
function receive(): ToWorker {
  for (;;) {
    const seen = Atomics.load(signals, SIGNAL.toWorker);
    const m = receiveMessageOnPort(port);
    if (m !== undefined) return m.message as ToWorker;
    Atomics.wait(signals, SIGNAL.toWorker, seen);
  }
}

class WorkerHost implements ScriptHost {
  private job: RunJob | null = null;
  /** Events (calls, logs, set_repls) the script has made so far; the first ones are replayed. */
  private events = 0;
  private replayedReplies = 0;
  private resp: 2 | 3 = 2;

  start(job: RunJob): void {
    this.job = job;
    this.events = 0;
    this.replayedReplies = 0;
    this.resp = 2;
  }

  /** Counts an event; true when the main thread did it already (it is not done again). */
  private replayed(): boolean {
    if (this.events >= this.job!.fingerprints.length) return false;
    this.events++;
    return true;
  }

  call(argv: string[]): LuaValue {
    const job = this.job!;
    const i = this.events;
    if (this.replayed()) {
      // Already executed on the main thread: hand back the same reply.
      const name = argv.length > 0 ? argv[0].toLowerCase() : '';
      if (job.fingerprints[i] !== `${name}/${argv.length}`) {
        return { err: Buffer.from('ERR script took a different path when it was resumed (non-deterministic script)') };
      }
      return reviveLuaValue(job.replay[this.replayedReplies++]);
    }
    send({ t: 'call', argv, resp: this.resp });
    const reply = receive();
    return reply.t === 'reply' ? reviveLuaValue(reply.v) : { err: Buffer.from('ERR internal error') };
  }

  log(level: number, message: Buffer): void {
    if (this.replayed()) return;
    send({ t: 'log', level, message: message.toString('latin1') });
  }

  setResp(version: 2 | 3): void {
    this.resp = version;
  }

  setRepl(flags: number): void {
    if (this.replayed()) return;
    send({ t: 'repl', flags });
  }
}

const host = new WorkerHost();
// What the engine prints (its panic message) goes to the server's log.
const vm = new LuaVm((text) => send({ t: 'log', level: 3, message: text.trimEnd() }));

for (;;) {
  const m = receive();
  if (m.t !== 'run') continue;
  host.start(m);
  const source = Buffer.from(m.source.buffer, m.source.byteOffset, m.source.byteLength);
  let result: LuaValue;
  try {
    const budget = m.instructions > 0 ? { instructions: m.instructions, deadline: Infinity } : UNLIMITED;
    const r = vm.run(host, { source, sha: m.sha, argv: m.argv, first: 0, keyCount: m.keyCount, member: m.member }, budget);
    // Out of its limit: the engine's error, as a script error naming the script.
    result = r === OUT_OF_BUDGET ? { err: Buffer.from(FUEL_EXHAUSTED), code: Buffer.from('ERR'), meta: { line: 1, sha: m.sha } } : r;
  } catch (e) {
    // A fault of the engine: the VM builds a fresh engine for the next script.
    result = { err: Buffer.from(`ERR ${(e as Error)?.message ?? e}`) };
  }
  send({ t: 'done', v: result });
}
