/**
 * The embedded handle's typed methods: the committed interface (commands.generated.ts) is what the
 * command table generates now (run `npm run generate` after changing a command), every command has
 * a method on a handle, and the methods send what they say.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ALL_COMMANDS } from '../../src/commands/index.js';
import { commandMethods, generateCommandsSource, methodName } from '../../src/embedded/command-methods.js';
import { open } from '../../src/embedded/index.js';

it('commands.generated.ts matches the command table (npm run generate)', () => {
  const file = fileURLToPath(new URL('../../../src/embedded/commands.generated.ts', import.meta.url));
  assert.equal(fs.readFileSync(file, 'utf8'), generateCommandsSource(ALL_COMMANDS));
});

it('one method per command and subcommand, no two alike, none hiding the handle\'s own members', () => {
  const methods = commandMethods(ALL_COMMANDS);
  const names = methods.map((m) => m.method);
  assert.equal(new Set(names).size, names.length);
  for (const own of ['call', 'callSync', 'server', 'close']) assert.ok(!names.includes(own), own);
  const db = open();
  try {
    for (const name of names) assert.equal(typeof (db as unknown as Record<string, unknown>)[name], 'function', name);
    assert.ok(names.length > 250);
  } finally {
    db.close();
  }
});

it('methods send the command, its subcommand, and the arguments', async () => {
  assert.equal(methodName('client|no-evict'), 'clientNoEvict');
  assert.equal(methodName('eval_ro'), 'evalRo');
  const db = open();
  try {
    assert.equal(await db.set('k', 'v', 'EX', 100), 'OK');
    assert.equal(await db.get('k'), 'v');
    assert.equal(await db.objectEncoding('k'), 'embstr');
    assert.equal(await db.hset('h', 'a', '1', 'b', 2), 2);
    assert.deepEqual(await db.hgetall('h'), new Map([['a', '1'], ['b', '2']]));
    assert.deepEqual(await db.configGet('maxmemory-policy'), new Map([['maxmemory-policy', 'noeviction']]));
    assert.equal(await db.dbsize(), 2);
    assert.equal(await db.ping(), 'PONG');
    await assert.rejects(db.incr('k'), /ERR value is not an integer/);
  } finally {
    db.close();
  }
});

it('subscription(): messages of channels, patterns and shard channels as an async iterator', async () => {
  const db = open();
  try {
    const sub = await db.subscription({ channels: ['news'], patterns: ['user:*'], shardChannels: ['shard'] });
    assert.equal(await db.publish('news', 'hello'), 1);
    await db.publish('user:1', 'joined');
    await db.spublish('shard', 's');
    await db.publish('other', 'ignored');
    const got = [];
    for await (const m of sub) {
      got.push(m);
      if (got.length === 3) break;
    }
    assert.deepEqual(got, [
      { channel: 'news', message: 'hello' },
      { pattern: 'user:*', channel: 'user:1', message: 'joined' },
      { channel: 'shard', message: 's' },
    ]);
    // Leaving the loop unsubscribed.
    assert.equal(await db.publish('news', 'again'), 0);
  } finally {
    db.close();
  }
});
