/** The README's toolkit examples run as users run them (embedded default) and print what they promise. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { it } from 'node:test';

const run = (name: string): string =>
  execFileSync(process.execPath, [new URL(`../../examples/${name}.js`, import.meta.url).pathname], { encoding: 'utf8', env: { ...process.env, REDIS_URL: '' } });

it('examples/lock.js: one holder at a time, fencing tokens', () => {
  const out = run('lock');
  assert.match(out, /report written with fence 1: all good/);
  assert.match(out, /first worker: got it \(fence 2\); second worker: busy/);
});

it('examples/ratelimit.js: 5 per second, then refusals; a token budget', () => {
  const out = run('ratelimit');
  assert.equal((out.match(/request \d+: allowed/g) ?? []).length, 5);
  assert.equal((out.match(/refused, retry in/g) ?? []).length, 2);
  assert.match(out, /4000 tokens: allowed, 6000 left/);
  assert.match(out, /3000 tokens: over budget/);
});
