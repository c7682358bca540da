/** Redis-style log lines: `pid:M 26 Nov 2026 20:17:23.123 * message`. */
export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';
const LEVELS: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3 };
const MARKS = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class Logger {
  level: LogLevel = 'notice';
  /** Where lines go; null silences the logger (embedded use defaults to silent). */
  sink: ((line: string) => void) | null = (line) => process.stdout.write(line + '\n');

  log(level: LogLevel, message: string): void {
    if (this.sink === null || LEVELS[level] < LEVELS[this.level]) return;
    const d = new Date();
    const p2 = (n: number) => (n < 10 ? '0' + n : String(n));
    const ms = String(d.getMilliseconds()).padStart(3, '0');
    const ts = `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${ms}`;
    this.sink(`${process.pid}:M ${ts} ${MARKS[LEVELS[level]]} ${message}`);
  }
  notice(m: string): void {
    this.log('notice', m);
  }
  warning(m: string): void {
    this.log('warning', m);
  }
  verbose(m: string): void {
    this.log('verbose', m);
  }
}
