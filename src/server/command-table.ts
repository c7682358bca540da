import type { CommandFlag, CommandSpec, Handler, KeySpec } from './command-spec.js';

/**
 * A resolved command: its spec plus everything derived from it once at startup (full name,
 * implicit ACL categories, legacy first/last/step key range, movablekeys), as Redis does in
 * populateCommandTable / setImplicitACLCategories / populateCommandLegacyRangeSpec.
 */
export class Command {
  readonly name: string;
  /** `get` or `config|get`. */
  readonly fullName: string;
  readonly arity: number;
  readonly flags: ReadonlySet<CommandFlag>;
  readonly aclCategories: ReadonlySet<string>;
  readonly keySpecs: readonly KeySpec[];
  readonly handler: Handler | undefined;
  /** getCommandFlags for commands whose access depends on their arguments (the spec's dynamicAccess). */
  readonly dynamicAccess: CommandSpec['dynamicAccess'];
  readonly subcommands: Map<string, Command> | null;
  readonly parent: Command | null;
  /** Legacy key range for COMMAND INFO: first key, last key (negative = from the end), step. */
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  readonly isWrite: boolean;
  readonly isReadonly: boolean;
  readonly denyOom: boolean;
  /** DEBUG, MODULE LOAD...: allowed as enable-<command>-command says (checked for every command). */
  readonly isProtected: boolean;
  /** Writes or may replicate (PUBLISH, EVAL...): what CLIENT PAUSE WRITE holds back. */
  readonly mayReplicate: boolean;
  /** `stale`: runs on a replica whose link is down under replica-serve-stale-data no. */
  readonly allowStale: boolean;
  /** INFO commandstats counters. */
  calls = 0;
  usec = 0;
  rejectedCalls = 0;
  failedCalls = 0;

  constructor(
    readonly spec: CommandSpec,
    parent: Command | null,
  ) {
    this.parent = parent;
    this.name = spec.name;
    this.fullName = parent ? `${parent.name}|${spec.name}` : spec.name;
    this.arity = spec.arity;
    this.keySpecs = spec.keys ?? [];
    this.handler = spec.handler;
    this.dynamicAccess = spec.dynamicAccess;
    const flags = new Set<CommandFlag>(spec.flags);
    const legacy = legacyRange(this.keySpecs);
    if (legacy.movable) flags.add('movablekeys');
    this.flags = flags;
    this.firstKey = legacy.first;
    this.lastKey = legacy.last;
    this.keyStep = legacy.step;
    this.aclCategories = implicitCategories(flags, spec.acl ?? []);
    this.isWrite = flags.has('write');
    this.isReadonly = flags.has('readonly');
    this.denyOom = flags.has('denyoom');
    this.mayReplicate = flags.has('may_replicate');
    this.allowStale = flags.has('stale');
    this.isProtected = flags.has('protected');
    if (spec.subcommands && spec.subcommands.length > 0) {
      this.subcommands = new Map();
      for (const sub of spec.subcommands) this.subcommands.set(sub.name, new Command(sub, this));
    } else {
      this.subcommands = null;
    }
  }
}

/** ACL categories in Redis's bit order (the order COMMAND INFO and ACL CAT list them). */
export const ACL_CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
] as const;

function implicitCategories(flags: ReadonlySet<CommandFlag>, explicit: string[]): Set<string> {
  const cats = new Set(explicit);
  if (flags.has('write')) cats.add('write');
  if (flags.has('readonly') && !cats.has('scripting')) cats.add('read');
  if (flags.has('admin')) {
    cats.add('admin');
    cats.add('dangerous');
  }
  if (flags.has('pubsub')) cats.add('pubsub');
  if (flags.has('fast')) cats.add('fast');
  if (flags.has('blocking')) cats.add('blocking');
  if (!cats.has('fast')) cats.add('slow');
  const ordered = new Set<string>();
  for (const c of ACL_CATEGORIES) if (cats.has(c)) ordered.add(c);
  return ordered;
}

/** populateCommandLegacyRangeSpec: the first/last/step triple old clients read from COMMAND. */
function legacyRange(specs: readonly KeySpec[]): { first: number; last: number; step: number; movable: boolean } {
  if (specs.length === 0) return { first: 0, last: 0, step: 0, movable: false };
  const isIndexRange = (s: KeySpec) => 'index' in s.begin && 'range' in s.find;
  if (specs.length === 1 && isIndexRange(specs[0])) {
    const s = specs[0];
    const first = (s.begin as { index: number }).index;
    const r = (s.find as { range: { lastkey: number; step: number } }).range;
    return {
      first,
      last: r.lastkey >= 0 ? first + r.lastkey : r.lastkey,
      step: r.step,
      movable: s.flags.includes('INCOMPLETE'),
    };
  }
  let first = Number.MAX_SAFE_INTEGER;
  let last = 0;
  let prevLast = 0;
  let movable = false;
  for (const s of specs) {
    if (!isIndexRange(s)) {
      movable = true;
      continue;
    }
    const index = (s.begin as { index: number }).index;
    const r = (s.find as { range: { lastkey: number; step: number } }).range;
    if (r.step !== 1 || (prevLast !== 0 && prevLast !== index - 1)) {
      movable = true;
      continue;
    }
    if (s.flags.includes('INCOMPLETE')) movable = true;
    first = Math.min(first, index);
    const abs = r.lastkey >= 0 ? r.lastkey + index : r.lastkey;
    // Redis compares as unsigned, so a negative (relative-to-end) last key wins.
    last = (abs >>> 0) > (last >>> 0) ? abs : last;
    prevLast = last;
  }
  if (first === Number.MAX_SAFE_INTEGER) return { first: 0, last: 0, step: 0, movable };
  return { first, last, step: 1, movable };
}

/**
 * The live command table. Lookup accepts the name in lower or upper case without allocating;
 * mixed case falls back to toLowerCase.
 *
 * Two views, as Redis's server.commands and server.orig_commands: the names clients call
 * (`lookup`, `all`), which `rename-command` changes, and the commands' own names
 * (`lookupOriginal`, `original`), which it never does. A renamed command keeps its name
 * everywhere it is shown (COMMAND INFO, COMMAND LIST, INFO commandstats, ACL rules and
 * categories); only what a client, a script or the AOF calls it by changes.
 */
export class CommandTable {
  /** Dispatch names: the lower- and upper-case spelling of each callable name. */
  private readonly byName = new Map<string, Command>();
  private readonly byOriginalName = new Map<string, Command>();
  /** Callable commands in registration order, unique (COMMAND, COMMAND COUNT, COMMAND LIST, INFO). */
  readonly all: Command[] = [];
  /** Every command in registration order, removed ones included (ACL CAT). */
  readonly original: readonly Command[];

  constructor(specs: readonly CommandSpec[]) {
    for (const spec of specs) {
      if (this.byOriginalName.has(spec.name)) throw new Error(`duplicate command spec: ${spec.name}`);
      validate(spec, null);
      const cmd = new Command(spec, null);
      this.all.push(cmd);
      this.byOriginalName.set(spec.name, cmd);
      this.byName.set(spec.name, cmd);
      this.byName.set(spec.name.toUpperCase(), cmd);
    }
    this.original = this.all.slice();
  }

  /** The command a client calls by `name` (after renames). */
  lookup(name: string): Command | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  /** The command whose own name is `name`, renamed or removed or not (ACL rules, internal uses). */
  lookupOriginal(name: string): Command | undefined {
    return this.byOriginalName.get(name) ?? this.byOriginalName.get(name.toLowerCase());
  }

  /**
   * rename-command: the command called `from` is called `to` from now on, or cannot be called at
   * all when `to` is empty. Returns Redis's reason when it cannot be done, else null. Only
   * top-level commands can be renamed (Redis 7.0 aborts on `config|get`; we refuse it as unknown).
   */
  rename(from: string, to: string): string | null {
    const cmd = this.lookup(from);
    if (cmd === undefined) return 'No such command in rename-command';
    const lower = from.toLowerCase();
    // Every spelling of the old name goes (it may have been given in mixed case).
    for (const [key, value] of this.byName) if (value === cmd && key.toLowerCase() === lower) this.byName.delete(key);
    if (to.length === 0) {
      this.all.splice(this.all.indexOf(cmd), 1);
      return null;
    }
    // Redis removes the old name before it finds the new one taken, then stops the server.
    if (this.lookup(to) !== undefined) return 'Target command name already exists';
    this.byName.set(to.toLowerCase(), cmd);
    this.byName.set(to.toUpperCase(), cmd);
    return null;
  }
}

function validate(spec: CommandSpec, parent: CommandSpec | null): void {
  const full = parent ? `${parent.name}|${spec.name}` : spec.name;
  if (spec.name !== spec.name.toLowerCase()) throw new Error(`command name must be lower case: ${full}`);
  if (spec.arity === 0) throw new Error(`arity 0 is invalid: ${full}`);
  const isContainer = spec.subcommands !== undefined && spec.subcommands.length > 0;
  if (!isContainer && !spec.handler) throw new Error(`command without handler: ${full}`);
  if (spec.flags.includes('write') && spec.flags.includes('readonly')) throw new Error(`write and readonly: ${full}`);
  for (const sub of spec.subcommands ?? []) validate(sub, spec);
}
