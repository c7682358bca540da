import fs from 'node:fs';
import path from 'node:path';
import { CommandError } from '../protocol/errors.js';
import { splitInlineArgs } from '../protocol/request-parser.js';
import { checkUserDirective } from './acl/user.js';
import { parseFloatStrict, parseInteger } from '../util/number.js';
import { stringMatch } from '../util/glob.js';
import { REDIS_VERSION } from '../util/version.js';

/**
 * Server configuration, as Redis 7.0 has it: every parameter of Redis 7.0.15 (names, aliases,
 * types, ranges, defaults, immutability), redis.conf parsing (sdssplitargs quoting, `include`,
 * multi-argument directives), redis-server style command-line flags, and the semantics behind
 * CONFIG GET / SET / REWRITE (src/commands/config.ts is the command layer).
 *
 * Values are kept in their canonical CONFIG GET form (one string per parameter). The typed fields
 * (`port`, `hz`, `maxmemory`, ...) mirror the current values and are rewritten on every change:
 * read them, but change values only through `set` (or CONFIG SET), so that listeners run.
 *
 * Cinder-specific choices (documented in docs and in the differential tests):
 * - `bind` defaults to "127.0.0.1 -::1" (Redis without a config file: "* -::*"), as in the
 *   redis.conf Redis ships; port 0 means "pick a free port" for embedded servers.
 * - `dir` is validated and resolved like Redis's chdir, but the process working directory is not
 *   changed (an embedded server must not move its host's cwd): CONFIG GET dir returns the path.
 * - Each parameter says whether Cinder honours it (`yes`), accepts it as a tuning knob for a
 *   mechanism Cinder does not have (`inert`, e.g. listpack sizes, io-threads: validated, stored,
 *   returned), or does not support it yet (`no`, e.g. tls-replication, cluster-enabled). A `no`
 *   parameter set in the config file or on the command line produces one startup warning
 *   (collected in `warnings`) unless its value is one that keeps the feature off (`appendonly no`).
 */

/** The Redis version Cinder is compatible with (fatal config errors and INFO report it). */

/** A config file or flag error: the message is what redis-server prints before exiting with 1. */
export class ConfigError extends Error {}

/** A parameter value rejected by its type or validator; the message is Redis's reason text. */
class ParamError extends Error {}

// ---------------------------------------------------------------- C-like helpers

const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
const UINT_MAX = 4294967295n;
const LONG_MAX = 9223372036854775807n;
const LLONG_MAX = LONG_MAX;
const ULLONG_MAX = 18446744073709551615n;
const SSIZE_MAX = LONG_MAX;
const TWO64 = 18446744073709551616n;

/** A 64-bit pattern (unsigned) read back as C's long long. */
function toSigned64(u: bigint): bigint {
  u = BigInt.asUintN(64, u);
  return u > LLONG_MAX ? u - TWO64 : u;
}

/** strerror() texts for the errno values file operations report. */
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  EROFS: 'Read-only file system',
  ENOSPC: 'No space left on device',
  EEXIST: 'File exists',
  EIO: 'Input/output error',
  EBUSY: 'Device or resource busy',
  EXDEV: 'Invalid cross-device link',
  EINVAL: 'Invalid argument',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
};

export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code !== undefined && STRERROR[code] !== undefined) return STRERROR[code];
  return code ?? String((e as Error)?.message ?? e);
}

/** Config strings hold bytes as latin1 characters; the filesystem wants the bytes back. */
function fsPath(p: string): Buffer {
  return Buffer.from(p, 'latin1');
}

function isSpaceCode(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * C's strtoll(s, &end, base) followed by a check that the whole string was consumed (the way
 * redis.c validates most multi-argument values): leading whitespace and a sign are accepted, an
 * empty string is 0, overflow is an error only when `rangeErrors` (errno checked).
 */
function strtollFull(s: string, base: 8 | 10, rangeErrors: boolean): bigint | null {
  let i = 0;
  const len = s.length;
  while (i < len && isSpaceCode(s.charCodeAt(i))) i++;
  let neg = false;
  const sign = s.charCodeAt(i);
  if (sign === 43 || sign === 45) {
    neg = sign === 45;
    i++;
  }
  const digitsStart = i;
  let v = 0n;
  const b = BigInt(base);
  for (; i < len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d >= base) break;
    v = v * b + BigInt(d);
  }
  if (i === digitsStart) {
    // No conversion: end pointer is the start of the string.
    return len === 0 ? 0n : null;
  }
  if (i !== len) return null;
  if (neg) v = -v;
  if (v > LLONG_MAX || v < -LLONG_MAX - 1n) {
    if (rangeErrors) return null;
    v = v > 0n ? LLONG_MAX : -LLONG_MAX - 1n;
  }
  return v;
}

/**
 * Redis's memtoull: digits followed by an optional unit (b, k, kb, m, mb, g, gb; any case). No
 * sign; an empty number is 0; overflow saturates and the multiplication wraps like C's.
 */
export function memtoull(s: string): bigint | null {
  if (s.charCodeAt(0) === 45) return null;
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const unit = s.slice(i).toLowerCase();
  let mul: bigint;
  switch (unit) {
    case '':
    case 'b':
      mul = 1n;
      break;
    case 'k':
      mul = 1000n;
      break;
    case 'kb':
      mul = 1024n;
      break;
    case 'm':
      mul = 1000000n;
      break;
    case 'mb':
      mul = 1048576n;
      break;
    case 'g':
      mul = 1000000000n;
      break;
    case 'gb':
      mul = 1073741824n;
      break;
    default:
      return null;
  }
  if (i >= 128) return null;
  let val = i === 0 ? 0n : BigInt(s.slice(0, i));
  if (val > ULLONG_MAX) val = ULLONG_MAX;
  return BigInt.asUintN(64, val * mul);
}

/** A memory size as redis.conf writes it on CONFIG REWRITE (largest exact unit). */
export function formatMemory(bytes: bigint): string {
  const gb = 1073741824n;
  const mb = 1048576n;
  const kb = 1024n;
  if (bytes !== 0n && bytes % gb === 0n) return `${bytes / gb}gb`;
  if (bytes !== 0n && bytes % mb === 0n) return `${bytes / mb}mb`;
  if (bytes !== 0n && bytes % kb === 0n) return `${bytes / kb}kb`;
  return String(bytes);
}

/** sdscatrepr: a double-quoted, escaped representation that sdssplitargs reads back. */
export function quoteRepr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 92:
        out += '\\\\';
        break;
      case 34:
        out += '\\"';
        break;
      case 10:
        out += '\\n';
        break;
      case 13:
        out += '\\r';
        break;
      case 9:
        out += '\\t';
        break;
      case 7:
        out += '\\a';
        break;
      case 8:
        out += '\\b';
        break;
      default:
        if (c >= 32 && c <= 126) out += s[i];
        else out += '\\x' + (c & 0xff).toString(16).padStart(2, '0');
    }
  }
  return out + '"';
}

/** The part of an argument C code sees when it treats it as a NUL-terminated string. */
function cstr(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** sdssplitlen(value, " "): CONFIG SET's split of a multi-argument value (empty tokens kept). */
function splitSpaces(value: string): string[] {
  return value.length === 0 ? [] : value.split(' ');
}

/** printf("%f") then trimDoubleString: at most 6 decimals, trailing zeros and dot removed. */
function formatPercentile(d: number): string {
  let s = d.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

// ---------------------------------------------------------------- parameter definitions

/** Whether Cinder acts on a parameter (see the file comment). */
export type Support = 'yes' | 'inert' | 'no';

interface ParamOptions {
  alias?: string;
  /** CONFIG SET refuses it ("can't set immutable config"); only config file and flags set it. */
  immutable?: boolean;
  /** CONFIG SET needs enable-protected-configs ("can't set protected config"). */
  protected?: boolean;
  /** Only an exact CONFIG GET name finds it (never a pattern). */
  hidden?: boolean;
  /** Value redacted from logs (passwords). */
  sensitive?: boolean;
  support?: Support;
  /** For `support: 'no'`: values that keep the feature off, so no startup warning is due. */
  off?: readonly string[];
  /** Typed Config field mirroring the value. */
  field?: string;
  /** Runs after a CONFIG SET changed the value; returns Redis's error text to undo the change. */
  apply?: (cfg: Config) => string | null;
}

interface SetContext {
  cfg: Config;
  /** True while loading the config file and flags (some parameters accumulate then). */
  reading: boolean;
}

/** One line CONFIG REWRITE writes for a parameter; `force` appends it even if absent before. */
interface RewriteLine {
  line: string;
  force: boolean;
}

type ParamType = 'bool' | 'numeric' | 'enum' | 'string' | 'special';

interface ParamDef extends ParamOptions {
  name: string;
  type: ParamType;
  /** Takes all arguments after the name in redis.conf; CONFIG SET splits its value on spaces. */
  multiArg: boolean;
  /** Canonical default (what CONFIG GET answers on a fresh server). */
  def: string;
  /** Arguments → canonical value, or throws ParamError with Redis's reason. */
  parse(args: string[], ctx: SetContext, current: string): string;
  /** The lines CONFIG REWRITE writes for the current value (none: remove the directive). */
  rewrite(value: string): RewriteLine[];
  /** The typed-field value for the canonical value. */
  typed(value: string): unknown;
  /** What CONFIG GET shows for the stored value, when it keeps more than Redis shows. */
  shown?(value: string): string;
}

// Bool -------------------------------------------------------------------------------------

function boolParam(
  name: string,
  def: boolean,
  opts: ParamOptions & { validate?: (v: boolean) => string | null } = {},
): ParamDef {
  const d = def ? 'yes' : 'no';
  return {
    ...opts,
    name,
    type: 'bool',
    multiArg: false,
    def: d,
    parse(args) {
      const v = cstr(args[0]).toLowerCase();
      if (v !== 'yes' && v !== 'no') throw new ParamError("argument must be 'yes' or 'no'");
      const err = opts.validate?.(v === 'yes') ?? null;
      if (err !== null) throw new ParamError(err);
      return v;
    },
    rewrite: (v) => [{ line: `${name} ${v}`, force: v !== d }],
    typed: (v) => v === 'yes',
  };
}

// Numeric ----------------------------------------------------------------------------------

/** The C type a numeric parameter is stored in (it decides the boundary check's signedness). */
type NumKind = 'int' | 'uint' | 'long' | 'ulong' | 'll' | 'ull' | 'size' | 'ssize' | 'time' | 'off';
const UNSIGNED_CHECKED: ReadonlySet<NumKind> = new Set<NumKind>(['ull', 'uint', 'size']);

interface NumFlags {
  memory?: boolean;
  percent?: boolean;
  octal?: boolean;
}

function numParam(
  name: string,
  kind: NumKind,
  lo: bigint,
  hi: bigint,
  def: bigint,
  opts: ParamOptions & NumFlags = {},
): ParamDef {
  const { memory = false, percent = false, octal = false } = opts;
  const canonical = (v: bigint): string => {
    if (percent && v < 0n) return `${-v}%`;
    if (memory) return String(BigInt.asUintN(64, v));
    if (octal) return v.toString(8);
    return String(v);
  };
  const internal = (s: string): bigint => {
    if (s.endsWith('%')) return -BigInt(s.slice(0, -1));
    if (octal) return BigInt('0o' + s);
    return toSigned64(BigInt(s));
  };
  const fmtBound = (b: bigint) => (octal ? b.toString(8) : String(b));
  const rangeError = () => new ParamError(`argument must be between ${fmtBound(lo)} and ${fmtBound(hi)} inclusive`);
  return {
    ...opts,
    name,
    type: 'numeric',
    multiArg: false,
    def: canonical(def),
    parse(args) {
      const s = args[0];
      let v: bigint | null = null;
      if (memory) {
        const m = memtoull(cstr(s));
        if (m !== null) v = toSigned64(m);
      }
      if (v === null && percent && s.length > 1 && s.endsWith('%')) {
        const p = parseInteger(s.slice(0, -1));
        if (p !== null && p >= 0) v = -BigInt(p);
      }
      if (v === null && octal) v = strtollFull(cstr(s), 8, true);
      if (v === null && !memory && !percent && !octal) {
        const n = parseInteger(s);
        if (n !== null) v = BigInt(n);
      }
      if (v === null) {
        if (memory && percent) throw new ParamError('argument must be a memory or percent value');
        if (memory) throw new ParamError('argument must be a memory value');
        if (octal) throw new ParamError("argument couldn't be parsed as an octal number");
        throw new ParamError("argument couldn't be parsed into an integer");
      }
      if (UNSIGNED_CHECKED.has(kind)) {
        const u = BigInt.asUintN(64, v);
        if (u > hi || u < lo) throw rangeError();
      } else if (percent && v < 0n) {
        if (v < lo) throw new ParamError(`percentage argument must be less or equal to ${-lo}`);
      } else if (v > hi || v < lo) {
        throw rangeError();
      }
      return canonical(v);
    },
    rewrite(value) {
      const v = internal(value);
      const force = v !== def;
      if (percent && v < 0n) return [{ line: `${name} ${-v}%`, force }];
      if (memory) return [{ line: `${name} ${formatMemory(v)}`, force }];
      if (octal) return [{ line: `${name} ${v.toString(8)}`, force }];
      return [{ line: `${name} ${v}`, force }];
    },
    typed: (value) => Number(internal(value)),
  };
}

// Enum -------------------------------------------------------------------------------------

/**
 * An enumeration (one of the names, any case). With `flags`, several names combine (bit values),
 * as shutdown-on-sigint "nosave now" does; the value 0 is named by the entry with value 0.
 */
function enumParam(
  name: string,
  values: ReadonlyArray<readonly [string, number]>,
  def: string,
  opts: ParamOptions & { flags?: boolean; validate?: (bits: number) => string | null; unlisted?: ReadonlyArray<readonly [string, number]> } = {},
): ParamDef {
  const list = values.map((v) => v[0]).join(', ');
  const bad = () => new ParamError(`argument(s) must be one of the following: ${list}`);
  // Values of Cinder's own are accepted but left out of the error, which stays Redis's.
  if (opts.unlisted) values = [...values, ...opts.unlisted];
  const lookup = (s: string): number | undefined => {
    const l = cstr(s).toLowerCase();
    for (const [n, v] of values) if (n === l) return v;
    return undefined;
  };
  const format = (bits: number): string => {
    if (!opts.flags) return values.find((v) => v[1] === bits)?.[0] ?? 'unknown';
    if (bits === 0) return values.find((v) => v[1] === 0)?.[0] ?? '';
    const names: string[] = [];
    for (const [n, v] of values) if (v !== 0 && (bits & v) === v) names.push(n);
    return names.join(' ');
  };
  return {
    ...opts,
    name,
    type: 'enum',
    multiArg: opts.flags === true,
    def,
    parse(args) {
      if (args.length === 0) throw bad();
      if (!opts.flags && args.length !== 1) throw bad();
      let bits = 0;
      for (const a of args) {
        const v = lookup(a);
        if (v === undefined) throw bad();
        bits |= v;
      }
      const err = opts.validate?.(bits) ?? null;
      if (err !== null) throw new ParamError(err);
      return format(bits);
    },
    rewrite: (v) => [{ line: `${name} ${v}`, force: v !== def }],
    typed: (v) => v,
  };
}

// String -----------------------------------------------------------------------------------

/**
 * A string. With `emptyIsNull`, the empty string means "unset" (CONFIG REWRITE then drops the
 * directive); `def` null is the unset default.
 */
function strParam(
  name: string,
  def: string | null,
  emptyIsNull: boolean,
  opts: ParamOptions & { validate?: (v: string, cfg: Config) => string | null; binary?: boolean } = {},
): ParamDef {
  return {
    ...opts,
    name,
    type: 'string',
    multiArg: false,
    def: def ?? '',
    parse(args, ctx) {
      // Most string parameters are C strings (cut at a NUL byte); `binary` ones are sds.
      const v = opts.binary ? args[0] : cstr(args[0]);
      const err = opts.validate?.(v, ctx.cfg) ?? null;
      if (err !== null) throw new ParamError(err);
      return v;
    },
    rewrite(v) {
      if (emptyIsNull && v === '') return [];
      return [{ line: `${name} ${quoteRepr(v)}`, force: def === null || v !== def }];
    },
    typed: (v) => (emptyIsNull && v === '' ? null : v),
  };
}

// Special ----------------------------------------------------------------------------------

function shownValue(def: ParamDef, value: string): string {
  return def.shown === undefined ? value : def.shown(value);
}

function specialParam(
  name: string,
  def: string,
  multiArg: boolean,
  parse: ParamDef['parse'],
  rewrite: ParamDef['rewrite'],
  typed: ParamDef['typed'],
  opts: ParamOptions = {},
): ParamDef {
  return { ...opts, name, type: 'special', multiArg, def, parse, rewrite, typed };
}

const DEFAULT_SAVE = '3600 1 300 100 60 10000';

function saveParam(): ParamDef {
  return specialParam(
    'save',
    DEFAULT_SAVE,
    true,
    (args, ctx, current) => {
      let reset = !ctx.reading;
      args = args.map(cstr);
      if (args.length === 1 && args[0] === '') {
        args = [];
        reset = true;
      }
      if (args.length % 2 !== 0) throw new ParamError('Invalid save parameters');
      const nums: bigint[] = [];
      for (let j = 0; j < args.length; j++) {
        const v = strtollFull(args[j], 10, false);
        if (v === null || (j % 2 === 0 && v < 1n) || (j % 2 === 1 && v < 0n)) {
          throw new ParamError('Invalid save parameters');
        }
        // Seconds are a time_t, changes an int.
        nums.push(j % 2 === 0 ? v : BigInt.asIntN(32, v));
      }
      const cfg = ctx.cfg;
      if (ctx.reading && !cfg.loadState.saveLoaded) {
        cfg.loadState.saveLoaded = true;
        reset = true;
      }
      const base = reset || current === '' ? [] : current.split(' ');
      return [...base, ...nums.map(String)].join(' ');
    },
    (v) => {
      if (v === '') return [{ line: 'save ""', force: true }];
      const parts = v.split(' ');
      const lines: RewriteLine[] = [];
      for (let i = 0; i < parts.length; i += 2) lines.push({ line: `save ${parts[i]} ${parts[i + 1]}`, force: true });
      return lines;
    },
    (v) => {
      const parts = v === '' ? [] : v.split(' ').map(Number);
      const out: Array<[number, number]> = [];
      for (let i = 0; i < parts.length; i += 2) out.push([parts[i], parts[i + 1]]);
      return out;
    },
    { support: 'yes', field: 'save' },
  );
}

const OBUF_CLASSES = ['normal', 'slave', 'pubsub'] as const;
const OBUF_DEFAULT = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';

function clientOutputBufferLimitParam(): ParamDef {
  const defaults = OBUF_DEFAULT.split(' ');
  return specialParam(
    'client-output-buffer-limit',
    OBUF_DEFAULT,
    true,
    (args, _ctx, current) => {
      if (args.length % 4 !== 0) throw new ParamError('Wrong number of arguments in buffer limit configuration.');
      args = args.map(cstr);
      const values = current.split(' ');
      const updates: Array<[number, string[]]> = [];
      for (let j = 0; j < args.length; j += 4) {
        const cls = args[j].toLowerCase();
        const idx = cls === 'normal' ? 0 : cls === 'slave' || cls === 'replica' ? 1 : cls === 'pubsub' ? 2 : -1;
        if (idx < 0) throw new ParamError('Invalid client class specified in buffer limit configuration.');
        const hard = memtoull(args[j + 1]);
        const soft = memtoull(args[j + 2]);
        const secs = strtollFull(args[j + 3], 10, false);
        if (hard === null || soft === null || secs === null || BigInt.asIntN(32, secs) < 0n) {
          throw new ParamError('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
        }
        updates.push([idx, [String(hard), String(soft), String(BigInt.asIntN(32, secs))]]);
      }
      for (const [idx, v] of updates) values.splice(idx * 4 + 1, 3, ...v);
      return values.join(' ');
    },
    (v) => {
      const parts = v.split(' ');
      const lines: RewriteLine[] = [];
      for (let i = 0; i < 3; i++) {
        const [hard, soft, secs] = parts.slice(i * 4 + 1, i * 4 + 4);
        const force = hard !== defaults[i * 4 + 1] || soft !== defaults[i * 4 + 2] || secs !== defaults[i * 4 + 3];
        const cls = OBUF_CLASSES[i] === 'slave' ? 'replica' : OBUF_CLASSES[i];
        const mem = (s: string) => formatMemory(toSigned64(BigInt(s)));
        lines.push({ line: `client-output-buffer-limit ${cls} ${mem(hard)} ${mem(soft)} ${secs}`, force });
      }
      return lines;
    },
    (v) => {
      const parts = v.split(' ');
      const out: Record<string, { hard: number; soft: number; softSeconds: number }> = {};
      for (let i = 0; i < 3; i++) {
        out[OBUF_CLASSES[i]] = {
          hard: Number(parts[i * 4 + 1]),
          soft: Number(parts[i * 4 + 2]),
          softSeconds: Number(parts[i * 4 + 3]),
        };
      }
      return out;
    },
    { support: 'yes', field: 'clientOutputBufferLimit' },
  );
}

function oomScoreAdjValuesParam(): ParamDef {
  const def = '0 200 800';
  return specialParam(
    'oom-score-adj-values',
    def,
    true,
    (args) => {
      if (args.length !== 3) throw new ParamError('wrong number of arguments');
      const out: string[] = [];
      for (const a of args) {
        const v = strtollFull(cstr(a), 10, false);
        if (v === null || v < -2000n || v > 2000n) {
          throw new ParamError('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
        }
        out.push(String(v));
      }
      return out.join(' ');
    },
    (v) => [{ line: `oom-score-adj-values ${v}`, force: v !== def }],
    (v) => v.split(' ').map(Number),
    { support: 'inert' },
  );
}

/** Keyspace event classes (notify.c): the letters and their bits. */
export const NOTIFY = {
  K: 1,
  E: 2,
  g: 4,
  $: 8,
  l: 16,
  s: 32,
  h: 64,
  z: 128,
  x: 256,
  e: 512,
  t: 1024,
  m: 2048,
  d: 4096,
  n: 8192,
} as const;
const NOTIFY_ALL = NOTIFY.g | NOTIFY.$ | NOTIFY.l | NOTIFY.s | NOTIFY.h | NOTIFY.z | NOTIFY.x | NOTIFY.e | NOTIFY.t | NOTIFY.d;

/** keyspaceEventsStringToFlags: -1 on an unknown class character. */
export function keyspaceEventsFlags(s: string): number {
  let flags = 0;
  for (const ch of s) {
    if (ch === 'A') flags |= NOTIFY_ALL;
    else if (Object.prototype.hasOwnProperty.call(NOTIFY, ch)) flags |= NOTIFY[ch as keyof typeof NOTIFY];
    else return -1;
  }
  return flags;
}

/**
 * keyspaceEventsFlagsToString: the spelling CONFIG GET returns. Like Redis 7.0 it omits `n` when
 * `A` is shown (A does not include n, yet n stays active): see keyspaceEventsValue.
 */
export function keyspaceEventsString(flags: number): string {
  let res = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) {
    res += 'A';
  } else {
    for (const ch of ['g', '$', 'l', 's', 'h', 'z', 'x', 'e', 't', 'd', 'n'] as const) {
      if (flags & NOTIFY[ch]) res += ch;
    }
  }
  if (flags & NOTIFY.K) res += 'K';
  if (flags & NOTIFY.E) res += 'E';
  if (flags & NOTIFY.m) res += 'm';
  return res;
}

function notifyKeyspaceEventsParam(): ParamDef {
  const def = specialParam(
    'notify-keyspace-events',
    '',
    false,
    (args) => {
      if (args.length !== 1) throw new ParamError('wrong number of arguments');
      const flags = keyspaceEventsFlags(cstr(args[0]));
      if (flags === -1) throw new ParamError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
      return keyspaceEventsValue(flags);
    },
    // Redis rewrites what CONFIG GET shows (so `n` next to `A` is not kept across a restart).
    (v) => [{ line: `notify-keyspace-events ${quoteRepr(keyspaceEventsShown(v))}`, force: v !== '' }],
    (v) => v,
    { support: 'yes', field: 'notifyKeyspaceEvents' },
  );
  return { ...def, shown: keyspaceEventsShown };
}

/**
 * The stored value: Redis's spelling, plus a trailing `n` when Redis's spelling hides it (with
 * `A`), so the flags survive in the value (and KEA -> KEAn is a change that re-applies them).
 */
export function keyspaceEventsValue(flags: number): string {
  const shown = keyspaceEventsString(flags);
  return shown.startsWith('A') && flags & NOTIFY.n ? shown + 'n' : shown;
}

/** CONFIG GET's spelling of a stored value: the extra trailing `n` after `A...` removed. */
function keyspaceEventsShown(v: string): string {
  return v.startsWith('A') && v.endsWith('n') ? v.slice(0, -1) : v;
}

/** Cinder's default listening addresses (Redis without a config file: "* -::*"). */
export const DEFAULT_BIND = '127.0.0.1 -::1';
const BINDADDR_MAX = 16;

function bindParam(): ParamDef {
  return specialParam(
    'bind',
    DEFAULT_BIND,
    true,
    (args) => {
      if (args.length > BINDADDR_MAX) throw new ParamError('Too many bind addresses specified.');
      args = args.map(cstr);
      if (args.length === 1 && args[0] === '') args = [];
      return args.join(' ');
    },
    // Unlike Redis (which drops a default bind line), a default bind is kept where it was: the
    // file may be shared with a redis-server, whose own default is all interfaces.
    (v) => [{ line: `bind ${v === '' ? '""' : v}`, force: v !== DEFAULT_BIND }],
    (v) => (v === '' ? [] : v.split(' ')),
    { support: 'yes', field: 'bind' },
  );
}

function replicaofParam(): ParamDef {
  return specialParam(
    'replicaof',
    '',
    true,
    (args) => {
      if (args.length !== 2) throw new ParamError('wrong number of arguments');
      args = args.map(cstr);
      if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return '';
      const port = strtollFull(args[1], 10, false);
      if (port === null || port < 0n || port > 65535n) throw new ParamError('Invalid master port');
      return `${args[0]} ${port}`;
    },
    (v) => (v === '' ? [] : [{ line: `replicaof ${v}`, force: true }]),
    (v) => v,
    { alias: 'slaveof', immutable: true, support: 'yes' },
  );
}

function latencyPercentilesParam(): ParamDef {
  const def = '50 99 99.9';
  return specialParam(
    'latency-tracking-info-percentiles',
    def,
    true,
    (args) => {
      if (args.length === 1 && args[0] === '') args = [];
      const out: string[] = [];
      for (const a of args) {
        const d = parseFloatStrict(a);
        if (d === null) throw new ParamError('Invalid latency-tracking-info-percentiles parameters');
        if (d > 100 || d < 0) {
          throw new ParamError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
        }
        out.push(formatPercentile(d));
      }
      return out.join(' ');
    },
    (v) => [{ line: `latency-tracking-info-percentiles ${v === '' ? '""' : v}`, force: true }],
    (v) => (v === '' ? [] : v.split(' ').map(Number)),
    { support: 'inert' },
  );
}

function dirParam(): ParamDef {
  let initial: string;
  try {
    initial = Buffer.from(fs.realpathSync.native(process.cwd())).toString('latin1');
  } catch {
    initial = process.cwd();
  }
  return specialParam(
    'dir',
    initial,
    false,
    (args, _ctx, current) => {
      if (args.length !== 1) throw new ParamError('wrong number of arguments');
      const target = path.resolve(Buffer.from(current, 'latin1').toString(), Buffer.from(cstr(args[0]), 'latin1').toString());
      let real: string;
      try {
        real = fs.realpathSync.native(target);
        if (!fs.statSync(real).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
        fs.accessSync(real, fs.constants.X_OK);
      } catch (e) {
        throw new ParamError(strerror(e));
      }
      return Buffer.from(real).toString('latin1');
    },
    (v) => [{ line: `dir ${quoteRepr(v)}`, force: true }],
    (v) => v,
    { protected: true, support: 'yes', field: 'dir' },
  );
}

// ---------------------------------------------------------------- validators and apply hooks

function isBaseName(v: string): boolean {
  return !v.includes('/') && !v.includes('\\');
}

const validDbFilename = (v: string) => (isBaseName(v) ? null : "dbfilename can't be a path, just a filename");
const validAofFilename = (v: string) =>
  v === '' ? "appendfilename can't be empty" : isBaseName(v) ? null : "appendfilename can't be a path, just a filename";
const validAofDirname = (v: string) =>
  v === '' ? "appenddirname can't be empty" : isBaseName(v) ? null : "appenddirname can't be a path, just a dirname";

function validHostname(v: string): string | null {
  if (v.length >= 256) return 'Hostnames must be less than 256 characters';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46;
    if (!ok) return 'Hostnames may only contain alphanumeric characters, hyphens or dots';
  }
  return null;
}

/** proc-title-template: {variables} must be known, `{{` is a literal brace, and it must not expand to blanks. */
function validProcTitle(v: string, cfg: Config): string | null {
  const vars: Record<string, string> = {
    title: '',
    'listen-addr': `${cfg.bind[0] ?? '*'}:${cfg.port}`,
    'server-mode': '',
    port: String(cfg.port),
    'tls-port': cfg.get('tls-port') ?? '0',
    unixsocket: cfg.get('unixsocket') ?? '',
    'config-file': cfg.configFile,
  };
  let out = '';
  let p = 0;
  const bad = 'template format is invalid or contains unknown variables';
  while (p < v.length) {
    const sv = v.indexOf('{', p);
    if (sv < 0) {
      out += v.slice(p);
      break;
    }
    out += v.slice(p, sv);
    if (sv + 1 >= v.length) return bad;
    if (v[sv + 1] === '{') {
      out += '{';
      p = sv + 2;
      continue;
    }
    const ev = v.indexOf('}', sv + 1);
    if (ev < 0) return bad;
    const name = v.slice(sv + 1, ev);
    if (!Object.prototype.hasOwnProperty.call(vars, name)) return bad;
    out += vars[name];
    p = ev + 1;
  }
  return out.replace(/^ +| +$/g, '').length === 0 ? bad : null;
}

const SHUTDOWN_SAVE = 1;
const SHUTDOWN_NOSAVE = 2;
const SHUTDOWN_FLAGS: ReadonlyArray<readonly [string, number]> = [
  ['default', 0],
  ['save', SHUTDOWN_SAVE],
  ['nosave', SHUTDOWN_NOSAVE],
  ['now', 4],
  ['force', 8],
];
const validShutdownFlags = (bits: number) =>
  (bits & SHUTDOWN_SAVE) !== 0 && (bits & SHUTDOWN_NOSAVE) !== 0
    ? "shutdown options SAVE and NOSAVE can't be used simultaneously"
    : null;

/** Replication and the cluster bus have no TLS in Cinder: turning it on fails as Redis fails to configure it. */
const TLS_APPLY_ERROR = 'Unable to update TLS configuration. Check server logs.';
const tlsApply = (cfg: Config): string | null =>
  cfg.get('tls-replication') === 'yes' || cfg.get('tls-cluster') === 'yes' ? TLS_APPLY_ERROR : null;

/** Cinder has no allocator-level defragmentation; Debian's redis-server (system jemalloc) says so too. */
const ACTIVE_DEFRAG_ERROR =
  'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution';

/**
 * A numeric parameter whose accepted value is then clamped (`always`: at load time too; else only
 * by CONFIG SET, as Redis's apply functions do).
 */
function clamped(base: ParamDef, min: bigint, max: bigint, always: boolean): ParamDef {
  return {
    ...base,
    parse(args, ctx, current) {
      const out = base.parse(args, ctx, current);
      if (!always && ctx.reading) return out;
      const v = BigInt(out);
      return String(v < min ? min : v > max ? max : v);
    },
  };
}

/** hz is a hint: out-of-range values are accepted and clamped to 1..500. */
function hzParam(): ParamDef {
  return clamped(numParam('hz', 'int', 0n, INT_MAX, 10n, { support: 'yes', field: 'hz' }), 1n, 500n, true);
}

/**
 * enable-protected-configs, enable-debug-command, enable-module-command: whether the protected
 * action is allowed always, never, or only from a local client (loopback or unix socket).
 */
export type ProtectedActionSetting = 'no' | 'yes' | 'local';

/** Redis's allowProtectedAction: `yes`, or `local` for a local client. */
export function allowProtectedAction(setting: string, isLocalClient: boolean): boolean {
  return setting === 'yes' || (setting === 'local' && isLocalClient);
}

/**
 * syslog-enabled yes: syslog(3) writes datagrams to the unix socket /dev/log, and Node has no unix
 * datagram sockets (npm's syslog modules either need a native build or speak UDP/TCP to a remote
 * daemon only), so the server refuses to start rather than lose its log silently.
 */
const SYSLOG_UNSUPPORTED =
  'syslog-enabled yes is not supported by Cinder (Node cannot write to /dev/log): use logfile, or logfile "" (standard output) under systemd or docker';

const YES_NO_LOCAL: ReadonlyArray<readonly [string, number]> = [
  ['no', 0],
  ['yes', 1],
  ['local', 2],
];

// ---------------------------------------------------------------- the Redis 7.0.15 parameter table

const I = (name: string, lo: bigint, hi: bigint, def: bigint, opts?: ParamOptions & NumFlags) =>
  numParam(name, 'int', lo, hi, def, opts);

/** Every Redis 7.0.15 parameter (the TLS ones included: Debian's build has TLS). */
function buildTable(): ParamDef[] {
  const inert: ParamOptions = { support: 'inert' };
  return [
    // Bool
    boolParam('rdbchecksum', true, { immutable: true, support: 'yes' }),
    // Honoured by the executable (src/bin/daemon.ts): a detached re-spawn, since Node cannot fork.
    boolParam('daemonize', false, { immutable: true, support: 'yes' }),
    boolParam('io-threads-do-reads', false, { immutable: true, ...inert }),
    boolParam('always-show-logo', false, { immutable: true, ...inert }),
    boolParam('protected-mode', true, { support: 'yes', field: 'protectedMode' }),
    boolParam('rdbcompression', true, { support: 'yes' }),
    boolParam('rdb-del-sync-files', false, { support: 'yes' }),
    boolParam('activerehashing', true, inert),
    boolParam('stop-writes-on-bgsave-error', true, { support: 'yes' }),
    boolParam('set-proc-title', true, { immutable: true, ...inert }),
    boolParam('dynamic-hz', true, inert),
    boolParam('lazyfree-lazy-eviction', false, { support: 'yes', field: 'lazyfreeLazyEviction' }),
    boolParam('lazyfree-lazy-expire', false, { support: 'yes', field: 'lazyfreeLazyExpire' }),
    boolParam('lazyfree-lazy-server-del', false, inert),
    boolParam('lazyfree-lazy-user-del', false, inert),
    boolParam('lazyfree-lazy-user-flush', false, inert),
    boolParam('repl-disable-tcp-nodelay', false, inert),
    boolParam('repl-diskless-sync', true, { support: 'yes' }),
    boolParam('aof-rewrite-incremental-fsync', true, { support: 'yes' }),
    boolParam('no-appendfsync-on-rewrite', false, { support: 'yes' }),
    boolParam('cluster-require-full-coverage', true, inert),
    boolParam('rdb-save-incremental-fsync', true, inert),
    boolParam('aof-load-truncated', true, { support: 'yes' }),
    boolParam('aof-use-rdb-preamble', true, { support: 'yes' }),
    boolParam('aof-timestamp-enabled', false, { support: 'yes' }),
    boolParam('cluster-replica-no-failover', false, { alias: 'cluster-slave-no-failover', ...inert }),
    boolParam('replica-lazy-flush', false, { alias: 'slave-lazy-flush', ...inert }),
    boolParam('replica-serve-stale-data', true, { alias: 'slave-serve-stale-data', support: 'yes' }),
    boolParam('replica-read-only', true, { alias: 'slave-read-only', support: 'yes' }),
    boolParam('replica-ignore-maxmemory', true, { alias: 'slave-ignore-maxmemory', support: 'yes' }),
    boolParam('jemalloc-bg-thread', true, inert),
    boolParam('activedefrag', false, { validate: (on) => (on ? ACTIVE_DEFRAG_ERROR : null), ...inert }),
    boolParam('syslog-enabled', false, { immutable: true, validate: (on) => (on ? SYSLOG_UNSUPPORTED : null), support: 'yes' }),
    boolParam('cluster-enabled', false, { immutable: true, support: 'no', off: ['no'] }),
    boolParam('appendonly', false, { support: 'yes', field: 'appendonly' }),
    boolParam('cluster-allow-reads-when-down', false, inert),
    boolParam('cluster-allow-pubsubshard-when-down', true, inert),
    boolParam('crash-log-enabled', true, inert),
    boolParam('crash-memcheck-enabled', true, inert),
    boolParam('use-exit-on-panic', false, { hidden: true, ...inert }),
    boolParam('disable-thp', true, { immutable: true, ...inert }),
    boolParam('cluster-allow-replica-migration', true, inert),
    boolParam('replica-announced', true, { support: 'yes' }),
    boolParam('latency-tracking', true, inert),
    boolParam('aof-disable-auto-gc', false, inert),
    boolParam('replica-ignore-disk-write-errors', false, inert),

    // String
    strParam('aclfile', '', false, { immutable: true, support: 'yes' }),
    strParam('unixsocket', null, true, { immutable: true, support: 'yes' }),
    strParam('pidfile', null, true, { immutable: true, support: 'yes' }),
    strParam('replica-announce-ip', null, true, { alias: 'slave-announce-ip', support: 'yes' }),
    strParam('masteruser', null, true, { sensitive: true, support: 'yes' }),
    strParam('cluster-announce-ip', null, true, inert),
    strParam('cluster-config-file', 'nodes.conf', false, { immutable: true, ...inert }),
    strParam('cluster-announce-hostname', null, true, { validate: validHostname, ...inert }),
    strParam('syslog-ident', 'redis', false, { immutable: true, ...inert }),
    strParam('dbfilename', 'dump.rdb', false, { protected: true, validate: validDbFilename, field: 'dbfilename', support: 'yes' }),
    strParam('appendfilename', 'appendonly.aof', false, { immutable: true, validate: validAofFilename, support: 'yes' }),
    strParam('appenddirname', 'appendonlydir', false, { immutable: true, validate: validAofDirname, support: 'yes' }),
    strParam('server_cpulist', null, true, { immutable: true, ...inert }),
    strParam('bio_cpulist', null, true, { immutable: true, ...inert }),
    strParam('aof_rewrite_cpulist', null, true, { immutable: true, ...inert }),
    strParam('bgsave_cpulist', null, true, { immutable: true, ...inert }),
    strParam('ignore-warnings', '', false, inert),
    strParam('proc-title-template', '{title} {listen-addr} {server-mode}', false, { validate: validProcTitle, ...inert }),
    strParam('bind-source-addr', null, true, inert),
    strParam('logfile', '', false, { immutable: true, support: 'yes' }),
    strParam('masterauth', null, true, { sensitive: true, binary: true, support: 'yes' }),
    strParam('requirepass', null, true, { sensitive: true, binary: true, support: 'yes', field: 'requirepass' }),

    // Enum
    enumParam(
      'supervised',
      [
        ['upstart', 1],
        ['systemd', 2],
        ['auto', 3],
        ['no', 0],
      ],
      'no',
      // Honoured by the executable (src/bin/supervision.ts).
      { immutable: true, support: 'yes' },
    ),
    enumParam(
      'syslog-facility',
      [
        ['user', 8],
        ['local0', 128],
        ['local1', 136],
        ['local2', 144],
        ['local3', 152],
        ['local4', 160],
        ['local5', 168],
        ['local6', 176],
        ['local7', 184],
      ],
      'local0',
      { immutable: true, ...inert },
    ),
    enumParam(
      'repl-diskless-load',
      [
        ['disabled', 0],
        ['on-empty-db', 1],
        ['swapdb', 2],
      ],
      'disabled',
      { support: 'yes' },
    ),
    enumParam(
      'loglevel',
      [
        ['debug', 0],
        ['verbose', 1],
        ['notice', 2],
        ['warning', 3],
      ],
      'notice',
      { support: 'yes', field: 'loglevel' },
    ),
    enumParam(
      'maxmemory-policy',
      [
        ['volatile-lru', 1],
        ['volatile-lfu', 2],
        ['volatile-random', 3],
        ['volatile-ttl', 4],
        ['allkeys-lru', 5],
        ['allkeys-lfu', 6],
        ['allkeys-random', 7],
        ['noeviction', 8],
      ],
      'noeviction',
      // Honoured: eviction (src/server/evict.ts) and access tracking (LRU or LFU data, OBJECT IDLETIME / FREQ).
      // allkeys-tinylfu is Cinder's own (src/engine/tinylfu.ts).
      { field: 'maxmemoryPolicy', support: 'yes', unlisted: [['allkeys-tinylfu', 9]] },
    ),
    enumParam(
      'appendfsync',
      [
        ['everysec', 0],
        ['always', 1],
        ['no', 2],
      ],
      'everysec',
      { support: 'yes' },
    ),
    enumParam(
      'oom-score-adj',
      [
        ['no', 0],
        ['yes', 1],
        ['relative', 1],
        ['absolute', 2],
      ],
      'no',
      { support: 'no', off: ['no'] },
    ),
    enumParam(
      'acl-pubsub-default',
      [
        ['allchannels', 1],
        ['resetchannels', 0],
      ],
      'resetchannels',
      { field: 'aclPubsubDefault', support: 'yes' },
    ),
    enumParam(
      'sanitize-dump-payload',
      [
        ['no', 0],
        ['yes', 1],
        ['clients', 2],
      ],
      'no',
      inert,
    ),
    enumParam('enable-protected-configs', YES_NO_LOCAL, 'no', { immutable: true, support: 'yes' }),
    // Read by the dispatcher's gate for `protected` commands (DEBUG; MODULE LOAD, LOADEX, UNLOAD).
    // Until that gate lands only DEBUG's handler checks its own; both become `support: 'yes'` then.
    enumParam('enable-debug-command', YES_NO_LOCAL, 'no', { immutable: true, field: 'enableDebugCommand', support: 'yes' }),
    enumParam('enable-module-command', YES_NO_LOCAL, 'no', { immutable: true, field: 'enableModuleCommand', support: 'yes' }),
    enumParam(
      'cluster-preferred-endpoint-type',
      [
        ['ip', 0],
        ['hostname', 1],
        ['unknown-endpoint', 2],
      ],
      'ip',
      inert,
    ),
    enumParam(
      'propagation-error-behavior',
      [
        ['ignore', 0],
        ['panic', 1],
        ['panic-on-replicas', 2],
      ],
      'ignore',
      inert,
    ),
    enumParam('shutdown-on-sigint', SHUTDOWN_FLAGS, 'default', { flags: true, validate: validShutdownFlags, support: 'yes' }),
    enumParam('shutdown-on-sigterm', SHUTDOWN_FLAGS, 'default', { flags: true, validate: validShutdownFlags, support: 'yes' }),

    // Integer
    I('databases', 1n, INT_MAX, 16n, { immutable: true, support: 'yes', field: 'databases' }),
    I('port', 0n, 65535n, 6379n, { support: 'yes', field: 'port' }),
    I('io-threads', 1n, 128n, 1n, { immutable: true, ...inert }),
    I('auto-aof-rewrite-percentage', 0n, INT_MAX, 100n, { support: 'yes' }),
    I('cluster-replica-validity-factor', 0n, INT_MAX, 10n, { alias: 'cluster-slave-validity-factor', ...inert }),
    I('list-max-listpack-size', INT_MIN, INT_MAX, -2n, { alias: 'list-max-ziplist-size', field: 'listMaxListpackSize', ...inert }),
    I('tcp-keepalive', 0n, INT_MAX, 300n, { support: 'yes', field: 'tcpKeepalive' }),
    I('cluster-migration-barrier', 0n, INT_MAX, 1n, inert),
    I('active-defrag-cycle-min', 1n, 99n, 1n, inert),
    I('active-defrag-cycle-max', 1n, 99n, 25n, inert),
    I('active-defrag-threshold-lower', 0n, 1000n, 10n, inert),
    I('active-defrag-threshold-upper', 0n, 1000n, 100n, inert),
    I('lfu-log-factor', 0n, INT_MAX, 10n, { field: 'lfuLogFactor', support: 'yes' }),
    I('lfu-decay-time', 0n, INT_MAX, 1n, { field: 'lfuDecayTime', support: 'yes' }),
    I('replica-priority', 0n, INT_MAX, 100n, { alias: 'slave-priority', support: 'yes' }),
    I('repl-diskless-sync-delay', 0n, INT_MAX, 5n, { support: 'yes' }),
    I('maxmemory-samples', 1n, INT_MAX, 5n, { field: 'maxmemorySamples', support: 'yes' }),
    I('maxmemory-eviction-tenacity', 0n, 100n, 10n, { field: 'maxmemoryEvictionTenacity', support: 'yes' }),
    I('timeout', 0n, INT_MAX, 0n, { support: 'yes', field: 'timeout' }),
    I('replica-announce-port', 0n, 65535n, 0n, { alias: 'slave-announce-port', support: 'yes' }),
    I('tcp-backlog', 0n, INT_MAX, 511n, { immutable: true, ...inert }),
    I('cluster-port', 0n, 65535n, 0n, { immutable: true, ...inert }),
    I('cluster-announce-bus-port', 0n, 65535n, 0n, inert),
    I('cluster-announce-port', 0n, 65535n, 0n, inert),
    I('cluster-announce-tls-port', 0n, 65535n, 0n, inert),
    I('repl-timeout', 1n, INT_MAX, 60n, { support: 'yes' }),
    I('repl-ping-replica-period', 1n, INT_MAX, 10n, { alias: 'repl-ping-slave-period', support: 'yes' }),
    I('list-compress-depth', 0n, INT_MAX, 0n, { field: 'listCompressDepth', ...inert }),
    I('rdb-key-save-delay', INT_MIN, INT_MAX, 0n, { hidden: true, support: 'yes' }),
    I('key-load-delay', INT_MIN, INT_MAX, 0n, { hidden: true, support: 'yes' }),
    I('active-expire-effort', 1n, 10n, 1n, { field: 'activeExpireEffort', ...inert }),
    hzParam(),
    I('min-replicas-to-write', 0n, INT_MAX, 0n, { alias: 'min-slaves-to-write', support: 'yes' }),
    I('min-replicas-max-lag', 0n, INT_MAX, 10n, { alias: 'min-slaves-max-lag', support: 'yes' }),
    I('watchdog-period', 0n, INT_MAX, 0n, { hidden: true, ...inert }),
    I('shutdown-timeout', 0n, INT_MAX, 10n, { support: 'yes' }),
    I('repl-diskless-sync-max-replicas', 0n, INT_MAX, 0n, { support: 'yes' }),

    // Unsigned int
    numParam('maxclients', 'uint', 1n, UINT_MAX, 10000n, { support: 'yes', field: 'maxclients' }),
    numParam('unixsocketperm', 'uint', 0n, 0o777n, 0n, { octal: true, immutable: true, support: 'yes' }),
    numParam('socket-mark-id', 'uint', 0n, UINT_MAX, 0n, { immutable: true, ...inert }),

    // Unsigned long
    numParam('active-defrag-max-scan-fields', 'ulong', 1n, LONG_MAX, 1000n, inert),
    numParam('slowlog-max-len', 'ulong', 0n, LONG_MAX, 128n, { support: 'yes', field: 'slowlogMaxLen' }),
    numParam('acllog-max-len', 'ulong', 0n, LONG_MAX, 128n, { support: 'yes' }),

    // Long long
    numParam('busy-reply-threshold', 'll', 0n, LONG_MAX, 5000n, { alias: 'lua-time-limit', field: 'busyReplyThreshold', ...inert }),
    numParam('cluster-node-timeout', 'll', 0n, LLONG_MAX, 15000n, inert),
    numParam('slowlog-log-slower-than', 'll', -1n, LLONG_MAX, 10000n, { support: 'yes', field: 'slowlogLogSlowerThan' }),
    numParam('latency-monitor-threshold', 'll', 0n, LLONG_MAX, 0n, { support: 'yes', field: 'latencyMonitorThreshold' }),
    numParam('proto-max-bulk-len', 'll', 1048576n, LONG_MAX, 536870912n, { memory: true, support: 'yes', field: 'protoMaxBulkLen' }),
    numParam('stream-node-max-entries', 'll', 0n, LLONG_MAX, 100n, { field: 'streamNodeMaxEntries', ...inert }),
    // The backlog never shrinks below 16kb once CONFIG SET resizes it.
    clamped(numParam('repl-backlog-size', 'll', 1n, LLONG_MAX, 1048576n, { memory: true, support: 'yes' }), 16384n, LLONG_MAX, false),

    // Unsigned long long
    numParam('maxmemory', 'ull', 0n, ULLONG_MAX, 0n, { memory: true, support: 'yes', field: 'maxmemory' }),
    numParam('cluster-link-sendbuf-limit', 'ull', 0n, ULLONG_MAX, 0n, { memory: true, ...inert }),

    // size_t / ssize_t
    numParam('hash-max-listpack-entries', 'size', 0n, LONG_MAX, 512n, { alias: 'hash-max-ziplist-entries', field: 'hashMaxListpackEntries', support: 'yes' }),
    numParam('set-max-intset-entries', 'size', 0n, LONG_MAX, 512n, { field: 'setMaxIntsetEntries', support: 'yes' }),
    numParam('zset-max-listpack-entries', 'size', 0n, LONG_MAX, 128n, { alias: 'zset-max-ziplist-entries', field: 'zsetMaxListpackEntries', support: 'yes' }),
    numParam('active-defrag-ignore-bytes', 'size', 1n, LLONG_MAX, 104857600n, { memory: true, ...inert }),
    numParam('hash-max-listpack-value', 'size', 0n, LONG_MAX, 64n, { memory: true, alias: 'hash-max-ziplist-value', field: 'hashMaxListpackValue', support: 'yes' }),
    numParam('stream-node-max-bytes', 'size', 0n, LONG_MAX, 4096n, { memory: true, field: 'streamNodeMaxBytes', ...inert }),
    numParam('zset-max-listpack-value', 'size', 0n, LONG_MAX, 64n, { memory: true, alias: 'zset-max-ziplist-value', field: 'zsetMaxListpackValue', support: 'yes' }),
    numParam('hll-sparse-max-bytes', 'size', 0n, LONG_MAX, 3000n, { memory: true, field: 'hllSparseMaxBytes', support: 'yes' }),
    numParam('tracking-table-max-keys', 'size', 0n, LONG_MAX, 1000000n, { field: 'trackingTableMaxKeys', support: 'yes' }),
    numParam('client-query-buffer-limit', 'size', 1048576n, LONG_MAX, 1073741824n, { memory: true, support: 'yes', field: 'clientQueryBufferLimit' }),
    numParam('maxmemory-clients', 'ssize', -100n, SSIZE_MAX, 0n, { memory: true, percent: true, support: 'yes', field: 'maxmemoryClients' }),

    // Other numeric types
    numParam('repl-backlog-ttl', 'time', 0n, LONG_MAX, 3600n, { support: 'yes' }),
    numParam('auto-aof-rewrite-min-size', 'off', 0n, LLONG_MAX, 67108864n, { memory: true, support: 'yes' }),
    numParam('loading-process-events-interval-bytes', 'off', 1024n, INT_MAX, 2097152n, { hidden: true, support: 'yes' }),

    // TLS (src/server/tls.ts; the listeners rebuild the context when these change, as applyTlsCfg)
    I('tls-port', 0n, 65535n, 0n, { support: 'yes' }),
    // Node keeps no server-side session cache of a size: tickets resume sessions.
    I('tls-session-cache-size', 0n, INT_MAX, 20480n, inert),
    I('tls-session-cache-timeout', 0n, INT_MAX, 300n, { support: 'yes' }),
    boolParam('tls-cluster', false, { support: 'no', off: ['no'], apply: tlsApply }),
    boolParam('tls-replication', false, { support: 'no', off: ['no'], apply: tlsApply }),
    enumParam(
      'tls-auth-clients',
      [
        ['no', 0],
        ['yes', 1],
        ['optional', 2],
      ],
      'yes',
      { support: 'yes' },
    ),
    boolParam('tls-prefer-server-ciphers', false, { support: 'yes' }),
    boolParam('tls-session-caching', true, { support: 'yes' }),
    strParam('tls-cert-file', null, true, { support: 'yes' }),
    strParam('tls-key-file', null, true, { support: 'yes' }),
    strParam('tls-key-file-pass', null, true, { sensitive: true, support: 'yes' }),
    // For connections Cinder makes (replication): not over TLS yet.
    strParam('tls-client-cert-file', null, true, inert),
    strParam('tls-client-key-file', null, true, inert),
    strParam('tls-client-key-file-pass', null, true, { sensitive: true, ...inert }),
    strParam('tls-dh-params-file', null, true, { support: 'yes' }),
    strParam('tls-ca-cert-file', null, true, { support: 'yes' }),
    strParam('tls-ca-cert-dir', null, true, { support: 'yes' }),
    strParam('tls-protocols', null, true, { support: 'yes' }),
    strParam('tls-ciphers', null, true, { support: 'yes' }),
    strParam('tls-ciphersuites', null, true, { support: 'yes' }),

    // Special
    dirParam(),
    saveParam(),
    clientOutputBufferLimitParam(),
    oomScoreAdjValuesParam(),
    notifyKeyspaceEventsParam(),
    bindParam(),
    replicaofParam(),
    latencyPercentilesParam(),
  ].map((d) => ({ support: 'no' as Support, ...d }));
}

/** Directives Redis 7.0 still reads from old config files and ignores (with their argc). */
const DEPRECATED_DIRECTIVES = new Set(['list-max-ziplist-entries', 'list-max-ziplist-value', 'lua-replicate-commands']);

/** One parameter as a client names it: the definition, and the name (alias or primary) used. */
interface Entry {
  def: ParamDef;
  name: string;
  isAlias: boolean;
}

let TABLE: ParamDef[] | null = null;
let BY_NAME: Map<string, Entry> | null = null;

function table(): { defs: ParamDef[]; byName: Map<string, Entry> } {
  if (TABLE === null || BY_NAME === null) {
    TABLE = buildTable();
    BY_NAME = new Map();
    for (const def of TABLE) {
      BY_NAME.set(def.name, { def, name: def.name, isAlias: false });
      if (def.alias) BY_NAME.set(def.alias, { def, name: def.alias, isAlias: true });
    }
  }
  return { defs: TABLE, byName: BY_NAME };
}

function lookupEntry(name: string): Entry | undefined {
  const byName = table().byName;
  return byName.get(name) ?? byName.get(name.toLowerCase());
}

/** A change listener: runs after CONFIG SET (or `set`) changed the value; throwing undoes it. */
export type ConfigListener = (value: string, config: Config) => void;

/** One `rename-command from to` directive (`to` empty: the command is removed). */
export interface RenameCommand {
  from: string;
  to: string;
  /** Its line in the config text (0 when it came from an object, `Config.fromObject`). */
  lineNumber: number;
  line: string;
}

/** Options for `Config.set`. */
export interface SetOptions {
  /** Bypass immutability and protection (internal callers configuring before start). */
  force?: boolean;
  /** The caller is a local client (enable-protected-configs local). */
  local?: boolean;
}

/** CONFIG REWRITE's signature line (added once, before the first appended directive). */
const REWRITE_SIGNATURE = '# Generated by CONFIG REWRITE';

// ---------------------------------------------------------------- the Config class

export class Config {
  // Typed mirrors of the current values (see the file comment). Other code reads these.
  port = 6379;
  bind: string[] = DEFAULT_BIND.split(' ');
  databases = 16;
  hz = 10;
  /** An expired key's deletion replays as UNLINK instead of DEL. */
  lazyfreeLazyExpire = false;
  /** An evicted key's deletion replays as UNLINK instead of DEL. */
  lazyfreeLazyEviction = false;
  protoMaxBulkLen = 512 * 1024 * 1024;
  maxclients = 10000;
  timeout = 0;
  loglevel: 'debug' | 'verbose' | 'notice' | 'warning' = 'notice';
  requirepass: string | null = null;
  protectedMode = true;
  tcpKeepalive = 300;
  dir = '';
  dbfilename = 'dump.rdb';
  appendonly = false;
  save: Array<[number, number]> = [
    [3600, 1],
    [300, 100],
    [60, 10000],
  ];
  maxmemory = 0;
  maxmemoryPolicy = 'noeviction';
  maxmemorySamples = 5;
  /** How long one eviction run may take (0..100, see evictionTimeLimitUs). */
  maxmemoryEvictionTenacity = 10;
  lfuLogFactor = 10;
  lfuDecayTime = 1;
  activeExpireEffort = 1;
  notifyKeyspaceEvents = '';
  slowlogLogSlowerThan = 10000;
  slowlogMaxLen = 128;
  latencyMonitorThreshold = 0;
  busyReplyThreshold = 5000;
  clientQueryBufferLimit = 1024 * 1024 * 1024;
  /** maxmemory-clients: bytes, or minus a percentage of maxmemory (10% is -10); 0 is off. */
  maxmemoryClients = 0;
  clientOutputBufferLimit: Record<string, { hard: number; soft: number; softSeconds: number }> = {};
  trackingTableMaxKeys = 1000000;
  aclPubsubDefault = 'resetchannels';
  enableDebugCommand: ProtectedActionSetting = 'no';
  enableModuleCommand: ProtectedActionSetting = 'no';
  hashMaxListpackEntries = 512;
  hashMaxListpackValue = 64;
  setMaxIntsetEntries = 512;
  zsetMaxListpackEntries = 128;
  zsetMaxListpackValue = 64;
  listMaxListpackSize = -2;
  listCompressDepth = 0;
  streamNodeMaxBytes = 4096;
  streamNodeMaxEntries = 100;
  hllSparseMaxBytes = 3000;

  /** Warnings to log once at startup (directives accepted but not supported yet). */
  warnings: string[] = [];
  /** Absolute path of the config file the server was started with ('' without one). */
  configFile = '';
  /** Directives Cinder keeps but does not act on yet: `loadmodule`, module configs. */
  readonly extraDirectives: string[][] = [];
  /** `user` directives, applied at startup (src/server/acl/file.ts: loadConfiguredUsers). */
  readonly userDirectives: string[][] = [];
  private readonly userNames = new Set<string>();
  /** Set by the server: the `user` lines CONFIG REWRITE writes (every user, as ACL LIST shows them). */
  userLines: (() => string[]) | null = null;
  /**
   * `rename-command from to` in the order read, applied to the command table when the server is
   * built (applyRenames), with the line each came from for the startup error.
   */
  readonly renameCommands: RenameCommand[] = [];
  /** The config line being read (its number and text), for errors found after loading. */
  private readingLine: { number: number; text: string } | null = null;

  /** Loading state (exposed for the parameter parsers; not for general use). */
  loadState = { saveLoaded: false, reading: false };

  private readonly values = new Map<string, string>();
  private readonly listeners = new Map<string, Set<ConfigListener>>();
  /** Parameters (primary names) mentioned by the config file, flags or object. */
  private readonly mentioned = new Set<string>();
  private readonly extraWarned = new Set<string>();

  constructor() {
    for (const def of table().defs) {
      this.values.set(def.name, def.def);
      this.syncField(def, def.def);
    }
  }

  // ------------------------------------------------------------ reading values

  /** The current value of a parameter (any case, aliases and hidden ones included), as CONFIG GET shows it. */
  get(name: string): string | undefined {
    const e = lookupEntry(name);
    return e === undefined ? undefined : shownValue(e.def, this.values.get(e.def.name)!);
  }

  /** The primary name of a parameter (`replica-priority` for `slave-priority`), or undefined. */
  canonicalName(name: string): string | undefined {
    return lookupEntry(name)?.def.name;
  }

  /** Whether Cinder acts on a parameter; undefined for an unknown name. */
  support(name: string): Support | undefined {
    return lookupEntry(name)?.def.support;
  }

  /** Whether a parameter's value is a secret (logs redact it); false for an unknown name. */
  isSensitive(name: string): boolean {
    return lookupEntry(name)?.def.sensitive === true;
  }

  /** True when `value` asks for a feature Cinder does not have yet (so a warning is due). */
  isUnsupportedValue(name: string, value: string): boolean {
    const def = lookupEntry(name)?.def;
    if (def === undefined || def.support !== 'no') return false;
    return !(def.off ?? []).includes(value);
  }

  /** Every parameter name (aliases included, hidden ones excluded), in table order. */
  static parameterNames(): string[] {
    const out: string[] = [];
    for (const def of table().defs) {
      if (def.hidden) continue;
      out.push(def.name);
      if (def.alias) out.push(def.alias);
    }
    return out;
  }

  /**
   * CONFIG GET: the parameters named by `patterns` (exact names, any case, hidden ones too; or
   * glob patterns, case-insensitive, hidden ones excluded), each once. An exact match is answered
   * under the name as given; a pattern match under the parameter's own name (alias or primary).
   */
  getMatching(patterns: readonly string[]): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const seen = new Set<string>();
    const { defs } = table();
    for (const pattern of patterns) {
      if (!/[[*?]/.test(pattern)) {
        const key = pattern.toLowerCase();
        if (seen.has(key)) continue;
        const e = lookupEntry(pattern);
        if (e !== undefined) {
          seen.add(key);
          out.push([pattern, shownValue(e.def, this.values.get(e.def.name)!)]);
        }
        continue;
      }
      for (const def of defs) {
        if (def.hidden) continue;
        const value = shownValue(def, this.values.get(def.name)!);
        for (const name of def.alias ? [def.name, def.alias] : [def.name]) {
          if (seen.has(name)) continue;
          if (stringMatch(pattern, name, true)) {
            seen.add(name);
            out.push([name, value]);
          }
        }
      }
    }
    return out;
  }

  // ------------------------------------------------------------ changing values

  /** Registers a listener for a parameter (any of its names); returns a function that removes it. */
  onChange(name: string, listener: ConfigListener): () => void {
    const e = lookupEntry(name);
    if (e === undefined) throw new Error(`unknown config parameter: ${name}`);
    let set = this.listeners.get(e.def.name);
    if (set === undefined) this.listeners.set(e.def.name, (set = new Set()));
    set.add(listener);
    return () => set!.delete(listener);
  }

  /** Sets one parameter with CONFIG SET semantics; throws CommandError with Redis's text. */
  set(name: string, value: string, opts: SetOptions = {}): void {
    this.setMany([name, value], opts);
  }

  /**
   * CONFIG SET name value [name value ...]: all or nothing. Unknown names, immutable or protected
   * parameters and duplicates are refused before anything changes; then every value is parsed
   * (the first failure restores the previous values), then apply hooks and listeners run (a
   * failure restores everything).
   */
  setMany(pairs: readonly string[], opts: SetOptions = {}): void {
    const count = pairs.length >> 1;
    let invalidArgName: string | null = null;
    let errArgName = '';
    let errstr: string | null = null;
    let invalid = false;
    const defs: ParamDef[] = [];
    const names: string[] = [];
    const entries: Entry[] = [];
    const protectedAllowed = this.protectedAllowed(opts.local === true);
    for (let i = 0; i < count; i++) {
      const argName = pairs[2 * i];
      const e = lookupEntry(argName);
      if (e === undefined) {
        if (!invalid) {
          invalidArgName = argName;
          invalid = true;
        }
        continue;
      }
      if (invalid) continue;
      if (!opts.force && (e.def.immutable || (e.def.protected && !protectedAllowed))) {
        errstr = e.def.immutable ? "can't set immutable config" : "can't set protected config";
        errArgName = argName;
        invalid = true;
        continue;
      }
      // Aliases are separate entries for this check, as in Redis (replica-priority and
      // slave-priority may both be given; the later one wins).
      if (entries.includes(e)) {
        errstr = 'duplicate parameter';
        errArgName = argName;
        invalid = true;
      }
      entries.push(e);
      defs.push(e.def);
      names.push(e.name);
    }
    const fail = (): never => {
      if (invalidArgName !== null) {
        throw new CommandError(`ERR Unknown option or number of arguments for CONFIG SET - '${invalidArgName}'`);
      }
      throw new CommandError(`ERR CONFIG SET failed (possibly related to argument '${errArgName}') - ${errstr}`);
    };
    if (invalid) fail();

    const old = defs.map((d) => this.values.get(d.name)!);
    const changed: boolean[] = [];
    const ctx: SetContext = { cfg: this, reading: false };
    for (let i = 0; i < defs.length; i++) {
      const def = defs[i];
      const raw = pairs[2 * i + 1];
      try {
        const next = def.parse(def.multiArg ? splitSpaces(raw) : [raw], ctx, this.values.get(def.name)!);
        changed.push(next !== this.values.get(def.name));
        this.store(def, next);
      } catch (e) {
        if (!(e instanceof ParamError)) throw e;
        for (let j = 0; j < i; j++) this.store(defs[j], old[j]);
        errArgName = names[i];
        errstr = e.message;
        fail();
      }
    }

    // Apply hooks (deduplicated) and listeners of the parameters that changed.
    const applied = new Set<(cfg: Config) => string | null>();
    const ran: Array<{ def: ParamDef; listener: ConfigListener }> = [];
    const undo = () => {
      for (let j = 0; j < defs.length; j++) this.store(defs[j], old[j]);
      for (const r of ran) {
        try {
          r.listener(this.values.get(r.def.name)!, this);
        } catch {
          // Best effort, as Redis's restoreBackupConfig.
        }
      }
    };
    for (let i = 0; i < defs.length; i++) {
      if (!changed[i]) continue;
      const def = defs[i];
      if (def.apply && !applied.has(def.apply)) {
        applied.add(def.apply);
        const err = def.apply(this);
        if (err !== null) {
          undo();
          errArgName = def.name;
          errstr = err;
          fail();
        }
      }
      for (const listener of this.listeners.get(def.name) ?? []) {
        try {
          listener(this.values.get(def.name)!, this);
          ran.push({ def, listener });
        } catch (e) {
          undo();
          errArgName = def.name;
          errstr = e instanceof CommandError ? e.message.replace(/^ERR /, '') : (e as Error).message;
          fail();
        }
      }
    }
  }

  private protectedAllowed(local: boolean): boolean {
    return allowProtectedAction(this.values.get('enable-protected-configs') ?? 'no', local);
  }

  /** Stores a canonical value and refreshes the typed field. */
  private store(def: ParamDef, value: string): void {
    this.values.set(def.name, value);
    this.syncField(def, value);
  }

  private syncField(def: ParamDef, value: string): void {
    if (def.field !== undefined) (this as unknown as Record<string, unknown>)[def.field] = def.typed(value);
  }

  // ------------------------------------------------------------ loading

  /**
   * Builds a config from redis-server style arguments: `[config-file] [-] [--directive value ...]`.
   * Throws ConfigError with the text redis-server prints before exiting with status 1.
   */
  static fromArgs(args: string[], io: { readStdin?: () => string } = {}): Config {
    const cfg = new Config();
    if (args.some((a) => a === '--sentinel')) throw new ConfigError('Sentinel mode is not supported by Cinder');
    let j = 0;
    let file: string | null = null;
    if (args.length > 0 && !args[0].startsWith('-')) {
      file = args[0];
      j = 1;
    }
    let fromStdin = false;
    let options = '';
    let handledLast = true;
    for (; j < args.length; j++) {
      const a = toLatin1(args[j]);
      if (a === '-' && (j === 0 || j === args.length - 1)) {
        fromStdin = true;
      } else if (handledLast && a.startsWith('--')) {
        if (options.length > 0) options += '\n';
        options += a.slice(2) + ' ';
        const parts = splitInlineArgs(a);
        if (parts !== null && parts.length === 1) {
          handledLast = false;
          const isSave = a.toLowerCase() === '--save';
          const isSentinel = a.toLowerCase() === '--sentinel';
          const nextIsOption = j !== args.length - 1 && args[j + 1].startsWith('--');
          if (nextIsOption && (isSave || isSentinel)) {
            // `--save --port 1` means `--save ""` (pre-7.0.1 behaviour, kept by Redis).
            if (isSave) options += '""';
            handledLast = true;
          } else if (j === args.length - 1 && isSave) {
            options += '""';
          }
        } else {
          handledLast = true;
        }
      } else {
        options += quoteRepr(a) + ' ';
        handledLast = true;
      }
    }
    let text = '';
    if (file !== null) {
      const abs = path.resolve(file);
      cfg.configFile = toLatin1(abs);
      text = readConfigFile(cfg.configFile);
    }
    if (fromStdin) text += (io.readStdin ?? (() => fs.readFileSync(0, 'latin1')))();
    text += '\n' + options;
    cfg.loadFromString(text);
    cfg.finishLoading();
    return cfg;
  }

  /**
   * Applies directives given as an object (embedded `startServer({ config: { ... } })`): names in
   * redis.conf spelling or camelCase (`maxmemoryPolicy`), values as strings (multi-argument ones
   * split like a config line), numbers, booleans (yes/no) or arrays (one directive per element).
   */
  static fromObject(options: Record<string, string | number | boolean | ReadonlyArray<string | number>>): Config {
    const cfg = new Config();
    cfg.loadState.reading = true;
    for (const [key, raw] of Object.entries(options)) {
      if (raw === undefined) continue;
      const name = key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
      const list = Array.isArray(raw) ? raw : [raw];
      for (const item of list) {
        const value = typeof item === 'boolean' ? (item ? 'yes' : 'no') : String(item);
        const def = lookupEntry(name)?.def;
        let argv: string[] | null;
        // rename-command's two names come as one string ('get foo', 'flushdb ""').
        if ((def !== undefined && def.multiArg) || name === 'rename-command') argv = splitInlineArgs(value);
        else argv = [value];
        const line = `${name} ${quoteRepr(value)}`;
        if (argv === null) throw new ConfigError(`Invalid config option ${line}: Unbalanced quotes in configuration line`);
        try {
          cfg.applyDirective([name, ...argv]);
        } catch (e) {
          if (e instanceof ParamError) throw new ConfigError(`Invalid config option ${line}: ${e.message}`);
          throw e;
        }
      }
    }
    cfg.finishLoading();
    return cfg;
  }

  /**
   * Parses redis.conf text (loadServerConfigFromString): one directive per line, `#` comments,
   * sdssplitargs quoting. Throws ConfigError with Redis's fatal message (line number, line, reason).
   */
  loadFromString(text: string): void {
    this.loadState.reading = true;
    const lines = text.split('\n');
    const outer = this.readingLine;
    for (let i = 0; i < lines.length; i++) {
      const line = trimConfigLine(lines[i]);
      if (line.length === 0 || line[0] === '#') continue;
      this.readingLine = { number: i + 1, text: line };
      try {
        const argv = splitInlineArgs(line);
        if (argv === null) throw new ParamError('Unbalanced quotes in configuration line');
        if (argv.length === 0) continue;
        this.applyDirective(argv);
      } catch (e) {
        if (e instanceof ParamError) throw new ConfigError(fatalMessage(e.message, i + 1, line));
        throw e;
      }
    }
    this.readingLine = outer;
    this.loadState.reading = false;
  }

  /**
   * Applies the `rename-command` directives in order through `rename`, which returns Redis's
   * reason when one cannot be applied ("No such command in rename-command"): thrown as the fatal
   * config error of the line it came from. Redis checks each while reading the file; the command
   * table exists only once the server is built, so these errors come after every other one.
   */
  applyRenames(rename: (from: string, to: string) => string | null): void {
    for (const r of this.renameCommands) {
      const err = rename(r.from, r.to);
      if (err === null) continue;
      throw new ConfigError(r.lineNumber === 0 ? fatalMessage(err) : fatalMessage(err, r.lineNumber, r.line));
    }
  }

  /** One config-file directive (argv[0] any case). Throws ParamError with Redis's reason. */
  private applyDirective(argv: string[]): void {
    const name = argv[0].toLowerCase();
    const argc = argv.length;
    const e = lookupEntry(name);
    if (e !== undefined) {
      const def = e.def;
      if (!def.multiArg && argc !== 2) throw new ParamError('wrong number of arguments');
      // One non-empty argument of a multi-argument directive is split (`--save "3600 1"`), as
      // Redis 7.0 does; `--save ""` stays the empty list.
      const args = def.multiArg && argc === 2 && argv[1].length > 0 ? (splitInlineArgs(argv[1]) ?? []) : argv.slice(1);
      const value = def.parse(args, { cfg: this, reading: this.loadState.reading }, this.values.get(def.name)!);
      this.store(def, value);
      this.mentioned.add(def.name);
      return;
    }
    if (DEPRECATED_DIRECTIVES.has(name) && argc === 2) return;
    if (name === 'include' && argc === 2) {
      this.include(argv[1]);
    } else if (name === 'rename-command' && argc === 3) {
      const at = this.readingLine;
      this.renameCommands.push({ from: argv[1], to: argv[2], lineNumber: at?.number ?? 0, line: at?.text ?? '' });
    } else if (name === 'user' && argc >= 2) {
      const error = checkUserDirective(argv, this.userNames);
      if (error !== null) throw new ParamError(error);
      this.userDirectives.push(argv);
    } else if (name === 'loadmodule' && argc >= 2) {
      this.keepExtra(argv, 'loadmodule');
    } else if (name.includes('.')) {
      if (argc !== 2) throw new ParamError('Module config specified without value');
      this.keepExtra(argv, name);
    } else if (name === 'sentinel') {
      if (argc !== 1) throw new ParamError('sentinel directive while not in sentinel mode');
    } else {
      throw new ParamError('Bad directive or wrong number of arguments');
    }
  }

  private keepExtra(argv: string[], directive: string): void {
    this.extraDirectives.push(argv);
    if (!this.extraWarned.has(directive)) {
      this.extraWarned.add(directive);
      this.warnings.push(`Config directive '${directive}' is not supported yet: ignored`);
    }
  }

  /** `include path` (glob patterns allowed: no match is not an error), parsed as its own file. */
  private include(pattern: string): void {
    const files = /[*?[]/.test(pattern) ? globFiles(pattern) : [pattern];
    let text = '';
    for (const f of files) text += readConfigFile(f);
    // The included text is parsed on its own (its own line numbers). Like Redis, once it is done
    // the loader is no longer "reading the config file": a later `save` line replaces the list
    // instead of appending to it.
    this.loadFromString(text);
  }

  /** End-of-load checks (log file, cluster + replicaof), then the unsupported-directive warnings. */
  private finishLoading(): void {
    const logfile = this.values.get('logfile')!;
    if (logfile !== '') {
      try {
        // A relative path is opened in `dir` (Redis has chdir'ed there while reading the file).
        fs.closeSync(fs.openSync(fsPath(logfile.startsWith('/') ? logfile : `${this.values.get('dir')}/${logfile}`), 'a'));
      } catch (e) {
        throw new ConfigError(fatalMessage(`Can't open the log file: ${strerror(e)}`));
      }
    }
    if (this.values.get('cluster-enabled') === 'yes' && this.values.get('replicaof') !== '') {
      throw new ConfigError(fatalMessage('replicaof directive not allowed in cluster mode'));
    }
    const unsupported: string[] = [];
    for (const def of table().defs) {
      if (!this.mentioned.has(def.name)) continue;
      if (this.isUnsupportedValue(def.name, this.values.get(def.name)!)) unsupported.push(def.name);
    }
    for (const name of unsupported) {
      this.warnings.push(`Config directive '${name}' is not supported yet: its value is kept for CONFIG GET but has no effect`);
    }
    this.loadState.saveLoaded = false;
    this.loadState.reading = false;
  }

  // ------------------------------------------------------------ CONFIG REWRITE

  /**
   * CONFIG REWRITE: rewrites the config file keeping its comments and layout. Each directive's
   * old lines are reused in order; parameters away from their default (and `save`, `dir`) are
   * appended after a signature comment; leftover lines of rewritten directives are blanked, runs of
   * blank lines collapse to one, and the file is replaced atomically.
   */
  rewrite(): void {
    if (this.configFile === '') throw new CommandError('ERR The server is running without a config file');
    try {
      writeFileAtomic(this.configFile, this.rewriteContent(this.configFile));
    } catch (e) {
      throw new CommandError(`ERR Rewriting config file: ${strerror(e)}`);
    }
  }

  /** The new content CONFIG REWRITE writes to `file` (exposed for tests). */
  rewriteContent(file: string): string {
    let old = '';
    try {
      old = fs.readFileSync(fsPath(file), 'latin1');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const lines: string[] = [];
    const optionLines = new Map<string, number[]>();
    let needsSignature = true;
    if (old.length > 0) {
      const raw = old.split('\n');
      for (const r of raw) {
        const line = trimConfigLine(r);
        if (line.length === 0 || line[0] === '#') {
          if (line === REWRITE_SIGNATURE) needsSignature = false;
          lines.push(line);
          continue;
        }
        const argv = splitInlineArgs(line);
        if (argv === null || argv.length === 0) {
          lines.push('# ??? ' + line);
          continue;
        }
        let option = argv[0].toLowerCase();
        const e = lookupEntry(option);
        if (e !== undefined) option = e.def.name;
        else option = option.replace('slave', 'replica');
        lines.push(line);
        const list = optionLines.get(option);
        if (list === undefined) optionLines.set(option, [lines.length - 1]);
        else list.push(lines.length - 1);
      }
    }
    const processed = new Set<string>();
    for (const def of table().defs) {
      processed.add(def.name);
      for (const { line, force } of def.rewrite(this.values.get(def.name)!)) {
        const list = optionLines.get(def.name);
        if (list !== undefined && list.length > 0) {
          lines[list.shift()!] = line;
        } else if (force) {
          if (needsSignature) {
            lines.push(REWRITE_SIGNATURE);
            needsSignature = false;
          }
          lines.push(line);
        }
      }
    }
    // rewriteConfigUserOption: the users as ACL LIST shows them, unless an ACL file holds them.
    if (this.userLines !== null) {
      processed.add('user');
      if (this.values.get('aclfile') === '') {
        for (const line of this.userLines()) {
          const list = optionLines.get('user');
          if (list !== undefined && list.length > 0) {
            lines[list.shift()!] = line;
          } else {
            if (needsSignature) {
              lines.push(REWRITE_SIGNATURE);
              needsSignature = false;
            }
            lines.push(line);
          }
        }
      }
    }
    for (const [option, list] of optionLines) {
      if (!processed.has(option)) continue;
      for (const n of list) lines[n] = '';
    }
    let out = '';
    let wasEmpty = false;
    for (const line of lines) {
      if (line.length === 0) {
        if (wasEmpty) continue;
        wasEmpty = true;
      } else {
        wasEmpty = false;
      }
      out += line + '\n';
    }
    return out;
  }
}

// ---------------------------------------------------------------- file helpers

function toLatin1(s: string): string {
  // Command-line arguments arrive decoded as UTF-8; config strings hold raw bytes.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return Buffer.from(s, 'utf8').toString('latin1');
  return s;
}

/** sdstrim(line, " \t\r\n"). */
function trimConfigLine(s: string): string {
  let a = 0;
  let b = s.length;
  const ws = (c: number) => c === 32 || c === 9 || c === 13 || c === 10;
  while (a < b && ws(s.charCodeAt(a))) a++;
  while (b > a && ws(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

/** Redis's "*** FATAL CONFIG FILE ERROR ***" text (with the line when the error has one). */
function fatalMessage(reason: string, lineNumber?: number, line?: string): string {
  let out = `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n`;
  if (lineNumber !== undefined) out += `Reading the configuration file, at line ${lineNumber}\n>>> '${line}'\n`;
  return out + reason;
}

function readConfigFile(file: string): string {
  try {
    return fs.readFileSync(fsPath(file), 'latin1');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EISDIR') return '';
    throw new ConfigError(`Fatal error, can't open config file '${file}': ${strerror(e)}`);
  }
}

/** glob(3) for include patterns: wildcards in any path component, results sorted. */
function globFiles(pattern: string): string[] {
  const abs = pattern.startsWith('/');
  const parts = pattern.split('/').filter((p) => p.length > 0);
  let bases = [abs ? '/' : ''];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const next: string[] = [];
    for (const base of bases) {
      if (!/[*?[]/.test(part)) {
        const p = base === '' ? part : base.endsWith('/') ? base + part : `${base}/${part}`;
        if (fs.existsSync(fsPath(p))) next.push(p);
        continue;
      }
      let entries: string[];
      try {
        entries = fs.readdirSync(fsPath(base === '' ? '.' : base), { encoding: 'buffer' }).map((b) => b.toString('latin1'));
      } catch {
        continue;
      }
      for (const name of entries.sort()) {
        if (name.startsWith('.') && !part.startsWith('.')) continue;
        if (stringMatch(part, name, false)) next.push(base === '' ? name : base.endsWith('/') ? base + name : `${base}/${name}`);
      }
    }
    bases = next;
  }
  return bases.filter((p) => {
    try {
      return !fs.statSync(fsPath(p)).isDirectory();
    } catch {
      return false;
    }
  });
}

/** Writes through a temporary file in the same directory, fsync, chmod 0644, rename. */
function writeFileAtomic(file: string, content: string): void {
  const suffix = Math.random().toString(36).slice(2, 8).padEnd(6, 'X');
  const tmp = `${file}.${suffix}`;
  const fd = fs.openSync(fsPath(tmp), 'wx', 0o644);
  try {
    fs.writeSync(fd, Buffer.from(content, 'latin1'));
    fs.fsyncSync(fd);
    fs.fchmodSync(fd, 0o644 & ~process.umask());
    fs.renameSync(fsPath(tmp), fsPath(file));
  } catch (e) {
    try {
      fs.unlinkSync(fsPath(tmp));
    } catch {
      // Already gone.
    }
    throw e;
  } finally {
    fs.closeSync(fd);
  }
}
