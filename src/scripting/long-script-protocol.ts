import type { LuaValue } from './lua-vm.js';

/**
 * Messages between the main thread and the long-script worker. Payloads travel over a
 * MessagePort (structured clone) and are picked up with receiveMessageOnPort, so either side can
 * wait for them synchronously; a counter per direction in a SharedArrayBuffer is what the waiting
 * side sleeps on (Atomics.wait / Atomics.waitAsync).
 */
export const SIGNAL = {
  /** Bumped by the worker after each message it posts. */
  toMain: 0,
  /** Bumped by the main thread after each message it posts. */
  toWorker: 1,
} as const;

export interface RunJob {
  t: 'run';
  source: Uint8Array;
  sha: string;
  /** KEYS then ARGV (latin1 strings). */
  argv: string[];
  keyCount: number;
  /** For a function: `source` is its library's chunk and this the function to call (lua-vm's Chunk.member). */
  member?: string;
  /** Instructions it may run on the worker (0: no limit; it can be killed). */
  instructions: number;
  /** Replies of the redis.call()s the script made on the main thread, in order. */
  replay: LuaValue[];
  /**
   * What the script did on the main thread, in order: `<command name>/<argc>` for each replayed
   * call (to catch a script that takes another path), `log` for a redis.log, `repl` for a
   * redis.set_repl (neither is done again).
   */
  fingerprints: string[];
}

export type ToWorker = RunJob | { t: 'reply'; v: LuaValue };

export type ToMain =
  | { t: 'call'; argv: string[]; resp: 2 | 3 }
  | { t: 'log'; level: number; message: string }
  /** redis.set_repl(flags) from the script, after its checks. */
  | { t: 'repl'; flags: number }
  | { t: 'done'; v: LuaValue };

/** Structured clone turns Buffers into Uint8Arrays: make them Buffers again, in place. */
export function reviveLuaValue(v: LuaValue): LuaValue {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) {
    const bytes = v as Uint8Array;
    return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  // Arrays (map pairs too) and the fields of {ok}, {err}, {map}, {set}, ... hold LuaValues.
  const o = v as unknown as Record<string, LuaValue>;
  for (const k of Object.keys(o)) o[k] = reviveLuaValue(o[k]);
  return v;
}
