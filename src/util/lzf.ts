/**
 * LZF, the compression Redis applies to strings longer than 20 bytes in RDB payloads (DUMP,
 * FUNCTION DUMP) when `rdbcompression` is on. Payloads must match Redis byte for byte, so the
 * compressor makes the same choices as liblzf 3.6 in Redis's configuration: a 2^16-entry hash
 * table of the last position of each 3-byte prefix, matches up to 8 KB back and 264 bytes long,
 * the "very fast" rehash of the two positions after a match, and the same give-up points when the
 * output would not be at least 4 bytes shorter.
 *
 * One difference is out of our hands: liblzf leaves its hash table uninitialised (stack memory),
 * so a stale entry can in principle offer Redis an extra match. Entries here start empty.
 *
 * Format: `000LLLLL` + L+1 literal bytes; `LLLooooo oooooooo` a back reference of L+2 bytes at
 * distance o+1 (L < 7); `111ooooo LLLLLLLL oooooooo` the same with length L+9.
 */

const HASH_BITS = 16;
const HASH_SIZE = 1 << HASH_BITS;
const MAX_LITERAL = 32;
const MAX_OFFSET = 1 << 13;
const MAX_REFERENCE = (1 << 8) + (1 << 3);

let table: Int32Array | null = null;
/**
 * Entries at or below `base` are from earlier calls and count as empty: clearing 256 KB for each
 * short string cost more than compressing it (SAVE of small hashes, which all pass 20 bytes).
 */
let base = 0;

/** Hash slot of the 3 bytes whose value (with older bytes above them) is `h`. */
function slotOf(h: number): number {
  return ((h >>> (3 * 8 - HASH_BITS)) - Math.imul(h, 5)) & (HASH_SIZE - 1);
}

/**
 * Compresses `input` into at most `limit` bytes; null when that does not fit (Redis then stores
 * the string as it is).
 */
export function lzfCompress(input: Uint8Array, limit: number): Uint8Array | null {
  const out = new Uint8Array(Math.max(0, limit) + 4);
  const n = lzfCompressInto(input, input.length, limit, out);
  return n < 0 ? null : out.subarray(0, n);
}

/**
 * `lzfCompress` of the first `inLength` bytes of `input` into `out` (at least `limit + 4` bytes,
 * reused by the caller): returns the compressed length, or -1 when it does not fit in `limit`.
 * No allocation per call: the RDB writer tries every string over 20 bytes (each small hash's
 * listpack), and most of them do not compress.
 */
export function lzfCompressInto(input: Uint8Array, inLength: number, limit: number, out: Uint8Array): number {
  if (inLength === 0 || limit <= 0) return -1;
  // Positions are stored + b + 1, so that anything up to b means "empty".
  if (table === null) table = new Int32Array(HASH_SIZE);
  if (base + inLength + 2 >= 0x7fffffff) {
    table.fill(0);
    base = 0;
  }
  const b = base;
  base += inLength + 1;
  const slots = table;
  let op = 1; // a literal run starts with a placeholder for its length byte
  let literal = 0;
  let ip = 0;
  let h = (input[0] << 8) | input[1];
  while (ip < inLength - 2) {
    h = ((h << 8) | input[ip + 2]) >>> 0;
    const slot = slotOf(h);
    const stored = slots[slot];
    const ref = stored > b ? stored - b - 1 : -1;
    slots[slot] = b + ip + 1;
    const offset = ip - ref - 1;
    if (ref > 0 && offset < MAX_OFFSET && offset >= 0 && input[ref + 2] === input[ip + 2] && input[ref] === input[ip] && input[ref + 1] === input[ip + 1]) {
      let len = 2;
      const maxLength = Math.min(inLength - ip - len, MAX_REFERENCE);
      if (op + 3 + 1 >= limit && op - (literal === 0 ? 1 : 0) + 3 + 1 >= limit) return -1;
      out[op - literal - 1] = literal - 1; // close the literal run
      if (literal === 0) op--; // an empty run takes no byte
      extend: {
        if (maxLength > 16) {
          for (let k = 0; k < 16; k++) {
            len++;
            if (input[ref + len] !== input[ip + len]) break extend;
          }
        }
        do len++;
        while (len < maxLength && input[ref + len] === input[ip + len]);
      }
      len -= 2; // stored as length - 2
      ip++;
      if (len < 7) {
        out[op++] = (offset >> 8) + (len << 5);
      } else {
        out[op++] = (offset >> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = offset & 0xff;
      literal = 0;
      op++;
      ip += len + 1;
      if (ip >= inLength - 2) break;
      // Index the two positions just before the new one, as liblzf's VERY_FAST mode does.
      ip -= 2;
      h = (input[ip] << 8) | input[ip + 1];
      h = ((h << 8) | input[ip + 2]) >>> 0;
      slots[slotOf(h)] = b + ip + 1;
      ip++;
      h = ((h << 8) | input[ip + 2]) >>> 0;
      slots[slotOf(h)] = b + ip + 1;
      ip++;
    } else {
      if (op >= limit) return -1;
      literal++;
      out[op++] = input[ip++];
      if (literal === MAX_LITERAL) {
        out[op - literal - 1] = literal - 1;
        literal = 0;
        op++;
      }
    }
  }
  if (op + 3 > limit) return -1;
  while (ip < inLength) {
    literal++;
    out[op++] = input[ip++];
    if (literal === MAX_LITERAL) {
      out[op - literal - 1] = literal - 1;
      literal = 0;
      op++;
    }
  }
  out[op - literal - 1] = literal - 1;
  if (literal === 0) op--;
  return op;
}

/** Decompresses `input` into exactly `length` bytes; null when the data is corrupt. */
export function lzfDecompress(input: Uint8Array, length: number): Uint8Array | null {
  const out = new Uint8Array(length);
  return lzfDecompressInto(input, out, length) ? out : null;
}

/**
 * Decompresses `input` into the first `length` bytes of `out` (at least that long), as RDB
 * loading does into one reused buffer; false when the data is corrupt.
 */
export function lzfDecompressInto(input: Uint8Array, out: Uint8Array, length: number): boolean {
  let ip = 0;
  let op = 0;
  const inLength = input.length;
  while (ip < inLength) {
    const ctrl = input[ip++];
    if (ctrl < 32) {
      const n = ctrl + 1;
      if (op + n > length || ip + n > inLength) return false;
      // Short literal runs (the common case) byte by byte: a subarray per run costs more.
      if (n < 16) {
        for (let k = 0; k < n; k++) out[op++] = input[ip++];
      } else {
        out.set(input.subarray(ip, ip + n), op);
        ip += n;
        op += n;
      }
    } else {
      let n = ctrl >> 5;
      if (n === 7) {
        if (ip >= inLength) return false;
        n += input[ip++];
      }
      if (ip >= inLength) return false;
      const ref = op - ((ctrl & 0x1f) << 8) - 1 - input[ip++];
      n += 2;
      if (op + n > length || ref < 0) return false;
      // Byte by byte: a reference may overlap the bytes it produces.
      for (let k = 0; k < n; k++) out[op++] = out[ref + k];
    }
  }
  return op === length;
}
