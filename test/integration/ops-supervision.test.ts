import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { freePort, testDataDir } from '../helpers/differential.js';
import { BOTH, fileLines, send, servingPid, spawnServer, subdir, terminate, waitFor, waitPong, type Which } from '../helpers/server-process.js';

/**
 * supervised systemd / auto / upstart / no beside redis-server (Debian's, built with libsystemd).
 * A unix datagram socket stands in for systemd's $NOTIFY_SOCKET: Node cannot open one, so a small
 * python3 receiver (python3 is on every machine of this project) prints each datagram as JSON.
 */

const base = subdir(testDataDir(), 'ops-supervision');
after(() => fs.rmSync(base, { recursive: true, force: true }));
let n = 0;

const RECEIVER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('"bound"', flush=True)
while True:
    print(json.dumps(s.recv(65536).decode('latin1')), flush=True)
`;

/** A NOTIFY_SOCKET receiver: the datagrams so far, each as its list of assignments. */
async function notifySocket(dir: string) {
  const sock = path.join(dir, 'notify.sock');
  const script = path.join(dir, 'receiver.py');
  fs.writeFileSync(script, RECEIVER);
  const child = spawn('python3', [script, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  await waitFor('the receiver', () => (out.includes('"bound"') ? true : undefined));
  return {
    sock,
    /** Assignments in the order received; MAINPID and BARRIER (systemd-notify's own) apart. */
    messages(): string[] {
      const all: string[] = [];
      for (const line of out.split('\n').slice(1)) {
        if (line.length === 0) continue;
        for (const a of (JSON.parse(line) as string).split('\n')) if (a.length > 0) all.push(a);
      }
      return all;
    },
    stop() {
      process.off('exit', killOnExit);
      child.kill('SIGKILL');
    },
  };
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const k of ['NOTIFY_SOCKET', 'UPSTART_JOB']) if (!(k in extra)) delete env[k];
  return env;
}

async function run(which: Which, args: string[], env: NodeJS.ProcessEnv) {
  const dir = subdir(base, `${which}-${++n}`);
  const port = await freePort();
  const logfile = path.join(dir, 'server.log');
  const proc = spawnServer(which, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--logfile', logfile, ...args], { env, cwd: dir });
  await waitPong(port, proc);
  const pid = await servingPid(port);
  return {
    port,
    pid,
    proc,
    log: () => fileLines(logfile).map((l) => l.replace(/^\d+:[CMS] \d{2} \w{3} \d{4} [\d:.]+ /, '')),
  };
}

test('supervised systemd: STATUS=Redis is loading..., STATUS=Ready..., READY=1, STOPPING=1 in that order', async () => {
  const got: Record<Which, string[]> = { redis: [], cinder: [] };
  for (const which of BOTH) {
    const dir = subdir(base, `sd-${which}`);
    const rx = await notifySocket(dir);
    const s = await run(which, ['--supervised', 'systemd'], cleanEnv({ NOTIFY_SOCKET: rx.sock }));
    await waitFor('READY=1', () => (rx.messages().includes('READY=1') ? true : undefined));
    await send(s.port, ['SHUTDOWN', 'NOSAVE']).catch(() => '');
    assert.equal(await s.proc.exited, 0);
    await waitFor('STOPPING=1', () => (rx.messages().includes('STOPPING=1') ? true : undefined));
    rx.stop();
    const messages = rx.messages();
    // systemd-notify names the server's PID as the sender (and adds its barrier).
    if (which === 'cinder') assert.ok(messages.includes(`MAINPID=${s.pid}`), messages.join(' | '));
    got[which] = messages.filter((m) => !m.startsWith('MAINPID=') && m !== 'BARRIER=1');
    assert.ok(
      s.log().includes('* Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit.'),
      which,
    );
  }
  assert.deepEqual(got.redis, ['STATUS=Redis is loading...', 'STATUS=Ready to accept connections', 'READY=1', 'STOPPING=1']);
  assert.deepEqual(got.cinder, got.redis);
});

test('supervised auto: systemd detected from NOTIFY_SOCKET (verbose line), the same messages', async () => {
  const got: Record<Which, string[]> = { redis: [], cinder: [] };
  for (const which of BOTH) {
    const dir = subdir(base, `auto-${which}`);
    const rx = await notifySocket(dir);
    const s = await run(which, ['--supervised', 'auto', '--loglevel', 'verbose'], cleanEnv({ NOTIFY_SOCKET: rx.sock }));
    await waitFor('READY=1', () => (rx.messages().includes('READY=1') ? true : undefined));
    await terminate(s.pid);
    await waitFor('STOPPING=1', () => (rx.messages().includes('STOPPING=1') ? true : undefined));
    rx.stop();
    got[which] = rx.messages().filter((m) => !m.startsWith('MAINPID=') && m !== 'BARRIER=1');
    assert.ok(s.log().includes('- Systemd supervision detected.'), which);
  }
  assert.deepEqual(got.cinder, got.redis);
});

test('supervised systemd without NOTIFY_SOCKET: a warning for each message, and the server runs', async () => {
  const warnings: Record<Which, number> = { redis: 0, cinder: 0 };
  for (const which of BOTH) {
    const s = await run(which, ['--supervised', 'systemd'], cleanEnv({}));
    await terminate(s.pid);
    warnings[which] = s.log().filter((l) => l === '# systemd supervision error: NOTIFY_SOCKET not found!').length;
  }
  assert.equal(warnings.redis, 4);
  assert.equal(warnings.cinder, warnings.redis);
});

test('supervised no, or auto with no supervisor: nothing sent, nothing logged about it', async () => {
  for (const which of BOTH) {
    for (const mode of ['no', 'auto']) {
      const dir = subdir(base, `no-${which}-${mode}`);
      const rx = await notifySocket(dir);
      const env = mode === 'no' ? cleanEnv({ NOTIFY_SOCKET: rx.sock }) : cleanEnv({});
      const s = await run(which, ['--supervised', mode, '--loglevel', 'verbose'], env);
      await terminate(s.pid);
      rx.stop();
      assert.deepEqual(rx.messages(), [], `${which} ${mode}`);
      assert.deepEqual(s.log().filter((l) => /supervis/i.test(l)), [], `${which} ${mode}`);
    }
  }
});

test('daemonize yes under systemd supervision: no daemon, the server stays in the foreground', async () => {
  for (const which of BOTH) {
    const dir = subdir(base, `fg-${which}`);
    const rx = await notifySocket(dir);
    const s = await run(which, ['--supervised', 'systemd', '--daemonize', 'yes'], cleanEnv({ NOTIFY_SOCKET: rx.sock }));
    await waitFor('READY=1', () => (rx.messages().includes('READY=1') ? true : undefined));
    // The process started is still there (or is the one serving): nothing detached.
    assert.equal(s.proc.child.exitCode, null, which);
    assert.equal(await send(s.port, ['CONFIG', 'GET', 'daemonize']), '*2\r\n$9\r\ndaemonize\r\n$3\r\nyes\r\n');
    await terminate(s.pid);
    await s.proc.exited;
    rx.stop();
    // No pidfile was written (none configured, no daemon), yet Redis says it removes one.
    assert.ok(s.log().includes('* Removing the pid file.'), which);
  }
});

/** The process of `pid`'s tree that is stopped (state T): the server itself, or its launcher's child. */
function stoppedIn(pid: number): number | undefined {
  const candidates = [pid];
  try {
    candidates.push(...fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    // Gone.
  }
  for (const p of candidates) {
    try {
      if (/^State:\s+T/m.test(fs.readFileSync(`/proc/${p}/status`, 'latin1'))) return p;
    } catch {
      // Gone.
    }
  }
  return undefined;
}

test('supervised upstart: the server stops itself (SIGSTOP) until upstart resumes it; without UPSTART_JOB a warning', async () => {
  for (const which of BOTH) {
    const dir = subdir(base, `upstart-${which}`);
    const port = await freePort();
    const logfile = path.join(dir, 'server.log');
    const proc = spawnServer(which, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--logfile', logfile, '--supervised', 'upstart'], {
      env: cleanEnv({ UPSTART_JOB: 'cinder-test' }),
      cwd: dir,
    });
    const stopped = await waitFor('the stopped server', () => stoppedIn(proc.child.pid!));
    assert.ok(fileLines(logfile).some((l) => l.endsWith(' * supervised by upstart, will stop to signal readiness.')), which);
    process.kill(stopped, 'SIGCONT');
    await waitPong(port, proc);
    await terminate(await servingPid(port));
    await proc.exited;

    const s = await run(which, ['--supervised', 'upstart'], cleanEnv({}));
    await terminate(s.pid);
    assert.ok(s.log().includes('# upstart supervision requested, but UPSTART_JOB not found!'), which);
  }
});
