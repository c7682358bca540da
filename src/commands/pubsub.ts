import type { CommandFlag, CommandSpec } from '../server/command-spec.js';
import { keyAt, arg } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import { CommandError, subcommandSyntaxError } from '../protocol/errors.js';
import { GlobMatcher } from '../util/glob.js';
import { forcePropagation, PROPAGATE_REPL } from '../server/propagate.js';
import {
  confirmationCount,
  publish,
  publishShard,
  subscribe,
  subscribedNames,
  subscriberCount,
  unsubscribe,
  type Namespace,
  type Subscribers,
} from '../server/pubsub.js';

/**
 * Pub/Sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH SSUBSCRIBE SUNSUBSCRIBE
 * SPUBLISH PUBSUB (pubsub.c in Redis 7.0, standalone mode). The registries and delivery live in
 * src/server/pubsub.ts.
 */

// ---------------------------------------------------------------- (un)subscribe

/** One confirmation frame: [kind, name (null for "nothing to unsubscribe"), running count]. */
function confirm(c: Client, kind: string, name: string | null, count: number): void {
  const r = c.pushSink ?? c.reply;
  r.pushLen(3);
  r.bulk(kind);
  if (name === null) r.nullBulk();
  else r.bulk(name);
  r.int(count);
}

const KINDS: Record<Namespace, { sub: string; unsub: string }> = {
  channel: { sub: 'subscribe', unsub: 'unsubscribe' },
  pattern: { sub: 'psubscribe', unsub: 'punsubscribe' },
  shard: { sub: 'ssubscribe', unsub: 'sunsubscribe' },
};

function subscribeAll(c: Client, argv: string[], ns: Namespace): void {
  const kind = KINDS[ns].sub;
  for (let i = 1; i < argv.length; i++) {
    subscribe(c, ns, argv[i]);
    confirm(c, kind, argv[i], confirmationCount(c, ns));
  }
}

/** Named unsubscribes confirm each name; no names means all, or one null frame when none. */
function unsubscribeAll(c: Client, argv: string[], ns: Namespace): void {
  const kind = KINDS[ns].unsub;
  const names = argv.length > 1 ? argv.slice(1) : subscribedNames(c, ns);
  if (names.length === 0) {
    confirm(c, kind, null, confirmationCount(c, ns));
    return;
  }
  for (const name of names) {
    unsubscribe(c, ns, name);
    confirm(c, kind, name, confirmationCount(c, ns));
  }
}

/** Scripts, EXEC and synchronous embedded calls expect one reply per command (CLIENT_DENY_BLOCKING). */
function denyIfCannotBlock(c: Client, name: string): void {
  if (c.denyBlocking) throw new CommandError(`ERR ${name} isn't allowed for a DENY BLOCKING client`);
}

// SUBSCRIBE channel [channel ...]
function subscribeCommand(c: Client, argv: string[]): void {
  // Redis lets SUBSCRIBE run inside MULTI for backward compatibility (EXEC is our only
  // deny-blocking context besides synchronous embedded calls).
  subscribeAll(c, argv, 'channel');
}

// UNSUBSCRIBE [channel ...]
function unsubscribeCommand(c: Client, argv: string[]): void {
  unsubscribeAll(c, argv, 'channel');
}

// PSUBSCRIBE pattern [pattern ...]
function psubscribeCommand(c: Client, argv: string[]): void {
  subscribeAll(c, argv, 'pattern');
}

// PUNSUBSCRIBE [pattern ...]
function punsubscribeCommand(c: Client, argv: string[]): void {
  unsubscribeAll(c, argv, 'pattern');
}

// SSUBSCRIBE shardchannel [shardchannel ...]
function ssubscribeCommand(c: Client, argv: string[]): void {
  denyIfCannotBlock(c, 'SSUBSCRIBE');
  subscribeAll(c, argv, 'shard');
}

// SUNSUBSCRIBE [shardchannel ...]
function sunsubscribeCommand(c: Client, argv: string[]): void {
  unsubscribeAll(c, argv, 'shard');
}

// ---------------------------------------------------------------- publish

// PUBLISH channel message
function publishCommand(c: Client, argv: string[]): void {
  c.reply.int(publish(c.server, argv[1], argv[2]));
  // Replicas' subscribers get the message too (not the AOF: nothing in the dataset changed).
  forcePropagation(c, PROPAGATE_REPL);
}

// SPUBLISH shardchannel message
function spublishCommand(c: Client, argv: string[]): void {
  c.reply.int(publishShard(c.server, argv[1], argv[2]));
  forcePropagation(c, PROPAGATE_REPL);
}

// ---------------------------------------------------------------- PUBSUB introspection

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

function subcommandSyntax(argv: string[]): CommandError {
  return new CommandError(subcommandSyntaxError(argv));
}

// PUBSUB HELP
function pubsubHelpCommand(c: Client): void {
  c.reply.arrayLen(PUBSUB_HELP.length);
  for (const line of PUBSUB_HELP) c.reply.simple(line);
}

/** Channel names (of one registry map) matching an optional pattern. */
function listChannels(c: Client, argv: string[], names: Iterable<string>): void {
  if (argv.length > 3) throw subcommandSyntax(argv);
  const matcher = argv.length === 3 ? new GlobMatcher(argv[2]) : null;
  const out: string[] = [];
  for (const name of names) if (matcher === null || matcher.matches(name)) out.push(name);
  c.reply.arrayLen(out.length);
  for (const name of out) c.reply.bulk(name);
}

// PUBSUB CHANNELS [pattern]
function pubsubChannelsCommand(c: Client, argv: string[]): void {
  listChannels(c, argv, c.server.pubsub.channels.keys());
}

// PUBSUB SHARDCHANNELS [pattern]
function pubsubShardChannelsCommand(c: Client, argv: string[]): void {
  listChannels(c, argv, c.server.pubsub.shardChannels.keys());
}

/** A flat array of (channel, subscriber count) pairs, as Redis replies (not a map, even in RESP3). */
function numSub(c: Client, argv: string[], map: Map<string, Subscribers>): void {
  c.reply.arrayLen((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    c.reply.bulk(argv[i]);
    c.reply.int(subscriberCount(map.get(argv[i])));
  }
}

// PUBSUB NUMSUB [channel ...]
function pubsubNumsubCommand(c: Client, argv: string[]): void {
  numSub(c, argv, c.server.pubsub.channels);
}

// PUBSUB SHARDNUMSUB [shardchannel ...]
function pubsubShardNumsubCommand(c: Client, argv: string[]): void {
  numSub(c, argv, c.server.pubsub.shardChannels);
}

// PUBSUB NUMPAT
function pubsubNumpatCommand(c: Client): void {
  c.reply.int(c.server.pubsub.patterns.size);
}

// ---------------------------------------------------------------- table

const SUBSCRIBE_FLAGS: CommandFlag[] = ['pubsub', 'noscript', 'loading', 'stale', 'pubsub_context'];
const PUBLISH_FLAGS: CommandFlag[] = ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'];
const INTROSPECTION_FLAGS: CommandFlag[] = ['pubsub', 'loading', 'stale'];

/** Shard channel arguments are declared like keys (for cluster slot routing), flagged NOT_KEY. */
const shardChannels = (lastkey: number) => [keyAt(1, ['NOT_KEY'], lastkey)];

export const PUBSUB_COMMANDS: CommandSpec[] = [
  {
    name: 'subscribe',
    summary: 'Listens for messages published to the given channels.',
    since: '2.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of channels to subscribe to.',
    arity: -2,
    flags: SUBSCRIBE_FLAGS,
    args: [arg.string('channel', { multiple: true })],
    aclChannels: { first: 1, last: -1 },
    handler: subscribeCommand,
  },
  {
    name: 'unsubscribe',
    summary: 'Stops listening to messages posted to channels (all of them when none is given).',
    since: '2.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of clients already subscribed to a channel.',
    arity: -1,
    flags: SUBSCRIBE_FLAGS,
    args: [arg.string('channel', { optional: true, multiple: true })],
    handler: unsubscribeCommand,
  },
  {
    name: 'psubscribe',
    summary: 'Listens for messages published to channels matching the given glob patterns.',
    since: '2.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of patterns the client is already subscribed to.',
    arity: -2,
    flags: SUBSCRIBE_FLAGS,
    args: [arg.block('pattern', [arg.pattern('pattern')], { multiple: true })],
    aclChannels: { first: 1, last: -1, pattern: true },
    handler: psubscribeCommand,
  },
  {
    name: 'punsubscribe',
    summary: 'Stops listening to messages published to channels matching the given patterns (all when none is given).',
    since: '2.0.0',
    group: 'pubsub',
    complexity:
      'O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).',
    arity: -1,
    flags: SUBSCRIBE_FLAGS,
    args: [arg.pattern('pattern', { optional: true, multiple: true })],
    handler: punsubscribeCommand,
  },
  {
    name: 'publish',
    summary: 'Posts a message to a channel and returns how many subscribers received it.',
    since: '2.0.0',
    group: 'pubsub',
    complexity:
      'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).',
    arity: 3,
    flags: PUBLISH_FLAGS,
    args: [arg.string('channel'), arg.string('message')],
    aclChannels: { first: 1, last: 1 },
    handler: publishCommand,
  },
  {
    name: 'ssubscribe',
    summary: 'Listens for messages published to the given shard channels.',
    since: '7.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of shard channels to subscribe to.',
    arity: -2,
    flags: SUBSCRIBE_FLAGS,
    keys: shardChannels(-1),
    args: [arg.string('shardchannel', { multiple: true })],
    aclChannels: { first: 1, last: -1 },
    handler: ssubscribeCommand,
  },
  {
    name: 'sunsubscribe',
    summary: 'Stops listening to messages posted to shard channels (all of them when none is given).',
    since: '7.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of clients already subscribed to a shard channel.',
    arity: -1,
    flags: SUBSCRIBE_FLAGS,
    keys: shardChannels(-1),
    args: [arg.string('shardchannel', { optional: true, multiple: true })],
    handler: sunsubscribeCommand,
  },
  {
    name: 'spublish',
    summary: 'Posts a message to a shard channel and returns how many subscribers received it.',
    since: '7.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of clients subscribed to the receiving shard channel.',
    arity: 3,
    flags: PUBLISH_FLAGS,
    keys: shardChannels(0),
    args: [arg.string('shardchannel'), arg.string('message')],
    aclChannels: { first: 1, last: 1 },
    handler: spublishCommand,
  },
  {
    name: 'pubsub',
    summary: 'Introspection of the Pub/Sub subsystem.',
    since: '2.8.0',
    group: 'pubsub',
    complexity: 'Depends on subcommand.',
    arity: -2,
    flags: [],
    subcommands: [
      {
        name: 'channels',
        summary: 'Lists the channels that have subscribers, optionally only those matching a pattern.',
        since: '2.8.0',
        group: 'pubsub',
        complexity:
          'O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)',
        arity: -2,
        flags: INTROSPECTION_FLAGS,
        args: [arg.pattern('pattern', { optional: true })],
        handler: pubsubChannelsCommand,
      },
      {
        name: 'help',
        summary: 'Lists the PUBSUB subcommands.',
        since: '6.2.0',
        group: 'pubsub',
        complexity: 'O(1)',
        arity: 2,
        flags: ['loading', 'stale'],
        handler: pubsubHelpCommand,
      },
      {
        name: 'numpat',
        summary: 'Counts the distinct patterns clients are subscribed to.',
        since: '2.8.0',
        group: 'pubsub',
        complexity: 'O(1)',
        arity: 2,
        flags: INTROSPECTION_FLAGS,
        handler: pubsubNumpatCommand,
      },
      {
        name: 'numsub',
        summary: 'Counts the subscribers of each given channel (pattern subscribers excluded).',
        since: '2.8.0',
        group: 'pubsub',
        complexity: 'O(N) for the NUMSUB subcommand, where N is the number of requested channels',
        arity: -2,
        flags: INTROSPECTION_FLAGS,
        args: [arg.string('channel', { optional: true, multiple: true })],
        handler: pubsubNumsubCommand,
      },
      {
        name: 'shardchannels',
        summary: 'Lists the shard channels that have subscribers, optionally only those matching a pattern.',
        since: '7.0.0',
        group: 'pubsub',
        complexity:
          'O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).',
        arity: -2,
        flags: INTROSPECTION_FLAGS,
        args: [arg.pattern('pattern', { optional: true })],
        handler: pubsubShardChannelsCommand,
      },
      {
        name: 'shardnumsub',
        summary: 'Counts the subscribers of each given shard channel.',
        since: '7.0.0',
        group: 'pubsub',
        complexity: 'O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels',
        arity: -2,
        flags: INTROSPECTION_FLAGS,
        args: [arg.string('shardchannel', { optional: true, multiple: true })],
        handler: pubsubShardNumsubCommand,
      },
    ],
  },
];
