/**
 * Startup phase of `npm run bench` (`--only startup`): how long a server takes from being started
 * to answering its first PING, and how much resident memory it holds once idle (issue 18). Each
 * kind of server is started `starts` times, the kinds taking turns (so load from elsewhere on the
 * machine falls on all of them alike), and the medians are reported.
 *
 * Three kinds: redis-server; Cinder as users start it (`node dist/src/bin/cinder-server.js`: on
 * node 20 the executable relaunches itself with its V8 flags, src/bin/launcher.ts, so that is two
 * node starts); and Cinder started with those flags already given (one node start: how the rest
 * of the bench starts it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { cinderScript, freePort, rssBytes, spawnTracked, stopChild } from './servers.js';
import { TARGETS } from './tests.js';

/** How long a server sits without clients before its RSS is read. */
export const IDLE_MS = 1000;

export type StartupKind = 'redis' | 'cinder' | 'cinder-flags';

export interface StartupSide {
  kind: StartupKind;
  what: string;
  /** Milliseconds from spawn to the first +PONG, one per start. */
  startMs: number[];
  /**
   * CPU time the server's process(es) had used at the first PONG, ms (all threads; with the node 20
   * launcher, both processes): what starting costs, much less sensitive than wall time to other
   * work on the machine.
   */
  cpuMs: number[];
  /** RSS of the serving process IDLE_MS after its first PONG, bytes, one per start. */
  rss: number[];
  /** RSS of the launcher process (node 20's relaunch) when there is one, bytes. */
  launcherRss: number[];
  medianStartMs: number | null;
  medianCpuMs: number | null;
  medianRss: number | null;
  medianLauncherRss: number | null;
  errors: string[];
}

export interface StartupResults {
  starts: number;
  idleMs: number;
  sides: StartupSide[];
  /** The targets apply to Cinder as users start it. */
  startTargetMs: number;
  rssTargetBytes: number;
  startVerdict: 'PASS' | 'MISS' | 'n/a';
  rssVerdict: 'PASS' | 'MISS' | 'n/a';
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** CPU time of a process's live threads, ms (the first field of each /proc/<pid>/task/<tid>/schedstat, ns). */
export function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return ns / 1e6;
}

/**
 * One attempt: connects, sends an inline PING and INFO server, and answers the serving process's
 * pid once the PING was answered +PONG; null while nothing listens or the server is still loading.
 */
function pingOnce(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let buf = '';
    const done = (v: number | null): void => {
      s.destroy();
      resolve(v);
    };
    s.on('connect', () => s.write('PING\r\nINFO server\r\n'));
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (!buf.startsWith('+PONG')) {
        if (buf.includes('\r\n')) done(null);
        return;
      }
      const m = /process_id:(\d+)/.exec(buf);
      if (m !== null) done(Number(m[1]));
    });
    s.on('error', () => done(null));
    s.on('close', () => done(null));
  });
}

function command(kind: StartupKind, port: number, cinderNodeArgs: readonly string[]): [string, string[]] {
  if (kind === 'redis') return ['redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no']];
  const flags = kind === 'cinder-flags' ? cinderNodeArgs : [];
  return [process.execPath, [...flags, cinderScript(), '--port', String(port), '--save', '']];
}

async function startOnce(kind: StartupKind, cinderNodeArgs: readonly string[], side: StartupSide): Promise<void> {
  const port = await freePort();
  const [cmd, args] = command(kind, port, cinderNodeArgs);
  const t0 = performance.now();
  const { child, output } = spawnTracked(cmd, args, 8192, 'server');
  try {
    let pid: number | null = null;
    const deadline = t0 + 15_000;
    while (pid === null) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited during startup: ${output().trim().split('\n').slice(-3).join(' | ')}`);
      if (performance.now() > deadline) throw new Error('no PONG within 15 s');
      pid = await pingOnce(port);
      if (pid === null) await sleep(1);
    }
    side.startMs.push(performance.now() - t0);
    side.cpuMs.push(cpuMs(pid) + (pid !== child.pid ? cpuMs(child.pid!) : 0));
    await sleep(IDLE_MS);
    side.rss.push(rssBytes(pid));
    if (pid !== child.pid) side.launcherRss.push(rssBytes(child.pid!));
  } catch (e) {
    side.errors.push((e as Error).message);
  } finally {
    await stopChild(child, 3000);
  }
}

const WHAT: Record<StartupKind, string> = {
  redis: 'redis-server',
  cinder: 'Cinder: node cinder-server.js',
  'cinder-flags': 'Cinder, node flags given',
};

export async function runStartup(o: { starts: number; cinderNodeArgs: readonly string[]; log: (line?: string) => void }): Promise<StartupResults> {
  const { log } = o;
  const kinds: StartupKind[] = ['redis', 'cinder', 'cinder-flags'];
  const sides = kinds.map(
    (kind): StartupSide => ({ kind, what: WHAT[kind], startMs: [], cpuMs: [], rss: [], launcherRss: [], medianStartMs: null, medianCpuMs: null, medianRss: null, medianLauncherRss: null, errors: [] }),
  );
  log(`Startup: ${o.starts} starts per server, taking turns; start to first PONG, CPU used by then, and RSS ${IDLE_MS} ms after it (medians)`);
  for (let i = 0; i < o.starts; i++) {
    // Rotate who goes first, so no kind always runs right after another one's exit.
    for (let k = 0; k < kinds.length; k++) {
      const j = (i + k) % kinds.length;
      await startOnce(kinds[j]!, o.cinderNodeArgs, sides[j]!);
    }
  }
  const mb = (b: number | null): string => (b === null ? '-' : (b / 1048576).toFixed(1));
  const ms = (x: number | null): string => (x === null ? '-' : x.toFixed(1));
  log(`  ${'server'.padEnd(30)} ${'start p50'.padStart(9)} ${'min'.padStart(7)} ${'max'.padStart(7)} ${'CPU ms'.padStart(7)} ${'RSS MB'.padStart(7)} ${'+launcher'.padStart(9)}`);
  for (const s of sides) {
    s.medianStartMs = median(s.startMs);
    s.medianCpuMs = median(s.cpuMs);
    s.medianRss = median(s.rss);
    s.medianLauncherRss = median(s.launcherRss);
    const min = s.startMs.length ? Math.min(...s.startMs) : null;
    const max = s.startMs.length ? Math.max(...s.startMs) : null;
    log(`  ${s.what.padEnd(30)} ${ms(s.medianStartMs).padStart(9)} ${ms(min).padStart(7)} ${ms(max).padStart(7)} ${ms(s.medianCpuMs).padStart(7)} ${mb(s.medianRss).padStart(7)} ${(s.launcherRss.length ? mb(s.medianLauncherRss) : '-').padStart(9)}`);
    for (const e of new Set(s.errors)) log(`    ${s.what}: ${e}`);
  }
  const users = sides[1]!;
  const startTargetMs = TARGETS.startMs;
  const rssTargetBytes = TARGETS.idleRssMB * 1048576;
  return {
    starts: o.starts,
    idleMs: IDLE_MS,
    sides,
    startTargetMs,
    rssTargetBytes,
    startVerdict: users.medianStartMs === null ? 'n/a' : users.medianStartMs <= startTargetMs ? 'PASS' : 'MISS',
    rssVerdict: users.medianRss === null ? 'n/a' : users.medianRss <= rssTargetBytes ? 'PASS' : 'MISS',
  };
}

/** The summary's lines: the targets (issue 18) apply to Cinder as users start it. */
export function startupSummary(r: StartupResults): string[] {
  const [redis, users, flags] = r.sides as [StartupSide, StartupSide, StartupSide];
  const ms = (x: number | null): string => (x === null ? '-' : `${x.toFixed(0)} ms`);
  const mb = (b: number | null): string => (b === null ? '-' : `${(b / 1048576).toFixed(1)} MB`);
  return [
    `  ${`start to first PONG <= ${r.startTargetMs} ms`.padEnd(34)} ${r.startVerdict.padEnd(5)} Cinder ${ms(users.medianStartMs)} (flags given ${ms(flags.medianStartMs)}; Redis ${ms(redis.medianStartMs)}), median of ${r.starts}; CPU ${ms(users.medianCpuMs)} (${ms(flags.medianCpuMs)}; Redis ${ms(redis.medianCpuMs)})`,
    `  ${`idle RSS <= ${r.rssTargetBytes / 1048576} MB`.padEnd(34)} ${r.rssVerdict.padEnd(5)} Cinder ${mb(users.medianRss)}${users.launcherRss.length ? ` + launcher ${mb(users.medianLauncherRss)}` : ''} (Redis ${mb(redis.medianRss)})`,
  ];
}
