import type { Client } from './client.js';
import type { Server, ShutdownRequest } from './server.js';
import { PAUSE_DURING_SHUTDOWN, PAUSE_OFF, PAUSE_WRITE } from './pause.js';
import { replicaName, replicaStateName } from './replication/master.js';

/**
 * SHUTDOWN and the shutdown signals (Redis 7.0's prepareForShutdown, finishShutdown,
 * abortShutdown): with replicas that have not acknowledged the whole stream, the shutdown first
 * waits for them up to `shutdown-timeout` seconds, with writes paused (a pause of its own
 * purpose) and the clients that asked blocked; SHUTDOWN NOW, or a timeout of 0, does not wait.
 * SHUTDOWN ABORT ends the wait: the waiting clients get Redis's error and writes go on.
 *
 * The engine decides when; stopping is the host's (`Server.shutdownHook`: the executable saves
 * and exits, an embedded server saves and closes), which answers with an error text when the
 * save failed, and the server keeps running.
 */

const SHUTDOWN_ERROR = 'ERR Errors trying to SHUTDOWN. Check logs.';

export class Shutdown {
  /** When the wait for replicas gives up (shutdown_mstime); 0 while no shutdown is under way. */
  private deadline = 0;
  private request: ShutdownRequest | null = null;
  /** Clients blocked in SHUTDOWN until it completes or is aborted. */
  private readonly waiting = new Set<Client>();
  private checkScheduled = false;

  constructor(private readonly server: Server) {}

  /** isShutdownInitiated. */
  get initiated(): boolean {
    return this.deadline !== 0;
  }

  /**
   * prepareForShutdown, for SHUTDOWN's client `c` (null for a signal). Returns null when the server
   * is stopping or waiting for its replicas (`c` is then blocked), or the error for `c`.
   */
  prepare(req: ShutdownRequest, c: Client | null): string | null {
    // A shutdown already under way: this client waits for it too.
    if (this.initiated) {
      if (c !== null) this.block(c);
      return null;
    }
    const server = this.server;
    server.log.warning('User requested shutdown...');
    server.shutdownStartHook?.();
    const timeout = Number(server.config.get('shutdown-timeout'));
    if (!req.now && timeout !== 0 && !server.replicationMaster.replicasInSync()) {
      this.deadline = Date.now() + timeout * 1000;
      this.request = req;
      if (server.pause.type === PAUSE_OFF) server.replicationMaster.sendGetAckNow();
      server.pause.pause(PAUSE_DURING_SHUTDOWN, PAUSE_WRITE, Infinity);
      server.log.notice('Waiting for replicas before shutting down.');
      if (c !== null) this.block(c);
      return null;
    }
    return this.finish(req);
  }

  /** abortShutdown: false when no shutdown is under way. */
  abort(): boolean {
    if (!this.initiated) return false;
    this.cancel();
    this.server.log.notice('Shutdown manually aborted.');
    return true;
  }

  /** serverCron's part: the wait ends once the replicas are in sync or the time is up. */
  cron(): void {
    if (!this.initiated) return;
    if (Date.now() >= this.deadline || this.server.replicationMaster.replicasInSync()) this.finish(this.request!);
  }

  /** A replica acknowledged: the wait may be over (judged at the end of this turn). */
  acked(): void {
    if (!this.initiated || this.checkScheduled) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      this.cron();
    });
  }

  /** A blocked SHUTDOWN client went away. */
  forget(c: Client): void {
    this.waiting.delete(c);
  }

  /** finishShutdown: lagging replicas are logged, then the host saves and stops (or cannot). */
  private finish(req: ShutdownRequest): string | null {
    const server = this.server;
    const log = server.log;
    const replicas = server.replicationMaster.replicas;
    const offset = server.replication.masterReplOffset;
    const nowSec = Math.floor(Date.now() / 1000);
    let lagging = 0;
    for (const link of replicas) {
      if (link.ackOffset === offset) continue;
      lagging++;
      const lag = link.state === 'online' ? nowSec - Math.floor(link.ackTime / 1000) : 0;
      log.warning(`Lagging replica ${replicaName(link.client)} reported offset ${offset - link.ackOffset} behind master, lag=${lag}, state=${replicaStateName(link)}.`);
    }
    if (replicas.length > 0) log.notice(`${replicas.length - lagging} of ${replicas.length} replicas are in sync when shutting down.`);
    const hook = server.shutdownHook;
    const error = hook === null ? SHUTDOWN_ERROR : hook(req);
    if (error === null) return null;
    log.warning('Errors trying to shut down the server. Check the logs for more information.');
    this.cancel();
    return error;
  }

  /** cancelShutdown: the waiting clients get the error, writes go on. */
  private cancel(): void {
    this.deadline = 0;
    this.request = null;
    const blocking = this.server.blocking;
    for (const c of this.waiting) {
      this.server.replyError(c, SHUTDOWN_ERROR);
      blocking.release(c);
    }
    this.waiting.clear();
    this.server.pause.unpause(PAUSE_DURING_SHUTDOWN);
  }

  private block(c: Client): void {
    const shutdown = this;
    this.waiting.add(c);
    this.server.blocking.block(c, {
      keys: [],
      deadline: 0,
      serve: () => false,
      // CLIENT UNBLOCK: it stops waiting, with no reply of its own (Redis has none for it).
      timedOut(client) {
        shutdown.waiting.delete(client);
      },
    });
  }
}
