import type { Client } from './client.js';
import type { Command } from './command-table.js';
import type { Server } from './server.js';
import { getKeysFromCommand } from './command-keys.js';
import { afterPush } from './pubsub.js';

/**
 * Client-side caching: the server side (Redis 7.0's tracking.c).
 *
 * - Default mode: the keys a tracking client reads (commands flagged readonly, inside EXEC and
 *   scripts too, keys taken from the command table's key specs) are remembered in one table, key
 *   name -> client ids (all databases share it, as in Redis). When a key is modified (the
 *   keyspace's signalModifiedKey hook: commands, expiry, eviction, FLUSH*), every client that read
 *   it gets one invalidation and the key leaves the table until read again. OPTIN / OPTOUT with
 *   CLIENT CACHING decide per command whether reads are remembered.
 * - BCAST: clients subscribe to key prefixes instead; modified keys matching a prefix are collected
 *   and sent once per event-loop turn, per prefix, sorted, without duplicates.
 * - Messages: a RESP3 push `invalidate [keys]` (null for a flush) on the connection, or on the
 *   REDIRECT client's (RESP3 push there too, or a `message` on `__redis__:invalidate` for a RESP2
 *   client in pub/sub mode). A missing redirect client marks the tracking client broken.
 *   Invalidations for the client whose command caused them follow that command's reply.
 * - tracking-table-max-keys: past it, each command invalidates keys (oldest first) until under it,
 *   with an effort that grows while the limit stays exceeded, as Redis's trackingLimitUsedSlots.
 */

/** A tracking client's settings (Redis's CLIENT_TRACKING_* flags and fields). */
export class TrackingState {
  /** REDIRECT's client id, 0 for none. */
  redirect = 0;
  bcast = false;
  optin = false;
  optout = false;
  noloop = false;
  /** CLIENT CACHING yes (OPTIN) / no (OPTOUT) for the next command or transaction. */
  caching = false;
  brokenRedirect = false;
  /** BCAST prefixes. */
  readonly prefixes = new Set<string>();
}

interface BcastState {
  readonly clients: Set<Client>;
  /** Keys modified since the last broadcast, with the client that first modified each (NOLOOP). */
  keys: Map<string, Client | null>;
}

const CHANNEL = '__redis__:invalidate';

export class Tracking {
  /** Clients with tracking on (INFO tracking_clients). */
  clients = 0;
  /** Key name -> ids of the clients that read it (TrackingTable), null until a client tracks. */
  private table: Map<string, Set<number>> | null = null;
  /** Client ids across the table (tracking_total_items). */
  private items = 0;
  /** BCAST prefix -> subscribers and pending keys (PrefixTable). */
  private readonly prefixTable = new Map<string, BcastState>();
  private broadcastScheduled = false;
  /** The client whose command is running (server.current_client), null outside commands. */
  current: Client | null = null;
  /** trackingLimitUsedSlots' timeout_counter. */
  private limitRounds = 0;
  /** Expired and evicted keys have no modifying client (signalModifiedKey(NULL, ...)). */
  private readonly onModified = (key: string, bySelf: boolean): void => this.invalidateKey(key, bySelf ? null : this.current, true);

  constructor(private readonly server: Server) {}

  /** tracking_total_keys, tracking_total_items, tracking_total_prefixes. */
  get totals(): [number, number, number] {
    return [this.table?.size ?? 0, this.items, this.prefixTable.size];
  }

  // ------------------------------------------------------------------ CLIENT TRACKING

  /** enableTracking: options were checked by the command. */
  enable(c: Client, redirect: number, opts: { bcast: boolean; optin: boolean; optout: boolean; noloop: boolean }, prefixes: readonly string[]): void {
    let t = c.tracking;
    if (t === null) {
      t = new TrackingState();
      c.tracking = t;
      this.clients++;
    }
    t.brokenRedirect = false;
    t.redirect = redirect;
    if (this.table === null) {
      this.table = new Map();
      this.installHooks(true);
    }
    t.bcast = opts.bcast;
    if (opts.bcast) {
      if (prefixes.length === 0) this.subscribePrefix(c, '');
      for (const p of prefixes) this.subscribePrefix(c, p);
    }
    t.optin = opts.optin;
    t.optout = opts.optout;
    t.noloop = opts.noloop;
  }

  /** disableTracking: keys it read stay in the table (skipped when invalidated). */
  disable(c: Client): void {
    const t = c.tracking;
    if (t === null) return;
    for (const p of t.prefixes) {
      const bs = this.prefixTable.get(p);
      if (bs === undefined) continue;
      bs.clients.delete(c);
      if (bs.clients.size === 0) this.prefixTable.delete(p);
    }
    c.tracking = null;
    this.clients--;
  }

  private subscribePrefix(c: Client, prefix: string): void {
    let bs = this.prefixTable.get(prefix);
    if (bs === undefined) {
      bs = { clients: new Set(), keys: new Map() };
      this.prefixTable.set(prefix, bs);
    }
    bs.clients.add(c);
    c.tracking!.prefixes.add(prefix);
  }

  /** The keyspaces signal modified keys to us while a table exists. */
  private installHooks(on: boolean): void {
    for (const db of this.server.dbs) db.onModified = on ? this.onModified : null;
  }

  // ------------------------------------------------------------------ the command path

  /**
   * call()'s part: a readonly command ran for the top-level client `current` (itself, or inside
   * its EXEC or script): remember the keys it read (trackingRememberKeys).
   */
  afterRead(cmd: Command, argv: readonly string[]): void {
    const c = this.current;
    const t = c?.tracking;
    if (t == null || t.bcast) return;
    // Read-only scripts (EVAL_RO, EVALSHA_RO, FCALL_RO) count by the commands they run, not by
    // their own keys.
    if (cmd.aclCategories.has('scripting')) return;
    if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
    // Shard channels look like keys to the key specs; they are not cached data.
    if (cmd.flags.has('pubsub')) return;
    const keys = getKeysFromCommand(cmd, argv);
    const table = this.table!;
    const id = c!.id;
    for (const k of keys) {
      const key = argv[k.pos];
      let ids = table.get(key);
      if (ids === undefined) {
        ids = new Set();
        table.set(key, ids);
      }
      if (!ids.has(id)) {
        ids.add(id);
        this.items++;
      }
    }
  }

  /**
   * The end of a client's command (resetClient and afterCommand): CLIENT CACHING lasts one
   * command or transaction; invalidations it caused for itself follow its reply.
   */
  afterCommand(c: Client): void {
    const t = c.tracking;
    if (t !== null && c.multi === null && (c.lastCommand?.parent ?? c.lastCommand)?.name !== 'client') t.caching = false;
    const pending = c.pendingInvalidations;
    if (pending !== null) {
      c.pendingInvalidations = null;
      for (const key of pending) this.send(c, key === null ? null : [key]);
    }
  }

  /** processCommand's part (trackingLimitUsedSlots): keep the table within tracking-table-max-keys. */
  limitUsedSlots(): void {
    const table = this.table;
    const max = this.server.config.trackingTableMaxKeys;
    if (table === null || max === 0) return;
    if (table.size <= max) {
      this.limitRounds = 0;
      return;
    }
    let effort = 100 * (this.limitRounds + 1);
    for (const key of table.keys()) {
      if (effort-- <= 0) break;
      this.invalidateKey(key, null, false);
      if (table.size <= max) {
        this.limitRounds = 0;
        return;
      }
    }
    this.limitRounds++;
  }

  // ------------------------------------------------------------------ invalidation

  /** trackingInvalidateKey: `modifier` changed `key` (null: expiry, eviction, the table's limit). */
  invalidateKey(key: string, modifier: Client | null, bcast: boolean): void {
    const table = this.table;
    if (table === null) return;
    if (bcast && this.prefixTable.size > 0) this.rememberForBroadcast(key, modifier);
    const ids = table.get(key);
    if (ids === undefined) return;
    const server = this.server;
    for (const id of ids) {
      const target = server.clients.get(id);
      const t = target?.tracking;
      if (t == null || t.bcast) continue;
      // NOLOOP: not about what the client's own command changed.
      if (t.noloop && target === this.current) continue;
      // Inside the current client's command, its invalidations follow the command's reply.
      if (target === this.current && server.executingCommand) {
        (target!.pendingInvalidations ??= []).push(key);
      } else {
        this.send(target!, [key]);
      }
    }
    this.items -= ids.size;
    table.delete(key);
  }

  /** trackingInvalidateKeysOnFlush: every tracking client is told "everything" (a null), the table empties. */
  flushed(): void {
    if (this.clients > 0) {
      for (const c of this.server.clients.values()) {
        if (c.tracking === null) continue;
        if (c === this.current && this.server.executingCommand) (c.pendingInvalidations ??= []).push(null);
        else this.send(c, null);
      }
    }
    if (this.table !== null) {
      this.table = new Map();
      this.items = 0;
    }
  }

  /** trackingRememberKeyToBroadcast: the key joins every prefix it starts with. */
  private rememberForBroadcast(key: string, modifier: Client | null): void {
    for (const [prefix, bs] of this.prefixTable) {
      if (prefix.length > key.length || !key.startsWith(prefix)) continue;
      if (!bs.keys.has(key)) bs.keys.set(key, modifier);
      this.scheduleBroadcast();
    }
  }

  private scheduleBroadcast(): void {
    if (this.broadcastScheduled) return;
    this.broadcastScheduled = true;
    setImmediate(() => {
      this.broadcastScheduled = false;
      this.broadcast();
    });
  }

  /** trackingBroadcastInvalidationMessages (beforeSleep): per prefix in order, its keys sorted. */
  private broadcast(): void {
    if (this.clients === 0) return;
    const prefixes = [...this.prefixTable.keys()].sort();
    for (const prefix of prefixes) {
      const bs = this.prefixTable.get(prefix)!;
      if (bs.keys.size === 0) continue;
      const pending = bs.keys;
      bs.keys = new Map();
      const keys = [...pending.keys()].sort();
      for (const c of bs.clients) {
        if (c.tracking!.noloop) {
          const own = keys.filter((k) => pending.get(k) !== c);
          if (own.length > 0) this.send(c, own);
        } else {
          this.send(c, keys);
        }
      }
    }
  }

  /** sendTrackingMessage: `keys`, or null for "everything" (a flush), to `c` or its redirect client. */
  private send(c: Client, keys: readonly string[] | null): void {
    const t = c.tracking;
    let target = c;
    let redirected = false;
    if (t !== null && t.redirect !== 0) {
      const redir = this.server.clients.get(t.redirect);
      if (redir === undefined) {
        t.brokenRedirect = true;
        // The client is told its redirection broke (RESP3 only: RESP2 has no pushes).
        if (c.resp > 2) {
          const r = c.pushSink ?? c.reply;
          r.pushLen(2);
          r.bulk('tracking-redir-broken');
          r.int(t.redirect);
          this.delivered(c);
        }
        return;
      }
      target = redir;
      redirected = true;
    }
    const r = target.pushSink ?? target.reply;
    if (target.resp > 2) {
      r.pushLen(2);
      r.bulk('invalidate');
    } else if (redirected && target.pubsub !== null) {
      r.pushLen(3);
      r.bulk('message');
      r.bulk(CHANNEL);
    } else {
      // RESP2 on the connection itself: nothing can carry it.
      return;
    }
    if (keys === null) {
      r.nullBulk();
    } else {
      r.arrayLen(keys.length);
      for (const k of keys) r.bulk(k);
    }
    this.delivered(target);
  }

  private delivered(c: Client): void {
    // The current client's output goes with its command's reply.
    if (c !== this.current) afterPush(this.server, c);
  }
}
