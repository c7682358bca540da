import fs from 'node:fs';

/**
 * Redis-style log lines (serverLogRaw): `pid:R dd Mon yyyy hh:mm:ss.mmm L message`, where R is the
 * role (M master, S replica, C before the server is up) and L the level's mark (`.` debug,
 * `-` verbose, `*` notice, `#` warning). Messages are cut at 1023 bytes (Redis's LOG_MAX_LEN).
 */
export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';
const LEVELS: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3 };
const MARKS = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** LOG_MAX_LEN less its terminating NUL: what vsnprintf leaves of a longer message. */
const MAX_MESSAGE = 1023;

/** Where log lines go (given without their newline): standard output (logfile ""), a file, or nowhere. */
export type LogSink = ((line: string, level: LogLevel) => void) | null;

export const stdoutSink = (line: string): void => {
  process.stdout.write(line + '\n', 'latin1');
};

/**
 * logfile: each line is appended with the file opened and closed around it, as Redis does, so a
 * rotated file (logrotate's move and create) is picked up without a signal. A line that cannot be
 * written is dropped (Redis's fopen failing), the server goes on. `file` is a config string (bytes
 * as latin1); a relative one is taken in `dir()`, where Redis's chdir would have put the process.
 */
export function fileSink(file: string, dir: () => string): (line: string) => void {
  const absolute = file.startsWith('/') ? Buffer.from(file, 'latin1') : null;
  return (line) => {
    try {
      fs.appendFileSync(absolute ?? Buffer.from(`${dir()}/${file}`, 'latin1'), line + '\n', 'latin1');
    } catch {
      // Dropped, as Redis drops a line it cannot open the file for.
    }
  };
}

const p2 = (n: number) => (n < 10 ? '0' + n : String(n));

export class Logger {
  level: LogLevel = 'notice';
  /** Where lines go (without their newline); null silences the logger (embedded use defaults to silent). */
  sink: LogSink = stdoutSink;
  /** The role mark: 'C' until the server runs, then 'M' or 'S' as `isReplica` says. */
  starting = false;
  isReplica: () => boolean = () => false;

  /** Whether a message of this level would be written (to skip building a costly one). */
  enabled(level: LogLevel): boolean {
    return this.sink !== null && LEVELS[level] >= LEVELS[this.level];
  }

  log(level: LogLevel, message: string): void {
    if (this.sink === null || LEVELS[level] < LEVELS[this.level]) return;
    if (message.length > MAX_MESSAGE) message = message.slice(0, MAX_MESSAGE);
    const d = new Date();
    const ms = String(d.getMilliseconds()).padStart(3, '0');
    // strftime's %d: the day of the month on two digits.
    const ts = `${p2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${ms}`;
    const role = this.starting ? 'C' : this.isReplica() ? 'S' : 'M';
    this.sink(`${process.pid}:${role} ${ts} ${MARKS[LEVELS[level]]} ${message}`, level);
  }
  /**
   * serverLogFromHandler: what Redis writes from its signal handlers, in their own shape
   * (`pid:signal-handler (unix time) message`), for the same messages ("Received SIGTERM
   * scheduling shutdown...").
   */
  fromSignalHandler(level: LogLevel, message: string): void {
    if (this.sink === null || LEVELS[level] < LEVELS[this.level]) return;
    this.sink(`${process.pid}:signal-handler (${Math.floor(Date.now() / 1000)}) ${message}`, level);
  }
  debug(m: string): void {
    this.log('debug', m);
  }
  verbose(m: string): void {
    this.log('verbose', m);
  }
  notice(m: string): void {
    this.log('notice', m);
  }
  warning(m: string): void {
    this.log('warning', m);
  }
}
