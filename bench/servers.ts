/**
 * Child processes of the benchmark: the two servers and redis-benchmark runs. Every child is
 * tracked so that normal exit, errors and Ctrl-C all kill what the harness started.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { oneShot, ReplyError } from './resp-client.js';

const children = new Set<ChildProcess>();

/**
 * `--pin` (issue 18): each server gets CPU `server` to itself and everything else (redis-benchmark,
 * the load tools, this harness) runs on CPU `client`, so Redis and Cinder are each measured on
 * exactly one core. Null: no pinning (the default).
 */
export interface Pinning {
  server: number;
  client: number;
}
let pinning: Pinning | null = null;

/**
 * Turns pinning on for every child started from now on, and moves this process (all its threads)
 * to the client CPU. Throws when the machine has too few CPUs or taskset is missing.
 */
export function pinCpus(p: Pinning): void {
  const cpus = os.cpus().length;
  if (Math.max(p.server, p.client) >= cpus) throw new Error(`--pin needs CPUs ${p.client} and ${p.server}; this machine has ${cpus}`);
  execFileSync('taskset', ['-a', '-p', '-c', String(p.client), String(process.pid)], { stdio: 'ignore' });
  pinning = p;
}

export function currentPinning(): Pinning | null {
  return pinning;
}

/**
 * Starts a tracked child; stdout/stderr are kept in a small ring (last `keep` chars). `role`
 * decides its CPU under --pin: 'server' for the servers measured, 'client' for everything else.
 */
export function spawnTracked(
  cmd: string,
  args: readonly string[],
  keep = 8192,
  role: 'server' | 'client' = 'client',
): { child: ChildProcess; output: () => string } {
  const [file, argv] = pinning === null ? [cmd, args] : ['taskset', ['-c', String(role === 'server' ? pinning.server : pinning.client), cmd, ...args]];
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  const sink = (b: Buffer): void => {
    out += b.toString('latin1');
    if (out.length > keep * 2) out = out.slice(-keep);
  };
  child.stdout!.on('data', sink);
  child.stderr!.on('data', sink);
  child.on('exit', () => children.delete(child));
  child.on('error', (e) => {
    out += `\n[spawn error] ${e.message}\n`;
    children.delete(child);
  });
  return { child, output: () => out.slice(-keep) };
}

/** Kills every tracked child at once (SIGKILL); safe to call from 'exit' handlers. */
export function killAllNow(): void {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  children.clear();
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
/** Waits for a child process to end, stopping it after `timeoutMs`; true when it had to be stopped. */
export async function waitForChild(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopChild(child, 500);
  }, timeoutMs);
  await new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else {
      child.once('close', () => resolve());
      child.once('error', () => resolve());
    }
  });
  clearTimeout(timer);
  return timedOut;
}

export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// Ports: walk the range once per run so a just-closed port is never reused right away.
let portCursor = 0;
export const PORT_RANGE: readonly [number, number] = [7600, 7699];

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  const [lo, hi] = PORT_RANGE;
  const span = hi - lo + 1;
  for (let tries = 0; tries < span; tries++) {
    const port = lo + (portCursor++ % span);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${lo}-${hi}`);
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

export type ServerKind = 'redis' | 'cinder';

export class BenchServer {
  /** The serving process's pid (INFO process_id): cinder-server may have relaunched itself with its node flags. */
  private serverPid: number | null = null;

  private constructor(
    readonly kind: ServerKind,
    readonly port: number,
    readonly child: ChildProcess,
    readonly output: () => string,
  ) {}

  get pid(): number {
    return this.serverPid ?? this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** A one-line description of how the child ended (for error reports). */
  exitDescription(): string {
    if (this.alive) return 'running';
    return this.child.signalCode ? `killed by ${this.child.signalCode}` : `exited with code ${this.child.exitCode}`;
  }

  /**
   * Starts a server on a free port. `serverArgs` are configuration directives given to both kinds
   * alike (e.g. `--maxmemory 67108864 --maxmemory-policy allkeys-lru`).
   */
  static async start(kind: ServerKind, cinderNodeArgs: readonly string[] = [], serverArgs: readonly string[] = []): Promise<BenchServer> {
    let lastError: Error | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const { child, output } =
        kind === 'redis'
          ? spawnTracked('redis-server', [
              '--port', String(port),
              '--bind', '127.0.0.1',
              '--save', '',
              '--appendonly', 'no',
              '--daemonize', 'no',
              ...serverArgs,
            ], 8192, 'server')
          : spawnTracked(process.execPath, [...cinderNodeArgs, cinderScript(), '--port', String(port), '--save', '', ...serverArgs], 8192, 'server');
      const server = new BenchServer(kind, port, child, output);
      try {
        await server.waitReady();
        return server;
      } catch (e) {
        lastError = e as Error;
        await stopChild(child, 500);
      }
    }
    throw lastError!;
  }

  private async waitReady(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.alive) {
        throw new Error(`${this.kind} ${this.exitDescription()} during startup:\n${this.output()}`);
      }
      try {
        const r = await oneShot(this.port, ['PING']);
        if (r === 'PONG') {
          const info = await oneShot(this.port, ['INFO', 'server']);
          const m = typeof info === 'string' ? /^process_id:(\d+)/m.exec(info) : null;
          if (m !== null) this.serverPid = Number(m[1]);
          return;
        }
        if (r instanceof ReplyError && /LOADING/.test(r.message)) {
          /* retry */
        }
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`${this.kind} did not answer PING on port ${this.port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}

/** dist/bench/servers.js → dist/src/bin/cinder-server.js */
export function cinderScript(): string {
  return fileURLToPath(new URL('../src/bin/cinder-server.js', import.meta.url));
}
