import { createHash, timingSafeEqual } from 'node:crypto';
import { splitInlineArgs } from '../../protocol/request-parser.js';
import { CommandTable } from '../command-table.js';
import { AclCommands, RuleError, RuleErrors, Selector } from './selector.js';

/**
 * ACL users (Redis 7.0's `user`): on/off, passwords as SHA-256 hex, payload sanitizing flags and
 * the selectors. Rules are applied as ACL SETUSER and `user` directives apply them (ACLSetUser).
 */

/** ACLHashPassword: the lower-case hex SHA-256 of the password's bytes. */
export function hashPassword(password: string): string {
  return createHash('sha256').update(password, 'latin1').digest('hex');
}

/** ACLCheckPasswordHash: 64 characters of 0-9a-f. */
function validHash(hash: string): boolean {
  if (hash.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const ch = hash.charCodeAt(i);
    if (!((ch >= 48 && ch <= 57) || (ch >= 97 && ch <= 102))) return false;
  }
  return true;
}

/** Payload sanitizing: skip-sanitize-payload, sanitize-payload, or neither (a fresh user). */
export type Sanitize = 'none' | 'skip' | 'sanitize';

export class User {
  enabled = false;
  nopass = false;
  sanitize: Sanitize = 'none';
  passwords: string[] = [];
  /** The root selector first, then the `(...)` selectors in the order they were added. */
  selectors: Selector[];

  constructor(
    readonly name: string,
    readonly commands: AclCommands,
    /** acl-pubsub-default: new selectors start with allchannels when it says so. */
    readonly pubsubDefault: () => boolean,
  ) {
    this.selectors = [new Selector(commands, true, pubsubDefault())];
  }

  get root(): Selector {
    return this.selectors[0];
  }

  /** Allowed everything by its root selector: the permission gate has nothing to check. */
  get unrestricted(): boolean {
    const root = this.selectors[0];
    return root.allCommands && root.allKeys && root.allChannels;
  }

  /** A copy under another name (ACLCopyUser onto a staging user). */
  copy(name = this.name): User {
    const u = new User(name, this.commands, this.pubsubDefault);
    u.copyFrom(this);
    return u;
  }

  copyFrom(other: User): void {
    this.enabled = other.enabled;
    this.nopass = other.nopass;
    this.sanitize = other.sanitize;
    this.passwords = other.passwords.slice();
    this.selectors = other.selectors.map((s) => s.clone());
  }

  /** ACLSetUser: one rule; throws RuleError (the user may be half-changed: callers stage on a copy). */
  apply(op: string): void {
    if (op.length === 0) return;
    const lower = op.toLowerCase();
    switch (lower) {
      case 'on':
        this.enabled = true;
        return;
      case 'off':
        this.enabled = false;
        return;
      case 'skip-sanitize-payload':
        this.sanitize = 'skip';
        return;
      case 'sanitize-payload':
        this.sanitize = 'sanitize';
        return;
      case 'nopass':
        this.nopass = true;
        this.passwords = [];
        return;
      case 'resetpass':
        this.nopass = false;
        this.passwords = [];
        return;
      case 'clearselectors':
        this.selectors.length = 1;
        return;
      case 'reset':
        this.apply('resetpass');
        this.apply('resetkeys');
        this.apply('resetchannels');
        if (this.pubsubDefault()) this.apply('allchannels');
        this.apply('off');
        this.apply('sanitize-payload');
        this.apply('clearselectors');
        this.apply('-@all');
        return;
    }
    const first = op[0];
    if (first === '>' || first === '#') {
      let hash: string;
      if (first === '>') {
        hash = hashPassword(op.slice(1));
      } else {
        hash = op.slice(1);
        if (!validHash(hash)) throw new RuleError(RuleErrors.badHash);
      }
      if (!this.passwords.includes(hash)) this.passwords.push(hash);
      this.nopass = false;
    } else if (first === '<' || first === '!') {
      let hash: string;
      if (first === '<') {
        hash = hashPassword(op.slice(1));
      } else {
        hash = op.slice(1);
        if (!validHash(hash)) throw new RuleError(RuleErrors.badHash);
      }
      const at = this.passwords.indexOf(hash);
      if (at < 0) throw new RuleError(RuleErrors.noSuchPassword);
      this.passwords.splice(at, 1);
    } else if (first === '(' && op[op.length - 1] === ')') {
      // A selector: its rules split as sdssplitargs splits them (unbalanced quotes: no rules).
      const selector = new Selector(this.commands, false, this.pubsubDefault());
      for (const rule of splitInlineArgs(op.slice(1, -1)) ?? []) selector.apply(rule);
      this.selectors.push(selector);
    } else {
      this.selectors[0].apply(op);
    }
  }

  /** ACLCheckUserCredentials, once the user is known: enabled, and nopass or a matching password. */
  checkPassword(password: string): boolean {
    if (!this.enabled) return false;
    if (this.nopass) return true;
    const hashed = Buffer.from(hashPassword(password), 'latin1');
    let ok = false;
    for (const p of this.passwords) {
      const stored = Buffer.from(p, 'latin1');
      // Compared in constant time, every stored password tried.
      if (stored.length === hashed.length && timingSafeEqual(stored, hashed)) ok = true;
    }
    return ok;
  }

  /** The flag words, in Redis's order (ACL GETUSER `flags`, the start of ACL LIST's line). */
  flagNames(): string[] {
    const out = [this.enabled ? 'on' : 'off'];
    if (this.nopass) out.push('nopass');
    if (this.sanitize === 'skip') out.push('skip-sanitize-payload');
    if (this.sanitize === 'sanitize') out.push('sanitize-payload');
    return out;
  }

  /** ACLDescribeUser: the rules that recreate this user (ACL LIST without `user <name> `). */
  describe(): string {
    let res = '';
    for (const f of this.flagNames()) res += f + ' ';
    for (const p of this.passwords) res += '#' + p + ' ';
    res += this.selectors[0].describe();
    for (let i = 1; i < this.selectors.length; i++) res += ' (' + this.selectors[i].describe() + ')';
    return res;
  }
}

/**
 * ACLMergeSelectorArguments: arguments from one starting with `(` to one ending with `)` are one
 * selector rule, joined by spaces. Returns the index of an unclosed `(` argument instead.
 */
export function mergeSelectorArgs(args: readonly string[]): string[] | number {
  const out: string[] = [];
  let open = -1;
  let selector = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j];
    if (op[0] === '(' && op[op.length - 1] !== ')') {
      selector = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      selector += ' ' + op;
      if (op.length > 0 && op[op.length - 1] === ')') {
        open = -1;
        out.push(selector);
      }
      continue;
    }
    out.push(op);
  }
  return open !== -1 ? open : out;
}

let noCommands: AclCommands | null = null;

/**
 * ACLAppendUserForLoading's check of a `user` directive while redis.conf is read (before the
 * command table exists): the rules must apply, unknown commands aside (they fail at startup).
 * `seen` holds the names of the directives before. Returns the config error text, or null.
 */
export function checkUserDirective(argv: readonly string[], seen: Set<string>): string | null {
  if (seen.has(argv[1])) return `Error in user declaration '${argv[1]}': Duplicate user found. A user can only be defined once in config files`;
  const merged = mergeSelectorArgs(argv.slice(2));
  // Redis reports whatever errno held then; with 7.0.15 that reads as an unknown command.
  if (typeof merged === 'number') return `Error in user declaration '${argv[merged]}': ${RuleErrors.unknown}`;
  noCommands ??= new AclCommands(new CommandTable([]));
  const u = new User('__fakeuser__', noCommands, () => false);
  for (let j = 0; j < merged.length; j++) {
    try {
      u.apply(merged[j]);
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      if (e.message === RuleErrors.unknown) continue;
      // Redis names argv[j] counting from the directive's first word, not the rule.
      return `Error in user declaration '${argv[j]}': ${e.message}`;
    }
  }
  seen.add(argv[1]);
  return null;
}
