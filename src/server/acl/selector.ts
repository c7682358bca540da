import type { Command, CommandTable } from '../command-table.js';
import { ACL_CATEGORIES } from '../command-table.js';
import { commandHasKeys } from '../command-keys.js';
import type { GlobMatcher } from '../../util/glob.js';

/**
 * ACL selectors (Redis 7.0's aclSelector): which commands, keys and channels one set of rules
 * allows. A user has a root selector and any number of `(...)` selectors; a command runs when any
 * of them allows it. Commands are bits in a bitmap indexed by `AclCommands` ids, taken from the
 * command table, so a new command is covered by its categories without touching this code.
 */

/** Key pattern permissions (%R~, %W~; ~ is both). */
export const PERM_READ = 1;
export const PERM_WRITE = 2;
export const PERM_ALL = PERM_READ | PERM_WRITE;

/** Why a rule was refused: ACLSetUserStringError's texts, by the errno Redis sets. */
export const RuleErrors = {
  unknown: 'Unknown command or category name in ACL',
  syntax: 'Syntax error',
  afterAllKeys:
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  afterAllChannels:
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  noSuchPassword: 'The password you are trying to remove from the user does not exist',
  badHash: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  subcommandFirstArg: 'Allowing first-arg of a subcommand is not supported',
} as const;

/** A rule that does not apply; `message` is one of RuleErrors. */
export class RuleError extends Error {}

/**
 * The command table as ACLs see it: every command and subcommand with a bit id, and lookup by
 * ACL name (`get`, `config|get`).
 */
export class AclCommands {
  /** Every command then its subcommands, in table order; `ids.get(cmd)` is its index here. */
  readonly all: Command[] = [];
  readonly ids = new Map<Command, number>();
  /** Bit masks of the categories (ACL_CATEGORIES order) per command id. */
  readonly categoryBits: Uint32Array;
  /** Per command id: flagged no_auth (its command bit is never checked). */
  readonly noAuth: Uint8Array;
  /** Per command id: it has keys to check (doesCommandHaveKeys). */
  readonly hasKeys: Uint8Array;
  /**
   * Per command id: its keys as positions alone (every key spec an index + range with fixed
   * permissions), so the check walks argv without building a key list; null for the others.
   */
  readonly keyPlans: Array<KeyPlan[] | null>;

  constructor(readonly table: CommandTable) {
    for (const cmd of table.all) {
      this.add(cmd);
      if (cmd.subcommands !== null) for (const sub of cmd.subcommands.values()) this.add(sub);
    }
    const n = this.all.length;
    this.categoryBits = new Uint32Array(n);
    this.noAuth = new Uint8Array(n);
    this.hasKeys = new Uint8Array(n);
    this.keyPlans = [];
    for (let i = 0; i < n; i++) {
      const cmd = this.all[i];
      let bits = 0;
      for (const cat of cmd.aclCategories) bits |= categoryBit(cat);
      this.categoryBits[i] = bits;
      this.noAuth[i] = cmd.flags.has('no_auth') ? 1 : 0;
      this.hasKeys[i] = commandHasKeys(cmd) ? 1 : 0;
      this.keyPlans.push(keyPlan(cmd));
    }
  }

  private add(cmd: Command): void {
    this.ids.set(cmd, this.all.length);
    this.all.push(cmd);
  }

  get count(): number {
    return this.all.length;
  }

  /** ACLLookupCommand: `name` or `container|sub` (any case); more levels are unknown. */
  lookup(name: string): Command | undefined {
    const bar = name.indexOf('|');
    if (bar < 0) return name.length === 0 ? undefined : this.table.lookup(name);
    if (name.indexOf('|', bar + 1) >= 0) return undefined;
    const parent = this.table.lookup(name.slice(0, bar));
    if (parent === undefined) return undefined;
    // A command without subcommands has no `a|b` form.
    if (parent.subcommands === null) return undefined;
    const sub = name.slice(bar + 1).toLowerCase();
    return parent.subcommands.get(sub);
  }
}

/** One key spec as positions: keys from `first`, as getKeysUsingKeySpecs's range, needing `need` (PERM_*). */
export interface KeyPlan {
  first: number;
  lastkey: number;
  step: number;
  limit: number;
  need: number;
}

/** A command's key plan, when its keys follow from positions alone (see AclCommands.keyPlans). */
function keyPlan(cmd: Command): KeyPlan[] | null {
  if (cmd.spec.getKeys !== undefined || cmd.spec.getKeysAndFlags !== undefined) return null;
  const plan: KeyPlan[] = [];
  for (const k of cmd.keySpecs) {
    if (k.flags.includes('NOT_KEY')) continue;
    if (k.flags.includes('INCOMPLETE') || k.flags.includes('VARIABLE_FLAGS')) return null;
    if (!('index' in k.begin) || !('range' in k.find)) return null;
    const r = k.find.range;
    if (r.step < 1) return null;
    let need = 0;
    for (const f of k.flags) {
      if (f === 'ACCESS') need |= PERM_READ;
      else if (f === 'INSERT' || f === 'DELETE' || f === 'UPDATE') need |= PERM_WRITE;
    }
    plan.push({ first: k.begin.index, lastkey: r.lastkey, step: r.step, limit: r.limit, need });
  }
  return plan;
}

/** The bit of category `name` (lower case), or 0 when there is no such category. */
export function categoryBit(name: string): number {
  const i = (ACL_CATEGORIES as readonly string[]).indexOf(name);
  return i < 0 ? 0 : 1 << i;
}

export interface KeyPattern {
  pattern: string;
  flags: number;
  /** The pattern prepared for matching, built by the first check that needs it. */
  matcher?: GlobMatcher;
}

/** ACLStringHasSpaces: spaces and NULs are refused in names and patterns. */
export function hasSpaces(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    // isspace: space, \t \n \v \f \r; and NUL.
    if (ch === 0 || ch === 32 || (ch >= 9 && ch <= 13)) return true;
  }
  return false;
}

export class Selector {
  allKeys = false;
  allChannels: boolean;
  /** Set by allcommands / +@all, cleared by removing any command (SELECTOR_FLAG_ALLCOMMANDS). */
  allCommands = false;
  /** +@all's reserved bit: the selector allows commands added later; ACL LIST starts with +@all. */
  future = false;
  allowed: Uint8Array;
  /** First arguments allowed of a command whose bit is off (`+select|0`), by command id. */
  firstArgs: Map<number, string[]> | null = null;
  keys: KeyPattern[] = [];
  channels: string[] = [];

  constructor(
    readonly commands: AclCommands,
    readonly root: boolean,
    allChannels: boolean,
  ) {
    this.allowed = new Uint8Array(commands.count);
    this.allChannels = allChannels;
  }

  clone(): Selector {
    const s = new Selector(this.commands, this.root, this.allChannels);
    s.allKeys = this.allKeys;
    s.allCommands = this.allCommands;
    s.future = this.future;
    s.allowed.set(this.allowed);
    if (this.firstArgs !== null) {
      s.firstArgs = new Map();
      for (const [id, args] of this.firstArgs) s.firstArgs.set(id, args.slice());
    }
    s.keys = this.keys.map((k) => ({ pattern: k.pattern, flags: k.flags }));
    s.channels = this.channels.slice();
    return s;
  }

  /** ACLSetSelector: applies one rule, or throws RuleError leaving the selector as it was before the rule's effect. */
  apply(op: string): void {
    const lower = op.toLowerCase();
    if (lower === 'allkeys' || op === '~*') {
      this.allKeys = true;
      this.keys = [];
    } else if (lower === 'resetkeys') {
      this.allKeys = false;
      this.keys = [];
    } else if (lower === 'allchannels' || op === '&*') {
      this.allChannels = true;
      this.channels = [];
    } else if (lower === 'resetchannels') {
      this.allChannels = false;
      this.channels = [];
    } else if (lower === 'allcommands' || lower === '+@all') {
      this.allowed.fill(1);
      this.future = true;
      this.allCommands = true;
      this.firstArgs = null;
    } else if (lower === 'nocommands' || lower === '-@all') {
      this.allowed.fill(0);
      this.future = false;
      this.allCommands = false;
      this.firstArgs = null;
    } else if (op[0] === '~' || op[0] === '%') {
      this.addKeyPattern(op);
    } else if (op[0] === '&') {
      if (this.allChannels) throw new RuleError(RuleErrors.afterAllChannels);
      const pattern = op.slice(1);
      if (hasSpaces(pattern)) throw new RuleError(RuleErrors.syntax);
      if (!this.channels.includes(pattern)) this.channels.push(pattern);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const bit = categoryBit(lower.slice(2));
      if (bit === 0) throw new RuleError(RuleErrors.unknown);
      this.setCategory(bit, op[0] === '+');
    } else if (op[0] === '+') {
      this.allowCommandRule(op.slice(1));
    } else if (op[0] === '-') {
      const cmd = this.commands.lookup(op.slice(1));
      if (cmd === undefined) throw new RuleError(RuleErrors.unknown);
      this.changePerm(cmd, false);
    } else {
      throw new RuleError(RuleErrors.syntax);
    }
  }

  private addKeyPattern(op: string): void {
    if (this.allKeys) throw new RuleError(RuleErrors.afterAllKeys);
    let flags = 0;
    let offset = 1;
    if (op[0] === '%') {
      for (; offset < op.length; offset++) {
        const ch = op[offset];
        if ((ch === 'R' || ch === 'r') && (flags & PERM_READ) === 0) {
          flags |= PERM_READ;
        } else if ((ch === 'W' || ch === 'w') && (flags & PERM_WRITE) === 0) {
          flags |= PERM_WRITE;
        } else if (ch === '~') {
          offset++;
          break;
        } else {
          throw new RuleError(RuleErrors.syntax);
        }
      }
      if (flags === 0) throw new RuleError(RuleErrors.syntax);
    } else {
      flags = PERM_ALL;
    }
    const pattern = op.slice(offset);
    if (hasSpaces(pattern)) throw new RuleError(RuleErrors.syntax);
    // Only `~*` itself is allkeys: `%RW~*` is a pattern like any other.
    const existing = this.keys.find((k) => k.pattern === pattern);
    if (existing === undefined) this.keys.push({ pattern, flags });
    else existing.flags |= flags;
  }

  /** `+cmd`, `+container|sub`, or `+cmd|firstarg` (the first-arg form, for commands without subcommands). */
  private allowCommandRule(name: string): void {
    const bar = name.lastIndexOf('|');
    if (bar < 0) {
      const cmd = this.commands.lookup(name);
      if (cmd === undefined) throw new RuleError(RuleErrors.unknown);
      this.changePerm(cmd, true);
      return;
    }
    const cmd = this.commands.lookup(name.slice(0, bar));
    const sub = name.slice(bar + 1);
    if (cmd === undefined) throw new RuleError(RuleErrors.unknown);
    if (cmd.parent !== null) throw new RuleError(RuleErrors.subcommandFirstArg);
    if (sub.length === 0) throw new RuleError(RuleErrors.syntax);
    if (cmd.subcommands !== null) {
      const subcmd = this.commands.lookup(name);
      if (subcmd === undefined) throw new RuleError(RuleErrors.unknown);
      this.changePerm(subcmd, true);
      return;
    }
    // SELECT except SELECT 0: the command stays off, that first argument is allowed.
    const id = this.commands.ids.get(cmd)!;
    if (this.firstArgs === null) this.firstArgs = new Map();
    let list = this.firstArgs.get(id);
    if (list === undefined) this.firstArgs.set(id, (list = []));
    const lowerSub = sub.toLowerCase();
    if (!list.some((a) => a.toLowerCase() === lowerSub)) list.push(sub);
  }

  private setBit(id: number, allow: boolean): void {
    this.allowed[id] = allow ? 1 : 0;
    if (!allow) this.allCommands = false;
  }

  /** ACLChangeSelectorPerm: the command and all its subcommands; its first-arg exceptions go. */
  changePerm(cmd: Command, allow: boolean): void {
    const ids = this.commands.ids;
    const id = ids.get(cmd)!;
    this.setBit(id, allow);
    if (this.firstArgs !== null) this.firstArgs.delete(id);
    if (cmd.subcommands !== null) for (const sub of cmd.subcommands.values()) this.setBit(ids.get(sub)!, allow);
  }

  /** ACLSetSelectorCommandBitsForCategory: every command in the category, containers with all their subcommands. */
  setCategory(bit: number, allow: boolean): void {
    const cmds = this.commands;
    for (const cmd of cmds.table.all) {
      if ((cmds.categoryBits[cmds.ids.get(cmd)!] & bit) !== 0) this.changePerm(cmd, allow);
      if (cmd.subcommands === null) continue;
      for (const sub of cmd.subcommands.values()) {
        if ((cmds.categoryBits[cmds.ids.get(sub)!] & bit) !== 0) this.changePerm(sub, allow);
      }
    }
  }

  // ---------------------------------------------------------------- descriptions

  /**
   * ACLDescribeSelectorCommandRules: +@all or -@all, then the categories that fit best (each
   * category where more commands agree than not, consumed in turn), then single commands and
   * first-args until the rules give exactly this selector's bitmap.
   */
  describeCommands(): string {
    const cmds = this.commands;
    const fake = new Selector(cmds, false, false);
    const temp = new Selector(cmds, false, false);
    temp.allowed.set(this.allowed);
    const additive = !this.future;
    let rules = additive ? '-@all' : '+@all';
    if (!additive) fake.allowed.fill(1);
    // Each round applies the category with the fewest commands that disagree (most that agree
    // on a tie) among those where more agree than not; the commands it covers are consumed.
    const applied = new Uint8Array(ACL_CATEGORIES.length);
    for (;;) {
      let best = -1;
      let minDiff = Infinity;
      let maxSame = 0;
      for (let i = 0; i < ACL_CATEGORIES.length; i++) {
        if (applied[i] !== 0) continue;
        const bit = 1 << i;
        let on = 0;
        let off = 0;
        for (let id = 0; id < cmds.count; id++) {
          if ((cmds.categoryBits[id] & bit) === 0) continue;
          if (temp.allowed[id] !== 0) on++;
          else off++;
        }
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < minDiff || (diff === minDiff && same > maxSame))) {
          best = i;
          minDiff = diff;
          maxSame = same;
        }
      }
      if (best < 0) break;
      const bit = 1 << best;
      fake.setCategory(bit, additive);
      temp.setCategory(bit, !additive);
      rules += (additive ? ' +@' : ' -@') + ACL_CATEGORIES[best];
      applied[best] = 1;
    }
    for (const cmd of cmds.table.all) rules = this.describeSingle(cmd, fake, rules);
    return rules;
  }

  private describeSingle(cmd: Command, fake: Selector, rules: string): string {
    const id = this.commands.ids.get(cmd)!;
    const userBit = this.allowed[id] !== 0;
    if (userBit !== (fake.allowed[id] !== 0)) {
      rules += (userBit ? ' +' : ' -') + cmd.fullName;
      fake.changePerm(cmd, userBit);
    }
    if (cmd.subcommands !== null) for (const sub of cmd.subcommands.values()) rules = this.describeSingle(sub, fake, rules);
    const firstArgs = this.firstArgs?.get(id);
    if (!userBit && firstArgs !== undefined) for (const a of firstArgs) rules += ` +${cmd.fullName}|${a}`;
    return rules;
  }

  /** The key patterns as ACL GETUSER shows them (`~*`, or the patterns joined by spaces). */
  describeKeys(): string {
    if (this.allKeys) return '~*';
    return this.keys.map(patternString).join(' ');
  }

  describeChannels(): string {
    if (this.allChannels) return '&*';
    return this.channels.map((c) => '&' + c).join(' ');
  }

  /** ACLDescribeSelector: keys, channels and commands as ACL LIST shows them. */
  describe(): string {
    let res = '';
    if (this.allKeys) res += '~* ';
    else for (const k of this.keys) res += patternString(k) + ' ';
    if (this.allChannels) res += '&* ';
    else {
      res += 'resetchannels ';
      for (const c of this.channels) res += '&' + c + ' ';
    }
    return res + this.describeCommands();
  }
}

function patternString(k: KeyPattern): string {
  if (k.flags === PERM_ALL) return '~' + k.pattern;
  return (k.flags === PERM_READ ? '%R~' : '%W~') + k.pattern;
}
