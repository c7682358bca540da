import { childProcess } from './child-process.js';
import { LAUNCHER_ENV } from './launcher.js';

/**
 * `daemonize yes`. Redis forks, the parent exits 0 at once, the child calls setsid and points its
 * stdio at /dev/null. Node cannot fork, so the executable starts itself again as the daemon:
 * detached (setsid: its own session, no controlling terminal), stdin, stdout and stderr on
 * /dev/null, the node flags the server needs given directly (so the daemon is the server process
 * itself, the PID its pidfile names, with no launcher in between), and an IPC channel to the
 * parent for its startup only. Unlike Redis's parent, ours exits only once the daemon accepts
 * connections (status 0), or with the daemon's status and its warnings on stderr when it fails to
 * start (a port in use, an unreadable RDB file), so a script or an init system starting it knows.
 * The configuration is read again by the daemon from the same arguments (a configuration read
 * from standard input is handed over through a pipe).
 */

/** Set in the daemon's environment: it serves in the foreground, it never daemonizes again. */
export const DAEMON_ENV = 'CINDER_DAEMON_CHILD';

/** Messages from the daemon to its parent over the IPC channel. */
type DaemonMessage = { log: string } | { ready: true };

/** Runs the server as a daemon (see the file comment); the process exits when the daemon is up. */
export function daemonize(nodeFlags: readonly string[], stdinConfig: string | null): void {
  const args = [...nodeFlags, ...process.execArgv, process.argv[1], ...process.argv.slice(2)];
  const env: NodeJS.ProcessEnv = { ...process.env, [DAEMON_ENV]: '1' };
  delete env[LAUNCHER_ENV];
  const child = childProcess().spawn(process.execPath, args, {
    detached: true,
    stdio: [stdinConfig === null ? 'ignore' : 'pipe', 'ignore', 'ignore', 'ipc'],
    env,
  });
  if (stdinConfig !== null) child.stdin!.end(stdinConfig, 'latin1');
  const warnings: string[] = [];
  child.on('message', (m: DaemonMessage) => {
    if ('log' in m) {
      warnings.push(m.log);
      return;
    }
    // Up: let it go (the channel closes, nothing of the parent holds it) and leave.
    child.removeAllListeners('exit');
    child.disconnect();
    child.unref();
    process.exit(0);
  });
  child.once('error', (e) => {
    process.stderr.write(`Could not start the daemon process: ${e.message}\n`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => {
    for (const line of warnings) process.stderr.write(line + '\n');
    process.stderr.write(`The daemon process exited (${signal ?? `status ${code}`}) before accepting connections\n`);
    process.exit(code ?? 1);
  });
}

/** In the daemon: whether this process is one (started by `daemonize`, its parent waiting). */
export function isDaemonChild(): boolean {
  return process.env[DAEMON_ENV] !== undefined && typeof process.send === 'function';
}

/** In the daemon: a warning logged while starting, for the parent to show if the start fails. */
export function forwardWarning(line: string): void {
  if (process.connected) process.send!({ log: line } satisfies DaemonMessage);
}

/** In the daemon: it accepts connections; the parent exits and the channel closes. */
export function daemonReady(): void {
  if (!process.connected) return;
  process.send!({ ready: true } satisfies DaemonMessage, () => {
    if (process.connected) process.disconnect();
  });
}

