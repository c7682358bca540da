/**
 * CRC-64/Jones as Redis uses it to seal DUMP and FUNCTION DUMP payloads: the reflected form of
 * polynomial 0xad93d23594c935a9, initial value 0, no final xor (check value of "123456789":
 * 0xe9c6d914c4b8d9ca).
 *
 * The 64-bit register is kept as two 32-bit halves so the byte loop stays on small integers
 * (BigInt arithmetic per byte would be an order of magnitude slower).
 */

const REFLECTED_POLY = 0x95ac9329ac4bc9b5n;

const TABLE_HI = new Uint32Array(256);
const TABLE_LO = new Uint32Array(256);

for (let n = 0; n < 256; n++) {
  let crc = BigInt(n);
  for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ REFLECTED_POLY : crc >> 1n;
  TABLE_HI[n] = Number(crc >> 32n);
  TABLE_LO[n] = Number(crc & 0xffffffffn);
}

/** CRC-64/Jones of `bytes[start, end)`, continuing from `crc` (0 to start). */
export function crc64(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0n): bigint {
  let hi = Number(crc >> 32n) >>> 0;
  let lo = Number(crc & 0xffffffffn) >>> 0;
  for (let i = start; i < end; i++) {
    const index = (lo ^ bytes[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ TABLE_LO[index];
    hi = (hi >>> 8) ^ TABLE_HI[index];
  }
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
