/**
 * LZF's hash table is reused across calls without clearing (entries of earlier calls count as
 * empty): compressing a string must give the same bytes whatever was compressed before it, and
 * decompress back.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { lzfCompress, lzfDecompress } from '../../src/util/lzf.js';

function sample(seed: number): Uint8Array {
  let x = seed * 2654435761;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16);
  const len = 21 + (rnd() % 300);
  const alphabet = 2 + (rnd() % 20);
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = 97 + (rnd() % alphabet);
  return out;
}

it('compresses each string the same whatever came before, and round-trips', () => {
  const first = new Map<number, Uint8Array | null>();
  for (let s = 0; s < 400; s++) {
    const input = sample(s);
    const packed = lzfCompress(input, input.length - 4);
    first.set(s, packed === null ? null : Uint8Array.from(packed));
    if (packed !== null) assert.deepEqual(lzfDecompress(packed, input.length), input);
  }
  // Again in reverse order, so the table holds other strings' positions each time.
  for (let s = 399; s >= 0; s--) {
    const input = sample(s);
    const packed = lzfCompress(input, input.length - 4);
    assert.deepEqual(packed === null ? null : Uint8Array.from(packed), first.get(s), `sample ${s}`);
  }
});
