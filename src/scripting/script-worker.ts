import { workerData, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { createEngine, evalOn, UNLIMITED_FUEL, type LuaValue, type ScriptHost } from './lua-vm.js';
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
  private replayed = 0;
  private resp: 2 | 3 = 2;

  start(job: RunJob): void {
    this.job = job;
    this.replayed = 0;
    this.resp = 2;
  }

  call(argv: string[]): LuaValue {
    const job = this.job!;
    if (this.replayed < job.replay.length) {
      // Already executed on the main thread: hand back the same reply.
      const i = this.replayed++;
      const name = argv.length > 0 ? argv[0].toLowerCase() : '';
      if (job.fingerprints[i] !== `${name}/${argv.length}`) {
        return { err: Buffer.from('ERR script took a different path when it was resumed (non-deterministic script)') };
      }
      return reviveLuaValue(job.replay[i]);
    }
    send({ t: 'call', argv, resp: this.resp });
    const reply = receive();
    return reply.t === 'reply' ? reviveLuaValue(reply.v) : { err: Buffer.from('ERR internal error') };
  }

  log(level: number, message: Buffer): void {
    // Messages logged before the hand-over were logged by the main thread already.
    if (this.replayed < (this.job?.replay.length ?? 0)) return;
    send({ t: 'log', level, message: message.toString('latin1') });
  }

  setResp(version: 2 | 3): void {
    this.resp = version;
  }
}

const host = new WorkerHost();
const vm = await createEngine(UNLIMITED_FUEL, () => host);

for (;;) {
  const m = receive();
  if (m.t !== 'run') continue;
  host.start(m);
  const source = Buffer.from(m.source.buffer, m.source.byteOffset, m.source.byteLength);
  let result: LuaValue;
  try {
    result = evalOn(vm, source, m.sha, m.argv, 0, m.keyCount, m.member);
  } catch (e) {
    result = { err: Buffer.from(`ERR ${(e as Error)?.message ?? e}`) };
  }
  send({ t: 'done', v: result });
}
