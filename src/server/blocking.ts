import type { Keyspace } from '../engine/keyspace.js';
import type { Client } from './client.js';
import type { Server } from './server.js';
import { CommandError } from '../protocol/errors.js';
import { parseLongDouble } from '../util/long-double.js';

/**
 * Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, ... and later XREAD): Redis 7.0's blocked.c.
 *
 * - A blocking command that finds nothing to serve calls `block(c, request)` and writes no reply.
 *   The transport stops running that client's pipelined commands until it is unblocked.
 * - Waiters queue per (database, key) in the order they blocked.
 * - Creating a key signals it as ready (the keyspace's `onKeyAdded` hook, installed on a database
 *   only while somebody waits there, so ordinary writes pay one null check). So does deleting it
 *   (`onKeyRemoved`, `onCleared`; Redis's signalDeletedKeyAsReady): XREADGROUP's waiters are
 *   answered when their stream goes away, the others decline and keep waiting. Ready keys are served
 *   after the command that created them completes (`handleReadyKeys`, called by the dispatcher),
 *   never in the middle of it: a transaction or script that pushes and pops sees its own effects
 *   first, and waiters get what is left.
 * - Serving a key asks its waiters in order to take from it (`request.serve`); a waiter whose
 *   command cannot use the key (another type, say) stays blocked in place. Serving can create
 *   more ready keys (BLMOVE pushes into its destination); the loop runs until none are left.
 * - A timeout, CLIENT UNBLOCK or a disconnect removes the client from every queue.
 */
export interface BlockRequest {
  /** Keys to wait on, in the client's selected database. */
  keys: readonly string[];
  /** Absolute deadline in ms since the epoch; 0 waits forever. */
  deadline: number;
  /**
   * Called when `key` may have become ready. Writes one reply and returns true when the client was
   * served (or answered with an error); returns false to keep waiting.
   */
  serve(c: Client, key: string): boolean;
  /** Writes the reply for a timeout (or CLIENT UNBLOCK ... TIMEOUT). */
  timedOut(c: Client): void;
}

/** What a blocked client waits for. */
export class BlockedState {
  timer: NodeJS.Timeout | null = null;
  constructor(
    readonly db: Keyspace,
    readonly request: BlockRequest,
  ) {}
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export const UNBLOCKED_ERROR = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';

interface ReadyKey {
  db: Keyspace;
  key: string;
}

export class BlockingManager {
  /** Number of blocked clients (INFO blocked_clients). */
  blockedClients = 0;
  /** Blocked clients with a deadline (INFO clients_in_timeout_table). */
  clientsWithTimeout = 0;
  /** Per database id: key → clients waiting on it, in blocking order. */
  private readonly waiters = new Map<number, Map<string, Client[]>>();
  private ready: ReadyKey[] = [];
  /** Per database id: keys already in `ready` (a key is queued once per round). */
  private readonly readySet = new Map<number, Set<string>>();
  /** Clients unblocked since the last drain: their transports resume them (output, pipelined input). */
  private resumeQueue: Client[] = [];
  private resumeScheduled = false;
  /** handleReadyKeys is running. */
  private serving = false;
  private readonly onKeyAdded = (db: Keyspace, key: string): void => this.signalKeyReady(db, key);
  private readonly onCleared = (db: Keyspace): void => this.signalAllWaitedKeys(db);

  constructor(private readonly server: Server) {}

  /** Whether some key was signalled since the last `handleReadyKeys`. */
  get hasReadyKeys(): boolean {
    return this.ready.length > 0;
  }

  /** Blocks `c` as `request` says. The caller has written no reply. */
  block(c: Client, request: BlockRequest): void {
    const db = c.db;
    const state = new BlockedState(db, request);
    c.blocked = state;
    this.blockedClients++;
    let byKey = this.waiters.get(db.id);
    if (byKey === undefined) {
      byKey = new Map();
      this.waiters.set(db.id, byKey);
    }
    for (const key of request.keys) {
      const queue = byKey.get(key);
      if (queue === undefined) byKey.set(key, [c]);
      else if (!queue.includes(c)) queue.push(c);
    }
    this.installHooks(db, true);
    if (request.deadline > 0) {
      this.clientsWithTimeout++;
      this.armTimer(c, state);
    }
  }

  /** Keyspace hook: `key` was created (or replaced) in `db`. */
  signalKeyReady(db: Keyspace, key: string): void {
    const byKey = this.waiters.get(db.id);
    if (byKey === undefined || !byKey.has(key)) return;
    let queued = this.readySet.get(db.id);
    if (queued === undefined) {
      queued = new Set();
      this.readySet.set(db.id, queued);
    }
    if (queued.has(key)) return;
    queued.add(key);
    this.ready.push({ db, key });
  }

  /** The keyspace hooks that signal waited keys, installed on a database only while it has waiters. */
  private installHooks(db: Keyspace, on: boolean): void {
    db.onKeyAdded = on ? this.onKeyAdded : null;
    db.onKeyRemoved = on ? this.onKeyAdded : null;
    db.onCleared = on ? this.onCleared : null;
  }

  /**
   * Every key waited on in `db` becomes ready (FLUSHDB, SWAPDB: Redis's scanDatabaseForReadyKeys
   * and scanDatabaseForDeletedKeys); each waiter's `serve` sees what is there now.
   */
  private signalAllWaitedKeys(db: Keyspace): void {
    const byKey = this.waiters.get(db.id);
    if (byKey === undefined) return;
    for (const key of byKey.keys()) this.signalKeyReady(db, key);
  }

  /**
   * SWAPDB changes the contents behind two database ids: waiters stay with their database id (as
   * Redis's clients keep their db number), so only the keyspace hooks follow.
   */
  databasesSwapped(a: Keyspace, b: Keyspace): void {
    this.installHooks(a, this.waiters.has(a.id));
    this.installHooks(b, this.waiters.has(b.id));
    this.signalAllWaitedKeys(a);
    this.signalAllWaitedKeys(b);
  }

  /** Serves waiters of every ready key, in signal order, until no key is ready. */
  handleReadyKeys(): void {
    // Keys readied while serving join the next round of the loop running already.
    if (this.serving) return;
    this.serving = true;
    try {
      while (this.ready.length > 0) {
        const round = this.ready;
        this.ready = [];
        this.readySet.clear();
        for (const { db, key } of round) this.serveKey(db, key);
      }
    } finally {
      this.serving = false;
    }
  }

  private serveKey(db: Keyspace, key: string): void {
    const byKey = this.waiters.get(db.id);
    const queue = byKey?.get(key);
    if (queue === undefined) return;
    // Redis's handleClientsBlockedOnKeys looks the key up once per round (an access: LRU/LFU).
    db.lookupWrite(key);
    // Each waiter is asked once: one that is served leaves every queue; one that declines stays.
    // A missing key is asked about too: XREADGROUP's waiters are answered when their stream is gone.
    const snapshot = queue.slice();
    const server = this.server;
    const stats = server.stats;
    for (const c of snapshot) {
      const state = c.blocked;
      if (state === null || state.db !== db) continue;
      const errors = stats.totalErrorReplies;
      const dirty = server.dirty;
      const start = performance.now();
      // Serving is a top-level command of its own: its effects (a key found expired, then the pop
      // in the non-blocking form its handler chose: BLPOP as LPOP) are recorded as call() records
      // them and emitted together when it ends, after the write that readied the key (Redis's
      // afterCommand for each served client).
      server.holdTopLevelCall();
      c.propagateArgv = null;
      let served = false;
      try {
        served = state.request.serve(c, key);
        if (served) {
          server.completeSuspendedCall(c, (performance.now() - start) * 1000, stats.totalErrorReplies !== errors);
          if (server.dirty !== dirty && c.propagateArgv !== null) server.propagation.also(c.dbIndex, c.propagateArgv);
        }
      } finally {
        c.propagateArgv = null;
        // Keys this readies (BLMOVE's destination) wait for the next round: handleReadyKeys is
        // not re-entered.
        server.releaseTopLevelCall();
      }
      if (served) this.unblock(c);
    }
  }

  /** setTimeout takes at most 2^31-1 ms; a longer wait re-arms when that fires. */
  private armTimer(c: Client, state: BlockedState): void {
    const left = state.request.deadline - Date.now();
    // Not unref'd: an embedded caller awaiting a blocking call with a timeout keeps the process alive.
    state.timer = setTimeout(() => this.timeOut(c), Math.min(Math.max(0, left), MAX_TIMER_MS));
  }

  /** The deadline passed: answer with the command's timeout reply. */
  private timeOut(c: Client): void {
    const state = c.blocked;
    if (state === null) return;
    state.timer = null;
    if (Date.now() < state.request.deadline) {
      this.armTimer(c, state);
      return;
    }
    state.request.timedOut(c);
    this.server.completeSuspendedCall(c, 0, false, 'timeout');
    this.unblock(c);
  }

  /**
   * CLIENT UNBLOCK: ends the wait of a blocked client as a timeout would, or with the UNBLOCKED
   * error. False when `c` is not blocked.
   */
  unblockByRequest(c: Client, asError: boolean): boolean {
    const state = c.blocked;
    if (state === null) return false;
    if (asError) {
      this.server.countError(UNBLOCKED_ERROR);
      c.reply.error(UNBLOCKED_ERROR);
    } else {
      state.request.timedOut(c);
    }
    // Redis 7.0 counts it as a failed call either way.
    this.server.completeSuspendedCall(c, 0, true, 'unblocked');
    this.unblock(c);
    return true;
  }

  /**
   * disconnectAllBlockedClients: every blocked client gets `message` as an error and is closed
   * after it (the server became a replica: what they wait for will not come from here).
   */
  unblockAllWithError(message: string): void {
    for (const c of this.server.clients.values()) {
      if (c.blocked === null) continue;
      this.server.countError(message);
      c.reply.error(message);
      this.server.completeSuspendedCall(c, 0, true, 'unblocked');
      c.closeAfterReply = true;
      this.unblock(c);
    }
  }

  /**
   * A waiter that is not served through keys (WAIT) has written its reply: its call completes and
   * its transport resumes it.
   */
  release(c: Client): void {
    if (c.blocked === null) return;
    this.server.completeSuspendedCall(c, 0, false);
    this.unblock(c);
  }

  /** The client is gone (disconnect, CLIENT KILL): forget it without a reply. */
  forget(c: Client): void {
    if (c.blocked !== null) this.remove(c);
  }

  /** Removes `c` from every queue and schedules its transport to resume it. */
  private unblock(c: Client): void {
    this.remove(c);
    this.resumeQueue.push(c);
    if (!this.resumeScheduled) {
      this.resumeScheduled = true;
      setImmediate(() => this.drainResumeQueue());
    }
  }

  private remove(c: Client): void {
    const state = c.blocked;
    if (state === null) return;
    c.blocked = null;
    this.blockedClients--;
    if (state.timer !== null) clearTimeout(state.timer);
    if (state.request.deadline > 0) this.clientsWithTimeout--;
    const db = state.db;
    const byKey = this.waiters.get(db.id);
    if (byKey === undefined) return;
    for (const key of state.request.keys) {
      const queue = byKey.get(key);
      if (queue === undefined) continue;
      const i = queue.indexOf(c);
      if (i >= 0) queue.splice(i, 1);
      if (queue.length === 0) byKey.delete(key);
    }
    if (byKey.size === 0) {
      this.waiters.delete(db.id);
      this.installHooks(db, false);
    }
  }

  /**
   * Runs after the current event: unblocked clients flush their reply and go on with the commands
   * they pipelined behind the blocking one (Redis's processUnblockedClients).
   */
  private drainResumeQueue(): void {
    this.resumeScheduled = false;
    const queue = this.resumeQueue;
    this.resumeQueue = [];
    for (const c of queue) c.resumeHook?.();
  }
}

/** 2^63: Redis converts the timeout in ms to a long long; anything this big comes out negative. */
const LLONG_OVERFLOW = 2 ** 63;

/**
 * Parses a blocking command's timeout (seconds, fractions allowed) into an absolute deadline in ms,
 * 0 for "forever", with Redis's errors (getTimeoutFromObjectOrReply). As in Redis, a timeout that
 * truncates to 0 ms waits forever, and one too big for a long long (inf included) is "negative".
 */
export function parseTimeoutSeconds(arg: string, now: number): number {
  const parsed = parseLongDouble(arg);
  if (parsed === null) throw new CommandError('ERR timeout is not a float or out of range');
  const seconds = parsed.inf ? Infinity : Number(parsed.m) * 2 ** parsed.e;
  const ms = Math.trunc(seconds * 1000);
  if (parsed.neg ? ms > 0 : ms >= LLONG_OVERFLOW) throw new CommandError('ERR timeout is negative');
  if (ms === 0) return 0;
  // A deadline past what a double holds exactly is as good as forever.
  return ms > Number.MAX_SAFE_INTEGER - now ? 0 : now + ms;
}
