import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { RawConnection } from './differential.js';

/**
 * Servers started as processes the way an operator starts them (redis-server and cinder-server
 * with the same arguments), for the ops tests: startup errors, logfile, pidfile, daemonize,
 * supervision. Every process started here is killed by PID when the test process exits.
 */

/** The built executable (dist/src/bin/cinder-server.js, beside this file's dist/test/helpers). */
export const CINDER_BIN = new URL('../../src/bin/cinder-server.js', import.meta.url).pathname;

export type Which = 'redis' | 'cinder';
export const BOTH: readonly Which[] = ['redis', 'cinder'];

export interface Proc {
  child: ChildProcess;
  /** Resolves with the exit status (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  stdout(): string;
  stderr(): string;
}

const started = new Set<number>();
process.once('exit', () => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** Also killed at exit: a daemon's PID, read from its pidfile. */
export function track(pid: number): void {
  started.add(pid);
}

/** Starts redis-server or cinder-server with `args` (the executable's own arguments). */
export function spawnServer(which: Which, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Proc {
  const [file, argv] = which === 'redis' ? ['redis-server', [...args]] : [process.execPath, [CINDER_BIN, ...args]];
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
  if (child.pid !== undefined) started.add(child.pid);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      if (child.pid !== undefined) started.delete(child.pid);
      resolve(code ?? signal ?? -1);
    }),
  );
  return { child, exited, stdout: () => out, stderr: () => err };
}

/** Polls `check` every 20 ms until it returns a value other than undefined (fails after `ms`). */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One command on a new connection; the raw reply as latin1 text. */
export async function send(port: number, argv: string[]): Promise<string> {
  const conn = await RawConnection.connect(port);
  try {
    return (await conn.command(argv)).latin1Slice();
  } finally {
    conn.close();
  }
}

/** Waits until the server on `port` answers PING with PONG. */
export async function waitPong(port: number, proc?: Proc): Promise<void> {
  await waitFor(`PONG on ${port}`, async () => {
    if (proc !== undefined && proc.child.exitCode !== null) throw new Error(`exited: ${proc.stdout()}${proc.stderr()}`);
    try {
      return (await send(port, ['PING'])) === '+PONG\r\n' ? true : undefined;
    } catch {
      return undefined;
    }
  });
}

/** INFO server's process_id: the PID that serves (a launcher's child under node 20). */
export async function servingPid(port: number): Promise<number> {
  const info = await send(port, ['INFO', 'server']);
  return Number(/process_id:(\d+)/.exec(info)![1]);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends SIGTERM to `pid` and waits until it is gone. */
export async function terminate(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  await waitFor(`pid ${pid} to exit`, () => (isAlive(pid) ? undefined : true));
  started.delete(pid);
}

/** The log line format both servers write: `pid:role dd Mon yyyy hh:mm:ss.mmm <mark> message`. */
export const LOG_LINE = /^(\d+):([CMSX]) (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d{3}) ([.\-*#]) (.*)$/;

/** What both write from a signal handler (serverLogFromHandler): `pid:signal-handler (unix time) message`. */
export const SIGNAL_LINE = /^(\d+):signal-handler \((\d+)\) (.*)$/;

/** A file's lines (without the empty one after the last newline); [] when it does not exist. */
export function fileLines(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'latin1');
  return text.length === 0 ? [] : text.replace(/\n$/, '').split('\n');
}

/** A fresh directory for one test's files, under `base`. */
export function subdir(base: string, name: string): string {
  const dir = path.join(base, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
