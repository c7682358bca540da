import os from 'node:os';
import v8 from 'node:v8';

/**
 * How big the V8 heap of a Cinder process should be, and the node flags that make it so. V8 fixes
 * its heap limit when the process starts (`--max-old-space-size`); nothing can raise it later, and
 * a JavaScript heap that runs out kills the process. So the executable sizes the heap before the
 * server starts (src/bin/launcher.ts), from `maxmemory`, or from the machine when maxmemory is 0;
 * the memory guard (src/server/oom.ts) refuses writes before the heap itself runs out.
 *
 * The rule (docs/ARCHITECTURE.md, "The V8 heap"):
 * - maxmemory > 0: old space = 1.7 x maxmemory + 96 MB, at least 256 MB. The memory guard calls the
 *   heap full at 70% of its limit (V8 gives up well before 100%, see oom.ts), which leaves about
 *   19% above maxmemory for estimates that fall short plus 67 MB for the engine itself (about 8 MB
 *   live when empty). A cache held at maxmemory is then under 60% live, below where the guard
 *   forces collections. While V8 collects, the heap peaks halfway between its live data and its
 *   limit, so a full cache's heap peaks near 1.35 x maxmemory: a larger factor would cost resident
 *   memory, a smaller one forced collections.
 * - maxmemory 0: old space = 3/4 of the memory the process may use (the cgroup limit when there is
 *   one, else the machine's RAM): the dataset can then reach about half of it before writes are
 *   refused; the rest is V8's collection headroom, off-heap buffers (list nodes, client buffers,
 *   the Lua engine's memory) and the rest of the system.
 */

const MB = 1024 * 1024;
/** Heap per byte of maxmemory, and what is added for the engine (code, Lua glue, clients). */
export const HEAP_PER_MAXMEMORY_BYTE = 1.7;
export const HEAP_ENGINE_MARGIN = 96 * MB;
/** No heap smaller than this is chosen: the engine alone uses a few tens of MB. */
export const HEAP_FLOOR = 256 * MB;
/** Share of the process's memory given to the heap when maxmemory is 0. */
export const HEAP_MACHINE_SHARE = 0.75;
/**
 * V8's young generation is capped at 2 MB semi-spaces (V8's default grows to 16 MB): a server's
 * garbage is short-lived request data, and the default keeps ~32 MB of heap committed that shows up
 * as resident memory (100k small hashes: 1.9x Redis's RSS by default, 1.0x with 2 MB), with no
 * measurable throughput cost (docs/BENCHMARKS.md).
 */
export const SEMI_SPACE_MB = 2;
/**
 * Scavenges run on the main thread alone (`--no-parallel-scavenge`). With a 2 MB semi-space a
 * scavenge copies about 1 MB; handing that to helper threads costs more in their start and join
 * than it saves, and on a small machine they compete with the clients for the cores. Measured on
 * the SET-while-evicting benchmark (2 cores, 1 KB values, docs/BENCHMARKS.md): 7-10% less server
 * CPU per SET.
 */
export const SCAVENGE_FLAG = '--no-parallel-scavenge';

/** Where the heap size came from (the startup log line says it). */
export type HeapSource = 'maxmemory' | 'machine' | 'node flag' | 'node default';

/** Memory the process may use: the cgroup limit when one is set, else the machine's RAM. */
export function processMemoryLimit(): number {
  const total = os.totalmem();
  // process.constrainedMemory(): the cgroup limit, or a huge number / 0 / undefined without one.
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  return constrained !== undefined && constrained > 0 && constrained < total ? constrained : total;
}

/** The old-space size (MB, for --max-old-space-size) the rule above gives for `maxmemory` bytes. */
export function oldSpaceMbFor(maxmemory: number, memoryLimit: number = processMemoryLimit()): number {
  const bytes = maxmemory > 0 ? HEAP_PER_MAXMEMORY_BYTE * maxmemory + HEAP_ENGINE_MARGIN : HEAP_MACHINE_SHARE * memoryLimit;
  return Math.ceil(Math.max(HEAP_FLOOR, bytes) / MB);
}

/** The maxmemory a heap of `heapLimit` bytes has room for under the rule above (its inverse). */
export function maxmemoryRoom(heapLimit: number): number {
  return Math.max(0, Math.floor((heapLimit - HEAP_ENGINE_MARGIN) / HEAP_PER_MAXMEMORY_BYTE));
}

/**
 * The node flags the server runs with, for a config's maxmemory: the heap size, the 2 MB
 * semi-space, scavenges on the main thread, and `--expose-gc` (the memory guard collects to tell
 * live data from garbage when the heap nears its limit). Hosts embedding Cinder can pass the same
 * flags to node.
 */
export function serverNodeFlags(maxmemory: number): string[] {
  return [`--max-old-space-size=${oldSpaceMbFor(maxmemory)}`, `--max-semi-space-size=${SEMI_SPACE_MB}`, SCAVENGE_FLAG, '--expose-gc'];
}

/** The node/V8 flags given to this process: its command line, then NODE_OPTIONS (later wins). */
function givenNodeFlags(): string[] {
  const fromEnv = (process.env.NODE_OPTIONS ?? '').split(/\s+/).filter((s) => s.length > 0);
  return [...process.execArgv, ...fromEnv];
}

/**
 * A flag's name as V8 reads it: `--max_old_space_size` and `--max-old-space-size` are one flag, and
 * so are `--parallel-scavenge` and `--no-parallel-scavenge` (either given means it was decided).
 */
function flagName(arg: string): string {
  const eq = arg.indexOf('=');
  return (eq < 0 ? arg : arg.slice(0, eq)).replace(/_/g, '-').replace(/^--no-/, '--');
}

/**
 * The value of a node/V8 flag given to this process (`--max-old-space-size=96` or
 * `--max-old-space-size 96`), '' for a flag without value, undefined when it was not given.
 */
export function nodeFlagValue(name: string, flags: readonly string[] = givenNodeFlags()): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < flags.length; i++) {
    const arg = flags[i];
    if (flagName(arg) !== `--${name}`) continue;
    const eq = arg.indexOf('=');
    if (eq >= 0) found = arg.slice(eq + 1);
    else found = i + 1 < flags.length && !flags[i + 1].startsWith('-') ? flags[++i] : '';
  }
  return found;
}

/**
 * The flags of `serverNodeFlags(maxmemory)` this process was not started with. A flag the user
 * gave is kept as given (its value too: `node --max-old-space-size=96 cinder-server.js` gets a
 * 96 MB heap); only missing ones are added.
 */
export function missingNodeFlags(maxmemory: number, flags: readonly string[] = givenNodeFlags()): string[] {
  return serverNodeFlags(maxmemory).filter((f) => nodeFlagValue(flagName(f).slice(2), flags) === undefined);
}

/** This process's heap as V8 reports it, and where its size came from (the startup log line). */
export interface HeapReport {
  /** V8's heap_size_limit (old space + young generation), in MB. */
  limitMb: number;
  /** The semi-space size in MB, as V8 applied it (computed from the heap limit when the old space size is known). */
  semiSpaceMb: number;
  source: HeapSource;
  gcExposed: boolean;
}

export function heapReport(maxmemory: number): HeapReport {
  const limit = v8.getHeapStatistics().heap_size_limit;
  const oldSpace = nodeFlagValue('max-old-space-size');
  const semi = nodeFlagValue('max-semi-space-size');
  let source: HeapSource = 'node default';
  if (oldSpace !== undefined) {
    // The launcher's value (or the same value given by hand) is the rule's.
    if (Number(oldSpace) !== oldSpaceMbFor(maxmemory)) source = 'node flag';
    else source = maxmemory > 0 ? 'maxmemory' : 'machine';
  }
  return {
    limitMb: Math.round(limit / MB),
    // Measured where possible: the young generation is three semi-spaces (two plus its large-object space).
    semiSpaceMb: oldSpace !== undefined ? Math.round((limit / MB - Number(oldSpace)) / 3) : semi !== undefined ? Number(semi) : 16,
    source,
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
}

const SOURCE_TEXT: Record<HeapSource, string> = {
  maxmemory: 'from maxmemory',
  machine: 'from the machine memory, maxmemory is 0',
  'node flag': 'set by --max-old-space-size',
  'node default': "node's default",
};

/** The startup log line: `V8 heap limit 1700 MB (from maxmemory), semi-space 2 MB`. */
export function heapReportLine(r: HeapReport): string {
  return `V8 heap limit ${r.limitMb} MB (${SOURCE_TEXT[r.source]}), semi-space ${r.semiSpaceMb} MB${r.gcExposed ? '' : ', gc not exposed'}`;
}
