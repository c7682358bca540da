/**
 * CRC-64/Jones as Redis uses it to seal DUMP and FUNCTION DUMP payloads: the reflected form of
 * polynomial 0xad93d23594c935a9, initial value 0, no final xor (check value of "123456789":
 * 0xe9c6d914c4b8d9ca).
 *
 * The 64-bit register is kept as two 32-bit halves so the byte loop stays on small integers
 * (BigInt arithmetic per byte would be an order of magnitude slower).
 */

const REFLECTED_POLY = 0x95ac9329ac4bc9b5n;

/**
 * Slicing-by-8 tables (Kounavis and Berry, "A Systematic Approach to Building High Performance
 * Software-based CRC Generators", 2005): table k (entries k*256..k*256+255) is the CRC of a byte
 * followed by k zero bytes, so eight input bytes take eight lookups instead of eight dependent
 * steps. Table 0 is the classic byte table. A 1 MB chunk of a snapshot: about 2 ms byte by byte.
 */
const TABLE_HI = new Uint32Array(8 * 256);
const TABLE_LO = new Uint32Array(8 * 256);

for (let n = 0; n < 256; n++) {
  let crc = BigInt(n);
  for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ REFLECTED_POLY : crc >> 1n;
  TABLE_HI[n] = Number(crc >> 32n);
  TABLE_LO[n] = Number(crc & 0xffffffffn);
}
for (let k = 1; k < 8; k++) {
  for (let n = 0; n < 256; n++) {
    const hi = TABLE_HI[(k - 1) * 256 + n];
    const lo = TABLE_LO[(k - 1) * 256 + n];
    const index = lo & 0xff;
    TABLE_LO[k * 256 + n] = ((lo >>> 8) | (hi << 24)) ^ TABLE_LO[index];
    TABLE_HI[k * 256 + n] = (hi >>> 8) ^ TABLE_HI[index];
  }
}

/** CRC-64/Jones of `bytes[start, end)`, continuing from `crc` (0 to start). */
export function crc64(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0n): bigint {
  let hi = Number(crc >> 32n) >>> 0;
  let lo = Number(crc & 0xffffffffn) >>> 0;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = lo ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    const b = hi ^ (bytes[i + 4] | (bytes[i + 5] << 8) | (bytes[i + 6] << 16) | (bytes[i + 7] << 24));
    const i7 = 7 * 256 + (a & 0xff);
    const i6 = 6 * 256 + ((a >>> 8) & 0xff);
    const i5 = 5 * 256 + ((a >>> 16) & 0xff);
    const i4 = 4 * 256 + (a >>> 24);
    const i3 = 3 * 256 + (b & 0xff);
    const i2 = 2 * 256 + ((b >>> 8) & 0xff);
    const i1 = 256 + ((b >>> 16) & 0xff);
    const i0 = b >>> 24;
    lo = TABLE_LO[i7] ^ TABLE_LO[i6] ^ TABLE_LO[i5] ^ TABLE_LO[i4] ^ TABLE_LO[i3] ^ TABLE_LO[i2] ^ TABLE_LO[i1] ^ TABLE_LO[i0];
    hi = TABLE_HI[i7] ^ TABLE_HI[i6] ^ TABLE_HI[i5] ^ TABLE_HI[i4] ^ TABLE_HI[i3] ^ TABLE_HI[i2] ^ TABLE_HI[i1] ^ TABLE_HI[i0];
  }
  for (; i < end; i++) {
    const index = (lo ^ bytes[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ TABLE_LO[index];
    hi = (hi >>> 8) ^ TABLE_HI[index];
  }
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
