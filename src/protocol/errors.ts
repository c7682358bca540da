/**
 * The error catalog: every error text a client can see, in Redis 7.0's exact words.
 * A handler throws `CommandError`; the dispatcher writes `-<message>` and counts it by prefix.
 */
export class CommandError extends Error {
  /** The full error line without the leading '-', e.g. "ERR syntax error" or "WRONGTYPE ...". */
  constructor(message: string) {
    super(message);
  }
  /** The error code: the first word (ERR, WRONGTYPE, NOSCRIPT, ...). */
  get code(): string {
    const space = this.message.indexOf(' ');
    return space < 0 ? this.message : this.message.slice(0, space);
  }
}

export const Errors = {
  syntax: 'ERR syntax error',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  overflow: 'ERR increment or decrement would overflow',
  noSuchKey: 'ERR no such key',
  outOfRange: 'ERR index out of range',
  invalidExpire: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  dbIndexOutOfRange: 'ERR DB index is out of range',
  invalidDbIndex: 'ERR invalid DB index',
  stringTooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  wrongArity: (fullName: string) => `ERR wrong number of arguments for '${fullName}' command`,
  invalidCursor: 'ERR invalid cursor',
  sameObject: 'ERR source and destination objects are the same',
  nanOrInfinity: 'ERR increment would produce NaN or Infinity',
  timeoutNotFloat: 'ERR timeout is not a float or out of range',
  timeoutNegative: 'ERR timeout is negative',
  oom: "OOM command not allowed when used memory > 'maxmemory'.",
  loading: 'LOADING Redis is loading the dataset in memory',
  readonlyReplica: "READONLY You can't write against a read only replica.",
  masterDown: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
  noReplicas: 'NOREPLICAS Not enough good replicas to write.',
  scriptOom: "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'",
} as const;

/** A string as Redis's `%s` prints it into an error: up to its first NUL byte. */
export function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** Replace CR and LF so an error built from client input stays one protocol line. */
export function sanitizeErrorLine(s: string): string {
  return /[\r\n]/.test(s) ? s.replace(/[\r\n]/g, ' ') : s;
}

/** `ERR unknown command 'foo', with args beginning with: 'a' 'b' ` exactly as Redis builds it. */
export function unknownCommandError(argv: readonly string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${argv[i].slice(0, 128 - args.length)}' `;
  }
  return sanitizeErrorLine(`ERR unknown command '${argv[0].slice(0, 128)}', with args beginning with: ${args}`);
}

/** `ERR unknown subcommand or wrong number of arguments for 'foo'. Try XGROUP HELP.` (argv[0] is the container). */
export function subcommandSyntaxError(argv: readonly string[]): string {
  return sanitizeErrorLine(`ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`);
}

/** `ERR unknown subcommand 'foo'. Try CONFIG HELP.` */
export function unknownSubcommandError(container: string, sub: string): string {
  return sanitizeErrorLine(`ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`);
}
