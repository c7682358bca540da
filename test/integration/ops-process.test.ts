import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, testDataDir } from '../helpers/differential.js';
import {
  BOTH,
  LOG_LINE,
  SIGNAL_LINE,
  fileLines,
  isAlive,
  send,
  servingPid,
  spawnServer,
  subdir,
  terminate,
  track,
  waitFor,
  waitPong,
  type Which,
} from '../helpers/server-process.js';

/**
 * logfile, loglevel, pidfile and daemonize, each run on real redis-server and on cinder-server
 * with the same arguments: the files each writes, the processes each leaves, what each answers.
 */

const base = subdir(testDataDir(), 'ops-process');
after(() => fs.rmSync(base, { recursive: true, force: true }));
let n = 0;
const freshDir = (which: Which) => subdir(base, `${which}-${++n}`);

/** Starts one server in `dir` with `args` and waits for PONG. */
async function start(which: Which, dir: string, args: string[], cwd = dir) {
  const port = await freePort();
  const proc = spawnServer(which, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...args], { cwd });
  await waitPong(port, proc);
  return { port, proc, pid: await servingPid(port) };
}

test('pidfile: the PID and a newline once serving, removed at shutdown (SHUTDOWN and SIGTERM)', async () => {
  for (const which of BOTH) {
    for (const how of ['SHUTDOWN', 'SIGTERM'] as const) {
      const dir = freshDir(which);
      const pidfile = path.join(dir, 'server.pid');
      const logfile = path.join(dir, 'server.log');
      const s = await start(which, dir, ['--pidfile', pidfile, '--logfile', logfile]);
      assert.equal(fs.readFileSync(pidfile, 'latin1'), `${s.pid}\n`, which);
      assert.equal(await send(s.port, ['CONFIG', 'GET', 'pidfile']), `*2\r\n$7\r\npidfile\r\n$${pidfile.length}\r\n${pidfile}\r\n`, which);
      if (how === 'SHUTDOWN') await send(s.port, ['SHUTDOWN', 'NOSAVE']).catch(() => '');
      else process.kill(s.pid, 'SIGTERM');
      assert.equal(await s.proc.exited, 0, `${which} ${how}`);
      assert.equal(fs.existsSync(pidfile), false, `${which} ${how}: pidfile removed`);
      const messages = fileLines(logfile).map((l) => (LOG_LINE.exec(l) ?? SIGNAL_LINE.exec(l))!.at(-1)!);
      assert.ok(messages.includes('Removing the pid file.'), `${which}: ${messages.join('\n')}`);
      assert.ok(messages.indexOf('Removing the pid file.') < messages.findIndex((m) => /is now ready to exit, bye bye/.test(m)), which);
    }
  }
});

test('pidfile that cannot be written: the server runs, nothing logged (best effort, as Redis 7.0)', async () => {
  const warnings: Record<Which, string[]> = { redis: [], cinder: [] };
  for (const which of BOTH) {
    const dir = freshDir(which);
    const logfile = path.join(dir, 'server.log');
    const s = await start(which, dir, ['--pidfile', path.join(dir, 'missing', 'x.pid'), '--logfile', logfile]);
    warnings[which] = fileLines(logfile).filter((l) => /pid ?file/i.test(l));
    await terminate(s.pid);
  }
  assert.deepEqual(warnings.cinder, warnings.redis);
});

test('logfile: appended to, never truncated; every line in Redis\'s format; nothing on stdout', async () => {
  for (const which of BOTH) {
    const dir = freshDir(which);
    const logfile = path.join(dir, 'server.log');
    fs.writeFileSync(logfile, 'a line written before\n');
    for (let run = 0; run < 2; run++) {
      const s = await start(which, dir, ['--logfile', logfile]);
      await terminate(s.pid);
      assert.equal(await s.proc.exited, 0);
      assert.equal(s.proc.stdout(), '', which);
    }
    const all = fileLines(logfile);
    assert.equal(all[0], 'a line written before', which);
    // SIGTERM is logged from the signal handler, in its own shape, once per run.
    const fromHandler = all.filter((l) => SIGNAL_LINE.test(l));
    assert.deepEqual(
      fromHandler.map((l) => SIGNAL_LINE.exec(l)![3]),
      ['Received SIGTERM scheduling shutdown...', 'Received SIGTERM scheduling shutdown...'],
      which,
    );
    for (const l of fromHandler) assert.ok(Math.abs(Number(SIGNAL_LINE.exec(l)![2]) - Date.now() / 1000) < 120, l);
    const lines = all.filter((l) => !SIGNAL_LINE.test(l));
    const bad = lines.slice(1).filter((l) => !LOG_LINE.test(l));
    assert.deepEqual(bad, [], which);
    const ready = lines.filter((l) => / \* Ready to accept connections$/.test(l));
    assert.equal(ready.length, 2, `${which}: both runs appended`);
    for (const l of lines.slice(1)) {
      const m = LOG_LINE.exec(l)!;
      // The time is local time, and today's date.
      const now = new Date();
      assert.equal(Number(m[5]), now.getFullYear());
      // Roles: C while starting, M once serving (never S here).
      assert.ok(m[2] === 'C' || m[2] === 'M', l);
    }
    // The serving lines carry the server's PID and the master role.
    const readyLine = LOG_LINE.exec(ready[1])!;
    assert.equal(readyLine[2], 'M');
  }
});

test('relative logfile and pidfile are taken in dir (where Redis has chdir\'ed), not in the working directory', async () => {
  for (const which of BOTH) {
    const cwd = freshDir(which);
    const dir = freshDir(which);
    const s = await start(which, dir, ['--logfile', 'rel.log', '--pidfile', 'rel.pid'], cwd);
    assert.equal(fs.readFileSync(path.join(dir, 'rel.pid'), 'latin1'), `${s.pid}\n`, which);
    assert.ok(fileLines(path.join(dir, 'rel.log')).some((l) => / \* Ready to accept connections$/.test(l)), which);
    assert.deepEqual(fs.readdirSync(cwd), [], which);
    assert.equal(await send(s.port, ['CONFIG', 'GET', 'logfile']), '*2\r\n$7\r\nlogfile\r\n$7\r\nrel.log\r\n');
    await terminate(s.pid);
    assert.equal(fs.existsSync(path.join(dir, 'rel.pid')), false, which);
  }
});

test('logfile "" (the default): the log goes to standard output in the same format', async () => {
  for (const which of BOTH) {
    const dir = freshDir(which);
    const s = await start(which, dir, []);
    await terminate(s.pid);
    await s.proc.exited;
    const lines = s.proc.stdout().split('\n').filter((l) => /^\d+:/.test(l) && !SIGNAL_LINE.test(l));
    assert.ok(lines.length >= 3, which);
    for (const l of lines) assert.match(l, LOG_LINE, which);
    assert.ok(lines.some((l) => / \* Ready to accept connections$/.test(l)), which);
  }
});

test('the first lines (warnings, role C) and the status lines every 5 s at verbose and debug, as serverCron', async () => {
  const logs: Record<Which, string[]> = { redis: [], cinder: [] };
  await Promise.all(
    BOTH.map(async (which) => {
      const dir = freshDir(which);
      const logfile = path.join(dir, 'server.log');
      const s = await start(which, dir, ['--logfile', logfile, '--loglevel', 'debug']);
      await send(s.port, ['SET', 'a', '1']);
      await send(s.port, ['SET', 'b', '2', 'EX', '100']);
      await send(s.port, ['SELECT', '3']);
      await waitFor('the DB line', () => (fileLines(logfile).some((l) => / - DB 0: /.test(l)) ? true : undefined), 8000);
      await terminate(s.pid);
      logs[which] = fileLines(logfile).filter((l) => !SIGNAL_LINE.test(l));
    }),
  );
  for (const which of BOTH) {
    const lines = logs[which].map((l) => LOG_LINE.exec(l)!);
    // Starting: three warnings with the role C, the second one naming the PID.
    assert.deepEqual(lines.slice(0, 3).map((m) => [m[2], m[10]]), [['C', '#'], ['C', '#'], ['C', '#']], which);
    assert.match(lines[0][11], /^oO0OoO0OoO0Oo (Redis|Cinder) is starting oO0OoO0OoO0Oo$/);
    assert.match(lines[1][11], new RegExp(`version=7\\.0\\.15, .*pid=${lines[1][1]}, just started$`));
    assert.equal(lines[2][11], 'Configuration loaded');
    assert.ok(lines.some((m) => m[10] === '-' && m[11] === 'DB 0: 2 keys (1 volatile) in 4 slots HT.'), which);
    assert.ok(lines.some((m) => m[10] === '.' && /^\d+ clients connected \(0 replicas\), \d+ bytes in use$/.test(m[11])), which);
  }
});

test('CONFIG SET logfile / pidfile refused as immutable; CONFIG GET shows them; loglevel changes at runtime', async () => {
  const replies: Record<Which, string[]> = { redis: [], cinder: [] };
  for (const which of BOTH) {
    const dir = freshDir(which);
    const logfile = path.join(dir, 'server.log');
    const s = await start(which, dir, ['--logfile', logfile, '--loglevel', 'warning']);
    for (const argv of [
      ['CONFIG', 'SET', 'logfile', path.join(dir, 'other.log')],
      ['CONFIG', 'SET', 'logfile', ''],
      ['CONFIG', 'SET', 'pidfile', path.join(dir, 'x.pid')],
      ['CONFIG', 'SET', 'daemonize', 'yes'],
      ['CONFIG', 'SET', 'supervised', 'no'],
      ['CONFIG', 'SET', 'syslog-enabled', 'no'],
      ['CONFIG', 'GET', 'loglevel'],
      ['CONFIG', 'SET', 'loglevel', 'nothing'],
      ['CONFIG', 'SET', 'loglevel', 'VERBOSE'],
      ['CONFIG', 'GET', 'loglevel'],
      ['CONFIG', 'GET', 'daemonize'],
      ['CONFIG', 'GET', 'supervised'],
      ['CONFIG', 'GET', 'syslog-enabled'],
      ['CONFIG', 'GET', 'syslog-ident'],
      ['CONFIG', 'GET', 'syslog-facility'],
      ['CONFIG', 'GET', 'pidfile'],
    ]) {
      replies[which].push(await send(s.port, argv));
    }
    // verbose now: the next connection is logged (`-` marks verbose).
    await send(s.port, ['PING']);
    await waitFor('the Accepted line', () => (fileLines(logfile).some((l) => / - Accepted 127\.0\.0\.1:\d+$/.test(l)) ? true : undefined));
    const shown = await send(s.port, ['CONFIG', 'GET', 'logfile']);
    replies[which].push(shown === `*2\r\n$7\r\nlogfile\r\n$${logfile.length}\r\n${logfile}\r\n` ? 'the logfile' : shown);
    await terminate(s.pid);
  }
  assert.deepEqual(replies.cinder, replies.redis);
});

test('loglevel: what each level lets through (marks . - * #), same lines as redis-server for the same events', async () => {
  for (const level of ['warning', 'notice', 'verbose', 'debug'] as const) {
    const marks: Record<Which, Set<string>> = { redis: new Set(), cinder: new Set() };
    const accepted: Record<Which, boolean> = { redis: false, cinder: false };
    for (const which of BOTH) {
      const dir = freshDir(which);
      const logfile = path.join(dir, 'server.log');
      const s = await start(which, dir, ['--logfile', logfile, '--loglevel', level]);
      await send(s.port, ['SET', 'k', 'v']);
      await terminate(s.pid);
      const lines = fileLines(logfile);
      for (const l of lines) if (!SIGNAL_LINE.test(l)) marks[which].add(LOG_LINE.exec(l)![10]);
      accepted[which] = lines.some((l) => / - Accepted 127\.0\.0\.1:\d+$/.test(l));
      const closed = lines.filter((l) => / - Client closed connection /.test(l));
      assert.equal(closed.length > 0, accepted[which], which);
      for (const l of closed) assert.match(l, / - Client closed connection id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name= .* cmd=(ping|info|set) user=default redir=-1 resp=2$/, which);
    }
    const allowed = { warning: '#', notice: '*#', verbose: '-*#', debug: '.-*#' }[level];
    for (const which of BOTH) for (const m of marks[which]) assert.ok(allowed.includes(m), `${which} ${level}: ${m}`);
    // Both always log warnings (Server initialized), and notices from notice down.
    assert.equal(marks.cinder.has('#'), marks.redis.has('#'), level);
    assert.equal(marks.cinder.has('*'), marks.redis.has('*'), level);
    assert.equal(accepted.cinder, accepted.redis, `${level}: Accepted lines`);
    assert.equal(accepted.cinder, level === 'verbose' || level === 'debug');
  }
});

test('listening fails (port in use, address not on this machine): Redis\'s two lines, status 1', async () => {
  const busy = await start('redis', freshDir('redis'), []);
  for (const bind of ['127.0.0.1', '192.0.2.1']) {
    const lines: Record<Which, string[]> = { redis: [], cinder: [] };
    for (const which of BOTH) {
      const dir = freshDir(which);
      const p = spawnServer(which, ['--port', String(busy.port), '--bind', bind, '--save', '', '--dir', dir], { cwd: dir });
      assert.equal(await p.exited, 1, which);
      lines[which] = p.stdout().split('\n').filter((l) => /listening/.test(l)).map((l) => l.replace(/^\d+:M [^#]*# /, ''));
    }
    assert.equal(lines.redis.length, 2, bind);
    assert.deepEqual(lines.cinder, lines.redis, bind);
  }
  await terminate(busy.pid);
});

test('daemonize yes: the command returns, the pidfile names a live detached process that serves; stopped by that PID', async () => {
  for (const which of BOTH) {
    const dir = freshDir(which);
    const port = await freePort();
    const pidfile = path.join(dir, 'd.pid');
    const logfile = path.join(dir, 'd.log');
    const p = spawnServer(which, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'yes', '--pidfile', pidfile, '--logfile', logfile], { cwd: dir });
    assert.equal(await p.exited, 0, `${which}: ${p.stderr()}`);
    assert.equal(p.stdout() + p.stderr(), '', which);
    const pid = await waitFor('the pidfile', () => (fs.existsSync(pidfile) && fs.readFileSync(pidfile, 'latin1').endsWith('\n') ? Number(fs.readFileSync(pidfile, 'latin1')) : undefined));
    track(pid);
    assert.notEqual(pid, p.child.pid);
    assert.ok(isAlive(pid), which);
    await waitPong(port);
    assert.equal(await servingPid(port), pid, which);
    // Its own session (setsid), no terminal: field 6 of /proc/PID/stat is the session id.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    assert.equal(Number(fields[3]), pid, `${which}: session leader`);
    assert.equal(Number(fields[4]), 0, `${which}: no controlling terminal`);
    // Standard streams on /dev/null.
    for (const fd of [0, 1, 2]) assert.equal(fs.readlinkSync(`/proc/${pid}/fd/${fd}`), '/dev/null', `${which} fd ${fd}`);
    assert.equal(await send(port, ['SET', 'k', 'v']), '+OK\r\n');
    assert.equal(await send(port, ['CONFIG', 'GET', 'daemonize']), '*2\r\n$9\r\ndaemonize\r\n$3\r\nyes\r\n');
    await terminate(pid);
    assert.equal(fs.existsSync(pidfile), false, `${which}: pidfile removed`);
    assert.ok(fileLines(logfile).some((l) => / \* Ready to accept connections$/.test(l)), which);
  }
});

test('daemonize yes with logfile "": the daemon logs nowhere (stdout is /dev/null), as Redis', async () => {
  for (const which of BOTH) {
    const dir = freshDir(which);
    const port = await freePort();
    const pidfile = path.join(dir, 'd.pid');
    const p = spawnServer(which, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'yes', '--pidfile', pidfile], { cwd: dir });
    assert.equal(await p.exited, 0);
    assert.equal(p.stdout() + p.stderr(), '', which);
    await waitPong(port);
    const pid = await servingPid(port);
    track(pid);
    assert.equal(await send(port, ['CONFIG', 'GET', 'logfile']), '*2\r\n$7\r\nlogfile\r\n$0\r\n\r\n');
    await terminate(pid);
    assert.deepEqual(fs.readdirSync(dir), [], which);
  }
});

test('daemonize yes that cannot start: cinder-server exits 1 with the daemon\'s error (known deviation: redis-server\'s parent exits 0 at once)', async () => {
  const busy = await start('redis', freshDir('redis'), []);
  const statuses: Record<Which, number | string> = { redis: -1, cinder: -1 };
  const stderr: Record<Which, string> = { redis: '', cinder: '' };
  const failure: Record<Which, string[]> = { redis: [], cinder: [] };
  for (const which of BOTH) {
    const dir = freshDir(which);
    const pidfile = path.join(dir, 'd.pid');
    const p = spawnServer(which, ['--port', String(busy.port), '--bind', '127.0.0.1', '--save', '', '--daemonize', 'yes', '--pidfile', pidfile, '--logfile', path.join(dir, 'd.log')], { cwd: dir });
    statuses[which] = await p.exited;
    stderr[which] = p.stderr();
    // Neither leaves a pidfile: the daemon fails before writing it.
    const logfile = path.join(dir, 'd.log');
    await waitFor('the failure in the log', () => (fileLines(logfile).some((l) => l.includes('aborting')) ? true : undefined));
    assert.equal(fs.existsSync(pidfile), false, which);
    failure[which] = fileLines(logfile)
      .filter((l) => l.includes('listening'))
      .map((l) => l.replace(/^\d+:M [^#]*# /, ''));
  }
  // Both log Redis's two lines.
  assert.deepEqual(failure.redis, [
    `Warning: Could not create server TCP listening socket 127.0.0.1:${busy.port}: bind: Address already in use`,
    `Failed listening on port ${busy.port} (TCP), aborting.`,
  ]);
  assert.deepEqual(failure.cinder, failure.redis);
  assert.equal(statuses.redis, 0);
  assert.equal(stderr.redis, '');
  assert.equal(statuses.cinder, 1);
  assert.match(stderr.cinder, /^\d+:M .* # Failed listening on port \d+ \(TCP\), aborting\.$/m);
  assert.match(stderr.cinder, /The daemon process exited \(status 1\) before accepting connections\n$/);
  await terminate(busy.pid);
});

test('daemonize yes with a configuration read from standard input', async () => {
  const dir = freshDir('cinder');
  const port = await freePort();
  const pidfile = path.join(dir, 'd.pid');
  const { spawn } = await import('node:child_process');
  const { CINDER_BIN } = await import('../helpers/server-process.js');
  const child = spawn(process.execPath, [CINDER_BIN, '-'], { stdio: ['pipe', 'pipe', 'pipe'], cwd: dir });
  child.stdin!.end(`port ${port}\nbind 127.0.0.1\nsave ""\ndaemonize yes\npidfile ${pidfile}\nhz 33\n`);
  const status = await new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  assert.equal(status, 0);
  const pid = Number(fs.readFileSync(pidfile, 'latin1'));
  track(pid);
  assert.equal(await send(port, ['CONFIG', 'GET', 'hz']), '*2\r\n$2\r\nhz\r\n$2\r\n33\r\n');
  await terminate(pid);
});
