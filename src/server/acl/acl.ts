import type { Client } from '../client.js';
import type { Command, CommandTable } from '../command-table.js';
import type { Config } from '../config.js';
import { getKeysFromCommand, type KeyRef } from '../command-keys.js';
import { GlobMatcher, stringMatch } from '../../util/glob.js';
import { AclCommands, PERM_READ, PERM_WRITE, RuleError, hasSpaces, type KeyPattern, type KeyPlan, type Selector } from './selector.js';
import { User, mergeSelectorArgs } from './user.js';
import { loadAclFile, loadConfiguredUsers } from './file.js';

/**
 * The ACL state of a server (Redis 7.0's acl.c): the users, the default user and `requirepass`,
 * the permission check the command path runs (ACLCheckAllUserCommandPerm), authentication and
 * the ACL LOG. Exported helpers answer what other parts need (protected mode: defaultUserHasNopass).
 */

export const ACL_OK = 0;
export const ACL_DENIED_CMD = 1;
export const ACL_DENIED_KEY = 2;
export const ACL_DENIED_AUTH = 3;
export const ACL_DENIED_CHANNEL = 4;

export type AclLogContext = 'toplevel' | 'multi' | 'lua' | 'module';

const REASONS = ['', 'command', 'key', 'auth', 'channel'];

export interface AclLogEntry {
  count: number;
  reason: number;
  context: AclLogContext;
  object: string;
  username: string;
  /** Unix time in ms of the last event the entry counts. */
  ctime: number;
  clientInfo: string;
}

/** Entries for the same denial within this many ms are one entry with a count (ACL_LOG_GROUPING_MAX_TIME_DELTA). */
const LOG_GROUPING_MS = 60000;

/** The outcome of a permission check: ACL_* and the argument the denial is about. */
export interface AclCheck {
  result: number;
  pos: number;
}

/** The three NOPERM texts of the command path (processCommand), by ACL_DENIED_*. */
export function deniedMessage(result: number, cmd: Command): string {
  switch (result) {
    case ACL_DENIED_CMD:
      return `NOPERM this user has no permissions to run the '${cmd.fullName}' command`;
    case ACL_DENIED_KEY:
      return 'NOPERM this user has no permissions to access one of the keys used as arguments';
    case ACL_DENIED_CHANNEL:
      return 'NOPERM this user has no permissions to access one of the channels used as arguments';
    default:
      return 'NOPERM no permission';
  }
}

/** ACL DRYRUN's verbose texts (getAclErrorMessage with verbose). */
export function dryrunMessage(result: number, cmd: Command, value: string): string {
  switch (result) {
    case ACL_DENIED_CMD:
      return `This user has no permissions to run the '${cmd.fullName}' command`;
    case ACL_DENIED_KEY:
      return `This user has no permissions to access the '${value}' key`;
    case ACL_DENIED_CHANNEL:
      return `This user has no permissions to access the '${value}' channel`;
    default:
      return 'Unknown error';
  }
}

/** scriptVerifyACL's texts: a script's redis.call refused. */
export function scriptDeniedMessage(result: number): string {
  switch (result) {
    case ACL_DENIED_CMD:
      return "ERR The user executing the script can't run this command or subcommand";
    case ACL_DENIED_KEY:
      return "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments";
    case ACL_DENIED_CHANNEL:
      return "ERR The user executing the script can't publish to the channel mentioned in the command";
    default:
      return 'ERR The user executing the script is lacking the permissions for the command';
  }
}

/** EXEC's text for a queued command the rules no longer allow. */
export function execDeniedMessage(result: number): string {
  const reason =
    result === ACL_DENIED_CMD
      ? 'no permission to execute the command or subcommand'
      : result === ACL_DENIED_KEY
        ? 'no permission to touch the specified keys'
        : result === ACL_DENIED_CHANNEL
          ? 'no permission to access one of the channels used as arguments'
          : 'no permission';
  return (
    'NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. ' +
    `This command is no longer allowed for the following reason: ${reason}`
  );
}


/** Users could not be loaded at startup: `lines` are what the server logs before it exits. */
export class AclStartupError extends Error {
  readonly lines: string[];
  constructor(...lines: string[]) {
    super(lines.join('\n'));
    this.lines = lines;
  }
}

export class Acl {
  readonly commands: AclCommands;
  /** Users by name; ACL USERS and ACL LIST sort them (Redis keeps them in a radix tree). */
  readonly users = new Map<string, User>();
  readonly defaultUser: User;
  /** Newest first. */
  log: AclLogEntry[] = [];
  /** What `check` returns (one object, read by the caller at once: no allocation per command). */
  private readonly outcome: AclCheck = { result: ACL_OK, pos: 0 };

  constructor(
    table: CommandTable,
    private readonly config: Config,
  ) {
    this.commands = new AclCommands(table);
    this.defaultUser = this.freshDefaultUser();
    this.users.set('default', this.defaultUser);
  }

  /**
   * ACLLoadUsersAtStartup: the `user` directives, then the ACL file. Throws AclStartupError with
   * the lines Redis logs before exiting.
   */
  loadAtStartup(config: Config): void {
    const aclfile = config.get('aclfile') ?? '';
    if (aclfile !== '' && config.userDirectives.length > 0) {
      throw new AclStartupError(
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely ' +
          'to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
      );
    }
    const error = loadConfiguredUsers(this, config.userDirectives);
    if (error !== null) throw new AclStartupError(error, 'Critical error while loading ACLs. Exiting.');
    if (aclfile !== '') {
      const errors = loadAclFile(this, aclfile, () => {});
      if (errors !== null) throw new AclStartupError(`Aborting Redis startup because of ACL errors: ${errors}`);
    }
  }

  /** ACLCreateDefaultUser: on, nopass, every command, key and channel. */
  freshDefaultUser(): User {
    const u = this.newUser('default');
    for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) u.apply(op);
    return u;
  }

  newUser(name: string): User {
    return new User(name, this.commands, () => this.config.aclPubsubDefault === 'allchannels');
  }

  /** authRequired's first half: the default user is on and nopass, so nobody needs to authenticate. */
  get openByDefault(): boolean {
    const u = this.defaultUser;
    return u.nopass && u.enabled;
  }

  /** ACLUpdateDefaultUserPassword: requirepass is the default user's one password (none: nopass). */
  setRequirepass(password: string | null): void {
    const u = this.defaultUser;
    u.apply('resetpass');
    if (password !== null && password.length > 0) u.apply('>' + password);
    else u.apply('nopass');
  }

  /**
   * ACLStringSetUser: applies `ops` to a copy of the user (a new one when absent) and replaces it
   * only when every rule applied. Returns the error text (without ERR) or null. `onChange` sees the
   * old and new versions of an existing user before the change lands (pub/sub clients to drop).
   */
  setUser(name: string, ops: readonly string[], onChange?: (before: User, after: User) => void): string | null {
    const merged = mergeSelectorArgs(ops);
    if (typeof merged === 'number') return `Unmatched parenthesis in acl selector starting at '${cString(ops[merged])}'.`;
    const existing = this.users.get(name);
    const staged = existing !== undefined ? existing.copy() : this.newUser(name);
    for (const op of merged) {
      try {
        staged.apply(op);
      } catch (e) {
        if (e instanceof RuleError) return `Error in ACL SETUSER modifier '${cString(op)}': ${e.message}`;
        throw e;
      }
    }
    if (existing !== undefined) {
      onChange?.(existing, staged);
      existing.copyFrom(staged);
    } else {
      this.users.set(name, staged);
    }
    return null;
  }

  /** Users sorted by name, as Redis's radix tree iterates them (byte order). */
  sortedUsers(): User[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** ACLCheckUserCredentials: the user, when the name and password are right and it is enabled. */
  credentials(username: string, password: string): User | null {
    const u = this.users.get(username);
    if (u === undefined || !u.checkPassword(password)) return null;
    return u;
  }

  // ---------------------------------------------------------------- permission checks

  /**
   * ACLCheckAllUserCommandPerm: whether any selector of `user` allows `cmd` with `argv` (argv[0]
   * the command, or the container of a subcommand). When none does, the error to report is a
   * denied command if no selector got past the command, else the key or channel at the furthest
   * argument. The answer is valid until the next check.
   */
  check(user: User, cmd: Command, argv: readonly string[]): AclCheck {
    let relevant = ACL_DENIED_CMD;
    let lastPos = 0;
    let keys: KeyRef[] | null = null;
    const out = this.outcome;
    const cmds = this.commands;
    const id = cmds.ids.get(cmd)!;
    const plan = cmds.keyPlans[id];
    for (const s of user.selectors) {
      // Keys the specs cannot find by position alone are found once for all the selectors.
      if (plan === null && keys === null && !s.allKeys && cmds.hasKeys[id] !== 0) keys = getKeysFromCommand(cmd, argv);
      this.checkSelector(s, id, cmd, argv, keys, out);
      if (out.result === ACL_OK) return out;
      if (out.result > relevant || (out.result === relevant && out.pos > lastPos)) {
        relevant = out.result;
        lastPos = out.pos;
      }
    }
    out.result = relevant;
    out.pos = lastPos;
    return out;
  }

  /** ACLSelectorCheckCmd into `out`; `keys` are the command's keys when it has no key plan. */
  private checkSelector(s: Selector, id: number, cmd: Command, argv: readonly string[], keys: KeyRef[] | null, out: AclCheck): void {
    out.result = ACL_OK;
    out.pos = 0;
    const cmds = this.commands;
    if (!s.allCommands && cmds.noAuth[id] === 0 && s.allowed[id] === 0) {
      // Allowed only with one of its listed first arguments (`+select|0`)?
      const firstArgs = argv.length < 2 || s.firstArgs === null ? undefined : s.firstArgs.get(id);
      const arg = firstArgs === undefined ? '' : argv[cmd.parent !== null ? 2 : 1].toLowerCase();
      if (firstArgs === undefined || !firstArgs.some((a) => a.toLowerCase() === arg)) {
        out.result = ACL_DENIED_CMD;
        return;
      }
    }
    if (!s.allKeys && cmds.hasKeys[id] !== 0) {
      const plan = cmds.keyPlans[id];
      const denied = plan !== null ? deniedKeyByPlan(s, plan, argv) : deniedKey(s, argv, keys ?? getKeysFromCommand(cmd, argv));
      if (denied >= 0) {
        out.result = ACL_DENIED_KEY;
        out.pos = denied;
        return;
      }
    }
    const channels = cmd.spec.aclChannels;
    if (!s.allChannels && channels !== undefined) {
      const last = channels.last < 0 ? argv.length + channels.last : channels.last;
      for (let i = channels.first; i <= last && i < argv.length; i++) {
        if (!channelAllowed(s.channels, argv[i], channels.pattern === true)) {
          out.result = ACL_DENIED_CHANNEL;
          out.pos = i;
          return;
        }
      }
    }
  }

  /**
   * ACLUserCheckCmdWithUnrestrictedKeyAccess: whether a selector that allows the command also
   * allows every key for `need` (allkeys, or a `*` pattern with those permissions). SORT's BY and
   * GET patterns name keys no key spec finds.
   */
  hasUnrestrictedKeyAccess(user: User, cmd: Command, argv: readonly string[], need: number): boolean {
    const cmds = this.commands;
    const id = cmds.ids.get(cmd)!;
    const out: AclCheck = { result: ACL_OK, pos: 0 };
    for (const s of user.selectors) {
      const keys = cmds.keyPlans[id] === null && !s.allKeys && cmds.hasKeys[id] !== 0 ? getKeysFromCommand(cmd, argv) : null;
      this.checkSelector(s, id, cmd, argv, keys, out);
      if (out.result !== ACL_OK) continue;
      if (s.allKeys || s.keys.some((k) => (k.flags & need) === need && k.pattern === '*')) return true;
    }
    return false;
  }

  /**
   * ACLKillPubsubClientsIfNeeded's test: whether a subscriber of `before` loses channels it is
   * subscribed to under `after`'s rules (null when no client can be affected).
   */
  revokedChannels(before: User, after: User): ((c: Client) => boolean) | null {
    for (const s of after.selectors) if (s.allChannels) return null;
    const upcoming: string[] = [];
    for (const s of after.selectors) upcoming.push(...s.channels);
    let superset = true;
    for (const s of before.selectors) {
      if (s.allChannels) {
        superset = false;
        break;
      }
      if (!s.channels.every((ch) => upcoming.includes(ch))) {
        superset = false;
        break;
      }
    }
    if (superset) return null;
    return (c: Client) => {
      const subs = c.pubsub;
      if (subs === null) return false;
      for (const p of subs.patterns) if (!channelAllowed(upcoming, p, true)) return true;
      for (const ch of subs.channels) if (!channelAllowed(upcoming, ch, false)) return true;
      for (const ch of subs.shardChannels) if (!channelAllowed(upcoming, ch, false)) return true;
      return false;
    };
  }

  // ---------------------------------------------------------------- the ACL log

  /**
   * addACLLogEntry: a denial, merged into a recent entry for the same reason, context, object
   * and user (among the 10 newest, within a minute), else added first; trimmed to acllog-max-len.
   */
  addLogEntry(entry: Omit<AclLogEntry, 'count'>): void {
    const scan = Math.min(10, this.log.length);
    for (let i = 0; i < scan; i++) {
      const e = this.log[i];
      if (
        e.reason === entry.reason &&
        e.context === entry.context &&
        entry.ctime - e.ctime <= LOG_GROUPING_MS &&
        e.object === entry.object &&
        e.username === entry.username
      ) {
        this.log.splice(i, 1);
        this.log.unshift(e);
        e.clientInfo = entry.clientInfo;
        e.ctime = entry.ctime;
        e.count++;
        return;
      }
    }
    this.log.unshift({ count: 1, ...entry });
    const max = Number(this.config.get('acllog-max-len') ?? '128');
    if (this.log.length > max) this.log.length = max;
  }

  /** The reason word ACL LOG shows. */
  static reasonName(reason: number): string {
    return REASONS[reason] ?? 'unknown';
  }
}

/** The position of the first key (from the command's key finder) no pattern allows, or -1. */
function deniedKey(s: Selector, argv: readonly string[], keys: readonly KeyRef[]): number {
  for (const k of keys) if (!keyAllowed(s, argv[k.pos], keyPermissions(k.flags))) return k.pos;
  return -1;
}

/**
 * The same over a key plan: the positions of each index/range spec computed as getKeysUsingKeySpecs
 * computes them, without building the key list. When a range does not fit the arguments the
 * command has no keys at all, as there (it fails its own argument checks).
 */
function deniedKeyByPlan(s: Selector, plan: readonly KeyPlan[], argv: readonly string[]): number {
  const argc = argv.length;
  for (let p = 0; p < plan.length; p++) {
    const k = plan[p];
    const last = planLast(k, argc);
    if (last >= argc || last < k.first || k.first >= argc) return -1;
  }
  for (let p = 0; p < plan.length; p++) {
    const k = plan[p];
    const last = planLast(k, argc);
    for (let i = k.first; i <= last; i += k.step) if (!keyAllowed(s, argv[i], k.need)) return i;
  }
  return -1;
}

/** The last key position of a plan's range for `argc` arguments. */
function planLast(k: KeyPlan, argc: number): number {
  if (k.lastkey >= 0) return k.first + k.lastkey;
  if (k.limit === 0) return argc + k.lastkey;
  return k.first + (Math.trunc((argc - k.first) / k.limit) + k.lastkey);
}

/** ACLSelectorCheckKey's permissions: ACCESS needs read, INSERT / UPDATE / DELETE need write. */
function keyPermissions(specFlags: readonly string[]): number {
  let need = 0;
  for (const f of specFlags) {
    if (f === 'ACCESS') need |= PERM_READ;
    else if (f === 'INSERT' || f === 'DELETE' || f === 'UPDATE') need |= PERM_WRITE;
  }
  return need;
}

/** ACLSelectorCheckKey: a pattern with the permissions needed matches the key. */
function keyAllowed(s: Selector, key: string, need: number): boolean {
  for (const p of s.keys) {
    if ((p.flags & need) !== need) continue;
    if (globMatch(p, key)) return true;
  }
  return false;
}

/**
 * ACLCheckChannelAgainstList: a channel matches a pattern of the list; a pattern (PSUBSCRIBE)
 * must be in the list literally.
 */
function channelAllowed(list: readonly string[], channel: string, isPattern: boolean): boolean {
  for (const p of list) {
    if (isPattern ? p === channel : stringMatch(p, channel)) return true;
  }
  return false;
}

/** stringmatchlen with the pattern's prepared matcher (built on first use). */
function globMatch(p: KeyPattern, s: string): boolean {
  // The prepared matcher wants a non-empty string for `*`; the general one answers the empty key.
  if (s.length === 0) return stringMatch(p.pattern, s);
  return (p.matcher ??= new GlobMatcher(p.pattern)).matches(s);
}

/** What `%s` prints of a string: up to its first NUL. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** Usernames may not contain spaces or NULs (ACL SETUSER, `user` directives). */
export function validUsername(name: string): boolean {
  return !hasSpaces(name);
}

/** For protected mode: whether the default user needs no password (protected mode then refuses remote clients). */
export function defaultUserHasNopass(acl: Acl): boolean {
  return acl.defaultUser.nopass;
}
