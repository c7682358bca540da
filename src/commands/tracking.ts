import { arg, type CommandFlag, type CommandSpec } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { parseInteger } from '../util/number.js';

/**
 * CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO (networking.c's client-side caching part): the
 * checks and replies as Redis 7.0 gives them; the tables and invalidations are
 * src/server/tracking.ts.
 */

// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
function clientTrackingCommand(c: Client, argv: string[]): void {
  const server = c.server;
  let redirect = 0;
  const opts = { bcast: false, optin: false, optout: false, noloop: false };
  const prefixes: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const moreArgs = argv.length - 1 - j;
    if (opt === 'redirect' && moreArgs > 0) {
      j++;
      if (redirect !== 0) throw new CommandError('ERR A client can only redirect to a single other client');
      const id = parseInteger(argv[j]);
      if (id === null) throw new CommandError(Errors.notInteger);
      // The client must exist now, though it may go away later.
      if (typeof id === 'bigint' || !server.clients.has(id)) throw new CommandError('ERR The client ID you want redirect to does not exist');
      redirect = id;
    } else if (opt === 'bcast') {
      opts.bcast = true;
    } else if (opt === 'optin') {
      opts.optin = true;
    } else if (opt === 'optout') {
      opts.optout = true;
    } else if (opt === 'noloop') {
      opts.noloop = true;
    } else if (opt === 'prefix' && moreArgs > 0) {
      j++;
      prefixes.push(argv[j]);
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  const mode = argv[2].toLowerCase();
  if (mode === 'off') {
    server.tracking.disable(c);
    c.reply.ok();
    return;
  }
  if (mode !== 'on') throw new CommandError(Errors.syntax);
  if (!opts.bcast && prefixes.length > 0) throw new CommandError('ERR PREFIX option requires BCAST mode to be enabled');
  const t = c.tracking;
  if (t !== null && t.bcast !== opts.bcast) {
    throw new CommandError(
      "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
    );
  }
  if (opts.bcast && (opts.optin || opts.optout)) throw new CommandError('ERR OPTIN and OPTOUT are not compatible with BCAST');
  if (opts.optin && opts.optout) throw new CommandError("ERR You can't specify both OPTIN mode and OPTOUT mode");
  if ((opts.optin && t !== null && t.optout) || (opts.optout && t !== null && t.optin)) {
    throw new CommandError(
      "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
    );
  }
  if (opts.bcast && !prefixesAccepted(c, prefixes)) return;
  server.tracking.enable(c, redirect, opts, prefixes);
  c.reply.ok();
}

/** memcmp over the shorter length: one prefix of the other (stringCheckPrefix). */
function overlap(a: string, b: string): boolean {
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}

/**
 * checkPrefixCollisionsOrReply. Redis 7.0 answers an overlap between two given prefixes with an
 * error, but unless it is the first prefix that overlaps, goes on to enable tracking and answer
 * OK as well: two replies, reproduced as clients of 7.0 see them.
 */
function prefixesAccepted(c: Client, prefixes: readonly string[]): boolean {
  const existing = c.tracking === null ? [] : [...c.tracking.prefixes].sort();
  for (let i = 0; i < prefixes.length; i++) {
    for (const old of existing) {
      if (overlap(old, prefixes[i])) {
        c.server.replyError(c, `ERR Prefix '${prefixes[i]}' overlaps with an existing prefix '${old}'. Prefixes for a single client must not overlap.`);
        return false;
      }
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (overlap(prefixes[i], prefixes[j])) {
        c.server.replyError(c, `ERR Prefix '${prefixes[i]}' overlaps with another provided prefix '${prefixes[j]}'. Prefixes for a single client must not overlap.`);
        return i !== 0;
      }
    }
  }
  return true;
}

// CLIENT CACHING YES|NO
function clientCachingCommand(c: Client, argv: string[]): void {
  const t = c.tracking;
  if (t === null) {
    throw new CommandError('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  }
  const opt = argv[2].toLowerCase();
  if (opt === 'yes') {
    if (!t.optin) throw new CommandError('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (opt === 'no') {
    if (!t.optout) throw new CommandError('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else {
    throw new CommandError(Errors.syntax);
  }
  t.caching = true;
  c.reply.ok();
}

// CLIENT GETREDIR
function clientGetRedirCommand(c: Client): void {
  c.reply.int(c.tracking === null ? -1 : c.tracking.redirect);
}

// CLIENT TRACKINGINFO
function clientTrackingInfoCommand(c: Client): void {
  const t = c.tracking;
  const r = c.reply;
  const flags: string[] = [t !== null ? 'on' : 'off'];
  if (t !== null) {
    if (t.bcast) flags.push('bcast');
    if (t.optin) {
      flags.push('optin');
      if (t.caching) flags.push('caching-yes');
    }
    if (t.optout) {
      flags.push('optout');
      if (t.caching) flags.push('caching-no');
    }
    if (t.noloop) flags.push('noloop');
    if (t.brokenRedirect) flags.push('broken_redirect');
  }
  r.mapLen(3);
  r.bulk('flags');
  r.setLen(flags.length);
  for (const f of flags) r.bulk(f);
  r.bulk('redirect');
  r.int(t === null ? -1 : t.redirect);
  r.bulk('prefixes');
  const prefixes = t === null ? [] : [...t.prefixes].sort();
  r.arrayLen(prefixes.length);
  for (const p of prefixes) r.bulk(p);
}

const SUB: CommandFlag[] = ['noscript', 'loading', 'stale'];

/** CLIENT's client-side caching subcommands (spread into CLIENT's table entry). */
export const CLIENT_TRACKING_SUBCOMMANDS: CommandSpec[] = [
  {
    name: 'caching',
    summary: 'Tells the server whether the next command (or transaction) of this OPTIN / OPTOUT tracking connection tracks keys.',
    since: '6.0.0',
    group: 'connection',
    complexity: 'O(1)',
    arity: 3,
    flags: SUB,
    acl: ['connection'],
    args: [arg.oneOf('mode', [arg.token('YES'), arg.token('NO')])],
    handler: clientCachingCommand,
  },
  {
    name: 'getredir',
    summary: "Returns the id of the client this connection's invalidation messages go to.",
    since: '6.0.0',
    group: 'connection',
    complexity: 'O(1)',
    arity: 2,
    flags: SUB,
    acl: ['connection'],
    handler: clientGetRedirCommand,
  },
  {
    name: 'tracking',
    summary: 'Turns server-assisted client-side caching on or off for this connection.',
    since: '6.0.0',
    group: 'connection',
    complexity: 'O(1). Some options may introduce additional complexity.',
    arity: -3,
    flags: SUB,
    acl: ['connection'],
    args: [
      arg.oneOf('status', [arg.token('ON'), arg.token('OFF')]),
      arg.integer('client-id', { token: 'REDIRECT', optional: true }),
      arg.string('prefix', { token: 'PREFIX', optional: true, multiple: true, multipleToken: true }),
      arg.token('BCAST', { optional: true }),
      arg.token('OPTIN', { optional: true }),
      arg.token('OPTOUT', { optional: true }),
      arg.token('NOLOOP', { optional: true }),
    ],
    handler: clientTrackingCommand,
  },
  {
    name: 'trackinginfo',
    summary: "Returns this connection's client-side caching settings.",
    since: '6.2.0',
    group: 'connection',
    complexity: 'O(1)',
    arity: 2,
    flags: SUB,
    acl: ['connection'],
    handler: clientTrackingInfoCommand,
  },
];
