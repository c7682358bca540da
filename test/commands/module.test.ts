/**
 * MODULE (HELP LIST LOAD LOADEX UNLOAD) and the `protected` commands (MODULE LOAD/LOADEX/UNLOAD,
 * DEBUG), differential against redis-server 7.0. With enable-module-command / enable-debug-command
 * at their default (no), Redis refuses a protected command before running it (also inside MULTI,
 * where the refusal aborts the transaction): the command path's protected gate.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  diffSuite,
  runSteps,
  startRealRedis,
  redisServerAvailable,
  type RealRedis,
  type Step,
} from '../helpers/differential.js';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { Config, allowProtectedAction } from '../../src/server/config.js';
import { ALL_COMMANDS } from '../../src/commands/index.js';

const RESPS: Array<2 | 3> = [2, 3];

// ---------------------------------------------------------------- default configuration

diffSuite('module: MODULE under the default configuration', (t) => {
  t.case('HELP and LIST are not protected', [['MODULE', 'HELP'], ['module', 'help'], ['MODULE', 'LIST'], ['module', 'list']]);
  t.case('arity and unknown subcommands are checked before the gate', [
    ['MODULE'],
    ['MODULE', 'nosuch'],
    ['MODULE', 'LOAD'],
    ['MODULE', 'LOADEX'],
    ['MODULE', 'UNLOAD'],
    ['MODULE', 'UNLOAD', 'a', 'b'],
    ['MODULE', 'LIST', 'x'],
    ['MODULE', 'HELP', 'x'],
  ]);
  // The protected gate (enable-module-command / enable-debug-command) refuses before running,
  // and while queuing inside MULTI (so EXEC aborts).
  t.case('LOAD, LOADEX and UNLOAD are refused', [
    ['MODULE', 'LOAD', '/nonexistent/module.so'],
    ['module', 'load', '/nonexistent/module.so', 'a', 'b'],
    ['MODULE', 'LOADEX', '/nonexistent/module.so', 'CONFIG', 'n', 'v', 'ARGS', 'a'],
    ['MODULE', 'LOADEX', '/nonexistent/module.so', 'bad'],
    ['MODULE', 'UNLOAD', 'nosuch'],
  ]);
  t.case('a refused MODULE LOAD inside MULTI aborts the transaction', [['MULTI'], ['MODULE', 'LOAD', '/nonexistent/module.so'], ['EXEC']]);
  t.case('a refused DEBUG inside MULTI aborts the transaction', [['MULTI'], ['DEBUG', 'SLEEP', '0'], ['EXEC']]);
  t.case('DEBUG is refused outside MULTI', [['DEBUG', 'SLEEP', '0'], ['DEBUG', 'HELP'], ['debug', 'nosuch']]);
  t.case('protected commands are no-script commands first', [
    ['EVAL', "return redis.pcall('module', 'load', '/nonexistent/module.so')", '0'],
    ['EVAL', "return redis.pcall('module', 'list')", '0'],
    ['EVAL', "return redis.pcall('debug', 'sleep', '0')", '0'],
  ]);
});

// ---------------------------------------------------------------- enabled: yes / local

/** A pair of servers started with the same protected-command settings (they are fixed at startup). */
function configuredSuite(name: string, settings: Record<string, string>, body: (ports: { redis: number; cinder: number }) => void): void {
  describe(name, { skip: !redisServerAvailable && 'redis-server not installed' }, () => {
    let redis: RealRedis;
    let cinder: RunningServer;
    const ports = { redis: 0, cinder: 0 };
    before(async () => {
      const flags = Object.entries(settings).flatMap(([k, v]) => [`--${k}`, v]);
      [redis, cinder] = await Promise.all([startRealRedis(flags), startServer({ port: 0, config: settings })]);
      ports.redis = redis.port;
      ports.cinder = cinder.port;
    });
    after(async () => {
      await Promise.all([redis?.stop(), cinder?.close()]);
    });
    body(ports);
  });
}

const ALLOWED_STEPS: Step[] = [
  ['MODULE', 'LIST'],
  ['MODULE', 'LOAD', '/nonexistent/module.so'],
  ['MODULE', 'LOAD', '/nonexistent/module.so', 'a', 'b'],
  ['MODULE', 'LOADEX', '/nonexistent/module.so'],
  ['MODULE', 'LOADEX', '/nonexistent/module.so', 'CONFIG'],
  ['MODULE', 'LOADEX', '/nonexistent/module.so', 'CONFIG', 'n'],
  ['MODULE', 'LOADEX', '/nonexistent/module.so', 'CONFIG', 'n', 'v'],
  ['MODULE', 'LOADEX', '/nonexistent/module.so', 'config', 'n', 'v', 'CONFIG', 'm', 'w', 'args'],
  ['MODULE', 'LOADEX', '/nonexistent/module.so', 'ARGS', 'x', 'CONFIG'],
  ['MODULE', 'LOADEX', '/nonexistent/module.so', 'nosuch'],
  ['MODULE', 'UNLOAD', 'nosuch'],
  ['MODULE', 'UNLOAD', ''],
  ['MULTI'],
  ['MODULE', 'LOAD', '/nonexistent/module.so'],
  ['MODULE', 'UNLOAD', 'nosuch'],
  ['MODULE', 'LIST'],
  ['EXEC'],
  ['MODULE', 'LIST'],
];

configuredSuite('module: enable-module-command yes runs LOAD, LOADEX and UNLOAD', { 'enable-module-command': 'yes' }, (ports) => {
  for (const resp of RESPS) it(`loading fails, nothing to unload [RESP${resp}]`, () => runSteps(ports, ALLOWED_STEPS, resp));
});

configuredSuite(
  'module: enable-module-command and enable-debug-command local allow a loopback client',
  { 'enable-module-command': 'local', 'enable-debug-command': 'local' },
  (ports) => {
    for (const resp of RESPS) {
      it(`MODULE runs for a loopback client [RESP${resp}]`, () => runSteps(ports, ALLOWED_STEPS, resp));
      it(`DEBUG runs for a loopback client [RESP${resp}]`, () =>
        runSteps(ports, [['DEBUG', 'SLEEP', '0'], ['MULTI'], ['DEBUG', 'SLEEP', '0'], ['EXEC']], resp));
    }
  },
);

// ---------------------------------------------------------------- the table and the settings

describe('module: the protected flag and its settings', () => {
  it('DEBUG and MODULE LOAD, LOADEX, UNLOAD carry the protected flag, and nothing else does', () => {
    const marked: string[] = [];
    for (const spec of ALL_COMMANDS) {
      if (spec.flags.includes('protected')) marked.push(spec.name);
      for (const sub of spec.subcommands ?? []) if (sub.flags.includes('protected')) marked.push(`${spec.name}|${sub.name}`);
    }
    assert.deepEqual(marked.sort(), ['debug', 'module|load', 'module|loadex', 'module|unload']);
  });
  it('enable-module-command and enable-debug-command are typed settings', () => {
    const defaults = new Config();
    assert.equal(defaults.enableModuleCommand, 'no');
    assert.equal(defaults.enableDebugCommand, 'no');
    const set = Config.fromObject({ 'enable-module-command': 'local', 'enable-debug-command': 'YES' });
    assert.equal(set.enableModuleCommand, 'local');
    assert.equal(set.enableDebugCommand, 'yes');
  });
  it('allowProtectedAction: yes always, local only for a local client, no never', () => {
    assert.equal(allowProtectedAction('yes', false), true);
    assert.equal(allowProtectedAction('local', true), true);
    assert.equal(allowProtectedAction('local', false), false);
    assert.equal(allowProtectedAction('no', true), false);
  });
});
