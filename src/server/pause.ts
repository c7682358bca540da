import type { Client } from './client.js';
import type { Command } from './command-table.js';
import type { Server } from './server.js';
import { ACCESS_MAY_REPLICATE, ACCESS_WRITE, commandAccess } from './command-access.js';

/**
 * CLIENT PAUSE / CLIENT UNPAUSE (Redis 7.0's pauseClients, unpauseClients, blockPostponeClient).
 *
 * - While a pause is in force, the command path postpones a client's command (after the lookup,
 *   arity and busy-script gates, before MULTI queueing): it is not run nor answered, and the
 *   client's pipelined input waits behind it (`Client.postponedArgv`; CLIENT LIST shows flag `b`,
 *   INFO counts it in blocked_clients). ALL postpones every command; WRITE those that may write or
 *   replicate (the table's write and may_replicate flags, a script by its declared flags, EXEC by
 *   what it holds). Replicas and MONITOR clients are never paused.
 * - Pauses are kept per purpose (CLIENT PAUSE, a SHUTDOWN waiting for its replicas, a FAILOVER):
 *   the one in force is the most restrictive of them, ending at the latest end among those of that
 *   mode. A later pause for the same purpose keeps the more restrictive mode and the later end. A
 *   purpose's pause ends at its deadline or when lifted (CLIENT UNPAUSE lifts only CLIENT PAUSE's);
 *   once the pause in force became less restrictive, the held commands go through the command path
 *   again (they may be held anew), each client's in arrival order, after the command that ended it.
 * - While paused the dataset stays still: active expiry stops, and lazy expiry answers as if the
 *   key were gone without deleting it (the keyspace's `expiryPaused`).
 */

export const PAUSE_OFF = 0;
export const PAUSE_WRITE = 1;
export const PAUSE_ALL = 2;
export type PauseType = typeof PAUSE_OFF | typeof PAUSE_WRITE | typeof PAUSE_ALL;

/** Who paused (Redis's pause_purpose): each keeps its own mode and end. */
export const PAUSE_BY_CLIENT_COMMAND = 0;
export const PAUSE_DURING_SHUTDOWN = 1;
export const PAUSE_DURING_FAILOVER = 2;
export type PausePurpose = typeof PAUSE_BY_CLIENT_COMMAND | typeof PAUSE_DURING_SHUTDOWN | typeof PAUSE_DURING_FAILOVER;
const PURPOSES = 3;

/** setTimeout takes at most 2^31-1 ms; a longer pause re-arms when that fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const CANNOT_WAIT = 'ERR the server is paused (CLIENT PAUSE) and a synchronous call cannot wait: use call()';

export class ClientPause {
  /** The pause in force (Redis's client_pause_type). */
  type: PauseType = PAUSE_OFF;
  /** When it ends, in ms since the epoch: over once the time is past it. */
  private end = 0;
  /** Each purpose's pause (PAUSE_OFF when it has none) and end. */
  private readonly purposeType: PauseType[] = new Array<PauseType>(PURPOSES).fill(PAUSE_OFF);
  private readonly purposeEnd: number[] = new Array<number>(PURPOSES).fill(0);
  private timer: NodeJS.Timeout | null = null;
  /** Whether the keyspaces' expiry is held still. */
  private expiryPaused = false;
  /** Clients whose command is held, in arrival order (Redis's postponed_clients). */
  private readonly held: Client[] = [];

  constructor(private readonly server: Server) {}

  /** Clients holding a postponed command (they count as blocked in INFO). */
  get postponedClients(): number {
    return this.held.length;
  }

  /**
   * pauseClients: pauses `type` commands for `purpose` until `end` (ms since the epoch, Infinity
   * for "until lifted"; a time already past pauses nothing). Over that purpose's pause in force, the
   * more restrictive type and the later end win.
   */
  pause(purpose: PausePurpose, type: PauseType, end: number): void {
    const now = this.server.clock.now;
    if (this.purposeType[purpose] === PAUSE_OFF || this.purposeEnd[purpose] < now) {
      this.purposeType[purpose] = type;
      this.purposeEnd[purpose] = end;
    } else {
      this.purposeType[purpose] = Math.max(this.purposeType[purpose], type) as PauseType;
      this.purposeEnd[purpose] = Math.max(this.purposeEnd[purpose], end);
    }
    this.update(now);
  }

  /** unpauseClients: `purpose`'s pause ends now (CLIENT UNPAUSE lifts CLIENT PAUSE's). */
  unpause(purpose: PausePurpose): void {
    this.purposeType[purpose] = PAUSE_OFF;
    this.purposeEnd[purpose] = 0;
    this.update(Date.now());
  }

  /**
   * The command path's gate (called only while `type` is not PAUSE_OFF): true when the pause took
   * the command, which is then held; a client that cannot wait (a synchronous embedded call) is
   * answered with an error instead.
   */
  postpone(c: Client, cmd: Command, argv: string[]): boolean {
    // Replicas are never paused (a MONITOR client counts as one).
    if (c.monitor) return false;
    if (this.end < Date.now()) {
      this.update(Date.now());
      if (this.type === PAUSE_OFF) return false;
    }
    if (this.type === PAUSE_WRITE && (commandAccess(c, cmd, argv) & (ACCESS_WRITE | ACCESS_MAY_REPLICATE)) === 0) return false;
    if (c.denyBlocking) {
      this.server.replyError(c, CANNOT_WAIT);
      return true;
    }
    c.postponedArgv = argv;
    this.held.push(c);
    // A held embedded call awaits its reply: the pause's end must not be lost to an idle loop.
    this.timer?.ref();
    return true;
  }

  /** The client is gone (disconnect, CLIENT KILL): its held command is dropped. */
  forget(c: Client): void {
    if (c.postponedArgv === null) return;
    c.postponedArgv = null;
    const i = this.held.indexOf(c);
    if (i >= 0) this.held.splice(i, 1);
    if (this.held.length === 0) this.timer?.unref();
  }

  /**
   * updateClientPauseTypeAndEndTime: ends a pause whose time is past, keeps the keyspace's expiry
   * still while paused, arms the timer for the end, and releases the held commands when the pause
   * became less restrictive.
   */
  private update(now: number): void {
    const before = this.type;
    let type: PauseType = PAUSE_OFF;
    let end = 0;
    for (let p = 0; p < PURPOSES; p++) {
      const t = this.purposeType[p];
      if (t === PAUSE_OFF) continue;
      if (this.purposeEnd[p] < now) {
        this.purposeType[p] = PAUSE_OFF;
        this.purposeEnd[p] = 0;
      } else if (t > type) {
        type = t;
        end = this.purposeEnd[p];
      } else if (t === type) {
        end = Math.max(end, this.purposeEnd[p]);
      }
    }
    this.type = type;
    this.end = end;
    const paused = this.type !== PAUSE_OFF;
    if (paused !== this.expiryPaused) {
      this.expiryPaused = paused;
      this.server.syncExpiryPaused();
    }
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // The soonest end among the purposes' pauses may make the one in force less restrictive.
    let next = Infinity;
    for (let p = 0; p < PURPOSES; p++) if (this.purposeType[p] !== PAUSE_OFF) next = Math.min(next, this.purposeEnd[p]);
    if (paused && next !== Infinity) {
      this.timer = setTimeout(() => this.update(Date.now()), Math.min(Math.max(0, next - now + 1), MAX_TIMER_MS));
      if (this.held.length === 0) this.timer.unref();
    }
    if (this.type < before && this.held.length > 0) this.release();
  }

  /**
   * unblockPostponedClients: every held command goes back to its client, to run (through the
   * command path, so it may be held again) once the current command has completed, client by
   * client in the order they were held (processUnblockedClients).
   */
  private release(): void {
    const released = this.held.splice(0);
    for (const c of released) {
      c.releasedArgv = c.postponedArgv;
      c.postponedArgv = null;
    }
    setImmediate(() => {
      for (const c of released) c.resumeHook?.();
    });
  }
}
