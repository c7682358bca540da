/**
 * CRC-64/Jones (src/util/crc64.ts): the slicing-by-8 loop equals the definition bit by bit, for
 * any length, offset and starting value (a snapshot continues the CRC across slices and chunks).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { crc64 } from '../../src/util/crc64.js';

const REFLECTED_POLY = 0x95ac9329ac4bc9b5n;

/** The definition: one bit at a time on a BigInt register. */
function crc64Bitwise(bytes: Uint8Array, start: number, end: number, crc: bigint): bigint {
  for (let i = start; i < end; i++) {
    crc ^= BigInt(bytes[i]);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ REFLECTED_POLY : crc >> 1n;
  }
  return crc;
}

test('crc64: the check value of "123456789"', () => {
  assert.equal(crc64(Buffer.from('123456789')), 0xe9c6d914c4b8d9can);
});

test('crc64: equals the bitwise definition for random ranges and starting values', () => {
  for (let t = 0; t < 500; t++) {
    const bytes = randomBytes(Math.floor(Math.random() * 80));
    const start = Math.floor(Math.random() * (bytes.length + 1));
    const end = start + Math.floor(Math.random() * (bytes.length - start + 1));
    const init = BigInt.asUintN(64, BigInt(t) * 0x9e3779b97f4a7c15n);
    assert.equal(crc64(bytes, start, end, init), crc64Bitwise(bytes, start, end, init), `length ${bytes.length} [${start}, ${end})`);
  }
});

test('crc64: continuing over split ranges equals one pass', () => {
  const bytes = randomBytes(4099);
  const whole = crc64(bytes);
  for (const cut of [0, 1, 7, 8, 9, 1000, 4098, 4099]) {
    assert.equal(crc64(bytes, cut, bytes.length, crc64(bytes, 0, cut)), whole, `cut at ${cut}`);
  }
});
