import type { ReplyValue } from '../embedded/index.js';
import type { EmbeddedDb } from '../embedded/index.js';

/**
 * A near cache (toolkit `cinder/toolkit/near-cache`): string values kept in this process, in
 * front of the server, and dropped the moment the server says they changed (client-side caching:
 * CLIENT TRACKING with REDIRECT to a connection subscribed to `__redis__:invalidate`, which works
 * with RESP2 clients). Hot reads then cost no round trip.
 *
 * Correctness:
 * - Only reads made through this cache's own connection are tracked; the server invalidates a key
 *   once, so a key is cached only if it was read through it.
 * - An invalidation may overtake the reply of a read in flight for the same key (two sockets):
 *   such a read's result is returned but not cached.
 * - If either connection drops, invalidations may have been lost: everything cached is dropped,
 *   nothing is cached until tracking is set up again on the new connections.
 * - A flush on the server (FLUSHALL, FLUSHDB) arrives as "everything": all is dropped.
 *
 * Works with ioredis (`new Redis()`; a duplicate connection is made for invalidations) and with
 * the embedded engine (`open()`).
 */

export interface NearCacheOptions {
  /** Entries kept in this process (least recently used go first; default 10,000). */
  maxEntries?: number;
  /**
   * On Redis Cluster (broadcast mode), only keys with these prefixes are cached and announced
   * (default: every key, so every write in the cluster sends this process an invalidation).
   */
  prefixes?: string[];
}

export interface NearCacheStats {
  hits: number;
  misses: number;
  invalidations: number;
  flushes: number;
}

/** The parts of an ioredis client the near cache uses. */
interface IoredisLike {
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  duplicate(override?: any): IoredisLike;
  subscribe(channel: string): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  disconnect(): void;
  status: string;
}

/** The parts of an ioredis Cluster the near cache uses. */
interface ClusterLike {
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
  nodes(role?: 'master' | 'slave' | 'all'): unknown[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  once(event: string, listener: (...args: any[]) => void): unknown;
  status: string;
}

const CHANNEL = '__redis__:invalidate';

/** An ioredis subscriber's invalidation messages: the keys, or null for "everything". */
function onInvalidations(sub: IoredisLike, handle: (keys: string[] | null) => void): void {
  sub.on('messageBuffer', (channel: Buffer, keys: Buffer[] | null) => {
    if (channel.toString('latin1') === CHANNEL) handle(keys === null ? null : keys.map((k) => k.toString('latin1')));
  });
}

export class NearCache {
  readonly stats: NearCacheStats = { hits: 0, misses: 0, invalidations: 0, flushes: 0 };
  private readonly local = new Map<string, string | null>();
  /** Reads in flight per key, and whether an invalidation overtook them. */
  private readonly reading = new Map<string, { invalidated: boolean; count: number }>();
  /** Tracking is set up on the current connections: caching is safe. */
  private tracking = false;
  private setup: Promise<void> | null = null;
  private closed = false;
  private readonly maxEntries: number;
  /** Only keys with these prefixes are cached (all when null). */
  private readonly prefixes: readonly string[] | null;

  private constructor(
    private readonly read: (command: string, ...args: string[]) => Promise<unknown>,
    private readonly enableTracking: () => Promise<void>,
    private readonly shutdown: () => void,
    opts: NearCacheOptions,
  ) {
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.prefixes = opts.prefixes ?? null;
  }

  /** A near cache over `client` (ioredis or an embedded handle). */
  static async create(client: IoredisLike | EmbeddedDb | ClusterLike, opts: NearCacheOptions = {}): Promise<NearCache> {
    if ('server' in client) return NearCache.embedded(client, opts);
    if ('nodes' in client && typeof client.nodes === 'function') return NearCache.cluster(client, opts);
    return NearCache.ioredis(client as IoredisLike, opts);
  }

  /**
   * Redis Cluster (an ioredis Cluster): reads go through the cluster client; every master gets a
   * subscriber and a connection in BCAST tracking mode redirected to it (broadcast mode needs no
   * reads on the tracking connection), so a key modified on any master is announced. A node
   * joining, leaving or dropping a connection empties the cache and sets tracking up again.
   */
  private static async cluster(cluster: ClusterLike, opts: NearCacheOptions): Promise<NearCache> {
    // The masters are known once the client has read the slots.
    if (cluster.status !== 'ready') await new Promise<void>((resolve) => cluster.once('ready', () => resolve()));
    let links: Array<{ sub: IoredisLike; tracker: IoredisLike }> = [];
    let cache: NearCache | null = null;
    const teardown = () => {
      const old = links;
      links = [];
      for (const l of old) {
        l.sub.disconnect();
        l.tracker.disconnect();
      }
    };
    const prefixes = (opts.prefixes ?? []).flatMap((p) => ['PREFIX', p]);
    const c = new NearCache(
      (command, ...args) => cluster.call(command, ...args),
      async () => {
        teardown();
        for (const node of cluster.nodes('master') as IoredisLike[]) {
          const sub = node.duplicate({ autoResubscribe: false, lazyConnect: false });
          const tracker = node.duplicate({ lazyConnect: false });
          links.push({ sub, tracker });
          onInvalidations(sub, (keys) => cache!.invalidated(keys));
          const id = String(await sub.call('CLIENT', 'ID'));
          await sub.subscribe(CHANNEL);
          await tracker.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'REDIRECT', id, ...prefixes);
          // Any of them lost: invalidations may be lost; start over (not for links we retired).
          const link = links[links.length - 1];
          for (const conn of [sub, tracker]) {
            conn.on('close', () => {
              if (!links.includes(link)) return;
              cache!.connectionLost();
              cache!.reconnected();
            });
          }
        }
      },
      teardown,
      opts,
    );
    cache = c;
    const changed = () => {
      c.connectionLost();
      c.reconnected();
    };
    cluster.on('+node', changed);
    cluster.on('-node', changed);
    cluster.on('close', () => c.connectionLost());
    await c.ensureTracking();
    return c;
  }

  private static async ioredis(data: IoredisLike, opts: NearCacheOptions): Promise<NearCache> {
    // Resubscribed by us, not by ioredis: its id must be read first, outside pub/sub mode.
    const sub = data.duplicate({ autoResubscribe: false });
    let subId: string | null = null;
    let cache: NearCache | null = null;
    const c = new NearCache(
      (command, ...args) => data.call(command, ...args),
      async () => {
        if (subId === null) {
          const id = String(await sub.call('CLIENT', 'ID'));
          await sub.subscribe(CHANNEL);
          subId = id;
        }
        await data.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', subId);
      },
      () => sub.disconnect(),
      opts,
    );
    cache = c;
    onInvalidations(sub, (keys) => cache!.invalidated(keys));
    // A lost connection may have lost invalidations (or tracking itself): start over once back.
    sub.on('close', () => {
      subId = null;
      cache!.connectionLost();
    });
    data.on('close', () => cache!.connectionLost());
    for (const conn of [data, sub]) conn.on('ready', () => cache!.reconnected());
    await c.ensureTracking();
    return c;
  }

  private static async embedded(db: EmbeddedDb, opts: NearCacheOptions): Promise<NearCache> {
    const { open } = await import('../embedded/index.js');
    let cache: NearCache | null = null;
    const sub = open({
      server: db.server,
      // An embedded handle speaks RESP3: invalidations arrive as ['invalidate', keys | null]
      // (a RESP2 one would get them as messages on the channel).
      onPush: (frame: ReplyValue) => {
        if (!Array.isArray(frame)) return;
        let keys: ReplyValue;
        if (frame[0] === 'invalidate') keys = frame[1];
        else if (frame[0] === 'message' && frame[1] === CHANNEL) keys = frame[2];
        else return;
        cache?.invalidated(Array.isArray(keys) ? keys.map(String) : null);
      },
    });
    const c = new NearCache(
      (command, ...args) => db.call(command, ...args),
      async () => {
        const id = String(await sub.call('CLIENT', 'ID'));
        await sub.call('SUBSCRIBE', CHANNEL);
        await db.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', id);
      },
      () => sub.close(),
      opts,
    );
    cache = c;
    await c.ensureTracking();
    return c;
  }

  /** GET through the cache: a local hit, or the server's value (then kept). */
  async get(key: string): Promise<string | null> {
    if (this.local.has(key)) {
      const value = this.local.get(key)!;
      // Most recently used last.
      this.local.delete(key);
      this.local.set(key, value);
      this.stats.hits++;
      return value;
    }
    this.stats.misses++;
    const cacheable = this.tracking && (this.prefixes === null || this.prefixes.some((p) => key.startsWith(p)));
    let r = this.reading.get(key);
    if (r === undefined) {
      r = { invalidated: false, count: 0 };
      this.reading.set(key, r);
    }
    r.count++;
    try {
      const reply = await this.read('GET', key);
      const value = reply === null || reply === undefined ? null : Buffer.isBuffer(reply) ? reply.toString('latin1') : String(reply);
      if (cacheable && this.tracking && !r.invalidated) this.keep(key, value);
      return value;
    } finally {
      if (--r.count === 0) this.reading.delete(key);
    }
  }

  /** Entries held now. */
  get size(): number {
    return this.local.size;
  }

  close(): void {
    this.closed = true;
    this.tracking = false;
    this.local.clear();
    this.shutdown();
  }

  private keep(key: string, value: string | null): void {
    this.local.set(key, value);
    if (this.local.size > this.maxEntries) this.local.delete(this.local.keys().next().value!);
  }

  private invalidated(keys: string[] | null): void {
    if (keys === null) {
      this.stats.flushes++;
      this.local.clear();
      for (const r of this.reading.values()) r.invalidated = true;
      return;
    }
    for (const key of keys) {
      this.stats.invalidations++;
      this.local.delete(key);
      const r = this.reading.get(key);
      if (r !== undefined) r.invalidated = true;
    }
  }

  private connectionLost(): void {
    this.tracking = false;
    this.local.clear();
    for (const r of this.reading.values()) r.invalidated = true;
  }

  private reconnected(): void {
    if (this.closed) return;
    void this.ensureTracking().catch(() => undefined);
  }

  private ensureTracking(): Promise<void> {
    if (this.setup !== null) return this.setup;
    this.setup = this.enableTracking()
      .then(() => {
        if (!this.closed) this.tracking = true;
      })
      .finally(() => {
        this.setup = null;
      });
    return this.setup;
  }
}
