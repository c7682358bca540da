import { randomBytes } from 'node:crypto';
import { connect, num, Script, type ClientLike, type Connection } from './client.js';

/**
 * Queues (toolkit `cinder/toolkit/queue`):
 *
 * - `Queue`: a reliable list queue. A job moves atomically from `pending` to `processing` when a
 *   worker takes it (BLMOVE) and gets a visibility deadline; `ack` removes it; a job whose worker
 *   died or stalled past its deadline goes back to `pending` (`recover`, run by workers). Failed
 *   jobs are retried with exponential backoff through the `delayed` sorted set (also used for jobs
 *   scheduled for later) and land in the `dead` list after `maxAttempts`. Every job is processed at
 *   least once; an ack removes it exactly once.
 * - `StreamWorker`: a consumer of a stream's consumer group (XREADGROUP, XACK), claiming entries
 *   stuck with a dead consumer (XPENDING + XCLAIM past `claimIdleMs`), moving entries delivered
 *   more than `maxDeliveries` times to a dead-letter stream, and stopping gracefully (in-flight
 *   work finishes, nothing new is read).
 *
 * All keys of a queue share its `{name}` hash tag (Redis Cluster). Blocking reads hold their
 * connection: give workers a connection of their own.
 */

export interface Job<T = unknown> {
  readonly id: string;
  readonly data: T;
  /** Attempts before this one. */
  readonly attempt: number;
}

export interface QueueOptions {
  /** How long a worker may hold a job before it is given to another (ms, default 30 s). */
  visibilityMs?: number;
  /** Attempts before a job goes to the dead list (default 5). */
  maxAttempts?: number;
  /** First retry delay (ms, default 1000), doubled per attempt, capped at `maxBackoffMs` (default 60 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/** The stored form of a job: a JSON envelope, unique per job. */
interface Envelope {
  id: string;
  data: unknown;
  attempt: number;
}

// KEYS pending, processing, deadlines; ARGV now, visibility -> raw job or nil
const TAKE = new Script(`
local raw = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
if raw then redis.call('ZADD', KEYS[3], tonumber(ARGV[1]) + tonumber(ARGV[2]), raw) end
return raw`);

// KEYS processing, deadlines; ARGV raw -> removed
const ACK = new Script(`
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('LREM', KEYS[1], 1, ARGV[1])`);

// KEYS processing, deadlines, delayed, dead; ARGV raw, retry raw, run at (or '' for dead) -> 1 if it was held
const FAIL = new Script(`
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[3] == '' then
  redis.call('LPUSH', KEYS[4], ARGV[2])
else
  redis.call('ZADD', KEYS[3], tonumber(ARGV[3]), ARGV[2])
end
return 1`);

// KEYS pending, processing, deadlines, delayed; ARGV now, visibility -> jobs moved back
// Jobs past their deadline go back to the front of pending; jobs held without a deadline (their
// worker died between BLMOVE and setting it) get one; delayed jobs now due join pending.
const RECOVER = new Script(`
local now = tonumber(ARGV[1])
local moved = 0
for _, raw in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  redis.call('ZADD', KEYS[3], 'NX', now + tonumber(ARGV[2]), raw)
end
for _, raw in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
  if redis.call('LREM', KEYS[2], 1, raw) > 0 then
    redis.call('RPUSH', KEYS[1], raw)
    moved = moved + 1
  end
  redis.call('ZREM', KEYS[3], raw)
end
for _, raw in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now)) do
  redis.call('ZREM', KEYS[4], raw)
  redis.call('LPUSH', KEYS[1], raw)
  moved = moved + 1
end
return moved`);

function toJob<T>(raw: string): Job<T> & { raw: string } {
  const e = JSON.parse(raw) as Envelope;
  return { id: e.id, data: e.data as T, attempt: e.attempt, raw };
}

function newId(): string {
  return `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

export class Queue<T = unknown> {
  private readonly conn: Connection;
  private readonly keys: { pending: string; processing: string; deadlines: string; delayed: string; dead: string };
  private readonly visibilityMs: number;

  constructor(
    client: ClientLike,
    readonly name: string,
    private readonly options: QueueOptions = {},
  ) {
    this.conn = connect(client);
    const base = `queue:{${name}}`;
    this.keys = { pending: `${base}:pending`, processing: `${base}:processing`, deadlines: `${base}:deadlines`, delayed: `${base}:delayed`, dead: `${base}:dead` };
    this.visibilityMs = options.visibilityMs ?? 30_000;
  }

  /** Adds a job (now, or at `runAt` ms since the epoch). Returns its id. */
  async add(data: T, opts: { runAt?: number } = {}): Promise<string> {
    const envelope: Envelope = { id: newId(), data, attempt: 0 };
    const raw = JSON.stringify(envelope);
    if (opts.runAt !== undefined && opts.runAt > Date.now()) await this.conn.call('ZADD', this.keys.delayed, opts.runAt, raw);
    else await this.conn.call('LPUSH', this.keys.pending, raw);
    return envelope.id;
  }

  /**
   * Takes the next job, waiting up to `waitMs` for one; null when none came. By default it polls
   * (one atomic script per try), so a connection shared by several loops is never held; with
   * `blocking` it waits in BLMOVE (give it a connection of its own) and then sets the deadline
   * (a worker dying in between leaves the job held without one: `recover` gives it one).
   */
  async take(waitMs = 0, opts: { blocking?: boolean } = {}): Promise<(Job<T> & { raw: string }) | null> {
    if (opts.blocking === true && waitMs > 0) {
      const raw = await this.conn.call('BLMOVE', this.keys.pending, this.keys.processing, 'RIGHT', 'LEFT', (waitMs / 1000).toFixed(3));
      if (raw === null || raw === undefined) return null;
      const text = Buffer.isBuffer(raw) ? raw.toString('latin1') : String(raw);
      await this.conn.call('ZADD', this.keys.deadlines, 'NX', Date.now() + this.visibilityMs, text);
      return toJob<T>(text);
    }
    const deadline = Date.now() + waitMs;
    let pause = 5;
    for (;;) {
      const raw = await TAKE.run(this.conn, [this.keys.pending, this.keys.processing, this.keys.deadlines], [Date.now(), this.visibilityMs]);
      if (raw !== null && raw !== undefined && raw !== false) return toJob<T>(Buffer.isBuffer(raw) ? raw.toString('latin1') : String(raw));
      if (Date.now() >= deadline) return null;
      await new Promise((r) => setTimeout(r, Math.min(pause, Math.max(1, deadline - Date.now()))));
      pause = Math.min(pause * 2, 100);
    }
  }

  /** Done: the job leaves the queue. False if it was no longer held (it timed out and went back). */
  async ack(job: { raw: string }): Promise<boolean> {
    return num(await ACK.run(this.conn, [this.keys.processing, this.keys.deadlines], [job.raw])) === 1;
  }

  /** Failed: retried after a backoff, or moved to the dead list after maxAttempts. */
  async fail(job: Job<T> & { raw: string }): Promise<'retry' | 'dead' | 'lost'> {
    const attempt = job.attempt + 1;
    const retry = JSON.stringify({ id: job.id, data: job.data, attempt } satisfies Envelope);
    const dead = attempt >= (this.options.maxAttempts ?? 5);
    const backoff = Math.min((this.options.backoffMs ?? 1000) * 2 ** (attempt - 1), this.options.maxBackoffMs ?? 60_000);
    const runAt = dead ? '' : String(Date.now() + backoff);
    const held = num(await FAIL.run(this.conn, [this.keys.processing, this.keys.deadlines, this.keys.delayed, this.keys.dead], [job.raw, retry, runAt])) === 1;
    if (!held) return 'lost';
    return dead ? 'dead' : 'retry';
  }

  /** Returns timed-out jobs to the queue and releases due delayed ones; the number moved. */
  async recover(): Promise<number> {
    return num(await RECOVER.run(this.conn, [this.keys.pending, this.keys.processing, this.keys.deadlines, this.keys.delayed], [Date.now(), this.visibilityMs]));
  }

  /** Jobs waiting, held by workers, scheduled, dead. */
  async counts(): Promise<{ pending: number; processing: number; delayed: number; dead: number }> {
    const [pending, processing, delayed, dead] = await Promise.all([
      this.conn.call('LLEN', this.keys.pending),
      this.conn.call('LLEN', this.keys.processing),
      this.conn.call('ZCARD', this.keys.delayed),
      this.conn.call('LLEN', this.keys.dead),
    ]);
    return { pending: num(pending), processing: num(processing), delayed: num(delayed), dead: num(dead) };
  }

  /** The dead jobs (most recent first). */
  async deadJobs(count = 100): Promise<Array<Job<T>>> {
    const raws = (await this.conn.call('LRANGE', this.keys.dead, 0, count - 1)) as string[];
    return raws.map((r) => {
      const e = JSON.parse(String(r)) as Envelope;
      return { id: e.id, data: e.data as T, attempt: e.attempt };
    });
  }

  /**
   * Runs `handler` on jobs with `concurrency` in flight until `stop()` is called; a handler that
   * throws fails its job (retry or dead). `stop()` resolves once in-flight jobs are done.
   */
  process(handler: (job: Job<T>) => Promise<void>, opts: { concurrency?: number; pollMs?: number } = {}): { stop(): Promise<void> } {
    let stopping = false;
    const loops: Array<Promise<void>> = [];
    const poll = opts.pollMs ?? 200;
    let lastRecover = 0;
    const loop = async (): Promise<void> => {
      while (!stopping) {
        if (Date.now() - lastRecover >= poll) {
          lastRecover = Date.now();
          await this.recover().catch(() => 0);
        }
        const job = await this.take(poll).catch(() => null);
        if (job === null) continue;
        try {
          await handler(job);
          await this.ack(job);
        } catch {
          await this.fail(job).catch(() => 'lost');
        }
      }
    };
    for (let i = 0; i < (opts.concurrency ?? 1); i++) loops.push(loop());
    return {
      stop: async () => {
        stopping = true;
        await Promise.all(loops);
      },
    };
  }
}

export interface StreamWorkerOptions {
  stream: string;
  group: string;
  consumer: string;
  /** Entries per read (default 10). */
  count?: number;
  /** How long a read waits for entries (ms, default 1000). */
  blockMs?: number;
  /** Entries pending this long with another consumer are claimed (ms, default 30 s). */
  claimIdleMs?: number;
  /** Deliveries after which an entry goes to the dead-letter stream (default 5). */
  maxDeliveries?: number;
  /** Dead-letter stream (default `<stream>:dead`). */
  deadLetter?: string;
}

export interface StreamEntry {
  readonly id: string;
  readonly fields: Record<string, string>;
}

/**
 * A consumer in a consumer group. `start(handler)` reads new entries and claimed stuck ones; an
 * entry is acknowledged when its handler resolves. An entry whose handler throws stays pending and
 * is retried (claimed again) after `claimIdleMs`; past `maxDeliveries` it is copied to the
 * dead-letter stream (with its origin) and acknowledged.
 */
export class StreamWorker {
  private readonly conn: Connection;
  private stopping = false;
  private running: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    client: ClientLike,
    private readonly opts: StreamWorkerOptions,
  ) {
    this.conn = connect(client);
  }

  /** Creates the group (and the stream) if missing, reading from the start. */
  async ensureGroup(): Promise<void> {
    try {
      await this.conn.call('XGROUP', 'CREATE', this.opts.stream, this.opts.group, '0', 'MKSTREAM');
    } catch (e) {
      if (!String((e as Error).message).startsWith('BUSYGROUP')) throw e;
    }
  }

  start(handler: (entry: StreamEntry) => Promise<void>): void {
    if (this.running !== null) throw new Error('StreamWorker already started');
    this.stopping = false;
    this.running = this.loop(handler);
  }

  /** Stops reading; resolves once the entries being handled are done. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    await Promise.all(this.inFlight);
    this.running = null;
  }

  private async loop(handler: (entry: StreamEntry) => Promise<void>): Promise<void> {
    const { stream, group, consumer } = this.opts;
    let lastClaim = 0;
    const claimIdle = this.opts.claimIdleMs ?? 30_000;
    while (!this.stopping) {
      if (Date.now() - lastClaim >= Math.min(claimIdle, 1000)) {
        lastClaim = Date.now();
        const claimed = await this.claimStuck().catch(() => [] as StreamEntry[]);
        await this.handleAll(claimed, handler);
      }
      const reply = await this.conn
        .call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', this.opts.count ?? 10, 'BLOCK', this.opts.blockMs ?? 1000, 'STREAMS', stream, '>')
        .catch(() => null);
      await this.handleAll(parseRead(reply), handler);
    }
  }

  private async handleAll(entries: StreamEntry[], handler: (entry: StreamEntry) => Promise<void>): Promise<void> {
    await Promise.all(
      entries.map((entry) => {
        const p = (async () => {
          try {
            await handler(entry);
            await this.conn.call('XACK', this.opts.stream, this.opts.group, entry.id);
          } catch {
            // Stays pending: claimed again after claimIdleMs, dead-lettered past maxDeliveries.
          }
        })();
        this.inFlight.add(p);
        return p.finally(() => this.inFlight.delete(p));
      }),
    );
  }

  /** Pending entries idle past claimIdleMs: the dead-lettered ones moved, the others claimed. */
  private async claimStuck(): Promise<StreamEntry[]> {
    const { stream, group, consumer } = this.opts;
    const idle = this.opts.claimIdleMs ?? 30_000;
    const maxDeliveries = this.opts.maxDeliveries ?? 5;
    const pending = (await this.conn.call('XPENDING', stream, group, 'IDLE', idle, '-', '+', 100)) as Array<[string, string, number, number]>;
    const claim: string[] = [];
    for (const [id, , , deliveries] of pending) {
      if (num(deliveries) >= maxDeliveries) await this.deadLetter(String(id), num(deliveries));
      else claim.push(String(id));
    }
    if (claim.length === 0) return [];
    const claimed = (await this.conn.call('XCLAIM', stream, group, consumer, idle, ...claim)) as unknown[];
    return parseEntries(claimed);
  }

  private async deadLetter(id: string, deliveries: number): Promise<void> {
    const { stream, group } = this.opts;
    const range = parseEntries((await this.conn.call('XRANGE', stream, id, id)) as unknown[]);
    const fields = range[0]?.fields ?? {};
    const flat: string[] = ['origin-stream', stream, 'origin-id', id, 'deliveries', String(deliveries)];
    for (const [k, v] of Object.entries(fields)) flat.push(k, v);
    await this.conn.call('XADD', this.opts.deadLetter ?? `${stream}:dead`, '*', ...flat);
    await this.conn.call('XACK', stream, group, id);
  }
}

function parseEntries(list: unknown): StreamEntry[] {
  if (!Array.isArray(list)) return [];
  const out: StreamEntry[] = [];
  for (const item of list) {
    if (!Array.isArray(item) || item[1] === null) continue;
    const flat = item[1] as unknown[];
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
    out.push({ id: String(item[0]), fields });
  }
  return out;
}

/** XREADGROUP's reply: [[stream, entries]] (RESP2) or a Map (RESP3, the embedded engine). */
function parseRead(reply: unknown): StreamEntry[] {
  if (reply === null || reply === undefined) return [];
  const streams: unknown[] = reply instanceof Map ? [...reply.values()] : (reply as unknown[]).map((s) => (s as unknown[])[1]);
  return streams.flatMap((entries) => parseEntries(entries));
}
