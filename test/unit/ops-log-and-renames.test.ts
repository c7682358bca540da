import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, type LogLevel } from '../../src/server/log.js';
import { CommandTable } from '../../src/server/command-table.js';
import { Config, ConfigError } from '../../src/server/config.js';
import { ALL_COMMANDS } from '../../src/commands/index.js';
import { createServer } from '../../src/cinder.js';

/** The logger's line format and filtering, and the command table's rename-command views. */

function capture(level: LogLevel): { log: Logger; lines: string[] } {
  const log = new Logger();
  const lines: string[] = [];
  log.level = level;
  log.sink = (line) => lines.push(line);
  return { log, lines };
}

test('log lines: pid:role dd Mon yyyy hh:mm:ss.mmm mark message, day on two digits, messages cut at 1023 bytes', () => {
  const { log, lines } = capture('debug');
  log.debug('d');
  log.verbose('v');
  log.notice('n');
  log.warning('w');
  log.warning('x'.repeat(5000));
  const re = new RegExp(`^${process.pid}:M (\\d{2}) [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} ([.*#-]) (.*)$`);
  assert.deepEqual(
    lines.map((l) => re.exec(l)!.slice(2)),
    [['.', 'd'], ['-', 'v'], ['*', 'n'], ['#', 'w'], ['#', 'x'.repeat(1023)]],
  );
  assert.equal(re.exec(lines[0])![1], String(new Date().getDate()).padStart(2, '0'));
});

test('log roles: C while starting, S while a replica, M otherwise; signal-handler lines', () => {
  const { log, lines } = capture('notice');
  let replica = false;
  log.isReplica = () => replica;
  log.starting = true;
  log.notice('a');
  log.starting = false;
  log.notice('b');
  replica = true;
  log.notice('c');
  log.fromSignalHandler('warning', 'Received SIGTERM scheduling shutdown...');
  assert.deepEqual(lines.slice(0, 3).map((l) => l.split(' ')[0]), [`${process.pid}:C`, `${process.pid}:M`, `${process.pid}:S`]);
  assert.match(lines[3], new RegExp(`^${process.pid}:signal-handler \\(\\d+\\) Received SIGTERM scheduling shutdown\\.\\.\\.$`));
});

test('log levels: each lets through itself and the levels above; enabled() says so; no sink, nothing', () => {
  const order: LogLevel[] = ['debug', 'verbose', 'notice', 'warning'];
  for (const level of order) {
    const { log, lines } = capture(level);
    for (const l of order) log.log(l, l);
    assert.deepEqual(lines.map((x) => x.slice(x.lastIndexOf(' ') + 1)), order.slice(order.indexOf(level)));
    for (const l of order) assert.equal(log.enabled(l), order.indexOf(l) >= order.indexOf(level));
    log.sink = null;
    assert.equal(log.enabled('warning'), false);
    log.fromSignalHandler('warning', 'x');
  }
});

test('CommandTable.rename: dispatch follows, own names stay, removed commands leave `all`', () => {
  const t = new CommandTable(ALL_COMMANDS);
  const get = t.lookup('get')!;
  const total = t.all.length;
  assert.equal(t.rename('GET', 'Foo'), null);
  assert.equal(t.lookup('get'), undefined);
  assert.equal(t.lookup('GET'), undefined);
  for (const name of ['foo', 'FOO', 'Foo', 'fOo']) assert.equal(t.lookup(name), get);
  assert.equal(t.lookupOriginal('get'), get);
  assert.equal(t.all.length, total);
  assert.equal(t.rename('foo', 'set'), 'Target command name already exists');
  assert.equal(t.rename('nosuch', 'x'), 'No such command in rename-command');
  assert.equal(t.rename('config|get', 'x'), 'No such command in rename-command');
  const flushdb = t.lookup('flushdb')!;
  assert.equal(t.rename('flushdb', ''), null);
  assert.equal(t.lookup('flushdb'), undefined);
  assert.equal(t.all.includes(flushdb), false);
  assert.equal(t.original.includes(flushdb), true);
  assert.equal(t.all.length, total - 1);
  assert.equal(t.lookupOriginal('FLUSHDB'), flushdb);
  // A freed name can be taken by another command.
  assert.equal(t.rename('set', 'get'), null);
  assert.equal(t.lookup('get'), t.lookupOriginal('set'));
});

test('rename-command from a config object (embedded), and its fatal error when building the server', () => {
  const cfg = Config.fromObject({ renameCommand: ['get foo', 'flushdb ""'] });
  assert.deepEqual(
    cfg.renameCommands.map((r) => [r.from, r.to]),
    [
      ['get', 'foo'],
      ['flushdb', ''],
    ],
  );
  const server = createServer(cfg);
  assert.equal(server.commands.lookup('get'), undefined);
  assert.equal(server.commands.lookup('foo'), server.commands.lookupOriginal('get'));
  const bad = Config.fromObject({ renameCommand: 'nosuch x' });
  assert.throws(
    () => createServer(bad),
    (e) => e instanceof ConfigError && e.message === '\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nNo such command in rename-command',
  );
});
