/** Runs redis-benchmark with --csv and parses its rows (Redis 7.0 columns). */
import { spawnTracked, stopChild, waitForChild } from './servers.js';

export interface CsvRow {
  test: string;
  rps: number;
  avg: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface BenchRun {
  rows: CsvRow[];
  /** Set when the run did not produce a usable row: timeout, server error, crash. */
  error: string | null;
  seconds: number;
}

/** redis-benchmark quotes every field and its test names hold no quotes. */
function splitCsvLine(line: string): string[] {
  const t = line.trim();
  return t.slice(1, t.endsWith('"') ? -1 : undefined).split('","');
}

/** Parses redis-benchmark --csv output: a header line then one row per test. */
export function parseCsv(text: string): CsvRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.startsWith('"'));
  const header = lines.findIndex((l) => l.startsWith('"test"'));
  if (header < 0) return [];
  const cols = splitCsvLine(lines[header]!);
  const idx = (name: string): number => cols.indexOf(name);
  const num = (cells: string[], name: string): number => {
    const i = idx(name);
    return i < 0 ? NaN : Number(cells[i]);
  };
  const rows: CsvRow[] = [];
  for (const line of lines.slice(header + 1)) {
    if (line.startsWith('"test"')) continue;
    const c = splitCsvLine(line);
    rows.push({
      test: c[idx('test')] ?? '',
      rps: num(c, 'rps'),
      avg: num(c, 'avg_latency_ms'),
      min: num(c, 'min_latency_ms'),
      p50: num(c, 'p50_latency_ms'),
      p95: num(c, 'p95_latency_ms'),
      p99: num(c, 'p99_latency_ms'),
      max: num(c, 'max_latency_ms'),
    });
  }
  return rows;
}

/**
 * `redis-benchmark -h 127.0.0.1 -p PORT --csv ARGS...`, killed after `timeoutMs`. A run is an error
 * when it produced no row or printed "Error from server" (redis-benchmark ignores error replies in
 * its numbers, so such a run measures nothing useful).
 */
export async function runRedisBenchmark(port: number, args: readonly string[], timeoutMs: number): Promise<BenchRun> {
  const t0 = Date.now();
  const { child, output } = spawnTracked(
    'redis-benchmark',
    ['-h', '127.0.0.1', '-p', String(port), '--csv', ...args],
    1 << 16,
  );
  const timedOut = await waitForChild(child, timeoutMs);
  const text = output();
  const rows = parseCsv(text);
  const seconds = (Date.now() - t0) / 1000;
  const serverError = /Error from server: ([^\r\n]*)/.exec(text);
  let error: string | null = null;
  if (timedOut) error = `timed out after ${Math.round(timeoutMs / 1000)} s`;
  else if (serverError) error = `server error: ${serverError[1]}`;
  else if (rows.length === 0) {
    const tail = text.trim().split('\n').slice(-3).join(' | ');
    error = `no result (exit ${child.exitCode ?? child.signalCode}): ${tail}`;
  }
  return { rows, error, seconds };
}

/**
 * Starts redis-benchmark in a loop of runs until `stop()` is called (the current run is then
 * killed); collects the rows of the runs that completed.
 */
export class BackgroundLoad {
  private stopped = false;
  private done: Promise<void> | null = null;
  private current: ReturnType<typeof spawnTracked> | null = null;
  readonly rows: CsvRow[] = [];
  readonly errors: string[] = [];
  runs = 0;

  constructor(
    private readonly port: number,
    private readonly args: readonly string[],
  ) {}

  start(): void {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const run = spawnTracked('redis-benchmark', ['-h', '127.0.0.1', '-p', String(this.port), '--csv', ...this.args], 1 << 16);
      this.current = run;
      await new Promise<void>((resolve) => {
        if (run.child.exitCode !== null || run.child.signalCode !== null) resolve();
        else {
          run.child.once('close', () => resolve());
          run.child.once('error', () => resolve());
        }
      });
      this.current = null;
      const text = run.output();
      const serverError = /Error from server: ([^\r\n]*)/.exec(text);
      if (serverError) this.errors.push(serverError[1]!);
      // A killed run may still have printed the rows of the tests it completed.
      const rows = parseCsv(text);
      if (this.stopped) {
        this.rows.push(...rows);
        break;
      }
      if (rows.length === 0) {
        this.errors.push(`no result (exit ${run.child.exitCode ?? run.child.signalCode})`);
        break; // the server is probably gone; do not spin
      }
      this.rows.push(...rows);
      this.runs++;
    }
  }

  /** Ends the loop; a run still going is killed (rows of the tests it completed are kept). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.current) await stopChild(this.current.child, 500);
    await this.done;
  }

  /** Per test name: mean rps, and the worst p50/p99/max seen over the completed runs. */
  summary(): Map<string, { rps: number; p50: number; p99: number; max: number; runs: number }> {
    const by = new Map<string, CsvRow[]>();
    for (const r of this.rows) {
      const list = by.get(r.test) ?? [];
      list.push(r);
      by.set(r.test, list);
    }
    const out = new Map<string, { rps: number; p50: number; p99: number; max: number; runs: number }>();
    for (const [name, list] of by) {
      out.set(name, {
        rps: list.reduce((s, r) => s + r.rps, 0) / list.length,
        p50: Math.max(...list.map((r) => r.p50)),
        p99: Math.max(...list.map((r) => r.p99)),
        max: Math.max(...list.map((r) => r.max)),
        runs: list.length,
      });
    }
    return out;
  }
}
