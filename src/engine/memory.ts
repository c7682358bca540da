import type { Value } from './values.js';

/**
 * What things cost on the V8 heap (and in the ArrayBuffer memory beside it): the unit prices the
 * memory accounting adds up. See docs/ARCHITECTURE.md ("Memory accounting") for the method and the
 * estimate against measured heap growth per type and encoding.
 *
 * Cinder's used_memory plays the part of Redis's zmalloc counter: a number kept up to date as the
 * dataset changes, never a heap walk. Each keyspace keeps the estimated size of every key (key
 * string + value) in a typed array and their running sum; each collection type keeps running byte
 * counts of what it holds, so its `memoryUsage()` is O(1) and a key can be re-measured after every
 * write. The prices below were measured on Node 20 (x64, no pointer compression: 8-byte pointers),
 * with `--expose-gc`, heapUsed + external after gc() (bench/memory-accounting.ts).
 */

/** A tagged pointer: a slot of a JS array or an object field. */
export const POINTER_BYTES = 8;

/** A JS object with `fields` in-object properties: map, properties and elements words, then the fields. */
export function objectBytes(fields: number): number {
  return 24 + 8 * fields;
}

/** A JSArray object with a backing store of `capacity` slots (FixedArray or FixedDoubleArray). */
export function arrayBytes(capacity: number): number {
  return 32 + 16 + 8 * capacity;
}

/**
 * A JSArray grown by push from empty to `length` elements. V8 grows a backing store to
 * old + old/2 + 16 slots, so such an array holds at least 17 slots and, on average, about a
 * quarter more than it uses (its real capacity is not observable).
 */
export function grownArrayBytes(length: number): number {
  if (length === 0) return 32;
  return arrayBytes(length <= 17 ? 17 : length + (length >> 2) + 16);
}

/** A sequential one-byte string of `len` characters: 16-byte header, the bytes, 8-byte aligned. */
export function stringBytes(len: number): number {
  return (16 + len + 7) & ~7;
}

/** A boxed double (a number that is not a 32-bit small integer, where the slot cannot hold it raw). */
export const HEAP_NUMBER_BYTES = 16;

/** The heap part of a typed array that owns an ArrayBuffer: the view and the buffer objects. */
const TYPED_ARRAY_OBJECTS = 184;
/** V8 keeps typed arrays up to this many bytes inside the heap (a ByteArray with a 16-byte header). */
const TYPED_ARRAY_MAX_ON_HEAP = 64;

/** A typed array of `byteLength` bytes with its own ArrayBuffer (Int32Array, Float64Array, ...). */
export function typedArrayBytes(byteLength: number): number {
  return TYPED_ARRAY_OBJECTS + (byteLength <= TYPED_ARRAY_MAX_ON_HEAP ? 16 + byteLength : byteLength);
}

/** Node's Buffer.allocUnsafe takes sizes below this from its shared 8 KB pool. */
const BUFFER_POOL_LIMIT = 4096;
/** The view object of a Buffer sliced from the pool (no ArrayBuffer of its own). */
const POOLED_BUFFER_VIEW = 96;

/**
 * A Buffer of `length` bytes as Node allocates it: small ones (Buffer.allocUnsafe) are views into
 * the shared pool, bigger ones own their ArrayBuffer (as every Buffer.allocUnsafeSlow does:
 * `pooled` false).
 */
export function bufferBytes(length: number, pooled = true): number {
  if (pooled && length < BUFFER_POOL_LIMIT) return POOLED_BUFFER_VIEW + ((length + 7) & ~7);
  return TYPED_ARRAY_OBJECTS + length;
}

/**
 * Estimated bytes of a value (not counting the key): O(1) for every type. Strings: a small
 * integer is free (a Smi lives in the slot), other numbers are boxed, strings cost their header and
 * bytes. Objects (a ByteString, the collections) report their own size from running counts.
 */
export function valueBytes(v: Value): number {
  if (typeof v === 'string') return stringBytes(v.length);
  // A 32-bit integer is a Smi on x64 (no pointer compression): it lives in the slot itself.
  if (typeof v === 'number') return (v | 0) === v ? 0 : HEAP_NUMBER_BYTES;
  return v.memoryUsage();
}

/** Estimated bytes of one key and its value: what a keyspace records per slot. */
export function entryBytes(key: string, v: Value): number {
  return stringBytes(key.length) + valueBytes(v);
}

/**
 * Per key, the keyspace's own arrays at their usual fill: the key and value pointers, four typed
 * array slots (hash, access clock, volatile position, size) with 1.25x growth slack, and about two
 * index positions (Redis's dictEntry + bucket + robj, 48 bytes, is the same order). MEMORY USAGE
 * adds it to a key's size; the accounting itself counts the real capacities (`Keyspace.overhead`).
 */
export const KEY_SLOT_BYTES = 48;

/**
 * The dataset and keyspace-structure totals of every database of one server: each Keyspace adds
 * its changes here as they happen, so used_memory is a sum of a few numbers.
 */
export class MemoryCounter {
  /** Keys and values (the sum of every keyspace's per-key sizes). */
  dataset = 0;
  /** The keyspaces' own arrays and indexes (Redis's overhead.hashtable.main + expires). */
  overhead = 0;
}
