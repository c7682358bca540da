import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, testDataDir } from '../helpers/differential.js';
import { BOTH, spawnServer, subdir, terminate, waitPong } from '../helpers/server-process.js';

/**
 * Bad values of the operating directives stop startup with redis-server's message on stderr and
 * status 1: each case runs real redis-server and cinder-server with the same arguments and
 * compares stderr byte for byte and the exit status.
 */

const dir = subdir(testDataDir(), 'ops-errors');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function failsAlike(args: string[], expected?: RegExp): Promise<void> {
  const results: Array<{ status: number | string; stderr: string; stdout: string }> = [];
  for (const which of BOTH) {
    const p = spawnServer(which, args, { cwd: dir });
    const status = await p.exited;
    results.push({ status, stderr: p.stderr(), stdout: p.stdout() });
  }
  const [redis, cinder] = results;
  assert.equal(redis.status, 1, `redis-server ${args.join(' ')}: ${redis.stderr}`);
  assert.equal(cinder.status, redis.status, `cinder-server ${args.join(' ')}: ${cinder.stdout}${cinder.stderr}`);
  assert.equal(cinder.stderr, redis.stderr, args.join(' '));
  if (expected !== undefined) assert.match(redis.stderr, expected);
}

function conf(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

test('bad loglevel, supervised, daemonize, syslog-facility, enable-* values: Redis\'s fatal message', async () => {
  const port = String(await freePort());
  await failsAlike(['--port', port, '--loglevel', 'bogus'], /must be one of the following: debug, verbose, notice, warning/);
  await failsAlike(['--port', port, '--loglevel', 'nothing']);
  await failsAlike(['--port', port, '--supervised', 'bogus'], /upstart, systemd, auto, no/);
  await failsAlike(['--port', port, '--daemonize', 'maybe'], /argument must be 'yes' or 'no'/);
  await failsAlike(['--port', port, '--syslog-facility', 'local8']);
  await failsAlike(['--port', port, '--enable-debug-command', 'sometimes'], /no, yes, local/);
  await failsAlike(['--port', port, '--enable-protected-configs', 'maybe']);
  await failsAlike(['--port', port, '--enable-module-command', '2']);
});

test('wrong argument counts for logfile, pidfile, loglevel', async () => {
  const port = String(await freePort());
  await failsAlike(['--port', port, '--loglevel'], /wrong number of arguments/);
  await failsAlike(['--port', port, '--logfile', 'a', 'b']);
  await failsAlike(['--port', port, '--pidfile', 'a', 'b']);
  await failsAlike([conf('counts.conf', [`port ${port}`, 'supervised systemd auto'])]);
});

test("a log file that cannot be opened: Can't open the log file (no line: checked after loading)", async () => {
  const port = String(await freePort());
  await failsAlike(['--port', port, '--logfile', path.join(dir, 'no-such-dir', 'x.log')], /Can't open the log file: No such file or directory/);
  await failsAlike(['--port', port, '--logfile', dir], /Is a directory/);
  // Relative to dir: a subdirectory that exists in the working directory but not in dir.
  fs.mkdirSync(path.join(dir, 'only-here'), { recursive: true });
  await failsAlike(['--port', port, '--dir', subdir(dir, 'elsewhere'), '--logfile', 'only-here/x.log'], /No such file or directory/);
});

test('rename-command errors: unknown command, target taken, missing argument', async () => {
  const port = String(await freePort());
  await failsAlike([conf('r1.conf', [`port ${port}`, 'rename-command nosuch foo'])], /No such command in rename-command/);
  await failsAlike([conf('r2.conf', [`port ${port}`, 'rename-command get set'])], /Target command name already exists/);
  await failsAlike([conf('r3.conf', [`port ${port}`, 'rename-command get'])], /Bad directive or wrong number of arguments/);
  await failsAlike([conf('r4.conf', [`port ${port}`, 'rename-command get "" extra'])], /Bad directive/);
  // A name freed by a rename can be taken; the old name is then unknown to a later line.
  await failsAlike([conf('r5.conf', [`port ${port}`, 'save ""', 'rename-command get foo', 'rename-command get bar'])], /line 4\n/);
  await failsAlike([conf('r6.conf', [`port ${port}`, 'rename-command GET foo', 'rename-command set FOO'])], /line 3\n/);
  await failsAlike([conf('r7.conf', [`port ${port}`, 'rename-command get ""', 'rename-command get x'])], /line 3\n/);
});

test('syslog-enabled yes: refused at startup (known deviation: redis-server logs to syslog)', async () => {
  const port = await freePort();
  // Redis accepts it and starts.
  const redis = spawnServer('redis', ['--port', String(port), '--save', '', '--syslog-enabled', 'yes'], { cwd: dir });
  await waitPong(port, redis);
  await terminate(redis.child.pid!);
  // Cinder cannot write to /dev/log (no unix datagram sockets in Node): a clear fatal error.
  const cinder = spawnServer('cinder', ['--port', String(port), '--syslog-enabled', 'yes'], { cwd: dir });
  assert.equal(await cinder.exited, 1);
  assert.equal(
    cinder.stderr(),
    "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n>>> 'syslog-enabled \"yes\"'\n" +
      'syslog-enabled yes is not supported by Cinder (Node cannot write to /dev/log): use logfile, or logfile "" (standard output) under systemd or docker\n',
  );
  // `no` (the default) is fine, as are syslog-ident and syslog-facility, which only matter with it.
  const ok = spawnServer('cinder', ['--port', String(port), '--save', '', '--syslog-enabled', 'no', '--syslog-ident', 'x', '--syslog-facility', 'local3'], { cwd: dir });
  await waitPong(port, ok);
  await terminate(ok.child.pid!);
});

test('rename-command of a subcommand: refused as unknown (known deviation: redis-server 7.0 crashes on an assertion)', async () => {
  const port = String(await freePort());
  const p = spawnServer('cinder', [conf('sub.conf', [`port ${port}`, 'rename-command config|get foo'])], { cwd: dir });
  assert.equal(await p.exited, 1);
  assert.equal(
    p.stderr(),
    "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'rename-command config|get foo'\nNo such command in rename-command\n",
  );
});
