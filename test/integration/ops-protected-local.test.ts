import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RawConnection, realRedisSuite, startCinderProcess, startRealRedis, testDataDir, type RealRedis } from '../helpers/differential.js';

/**
 * enable-protected-configs, enable-debug-command and enable-module-command with `no`, `yes` and
 * `local`, beside redis-server: the same commands from 127.0.0.1 (local) and from 127.0.0.2 (not
 * local: Redis's islocalClient accepts only 127.0.0.1, ::1 and unix sockets), replies compared
 * byte for byte. Both servers listen on both addresses with protected-mode off, so that only
 * these settings decide.
 */

const FROM = { local: '127.0.0.1', remote: '127.0.0.2' } as const;

async function replies(port: number, from: string, commands: string[][]): Promise<string[]> {
  const conn = await RawConnection.connect(port, from, from);
  try {
    const out: string[] = [];
    for (const argv of commands) out.push((await conn.command(argv)).latin1Slice());
    return out;
  } finally {
    conn.close();
  }
}

const dir = testDataDir();
const COMMANDS = [
  ['DEBUG', 'SLEEP', '0'],
  ['MODULE', 'LOAD', '/nonexistent/module.so'],
  ['MODULE', 'UNLOAD', 'nosuch'],
  ['MODULE', 'LIST'],
  ['CONFIG', 'SET', 'dir', dir],
  ['CONFIG', 'SET', 'dbfilename', 'x.rdb'],
  ['CONFIG', 'SET', 'hz', '10'],
  ['CONFIG', 'SET', 'enable-debug-command', 'yes'],
];

for (const setting of ['local', 'yes', 'no'] as const) {
  if (!realRedisSuite(`enable-*-command ${setting}`)) continue;
  describe(`enable-protected-configs / enable-debug-command / enable-module-command ${setting}`, () => {
    let redis: RealRedis;
    let cinder: { port: number; stop(): Promise<void> };
    before(async () => {
      const flags = [
        '--bind', '127.0.0.1', '127.0.0.2',
        '--protected-mode', 'no',
        '--enable-protected-configs', setting,
        '--enable-debug-command', setting,
        '--enable-module-command', setting,
      ];
      [redis, cinder] = await Promise.all([startRealRedis(flags), startCinderProcess(flags)]);
    });
    after(async () => {
      await Promise.all([redis?.stop(), cinder?.stop()]);
    });
    for (const [where, from] of Object.entries(FROM)) {
      it(`from ${from} (${where})`, async () => {
        const [r, c] = await Promise.all([replies(redis.port, from, COMMANDS), replies(cinder.port, from, COMMANDS)]);
        for (let i = 0; i < COMMANDS.length; i++) assert.equal(c[i], r[i], `${COMMANDS[i].join(' ')} from ${from}`);
        // The test means something: `local` lets 127.0.0.1 through and stops 127.0.0.2.
        const allowed = !r[0].startsWith('-');
        assert.equal(allowed, setting === 'yes' || (setting === 'local' && where === 'local'));
        const client = (await replies(cinder.port, from, [['CLIENT', 'INFO']]))[0];
        assert.match(client, new RegExp(` addr=${from.replace(/\./g, '\\.')}:\\d+ `));
      });
    }
  });
}
