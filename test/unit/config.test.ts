import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Config, ConfigError, memtoull, formatMemory, quoteRepr } from '../../src/server/config.js';
import { REDIS_VERSION } from '../../src/util/version.js';
import { CommandError } from '../../src/protocol/errors.js';
import { redisServerAvailable } from '../helpers/differential.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-config-'));
let fileCounter = 0;
function writeConf(text: string, name = `c${fileCounter++}.conf`): string {
  const p = path.join(tmp, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text, 'latin1');
  return p;
}

function fatal(lineNo: number, line: string, reason: string): string {
  return `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\nReading the configuration file, at line ${lineNo}\n>>> '${line}'\n${reason}`;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError || e instanceof CommandError) return e.message;
    throw e;
  }
  assert.fail('expected an error');
}

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('redis.conf parsing', () => {
  test('comments, blank lines, CRLF, any-case directive names', () => {
    const cfg = Config.fromArgs([writeConf('# comment\n\n   \t\nHZ 20\r\n  maxclients 50  \n#port 1\nLogLevel warning\n')]);
    assert.equal(cfg.hz, 20);
    assert.equal(cfg.maxclients, 50);
    assert.equal(cfg.port, 6379);
    assert.equal(cfg.loglevel, 'warning');
    assert.equal(cfg.get('hz'), '20');
  });

  test('sdssplitargs quoting: double quotes with escapes, single quotes', () => {
    const cfg = Config.fromArgs([
      writeConf(
        [
          'masteruser "a b\\x41\\n\\"q\\""',
          "masterauth 'it\\'s \"x\"'",
          'proc-title-template "{title} \\t{port}"',
          'notify-keyspace-events ""',
        ].join('\n'),
      ),
    ]);
    assert.equal(cfg.get('masteruser'), 'a bA\n"q"');
    assert.equal(cfg.get('masterauth'), `it's "x"`);
    assert.equal(cfg.get('proc-title-template'), '{title} \t{port}');
    assert.equal(cfg.get('notify-keyspace-events'), '');
  });

  test('multi-argument directives', () => {
    const cfg = Config.fromArgs([
      writeConf(
        [
          'save 3600 1 300 100',
          'save 60 10000',
          'client-output-buffer-limit normal 0 0 0',
          'client-output-buffer-limit replica 256mb 64mb 60',
          'client-output-buffer-limit pubsub 32mb 8mb 60',
          'bind 127.0.0.1 ::1 -10.0.0.1',
          'oom-score-adj-values 0 100 900',
          'latency-tracking-info-percentiles 50 99.99',
          'shutdown-on-sigterm nosave now',
        ].join('\n'),
      ),
    ]);
    assert.equal(cfg.get('save'), '3600 1 300 100 60 10000');
    assert.deepEqual(cfg.save, [
      [3600, 1],
      [300, 100],
      [60, 10000],
    ]);
    assert.equal(cfg.get('client-output-buffer-limit'), 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
    assert.deepEqual(cfg.bind, ['127.0.0.1', '::1', '-10.0.0.1']);
    assert.equal(cfg.get('oom-score-adj-values'), '0 100 900');
    assert.equal(cfg.get('latency-tracking-info-percentiles'), '50 99.99');
    assert.equal(cfg.get('shutdown-on-sigterm'), 'nosave now');
  });

  test('save lines: the first one replaces the defaults, later ones append, "" clears', () => {
    assert.equal(Config.fromArgs([writeConf('save 100 1\nsave 200 2\n')]).get('save'), '100 1 200 2');
    assert.equal(Config.fromArgs([writeConf('save 100 1\nsave ""\nsave 200 2\n')]).get('save'), '200 2');
    assert.equal(Config.fromArgs([writeConf('save 100 1\n'), '--save', '5', '5']).get('save'), '100 1 5 5');
    assert.equal(Config.fromArgs([writeConf('save 100 1\n'), '--save', '']).get('save'), '');
    assert.equal(Config.fromArgs([writeConf('hz 11\n')]).get('save'), '3600 1 300 100 60 10000');
    // After an include, Redis no longer appends: a later save line replaces the list.
    const inc = writeConf('save 300 3\n');
    assert.equal(Config.fromArgs([writeConf(`save 100 1\ninclude ${inc}\nsave 7 7\n`)]).get('save'), '7 7');
  });

  test('include: nested files, globs, missing files', () => {
    const sub = writeConf('hz 33\nmaxclients 77\n', 'conf.d/a.conf');
    writeConf('timeout 9\n', 'conf.d/b.conf');
    writeConf('timeout 100\n', 'conf.d/skip.txt');
    const cfg = Config.fromArgs([writeConf(`port 7000\ninclude ${sub}\nport 7001\n`)]);
    assert.equal(cfg.hz, 33);
    assert.equal(cfg.maxclients, 77);
    assert.equal(cfg.port, 7001);
    const globbed = Config.fromArgs([writeConf(`include ${path.join(tmp, 'conf.d', '*.conf')}\n`)]);
    assert.equal(globbed.hz, 33);
    assert.equal(globbed.timeout, 9);
    // A pattern that matches nothing is fine; a missing plain file is fatal.
    assert.equal(Config.fromArgs([writeConf(`include ${path.join(tmp, 'none', '*.conf')}\nhz 5\n`)]).hz, 5);
    const missing = path.join(tmp, 'missing.conf');
    assert.equal(
      errorOf(() => Config.fromArgs([writeConf(`include ${missing}\n`)])),
      `Fatal error, can't open config file '${missing}': No such file or directory`,
    );
    // Errors inside an included file carry that file's line numbers.
    const bad = writeConf('# x\n\nhz abc\n');
    assert.equal(
      errorOf(() => Config.fromArgs([writeConf(`port 1\nport 2\ninclude ${bad}\n`)])),
      fatal(3, 'hz abc', "argument couldn't be parsed into an integer"),
    );
  });

  test('fatal errors name the line and the reason', () => {
    const cases: Array<[string, number, string, string]> = [
      ['# c\nfoo bar\n', 2, 'foo bar', 'Bad directive or wrong number of arguments'],
      ['port abc', 1, 'port abc', "argument couldn't be parsed into an integer"],
      ['\n\nport 99999', 3, 'port 99999', 'argument must be between 0 and 65535 inclusive'],
      ['save 1', 1, 'save 1', 'Invalid save parameters'],
      ['maxmemory 1x', 1, 'maxmemory 1x', 'argument must be a memory value'],
      ['loglevel foo', 1, 'loglevel foo', 'argument(s) must be one of the following: debug, verbose, notice, warning'],
      ['appendonly maybe', 1, 'appendonly maybe', "argument must be 'yes' or 'no'"],
      ['port "1', 1, 'port "1', 'Unbalanced quotes in configuration line'],
      ['port "1"x', 1, 'port "1"x', 'Unbalanced quotes in configuration line'],
      ['hz', 1, 'hz', 'wrong number of arguments'],
      ['hz 1 2', 1, 'hz 1 2', 'wrong number of arguments'],
      ['client-output-buffer-limit normal 0 0', 1, 'client-output-buffer-limit normal 0 0', 'Wrong number of arguments in buffer limit configuration.'],
      ['notify-keyspace-events X', 1, 'notify-keyspace-events X', "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."],
      ['list-max-ziplist-entries 5 6', 1, 'list-max-ziplist-entries 5 6', 'Bad directive or wrong number of arguments'],
      ['maxmemory-clients 200%', 1, 'maxmemory-clients 200%', 'percentage argument must be less or equal to 100'],
      ['dir /nonexistent-dir-for-test', 1, 'dir /nonexistent-dir-for-test', 'No such file or directory'],
      ['unixsocketperm 999', 1, 'unixsocketperm 999', "argument couldn't be parsed as an octal number"],
      ['unixsocketperm 1000', 1, 'unixsocketperm 1000', 'argument must be between 0 and 777 inclusive'],
      ['io-threads 0', 1, 'io-threads 0', 'argument must be between 1 and 128 inclusive'],
      ['slaveof a', 1, 'slaveof a', 'wrong number of arguments'],
      ['replicaof a b', 1, 'replicaof a b', 'Invalid master port'],
      ['appendfilename ""', 1, 'appendfilename ""', "appendfilename can't be empty"],
      ['dbfilename a/b', 1, 'dbfilename a/b', "dbfilename can't be a path, just a filename"],
      ['sentinel monitor x', 1, 'sentinel monitor x', 'sentinel directive while not in sentinel mode'],
      ['mod.opt', 1, 'mod.opt', 'Module config specified without value'],
      // user directives: the rules are checked as the file is read (unknown commands only at startup).
      ['user alice on %', 1, 'user alice on %', "Error in user declaration 'alice': Syntax error"],
      ['user alice on ~* ~a', 1, 'user alice on ~* ~a', "Error in user declaration 'on': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"],
      ['user alice on (+get', 1, 'user alice on (+get', "Error in user declaration 'alice': Unknown command or category name in ACL"],
      ['user alice on\nuser alice off', 2, 'user alice off', "Error in user declaration 'alice': Duplicate user found. A user can only be defined once in config files"],
      ['user alice on (foo)', 1, 'user alice on (foo)', "Error in user declaration 'alice': Syntax error"],
      ['user alice on #abc', 1, 'user alice on #abc', "Error in user declaration 'alice': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"],
      ['syslog-enabled yes', 1, 'syslog-enabled yes', 'syslog-enabled yes is not supported by Cinder (Node cannot write to /dev/log): use logfile, or logfile "" (standard output) under systemd or docker'],
      ['activedefrag yes', 1, 'activedefrag yes', 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution'],
    ];
    for (const [text, lineNo, line, reason] of cases) {
      assert.equal(errorOf(() => Config.fromArgs([writeConf(text)])), fatal(lineNo, line, reason), text);
    }
  });

  test('accepted leftovers: deprecated directives, sentinel alone, loadmodule with one warning; user directives and rename-command kept', () => {
    const cfg = Config.fromArgs([
      writeConf(
        [
          'list-max-ziplist-entries 512',
          'lua-replicate-commands yes',
          'sentinel',
          'rename-command FLUSHALL ""',
          'rename-command CONFIG ""',
          'user alice on >pw ~* +@all',
          'loadmodule /x/y.so a b',
        ].join('\n'),
      ),
    ]);
    assert.deepEqual(
      cfg.warnings.map((w) => w.split("'")[1]),
      ['loadmodule'],
    );
    assert.equal(cfg.extraDirectives.length, 1);
    assert.deepEqual(cfg.userDirectives, [['user', 'alice', 'on', '>pw', '~*', '+@all']]);
    assert.deepEqual(
      cfg.renameCommands.map((r) => [r.from, r.to, r.lineNumber, r.line]),
      [
        ['FLUSHALL', '', 4, 'rename-command FLUSHALL ""'],
        ['CONFIG', '', 5, 'rename-command CONFIG ""'],
      ],
    );
  });

  test('end-of-load checks: log file, replicaof in cluster mode', () => {
    assert.equal(
      errorOf(() => Config.fromArgs(['--logfile', '/nonexistent-dir-for-test/x.log'])),
      `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\nCan't open the log file: No such file or directory`,
    );
    assert.equal(
      errorOf(() => Config.fromArgs(['--cluster-enabled', 'yes', '--replicaof', '127.0.0.1', '6379'])),
      `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\nreplicaof directive not allowed in cluster mode`,
    );
  });
});

describe('memory values', () => {
  test('memtoull units and edge cases', () => {
    const cases: Array<[string, bigint | null]> = [
      ['0', 0n],
      ['123', 123n],
      ['1b', 1n],
      ['1B', 1n],
      ['1k', 1000n],
      ['1K', 1000n],
      ['1kb', 1024n],
      ['1KB', 1024n],
      ['1kB', 1024n],
      ['2m', 2000000n],
      ['2mb', 2097152n],
      ['3g', 3000000000n],
      ['3gb', 3221225472n],
      ['', 0n],
      ['kb', 0n],
      ['-1', null],
      ['1tb', null],
      [' 1', null],
      ['+1', null],
      ['1.5mb', null],
      ['99999999999999999999', 18446744073709551615n],
      ['17179869184gb', 0n],
    ];
    for (const [s, v] of cases) assert.equal(memtoull(s), v, s);
  });

  test('memory parameters read units and show bytes', () => {
    const cfg = Config.fromArgs(['--maxmemory', '2GB', '--proto-max-bulk-len', '1mb', '--hash-max-listpack-value', '1k']);
    assert.equal(cfg.get('maxmemory'), '2147483648');
    assert.equal(cfg.maxmemory, 2147483648);
    assert.equal(cfg.protoMaxBulkLen, 1048576);
    assert.equal(cfg.get('hash-max-ziplist-value'), '1000');
  });

  test('rewrite format picks the largest exact unit', () => {
    assert.equal(formatMemory(0n), '0');
    assert.equal(formatMemory(1000n), '1000');
    assert.equal(formatMemory(1024n), '1kb');
    assert.equal(formatMemory(3145728n), '3mb');
    assert.equal(formatMemory(2147483648n), '2gb');
    assert.equal(formatMemory(1536n), '1536');
  });
});

describe('command-line flags', () => {
  test('flags override the file, in order', () => {
    const file = writeConf('port 7000\nhz 20\n');
    const cfg = Config.fromArgs([file, '--port', '6380', '--hz', '30', '--loglevel', 'verbose']);
    assert.equal(cfg.port, 6380);
    assert.equal(cfg.hz, 30);
    assert.equal(cfg.loglevel, 'verbose');
    assert.equal(cfg.configFile, file);
  });

  test('values with spaces and multiple values; "--name value" as one argument', () => {
    const cfg = Config.fromArgs(['--masteruser', 'a b', '--save', '10', '1', '20', '2', '--bind 127.0.0.1', '--timeout', '5']);
    assert.equal(cfg.get('masteruser'), 'a b');
    assert.equal(cfg.get('save'), '10 1 20 2');
    assert.deepEqual(cfg.bind, ['127.0.0.1']);
    assert.equal(cfg.timeout, 5);
  });

  test('--save with no value means save ""', () => {
    assert.equal(Config.fromArgs(['--save']).get('save'), '');
    assert.equal(Config.fromArgs(['--save', '--hz', '12']).get('save'), '');
    assert.equal(Config.fromArgs(['--save', '--hz', '12']).hz, 12);
    assert.equal(Config.fromArgs(['--save', '']).get('save'), '');
  });

  test('errors in flags count lines after the file', () => {
    const file = writeConf('port 7301\nloglevel notice\n');
    assert.equal(errorOf(() => Config.fromArgs([file, '--hz', '5', '--port', 'abc'])), fatal(5, 'port "abc"', "argument couldn't be parsed into an integer"));
    assert.equal(errorOf(() => Config.fromArgs(['--port', 'abc'])), fatal(2, 'port "abc"', "argument couldn't be parsed into an integer"));
    assert.equal(errorOf(() => Config.fromArgs(['--port', '7301', '--foo'])), fatal(3, 'foo', 'Bad directive or wrong number of arguments'));
    assert.equal(errorOf(() => Config.fromArgs(['--loglevel'])), fatal(2, 'loglevel', 'wrong number of arguments'));
    assert.equal(errorOf(() => Config.fromArgs(['--foo', 'a b'])), fatal(2, 'foo "a b"', 'Bad directive or wrong number of arguments'));
    assert.equal(errorOf(() => Config.fromArgs(['--foo a', 'x"y'])), fatal(2, 'foo a "x\\"y"', 'Bad directive or wrong number of arguments'));
  });

  test('a missing config file is fatal', () => {
    const missing = path.join(tmp, 'nope.conf');
    assert.equal(errorOf(() => Config.fromArgs([missing])), `Fatal error, can't open config file '${missing}': No such file or directory`);
  });

  test('"-" reads the config from stdin', () => {
    const cfg = Config.fromArgs([writeConf('hz 20\n'), '-'], { readStdin: () => 'hz 40\nmaxclients 9\n' });
    assert.equal(cfg.hz, 40);
    assert.equal(cfg.maxclients, 9);
    assert.equal(Config.fromArgs(['-', '--hz', '3'], { readStdin: () => 'hz 2\n' }).hz, 3);
  });

  test('no arguments: Cinder defaults', () => {
    const cfg = Config.fromArgs([]);
    assert.equal(cfg.port, 6379);
    assert.deepEqual(cfg.bind, ['127.0.0.1', '-::1']);
    assert.equal(cfg.get('protected-mode'), 'yes');
    assert.equal(cfg.databases, 16);
    assert.equal(cfg.configFile, '');
    assert.deepEqual(cfg.warnings, []);
  });
});

describe('fromObject', () => {
  test('redis.conf or camelCase names; numbers, booleans, strings, arrays', () => {
    const cfg = Config.fromObject({
      port: 0,
      bind: '127.0.0.1 ::1',
      databases: 4,
      maxmemoryPolicy: 'allkeys-lru',
      'lazyfree-lazy-expire': true,
      appendonly: false,
      save: ['100 1', '200 2'],
      'client-output-buffer-limit': 'pubsub 1mb 1mb 0',
    });
    assert.equal(cfg.port, 0);
    assert.deepEqual(cfg.bind, ['127.0.0.1', '::1']);
    assert.equal(cfg.databases, 4);
    assert.equal(cfg.maxmemoryPolicy, 'allkeys-lru');
    assert.equal(cfg.get('lazyfree-lazy-expire'), 'yes');
    assert.equal(cfg.get('save'), '100 1 200 2');
    assert.equal(cfg.get('client-output-buffer-limit'), 'normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 1048576 0');
    assert.deepEqual(cfg.warnings, []); // save and client-output-buffer-limit are honoured
  });

  test('errors name the option', () => {
    assert.match(errorOf(() => Config.fromObject({ nope: 1 })), /nope.*Bad directive/);
    assert.match(errorOf(() => Config.fromObject({ hz: 'x' })), /hz.*couldn't be parsed into an integer/);
  });
});

describe('CONFIG SET semantics through config.set', () => {
  test('typed fields follow every change', () => {
    const cfg = new Config();
    cfg.set('hz', '100');
    cfg.set('maxclients', '20');
    cfg.set('timeout', '30');
    cfg.set('proto-max-bulk-len', '2mb');
    cfg.set('slave-priority', '7');
    cfg.set('list-max-ziplist-size', '-3');
    cfg.set('save', '10 20');
    cfg.set('requirepass', 'secret');
    assert.equal(cfg.hz, 100);
    assert.equal(cfg.maxclients, 20);
    assert.equal(cfg.timeout, 30);
    assert.equal(cfg.protoMaxBulkLen, 2097152);
    assert.equal(cfg.get('replica-priority'), '7');
    assert.equal(cfg.listMaxListpackSize, -3);
    assert.deepEqual(cfg.save, [[10, 20]]);
    assert.equal(cfg.requirepass, 'secret');
    cfg.set('requirepass', '');
    assert.equal(cfg.requirepass, null);
  });

  test('immutable and protected parameters, unless forced or allowed', () => {
    const cfg = new Config();
    assert.equal(errorOf(() => cfg.set('databases', '4')), "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config");
    cfg.set('databases', '4', { force: true });
    assert.equal(cfg.databases, 4);
    assert.equal(errorOf(() => cfg.set('dir', tmp)), "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
    const local = Config.fromArgs(['--enable-protected-configs', 'local']);
    assert.throws(() => local.set('dbfilename', 'x.rdb'), /protected/);
    local.set('dbfilename', 'x.rdb', { local: true });
    assert.equal(local.dbfilename, 'x.rdb');
    local.set('dir', tmp, { local: true });
    assert.equal(local.get('dir'), fs.realpathSync(tmp));
  });

  test('listeners run on change only, and a throwing listener undoes the whole CONFIG SET', () => {
    const cfg = new Config();
    const seen: string[] = [];
    const off = cfg.onChange('hz', (v) => seen.push(v));
    cfg.set('hz', '10');
    assert.deepEqual(seen, []);
    cfg.set('hz', '25');
    assert.deepEqual(seen, ['25']);
    cfg.onChange('port', (v) => {
      if (v === '1') throw new Error('Unable to listen on this port. Check server logs.');
    });
    assert.equal(
      errorOf(() => cfg.setMany(['hz', '40', 'port', '1'])),
      "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.",
    );
    assert.equal(cfg.hz, 25);
    assert.equal(cfg.port, 6379);
    assert.deepEqual(seen, ['25', '40', '25']);
    off();
    cfg.set('hz', '41');
    assert.deepEqual(seen, ['25', '40', '25']);
  });

  test('TLS for replication and the cluster bus cannot be enabled', () => {
    const cfg = new Config();
    for (const name of ['tls-replication', 'tls-cluster']) {
      assert.equal(
        errorOf(() => cfg.set(name, 'yes')),
        `ERR CONFIG SET failed (possibly related to argument '${name}') - Unable to update TLS configuration. Check server logs.`,
      );
      assert.equal(cfg.get(name), 'no');
    }
  });

  test('warnings: unsupported features once each, none for values that keep them off', () => {
    const cfg = Config.fromArgs([
      writeConf('appendonly no\noom-score-adj no\nsave ""\ntimeout 0\noom-score-adj yes\ntimeout 30\ntimeout 40\nlist-max-listpack-size -2\n'),
    ]);
    assert.deepEqual(cfg.warnings.map((w) => w.split("'")[1]).sort(), ['oom-score-adj']);
    const quiet = Config.fromArgs(['--appendonly', 'no', '--oom-score-adj', 'no', '--save', '', '--io-threads', '4']);
    assert.deepEqual(quiet.warnings, []);
    assert.equal(quiet.isUnsupportedValue('oom-score-adj', 'yes'), true);
    assert.equal(quiet.isUnsupportedValue('io-threads', '8'), false);
  });
});

describe('CONFIG REWRITE', () => {
  test('without a config file', () => {
    assert.equal(errorOf(() => new Config().rewrite()), 'ERR The server is running without a config file');
  });

  test('keeps comments and layout, reuses lines, blanks leftovers, appends after the signature', () => {
    const file = writeConf(
      ['# head', 'hz 20', 'save 1 1', 'save 2 2', 'save 3 3', '', '', '', 'slave-priority 5', 'include /dev/null', 'port "1', 'maxmemory 1mb', ''].join('\n'),
    );
    const cfg = Config.fromArgs([writeConf(['# head', 'hz 20', 'save 1 1', 'save 2 2', 'save 3 3', 'slave-priority 5', 'include /dev/null', 'maxmemory 1mb'].join('\n'))]);
    cfg.set('hz', '10');
    cfg.set('save', '60 5');
    cfg.set('maxmemory', '0');
    cfg.set('timeout', '7');
    cfg.set('masteruser', 'a "b"');
    const out = cfg.rewriteContent(file).split('\n');
    assert.deepEqual(out.slice(0, 8), ['# head', 'hz 10', 'save 60 5', '', 'replica-priority 5', 'include /dev/null', '# ??? port "1', 'maxmemory 0']);
    const sig = out.indexOf('# Generated by CONFIG REWRITE');
    assert.ok(sig > 0);
    const tail = out.slice(sig + 1);
    assert.ok(tail.includes('timeout 7'));
    assert.ok(tail.includes('masteruser "a \\"b\\""'));
    assert.ok(tail.some((l) => l.startsWith('dir "')));
    assert.ok(tail.includes('latency-tracking-info-percentiles 50 99 99.9'));
    assert.ok(!tail.includes('hz 10'));
    // Rewriting writes the file; loading it back gives the same values.
    const target = writeConf(fs.readFileSync(file, 'latin1').replace('port "1\n', ''));
    const back = Config.fromArgs([target, '--timeout', '7', '--masteruser', 'a "b"', '--hz', '10', '--save', '60', '5', '--maxmemory', '0']);
    back.rewrite();
    const again = Config.fromArgs([target]);
    for (const name of ['hz', 'save', 'maxmemory', 'timeout', 'masteruser', 'replica-priority']) assert.equal(again.get(name), back.get(name), name);
    assert.equal(fs.statSync(target).mode & 0o777, 0o644 & ~process.umask());
  });

  test('quoteRepr escapes like sdscatrepr', () => {
    assert.equal(quoteRepr('a"b\\c\n\r\t\x07\b\x00\xff'), '"a\\"b\\\\c\\n\\r\\t\\a\\b\\x00\\xff"');
  });
});

/** The same bad configs through redis-server: its stderr must be our ConfigError text. */
describe('fatal messages match redis-server', { skip: redisServerAvailable ? false : 'redis-server not installed' }, () => {
  const cases: Array<{ file?: string; args?: string[] }> = [
    { file: '# c\nfoo bar\n' },
    { file: 'port abc\n' },
    { file: 'maxmemory 10 20\n' },
    { file: '\n\n  save 100\n' },
    { file: 'hz "10\n' },
    { file: "masterauth 'x\n" },
    { file: 'client-output-buffer-limit master 1 2 3\n' },
    { file: 'oom-score-adj-values 1 2 9999\n' },
    { file: 'latency-tracking-info-percentiles 200\n' },
    { file: 'shutdown-on-sigint save nosave\n' },
    { file: 'proc-title-template "{nope}"\n' },
    { file: 'cluster-announce-hostname "a_b"\n' },
    { file: 'bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n' },
    { file: 'maxclients 0\n' },
    { file: 'tcp-backlog -1\n' },
    { file: 'socket-mark-id 99999999999\n' },
    { file: 'unixsocketperm 8\n' },
    { file: 'enable-debug-command foo\n' },
    { file: 'propagation-error-behavior x\n' },
    { file: 'hz 10\n', args: ['--port', 'abc'] },
    { args: ['--maxmemory', '-1'] },
    { args: ['--foo', 'a b'] },
    { args: ['--loglevel'] },
    { args: ['--port', '--bind', 'x'] },
    { args: ['--save', '1'] },
  ];
  for (const [i, c] of cases.entries()) {
    test(`case ${i + 1}: ${JSON.stringify(c)}`, () => {
      const args: string[] = [];
      if (c.file !== undefined) args.push(writeConf(c.file));
      args.push(...(c.args ?? []));
      const r = spawnSync('redis-server', args, { encoding: 'latin1', timeout: 5000 });
      assert.equal(r.status, 1, `redis-server exit status (stdout: ${r.stdout})`);
      assert.equal(errorOf(() => Config.fromArgs(args)), r.stderr.replace(/\n$/, ''));
    });
  }
});

describe('the Debian redis.conf', { skip: fs.existsSync('/etc/redis/redis.conf') ? false : 'no /etc/redis/redis.conf' }, () => {
  test('loads, with one warning per unsupported directive (none left since tcp-keepalive is honoured)', () => {
    const cfg = Config.fromArgs(['/etc/redis/redis.conf', '--daemonize', 'no', '--pidfile', '', '--logfile', '', '--dir', tmp]);
    // client-output-buffer-limit, daemonize, logfile, appendonly, tcp-keepalive: honoured or inert.
    assert.deepEqual(cfg.warnings, []);
    assert.deepEqual(cfg.bind, ['127.0.0.1', '-::1']);
  });
});
