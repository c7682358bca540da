import { CLIENT_TRACKING_SUBCOMMANDS } from './tracking.js';
import type { CommandFlag, CommandSpec } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors, sanitizeErrorLine, subcommandSyntaxError } from '../protocol/errors.js';
import { parseInteger } from '../util/number.js';
import { writeHelp } from './introspection.js';
import { withDocs, arg } from '../server/command-spec.js';
import { REDIS_VERSION } from '../util/version.js';
import { PAUSE_ALL, PAUSE_BY_CLIENT_COMMAND, PAUSE_WRITE, type PauseType } from '../server/pause.js';
import { argvBytesOf, clientInfoLine, clientType, type ClientType } from '../server/client-info.js';

/**
 * Connection commands: PING ECHO SELECT QUIT RESET HELLO CLIENT (networking.c and server.c in
 * Redis 7.0), plus CLIENT SETINFO as Redis 7.2 defines it.
 */

// ---------------------------------------------------------------- PING ECHO SELECT QUIT

// PING [message]
function pingCommand(c: Client, argv: string[]): void {
  if (argv.length > 2) throw new CommandError(Errors.wrongArity('ping'));
  if (c.reply.resp === 2 && c.pubsub !== null) {
    // A RESP2 subscriber can only read arrays: ["pong", message].
    c.reply.arrayLen(2);
    c.reply.bulk('pong');
    c.reply.bulk(argv.length === 1 ? '' : argv[1]);
    return;
  }
  if (argv.length === 1) c.reply.simple('PONG');
  else c.reply.bulk(argv[1]);
}

// ECHO message
function echoCommand(c: Client, argv: string[]): void {
  c.reply.bulk(argv[1]);
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

// SELECT index
function selectCommand(c: Client, argv: string[]): void {
  const parsed = parseInteger(argv[1]);
  if (parsed === null) throw new CommandError(Errors.notInteger);
  const index = Number(parsed);
  if (index < INT_MIN || index > INT_MAX) {
    throw new CommandError(`ERR value is out of range, value must between ${INT_MIN} and ${INT_MAX}`);
  }
  if (index < 0 || index >= c.server.dbs.length) throw new CommandError(Errors.dbIndexOutOfRange);
  c.selectDb(index);
  c.reply.ok();
}

// QUIT
function quitCommand(c: Client): void {
  c.reply.ok();
  c.closeAfterReply = true;
}

// ---------------------------------------------------------------- RESET HELLO

// RESET
function resetCommand(c: Client): void {
  c.server.resetClientState(c);
  // Replies are on again from here (a SKIP of RESET itself still applies, as in Redis).
  c.replyModeHook?.(false);
  c.reply.simple('RESET');
}

/** CLIENT SETNAME / HELLO SETNAME: printable ASCII without spaces; "" removes the name. */
function setClientNameOrThrow(c: Client, name: string): void {
  if (name.length === 0) {
    c.name = null;
    return;
  }
  if (!isPrintableNoSpace(name)) {
    throw new CommandError('ERR Client names cannot contain spaces, newlines or special characters.');
  }
  c.name = name;
}

function isPrintableNoSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  return true;
}

/** The HELLO reply: who we are, as Redis 7.0.15 describes itself. */
function writeHelloReply(c: Client): void {
  const r = c.reply;
  r.mapLen(7);
  r.bulk('server');
  r.bulk('redis');
  r.bulk('version');
  r.bulk(REDIS_VERSION);
  r.bulk('proto');
  r.int(c.resp);
  r.bulk('id');
  r.int(c.id);
  r.bulk('mode');
  r.bulk('standalone');
  r.bulk('role');
  r.bulk(c.server.replication.masterHost === null ? 'master' : 'replica');
  r.bulk('modules');
  r.arrayLen(0);
}


// AUTH [username] password
function authCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) throw new CommandError(Errors.syntax);
  // Neither MONITOR nor SLOWLOG show the credentials.
  for (let i = 1; i < argv.length; i++) c.redactArgument(argv, i);
  // Until ACLs and requirepass exist the default user is "nopass": it takes any password, and the
  // one-argument form is refused as Redis refuses it then.
  if (argv.length === 2) {
    throw new CommandError('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
  }
  if (argv[1] !== 'default') throw new CommandError('WRONGPASS invalid username-password pair or user is disabled.');
  c.reply.ok();
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
function helloCommand(c: Client, argv: string[]): void {
  let ver = 0;
  let next = 1;
  if (argv.length >= 2) {
    const v = parseInteger(argv[next++]);
    if (v === null) throw new CommandError('ERR Protocol version is not an integer or out of range');
    if (Number(v) < 2 || Number(v) > 3) throw new CommandError('NOPROTO unsupported protocol version');
    ver = Number(v);
  }
  let user: string | null = null;
  let clientName: string | null = null;
  for (let j = next; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j].toLowerCase();
    if (opt === 'auth' && more >= 2) {
      // Neither MONITOR nor SLOWLOG show the credentials.
      c.redactArgument(argv, j + 1);
      c.redactArgument(argv, j + 2);
      // The password is argv[j + 2]; the default user takes any (nopass) until ACLs exist.
      user = argv[j + 1];
      j += 2;
    } else if (opt === 'setname' && more >= 1) {
      clientName = argv[j + 1];
      j++;
    } else {
      throw new CommandError(sanitizeErrorLine(`ERR Syntax error in HELLO option '${argv[j]}'`));
    }
  }
  if (user !== null && user !== 'default') {
    throw new CommandError('WRONGPASS invalid username-password pair or user is disabled.');
  }
  if (clientName !== null) setClientNameOrThrow(c, clientName);
  if (ver !== 0) c.resp = ver as 2 | 3;
  writeHelloReply(c);
}

// ---------------------------------------------------------------- CLIENT

function clientTypeByName(name: string): ClientType | null {
  switch (name.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'slave':
    case 'replica':
      return 'replica';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      return null;
  }
}

// CLIENT ID
function clientIdCommand(c: Client): void {
  c.reply.int(c.id);
}

// CLIENT INFO
function clientInfoCommand(c: Client, argv: string[]): void {
  c.reply.verbatim(clientInfoLine(c, c, argvBytesOf(argv)) + '\n', 'txt');
}

// CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]
function clientListCommand(c: Client, argv: string[]): void {
  const clients = c.server.clients;
  const own = argvBytesOf(argv);
  let out = '';
  if (argv.length === 4 && argv[2].toLowerCase() === 'type') {
    const type = clientTypeByName(argv[3]);
    if (type === null) throw new CommandError(sanitizeErrorLine(`ERR Unknown client type '${argv[3]}'`));
    for (const other of clients.values()) {
      if (clientType(other) === type) out += clientInfoLine(other, c, own) + '\n';
    }
  } else if (argv.length > 3 && argv[2].toLowerCase() === 'id') {
    const ids: number[] = [];
    for (let j = 3; j < argv.length; j++) {
      const id = parseInteger(argv[j]);
      if (id === null) throw new CommandError('ERR Invalid client ID');
      ids.push(Number(id));
    }
    for (const id of ids) {
      const other = clients.get(id);
      if (other !== undefined) out += clientInfoLine(other, c, own) + '\n';
    }
  } else if (argv.length !== 2) {
    throw new CommandError(Errors.syntax);
  } else {
    for (const other of clients.values()) out += clientInfoLine(other, c, own) + '\n';
  }
  c.reply.verbatim(out, 'txt');
}

// CLIENT GETNAME
function clientGetNameCommand(c: Client): void {
  if (c.name === null) c.reply.nullBulk();
  else c.reply.bulk(c.name);
}

// CLIENT SETNAME connection-name
function clientSetNameCommand(c: Client, argv: string[]): void {
  setClientNameOrThrow(c, argv[2]);
  c.reply.ok();
}

// CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>   (Redis 7.2)
function clientSetInfoCommand(c: Client, argv: string[]): void {
  const attr = argv[2];
  const lower = attr.toLowerCase();
  if (lower !== 'lib-name' && lower !== 'lib-ver') {
    throw new CommandError(sanitizeErrorLine(`ERR Unrecognized option '${attr}'`));
  }
  const value = argv[3];
  if (!isPrintableNoSpace(value)) {
    throw new CommandError(sanitizeErrorLine(`ERR ${attr} cannot contain spaces, newlines or special characters.`));
  }
  if (lower === 'lib-name') c.libName = value;
  else c.libVer = value;
  c.reply.ok();
}

// CLIENT REPLY ON|OFF|SKIP
function clientReplyCommand(c: Client, argv: string[]): void {
  const mode = argv[2].toLowerCase();
  if (mode === 'on') {
    // As Redis: ends OFF and the SKIP of this very command (so +OK is sent), not a SKIP still
    // pending from earlier in the same transaction.
    c.replyOff = false;
    c.replyModeHook?.(true);
    c.reply.ok();
  } else if (mode === 'off') {
    // No reply: the transport drops output from now on, even later replies of this EXEC.
    c.replyOff = true;
    c.replyModeHook?.(false);
  } else if (mode === 'skip') {
    // No reply; the next command's reply is dropped too (unless replies are already off).
    if (!c.replyOff) c.replySkipNext = true;
  } else {
    throw new CommandError(Errors.syntax);
  }
}

// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]
function clientUnblockCommand(c: Client, argv: string[]): void {
  let asError = false;
  if (argv.length === 4) {
    const reason = argv[3].toLowerCase();
    if (reason === 'error') asError = true;
    else if (reason !== 'timeout') throw new CommandError('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  } else if (argv.length > 4) {
    throw new CommandError(subcommandSyntaxError(argv));
  }
  const id = parseInteger(argv[2]);
  if (id === null) throw new CommandError(Errors.notInteger);
  const target = c.server.clients.get(Number(id));
  const unblocked = target !== undefined && c.server.blocking.unblockByRequest(target, asError);
  c.reply.int(unblocked ? 1 : 0);
}

/** LLONG_MAX: a pause's end past it wraps negative in Redis, a time already past. */
const LLONG_MAX = 9223372036854775807n;

// CLIENT PAUSE timeout [WRITE|ALL]
function clientPauseCommand(c: Client, argv: string[]): void {
  if (argv.length > 4) throw new CommandError(subcommandSyntaxError(argv));
  let type: PauseType = PAUSE_ALL;
  if (argv.length === 4) {
    const mode = argv[3].toLowerCase();
    if (mode === 'write') type = PAUSE_WRITE;
    else if (mode !== 'all') throw new CommandError('ERR CLIENT PAUSE mode must be WRITE or ALL');
  }
  const timeout = parseInteger(argv[2]);
  if (timeout === null) throw new CommandError('ERR timeout is not an integer or out of range');
  if (timeout < 0) throw new CommandError('ERR timeout is negative');
  // getTimeoutFromObjectOrReply: 0 stays 0 (already over); otherwise the end is now + timeout.
  let end = 0;
  if (timeout > 0) {
    const sum = BigInt(timeout) + BigInt(c.server.clock.now);
    end = sum > LLONG_MAX ? -1 : Number(sum);
  }
  c.server.pause.pause(PAUSE_BY_CLIENT_COMMAND, type, end);
  c.reply.ok();
}

// CLIENT UNPAUSE
function clientUnpauseCommand(c: Client): void {
  c.server.pause.unpause(PAUSE_BY_CLIENT_COMMAND);
  c.reply.ok();
}

// CLIENT NO-EVICT ON|OFF
function clientNoEvictCommand(c: Client, argv: string[]): void {
  const mode = argv[2].toLowerCase();
  if (mode === 'on') c.noEvict = true;
  else if (mode === 'off') c.noEvict = false;
  else throw new CommandError(Errors.syntax);
  c.reply.ok();
}

interface KillFilter {
  addr: string | null;
  laddr: string | null;
  type: ClientType | null;
  id: number;
  user: string | null;
  skipMe: boolean;
}

// CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE type] [USER name] [ADDR ip:port] [LADDR ip:port] [SKIPME yes|no] ...
function clientKillCommand(c: Client, argv: string[]): void {
  const oldForm = argv.length === 3;
  const filter: KillFilter = { addr: null, laddr: null, type: null, id: 0, user: null, skipMe: true };
  if (oldForm) {
    filter.addr = argv[2];
    // With the old form a client may kill itself.
    filter.skipMe = false;
  } else {
    for (let i = 2; i < argv.length; i += 2) {
      const more = argv.length > i + 1;
      const opt = argv[i].toLowerCase();
      if (!more) throw new CommandError(Errors.syntax);
      const value = argv[i + 1];
      if (opt === 'id') {
        const id = parseInteger(value);
        if (id === null || Number(id) < 1) throw new CommandError('ERR client-id should be greater than 0');
        filter.id = Number(id);
      } else if (opt === 'type') {
        const type = clientTypeByName(value);
        if (type === null) throw new CommandError(sanitizeErrorLine(`ERR Unknown client type '${value}'`));
        filter.type = type;
      } else if (opt === 'addr') {
        filter.addr = value;
      } else if (opt === 'laddr') {
        filter.laddr = value;
      } else if (opt === 'user') {
        if (value !== 'default') throw new CommandError(sanitizeErrorLine(`ERR No such user '${value}'`));
        filter.user = value;
      } else if (opt === 'skipme') {
        const yn = value.toLowerCase();
        if (yn === 'yes') filter.skipMe = true;
        else if (yn === 'no') filter.skipMe = false;
        else throw new CommandError(Errors.syntax);
      } else {
        throw new CommandError(Errors.syntax);
      }
    }
  }
  let killed = 0;
  let killSelf = false;
  for (const other of [...c.server.clients.values()]) {
    if (filter.addr !== null && other.addr !== filter.addr) continue;
    if (filter.laddr !== null && other.laddr !== filter.laddr) continue;
    if (filter.type !== null && clientType(other) !== filter.type) continue;
    if (filter.id !== 0 && other.id !== filter.id) continue;
    if (filter.user !== null && other.userName !== filter.user) continue;
    if (other === c && filter.skipMe) continue;
    if (other === c) killSelf = true;
    else if (other.closeHook !== null) other.closeHook();
    else continue;
    killed++;
  }
  if (oldForm) {
    if (killed === 0) throw new CommandError('ERR No such client');
    c.reply.ok();
  } else {
    c.reply.int(killed);
  }
  // Closed only once the reply is written.
  if (killSelf) c.closeAfterReply = true;
}

const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'SETINFO <option> <value>',
  '    Set client meta attr. Options are:',
  '    * LIB-NAME: the client lib name.',
  '    * LIB-VER: the client lib version.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'HELP',
  '    Prints this help.',
];

// CLIENT HELP
function clientHelpCommand(c: Client): void {
  writeHelp(c.reply, CLIENT_HELP);
}

// ---------------------------------------------------------------- specs

const CONN_FLAGS: CommandFlag[] = ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'];
const CLIENT_SUB: CommandFlag[] = ['noscript', 'loading', 'stale'];
const CLIENT_ADMIN_SUB: CommandFlag[] = ['admin', 'noscript', 'loading', 'stale'];

export const CONNECTION_COMMANDS: CommandSpec[] = [
  {
    name: 'ping',
    summary: 'Checks that the server answers.',
    since: '1.0.0',
    group: 'connection',
    complexity: 'O(1)',
    arity: -1,
    flags: ['fast', 'pubsub_context'],
    acl: ['connection'],
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    args: [arg.string('message', { optional: true })],
    handler: pingCommand,
  },
  {
    name: 'echo',
    summary: 'Returns the given string.',
    since: '1.0.0',
    group: 'connection',
    complexity: 'O(1)',
    arity: 2,
    flags: ['loading', 'stale', 'fast'],
    acl: ['connection'],
    args: [arg.string('message')],
    handler: echoCommand,
  },
  {
    name: 'select',
    summary: 'Switches the connection to another database.',
    since: '1.0.0',
    group: 'connection',
    complexity: 'O(1)',
    arity: 2,
    flags: ['loading', 'stale', 'fast'],
    acl: ['connection'],
    args: [arg.integer('index')],
    handler: selectCommand,
  },
  {
    name: 'quit',
    summary: 'Closes the connection once the reply is sent.',
    since: '1.0.0',
    group: 'connection',
    complexity: 'O(1)',
    arity: -1,
    flags: [...CONN_FLAGS, 'not_queued', 'pubsub_context', 'allow_oom_in_multi'],
    acl: ['connection'],
    handler: quitCommand,
  },
  {
    name: 'reset',
    summary: 'Returns the connection to its initial state.',
    since: '6.2.0',
    group: 'connection',
    complexity: 'O(1)',
    arity: 1,
    flags: [...CONN_FLAGS, 'not_queued', 'pubsub_context', 'allow_oom_in_multi'],
    acl: ['connection'],
    handler: resetCommand,
  },
  withDocs(
    {
      name: 'auth',
      summary: 'Authenticates the connection as a user.',
      since: '1.0.0',
      group: 'connection',
      complexity: 'O(N) where N is the number of passwords defined for the user',
      arity: -2,
      flags: CONN_FLAGS,
      acl: ['connection'],
      args: [arg.string('username', { optional: true, since: '6.0.0' }), arg.string('password')],
      handler: authCommand,
    },
    { history: [['6.0.0', 'Added ACL style (username and password).']] },
  ),
  withDocs(
    {
      name: 'hello',
      summary: 'Negotiates the protocol version, optionally authenticating and naming the connection.',
      since: '6.0.0',
      group: 'connection',
      complexity: 'O(1)',
      arity: -1,
      flags: CONN_FLAGS,
      acl: ['connection'],
      args: [
        arg.block('arguments', [
          arg.integer('protover'),
          arg.block('username_password', [arg.string('username'), arg.string('password')], { token: 'AUTH', optional: true }),
          arg.string('clientname', { token: 'SETNAME', optional: true }),
        ], { optional: true }),
      ],
      handler: helloCommand,
    },
    { history: [['6.2.0', 'The protocol version became optional; without it the current context is reported.']] },
  ),
  {
    name: 'client',
    summary: 'Inspects and manages client connections.',
    since: '2.4.0',
    group: 'connection',
    complexity: 'Depends on subcommand.',
    arity: -2,
    flags: [],
    subcommands: [
      ...CLIENT_TRACKING_SUBCOMMANDS,
      {
        name: 'getname',
        summary: "Returns this connection's name.",
        since: '2.6.9',
        group: 'connection',
        complexity: 'O(1)',
        arity: 2,
        flags: CLIENT_SUB,
        acl: ['connection'],
        handler: clientGetNameCommand,
      },
      {
        name: 'help',
        summary: 'Lists the CLIENT subcommands.',
        since: '5.0.0',
        group: 'connection',
        complexity: 'O(1)',
        arity: 2,
        flags: ['loading', 'stale'],
        acl: ['connection'],
        handler: clientHelpCommand,
      },
      {
        name: 'id',
        summary: "Returns this connection's unique id.",
        since: '5.0.0',
        group: 'connection',
        complexity: 'O(1)',
        arity: 2,
        flags: CLIENT_SUB,
        acl: ['connection'],
        handler: clientIdCommand,
      },
      {
        name: 'info',
        summary: 'Describes this connection in CLIENT LIST format.',
        since: '6.2.0',
        group: 'connection',
        complexity: 'O(1)',
        arity: 2,
        flags: CLIENT_SUB,
        acl: ['connection'],
        tips: ['nondeterministic_output'],
        handler: clientInfoCommand,
      },
      withDocs(
        {
          name: 'kill',
          summary: 'Closes the connections that match the given filters.',
          since: '2.4.0',
          group: 'connection',
          complexity: 'O(N) where N is the number of client connections',
          arity: -3,
          flags: CLIENT_ADMIN_SUB,
          acl: ['connection'],
          args: [
            arg.oneOf('filter', [
              arg.string('ip:port', { deprecatedSince: '2.8.12' }),
              arg.oneOf('new-format', [
                arg.integer('client-id', { token: 'ID', since: '2.8.12', optional: true }),
                arg.oneOf('normal_master_slave_pubsub', [
                  arg.token('NORMAL'),
                  arg.token('MASTER', { since: '3.2.0' }),
                  arg.token('SLAVE'),
                  arg.token('REPLICA', { since: '5.0.0' }),
                  arg.token('PUBSUB'),
                ], { token: 'TYPE', since: '2.8.12', optional: true }),
                arg.string('username', { token: 'USER', optional: true }),
                arg.string('ip:port', { token: 'ADDR', optional: true }),
                arg.string('ip:port', { token: 'LADDR', since: '6.2.0', optional: true }),
                arg.string('yes/no', { token: 'SKIPME', optional: true }),
              ], { multiple: true }),
            ]),
          ],
          handler: clientKillCommand,
        },
        {
          history: [
            ['2.8.12', 'Filter form (option/value pairs).'],
            ['2.8.12', 'ID filter.'],
            ['3.2.0', 'TYPE master.'],
            ['5.0.0', 'TYPE replica (slave still accepted).'],
            ['6.2.0', 'LADDR filter.'],
          ],
        },
      ),
      withDocs(
        {
          name: 'list',
          summary: 'Describes the open connections, one line each.',
          since: '2.4.0',
          group: 'connection',
          complexity: 'O(N) where N is the number of client connections',
          arity: -2,
          flags: CLIENT_ADMIN_SUB,
          acl: ['connection'],
          tips: ['nondeterministic_output'],
          args: [
            arg.oneOf('normal_master_replica_pubsub', [
              arg.token('NORMAL'),
              arg.token('MASTER'),
              arg.token('REPLICA'),
              arg.token('PUBSUB'),
            ], { token: 'TYPE', since: '5.0.0', optional: true }),
            arg.block('id', [arg.integer('client-id', { multiple: true })], { token: 'ID', since: '6.2.0', optional: true }),
          ],
          handler: clientListCommand,
        },
        {
          history: [
            ['2.8.12', 'id field.'],
            ['5.0.0', 'TYPE filter.'],
            ['6.0.0', 'user field.'],
            ['6.2.0', 'argv-mem, tot-mem, laddr and redir fields; ID filter.'],
            ['7.0.0', 'resp, multi-mem, rbs and rbp fields.'],
            ['7.0.3', 'ssub field.'],
          ],
        },
      ),
      withDocs(
        {
          name: 'pause',
          summary: 'Suspends commands from clients, all of them or those that may write, for a time.',
          since: '2.9.50',
          group: 'connection',
          complexity: 'O(1)',
          arity: -3,
          flags: CLIENT_ADMIN_SUB,
          acl: ['connection'],
          args: [
            arg.integer('timeout'),
            arg.oneOf('mode', [arg.token('WRITE'), arg.token('ALL')], { since: '6.2.0', optional: true }),
          ],
          handler: clientPauseCommand,
        },
        { history: [['6.2.0', 'The mode argument: WRITE pauses only the commands that may write.']] },
      ),
      {
        name: 'unpause',
        summary: 'Ends a client pause: the commands it held run.',
        since: '6.2.0',
        group: 'connection',
        complexity: 'O(N) where N is the number of clients whose commands the pause held',
        arity: 2,
        flags: CLIENT_ADMIN_SUB,
        acl: ['connection'],
        handler: clientUnpauseCommand,
      },
      {
        name: 'unblock',
        summary: 'Ends the wait of a client blocked in a blocking command, as a timeout or with an error.',
        since: '5.0.0',
        group: 'connection',
        complexity: 'O(log N) where N is the number of client connections',
        arity: -3,
        flags: CLIENT_ADMIN_SUB,
        acl: ['connection'],
        args: [arg.integer('client-id'), arg.oneOf('timeout_error', [arg.token('TIMEOUT'), arg.token('ERROR')], { optional: true })],
        handler: clientUnblockCommand,
      },
      {
        name: 'no-evict',
        summary: 'Exempts this connection from client eviction, or not.',
        since: '7.0.0',
        group: 'connection',
        complexity: 'O(1)',
        arity: 3,
        flags: CLIENT_ADMIN_SUB,
        acl: ['connection'],
        args: [arg.oneOf('enabled', [arg.token('ON'), arg.token('OFF')])],
        handler: clientNoEvictCommand,
      },
      {
        name: 'reply',
        summary: 'Turns the replies to this connection on or off, or skips the next one.',
        since: '3.2.0',
        group: 'connection',
        complexity: 'O(1)',
        arity: 3,
        flags: CLIENT_SUB,
        acl: ['connection'],
        args: [arg.oneOf('on_off_skip', [arg.token('ON'), arg.token('OFF'), arg.token('SKIP')])],
        handler: clientReplyCommand,
      },
      {
        name: 'setinfo',
        summary: 'Records the client library name or version for this connection.',
        since: '7.2.0',
        group: 'connection',
        complexity: 'O(1)',
        arity: 4,
        flags: CLIENT_SUB,
        acl: ['connection'],
        // Redis 7.2's client-setinfo.json: the tokens are lower case there.
        args: [arg.oneOf('attr', [arg.string('libname', { token: 'lib-name' }), arg.string('libver', { token: 'lib-ver' })])],
        handler: clientSetInfoCommand,
      },
      {
        name: 'setname',
        summary: 'Names this connection.',
        since: '2.6.9',
        group: 'connection',
        complexity: 'O(1)',
        arity: 3,
        flags: CLIENT_SUB,
        acl: ['connection'],
        args: [arg.string('connection-name')],
        handler: clientSetNameCommand,
      },
    ],
  },
];
