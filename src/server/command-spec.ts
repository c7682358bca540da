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
  | 'protected'
  // Cinder's gate flags, never listed by COMMAND: where Redis's processCommand compares command
  // procs by name, the table says it instead.
  /** Runs at once inside MULTI instead of being queued (EXEC DISCARD MULTI WATCH QUIT RESET). */
  | 'not_queued'
  /** Allowed for a RESP2 client in subscribed mode (PING, (P|S)(UN)SUBSCRIBE, QUIT, RESET). */
  | 'pubsub_context';

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
  /** COMMAND DOCS extras: version history entries [version, change]. */
  history?: Array<[string, string]>;
  /** COMMAND DOCS doc flags. */
  docFlags?: Array<'deprecated' | 'syscmd'>;
  deprecatedSince?: string;
  replacedBy?: string;
  handler?: Handler;
  subcommands?: CommandSpec[];
}

export type CommandDocExtras = Pick<CommandSpec, 'history' | 'docFlags' | 'deprecatedSince' | 'replacedBy'>;

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
