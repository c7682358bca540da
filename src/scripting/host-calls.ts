import type { LuaValue } from './lua-vm.js';

/**
 * redis.call / redis.pcall between the VM and the host, without the package's general-purpose
 * glue, which copies every argument into its own Buffer and builds a reply as dozens of small
 * Buffers joined together (a quarter of an EVALSHA's time). Here the arguments are read straight
 * out of the VM's memory as latin1 strings (what the command table takes), and the reply is sized
 * first, then written once into memory the VM allocates.
 *
 * The wire formats are the engine's host ABI: arguments `[count u32le]([len u32le][bytes])*`;
 * a reply `[type u8][count-or-length u32le][payload]`, arrays and maps followed by their elements.
 */

const REPLY_NULL = 0x00;
const REPLY_INT = 0x01;
const REPLY_BULK = 0x02;
const REPLY_ARRAY = 0x03;
const REPLY_STATUS = 0x04;
const REPLY_ERROR = 0x05;
const REPLY_BOOL = 0x07;
const REPLY_DOUBLE = 0x08;
const REPLY_MAP = 0x09;
const REPLY_SET = 0x0a;
const REPLY_BIG_NUMBER = 0x0b;
const REPLY_VERBATIM = 0x0c;

/** The VM's memory: a view of it as it is now (it is replaced when the memory grows), and its allocator. */
export interface VmMemory {
  heap(): Buffer;
  alloc(size: number): number;
}

/**
 * A redis.call handler: the command's argv in, its reply out. It should not throw, except to
 * abandon the evaluation: the exception then unwinds the VM, which is unusable afterwards.
 */
export type HostCall = (argv: string[]) => LuaValue;

/**
 * The function to put in place of the package's `call`/`pcall` handler. The engine calls it with
 * (retPtr, ptr, len) when it returns the reply through memory, or (ptr, len) when it takes a
 * packed 64-bit (length << 32 | pointer).
 */
export function hostCallHandler(memory: VmMemory, call: HostCall): (...abi: number[]) => bigint | undefined {
  return (...abi: number[]) => {
    const hasRet = abi.length >= 3;
    const ptr = hasRet ? abi[1] : abi[0];
    let h = memory.heap();
    const count = h.readUInt32LE(ptr);
    const argv = new Array<string>(count);
    let at = ptr + 4;
    for (let i = 0; i < count; i++) {
      const len = h.readUInt32LE(at);
      at += 4;
      argv[i] = h.latin1Slice(at, at + len);
      at += len;
    }
    const reply = call(argv);
    const size = encodedSize(reply);
    const out = memory.alloc(size);
    // The allocation may have grown the memory (a new ArrayBuffer).
    h = memory.heap();
    if (out === 0) {
      // No room for the reply: {0, 0}, which the engine raises as a failed call in the script.
      if (hasRet) {
        h.writeUInt32LE(0, abi[0]);
        h.writeUInt32LE(0, abi[0] + 4);
        return undefined;
      }
      return 0n;
    }
    writeValue(h, out, reply);
    if (hasRet) {
      h.writeUInt32LE(out >>> 0, abi[0]);
      h.writeUInt32LE(size, abi[0] + 4);
      return undefined;
    }
    return (BigInt(size) << 32n) | BigInt(out >>> 0);
  };
}

function bytesLength(v: Uint8Array | string): number {
  return v.length;
}

function encodedSize(v: LuaValue): number {
  if (v === null || v === undefined) return 5;
  switch (typeof v) {
    case 'boolean':
      return 6;
    case 'number':
    case 'bigint':
      return 13;
    case 'string':
      return 5 + (v as string).length;
  }
  if (v instanceof Uint8Array) return 5 + v.length;
  if (Array.isArray(v)) {
    let n = 5;
    for (const item of v) n += encodedSize(item);
    return n;
  }
  const o = v as Record<string, unknown>;
  if ('double' in o) return 13;
  if ('big_number' in o) return 5 + bytesLength(o.big_number as Buffer);
  if ('verbatim_string' in o) {
    const vs = o.verbatim_string as { format: Buffer; string: Buffer };
    return 9 + bytesLength(vs.format) + bytesLength(vs.string);
  }
  if ('map' in o) {
    let n = 5;
    for (const [key, value] of o.map as [LuaValue, LuaValue][]) n += encodedSize(key) + encodedSize(value);
    return n;
  }
  if ('set' in o) {
    let n = 5;
    for (const item of o.set as LuaValue[]) n += encodedSize(item);
    return n;
  }
  if ('ok' in o) return 5 + bytesLength(o.ok as Buffer);
  if ('err' in o) {
    const code = o.code as Buffer | undefined;
    return 5 + (code ? bytesLength(code) + 1 : 0) + bytesLength(o.err as Buffer);
  }
  return 5;
}

function header(h: Buffer, at: number, type: number, countOrLength: number): number {
  h[at] = type;
  h.writeUInt32LE(countOrLength, at + 1);
  return at + 5;
}

function writeBytes(h: Buffer, at: number, v: Uint8Array | string): number {
  if (typeof v === 'string') return at + h.latin1Write(v, at, v.length);
  h.set(v, at);
  return at + v.length;
}

function writeInt64(h: Buffer, at: number, n: number | bigint): void {
  if (typeof n === 'bigint') {
    h.writeBigInt64LE(BigInt.asIntN(64, n), at);
  } else if (Number.isSafeInteger(n)) {
    h.writeUInt32LE(n >>> 0, at);
    h.writeInt32LE(Math.floor(n / 4294967296), at + 4);
  } else {
    h.writeBigInt64LE(BigInt.asIntN(64, BigInt(Math.trunc(Number.isFinite(n) ? n : 0))), at);
  }
}

/** Writes `v` at `at` and answers where it ended. */
function writeValue(h: Buffer, at: number, v: LuaValue): number {
  if (v === null || v === undefined) return header(h, at, REPLY_NULL, 0);
  switch (typeof v) {
    case 'boolean':
      at = header(h, at, REPLY_BOOL, 1);
      h[at] = v ? 1 : 0;
      return at + 1;
    case 'number':
    case 'bigint':
      at = header(h, at, REPLY_INT, 8);
      writeInt64(h, at, v as number | bigint);
      return at + 8;
    case 'string':
      return writeBytes(h, header(h, at, REPLY_BULK, (v as string).length), v as string);
  }
  if (v instanceof Uint8Array) return writeBytes(h, header(h, at, REPLY_BULK, v.length), v);
  if (Array.isArray(v)) {
    at = header(h, at, REPLY_ARRAY, v.length);
    for (const item of v) at = writeValue(h, at, item);
    return at;
  }
  const o = v as Record<string, unknown>;
  if ('double' in o) {
    at = header(h, at, REPLY_DOUBLE, 8);
    h.writeDoubleLE(o.double as number, at);
    return at + 8;
  }
  if ('big_number' in o) {
    const digits = o.big_number as Buffer;
    return writeBytes(h, header(h, at, REPLY_BIG_NUMBER, bytesLength(digits)), digits);
  }
  if ('verbatim_string' in o) {
    const vs = o.verbatim_string as { format: Buffer; string: Buffer };
    at = header(h, at, REPLY_VERBATIM, 4 + bytesLength(vs.format) + bytesLength(vs.string));
    h.writeUInt32LE(bytesLength(vs.format), at);
    return writeBytes(h, writeBytes(h, at + 4, vs.format), vs.string);
  }
  if ('map' in o) {
    const pairs = o.map as [LuaValue, LuaValue][];
    at = header(h, at, REPLY_MAP, pairs.length);
    for (const [key, value] of pairs) at = writeValue(h, writeValue(h, at, key), value);
    return at;
  }
  if ('set' in o) {
    const items = o.set as LuaValue[];
    at = header(h, at, REPLY_SET, items.length);
    for (const item of items) at = writeValue(h, at, item);
    return at;
  }
  if ('ok' in o) {
    const status = o.ok as Buffer;
    return writeBytes(h, header(h, at, REPLY_STATUS, bytesLength(status)), status);
  }
  if ('err' in o) {
    const code = o.code as Buffer | undefined;
    const message = o.err as Buffer;
    at = header(h, at, REPLY_ERROR, (code ? bytesLength(code) + 1 : 0) + bytesLength(message));
    if (code) {
      at = writeBytes(h, at, code);
      h[at++] = 0x20;
    }
    return writeBytes(h, at, message);
  }
  return header(h, at, REPLY_NULL, 0);
}
