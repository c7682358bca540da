import { childProcess } from './child-process.js';

/**
 * Re-runs the executable with the V8 flags it was started without. V8 sizes its heap when the
 * process starts and nothing can change it later, so `node dist/src/bin/cinder-server.js`,
 * `npx cinder-server` and `npm start` all come through here once: the server process always runs
 * with `serverNodeFlags` (src/server/heap.ts), whichever way it was started.
 *
 * Where node has `process.execve` (22.15+, 23.11+) the process replaces itself: same pid, nothing
 * left in between. Elsewhere (node 20) a child process runs the server and this one stays as its
 * launcher: stdio inherited, signals forwarded, the child's exit code (or signal) passed through,
 * and the child stops if the launcher is killed (it watches an IPC channel). Either way startup
 * costs one more node start (about 40 ms here, docs/ARCHITECTURE.md "The V8 heap"); starting node
 * with the flags already given skips it.
 */

/** Set in the child's environment to the launcher's pid (a relaunched process never relaunches). */
export const LAUNCHER_ENV = 'CINDER_LAUNCHER_PID';

/** Signals a launcher passes on to its server (SIGUSR1 stays node's: it starts the inspector). */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'];

type Execve = (file: string, args: string[], env: NodeJS.ProcessEnv) => never;

/**
 * Runs this script again under node with `flags` before the node flags it already has and the same
 * arguments. `stdinConfig` is the configuration already read from standard input (`cinder-server -`),
 * written to the new process's stdin, or null.
 */
export function relaunch(flags: readonly string[], stdinConfig: string | null): void {
  const args = [...flags, ...process.execArgv, process.argv[1], ...process.argv.slice(2)];
  const env = { ...process.env, [LAUNCHER_ENV]: String(process.pid) };
  const execve = (process as { execve?: Execve }).execve;
  // The configuration read from stdin cannot be handed to a replaced process: it takes the child path.
  if (typeof execve === 'function' && stdinConfig === null) execve(process.execPath, [process.execPath, ...args], env);

  const child = childProcess().spawn(process.execPath, args, {
    stdio: [stdinConfig === null ? 'inherit' : 'pipe', 'inherit', 'inherit', 'ipc'],
    env,
  });
  if (stdinConfig !== null) child.stdin!.end(stdinConfig, 'latin1');
  const forward = (signal: NodeJS.Signals) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const handlers = FORWARDED_SIGNALS.map((signal) => [signal, forward(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  child.once('error', (e) => {
    process.stderr.write(`Could not start the server process: ${e.message}\n`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => {
    for (const [sig, handler] of handlers) process.off(sig, handler);
    // Ended by a signal: end the same way, so whoever started us sees what happened.
    if (signal !== null) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

/**
 * In a relaunched server: stop when the launcher is gone (killed with SIGKILL, say), since nothing
 * would forward signals or collect the exit status any more.
 */
export function watchLauncher(onGone: () => void): void {
  if (process.env[LAUNCHER_ENV] === undefined || process.channel === undefined) return;
  process.channel.unref();
  process.once('disconnect', onGone);
}
