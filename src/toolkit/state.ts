import { randomBytes } from 'node:crypto';
import type { EmbeddedDb } from '../embedded/index.js';
import { asciiJson, connect, LUA_NOW_MS, num, Script, type ClientLike, type Connection } from './client.js';

/**
 * Ephemeral state (toolkit `cinder/toolkit/state`): sessions with a sliding TTL, presence and
 * "is typing", leaderboards (with daily / weekly boards), and feature flags cached in-process and
 * invalidated through pub/sub. Each operation is one command or one script; each structure is one
 * key (or keys sharing a hash tag), so it runs on Redis Cluster. Times come from the server (TIME).
 */

function pairs(reply: unknown): Array<[string, string]> {
  if (reply instanceof Map) return [...reply.entries()].map(([k, v]) => [String(k), String(v)]);
  const flat = reply as unknown[];
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([String(flat[i]), String(flat[i + 1])]);
  return out;
}

// ------------------------------------------------------------------ sessions

// KEYS session; ARGV ttl -> its fields (empty when gone), the TTL slid forward
const READ_SESSION = new Script(`
local fields = redis.call('HGETALL', KEYS[1])
if #fields > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return fields`);

// KEYS session; ARGV ttl, must exist (1/0), field, value, ... -> 1, or 0 when it had to exist and did not
const WRITE_SESSION = new Script(`
if ARGV[2] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`);

/** Sessions: a hash per session whose TTL slides forward on every read or write. */
export class Sessions<T extends Record<string, unknown> = Record<string, unknown>> {
  private readonly conn: Connection;
  constructor(
    client: ClientLike,
    private readonly opts: { ttlMs: number; namespace?: string },
  ) {
    this.conn = connect(client);
  }

  private key(id: string): string {
    return `${this.opts.namespace ?? 'session'}:{${id}}`;
  }

  /** A new session holding `data`; its id (128 random bits). */
  async create(data: T): Promise<string> {
    const id = randomBytes(16).toString('base64url');
    await WRITE_SESSION.run(this.conn, [this.key(id)], [this.opts.ttlMs, '0', ...encodeFields(data)]);
    return id;
  }

  /** The session's data (its TTL slides forward), or null if it expired or never was. */
  async get(id: string): Promise<T | null> {
    const fields = pairs(await READ_SESSION.run(this.conn, [this.key(id)], [this.opts.ttlMs]));
    if (fields.length === 0) return null;
    const out: Record<string, unknown> = {};
    for (const [k, v] of fields) out[k] = JSON.parse(v) as unknown;
    return out as T;
  }

  /** Merges `data` into a live session; false if it is gone. */
  async update(id: string, data: Partial<T>): Promise<boolean> {
    return num(await WRITE_SESSION.run(this.conn, [this.key(id)], [this.opts.ttlMs, '1', ...encodeFields(data)])) === 1;
  }

  async destroy(id: string): Promise<void> {
    await this.conn.call('DEL', this.key(id));
  }
}

function encodeFields(data: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(data)) out.push(k, asciiJson(v));
  if (out.length === 0) throw new RangeError('session data needs at least one field');
  return out;
}

// ------------------------------------------------------------------ presence

// KEYS set; ARGV member -> 1
const HEARTBEAT = new Script(`${LUA_NOW_MS}
redis.call('ZADD', KEYS[1], now, ARGV[1])
return 1`);

// KEYS set; ARGV window -> members seen within it (the others are dropped)
const LIVE = new Script(`${LUA_NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
return redis.call('ZRANGE', KEYS[1], 0, -1)`);

/**
 * Presence in a room: who is online (a heartbeat within `onlineMs`) and who is typing (within
 * `typingMs` of their last keystroke). Sorted sets of last-seen times, trimmed as they are read.
 */
export class Presence {
  private readonly conn: Connection;
  constructor(
    client: ClientLike,
    readonly room: string,
    private readonly opts: { onlineMs?: number; typingMs?: number } = {},
  ) {
    this.conn = connect(client);
  }

  private key(kind: string): string {
    return `presence:{${this.room}}:${kind}`;
  }

  async heartbeat(user: string): Promise<void> {
    await HEARTBEAT.run(this.conn, [this.key('online')], [user]);
  }

  async leave(user: string): Promise<void> {
    await this.conn.call('ZREM', this.key('online'), user);
    await this.conn.call('ZREM', this.key('typing'), user);
  }

  async online(): Promise<string[]> {
    return ((await LIVE.run(this.conn, [this.key('online')], [this.opts.onlineMs ?? 30_000])) as unknown[]).map(String);
  }

  async typing(user: string): Promise<void> {
    await HEARTBEAT.run(this.conn, [this.key('typing')], [user]);
  }

  async stoppedTyping(user: string): Promise<void> {
    await this.conn.call('ZREM', this.key('typing'), user);
  }

  async whoIsTyping(): Promise<string[]> {
    return ((await LIVE.run(this.conn, [this.key('typing')], [this.opts.typingMs ?? 5000])) as unknown[]).map(String);
  }
}

// ------------------------------------------------------------------ leaderboards

export interface Ranked {
  member: string;
  score: number;
  /** 1 for the highest score. */
  rank: number;
}

/**
 * A leaderboard (a sorted set, highest score first). `Leaderboard.daily` / `weekly` name one board
 * per UTC day / ISO week, expiring after `keepDays`.
 */
export class Leaderboard {
  private readonly conn: Connection;
  readonly key: string;

  constructor(
    client: ClientLike,
    readonly name: string,
    private readonly opts: { expireMs?: number } = {},
  ) {
    this.conn = connect(client);
    this.key = `leaderboard:{${name}}`;
  }

  /** Today's board (UTC). */
  static daily(client: ClientLike, name: string, opts: { date?: Date; keepDays?: number } = {}): Leaderboard {
    const d = opts.date ?? new Date();
    return new Leaderboard(client, `${name}:${d.toISOString().slice(0, 10)}`, { expireMs: (opts.keepDays ?? 7) * 86_400_000 });
  }

  /** This ISO week's board. */
  static weekly(client: ClientLike, name: string, opts: { date?: Date; keepDays?: number } = {}): Leaderboard {
    const d = opts.date ?? new Date();
    const [year, week] = isoWeek(d);
    return new Leaderboard(client, `${name}:${year}-W${String(week).padStart(2, '0')}`, { expireMs: (opts.keepDays ?? 56) * 86_400_000 });
  }

  private async touch(): Promise<void> {
    if (this.opts.expireMs !== undefined) await this.conn.call('PEXPIRE', this.key, this.opts.expireMs);
  }

  /** Sets a member's score (or only raises it, with `onlyHigher`). */
  async set(member: string, score: number, opts: { onlyHigher?: boolean } = {}): Promise<void> {
    if (opts.onlyHigher === true) await this.conn.call('ZADD', this.key, 'GT', score, member);
    else await this.conn.call('ZADD', this.key, score, member);
    await this.touch();
  }

  /** Adds to a member's score; the new score. */
  async incr(member: string, by: number): Promise<number> {
    const score = Number(await this.conn.call('ZINCRBY', this.key, by, member));
    await this.touch();
    return score;
  }

  async remove(member: string): Promise<void> {
    await this.conn.call('ZREM', this.key, member);
  }

  /** A member's rank and score, or null. */
  async rank(member: string): Promise<Ranked | null> {
    const [rank, score] = await Promise.all([this.conn.call('ZREVRANK', this.key, member), this.conn.call('ZSCORE', this.key, member)]);
    if (rank === null || rank === undefined) return null;
    return { member, score: Number(score), rank: num(rank) + 1 };
  }

  /** The best `n`. */
  async top(n: number): Promise<Ranked[]> {
    return this.range(0, n - 1);
  }

  /** Page `page` (from 1) of `size` entries. */
  async page(page: number, size: number): Promise<Ranked[]> {
    return this.range((page - 1) * size, page * size - 1);
  }

  /** The member with up to `n` neighbours on each side. */
  async around(member: string, n: number): Promise<Ranked[]> {
    const rank = await this.conn.call('ZREVRANK', this.key, member);
    if (rank === null || rank === undefined) return [];
    const r = num(rank);
    return this.range(Math.max(0, r - n), r + n);
  }

  async size(): Promise<number> {
    return num(await this.conn.call('ZCARD', this.key));
  }

  private async range(start: number, stop: number): Promise<Ranked[]> {
    const reply = (await this.conn.call('ZRANGE', this.key, start, stop, 'REV', 'WITHSCORES')) as unknown[];
    const out: Ranked[] = [];
    // RESP2 gives member, score, ...; the embedded engine (RESP3) gives [member, score] pairs.
    const flat = reply.length > 0 && Array.isArray(reply[0]) ? (reply as unknown[][]).flat() : reply;
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ member: String(flat[i]), score: Number(flat[i + 1]), rank: start + i / 2 + 1 });
    return out;
  }
}

function isoWeek(date: Date): [number, number] {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  return [d.getUTCFullYear(), Math.ceil(((d.getTime() - yearStart.getTime()) / 86_400_000 + 1) / 7)];
}

// ------------------------------------------------------------------ feature flags

/** The parts of an ioredis client feature flags use for their subscription. */
interface IoredisLike {
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
  duplicate(): IoredisLike;
  subscribe(channel: string): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  disconnect(): void;
}

/**
 * Feature flags: one hash of flag -> JSON value, read through an in-process cache. A change is
 * published on `<namespace>:changed` and every process drops its cached copy; a lost subscription
 * drops the whole cache (it may have missed changes).
 */
export class FeatureFlags {
  private readonly cache = new Map<string, unknown>();
  private subscribed = false;
  private constructor(
    private readonly conn: Connection,
    private readonly key: string,
    private readonly channel: string,
    private readonly unsubscribe: () => void,
  ) {}

  static async create(client: IoredisLike | EmbeddedDb, opts: { namespace?: string } = {}): Promise<FeatureFlags> {
    const ns = opts.namespace ?? 'flags';
    const key = `${ns}:{all}`;
    const channel = `${ns}:changed`;
    let flags: FeatureFlags | null = null;
    if ('server' in client) {
      // The handle's own subscription iterator (its own handle on the engine).
      const sub = await client.subscription({ channels: [channel] });
      const f = new FeatureFlags(connect(client), key, channel, () => sub.close());
      flags = f;
      void (async () => {
        for await (const m of sub) f.changed(String(m.message));
      })();
    } else {
      const sub = client.duplicate();
      flags = new FeatureFlags(connect(client), key, channel, () => sub.disconnect());
      const f = flags;
      sub.on('message', (ch: string, flag: string) => {
        if (ch === channel) f.changed(flag);
      });
      sub.on('close', () => f.lost());
      sub.on('ready', () => {
        f.subscribed = true;
      });
      await sub.subscribe(channel);
    }
    flags.subscribed = true;
    return flags;
  }

  /** A flag's value (`fallback` when unset), from the in-process cache after the first read. */
  async get<T>(flag: string, fallback: T): Promise<T> {
    if (this.cache.has(flag)) return (this.cache.get(flag) ?? fallback) as T;
    const raw = await this.conn.call('HGET', this.key, flag);
    const value = raw === null || raw === undefined ? null : (JSON.parse(String(raw)) as unknown);
    // Cached only while the subscription guarantees we hear of changes.
    if (this.subscribed) this.cache.set(flag, value);
    return (value ?? fallback) as T;
  }

  /** Sets a flag for every process. */
  async set(flag: string, value: unknown): Promise<void> {
    await this.conn.call('HSET', this.key, flag, asciiJson(value));
    await this.conn.call('PUBLISH', this.channel, flag);
  }

  async remove(flag: string): Promise<void> {
    await this.conn.call('HDEL', this.key, flag);
    await this.conn.call('PUBLISH', this.channel, flag);
  }

  close(): void {
    this.cache.clear();
    this.subscribed = false;
    this.unsubscribe();
  }

  private changed(flag: string): void {
    this.cache.delete(flag);
  }

  private lost(): void {
    this.subscribed = false;
    this.cache.clear();
  }
}
