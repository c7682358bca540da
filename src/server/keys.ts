import type { Command } from './command-table.js';
import type { KeySpec, KeySpecFlag } from './command-spec.js';
import { parseInteger } from '../util/number.js';

/**
 * Key extraction from the command table, with Redis 7.0's semantics (getKeysUsingKeySpecs and
 * getKeysFromCommandWithSpecs in db.c): key specs first, the command's own `getKeys` when the specs
 * cannot answer. Used by COMMAND GETKEYS / GETKEYSANDFLAGS and available to ACL key checks and
 * anything else that needs to know which arguments are keys.
 */

/** One key found in an argv: its position and the flags of the key spec that produced it. */
export interface KeyRef {
  pos: number;
  flags: readonly KeySpecFlag[];
}

export interface KeySearchOptions {
  /** Also return arguments of specs flagged NOT_KEY (GET_KEYSPEC_INCLUDE_NOT_KEYS). */
  includeNotKeys?: boolean;
  /** On an invalid or incomplete spec, keep what was found instead of failing (GET_KEYSPEC_RETURN_PARTIAL). */
  returnPartial?: boolean;
}

const NO_FLAGS: readonly KeySpecFlag[] = [];

/**
 * Walks every key spec of `cmd` over `argv` (argv[0] is the command name; for a subcommand argv
 * starts at the container's name). Returns the keys found, or null when a spec cannot be applied
 * (unknown begin/find, unparsable key count, out-of-range positions, an INCOMPLETE spec) and
 * `returnPartial` is not set: the caller then falls back to the command's own extractor.
 */
export function getKeysUsingKeySpecs(cmd: Command, argv: readonly string[], opts: KeySearchOptions = {}): KeyRef[] | null {
  return searchKeySpecs(cmd.keySpecs, argv, opts);
}

function searchKeySpecs(specs: readonly KeySpec[], argv: readonly string[], opts: KeySearchOptions): KeyRef[] | null {
  const argc = argv.length;
  const out: KeyRef[] = [];
  for (const spec of specs) {
    if (spec.flags.includes('NOT_KEY') && !opts.includeNotKeys) continue;
    let invalid = false;
    let first = 0;
    let last = 0;
    let step = 1;
    const begin = spec.begin;
    if ('index' in begin) {
      first = begin.index;
    } else if ('keyword' in begin) {
      const from = begin.startfrom;
      const start = from > 0 ? from : argc + from;
      const end = from > 0 ? argc - 1 : 1;
      const keyword = begin.keyword.toLowerCase();
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv[i].toLowerCase() === keyword) {
          first = i + 1;
          break;
        }
      }
      // Keyword not found: this spec contributes nothing.
      if (first === 0) continue;
    } else {
      invalid = true;
    }
    if (!invalid) {
      const find = spec.find;
      if ('range' in find) {
        step = find.range.step;
        if (find.range.lastkey >= 0) {
          last = first + find.range.lastkey;
        } else if (find.range.limit === 0) {
          last = argc + find.range.lastkey;
        } else {
          last = first + (Math.trunc((argc - first) / find.range.limit) + find.range.lastkey);
        }
      } else if ('keynum' in find) {
        step = find.keynum.step;
        if (find.keynum.keynumidx >= argc - first) {
          // Too few arguments for the count: no keys; the command reports the arity/syntax error.
          continue;
        }
        const numkeys = parseInteger(argv[first + find.keynum.keynumidx]);
        if (numkeys === null || Number(numkeys) < 0) {
          invalid = true;
        } else {
          first += find.keynum.firstkey;
          last = first + Number(numkeys) - 1;
        }
      } else {
        invalid = true;
      }
    }
    if (!invalid && (last >= argc || last < first || first >= argc || step < 1)) invalid = true;
    if (!invalid) {
      for (let i = first; i <= last; i += step) {
        if (i >= argc || i < first) continue;
        out.push({ pos: i, flags: spec.flags });
      }
      if (!spec.flags.includes('INCOMPLETE')) continue;
      invalid = true;
    }
    // An invalid (or incomplete) spec.
    if (opts.returnPartial) continue;
    return null;
  }
  return out;
}

/** Whether any key spec describes real keys (doesCommandHaveKeys). */
export function commandHasKeys(cmd: Command): boolean {
  if (cmd.spec.getKeys !== undefined || cmd.spec.getKeysAndFlags !== undefined) return true;
  for (const s of cmd.keySpecs) if (!s.flags.includes('NOT_KEY')) return true;
  return false;
}

/**
 * The keys of a full command line (getKeysFromCommandWithSpecs): key specs when they exist and
 * their flags are reliable (no VARIABLE_FLAGS); otherwise, or when the specs fail, the command's
 * own `getKeys`. Keys from `getKeys` carry the flags of the spec that describes their position.
 */
export function getKeysFromCommand(cmd: Command, argv: readonly string[], opts: KeySearchOptions = {}): KeyRef[] {
  let hasKeySpec = false;
  let hasVarFlags = false;
  for (const s of cmd.keySpecs) {
    if (!s.flags.includes('NOT_KEY')) hasKeySpec = true;
    if (s.flags.includes('VARIABLE_FLAGS')) hasVarFlags = true;
  }
  if (hasKeySpec && !hasVarFlags) {
    const keys = getKeysUsingKeySpecs(cmd, argv, opts);
    if (keys !== null) return keys;
  }
  const withFlags = cmd.spec.getKeysAndFlags;
  if (withFlags !== undefined) return withFlags(argv);
  const extractor = cmd.spec.getKeys;
  if (extractor !== undefined) {
    const positions = extractor(argv as string[]);
    return positions.map((pos) => ({ pos, flags: flagsForPosition(cmd, argv, pos) }));
  }
  // VARIABLE_FLAGS without an extractor: the specs still give the right positions.
  if (hasKeySpec) return getKeysUsingKeySpecs(cmd, argv, opts) ?? [];
  return [];
}

/**
 * The flags of the spec a position belongs to: a spec beginning at that index, else one whose
 * partial search covers it, else the first spec the specs cannot resolve (unknown search).
 */
function flagsForPosition(cmd: Command, argv: readonly string[], pos: number): readonly KeySpecFlag[] {
  const specs = cmd.keySpecs;
  for (const s of specs) if ('index' in s.begin && s.begin.index === pos) return s.flags;
  for (const s of specs) {
    const found = searchKeySpecs([s], argv, { returnPartial: true, includeNotKeys: true });
    if (found !== null && found.some((k) => k.pos === pos)) return s.flags;
  }
  for (const s of specs) if ('unknown' in s.begin || 'unknown' in s.find) return s.flags;
  return specs.length > 0 ? specs[specs.length - 1].flags : NO_FLAGS;
}
