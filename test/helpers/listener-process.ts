/**
 * redis-server and cinder-server as processes started with the same flags, for the listener
 * tests (TLS, unix socket, protected mode, timeouts, rebinding): what they log, how they exit,
 * what clients see on their sockets. Each process is stopped by its own PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { testDataDir } from './differential.js';

/** The built server binary (dist/src/bin/cinder-server.js, beside this file's dist/test/helpers). */
const CINDER_BIN = new URL('../../src/bin/cinder-server.js', import.meta.url);

export type ServerKind = 'redis' | 'cinder';
export const KINDS: readonly ServerKind[] = ['redis', 'cinder'];

export interface ServerProcess {
  readonly kind: ServerKind;
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The exit status (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** SIGKILL unless already gone. */
  stop(): Promise<void>;
}

/** Starts `kind` with `args` after flags that keep it from persisting anything. */
export function spawnServer(kind: ServerKind, args: string[]): ServerProcess {
  const base = ['--save', '', '--appendonly', 'no', '--dir', testDataDir()];
  const child =
    kind === 'redis'
      ? spawn('redis-server', [...base, '--daemonize', 'no', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, [CINDER_BIN.pathname, ...base, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  // 'close' (not 'exit'): everything the process wrote has been read by then.
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      process.off('exit', killOnExit);
      resolve(code);
    }),
  );
  return {
    kind,
    child,
    output: () => out,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Waits until the server logged that it accepts connections (or fails with its output). */
export async function waitReady(p: ServerProcess): Promise<ServerProcess> {
  // A failure timeout only: both start within a second or two.
  const deadline = Date.now() + 20_000;
  while (!/ready to accept connections/i.test(p.output())) {
    if (Date.now() > deadline || p.child.exitCode !== null) {
      await p.stop();
      throw new Error(`${p.kind} did not start:\n${p.output()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return p;
}

export async function startProcess(kind: ServerKind, args: string[]): Promise<ServerProcess> {
  return waitReady(spawnServer(kind, args));
}

/** The messages of a server's log lines (`pid:role date time mark message` → message). */
export function logMessages(output: string): string[] {
  const out: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ [.\-*#] (.*)$/.exec(line);
    if (m !== null) out.push(m[1]);
  }
  return out;
}

/** Polls until the log has a message matching `re` (fails after 10 s). */
export async function waitForLog(p: ServerProcess, re: RegExp): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const hit = logMessages(p.output()).find((m) => re.test(m));
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) throw new Error(`${p.kind} never logged ${re}:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Two distinct free TCP ports (bound together, so never the same one). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = net.createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
    servers.push(s);
    ports.push((s.address() as net.AddressInfo).port);
  }
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** Everything a socket receives until the peer closes it (or `ms` pass): bytes and whether it closed. */
export function collectUntilClose(socket: net.Socket, ms: number): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    let data = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ data, closed });
    };
    const timer = setTimeout(() => finish(false), ms);
    socket.on('data', (d: Buffer) => (data += d.latin1Slice()));
    socket.on('error', () => {});
    socket.on('close', () => finish(true));
  });
}
