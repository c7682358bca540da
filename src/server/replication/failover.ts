import type { Server } from '../server.js';
import { PAUSE_DURING_FAILOVER, PAUSE_WRITE } from '../pause.js';

/**
 * FAILOVER: a coordinated hand-over from this master to one of its replicas (Redis 7.0's
 * failoverCommand, updateFailoverStatus, abortFailover).
 *
 * - waiting-for-sync: writes are paused (a pause of its own purpose, so CLIENT UNPAUSE does not
 *   lift it) and the stream stands still; as soon as a replica (the one named by TO, or any)
 *   has acknowledged our whole stream, this server becomes a replica of it.
 * - failover-in-progress: our PSYNC to it carries FAILOVER, telling it to become a master and
 *   continue our history. Accepted (+CONTINUE / +FULLRESYNC): the failover is over and the
 *   paused writes run again (now refused with -READONLY). Refused: we are a master again.
 * - TIMEOUT aborts the wait (or, with FORCE and TO, fails over to that replica anyway); ABORT
 *   ends either state (in failover-in-progress: REPLICAOF NO ONE, which may leave two masters).
 */
export type FailoverState = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress';

export class Failover {
  state: FailoverState = 'no-failover';
  private targetHost: string | null = null;
  private targetPort = 0;
  /** ms since the epoch when waiting-for-sync gives up (0: never). */
  private endTime = 0;
  private force = false;
  private updateScheduled = false;

  constructor(private readonly server: Server) {}

  /**
   * A failover with a TIMEOUT is waiting: the master's PINGs hold off so that the stream stands
   * still (replicationCron's manual_failover_in_progress; without a TIMEOUT they go on, as in Redis).
   */
  get holdsPings(): boolean {
    return this.state !== 'no-failover' && this.endTime !== 0;
  }

  /** The command checked its arguments and the server's state: the wait begins. */
  begin(host: string | null, port: number, timeoutMs: number, force: boolean): void {
    const server = this.server;
    if (host !== null) {
      this.targetHost = host;
      this.targetPort = port;
      server.log.notice(`FAILOVER requested to ${host}:${port}.`);
    } else {
      server.log.notice('FAILOVER requested to any replica.');
    }
    this.endTime = timeoutMs > 0 ? server.clock.now + timeoutMs : 0;
    this.force = force;
    this.state = 'waiting-for-sync';
    server.pause.pause(PAUSE_DURING_FAILOVER, PAUSE_WRITE, Infinity);
  }

  /** abortFailover: back to normal (a master again if we had turned into a replica). */
  abort(reason: string): void {
    if (this.state === 'no-failover') return;
    const log = this.server.log;
    if (this.targetHost !== null) log.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} aborted: ${reason}`);
    else log.notice(`FAILOVER to any replica aborted: ${reason}`);
    if (this.state === 'failover-in-progress') this.server.replica.unsetMaster();
    this.clear();
  }

  /** clearFailoverState: the failover is over; the writes it held go on. */
  clear(): void {
    this.state = 'no-failover';
    this.targetHost = null;
    this.targetPort = 0;
    this.endTime = 0;
    this.force = false;
    this.server.pause.unpause(PAUSE_DURING_FAILOVER);
  }

  /**
   * A replica acknowledged an offset: judged at the end of this turn (Redis's beforeSleep), not
   * inside the ACK's command, since failing over changes the server's role.
   */
  acked(): void {
    if (this.state !== 'waiting-for-sync' || this.updateScheduled) return;
    this.updateScheduled = true;
    setImmediate(() => {
      this.updateScheduled = false;
      this.update();
    });
  }

  /** Called by the cron too, for the timeout. */
  update(): void {
    if (this.state !== 'waiting-for-sync') return;
    const server = this.server;
    const master = server.replicationMaster;
    const offset = server.replication.masterReplOffset;
    if (this.endTime !== 0 && this.endTime <= Date.now()) {
      if (this.force && this.targetHost !== null) {
        server.log.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} time out exceeded, failing over.`);
        this.failOver();
      } else {
        this.abort('Replica never caught up before timeout');
      }
      return;
    }
    if (this.targetHost !== null) {
      const link = master.findReplica(this.targetHost, this.targetPort);
      if (link === null || link.ackOffset !== offset) return;
    } else {
      const link = master.replicas.find((l) => l.ackOffset === offset);
      if (link === undefined) return;
      this.targetHost = link.client.replconf?.ip ?? master.peerHost(link);
      this.targetPort = link.client.replconf?.listeningPort ?? 0;
    }
    server.log.notice(`Failover target ${this.targetHost}:${this.targetPort} is synced, failing over.`);
    this.failOver();
  }

  /** We become a replica of the target; the handshake's PSYNC carries FAILOVER. */
  private failOver(): void {
    this.state = 'failover-in-progress';
    this.server.replica.setMaster(this.targetHost!, this.targetPort);
  }

  /** The target answered our PSYNC FAILOVER (syncWithMaster's check). */
  psyncAnswered(accepted: boolean): void {
    if (this.state !== 'failover-in-progress') return;
    if (accepted) this.clear();
    else this.abort('Failover target rejected psync request');
  }
}
