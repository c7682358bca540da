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

it('examples/cache.js: one query for 100 concurrent requests', () => {
  const out = run('cache');
  assert.match(out, /100 concurrent requests, 1 database query; got user 42/);
  assert.match(out, /"hits":1,"misses":100/);
});

it('examples/queue.js: the dead worker\'s job is done by another; the poison job is dead', () => {
  const out = run('queue');
  assert.match(out, /sent: ann@example.com, bob@example.com; dead: poison/);
});

it('examples/state.js: sessions, presence, leaderboard', () => {
  const out = run('state');
  assert.match(out, /session: \{"user":"ann","theme":"dark"\}/);
  assert.match(out, /online: ann, bob; typing: bob/);
  assert.match(out, /top 3: 1\. cy 150 \| 2\. ann 120 \| 3\. bob 90/);
  assert.match(out, /around bob: ann, bob, dee/);
});

it('examples/ratelimit-http.js: 3 allowed, then 429 with Retry-After', () => {
  const out = run('ratelimit-http');
  assert.equal((out.match(/: 200 /g) ?? []).length, 3);
  assert.equal((out.match(/: 429 remaining=0 retry-after=1/g) ?? []).length, 2);
});
