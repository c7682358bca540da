/**
 * Propagation (Redis 7.0's alsoPropagate / propagatePendingCommands / propagateNow): the stream of
 * effects that replicas and the append-only file replay to reach the same dataset.
 *
 * - Every command that changed the dataset (the write epilogue counts `server.dirty`) is recorded
 *   by the command path once it returns, as executed or in the deterministic form its handler chose
 *   (`rewriteCommand`: SET EX as SET PXAT, INCRBYFLOAT as SET KEEPTTL, ...). Handlers add further
 *   effects with `alsoPropagate` (SPOP's removals as SREM, a served BLPOP as LPOP, expired keys as
 *   DEL) and suppress their own command with `preventPropagation` (EXEC, EVAL: their effects are
 *   recorded by the calls they make).
 * - Effects are collected for the whole top-level command and emitted when it ends: more than one
 *   effect is wrapped in MULTI ... EXEC, so a transaction or a script replays atomically.
 * - Nothing is recorded while no target listens (no replica, no AOF), so the rewrites cost nothing
 *   then: handlers check `active` before building a rewritten argv.
 * - Targets receive (database, argv) and emit SELECT themselves when the database changes, as the
 *   replication stream and the AOF each track their own selected database.
 */

/** The effect reaches the append-only file. */
export const PROPAGATE_AOF = 1;
/** The effect reaches replicas (PUBLISH goes to replicas only). */
export const PROPAGATE_REPL = 2;
export const PROPAGATE_ALL = PROPAGATE_AOF | PROPAGATE_REPL;

/** Per-call flags on the client (Redis's CLIENT_FORCE_AOF/REPL, CLIENT_PREVENT_AOF/REPL_PROP). */
export const PROPAGATE_FORCE_AOF = 1;
export const PROPAGATE_FORCE_REPL = 2;
export const PREVENT_PROPAGATE_AOF = 4;
export const PREVENT_PROPAGATE_REPL = 8;

/** What a handler needs of its client to steer propagation (the Client class has these fields). */
interface PropagatingClient {
  propagateArgv: string[] | null;
  propagateFlags: number;
  readonly dbIndex: number;
  readonly server: { readonly propagation: Propagation };
}

/**
 * Whether effects are being recorded: a handler checks this before building a rewritten argv, so
 * a server without replicas or AOF allocates nothing for propagation.
 */
export function propagating(c: PropagatingClient): boolean {
  return c.server.propagation.active;
}

/**
 * rewriteClientCommandVector: the command propagates as `argv` instead of what the client sent
 * (when it changed the dataset). Call only when `propagating(c)`.
 */
export function rewriteCommand(c: PropagatingClient, argv: string[]): void {
  c.propagateArgv = argv;
}

/** preventCommandPropagation: the command itself is not propagated (its effects may be). */
export function preventPropagation(c: PropagatingClient): void {
  c.propagateFlags |= PREVENT_PROPAGATE_AOF | PREVENT_PROPAGATE_REPL;
}

/** forceCommandPropagation: propagated even without changing the dataset (PUBLISH: replicas only). */
export function forcePropagation(c: PropagatingClient, kinds: number): void {
  if (kinds & PROPAGATE_AOF) c.propagateFlags |= PROPAGATE_FORCE_AOF;
  if (kinds & PROPAGATE_REPL) c.propagateFlags |= PROPAGATE_FORCE_REPL;
}

/**
 * propagateDeletion: how the removal of an expired key replays (replicas and the AOF never expire
 * keys themselves): DEL, or UNLINK with lazyfree-lazy-expire.
 */
export function expiredKeyDeletion(lazyfreeLazyExpire: boolean, key: string): string[] {
  return [lazyfreeLazyExpire ? 'UNLINK' : 'DEL', key];
}

/** alsoPropagate: one more effect of the command in progress, in the client's database. */
export function alsoPropagate(c: PropagatingClient, argv: readonly string[], kinds = PROPAGATE_ALL): void {
  c.server.propagation.also(c.dbIndex, argv, kinds);
}

/** A consumer of propagated effects: the replication backlog, the AOF, a test. */
export interface PropagationTarget {
  /** Which kinds of effects it takes (PROPAGATE_AOF, PROPAGATE_REPL or both). */
  readonly kinds: number;
  /** One effect, to be replayed in database `dbid`. */
  feed(dbid: number, argv: readonly string[]): void;
}

const MULTI: readonly string[] = ['MULTI'];
const EXEC: readonly string[] = ['EXEC'];
const EMPTY: readonly string[] = [];

export class Propagation {
  private readonly targets: PropagationTarget[] = [];
  /**
   * Effects of the command in progress (Redis's server.also_propagate), as parallel arrays
   * reused from command to command: no object or array per write command while an AOF or a
   * replica listens.
   */
  private readonly pendingDb: number[] = [];
  private readonly pendingArgv: (readonly string[])[] = [];
  private readonly pendingKinds: number[] = [];
  private pendingCount = 0;
  /** Some target listens: effects are recorded (Redis's shouldPropagate). */
  active = false;
  /** Kinds taken by some target. */
  private kinds = 0;

  /** Starts feeding `target` with every effect from now on. */
  addTarget(target: PropagationTarget): void {
    this.targets.push(target);
    this.update();
  }

  removeTarget(target: PropagationTarget): void {
    const i = this.targets.indexOf(target);
    if (i >= 0) this.targets.splice(i, 1);
    this.update();
  }

  private update(): void {
    let kinds = 0;
    for (const t of this.targets) kinds |= t.kinds;
    this.kinds = kinds;
    this.active = kinds !== 0;
  }

  /** Records an effect of the command in progress (alsoPropagate). */
  also(dbid: number, argv: readonly string[], kinds = PROPAGATE_ALL): void {
    if ((kinds & this.kinds) === 0) return;
    const n = this.pendingCount++;
    this.pendingDb[n] = dbid;
    this.pendingArgv[n] = argv;
    this.pendingKinds[n] = kinds;
  }

  /** Whether effects are waiting for the end of the top-level command. */
  get hasPending(): boolean {
    return this.pendingCount > 0;
  }

  /**
   * The top-level command ended (propagatePendingCommands): emits its effects, wrapped in MULTI/EXEC
   * when there is more than one. MULTI takes the first effect's database, EXEC the last one's, so a
   * target selects the database before MULTI and never between EXEC and the last effect.
   */
  flush(): void {
    const n = this.pendingCount;
    if (n === 0) return;
    if (n === 1) {
      // The common case (one write command): no MULTI, nothing to copy.
      const dbid = this.pendingDb[0];
      const argv = this.pendingArgv[0];
      const kinds = this.pendingKinds[0];
      this.clearPending(1);
      this.emit(dbid, argv, kinds);
      return;
    }
    const { db, argv, kinds } = this.takePending(n);
    this.emit(db[0], MULTI, PROPAGATE_ALL);
    for (let i = 0; i < n; i++) this.emit(db[i], argv[i], kinds[i]);
    this.emit(db[n - 1], EXEC, PROPAGATE_ALL);
  }

  /**
   * Emits what is pending, each effect on its own (Redis's propagatePendingCommands under
   * propagate_no_multi): evictions are replayed as separate DELs before the command that made
   * room, and take what was pending with them.
   */
  flushEach(): void {
    const n = this.pendingCount;
    if (n === 0) return;
    const { db, argv, kinds } = this.takePending(n);
    for (let i = 0; i < n; i++) this.emit(db[i], argv[i], kinds[i]);
  }

  /** The pending effects, copied out and cleared (emitting may record new ones). */
  private takePending(n: number): { db: number[]; argv: (readonly string[])[]; kinds: number[] } {
    const out = { db: this.pendingDb.slice(0, n), argv: this.pendingArgv.slice(0, n), kinds: this.pendingKinds.slice(0, n) };
    this.clearPending(n);
    return out;
  }

  /** Forgets the first `n` pending effects (the argv references too, so they can be collected). */
  private clearPending(n: number): void {
    this.pendingCount = 0;
    const argv = this.pendingArgv;
    if (n > 1024) {
      // A large transaction or script: its arrays are not kept at that size.
      argv.length = this.pendingDb.length = this.pendingKinds.length = 0;
      return;
    }
    for (let i = 0; i < n; i++) argv[i] = EMPTY;
  }

  private emit(dbid: number, argv: readonly string[], kinds: number): void {
    for (const t of this.targets) if ((t.kinds & kinds) !== 0) t.feed(dbid, argv);
  }
}

/**
 * A target that keeps the stream as a replica would receive it: a SELECT before the first effect
 * in a database other than the last one selected (Redis's replicationFeedSlaves), as argv arrays.
 * For tests; replicas get the same stream as bytes from src/server/replication/master.ts.
 */
export class ReplicationStream implements PropagationTarget {
  readonly kinds = PROPAGATE_REPL;
  private selected = -1;
  readonly commands: string[][] = [];

  feed(dbid: number, argv: readonly string[]): void {
    if (dbid !== this.selected) {
      this.commands.push(['SELECT', String(dbid)]);
      this.selected = dbid;
    }
    this.commands.push(argv.slice());
  }
}
