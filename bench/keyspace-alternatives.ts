/**
 * Measures heap bytes per key of keyspace representations (docs/ARCHITECTURE.md, "Keyspace").
 * Run: node --expose-gc dist/bench/keyspace-alternatives.js [count]
 */
import { Keyspace } from '../src/engine/keyspace.js';

const N = Number(process.argv[2] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function key(i: number): string {
  return ('key:' + String(i).padStart(12, '0')).split('').join(''); // a fresh flat string like a parsed argument
}
function value(i: number): string {
  return ('v' + String(i).padStart(15, 'x')).split('').join('');
}

function measure(name: string, build: () => unknown): void {
  gc!();
  const before = process.memoryUsage().heapUsed;
  const keep = build();
  gc!();
  const after = process.memoryUsage().heapUsed;
  console.log(`${name.padEnd(44)} ${((after - before) / N).toFixed(1)} bytes/key`);
  if (keep === null) console.log('');
}

class Entry {
  constructor(
    public value: string,
    public expireAt: number,
    public lru: number,
  ) {}
}

measure('strings only (16 B key + 16 B value)', () => {
  const a: string[] = [];
  for (let i = 0; i < N; i++) a.push(key(i), value(i));
  return a;
});
measure('Map<string, string>', () => {
  const m = new Map<string, string>();
  for (let i = 0; i < N; i++) m.set(key(i), value(i));
  return m;
});
measure('Map<string, Entry{value, expireAt, lru}>', () => {
  const m = new Map<string, Entry>();
  for (let i = 0; i < N; i++) m.set(key(i), new Entry(value(i), 0, 0));
  return m;
});
measure('Keyspace (slots + open addressing)', () => {
  const k = new Keyspace(0, { now: Date.now() });
  for (let i = 0; i < N; i++) k.set(key(i), value(i));
  return k;
});
