import { readFileSync } from 'node:fs';
import type { Config } from './config.js';
import type { LatencyHistogram } from './info.js';

/**
 * The latency monitor (Redis 7.0's latency.c): per event, the last 160 seconds that had a spike at
 * or above latency-monitor-threshold (ms), one sample per second holding that second's worst, plus
 * the all-time worst. Events Cinder records: `command` and `fast-command` (a command's run time,
 * by its fast flag), `command-unblocking` (serving a blocked client), `expire-cycle` (the active
 * expiry cycle), `eviction-cycle` and `eviction-del` (a run of evictions, one evicted key). The
 * reports (LATENCY LATEST / HISTORY / GRAPH / DOCTOR) read these series.
 */

/** Samples kept per event (LATENCY_TS_LEN). */
export const LATENCY_TS_LEN = 160;

/** One event's history: a ring of (unix second, worst ms that second). A time of 0 is an empty slot. */
export class LatencySeries {
  /** Slot the next new second goes into. */
  idx = 0;
  /** Worst latency ever seen for the event (ms). */
  max = 0;
  readonly times = new Float64Array(LATENCY_TS_LEN);
  readonly latencies = new Float64Array(LATENCY_TS_LEN);

  /** Index of the most recent sample. */
  get last(): number {
    return (this.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
  }

  /** Calls `fn` for each stored sample, oldest first. */
  forEach(fn: (time: number, latency: number) => void): void {
    for (let j = 0; j < LATENCY_TS_LEN; j++) {
      const i = (this.idx + j) % LATENCY_TS_LEN;
      if (this.times[i] !== 0) fn(this.times[i], this.latencies[i]);
    }
  }
}

/** The events seen and the threshold that decides what is a spike (one per Server: `server.latency`). */
export class LatencyMonitor {
  /** latency-monitor-threshold in milliseconds; 0 keeps the monitor off. */
  threshold = 0;
  /** Series by event name, in the order the events first happened. */
  readonly events = new Map<string, LatencySeries>();

  constructor(config?: Config) {
    if (config === undefined) return;
    this.threshold = config.latencyMonitorThreshold;
    config.onChange('latency-monitor-threshold', () => {
      this.threshold = config.latencyMonitorThreshold;
    });
  }

  /** latencyAddSampleIfNeeded: records `ms` when the monitor is on and `ms` reaches the threshold. */
  addSampleIfNeeded(event: string, ms: number): void {
    if (this.threshold !== 0 && ms >= this.threshold) this.addSample(event, ms);
  }

  /** Records a spike of `ms` milliseconds now; a second already sampled keeps its worst. */
  addSample(event: string, ms: number, now = Math.floor(Date.now() / 1000)): void {
    let ts = this.events.get(event);
    if (ts === undefined) {
      ts = new LatencySeries();
      this.events.set(event, ts);
    }
    if (ms > ts.max) ts.max = ms;
    const prev = ts.last;
    if (ts.times[prev] === now) {
      if (ms > ts.latencies[prev]) ts.latencies[prev] = ms;
      return;
    }
    ts.times[ts.idx] = now;
    ts.latencies[ts.idx] = ms;
    ts.idx = (ts.idx + 1) % LATENCY_TS_LEN;
  }

  /** LATENCY RESET: drops one event (matched case-insensitively) or, with none given, all. Returns how many. */
  reset(event?: string): number {
    let resets = 0;
    for (const name of [...this.events.keys()]) {
      if (event === undefined || name.toLowerCase() === event.toLowerCase()) {
        this.events.delete(name);
        resets++;
      }
    }
    return resets;
  }
}

// ---------------------------------------------------------------- LATENCY GRAPH

/** Width of the graph, and of each row of the sparkline (LATENCY_GRAPH_COLS). */
const GRAPH_COLS = 80;
/** Rows the sparkline's bars use. */
const GRAPH_ROWS = 4;
/** Bar tops, lowest first, and the filled body below a top. */
const BAR_TOPS = '_o#';
const BAR_BODY = '|';

interface SparkSample {
  value: number;
  label: string;
}

/**
 * Renders samples as Redis's filled sparkline: GRAPH_ROWS rows of bars scaled between the lowest
 * and highest value, a blank row, then each sample's label written downwards, one character per
 * row. More samples than `columns` wrap into further blocks separated by a blank line.
 */
function sparkline(samples: readonly SparkSample[], columns: number): string {
  let min = 0;
  let max = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i].value;
    if (i === 0) min = max = v;
    else {
      if (v > max) max = v;
      if (v < min) min = v;
    }
  }
  let out = '';
  for (let offset = 0; offset < samples.length; offset += columns) {
    if (offset !== 0) out += '\n';
    out += sparklineRange(samples.slice(offset, offset + columns), min, max);
  }
  return out;
}

function sparklineRange(samples: readonly SparkSample[], min: number, max: number): string {
  const steps = BAR_TOPS.length * GRAPH_ROWS;
  const range = max - min === 0 ? 1 : max - min;
  const levels = samples.map((s) => Math.min(steps - 1, Math.max(0, Math.trunc(Math.trunc((s.value - min) * steps) / range))));
  let out = '';
  for (let row = 0; row < GRAPH_ROWS; row++) {
    let line = '';
    for (const level of levels) {
      // How far this bar reaches into the row: below it blank, its top a mark, above it the body.
      const reach = level - (GRAPH_ROWS - row - 1) * BAR_TOPS.length;
      line += reach < 0 ? ' ' : reach < BAR_TOPS.length ? BAR_TOPS[reach] : BAR_BODY;
    }
    out += line + '\n';
  }
  // One blank row, then the labels downwards, until the longest is written out.
  out += ' '.repeat(samples.length) + '\n';
  for (let ch = 0; ; ch++) {
    let any = false;
    let line = '';
    for (const s of samples) {
      if (s.label.length > ch) {
        any = true;
        line += s.label[ch];
      } else {
        line += ' ';
      }
    }
    if (!any) break;
    out += line + '\n';
  }
  return out;
}

/** How long ago, as the graph labels it: 5s, 3m, 2h, 1d. */
function agoLabel(elapsed: number): string {
  if (elapsed < 60) return `${elapsed}s`;
  if (elapsed < 3600) return `${Math.trunc(elapsed / 60)}m`;
  if (elapsed < 86400) return `${Math.trunc(elapsed / 3600)}h`;
  return `${Math.trunc(elapsed / 86400)}d`;
}

/** LATENCY GRAPH: a header with the range, a rule, and the samples as a sparkline labelled by age. */
export function latencyGraph(event: string, ts: LatencySeries, now = Math.floor(Date.now() / 1000)): string {
  const samples: SparkSample[] = [];
  let min = 0;
  let max = 0;
  ts.forEach((time, latency) => {
    if (samples.length === 0) min = max = latency;
    else {
      if (latency > max) max = latency;
      if (latency < min) min = latency;
    }
    samples.push({ value: latency, label: agoLabel(now - time) });
  });
  return `${event} - high ${max} ms, low ${min} ms (all time high ${ts.max} ms)\n` + '-'.repeat(GRAPH_COLS) + '\n' + sparkline(samples, GRAPH_COLS);
}

// ---------------------------------------------------------------- LATENCY DOCTOR

/** What DOCTOR needs to know of the server besides the series. */
export interface DoctorContext {
  slowlogLogSlowerThan: number;
  hz: number;
}

interface EventStats {
  samples: number;
  avg: number;
  mad: number;
  /** Seconds from the oldest sample to now (at least 1). */
  period: number;
}

/** Sample count, integer average, integer mean absolute deviation and time span of one series. */
function analyze(ts: LatencySeries, now: number): EventStats {
  let samples = 0;
  let sum = 0;
  let oldest = 0;
  for (let j = 0; j < LATENCY_TS_LEN; j++) {
    const time = ts.times[j];
    if (time === 0) continue;
    samples++;
    sum += ts.latencies[j];
    if (oldest === 0 || time < oldest) oldest = time;
  }
  if (samples === 0) return { samples: 0, avg: 0, mad: 0, period: 0 };
  const avg = Math.floor(sum / samples);
  let period = now - oldest;
  if (period === 0) period = 1;
  let deviation = 0;
  for (let j = 0; j < LATENCY_TS_LEN; j++) {
    if (ts.times[j] !== 0) deviation += Math.abs(avg - ts.latencies[j]);
  }
  return { samples, avg, mad: Math.floor(deviation / samples), period };
}

/**
 * printf's %.2f: toFixed rounds exact ties up, printf to even. A double ends exactly half-way
 * between two hundredths only when it is an odd number of eighths.
 */
function fixed2(d: number): string {
  const eighths = d * 8;
  if (!Number.isInteger(eighths) || eighths % 2 === 0 || !Number.isSafeInteger(eighths)) return d.toFixed(2);
  const down = Math.floor(d * 100);
  return ((down % 2 === 0 ? down : down + 1) / 100).toFixed(2);
}

/** Anonymous huge pages mapped by this process (Linux; 0 elsewhere), as DOCTOR checks for. */
function anonHugePagesBytes(): number {
  if (process.platform !== 'linux') return 0;
  try {
    const text = readFileSync('/proc/self/smaps_rollup', 'latin1');
    const m = /^AnonHugePages:\s+(\d+) kB/m.exec(text);
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

// The report's sentences are Redis's (LATENCY DOCTOR is read by people and by tools that match them).
const DOCTOR_DISABLED =
  'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';
const DOCTOR_OPENING = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
const DOCTOR_NO_SPIKES =
  'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';
const DOCTOR_NO_ADVICE =
  "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n";
const ADVICE_INTRO = '\nI have a few advices for you:\n\n';
const ADVICE_SLOWLOG_INSPECT =
  '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
const ADVICE_SCHEDULER =
  '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n' +
  '  1) Lower the system load.\n' +
  '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n' +
  '  3) Check if you have a "noisy neighbour" problem.\n' +
  "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
  '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n';
const ADVICE_HZ =
  "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n";
const ADVICE_LARGE_OBJECTS =
  '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
const ADVICE_MASS_EVICTION =
  "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n";
const ADVICE_DISABLE_THP =
  "- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n";

/**
 * LATENCY DOCTOR: one line of statistics per event, then advice for the events seen (for the
 * events Cinder records: the slow log for `command`, the scheduler for `fast-command`, `hz` and
 * large objects for `expire-cycle`, large objects for `eviction-del`, sudden memory pressure for
 * `eviction-cycle`), in Redis's words and order.
 */
export function latencyDoctor(monitor: LatencyMonitor, ctx: DoctorContext, now = Math.floor(Date.now() / 1000)): string {
  if (monitor.events.size === 0 && monitor.threshold === 0) return DOCTOR_DISABLED;
  let report = '';
  let eventnum = 0;
  let advices = 0;
  let slowlogEnable = false;
  let slowlogTuning = false;
  let slowlogInspect = false;
  let scheduler = false;
  let hz = false;
  let largeObjects = false;
  let massEviction = false;
  for (const [event, ts] of monitor.events) {
    eventnum++;
    if (eventnum === 1) report += DOCTOR_OPENING;
    const s = analyze(ts, now);
    report +=
      `${eventnum}. ${event}: ${s.samples} latency spikes (average ${s.avg}ms, mean deviation ${s.mad}ms, ` +
      `period ${fixed2(s.period / s.samples)} sec). Worst all time event ${ts.max}ms.`;
    const name = event.toLowerCase();
    if (name === 'command') {
      if (ctx.slowlogLogSlowerThan < 0) {
        slowlogEnable = true;
        advices++;
      } else if (Math.trunc(ctx.slowlogLogSlowerThan / 1000) > monitor.threshold) {
        slowlogTuning = true;
        advices++;
      }
      slowlogInspect = true;
      largeObjects = true;
      advices += 2;
    } else if (name === 'fast-command') {
      scheduler = true;
      advices++;
    } else if (name === 'expire-cycle') {
      hz = true;
      largeObjects = true;
      advices += 2;
    } else if (name === 'eviction-del') {
      largeObjects = true;
      advices++;
    } else if (name === 'eviction-cycle') {
      massEviction = true;
      advices++;
    }
    report += '\n';
  }
  const disableThp = anonHugePagesBytes() > 0;
  if (disableThp) advices++;
  if (eventnum === 0 && advices === 0) return report + DOCTOR_NO_SPIKES;
  if (eventnum > 0 && advices === 0) return report + DOCTOR_NO_ADVICE;
  report += ADVICE_INTRO;
  // %llu of the threshold in µs (wrapping as C's unsigned arithmetic does).
  const suggested = BigInt.asUintN(64, BigInt(monitor.threshold) * 1000n);
  if (slowlogEnable) {
    report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${suggested}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
  }
  if (slowlogTuning) {
    report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${suggested}'.\n`;
  }
  if (slowlogInspect) report += ADVICE_SLOWLOG_INSPECT;
  if (scheduler) report += ADVICE_SCHEDULER;
  if (hz && ctx.hz < 100) report += ADVICE_HZ;
  if (largeObjects) report += ADVICE_LARGE_OBJECTS;
  if (massEviction) report += ADVICE_MASS_EVICTION;
  if (disableThp) report += ADVICE_DISABLE_THP;
  return report;
}

// ---------------------------------------------------------------- LATENCY HISTOGRAM

/**
 * The cumulative distribution LATENCY HISTOGRAM reports for one command: HdrHistogram's
 * logarithmic iteration from 1024 ns doubling each step (what Redis asks of hdr_iter_log_init),
 * each step labelled with the highest value equivalent to the bucket it stopped at (in µs), and
 * only the steps that added calls. Pairs of [µs, calls so far].
 */
export function cumulativeDistribution(h: LatencyHistogram): Array<[number, number]> {
  const counts = h.counts;
  const len = counts.length;
  const total = h.total;
  const out: Array<[number, number]> = [];
  let index = -1;
  let value = 0;
  let highest = 0;
  let cumulative = 0;
  let previous = 0;
  let level = 1024;
  let levelLowest = lowestEquivalent(level);
  for (;;) {
    // hdr's _log_iter_next: go on while counts remain, or while the next bucket lies past the level.
    if (!(cumulative < total || (index < len && valueAtIndex(index + 1) > levelLowest))) break;
    for (;;) {
      if (value >= levelLowest) {
        level *= 2;
        levelLowest = lowestEquivalent(level);
        break;
      }
      index++;
      if (index >= len) break;
      cumulative += counts[index];
      value = valueAtIndex(index);
      highest = value + bucketSize(value) - 1;
    }
    const usec = Math.floor(highest / 1000);
    if (cumulative > previous) out.push([usec, cumulative]);
    previous = cumulative;
    if (index >= len) break;
  }
  return out;
}

// HdrHistogram's layout as Redis configures it (1 ns .. 1 s, 2 significant digits): 128 half
// sub-buckets per power of two, values below 256 exact.
const SUB_HALF_MAGNITUDE = 7;
const SUB_HALF = 128;

function valueAtIndex(index: number): number {
  let bucket = (index >> SUB_HALF_MAGNITUDE) - 1;
  let sub = (index & (SUB_HALF - 1)) + SUB_HALF;
  if (bucket < 0) {
    sub -= SUB_HALF;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/** Width of the bucket holding `value` (1 below 256, doubling with each power of two above). */
function bucketSize(value: number): number {
  // get_bucket_index: the bit length of value|255, minus the 8 bits a sub-bucket count covers.
  const bits = value < 2 ** 31 ? 32 - Math.clz32(value | 255) : Math.floor(Math.log2(value)) + 1;
  return 2 ** (bits - 8);
}

function lowestEquivalent(value: number): number {
  const size = bucketSize(value);
  return Math.floor(value / size) * size;
}
