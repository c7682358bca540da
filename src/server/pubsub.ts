import { GlobMatcher } from '../util/glob.js';
import type { Client } from './client.js';
import type { Server } from './server.js';

/**
 * Pub/Sub registries and delivery (Redis's pubsub.c, non-cluster 7.0 semantics).
 *
 * Three independent namespaces: channels (SUBSCRIBE/PUBLISH), patterns (PSUBSCRIBE, matched against
 * published channel names with the KEYS glob rules) and shard channels (SSUBSCRIBE/SPUBLISH, which
 * never match patterns). Each has a server-wide map name → subscribers and a per-client set of
 * names (the same string objects). A channel's subscribers are the client itself while it is the
 * only one (the common case of many per-user channels: a one-entry `Set` would cost ~150 more
 * bytes per channel), else a `Set`: insertion order gives Redis's delivery order (its per-channel
 * client lists append), and unsubscribing is O(1). Measured with 13-byte channel names, one client:
 * ~120 bytes of V8 heap per channel subscription (Redis 7.0: ~206 of used_memory).
 *
 * Delivery writes the frame into the subscriber's reply buffer and queues the connection for one
 * flush on the next turn of the event loop, so a burst of PUBLISHes costs one socket write per
 * subscriber. The pubsub class of client-output-buffer-limit is enforced as each frame is added
 * (the check all classes share: src/server/client-buffers.ts).
 */

/** One client's subscriptions; `Client.pubsub` is null while it has none (Redis's CLIENT_PUBSUB). */
export class ClientSubscriptions {
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();

  get total(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size;
  }
}

/** A channel's subscribers: the only one, or several in subscription order. */
export type Subscribers = Client | Set<Client>;

/** How many clients a registry entry holds. */
export function subscriberCount(subs: Subscribers | undefined): number {
  return subs === undefined ? 0 : subs instanceof Set ? subs.size : 1;
}

interface PatternEntry {
  readonly matcher: GlobMatcher;
  readonly clients: Set<Client>;
}

/** The server-wide side: who listens to what, plus the clients waiting for a flush. */
export class PubSubRegistry {
  readonly channels = new Map<string, Subscribers>();
  readonly patterns = new Map<string, PatternEntry>();
  readonly shardChannels = new Map<string, Subscribers>();
  private readonly toFlush = new Set<Client>();
  private scheduled = false;

  /** Queues a client's connection for a flush on the next event loop turn (pub/sub, MONITOR). */
  scheduleFlush(c: Client): void {
    this.toFlush.add(c);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    const flushing = [...this.toFlush];
    this.toFlush.clear();
    for (const c of flushing) if (!c.closeAsap) c.flushHook?.();
  }
}

function subscriptionsOf(c: Client): ClientSubscriptions {
  let s = c.pubsub;
  if (s === null) {
    s = new ClientSubscriptions();
    c.pubsub = s;
  }
  return s;
}

/** Leaves pub/sub mode once the last subscription of any kind is gone. */
function settle(c: Client): void {
  if (c.pubsub !== null && c.pubsub.total === 0) c.pubsub = null;
}

export type Namespace = 'channel' | 'pattern' | 'shard';

/** Subscribes to one channel, pattern or shard channel; false if it was already subscribed. */
export function subscribe(c: Client, ns: Namespace, name: string): boolean {
  const mine = subscriptionsOf(c);
  const reg = c.server.pubsub;
  const own = ns === 'channel' ? mine.channels : ns === 'pattern' ? mine.patterns : mine.shardChannels;
  if (own.has(name)) return false;
  own.add(name);
  if (ns === 'pattern') {
    let entry = reg.patterns.get(name);
    if (entry === undefined) {
      entry = { matcher: new GlobMatcher(name), clients: new Set() };
      reg.patterns.set(name, entry);
    }
    entry.clients.add(c);
  } else {
    const map = ns === 'channel' ? reg.channels : reg.shardChannels;
    const subs = map.get(name);
    if (subs === undefined) map.set(name, c);
    else if (subs instanceof Set) subs.add(c);
    else map.set(name, new Set([subs, c]));
  }
  return true;
}

/** Unsubscribes from one name; false if the client was not subscribed to it. */
export function unsubscribe(c: Client, ns: Namespace, name: string): boolean {
  const mine = c.pubsub;
  if (mine === null) return false;
  const own = ns === 'channel' ? mine.channels : ns === 'pattern' ? mine.patterns : mine.shardChannels;
  if (!own.delete(name)) return false;
  const reg = c.server.pubsub;
  if (ns === 'pattern') {
    const entry = reg.patterns.get(name);
    if (entry !== undefined) {
      entry.clients.delete(c);
      if (entry.clients.size === 0) reg.patterns.delete(name);
    }
  } else {
    const map = ns === 'channel' ? reg.channels : reg.shardChannels;
    const subs = map.get(name);
    if (subs === c) {
      map.delete(name);
    } else if (subs instanceof Set) {
      subs.delete(c);
      // Back to the compact form once one subscriber remains.
      if (subs.size === 1) map.set(name, subs.values().next().value as Client);
    }
  }
  settle(c);
  return true;
}

/** The names a client is subscribed to in one namespace, in subscription order (a copy). */
export function subscribedNames(c: Client, ns: Namespace): string[] {
  const mine = c.pubsub;
  if (mine === null) return [];
  return [...(ns === 'channel' ? mine.channels : ns === 'pattern' ? mine.patterns : mine.shardChannels)];
}

/**
 * The running count Redis reports in (un)subscribe confirmations: channels + patterns for the
 * classic commands, shard channels alone for the sharded ones.
 */
export function confirmationCount(c: Client, ns: Namespace): number {
  const mine = c.pubsub;
  if (mine === null) return 0;
  return ns === 'shard' ? mine.shardChannels.size : mine.channels.size + mine.patterns.size;
}

/** Drops every subscription silently (disconnect, RESET, output buffer overrun). */
export function forgetClient(c: Client): void {
  const mine = c.pubsub;
  if (mine === null) return;
  for (const ch of [...mine.channels]) unsubscribe(c, 'channel', ch);
  for (const p of [...mine.patterns]) unsubscribe(c, 'pattern', p);
  for (const s of [...mine.shardChannels]) unsubscribe(c, 'shard', s);
  c.pubsub = null;
}

// ---------------------------------------------------------------- delivery

/**
 * PUBLISH: delivers `message` to the channel's subscribers, then to every client of every pattern
 * matching it. Returns the number of deliveries (a client matched by two patterns counts twice).
 * Keyspace notifications call this too.
 */
export function publish(server: Server, channel: string, message: string): number {
  const reg = server.pubsub;
  let receivers = 0;
  const subs = reg.channels.get(channel);
  if (subs !== undefined) {
    if (subs instanceof Set) {
      for (const c of subs) sendMessage(reg, c, 'message', channel, message);
      receivers = subs.size;
    } else {
      sendMessage(reg, subs, 'message', channel, message);
      receivers = 1;
    }
  }
  if (reg.patterns.size > 0) {
    for (const [pattern, entry] of reg.patterns) {
      if (!entry.matcher.matches(channel)) continue;
      for (const c of entry.clients) {
        receivers++;
        if (!canDeliver(c)) continue;
        const r = c.pushSink ?? c.reply;
        r.pushLen(4);
        r.bulk('pmessage');
        r.bulk(pattern);
        r.bulk(channel);
        r.bulk(message);
        delivered(reg, c);
      }
    }
  }
  return receivers;
}

/** SPUBLISH: delivers to the shard channel's subscribers only (patterns never see shard messages). */
export function publishShard(server: Server, channel: string, message: string): number {
  const reg = server.pubsub;
  const subs = reg.shardChannels.get(channel);
  if (subs === undefined) return 0;
  if (!(subs instanceof Set)) {
    sendMessage(reg, subs, 'smessage', channel, message);
    return 1;
  }
  for (const c of subs) sendMessage(reg, c, 'smessage', channel, message);
  return subs.size;
}

/** A [kind, channel, message] frame (message or smessage). */
function sendMessage(reg: PubSubRegistry, c: Client, kind: string, channel: string, message: string): void {
  if (!canDeliver(c)) return;
  const r = c.pushSink ?? c.reply;
  r.pushLen(3);
  r.bulk(kind);
  r.bulk(channel);
  r.bulk(message);
  delivered(reg, c);
}

/** A client marked for closing (output buffer limit) gets nothing more. */
function canDeliver(c: Client): boolean {
  return !c.closeAsap;
}

/** After a frame was added: enforce the output buffer limit, and make sure it gets written. */
function delivered(reg: PubSubRegistry, c: Client): void {
  if (c.server.clientBuffers.closeOnOutputLimit(c, true)) return;
  if (c.flushHook !== null) reg.scheduleFlush(c);
}

/** A push frame was added to `c`'s output by another client's command (client-side caching's invalidations). */
export function afterPush(server: Server, c: Client): void {
  delivered(server.pubsub, c);
}

// ---------------------------------------------------------------- server-wide counts

/** pubsub_channels, pubsub_patterns, pubsubshard_channels (INFO stats). */
export function serverCounts(server: Server): [number, number, number] {
  const reg = server.pubsub;
  return [reg.channels.size, reg.patterns.size, reg.shardChannels.size];
}
