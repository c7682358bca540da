import { childProcess } from './child-process.js';
import type { Logger } from '../server/log.js';

/**
 * `supervised no|upstart|systemd|auto`, as Redis 7.0's redisIsSupervised and
 * redisCommunicateSystemd do it.
 *
 * systemd: readiness goes to the datagram socket named by $NOTIFY_SOCKET. Node has no unix
 * datagram sockets and npm's sd_notify modules are native builds, so the messages are handed to
 * Debian's `systemd-notify` (the systemd package), with `--pid` naming this process: systemd
 * takes the message as this process's own (root may send any PID's credentials; otherwise list
 * the server in the unit with NotifyAccess=all). Each message is one short synchronous run of it
 * (a few ms, at startup, readiness and shutdown only), which keeps them in Redis's order.
 *
 * upstart: the process stops itself with SIGSTOP (upstart's `expect stop`) and upstart resumes it.
 */

export type Supervisor = 'upstart' | 'systemd';

/** How long one systemd-notify run may take (it waits for systemd to have read the message). */
const NOTIFY_TIMEOUT_MS = 2000;

/**
 * The supervisor `supervised` asks for, `auto` resolved from the environment as Redis does
 * (UPSTART_JOB, then NOTIFY_SOCKET), without side effects: the executable decides from it whether
 * `daemonize yes` applies (a supervised server never daemonizes).
 */
export function requestedSupervisor(setting: string, env: NodeJS.ProcessEnv): { mode: Supervisor | null; detected: boolean } {
  if (setting === 'upstart' || setting === 'systemd') return { mode: setting, detected: false };
  if (setting !== 'auto') return { mode: null, detected: false };
  if (env.UPSTART_JOB !== undefined) return { mode: 'upstart', detected: true };
  if (env.NOTIFY_SOCKET !== undefined) return { mode: 'systemd', detected: true };
  return { mode: null, detected: false };
}

/** Whether the server will be supervised (redisIsSupervised's answer, before its side effects). */
export function willBeSupervised(setting: string, env: NodeJS.ProcessEnv): boolean {
  const { mode } = requestedSupervisor(setting, env);
  if (mode === 'upstart') return env.UPSTART_JOB !== undefined;
  if (mode === 'systemd') return env.NOTIFY_SOCKET !== undefined;
  return false;
}

export class Supervision {
  /**
   * Whether systemd is told about readiness and shutdown: `supervised systemd` (even when the
   * first message failed: Redis keeps the mode and warns for each), or `auto` once detected.
   */
  private notifies: boolean;
  private notifierMissing = false;

  constructor(
    private readonly log: Logger,
    private readonly setting: string,
  ) {
    this.notifies = setting === 'systemd';
  }

  /**
   * redisIsSupervised: logs what it finds and talks to the supervisor (upstart: stop until
   * resumed; systemd: STATUS=Redis is loading...). Returns whether the server is supervised.
   */
  start(): boolean {
    const { mode, detected } = requestedSupervisor(this.setting, process.env);
    if (mode === 'upstart') {
      if (detected) this.log.verbose('Upstart supervision detected.');
      if (process.env.UPSTART_JOB === undefined) {
        this.log.warning('upstart supervision requested, but UPSTART_JOB not found!');
        return false;
      }
      this.log.notice('supervised by upstart, will stop to signal readiness.');
      process.kill(process.pid, 'SIGSTOP');
      delete process.env.UPSTART_JOB;
      return true;
    }
    if (mode === 'systemd') {
      if (detected) this.log.verbose('Systemd supervision detected.');
      if (!this.notify('STATUS=Redis is loading...')) return false;
      this.notifies = true;
      this.log.notice(
        'Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit.',
      );
      return true;
    }
    return false;
  }

  /** Redis's messages once it accepts connections. */
  ready(isReplica: boolean): void {
    if (!this.notifies) return;
    this.notify(
      isReplica ? 'STATUS=Ready to accept connections in read-only mode. Waiting for MASTER <-> REPLICA sync' : 'STATUS=Ready to accept connections',
    );
    this.notify('READY=1');
  }

  /** Shutdown begins (prepareForShutdown). */
  stopping(): void {
    if (this.notifies) this.notify('STOPPING=1');
  }

  /** redisCommunicateSystemd: one message; false (and Redis's warning) when it could not be sent. */
  private notify(message: string): boolean {
    if (process.env.NOTIFY_SOCKET === undefined) {
      this.log.warning('systemd supervision error: NOTIFY_SOCKET not found!');
      return false;
    }
    if (this.notifierMissing) return false;
    const r = childProcess().spawnSync('systemd-notify', [`--pid=${process.pid}`, message], { stdio: ['ignore', 'ignore', 'pipe'], timeout: NOTIFY_TIMEOUT_MS });
    if (r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      this.notifierMissing = true;
      this.log.warning(
        'systemd supervision requested or auto-detected, but systemd-notify was not found (install Debian\'s systemd package): Cinder cannot report its state to systemd!',
      );
      return false;
    }
    if (r.status !== 0) {
      const why = r.error?.message ?? r.stderr.toString('latin1').trim();
      this.log.warning(`systemd supervision error: sd_notify: ${why}`);
      return false;
    }
    return true;
  }
}

