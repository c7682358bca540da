import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RawConnection, freePort } from '../helpers/differential.js';
import { REDIS_VERSION } from '../../src/util/version.js';

/** `cinder-server [redis.conf] [--flags]` started as a process, like redis-server. */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/bin/cinder-server.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-cli-'));
const children = new Set<ChildProcess>();

after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
}

function run(args: string[]): Started {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => out, stderr: () => err };
}

async function startServer(args: string[]): Promise<Started> {
  const s = run(args);
  const deadline = Date.now() + 10_000;
  while (!s.stdout().includes('Ready to accept connections')) {
    if (Date.now() > deadline || s.child.exitCode !== null) {
      throw new Error(`server did not start:\n${s.stdout()}\n${s.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return s;
}

async function stop(s: Started): Promise<void> {
  s.child.kill('SIGTERM');
  assert.equal(await s.exited, 0);
}

async function command(port: number, argv: string[]): Promise<string> {
  const conn = await RawConnection.connect(port);
  try {
    return (await conn.command(argv)).latin1Slice();
  } finally {
    conn.close();
  }
}

test('a config file plus flags that override it', async () => {
  const filePort = await freePort();
  const port = await freePort();
  const conf = path.join(tmp, 'basic.conf');
  fs.writeFileSync(
    conf,
    [
      '# a small redis.conf',
      `port ${filePort}`,
      'bind 127.0.0.1',
      'hz 25',
      'save 900 1',
      'save 300 10',
      'client-output-buffer-limit normal 0 0 0',
      'oom-score-adj yes',
      'maxmemory-policy "allkeys-lru"',
      '',
    ].join('\n'),
  );
  const s = await startServer([conf, '--port', String(port), '--save', '', '--loglevel', 'verbose']);
  try {
    assert.equal(await command(port, ['PING']), '+PONG\r\n');
    assert.equal(await command(port, ['CONFIG', 'GET', 'hz']), '*2\r\n$2\r\nhz\r\n$2\r\n25\r\n');
    assert.equal(await command(port, ['CONFIG', 'GET', 'port']), `*2\r\n$4\r\nport\r\n$${String(port).length}\r\n${port}\r\n`);
    assert.equal(await command(port, ['CONFIG', 'GET', 'save']), '*2\r\n$4\r\nsave\r\n$0\r\n\r\n');
    assert.equal(await command(port, ['CONFIG', 'GET', 'maxmemory-policy']), '*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n');
    // One warning for oom-score-adj (not supported); none for `save ""` nor the output buffer limits.
    const warnings = s.stdout().split('\n').filter((l) => l.includes('not supported yet'));
    assert.equal(warnings.length, 1, s.stdout());
    assert.match(warnings[0], /'oom-score-adj'/);
    // CONFIG REWRITE works on the file the server was started with.
    assert.equal(await command(port, ['CONFIG', 'SET', 'hz', '40']), '+OK\r\n');
    assert.equal(await command(port, ['CONFIG', 'REWRITE']), '+OK\r\n');
    const rewritten = fs.readFileSync(conf, 'latin1');
    assert.match(rewritten, /^hz 40$/m);
    assert.match(rewritten, /^# a small redis\.conf$/m);
    assert.match(rewritten, /^save ""$/m);
  } finally {
    await stop(s);
  }
});

test('an unknown directive stops startup with the fatal message and status 1', async () => {
  const conf = path.join(tmp, 'bad.conf');
  fs.writeFileSync(conf, '# comment\nfoo bar\n');
  const s = run([conf]);
  assert.equal(await s.exited, 1);
  assert.equal(
    s.stderr(),
    `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\nReading the configuration file, at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments\n`,
  );
});

test('a bad flag value stops startup the same way', async () => {
  const s = run(['--port', 'abc']);
  assert.equal(await s.exited, 1);
  assert.equal(
    s.stderr(),
    `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\nReading the configuration file, at line 2\n>>> 'port "abc"'\nargument couldn't be parsed into an integer\n`,
  );
});

test('a missing config file stops startup', async () => {
  const missing = path.join(tmp, 'missing.conf');
  const s = run([missing]);
  assert.equal(await s.exited, 1);
  assert.match(s.stderr(), new RegExp(`can't open config file '${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}': No such file or directory`));
});

// Debian's /etc/redis/redis.conf is its copy of Redis 7.0's default redis.conf (plus Debian paths).
test(
  "Debian's default redis.conf starts (in the foreground, on a test port) without warnings: every directive is honoured or inert",
  { skip: fs.existsSync('/etc/redis/redis.conf') ? false : 'no /etc/redis/redis.conf' },
  async () => {
    const port = await freePort();
    const s = await startServer([
      '/etc/redis/redis.conf',
      '--port', String(port),
      '--daemonize', 'no',
      '--pidfile', '',
      '--logfile', '',
      '--dir', tmp,
    ]);
    try {
      assert.equal(await command(port, ['PING']), '+PONG\r\n');
      // tcp-keepalive was the last one warned about.
      assert.deepEqual(s.stdout().split('\n').filter((l) => l.includes('not supported yet')), []);
      assert.equal(await command(port, ['CONFIG', 'GET', 'bind']), '*2\r\n$4\r\nbind\r\n$14\r\n127.0.0.1 -::1\r\n');
    } finally {
      await stop(s);
    }
  },
);
