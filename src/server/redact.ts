import type { Command } from './command-table.js';
import type { Config } from './config.js';

/** What Redis shows in place of a secret argument (shared.redacted). */
export const REDACTED = '(redacted)';

/**
 * The argv as Redis's logs show it (SLOWLOG, MONITOR): secrets replaced by "(redacted)" exactly
 * where Redis's command redacts them (redactClientCommandArgument) — AUTH's password (and user),
 * HELLO's AUTH pairs, CONFIG SET's sensitive values — or `argv` itself when nothing is secret.
 * Redis redacts while the command parses its arguments, so an argument the command never reached
 * (it failed first) stays as given; this follows the same order.
 */
export function redactedArgv(cmd: Command, argv: readonly string[], config: Config): readonly string[] {
  switch (cmd.fullName) {
    case 'auth':
      // AUTH [username] password; more arguments fail before anything is redacted.
      return argv.length > 3 ? argv : redact(argv, argv.length === 3 ? [1, 2] : [1]);
    case 'hello':
      return redactHello(argv);
    case 'migrate':
      return redactMigrate(argv);
    case 'config|set':
      return redactConfigSet(argv, config);
    case 'acl|setuser':
      // Everything after the subcommand, whatever follows (the rules may hold passwords).
      return redact(argv, argv.map((_, i) => i).filter((i) => i >= 2));
    default:
      return argv;
  }
}

/** `argv` with the arguments at `positions` shown as (redacted). */
export function redactAt(argv: readonly string[], positions: readonly number[]): readonly string[] {
  return redact(argv, positions);
}

function redact(argv: readonly string[], positions: readonly number[]): readonly string[] {
  if (positions.length === 0) return argv;
  const out = argv.slice();
  for (const p of positions) out[p] = REDACTED;
  return out;
}

/** MIGRATE's AUTH password and AUTH2 username and password, redacted as its option loop reaches them. */
function redactMigrate(argv: readonly string[]): readonly string[] {
  const positions: number[] = [];
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j].toLowerCase();
    if (opt === 'copy' || opt === 'replace') continue;
    if (opt === 'auth' && more >= 1) positions.push(++j);
    else if (opt === 'auth2' && more >= 2) positions.push(++j, ++j);
    else break;
  }
  return redact(argv, positions);
}

/**
 * HELLO [protover [AUTH username password] [SETNAME clientname]]: Redis 7.0 checks the version,
 * then takes the options in order, authenticating at each AUTH and naming at each SETNAME; the
 * first failure ends the command, so later AUTH pairs are never redacted.
 */
function redactHello(argv: readonly string[]): readonly string[] {
  if (argv.length < 2) return argv;
  // An unusable protocol version fails before the options are read (only "2" and "3" parse as 2 or 3).
  if (argv[1] !== '2' && argv[1] !== '3') return argv;
  const positions: number[] = [];
  for (let j = 2; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j].toLowerCase();
    if (opt === 'auth' && more >= 2) {
      positions.push(j + 1, j + 2);
      // Only the default user exists (it takes any password): another name fails to authenticate.
      if (argv[j + 1] !== 'default') break;
      j += 2;
    } else if (opt === 'setname' && more >= 1) {
      if (!validClientName(argv[j + 1])) break;
      j++;
    } else {
      break;
    }
  }
  return redact(argv, positions);
}

/** Client names are printable ASCII without spaces (CLIENT SETNAME's rule). */
function validClientName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  return true;
}

/**
 * CONFIG SET parameter value [parameter value ...]: with a well-formed argument count, every
 * sensitive parameter's value is redacted, even when another parameter makes the command fail.
 */
function redactConfigSet(argv: readonly string[], config: Config): readonly string[] {
  if (argv.length < 4 || argv.length % 2 === 1) return argv;
  const positions: number[] = [];
  for (let j = 2; j + 1 < argv.length; j += 2) if (config.isSensitive(argv[j])) positions.push(j + 1);
  return redact(argv, positions);
}
