import type { Client } from './client.js';
import type { Command } from './command-table.js';
import type { Handler } from './command-spec.js';
import { CommandError } from '../protocol/errors.js';

/**
 * MONITOR (Redis 7.0's monitorCommand and replicationFeedMonitors).
 *
 * A monitor receives one line per command run, as a status reply, in RESP2 and RESP3 alike:
 * `+<unix seconds>.<micros> [<db> <source>] "arg" "arg" ...`, where the source is the client's
 * address, or `lua` for commands a script called, and each argument is quoted and escaped as
 * Redis's sdscatrepr does.
 *
 * - The line is fed by the command path once the command has run (`Server.call`), so it shows the
 *   database selected after it (SELECT shows its new one) and the arguments as the client sent
 *   them, with those the command redacted (HELLO's AUTH) shown as `(redacted)`. Commands flagged
 *   admin or skip_monitor are not shown; commands refused before running (unknown, arity, a gate)
 *   are not shown either; a blocked command is shown when it is first called, not when served; a
 *   command held by CLIENT PAUSE when it finally runs. EXEC's commands are shown as EXEC runs them,
 *   then EXEC itself.
 * - Script commands (EVAL, EVALSHA, FCALL and their _RO forms) are flagged skip_monitor and feed
 *   themselves as they start (`feedsMonitorsFirst`), so they are shown before the commands their
 *   script calls, even when they then fail.
 * - A monitor is like a replica to Redis: it is never paused and may not touch the keyspace (the
 *   command path refuses its reads and writes); RESET leaves monitor mode. Lines are written to the
 *   monitor's reply buffer and flushed once per event loop turn, like pub/sub messages, and dropped
 *   while its replies are off (CLIENT REPLY OFF/SKIP) or it is closing.
 */

/**
 * MONITOR: the client starts receiving the feed. Answers nothing when it already monitors (Redis
 * ignores MONITOR from a replica); refused where a client expects one reply per command (inside
 * EXEC, a synchronous embedded call).
 */
export function startMonitoring(c: Client): void {
  if (c.denyBlocking) throw new CommandError("ERR MONITOR isn't allowed for DENY BLOCKING client");
  if (c.monitor) return;
  c.monitor = true;
  c.server.monitors.push(c);
  c.reply.ok();
}

/** Leaves monitor mode (RESET, disconnect). */
export function stopMonitoring(c: Client): void {
  if (!c.monitor) return;
  c.monitor = false;
  const monitors = c.server.monitors;
  const i = monitors.indexOf(c);
  if (i >= 0) monitors.splice(i, 1);
}

/**
 * After `cmd` ran for `c` (call()'s feed): shows it to the monitors unless the table flags it admin
 * (too dangerous to show) or skip_monitor (it fed itself). Call only while monitors exist.
 */
export function feedMonitorsAfterCall(c: Client, cmd: Command, argv: readonly string[]): void {
  const flags = cmd.flags;
  if (flags.has('skip_monitor') || flags.has('admin')) return;
  feedMonitors(c, argv);
}

/**
 * Wraps a script command's handler (Redis's evalCommand / fcallCommand): the command is shown as it
 * starts, so it comes before the commands its script calls.
 */
export function feedsMonitorsFirst(handler: Handler): Handler {
  return (c, argv) => {
    if (c.server.monitors.length !== 0) feedMonitors(c, argv);
    handler(c, argv);
  };
}

/** One monitor line for `argv` run by `c` in its current database, written to every monitor. */
export function feedMonitors(c: Client, argv: readonly string[]): void {
  const monitors = c.server.monitors;
  if (monitors.length === 0) return;
  const now = performance.timeOrigin + performance.now();
  const seconds = Math.floor(now / 1000);
  const micros = Math.min(999_999, Math.floor((now - seconds * 1000) * 1000));
  const source = c.kind === 'script' ? 'lua' : c.addr === '' ? 'embedded' : c.addr;
  let line = `${seconds}.${String(micros).padStart(6, '0')} [${c.dbIndex} ${source}]`;
  const redacted = c.redacted !== null && c.redacted.argv === argv ? c.redacted.indexes : null;
  for (let i = 0; i < argv.length; i++) {
    line += redacted !== null && redacted.includes(i) ? ' "(redacted)"' : ' ' + quoteArgument(argv[i]);
  }
  for (const m of monitors) deliver(m, c, line);
}

/** Writes the line to one monitor, unless Redis's prepareClientToWrite would refuse it. */
function deliver(m: Client, source: Client, line: string): void {
  if (m.closeAfterReply || m.closeAsap || m.replyMode === 'off') return;
  // CLIENT REPLY SKIP silences what comes until the next command completes, not the SKIP itself.
  if (m.replyMode === 'skip' && m !== source) return;
  if (m.monitorSink !== null) {
    m.monitorSink(line);
    return;
  }
  m.reply.simple(line);
  // The monitor's own command is flushed (and its output checked) by its transport; others'
  // lines count against its output buffer limit now, and wait for the flush queue.
  if (m === source || m.server.clientBuffers.closeOnOutputLimit(m, true)) return;
  if (m.flushHook !== null) m.server.pubsub.scheduleFlush(m);
}

/**
 * sdscatrepr: the argument in double quotes, with `\` and `"` escaped, \n \r \t \a \b by name,
 * other non-printable bytes as \xHH (arguments are latin1 strings, one char per byte).
 */
export function quoteArgument(s: string): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 0x20 || ch > 0x7e || ch === 0x22 || ch === 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    switch (ch) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        out += ch >= 0x20 && ch <= 0x7e ? s[i] : '\\x' + ch.toString(16).padStart(2, '0');
    }
  }
  return out + '"';
}
