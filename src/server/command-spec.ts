import type { Client } from '../server/client.js';

/**
 * The declarative command table's vocabulary, following Redis 7.0's command JSON files: one
 * `CommandSpec` per command (subcommands nested), read by dispatch, arity checks, COMMAND
 * INFO/DOCS/GETKEYS and (later) ACLs, OOM gating and cluster key extraction.
 */
export type CommandFlag =
  // Redis's flags, as COMMAND INFO lists them (may_replicate and protected are hidden there, as in Redis).
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'module'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'asking'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'no_mandatory_keys'
  | 'no_async_loading'
  | 'no_multi'
  | 'movablekeys'
  | 'allow_busy'
  /**
   * Refused before it runs unless its setting allows it (Redis's CMD_PROTECTED): DEBUG by
   * enable-debug-command, MODULE's LOAD/LOADEX/UNLOAD by enable-module-command (no / yes / local).
   */
  | 'protected'
  // Cinder's gate flags, never listed by COMMAND: where Redis's processCommand compares command
  // procs by name, the table says it instead.
  /** Runs at once inside MULTI instead of being queued (EXEC DISCARD MULTI WATCH QUIT RESET). */
  | 'not_queued'
  /** Allowed for a RESP2 client in subscribed mode (PING, (P|S)(UN)SUBSCRIBE, QUIT, RESET). */
  | 'pubsub_context'
  /**
   * Accepted inside MULTI while out of memory (EXEC DISCARD QUIT RESET; EXEC still not when its
   * transaction holds a denyoom command): every other command would grow the queue.
   */
  | 'allow_oom_in_multi';

export type KeySpecFlag =
  | 'RO'
  | 'RW'
  | 'OW'
  | 'RM'
  | 'ACCESS'
  | 'UPDATE'
  | 'INSERT'
  | 'DELETE'
  | 'NOT_KEY'
  | 'INCOMPLETE'
  | 'VARIABLE_FLAGS';

/** Where the key search starts: a fixed argument index, or after a keyword. */
export type BeginSearch = { index: number } | { keyword: string; startfrom: number } | { unknown: true };
/** How keys are found from there: a range (lastkey -1 = end), or a count argument. */
export type FindKeys =
  | { range: { lastkey: number; step: number; limit: number } }
  | { keynum: { keynumidx: number; firstkey: number; step: number } }
  | { unknown: true };

export interface KeySpec {
  flags: KeySpecFlag[];
  begin: BeginSearch;
  find: FindKeys;
  notes?: string;
}

/** A handler reads `argv` (argv[0] is the command name), writes exactly one reply, or throws CommandError. */
export type Handler = (c: Client, argv: string[]) => void;

export interface CommandSpec {
  /** Lower-case name; for a subcommand, the part after the container (`get` in `config|get`). */
  name: string;
  /** Our own one-line description (COMMAND DOCS summary). */
  summary: string;
  since: string;
  group: string;
  complexity?: string;
  /** >0: exact argument count; <0: at least -arity. The command name counts. */
  arity: number;
  flags: CommandFlag[];
  /** ACL categories beyond those derived from flags (@write, @read, @fast, @slow, @admin, ...). */
  acl?: string[];
  /** Command tips, e.g. 'nondeterministic_output', 'request_policy:all_shards'. */
  tips?: string[];
  keys?: KeySpec[];
  /** Key positions for commands whose keys the specs cannot describe (movable keys). */
  getKeys?: (argv: string[]) => number[];
  /**
   * Keys with per-call flags, for commands whose key flags depend on the arguments
   * (VARIABLE_FLAGS: SET with or without GET), like Redis's setGetKeys. Preferred over getKeys.
   */
  getKeysAndFlags?: (argv: readonly string[]) => Array<{ pos: number; flags: readonly KeySpecFlag[] }>;
  /**
   * Redis's getCommandFlags, for the commands whose access depends on their arguments: what the
   * gates (CLIENT PAUSE WRITE, a MONITOR client) judge this call may do, given the table's ACCESS_*
   * bits (src/server/command-access.ts). Scripts answer by their declared flags, EXEC by its queue.
   */
  dynamicAccess?: (c: Client, argv: readonly string[], tableAccess: number) => number;
  /**
   * Channel arguments the ACL permission gate checks against the user's channel patterns
   * (Redis's channel-bearing commands): arguments `first`..`last` (negative: from the end);
   * `pattern` when they are patterns (PSUBSCRIBE), matched literally against the user's.
   */
  aclChannels?: { first: number; last: number; pattern?: boolean };
  /** The argument vocabulary (COMMAND DOCS `arguments`), built with the `arg` helpers below. */
  args?: CommandArg[];
  /** COMMAND DOCS extras: version history entries [version, change]. */
  history?: Array<[string, string]>;
  /** COMMAND DOCS doc flags. */
  docFlags?: Array<'deprecated' | 'syscmd'>;
  deprecatedSince?: string;
  replacedBy?: string;
  handler?: Handler;
  subcommands?: CommandSpec[];
}

export type CommandDocExtras = Pick<CommandSpec, 'history' | 'docFlags' | 'deprecatedSince' | 'replacedBy' | 'args'>;

/** Attaches COMMAND DOCS extras to a spec literal (keeps long history lists out of the literal). */
export function withDocs<T extends CommandSpec>(spec: T, extras: CommandDocExtras): T {
  return { ...spec, ...extras };
}

/** The key spec of the key at argument `index`; `lastkey` -1 (or -2 ...) makes it a range to the end. */
export function keyAt(index: number, flags: KeySpecFlag[], lastkey = 0, notes?: string): KeySpec {
  const spec: KeySpec = { flags, begin: { index }, find: { range: { lastkey, step: 1, limit: 0 } } };
  if (notes !== undefined) spec.notes = notes;
  return spec;
}

/** The key specs of a command whose only key is its first argument. */
export function firstKey(flags: KeySpecFlag[], notes?: string): KeySpec[] {
  return [keyAt(1, flags, 0, notes)];
}

// ---------------------------------------------------------------- arguments

/** Argument types, as Redis's command JSON names them. */
export type ArgType = 'string' | 'integer' | 'double' | 'key' | 'pattern' | 'unix-time' | 'pure-token' | 'oneof' | 'block';

/**
 * One argument of a command, in Redis's command JSON vocabulary (COMMAND DOCS prints it): `oneof`
 * and `block` arguments hold nested `args`; a `key` argument names its key spec by index.
 */
export interface CommandArg {
  name: string;
  type: ArgType;
  /** The index of the key spec that finds this argument (keys; also SORT's BY/GET patterns, which name keys). */
  keySpecIndex?: number;
  /** The literal word that precedes the value (or is the whole argument, for pure-token). */
  token?: string;
  summary?: string;
  since?: string;
  deprecatedSince?: string;
  displayText?: string;
  optional?: boolean;
  multiple?: boolean;
  /** With `multiple`: the token is repeated before each value (`GET pattern GET pattern`). */
  multipleToken?: boolean;
  args?: CommandArg[];
}

/** What a builder accepts besides name and type; `name` renames a pure token. */
export type ArgOptions = Partial<Omit<CommandArg, 'type' | 'args'>>;

function makeArg(type: ArgType, name: string, opts: ArgOptions | undefined, extra?: Partial<CommandArg>): CommandArg {
  return { ...opts, name: opts?.name ?? name, type, ...extra };
}

/**
 * Builders for CommandSpec `args`, so spec literals read like the syntax:
 * `[arg.key('key', 0), arg.string('value'), arg.oneOf('condition', [arg.token('NX'), arg.token('XX')], { optional: true })]`.
 */
export const arg = {
  /** A key found by key spec `keySpecIndex`. */
  key: (name: string, keySpecIndex: number, opts?: ArgOptions): CommandArg => makeArg('key', name, opts, { keySpecIndex }),
  string: (name: string, opts?: ArgOptions): CommandArg => makeArg('string', name, opts),
  integer: (name: string, opts?: ArgOptions): CommandArg => makeArg('integer', name, opts),
  double: (name: string, opts?: ArgOptions): CommandArg => makeArg('double', name, opts),
  pattern: (name: string, opts?: ArgOptions): CommandArg => makeArg('pattern', name, opts),
  unixTime: (name: string, opts?: ArgOptions): CommandArg => makeArg('unix-time', name, opts),
  /** A literal word on its own; named after the word in lower case unless `opts.name` says otherwise. */
  token: (token: string, opts?: ArgOptions): CommandArg => makeArg('pure-token', token.toLowerCase(), { ...opts, token }),
  /** Exactly one of `args`. */
  oneOf: (name: string, args: CommandArg[], opts?: ArgOptions): CommandArg => makeArg('oneof', name, opts, { args }),
  /** `args` in sequence, as a group (`LIMIT offset count`). */
  block: (name: string, args: CommandArg[], opts?: ArgOptions): CommandArg => makeArg('block', name, opts, { args }),
};
