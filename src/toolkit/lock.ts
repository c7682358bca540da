import { randomBytes } from 'node:crypto';
import { connect, num, Script, type ClientLike, type Connection } from './client.js';

/**
 * Distributed locks done right (toolkit `cinder/toolkit/lock`):
 *
 * - acquire: `SET lock:{name} <random token> NX PX <ttl>`, and in the same script an INCR of
 *   `lock:{name}:fence`, whose value is the lock's fencing token: it only ever grows, so a
 *   resource that remembers the highest token it has seen can refuse a writer whose lock expired
 *   while it stalled (a TTL alone cannot prevent that).
 * - release and extend compare the token first (compare-and-delete, compare-and-pexpire): a holder
 *   whose lock expired never deletes or prolongs the next holder's lock.
 * - `withLock` renews while the function runs and aborts its `signal` if the lock is lost.
 * - `Redlock` takes a majority of N independent servers, with Redis's clock drift allowance.
 *
 * Both keys share the `{name}` hash tag, so this works on Redis Cluster. A lock based on a TTL is
 * for efficiency (no duplicate work) or, with fencing tokens checked by the resource, for safety;
 * where a database is the resource, its own advisory locks or row locks are the simpler choice.
 */

export interface Lock {
  readonly name: string;
  /** The random value identifying this holder. */
  readonly token: string;
  /** The fencing token: strictly greater than every earlier holder's. */
  readonly fence: number;
  /** ms since the epoch until which the lock is held, as this process reckons it. */
  validUntil: number;
}

export interface AcquireOptions {
  /** How long the lock lives unless extended (ms). */
  ttlMs: number;
  /** Further attempts when the lock is taken (default 0: fail at once). */
  retries?: number;
  /** Wait between attempts (ms, default 100), plus up to `retryJitterMs` (default 50). */
  retryDelayMs?: number;
  retryJitterMs?: number;
}

export class LockLostError extends Error {
  constructor(name: string) {
    super(`lock "${name}" was lost before the work finished`);
    this.name = 'LockLostError';
  }
}

export function lockKey(name: string): string {
  return `lock:{${name}}`;
}

export function fenceKey(name: string): string {
  return `lock:{${name}}:fence`;
}

const ACQUIRE = new Script(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return false`);

const RELEASE = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`);

const EXTEND = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`);

function newToken(): string {
  return randomBytes(16).toString('hex');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One attempt, then `retries` more: the lock, or null if it stayed taken. */
export async function acquireLock(client: ClientLike, name: string, opts: AcquireOptions): Promise<Lock | null> {
  const conn = connect(client);
  const retries = opts.retries ?? 0;
  for (let attempt = 0; ; attempt++) {
    const token = newToken();
    const start = Date.now();
    const fence = await ACQUIRE.run(conn, [lockKey(name), fenceKey(name)], [token, opts.ttlMs]);
    if (fence !== null && fence !== false && fence !== undefined) {
      return { name, token, fence: num(fence), validUntil: start + opts.ttlMs };
    }
    if (attempt >= retries) return null;
    await sleep((opts.retryDelayMs ?? 100) + Math.random() * (opts.retryJitterMs ?? 50));
  }
}

/** Releases the lock if this holder still has it; false when it had expired (or was taken over). */
export async function releaseLock(client: ClientLike, lock: Lock): Promise<boolean> {
  return num(await RELEASE.run(connect(client), [lockKey(lock.name)], [lock.token])) === 1;
}

/** Extends the lock to `ttlMs` from now if this holder still has it. */
export async function extendLock(client: ClientLike, lock: Lock, ttlMs: number): Promise<boolean> {
  const start = Date.now();
  const ok = num(await EXTEND.run(connect(client), [lockKey(lock.name)], [lock.token, ttlMs])) === 1;
  if (ok) lock.validUntil = start + ttlMs;
  return ok;
}

export interface WithLockOptions extends AcquireOptions {
  /** How often the lock is renewed while `fn` runs (default ttl / 3). */
  renewEveryMs?: number;
}

/**
 * Runs `fn` holding the lock: renewed in the background; if a renewal finds the lock gone (or it
 * could not be renewed before it expired), `signal` aborts with LockLostError and `fn` should
 * stop. Throws LockLostError if the lock cannot be acquired. The lock is released afterwards.
 */
export async function withLock<T>(client: ClientLike, name: string, fn: (signal: AbortSignal, lock: Lock) => Promise<T>, opts: WithLockOptions): Promise<T> {
  const conn = connect(client);
  const lock = await acquireLock(conn, name, opts);
  if (lock === null) throw new Error(`lock "${name}" is held by someone else`);
  const controller = new AbortController();
  const every = opts.renewEveryMs ?? Math.max(1, Math.floor(opts.ttlMs / 3));
  let renewing: Promise<void> = Promise.resolve();
  const lose = () => {
    if (!controller.signal.aborted) controller.abort(new LockLostError(name));
  };
  const timer = setInterval(() => {
    renewing = (async () => {
      if (controller.signal.aborted) return;
      try {
        if (!(await extendLock(conn, lock, opts.ttlMs))) lose();
      } catch {
        // A failed renewal is a loss once the lock's time is up.
        if (Date.now() >= lock.validUntil) lose();
      }
    })();
  }, every);
  try {
    return await fn(controller.signal, lock);
  } finally {
    clearInterval(timer);
    await renewing;
    await releaseLock(conn, lock).catch(() => false);
  }
}

/** A lock held on a majority of Redlock's servers. */
export interface RedlockLock {
  readonly name: string;
  readonly token: string;
  validUntil: number;
}

/**
 * Redlock: the same lock on N independent servers (not replicas of each other). Acquired when a
 * majority accepted it within its TTL, less the time taken and a clock drift allowance (1% of the
 * TTL + 2 ms); otherwise released everywhere. Fencing tokens do not carry across servers, so
 * Redlock gives no fencing token.
 */
export class Redlock {
  private readonly conns: Connection[];
  constructor(clients: readonly ClientLike[]) {
    if (clients.length === 0) throw new TypeError('Redlock needs at least one server');
    this.conns = clients.map(connect);
  }

  get quorum(): number {
    return Math.floor(this.conns.length / 2) + 1;
  }

  async acquire(name: string, opts: AcquireOptions): Promise<RedlockLock | null> {
    const retries = opts.retries ?? 0;
    for (let attempt = 0; ; attempt++) {
      const token = newToken();
      const start = Date.now();
      const results = await Promise.allSettled(this.conns.map((c) => c.call('SET', lockKey(name), token, 'NX', 'PX', opts.ttlMs)));
      const granted = results.filter((r) => r.status === 'fulfilled' && r.value !== null && r.value !== undefined).length;
      const drift = Math.floor(opts.ttlMs * 0.01) + 2;
      const validity = opts.ttlMs - (Date.now() - start) - drift;
      if (granted >= this.quorum && validity > 0) return { name, token, validUntil: Date.now() + validity };
      await this.release({ name, token, validUntil: 0 });
      if (attempt >= retries) return null;
      await sleep((opts.retryDelayMs ?? 100) + Math.random() * (opts.retryJitterMs ?? 50));
    }
  }

  /** Releases it on every server (where this token still holds it). */
  async release(lock: RedlockLock): Promise<void> {
    await Promise.allSettled(this.conns.map((c) => RELEASE.run(c, [lockKey(lock.name)], [lock.token])));
  }

  /** Extends it on a majority, or reports it lost. */
  async extend(lock: RedlockLock, ttlMs: number): Promise<boolean> {
    const start = Date.now();
    const results = await Promise.allSettled(this.conns.map((c) => EXTEND.run(c, [lockKey(lock.name)], [lock.token, ttlMs])));
    const ok = results.filter((r) => r.status === 'fulfilled' && num(r.value) === 1).length;
    const validity = ttlMs - (Date.now() - start) - (Math.floor(ttlMs * 0.01) + 2);
    if (ok < this.quorum || validity <= 0) return false;
    lock.validUntil = Date.now() + validity;
    return true;
  }
}
