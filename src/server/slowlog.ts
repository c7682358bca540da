import type { Client } from './client.js';
import type { Command } from './command-table.js';
import type { Config } from './config.js';
import type { LatencyMonitor } from './latency.js';
import { redactAt, redactedArgv } from './redact.js';

/**
 * The slow log (Redis 7.0's slowlog.c) and the per-call watch that feeds it and the latency
 * monitor. `Server.call` compares each command's duration with `watchUsec` (one number compare
 * when nothing is slow) and hands slower ones to `commandRan`.
 *
 * What Redis logs, and Cinder with it: every command call() runs — a client's, each command EXEC
 * runs (EXEC itself is skip_slowlog), a script's EVAL/FCALL and each redis.call it makes (as the
 * script client, address "?:0", no name) — with the arguments the client sent (never the form it
 * propagates), secrets redacted. A blocked command is logged when it completes: served, with its
 * arguments; ended by CLIENT UNBLOCK, with none (Redis 7.0 has already released them then); a
 * timed-out one is not logged.
 */

/** Arguments kept per entry (SLOWLOG_ENTRY_MAX_ARGC); the last one kept says how many more there were. */
const MAX_ARGC = 32;
/** Bytes kept per argument (SLOWLOG_ENTRY_MAX_STRING). */
const MAX_STRING = 128;

export interface SlowlogEntry {
  id: number;
  /** Unix time in seconds when it was logged. */
  time: number;
  /** Duration in microseconds. */
  usec: number;
  argv: string[];
  /** The client's address ("ip:port", "?:0" for clients without a connection). */
  peer: string;
  /** The client's name, "" when it has none. */
  name: string;
}

/** How a suspended command ended (src/server/server.ts `completeSuspendedCall`). */
export type SuspendedEnd = 'served' | 'unblocked' | 'script' | 'io';

export class SlowLog {
  /**
   * The shortest duration (µs) `commandRan` needs to see: the slow log's threshold, the latency
   * monitor's, or 0 while the log is longer than slowlog-max-len (the next command trims it, as in
   * Redis); Infinity when both are off.
   */
  watchUsec = Infinity;
  /** Entries oldest first, from `head` on (the part before `head` is dropped lazily). */
  private entries: SlowlogEntry[] = [];
  private head = 0;
  private nextId = 0;
  private slowerThan = 10000;
  private maxLen = 128;

  constructor(
    private readonly config: Config,
    private readonly latency: LatencyMonitor,
  ) {
    const update = (): void => {
      this.slowerThan = config.slowlogLogSlowerThan;
      this.maxLen = config.slowlogMaxLen;
      this.updateWatch();
    };
    update();
    config.onChange('slowlog-log-slower-than', update);
    config.onChange('slowlog-max-len', update);
    config.onChange('latency-monitor-threshold', () => this.updateWatch());
  }

  private updateWatch(): void {
    let watch = Infinity;
    if (this.slowerThan >= 0) watch = this.length > this.maxLen ? 0 : this.slowerThan;
    const latencyMs = this.latency.threshold;
    if (latencyMs > 0) watch = Math.min(watch, latencyMs * 1000);
    this.watchUsec = watch;
  }

  /** SLOWLOG LEN. */
  get length(): number {
    return this.entries.length - this.head;
  }

  /**
   * call() saw a command take `usec` (at least `watchUsec`): the latency event (`command` or
   * `fast-command`), and the slow log unless the client is blocked (logged when it completes).
   */
  commandRan(c: Client, cmd: Command, argv: readonly string[], usec: number): void {
    this.latency.addSampleIfNeeded(cmd.flags.has('fast') ? 'fast-command' : 'command', Math.floor(usec / 1000));
    if (c.blocked === null) this.pushCurrent(c, cmd, argv, usec);
  }

  /**
   * A suspended command completed (updateStatsOnUnblock, or a script back from the long-script
   * worker) after `usec` in all, `extraUsec` of it just now.
   */
  suspendedCallEnded(c: Client, cmd: Command, argv: readonly string[], usec: number, extraUsec: number, end: SuspendedEnd): void {
    if (end === 'script' || end === 'io') {
      this.commandRan(c, cmd, argv, usec);
      return;
    }
    // Redis 7.0 frees the arguments of a client CLIENT UNBLOCK ends before logging it.
    this.pushCurrent(c, cmd, end === 'unblocked' ? [] : argv, usec);
    this.latency.addSampleIfNeeded('command-unblocking', Math.floor(extraUsec / 1000));
  }

  /** slowlogPushCurrentCommand: logs the call if slow enough, then trims the log to slowlog-max-len. */
  private pushCurrent(c: Client, cmd: Command, argv: readonly string[], usec: number): void {
    if (cmd.flags.has('skip_slowlog') || this.slowerThan < 0) return;
    const duration = Math.floor(usec);
    if (duration >= this.slowerThan) {
      this.entries.push({
        id: this.nextId++,
        time: Math.floor(Date.now() / 1000),
        usec: duration,
        // What the handler redacted as it parsed (AUTH, HELLO, ACL SETUSER), else what the table says.
        argv: entryArgv(c.redacted !== null && c.redacted.argv === argv ? redactAt(argv, c.redacted.indexes) : redactedArgv(cmd, argv, this.config)),
        peer: c.addr !== '' ? c.addr : '?:0',
        name: c.name ?? '',
      });
    }
    const excess = this.length - this.maxLen;
    if (excess > 0) {
      this.head += excess;
      if (this.head > 64 && this.head * 2 > this.entries.length) {
        this.entries = this.entries.slice(this.head);
        this.head = 0;
      }
    }
    if (this.watchUsec === 0) this.updateWatch();
  }

  /** SLOWLOG GET: up to `count` entries, newest first. */
  newest(count: number): SlowlogEntry[] {
    const out: SlowlogEntry[] = [];
    for (let i = this.entries.length - 1; i >= this.head && out.length < count; i--) out.push(this.entries[i]);
    return out;
  }

  /** SLOWLOG RESET (entry ids go on from where they were). */
  reset(): void {
    this.entries = [];
    this.head = 0;
    this.updateWatch();
  }
}

/** An entry's arguments: at most MAX_ARGC (the last saying how many more), each cut at MAX_STRING bytes. */
function entryArgv(argv: readonly string[]): string[] {
  const argc = Math.min(argv.length, MAX_ARGC);
  const out: string[] = new Array(argc);
  for (let j = 0; j < argc; j++) {
    if (argc !== argv.length && j === argc - 1) {
      out[j] = `... (${argv.length - argc + 1} more arguments)`;
    } else {
      const a = argv[j];
      out[j] = a.length > MAX_STRING ? `${a.slice(0, MAX_STRING)}... (${a.length - MAX_STRING} more bytes)` : a;
    }
  }
  return out;
}
