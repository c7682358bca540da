import { randomBytes } from 'node:crypto';
import type { CommandFlag, CommandSpec } from '../server/command-spec.js';
import { arg, withDocs } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import type { Command } from '../server/command-table.js';
import { ACL_CATEGORIES } from '../server/command-table.js';
import { CommandError, Errors, sanitizeErrorLine, subcommandSyntaxError } from '../protocol/errors.js';
import { parseInteger } from '../util/number.js';
import { writeHelp } from './introspection.js';
import { Acl, ACL_OK, dryrunMessage, validUsername } from '../server/acl/acl.js';
import { categoryBit, type Selector } from '../server/acl/selector.js';
import type { User } from '../server/acl/user.js';
import { loadAclFile, saveAclFile } from '../server/acl/file.js';

/**
 * ACL: users and their rules, the ACL log, dry runs (acl.c's aclCommand in Redis 7.0). The rules
 * and checks live in src/server/acl; this file parses arguments and shapes replies.
 */

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** getLongFromObjectOrReply. */
function parseLongOrThrow(s: string): number {
  const v = parseInteger(s);
  if (v === null || v < LONG_MIN || v > LONG_MAX) throw new CommandError(Errors.notInteger);
  return Number(v);
}

// ACL SETUSER username [rule [rule ...]]
function aclSetuserCommand(c: Client, argv: string[]): void {
  // The rules may hold passwords: MONITOR and SLOWLOG show none of the arguments.
  for (let i = 2; i < argv.length; i++) c.redactArgument(argv, i);
  const name = argv[2];
  if (!validUsername(name)) throw new CommandError("ERR Usernames can't contain spaces or null characters");
  const server = c.server;
  const error = server.acl.setUser(name, argv.slice(3), (before, after) => dropRevokedSubscribers(c, before, after));
  if (error !== null) throw new CommandError(sanitizeErrorLine('ERR ' + error));
  c.reply.ok();
}

/** Subscribers of a changed user that lost a channel they listen to are disconnected. */
function dropRevokedSubscribers(c: Client, before: User, after: User): void {
  const revoked = c.server.acl.revokedChannels(before, after);
  if (revoked === null) return;
  for (const other of [...c.server.clients.values()]) {
    if (other.user !== before || other.pubsub === null || !revoked(other)) continue;
    closeClient(c, other);
  }
}

/** Disconnects `other`; the client running the command is closed once its reply is written. */
function closeClient(c: Client, other: Client): void {
  if (other === c) c.closeAfterReply = true;
  else other.closeHook?.();
}

// ACL GETUSER username
function aclGetuserCommand(c: Client, argv: string[]): void {
  const u = c.server.acl.users.get(argv[2]);
  const r = c.reply;
  if (u === undefined) return r.nullBulk();
  r.mapLen(6);
  r.bulk('flags');
  const flags = u.flagNames();
  r.setLen(flags.length);
  for (const f of flags) r.bulk(f);
  r.bulk('passwords');
  r.arrayLen(u.passwords.length);
  for (const p of u.passwords) r.bulk(p);
  writeSelector(c, u.root);
  r.bulk('selectors');
  r.arrayLen(u.selectors.length - 1);
  for (let i = 1; i < u.selectors.length; i++) {
    r.mapLen(3);
    writeSelector(c, u.selectors[i]);
  }
}

/** aclAddReplySelectorDescription: commands, keys, channels. */
function writeSelector(c: Client, s: Selector): void {
  const r = c.reply;
  r.bulk('commands');
  r.bulk(s.describeCommands());
  r.bulk('keys');
  r.bulk(s.describeKeys());
  r.bulk('channels');
  r.bulk(s.describeChannels());
}

// ACL DELUSER username [username ...]
function aclDeluserCommand(c: Client, argv: string[]): void {
  for (let j = 2; j < argv.length; j++) {
    if (argv[j] === 'default') throw new CommandError("ERR The 'default' user cannot be removed");
  }
  const acl = c.server.acl;
  let deleted = 0;
  for (let j = 2; j < argv.length; j++) {
    const u = acl.users.get(argv[j]);
    if (u === undefined) continue;
    acl.users.delete(argv[j]);
    deleted++;
    dropUserClients(c, u);
  }
  c.reply.int(deleted);
}

/** ACLFreeUserAndKillClients: the user's clients go back to the default user, unauthenticated, and are closed. */
function dropUserClients(c: Client, u: User): void {
  const acl = c.server.acl;
  for (const other of [...c.server.clients.values()]) {
    if (other.user !== u) continue;
    other.user = acl.defaultUser;
    other.authenticated = false;
    closeClient(c, other);
  }
}

// ACL USERS
function aclUsersCommand(c: Client): void {
  const users = c.server.acl.sortedUsers();
  c.reply.arrayLen(users.length);
  for (const u of users) c.reply.bulk(u.name);
}

// ACL LIST
function aclListCommand(c: Client): void {
  const users = c.server.acl.sortedUsers();
  c.reply.arrayLen(users.length);
  for (const u of users) c.reply.bulk(`user ${u.name} ${u.describe()}`);
}

// ACL WHOAMI
function aclWhoamiCommand(c: Client): void {
  c.reply.bulk(c.userName);
}

// ACL CAT [category]
function aclCatCommand(c: Client, argv: string[]): void {
  const r = c.reply;
  if (argv.length === 2) {
    r.arrayLen(ACL_CATEGORIES.length);
    for (const cat of ACL_CATEGORIES) r.bulk(cat);
    return;
  }
  if (argv.length !== 3) throw new CommandError(subcommandSyntaxError(argv));
  const bit = categoryBit(argv[2].toLowerCase());
  if (bit === 0) throw new CommandError(sanitizeErrorLine(`ERR Unknown category '${argv[2].slice(0, 128)}'`));
  const names: string[] = [];
  const commands = c.server.acl.commands;
  for (let id = 0; id < commands.count; id++) {
    if ((commands.categoryBits[id] & bit) !== 0) names.push(commands.all[id].fullName);
  }
  r.arrayLen(names.length);
  for (const n of names) r.bulk(n);
}

const GENPASS_MAX_BITS = 4096;

// ACL GENPASS [bits]
function aclGenpassCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) throw new CommandError(subcommandSyntaxError(argv));
  const bits = argv.length === 3 ? parseLongOrThrow(argv[2]) : 256;
  if (bits <= 0 || bits > GENPASS_MAX_BITS) {
    throw new CommandError(`ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to ${GENPASS_MAX_BITS}`);
  }
  const chars = Math.floor((bits + 3) / 4);
  c.reply.bulk(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
}

// ACL DRYRUN username command [arg [arg ...]]
function aclDryrunCommand(c: Client, argv: string[]): void {
  const server = c.server;
  const u = server.acl.users.get(argv[2]);
  if (u === undefined) throw new CommandError(sanitizeErrorLine(`ERR User '${cString(argv[2])}' not found`));
  const target = argv.slice(3);
  // lookupCommand: a container with arguments names a subcommand, unknown ones included.
  let cmd: Command | undefined = server.commands.lookup(target[0]);
  if (cmd !== undefined && cmd.subcommands !== null && target.length >= 2) {
    cmd = cmd.subcommands.get(target[1]) ?? cmd.subcommands.get(target[1].toLowerCase());
  }
  if (cmd === undefined) throw new CommandError(sanitizeErrorLine(`ERR Command '${cString(target[0])}' not found`));
  const arity = cmd.arity;
  if ((arity > 0 && target.length !== arity) || target.length < -arity) {
    throw new CommandError(`ERR wrong number of arguments for '${cmd.fullName}' command`);
  }
  const check = server.acl.check(u, cmd, target);
  if (check.result !== ACL_OK) return c.reply.bulk(dryrunMessage(check.result, cmd, target[check.pos]));
  c.reply.ok();
}

// ACL LOG [count | RESET]
function aclLogCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) throw new CommandError(subcommandSyntaxError(argv));
  const acl = c.server.acl;
  let count = 10;
  if (argv.length === 3) {
    if (argv[2].toLowerCase() === 'reset') {
      acl.log = [];
      return c.reply.ok();
    }
    count = parseLongOrThrow(argv[2]);
    if (count < 0) count = 0;
  }
  count = Math.min(count, acl.log.length);
  const now = Date.now();
  const r = c.reply;
  r.arrayLen(count);
  for (let i = 0; i < count; i++) {
    const e = acl.log[i];
    r.mapLen(7);
    r.bulk('count');
    r.int(e.count);
    r.bulk('reason');
    r.bulk(Acl.reasonName(e.reason));
    r.bulk('context');
    r.bulk(e.context);
    r.bulk('object');
    r.bulk(e.object);
    r.bulk('username');
    r.bulk(e.username);
    r.bulk('age-seconds');
    r.double((now - e.ctime) / 1000);
    r.bulk('client-info');
    r.bulk(e.clientInfo);
  }
}

const NO_ACL_FILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command ' +
  'and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

// ACL LOAD
function aclLoadCommand(c: Client): void {
  const filename = c.server.config.get('aclfile') ?? '';
  if (filename === '') throw new CommandError(NO_ACL_FILE);
  // The users replaced lose their clients (Redis 7.0 frees the old users, closing their clients).
  const error = loadAclFile(c.server.acl, filename, (u) => dropUserClients(c, u));
  if (error !== null) throw new CommandError(sanitizeErrorLine('ERR ' + error));
  c.reply.ok();
}

// ACL SAVE
function aclSaveCommand(c: Client): void {
  const filename = c.server.config.get('aclfile') ?? '';
  if (filename === '') throw new CommandError(NO_ACL_FILE);
  if (!saveAclFile(c.server.acl, filename, (m) => c.server.log.warning(m))) {
    throw new CommandError('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
  }
  c.reply.ok();
}

const ACL_HELP = [
  'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
  'HELP',
  '    Prints this help.',
];

// ACL HELP
function aclHelpCommand(c: Client): void {
  writeHelp(c.reply, ACL_HELP);
}

/** What `%s` prints of a string: up to its first NUL. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

const ADMIN: CommandFlag[] = ['admin', 'noscript', 'loading', 'stale'];
const PLAIN: CommandFlag[] = ['noscript', 'loading', 'stale'];
const SUB = { since: '6.0.0', group: 'server' };

export const ACL_COMMANDS: CommandSpec[] = [
  {
    name: 'acl',
    summary: 'Groups the commands that manage ACL users, their rules and the ACL log.',
    since: '6.0.0',
    group: 'server',
    complexity: 'Depends on subcommand.',
    arity: -2,
    flags: [],
    subcommands: [
      {
        ...SUB,
        name: 'cat',
        summary: 'Lists the ACL categories, or the commands of one category.',
        complexity: 'O(1) since the categories and commands are a fixed set.',
        arity: -2,
        flags: PLAIN,
        args: [arg.string('categoryname', { optional: true })],
        handler: aclCatCommand,
      },
      {
        ...SUB,
        name: 'deluser',
        summary: 'Deletes users and disconnects their clients.',
        complexity: 'O(1) amortized time considering the typical user.',
        arity: -3,
        flags: ADMIN,
        args: [arg.string('username', { multiple: true })],
        handler: aclDeluserCommand,
      },
      {
        ...SUB,
        name: 'dryrun',
        summary: 'Tells whether a user could run a command, without running it.',
        since: '7.0.0',
        complexity: 'O(1).',
        arity: -4,
        flags: ADMIN,
        args: [arg.string('username'), arg.string('command'), arg.string('arg', { optional: true, multiple: true })],
        handler: aclDryrunCommand,
      },
      {
        ...SUB,
        name: 'genpass',
        summary: 'Returns a random password made of secure random bits.',
        complexity: 'O(1)',
        arity: -2,
        flags: PLAIN,
        args: [arg.integer('bits', { optional: true })],
        handler: aclGenpassCommand,
      },
      withDocs(
        {
          ...SUB,
          name: 'getuser',
          summary: "Returns a user's flags, passwords and rules.",
          complexity: 'O(N). Where N is the number of password, command and pattern rules that the user has.',
          arity: 3,
          flags: ADMIN,
          args: [arg.string('username')],
          handler: aclGetuserCommand,
        },
        {
          history: [
            ['6.2.0', 'Added Pub/Sub channel patterns.'],
            ['7.0.0', 'Added selectors and changed the format of key and channel patterns from a list to their rule representation.'],
          ],
        },
      ),
      {
        ...SUB,
        name: 'help',
        summary: 'Lists the ACL subcommands.',
        complexity: 'O(1)',
        arity: 2,
        flags: ['loading', 'stale'],
        handler: aclHelpCommand,
      },
      {
        ...SUB,
        name: 'list',
        summary: 'Lists every user with its rules, as an ACL file would hold them.',
        complexity: 'O(N). Where N is the number of configured users.',
        arity: 2,
        flags: ADMIN,
        handler: aclListCommand,
      },
      {
        ...SUB,
        name: 'load',
        summary: 'Replaces the users with those of the ACL file.',
        complexity: 'O(N). Where N is the number of configured users.',
        arity: 2,
        flags: ADMIN,
        handler: aclLoadCommand,
      },
      {
        ...SUB,
        name: 'log',
        summary: 'Lists the newest commands, keys, channels and logins the ACLs refused.',
        complexity: 'O(N) with N being the number of entries shown.',
        arity: -2,
        flags: ADMIN,
        args: [arg.oneOf('operation', [arg.integer('count'), arg.token('RESET')], { optional: true })],
        handler: aclLogCommand,
      },
      {
        ...SUB,
        name: 'save',
        summary: 'Writes the users to the ACL file.',
        complexity: 'O(N). Where N is the number of configured users.',
        arity: 2,
        flags: ADMIN,
        handler: aclSaveCommand,
      },
      withDocs(
        {
          ...SUB,
          name: 'setuser',
          summary: 'Creates a user or changes its rules.',
          complexity: 'O(N). Where N is the number of rules provided.',
          arity: -3,
          flags: ADMIN,
          args: [arg.string('username'), arg.string('rule', { optional: true, multiple: true })],
          handler: aclSetuserCommand,
        },
        {
          history: [
            ['6.2.0', 'Added Pub/Sub channel patterns.'],
            ['7.0.0', 'Added selectors and key based permissions.'],
          ],
        },
      ),
      {
        ...SUB,
        name: 'users',
        summary: 'Lists the user names.',
        complexity: 'O(N). Where N is the number of configured users.',
        arity: 2,
        flags: ADMIN,
        handler: aclUsersCommand,
      },
      {
        ...SUB,
        name: 'whoami',
        summary: 'Returns the name of the user the connection runs as.',
        complexity: 'O(1)',
        arity: 2,
        flags: PLAIN,
        handler: aclWhoamiCommand,
      },
    ],
  },
];
