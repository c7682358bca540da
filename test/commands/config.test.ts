import { it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { diffSuite, RawConnection, freePort, redisServerAvailable, type Step } from '../helpers/differential.js';
import { Config } from '../../src/server/config.js';
import { open } from '../../src/embedded/index.js';

/**
 * CONFIG against a real redis-server 7.0.15. Both servers keep their parameters across cases, so
 * every case restores what it changes.
 *
 * Documented differences in CONFIG GET * (everything else must be byte-identical):
 * - port: each server listens on its own port.
 * - dir: Redis reports its working directory; both run from the same one, but Redis resolves it
 *   itself (kept as an exception so the suite can run from any directory).
 * - save: the harness starts redis-server with `--save ""`; Cinder keeps Redis's default
 *   "3600 1 300 100 60 10000" (it does not persist anyway).
 * - bind: Cinder's own default is "127.0.0.1 -::1" (Redis: "* -::*"); the harness binds both to
 *   127.0.0.1, so it is compared.
 */
const GET_ALL_EXCEPTIONS = new Set(['port', 'dir', 'save']);

const unordered = (...argv: string[]): Step => ({ argv, compare: 'unordered' });

/** Decodes a flat CONFIG GET reply (RESP2) into name → value. */
function decodePairs(raw: Buffer): Map<string, string> {
  const s = raw.latin1Slice();
  const out = new Map<string, string>();
  let p = s.indexOf('\r\n') + 2;
  const items: string[] = [];
  while (p < s.length) {
    const cr = s.indexOf('\r\n', p);
    const len = Number(s.slice(p + 1, cr));
    items.push(s.slice(cr + 2, cr + 2 + len));
    p = cr + 2 + len + 2;
  }
  for (let i = 0; i < items.length; i += 2) out.set(items[i], items[i + 1]);
  return out;
}

diffSuite('config: GET', (t) => {
  it('CONFIG GET * lists every parameter with the same value (documented exceptions aside)', async () => {
    const [r, c] = await Promise.all([RawConnection.connect(t.ports.redis), RawConnection.connect(t.ports.cinder)]);
    try {
      const [real, ours] = await Promise.all([r.command(['CONFIG', 'GET', '*']), c.command(['CONFIG', 'GET', '*'])]);
      const rm = decodePairs(real);
      const cm = decodePairs(ours);
      assert.ok(rm.size > 150, `redis listed ${rm.size} parameters`);
      assert.deepEqual([...cm.keys()].sort(), [...rm.keys()].sort());
      for (const [name, value] of rm) {
        if (GET_ALL_EXCEPTIONS.has(name)) continue;
        assert.equal(cm.get(name), value, `CONFIG GET ${name}`);
      }
    } finally {
      r.close();
      c.close();
    }
  });

  t.case('exact names, any case, aliases and hidden parameters', [
    ['CONFIG', 'GET', 'hz'],
    ['CONFIG', 'GET', 'HZ'],
    ['CONFIG', 'GET', 'Maxmemory-Policy'],
    ['CONFIG', 'GET', 'slave-priority'],
    ['CONFIG', 'GET', 'lua-time-limit'],
    ['CONFIG', 'GET', 'list-max-ziplist-size'],
    ['CONFIG', 'GET', 'rdb-key-save-delay'],
    ['CONFIG', 'GET', 'loading-process-events-interval-bytes'],
    ['CONFIG', 'GET', 'use-exit-on-panic'],
    ['CONFIG', 'GET', 'nonexistent'],
    ['CONFIG', 'GET', ''],
    ['CONFIG', 'GET', 'list-max-ziplist-entries'],
  ]);
  t.case('patterns (case-insensitive; hidden parameters need their exact name)', [
    unordered('CONFIG', 'GET', 'H*'),
    unordered('CONFIG', 'GET', '*max-*'),
    unordered('CONFIG', 'GET', '*delay*'),
    unordered('CONFIG', 'GET', 'slave-pri*'),
    unordered('CONFIG', 'GET', '*-priority'),
    unordered('CONFIG', 'GET', 'tls-*'),
    unordered('CONFIG', 'GET', 'repl-[bp]*'),
    unordered('CONFIG', 'GET', '?z'),
    unordered('CONFIG', 'GET', 'nomatch*'),
    unordered('CONFIG', 'GET', '*listpack*'),
    unordered('CONFIG', 'GET', '*ziplist*'),
  ]);
  t.case('several names and patterns, each parameter once', [
    unordered('CONFIG', 'GET', 'hz', 'hz', 'maxclients', 'proto*'),
    unordered('CONFIG', 'GET', 'hz', 'HZ'),
    unordered('CONFIG', 'GET', 'HZ', 'h?'),
    unordered('CONFIG', 'GET', 'H?', 'hz'),
    unordered('CONFIG', 'GET', 'slave-priority', '*-priority'),
    unordered('CONFIG', 'GET', 'Slave-Priority', 'slave-priority'),
    unordered('CONFIG', 'GET', 'nonexistent', 'timeout', 'nope*'),
    unordered('CONFIG', 'GET', 'maxmemory*', 'maxmemory', 'maxmemory-policy'),
  ]);
  t.case('arity and subcommand errors', [
    ['CONFIG', 'GET'],
    ['CONFIG'],
    ['CONFIG', 'NOPE'],
    ['CONFIG', 'RESETSTAT', 'x'],
    ['CONFIG', 'REWRITE', 'x'],
    ['CONFIG', 'HELP', 'x'],
    ['config', 'get', 'HZ'],
  ]);
  t.case('HELP', [['CONFIG', 'HELP'], ['config', 'help']]);
});

diffSuite('config: SET', (t) => {
  t.case('arity, syntax and unknown parameters', [
    ['CONFIG', 'SET'],
    ['CONFIG', 'SET', 'hz'],
    ['CONFIG', 'SET', 'hz', '10', 'maxclients'],
    ['CONFIG', 'SET', 'foo', 'bar'],
    ['CONFIG', 'SET', 'hz', '12', 'foo', '1'],
    ['CONFIG', 'SET', 'foo', '1', 'hz', '12'],
    ['CONFIG', 'SET', 'foo', '1', 'daemonize', 'no'],
    ['CONFIG', 'SET', 'list-max-ziplist-entries', '5'],
    ['CONFIG', 'GET', 'hz'],
  ]);
  t.case('immutable and protected parameters', [
    ['CONFIG', 'SET', 'daemonize', 'yes'],
    ['CONFIG', 'SET', 'DATABASES', '4'],
    ['CONFIG', 'SET', 'slaveof', 'no one'],
    ['CONFIG', 'SET', 'replicaof', 'localhost 1'],
    ['CONFIG', 'SET', 'dir', '/tmp'],
    ['CONFIG', 'SET', 'dbfilename', 'x.rdb'],
    ['CONFIG', 'SET', 'hz', '13', 'daemonize', 'no'],
    ['CONFIG', 'SET', 'daemonize', 'no', 'foo', '1'],
    ['CONFIG', 'SET', 'enable-protected-configs', 'yes'],
    ['CONFIG', 'SET', 'socket-mark-id', '1'],
    ['CONFIG', 'GET', 'hz'],
  ]);
  t.case('duplicate parameters (names and aliases)', [
    ['CONFIG', 'SET', 'hz', '10', 'hz', '11'],
    ['CONFIG', 'SET', 'hz', '10', 'HZ', '11'],
    ['CONFIG', 'SET', 'replica-priority', '10', 'slave-priority', '11'],
    unordered('CONFIG', 'GET', 'hz', 'replica-priority'),
    ['CONFIG', 'SET', 'replica-priority', '100'],
  ]);
  t.case('all or nothing: a bad value restores the earlier ones', [
    ['CONFIG', 'SET', 'hz', '33', 'maxmemory-samples', '7', 'timeout', 'abc'],
    ['CONFIG', 'GET', 'hz'],
    ['CONFIG', 'GET', 'maxmemory-samples'],
    ['CONFIG', 'SET', 'hz', '33', 'maxmemory-samples', '7', 'timeout', '0'],
    ['CONFIG', 'GET', 'hz'],
    ['CONFIG', 'GET', 'maxmemory-samples'],
    ['CONFIG', 'SET', 'hz', '10', 'maxmemory-samples', '5'],
  ]);
  t.case('hz is clamped to 1..500', [
    ['CONFIG', 'SET', 'hz', '0'],
    ['CONFIG', 'GET', 'hz'],
    ['CONFIG', 'SET', 'hz', '600'],
    ['CONFIG', 'GET', 'hz'],
    ['CONFIG', 'SET', 'hz', '-1'],
    ['CONFIG', 'SET', 'hz', '10'],
  ]);
  t.case('memory values: units, case, overflow', [
    ['CONFIG', 'SET', 'maxmemory', '1kb'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '1K'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '2Mb'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '3g'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '1GB'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '10b'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '99999999999999999999'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '-1'],
    ['CONFIG', 'SET', 'maxmemory', '1tb'],
    ['CONFIG', 'SET', 'maxmemory', ' 1'],
    ['CONFIG', 'SET', 'maxmemory', 'kb'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', ''],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '0'],
    ['CONFIG', 'SET', 'proto-max-bulk-len', '99999999999999999999'],
    ['CONFIG', 'SET', 'proto-max-bulk-len', '1mb'],
    ['CONFIG', 'GET', 'proto-max-bulk-len'],
    ['CONFIG', 'SET', 'proto-max-bulk-len', '1000k'],
    ['CONFIG', 'SET', 'proto-max-bulk-len', '512mb'],
    ['CONFIG', 'GET', 'proto-max-bulk-len'],
    ['CONFIG', 'SET', 'hash-max-listpack-value', '1kb'],
    ['CONFIG', 'GET', 'hash-max-ziplist-value'],
    ['CONFIG', 'SET', 'hash-max-ziplist-value', '64'],
  ]);
  t.case('integer values: ranges and parse errors', [
    ['CONFIG', 'SET', 'port', 'abc'],
    ['CONFIG', 'SET', 'port', '99999'],
    ['CONFIG', 'SET', 'port', '-1'],
    ['CONFIG', 'SET', 'maxclients', '-1'],
    ['CONFIG', 'SET', 'maxclients', '0'],
    ['CONFIG', 'SET', 'maxclients', '4294967296'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '-1'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '-2'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'],
    ['CONFIG', 'GET', 'slowlog-log-slower-than'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
    ['CONFIG', 'SET', 'slowlog-max-len', '-1'],
    ['CONFIG', 'SET', 'timeout', '1.5'],
    ['CONFIG', 'SET', 'timeout', '+5'],
    ['CONFIG', 'SET', 'timeout', '05'],
    ['CONFIG', 'SET', 'list-max-listpack-size', '-2147483649'],
    ['CONFIG', 'SET', 'list-max-ziplist-size', '-5'],
    ['CONFIG', 'GET', 'list-max-listpack-size'],
    ['CONFIG', 'SET', 'list-max-listpack-size', '-2'],
    ['CONFIG', 'SET', 'active-expire-effort', '11'],
    ['CONFIG', 'SET', 'active-defrag-cycle-max', '0'],
  ]);
  t.case('percent values (maxmemory-clients)', [
    ['CONFIG', 'SET', 'maxmemory-clients', '200%'],
    ['CONFIG', 'SET', 'maxmemory-clients', '-5%'],
    ['CONFIG', 'SET', 'maxmemory-clients', '%'],
    ['CONFIG', 'SET', 'maxmemory-clients', 'x%'],
    ['CONFIG', 'SET', 'maxmemory-clients', '5%'],
    ['CONFIG', 'GET', 'maxmemory-clients'],
    ['CONFIG', 'SET', 'maxmemory-clients', '0%'],
    ['CONFIG', 'GET', 'maxmemory-clients'],
    ['CONFIG', 'SET', 'maxmemory-clients', '0'],
  ]);
  t.case('bool and enum values', [
    ['CONFIG', 'SET', 'appendonly', 'maybe'],
    ['CONFIG', 'SET', 'protected-mode', 'NO'],
    ['CONFIG', 'GET', 'protected-mode'],
    ['CONFIG', 'SET', 'protected-mode', 'Yes'],
    ['CONFIG', 'GET', 'protected-mode'],
    ['CONFIG', 'SET', 'loglevel', 'foo'],
    ['CONFIG', 'SET', 'loglevel', 'debug notice'],
    ['CONFIG', 'SET', 'loglevel', ''],
    ['CONFIG', 'SET', 'loglevel', 'VERBOSE'],
    ['CONFIG', 'GET', 'loglevel'],
    ['CONFIG', 'SET', 'loglevel', 'notice'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'lru'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'AllKeys-LRU'],
    ['CONFIG', 'GET', 'maxmemory-policy'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
    ['CONFIG', 'SET', 'oom-score-adj', 'bad'],
    ['CONFIG', 'SET', 'propagation-error-behavior', 'x'],
    ['CONFIG', 'SET', 'repl-diskless-load', 'swapdb'],
    ['CONFIG', 'GET', 'repl-diskless-load'],
    ['CONFIG', 'SET', 'repl-diskless-load', 'disabled'],
  ]);
  t.case('flag enums (shutdown-on-sigint)', [
    ['CONFIG', 'SET', 'shutdown-on-sigint', 'nosave now'],
    ['CONFIG', 'GET', 'shutdown-on-sigint'],
    ['CONFIG', 'SET', 'shutdown-on-sigint', 'now force save'],
    ['CONFIG', 'GET', 'shutdown-on-sigint'],
    ['CONFIG', 'SET', 'shutdown-on-sigint', 'default now'],
    ['CONFIG', 'GET', 'shutdown-on-sigint'],
    ['CONFIG', 'SET', 'shutdown-on-sigint', 'save nosave'],
    ['CONFIG', 'SET', 'shutdown-on-sigint', ''],
    ['CONFIG', 'SET', 'shutdown-on-sigint', 'now  force'],
    ['CONFIG', 'SET', 'shutdown-on-sigterm', 'NOW'],
    unordered('CONFIG', 'GET', 'shutdown-on-sig*'),
    ['CONFIG', 'SET', 'shutdown-on-sigint', 'default', 'shutdown-on-sigterm', 'default'],
    ['CONFIG', 'GET', 'shutdown-on-sigint'],
  ]);
  t.case('save', [
    ['CONFIG', 'SET', 'save', '100 10 20'],
    ['CONFIG', 'SET', 'save', '3600 1 300 100'],
    ['CONFIG', 'GET', 'save'],
    ['CONFIG', 'SET', 'save', '  3600   1  '],
    ['CONFIG', 'SET', 'save', '0 1'],
    ['CONFIG', 'SET', 'save', '10 -1'],
    ['CONFIG', 'SET', 'save', 'a b'],
    ['CONFIG', 'GET', 'save'],
    ['CONFIG', 'SET', 'save', ''],
    ['CONFIG', 'GET', 'save'],
  ]);
  t.case('client-output-buffer-limit', [
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 64mb 16mb 90 replica 512mb 128mb 120'],
    ['CONFIG', 'GET', 'client-output-buffer-limit'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'master 1 2 3'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 2 x'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 2 3 x'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 2 -3'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal -1 2 3'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'foo 1 2 3'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', ''],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'Slave 256mb 64mb 60 PUBSUB 32mb 8mb 60'],
    ['CONFIG', 'GET', 'client-output-buffer-limit'],
  ]);
  t.case('notify-keyspace-events', [
    ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'],
    ['CONFIG', 'GET', 'notify-keyspace-events'],
    ['CONFIG', 'SET', 'notify-keyspace-events', 'nmKEA'],
    ['CONFIG', 'GET', 'notify-keyspace-events'],
    ['CONFIG', 'SET', 'notify-keyspace-events', 'g$lshzxetdn'],
    ['CONFIG', 'GET', 'notify-keyspace-events'],
    ['CONFIG', 'SET', 'notify-keyspace-events', 'dtn'],
    ['CONFIG', 'GET', 'notify-keyspace-events'],
    ['CONFIG', 'SET', 'notify-keyspace-events', 'Ex'],
    ['CONFIG', 'GET', 'notify-keyspace-events'],
    ['CONFIG', 'SET', 'notify-keyspace-events', 'Km'],
    ['CONFIG', 'GET', 'notify-keyspace-events'],
    ['CONFIG', 'SET', 'notify-keyspace-events', 'X'],
    ['CONFIG', 'SET', 'notify-keyspace-events', ''],
    ['CONFIG', 'GET', 'notify-keyspace-events'],
  ]);
  t.case('oom-score-adj-values and latency-tracking-info-percentiles', [
    ['CONFIG', 'SET', 'oom-score-adj-values', '1 2 5000'],
    ['CONFIG', 'SET', 'oom-score-adj-values', '1 2'],
    ['CONFIG', 'SET', 'oom-score-adj-values', '10 20 x'],
    ['CONFIG', 'SET', 'oom-score-adj-values', '10 20 30'],
    ['CONFIG', 'GET', 'oom-score-adj-values'],
    ['CONFIG', 'SET', 'oom-score-adj-values', '0 200 800'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50.5 1e1 0 100 99.999999'],
    ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '101'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', 'abc'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', ''],
    ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '0x10 12.25'],
    ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9'],
  ]);
  t.case('string values and their validators', [
    ['CONFIG', 'SET', 'proc-title-template', '{title}'],
    ['CONFIG', 'SET', 'proc-title-template', '{foo}'],
    ['CONFIG', 'SET', 'proc-title-template', '{'],
    ['CONFIG', 'SET', 'proc-title-template', ''],
    ['CONFIG', 'SET', 'proc-title-template', 'x {title} {{ a}b'],
    ['CONFIG', 'GET', 'proc-title-template'],
    ['CONFIG', 'SET', 'proc-title-template', '{title} {listen-addr} {server-mode}'],
    ['CONFIG', 'SET', 'cluster-announce-hostname', 'bad_host'],
    ['CONFIG', 'SET', 'cluster-announce-hostname', 'good-host.example'],
    ['CONFIG', 'GET', 'cluster-announce-hostname'],
    ['CONFIG', 'SET', 'cluster-announce-hostname', ''],
    ['CONFIG', 'SET', 'ignore-warnings', 'ARM64-COW-BUG'],
    ['CONFIG', 'GET', 'ignore-warnings'],
    ['CONFIG', 'SET', 'ignore-warnings', ''],
    ['CONFIG', 'SET', 'masteruser', 'u\x00\xff'],
    ['CONFIG', 'GET', 'masteruser'],
    ['CONFIG', 'SET', 'masteruser', ''],
  ]);
  t.case('TLS cannot be turned on without certificates', [
    ['CONFIG', 'SET', 'tls-port', '0'],
    ['CONFIG', 'SET', 'tls-cert-file', '/nonexistent.crt'],
    ['CONFIG', 'GET', 'tls-cert-file'],
    ['CONFIG', 'SET', 'tls-cert-file', ''],
    unordered('CONFIG', 'GET', 'tls-port', 'tls-replication'),
  ]);
  t.case('aliases are set and answered under both names', [
    ['CONFIG', 'SET', 'SLAVE-PRIORITY', '5'],
    unordered('CONFIG', 'GET', 'replica-priority', 'slave-priority'),
    ['CONFIG', 'SET', 'slave-priority', 'x'],
    ['CONFIG', 'SET', 'lua-time-limit', '-1'],
    ['CONFIG', 'SET', 'replica-priority', '100'],
    ['CONFIG', 'GET', 'slave-priority'],
  ]);
  t.case('RESETSTAT replies OK', [['CONFIG', 'RESETSTAT'], ['config', 'resetstat']]);
  t.case('REWRITE without a config file', [['CONFIG', 'REWRITE']]);

  /**
   * Every parameter against a battery of values: the SET reply and the value read back must match
   * Redis's. Each successful change is undone on the spot (on both servers, whatever happened).
   * A few values are not tried where they would disturb the real server (listening addresses,
   * persistence to disk, client eviction, authentication, output buffer limits on our connection).
   */
  it('every parameter accepts and refuses the same values as Redis', async () => {
    const PROBES = [
      '', 'abc', '-1', '0', '1', '2', '07', '8', '100', '1000', '2147483647', '2147483648', '4294967296',
      '9223372036854775807', '9223372036854775808', '99999999999999999999', '1k', '1KB', '3mb', '1g', '5%',
      '101%', 'yes', 'no', 'Yes', 'local', ' 5', '0x10', 'notice', 'ip', 'optional', 'clients', 'now',
      'a b', 'a/b', '{title}', '-',
    ];
    const SKIP = new Set(['port', 'bind', 'requirepass', 'watchdog-period', 'client-output-buffer-limit', 'maxmemory-clients']);
    const skipValue = (name: string, value: string): boolean =>
      (name === 'appendonly' && value.toLowerCase() === 'yes') ||
      (name === 'save' && value !== '' && /^[0-9]/.test(value)) ||
      (name === 'maxclients' && /^[0-9]/.test(value)) ||
      (name === 'maxmemory' && /^[0-9]|^$/.test(value)) ||
      (name === 'timeout' && /^[1-9]/.test(value));
    const [r, c] = await Promise.all([RawConnection.connect(t.ports.redis), RawConnection.connect(t.ports.cinder)]);
    const problems: string[] = [];
    try {
      for (const name of Config.parameterNames()) {
        if (SKIP.has(name)) continue;
        const [ro, co] = await Promise.all([r.command(['CONFIG', 'GET', name]), c.command(['CONFIG', 'GET', name])]);
        const realOriginal = decodePairs(ro).get(name)!;
        const ourOriginal = decodePairs(co).get(name)!;
        for (const value of PROBES) {
          if (skipValue(name, value)) continue;
          const [rs, cs] = await Promise.all([r.command(['CONFIG', 'SET', name, value]), c.command(['CONFIG', 'SET', name, value])]);
          try {
            if (!rs.equals(cs)) {
              problems.push(`SET ${name} ${JSON.stringify(value)}: redis ${JSON.stringify(rs.latin1Slice())} cinder ${JSON.stringify(cs.latin1Slice())}`);
              continue;
            }
            const [rg, cg] = await Promise.all([r.command(['CONFIG', 'GET', name]), c.command(['CONFIG', 'GET', name])]);
            if (!rg.equals(cg) && !GET_ALL_EXCEPTIONS.has(name)) {
              problems.push(`GET ${name} after ${JSON.stringify(value)}: redis ${JSON.stringify(rg.latin1Slice())} cinder ${JSON.stringify(cg.latin1Slice())}`);
            }
          } finally {
            await Promise.all([r.command(['CONFIG', 'SET', name, realOriginal]), c.command(['CONFIG', 'SET', name, ourOriginal])]);
          }
        }
      }
    } finally {
      r.close();
      c.close();
    }
    assert.deepEqual(problems, []);
  });
});

diffSuite('config: GET/SET in RESP3 and through the embedded API', (t) => {
  t.case('map replies', [['CONFIG', 'GET', 'maxmemory'], unordered('CONFIG', 'GET', 'hash-max-*'), ['CONFIG', 'GET', 'none']], {
    resp: [3],
  });
});

it('the embedded API reads and changes parameters (typed fields follow)', () => {
  const db = open({ config: { hz: 20, maxmemoryPolicy: 'allkeys-lru' } });
  try {
    assert.deepEqual(db.callSync('CONFIG', 'GET', 'hz'), new Map([['hz', '20']]));
    assert.equal(db.server.config.maxmemoryPolicy, 'allkeys-lru');
    assert.equal(db.callSync('CONFIG', 'SET', 'hz', '50', 'maxmemory', '1mb'), 'OK');
    assert.equal(db.server.config.hz, 50);
    assert.equal(db.server.config.maxmemory, 1048576);
    // Protected parameters: in-process callers count as local, but the default is still "no".
    assert.throws(() => db.callSync('CONFIG', 'SET', 'dir', '/tmp'), /can't set protected config/);
  } finally {
    db.close();
  }
});

it('CONFIG RESETSTAT zeroes server stats, command counters and keyspace hits/misses', () => {
  const db = open();
  try {
    db.callSync('SET', 'k', 'v');
    db.callSync('GET', 'k');
    db.callSync('GET', 'missing');
    assert.throws(() => db.callSync('NOSUCHCOMMAND'));
    const s = db.server;
    assert.ok(s.stats.totalCommands > 0);
    assert.ok(s.stats.totalErrorReplies > 0);
    assert.equal(s.dbs[0].hits, 1);
    assert.equal(s.dbs[0].misses, 1);
    assert.ok(s.commands.lookup('get')!.calls >= 2);
    assert.equal(db.callSync('CONFIG', 'RESETSTAT'), 'OK');
    // The RESETSTAT call itself is counted after the reset, as in Redis.
    assert.equal(s.stats.totalCommands, 1);
    assert.equal(s.stats.totalErrorReplies, 0);
    assert.equal(s.stats.errorCodes.size, 0);
    assert.equal(s.dbs[0].hits, 0);
    assert.equal(s.dbs[0].misses, 0);
    assert.equal(s.commands.lookup('get')!.calls, 0);
    assert.equal(s.commands.lookup('set')!.usec, 0);
    const resetstat = s.commands.lookup('config')!.subcommands!.get('resetstat')!;
    assert.equal(resetstat.calls, 1);
  } finally {
    db.close();
  }
});

/** CONFIG REWRITE against redis-server's own rewrite of the same file after the same changes. */
if (redisServerAvailable) {
  it('CONFIG REWRITE produces the file redis-server produces', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-rewrite-'));
    const port = await freePort();
    const body = [
      '# my comment',
      `port ${port}`,
      'bind 127.0.0.1',
      `dir "${dir}"`,
      'save 100 1',
      'save 200 2',
      '',
      '',
      '',
      'slave-priority 5',
      'lua-time-limit 100',
      'hz 20',
      'maxmemory 2mb',
      'client-output-buffer-limit pubsub 32mb 8mb 60',
      'notify-keyspace-events KEA',
      'appendfsync always',
      '# trailing comment',
      '',
    ].join('\n');
    const realFile = path.join(dir, 'real.conf');
    const ourFile = path.join(dir, 'ours.conf');
    fs.writeFileSync(realFile, body);
    fs.writeFileSync(ourFile, body);
    const changes = [
      ['maxmemory-clients', '5%'],
      ['hash-max-listpack-value', '1mb'],
      ['oom-score-adj-values', '1 2 3'],
      ['maxmemory', '3mb'],
      ['hz', '15'],
      ['appendfsync', 'everysec'],
      ['save', '300 5'],
      ['notify-keyspace-events', ''],
      ['masteruser', 'some "user"'],
    ];
    const proc = spawn('redis-server', [realFile, '--daemonize', 'no'], { stdio: 'ignore' });
    try {
      let conn: RawConnection | null = null;
      for (let i = 0; i < 200 && conn === null; i++) {
        try {
          conn = await RawConnection.connect(port);
        } catch {
          await new Promise((res) => setTimeout(res, 25));
        }
      }
      assert.ok(conn, 'redis-server started');
      for (const [k, v] of changes) assert.equal((await conn.command(['CONFIG', 'SET', k, v])).latin1Slice(), '+OK\r\n');
      assert.equal((await conn.command(['CONFIG', 'REWRITE'])).latin1Slice(), '+OK\r\n');
      conn.close();
    } finally {
      proc.kill('SIGKILL');
    }
    const cfg = Config.fromArgs([ourFile]);
    for (const [k, v] of changes) cfg.set(k, v);
    cfg.rewrite();
    // Redis appends in hash-table order and adds its ACL user line; compare the kept part in
    // order and the appended part as a set.
    const split = (text: string) => {
      const lines = text.split('\n');
      const sig = lines.indexOf('# Generated by CONFIG REWRITE');
      return {
        head: sig < 0 ? lines : lines.slice(0, sig),
        tail: sig < 0 ? [] : lines.slice(sig + 1).filter((l) => l !== '' && !l.startsWith('user ')).sort(),
      };
    };
    const real = split(fs.readFileSync(realFile, 'latin1'));
    const ours = split(fs.readFileSync(ourFile, 'latin1'));
    assert.deepEqual(ours.head, real.head);
    assert.deepEqual(ours.tail, real.tail);
    // The rewritten file loads back to the same values.
    const again = Config.fromArgs([ourFile]);
    for (const [k] of changes) assert.equal(again.get(k), cfg.get(k), k);
    fs.rmSync(dir, { recursive: true, force: true });
  });
}
