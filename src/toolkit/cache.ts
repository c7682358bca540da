import { randomBytes } from 'node:crypto';
import { asciiJson, connect, Script, type ClientLike, type Connection } from './client.js';

/**
 * Cache-aside done right (toolkit `cinder/toolkit/cache`):
 *
 * - A TTL is required (`ttlMs`, with `jitter` so keys written together do not expire together);
 *   an unbounded cache must be asked for (`ttlMs: 'forever'`).
 * - Stampede protection in three layers: one load per key per process (single-flight), one per
 *   key across processes (a short lock, `SET NX PX`; the others wait for the value), and
 *   probabilistic early recomputation (XFetch: a value is refreshed in the background shortly
 *   before it expires, more likely the longer it took to load) so hot keys rarely expire at all.
 * - Optional stale-while-revalidate: for `staleMs` after expiry the old value is served while one
 *   caller refreshes it.
 * - Negative caching (`negativeTtlMs`: a loader's `undefined` is remembered that long), tags
 *   (`invalidateTag`), write-through `set`, `invalidate`, pluggable serialization (JSON by default),
 *   hit / miss / load counters.
 *
 * An entry is one string: `<expires at ms>|<load ms>|<kind>|<payload>`, kept `staleMs` past its
 * expiry. Keys are `<namespace>:{<key>}` (locks beside them in the same slot), so it runs on Redis
 * Cluster; a tag is a set of keys, invalidated key by key.
 */

export interface Serializer<T> {
  encode(value: T): string;
  decode(text: string): T;
}

export interface CacheOptions<T> {
  /** How long a loaded value is fresh (ms), or 'forever' for no expiry. */
  ttlMs: number | 'forever';
  /** Spread of the TTL, as a fraction added at random (default 0.1: up to +10%). */
  jitter?: number;
  /** After expiry, serve the old value this long while it is refreshed (default 0). */
  staleMs?: number;
  /** Remember a loader's `undefined` this long (default 0: not cached). */
  negativeTtlMs?: number;
  /** XFetch's beta: higher refreshes earlier; 0 turns early refresh off (default 1). */
  earlyRefreshBeta?: number;
  /** How long a load may hold the cross-process lock (ms, default 10 s). */
  lockTtlMs?: number;
  /** Key prefix (default 'cache'). */
  namespace?: string;
  serializer?: Serializer<T>;
}

export interface LoadOptions {
  ttlMs?: number | 'forever';
  tags?: readonly string[];
}

export interface CacheStats {
  hits: number;
  misses: number;
  staleHits: number;
  loads: number;
  earlyRefreshes: number;
  loadErrors: number;
}

const VALUE = 'v';
const NOTHING = 'n';

const json: Serializer<unknown> = { encode: asciiJson, decode: (s) => JSON.parse(s) as unknown };

/** Deletes the key if this loader's lock token still holds it. */
const UNLOCK = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

interface Entry<T> {
  expiresAt: number;
  loadMs: number;
  kind: string;
  value: T | undefined;
}

export class Cache<T = unknown> {
  readonly stats: CacheStats = { hits: 0, misses: 0, staleHits: 0, loads: 0, earlyRefreshes: 0, loadErrors: 0 };
  private readonly conn: Connection;
  private readonly serializer: Serializer<T>;
  private readonly inFlight = new Map<string, Promise<T | undefined>>();

  constructor(
    client: ClientLike,
    private readonly options: CacheOptions<T>,
  ) {
    if (options.ttlMs !== 'forever' && !(options.ttlMs > 0)) throw new RangeError("ttlMs must be positive (or 'forever')");
    this.conn = connect(client);
    this.serializer = options.serializer ?? (json as Serializer<T>);
  }

  key(key: string): string {
    return `${this.options.namespace ?? 'cache'}:{${key}}`;
  }

  private lockKey(key: string): string {
    return `${this.key(key)}:lock`;
  }

  private tagKey(tag: string): string {
    return `${this.options.namespace ?? 'cache'}:tag:{${tag}}`;
  }

  /** The cached value, fresh or stale-but-servable; undefined when absent (or negatively cached). */
  async get(key: string): Promise<T | undefined> {
    const entry = await this.read(key);
    return entry?.value;
  }

  /**
   * The cached value, or `loader`'s, stored for next time. Concurrent callers, here or in other
   * processes, share one load.
   */
  async getOrLoad(key: string, loader: () => Promise<T | undefined>, opts: LoadOptions = {}): Promise<T | undefined> {
    const entry = await this.read(key);
    const now = Date.now();
    if (entry !== null) {
      if (now < entry.expiresAt) {
        this.stats.hits++;
        if (this.shouldRefreshEarly(entry, now)) {
          this.stats.earlyRefreshes++;
          void this.load(key, loader, opts, true).catch(() => undefined);
        }
        return entry.value;
      }
      // Expired but within staleMs: served while one caller refreshes.
      this.stats.staleHits++;
      void this.load(key, loader, opts, true).catch(() => undefined);
      return entry.value;
    }
    this.stats.misses++;
    return this.load(key, loader, opts, false);
  }

  /** Write-through: stores `value` now. */
  async set(key: string, value: T, opts: LoadOptions = {}): Promise<void> {
    await this.store(key, VALUE, value, 0, opts);
  }

  async invalidate(key: string): Promise<void> {
    await this.conn.call('DEL', this.key(key));
  }

  /** Removes every entry stored with `tag`. */
  async invalidateTag(tag: string): Promise<number> {
    // An array from most clients, a Set from the embedded engine.
    const members = [...((await this.conn.call('SMEMBERS', this.tagKey(tag))) as Iterable<string>)];
    // One DEL per key: the entries live in different slots of a cluster.
    const removed = await Promise.all(members.map((k) => this.conn.call('DEL', k)));
    await this.conn.call('DEL', this.tagKey(tag));
    return removed.reduce<number>((n, r) => n + Number(r), 0);
  }

  // ------------------------------------------------------------------ internals

  private async read(key: string): Promise<Entry<T> | null> {
    const raw = await this.conn.call('GET', this.key(key));
    if (raw === null || raw === undefined) return null;
    const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
    const a = text.indexOf('|');
    const b = text.indexOf('|', a + 1);
    const c = text.indexOf('|', b + 1);
    if (a < 0 || b < 0 || c < 0) return null;
    const kind = text.slice(b + 1, c);
    return {
      expiresAt: Number(text.slice(0, a)),
      loadMs: Number(text.slice(a + 1, b)),
      kind,
      value: kind === VALUE ? this.serializer.decode(text.slice(c + 1)) : undefined,
    };
  }

  /** XFetch: refresh early with a probability rising as expiry nears, scaled by the load time. */
  private shouldRefreshEarly(entry: Entry<T>, now: number): boolean {
    const beta = this.options.earlyRefreshBeta ?? 1;
    if (beta <= 0 || !Number.isFinite(entry.expiresAt) || entry.loadMs <= 0) return false;
    return now - entry.loadMs * beta * Math.log(Math.random()) >= entry.expiresAt;
  }

  /** One load per key in this process; across processes, the lock decides who loads. */
  private load(key: string, loader: () => Promise<T | undefined>, opts: LoadOptions, refresh: boolean): Promise<T | undefined> {
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const p = this.loadAcrossProcesses(key, loader, opts, refresh).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  private async loadAcrossProcesses(key: string, loader: () => Promise<T | undefined>, opts: LoadOptions, refresh: boolean): Promise<T | undefined> {
    const lockTtl = this.options.lockTtlMs ?? 10_000;
    const token = randomBytes(12).toString('hex');
    const deadline = Date.now() + lockTtl;
    let wait = 5;
    for (;;) {
      const got = await this.conn.call('SET', this.lockKey(key), token, 'NX', 'PX', lockTtl);
      if (got !== null && got !== undefined) break;
      // A refresh in the background gives way to whoever is loading already.
      if (refresh) return undefined;
      // Someone else loads: their value appears, or their lock goes (then we try to load).
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 50);
      const entry = await this.read(key);
      if (entry !== null && Date.now() < entry.expiresAt) return entry.value;
      if (Date.now() > deadline) break;
    }
    try {
      // The value may have arrived between our miss and our lock.
      if (!refresh) {
        const entry = await this.read(key);
        if (entry !== null && Date.now() < entry.expiresAt) return entry.value;
      }
      const start = Date.now();
      let value: T | undefined;
      try {
        this.stats.loads++;
        value = await loader();
      } catch (e) {
        this.stats.loadErrors++;
        throw e;
      }
      const loadMs = Date.now() - start;
      if (value === undefined) {
        const negative = this.options.negativeTtlMs ?? 0;
        if (negative > 0) await this.store(key, NOTHING, undefined, loadMs, { ...opts, ttlMs: negative });
      } else {
        await this.store(key, VALUE, value, loadMs, opts);
      }
      return value;
    } finally {
      await UNLOCK.run(this.conn, [this.lockKey(key)], [token]).catch(() => 0);
    }
  }

  private async store(key: string, kind: string, value: T | undefined, loadMs: number, opts: LoadOptions): Promise<void> {
    const ttl = opts.ttlMs ?? this.options.ttlMs;
    const payload = kind === VALUE ? this.serializer.encode(value as T) : '';
    const k = this.key(key);
    if (ttl === 'forever') {
      await this.conn.call('SET', k, `Infinity|${loadMs}|${kind}|${payload}`);
    } else {
      const jittered = Math.round(ttl * (1 + Math.random() * (this.options.jitter ?? 0.1)));
      const expiresAt = Date.now() + jittered;
      await this.conn.call('SET', k, `${expiresAt}|${loadMs}|${kind}|${payload}`, 'PX', jittered + (this.options.staleMs ?? 0));
    }
    for (const tag of opts.tags ?? []) await this.conn.call('SADD', this.tagKey(tag), k);
  }
}
