import type { RdbSnapshot } from '../persistence/snapshot.js';

/** How long a snapshot slice may run before the event loop serves clients again (ms). */
export const SLICE_MS = 0.5;

/** What the owner of a walk (BGSAVE, an AOF rewrite) hears from its driver. */
export interface SnapshotDriverEvents {
  /**
   * Runs before each slice: work of the turn that replies wait for. The AOF's end-of-turn write
   * is a setImmediate queued during the poll phase, behind the slice queued a turn earlier, so
   * without this every reply held for the AOF waited for a whole slice.
   */
  beforeSlice(): void;
  /** rdb-key-save-delay in microseconds, read before each slice (tests slow the walk with it). */
  keySaveDelayUs(): number;
  /** Every record is handed to the snapshot's sink (the file still needs its fsync). */
  walked(): void;
  /** The snapshot's sink threw; the walk has stopped. */
  failed(e: unknown): void;
  /**
   * Before each slice: true when the walk must wait (a diskless transfer's socket is full), and
   * then `resume` is called to go on.
   */
  hold?(resume: () => void): boolean;
}

/**
 * Runs a snapshot's walk from the event loop in slices of SLICE_MS (setImmediate), so clients
 * are served between slices; with rdb-key-save-delay one key per delay (setTimeout), as Redis's
 * child sleeps per key. BGSAVE (src/server/persistence.ts) and BGREWRITEAOF (src/server/aof.ts)
 * share it.
 */
export class SnapshotDriver {
  private timer: NodeJS.Immediate | NodeJS.Timeout | null = null;
  /** `timer` is a setTimeout's (rdb-key-save-delay), not a setImmediate's. */
  private timerIsTimeout = false;
  private stopped = false;

  constructor(
    readonly snapshot: RdbSnapshot,
    private readonly events: SnapshotDriverEvents,
  ) {}

  /** Schedules the first slice. */
  start(): void {
    this.schedule();
  }

  /** The walk waits for `hold`'s resume call. */
  private held = false;
  private readonly resume = (): void => {
    if (!this.held || this.stopped) return;
    this.held = false;
    this.schedule();
  };

  private schedule(): void {
    if (this.events.hold?.(this.resume)) {
      this.held = true;
      return;
    }
    const delayUs = this.events.keySaveDelayUs();
    this.timerIsTimeout = delayUs > 0;
    if (delayUs > 0) this.timer = setTimeout(() => this.slice(1), Math.max(1, Math.floor(delayUs / 1000)));
    else this.timer = setImmediate(() => this.slice(Infinity));
  }

  private slice(maxKeys: number): void {
    if (this.stopped) return;
    this.timer = null;
    this.events.beforeSlice();
    let done: boolean;
    try {
      done = this.snapshot.step(performance.now() + SLICE_MS, maxKeys);
    } catch (e) {
      this.events.failed(e);
      return;
    }
    if (done) this.events.walked();
    else this.schedule();
  }

  /** Writes the rest of the walk now (SAVE while a rewrite walks: a keyspace has one observer). */
  finishNow(): void {
    if (this.stopped || this.snapshot.finished) return;
    this.cancelSlice();
    try {
      this.snapshot.step(Infinity);
    } catch (e) {
      this.events.failed(e);
      return;
    }
    this.events.walked();
  }

  /** Abandons the walk: no more slices, the databases are no longer observed. */
  stop(): void {
    this.stopped = true;
    this.cancelSlice();
    this.snapshot.abort();
  }

  private cancelSlice(): void {
    const timer = this.timer;
    if (timer === null) return;
    // Each kind by its own clear: clearImmediate given a Timeout corrupts Node's count of pending
    // immediates, which then run late (seconds late, seen after a walk with rdb-key-save-delay).
    if (this.timerIsTimeout) clearTimeout(timer as NodeJS.Timeout);
    else clearImmediate(timer as NodeJS.Immediate);
    this.timer = null;
  }
}
