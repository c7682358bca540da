import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  RawConnection,
  realRedisSuite,
  runSteps,
  startCinderProcess,
  startRealRedis,
  deviates,
  sameShape,
  satisfies,
  type RealRedis,
  type Step,
} from '../helpers/differential.js';

/**
 * rename-command, side by side: redis-server and cinder-server started with the same renames
 * (a chain, a removal, a container, a mixed-case name), then the same commands on both, replies
 * compared byte for byte in RESP2 and RESP3. A renamed command answers to its new name only (from
 * clients, MULTI and scripts) and keeps its own name wherever it is shown (COMMAND INFO, COMMAND
 * LIST, INFO commandstats); a removed one is gone from dispatch and from COMMAND.
 */

const RENAMES = [
  ['get', 'foo'],
  ['foo', 'bar'],
  ['flushdb', ''],
  ['config', 'cfg'],
  ['Lpush', 'MyPush'],
];
const FLAGS = RENAMES.flatMap(([from, to]) => ['--rename-command', from, to]);

if (realRedisSuite('rename-command')) {
  describe('rename-command', () => {
    let redis: RealRedis;
    let cinder: { port: number; stop(): Promise<void> };
    const ports = { redis: 0, cinder: 0 };
    before(async () => {
      [redis, cinder] = await Promise.all([startRealRedis(FLAGS), startCinderProcess(FLAGS)]);
      ports.redis = redis.port;
      ports.cinder = cinder.port;
    });
    after(async () => {
      await Promise.all([redis?.stop(), cinder?.stop()]);
    });

    const cases: Array<[string, Step[]]> = [
      [
        'dispatch: the new name in any case, the old one unknown, a removed one unknown',
        [
          ['SET', 'k', 'v'],
          ['GET', 'k'],
          ['get', 'k'],
          ['FOO', 'k'],
          ['BAR', 'k'],
          ['bar', 'k'],
          ['bAr', 'k'],
          ['FLUSHDB'],
          ['flushdb', 'async'],
          ['MYPUSH', 'l', 'a'],
          ['mypush', 'l', 'b'],
          ['MyPush', 'l', 'c'],
          ['LPUSH', 'l', 'd'],
          ['LRANGE', 'l', '0', '-1'],
          ['BAR'],
          ['BAR', 'k', 'extra'],
          ['BAR', 'l'],
        ],
      ],
      [
        'a renamed container: its subcommands under the new name',
        [
          ['CFG', 'GET', 'hz'],
          ['cfg', 'get', 'maxmemory-policy'],
          ['CONFIG', 'GET', 'hz'],
          ['CFG', 'SET', 'hz', '11'],
          ['CFG', 'GET', 'hz'],
          ['CFG', 'SET', 'hz', '10'],
          ['CFG', 'NOSUCH'],
          // Known deviation: Redis's HELP names the command as called (addReplyHelp upper-cases
          // argv[0]); Cinder's HELP texts carry the command's own name.
          { argv: ['CFG', 'HELP'], compare: deviates(/^\*11\r\n\+CFG <subcommand> /, /^\*11\r\n\+CONFIG <subcommand> /) },
          ['CFG'],
        ],
      ],
      [
        'COMMAND INFO / DOCS / GETKEYS / LIST: looked up by the new name, shown under the old',
        [
          ['COMMAND', 'INFO', 'bar', 'get', 'foo', 'flushdb', 'mypush'],
          ['COMMAND', 'INFO', 'cfg|get', 'config|get'],
          // Summaries are our own words: the same documents, in the same shape, under the old name.
          { argv: ['COMMAND', 'DOCS', 'bar'], compare: sameShape() },
          ['COMMAND', 'DOCS', 'get', 'flushdb'],
          ['COMMAND', 'GETKEYS', 'bar', 'k'],
          ['COMMAND', 'GETKEYS', 'get', 'k'],
          ['COMMAND', 'GETKEYS', 'mypush', 'l', 'x'],
          ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'get'],
          ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'bar'],
          ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'flushdb'],
          // Redis lists them in its hash table's order.
          { argv: ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'config|*'], compare: 'unordered' },
          ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'lpush'],
        ],
      ],
      [
        'MULTI and scripts call the new name',
        [
          ['SET', 'k', 'v'],
          ['MULTI'],
          ['BAR', 'k'],
          ['GET', 'k'],
          ['EXEC'],
          ['MULTI'],
          ['BAR', 'k'],
          ['EXEC'],
          ['EVAL', "return redis.call('bar', KEYS[1])", '1', 'k'],
          ['EVAL', "return redis.call('BAR', KEYS[1])", '1', 'k'],
          ['EVAL', "return redis.call('get', KEYS[1])", '1', 'k'],
          ['EVAL', "return redis.pcall('get', KEYS[1])", '1', 'k'],
          ['EVAL', "return redis.call('mypush', KEYS[1], 'x')", '1', 'l2'],
          ['EVAL', "return redis.call('flushdb')", '0'],
        ],
      ],
      [
        'INFO commandstats names the command by its own name',
        [
          ['CFG', 'RESETSTAT'],
          ['SET', 'k', 'v'],
          ['BAR', 'k'],
          ['BAR', 'k'],
          {
            argv: ['INFO', 'commandstats'],
            compare: satisfies('cmdstat_get:calls=2 and no cmdstat_bar', (r) => {
              const text = r.text ?? '';
              return /\r\ncmdstat_get:calls=2,/.test(text) && !text.includes('cmdstat_bar') && !text.includes('cmdstat_foo');
            }),
          },
        ],
      ],
    ];
    for (const [name, steps] of cases) {
      for (const resp of [2, 3] as const) {
        it(`${name} [RESP${resp}]`, async () => {
          await runSteps(ports, steps, resp);
        });
      }
    }

    it('COMMAND and COMMAND COUNT leave out the removed command only', async () => {
      for (const port of [ports.redis, ports.cinder]) {
        const conn = await RawConnection.connect(port);
        try {
          const list = (await conn.command(['COMMAND', 'LIST'])).latin1Slice();
          const names = list.split('\r\n').filter((l, i) => i % 2 === 0 && i > 0);
          const count = Number((await conn.command(['COMMAND', 'COUNT'])).latin1Slice().slice(1, -2));
          // COMMAND LIST has the subcommands too; COMMAND COUNT the top-level commands.
          assert.equal(count, names.filter((name) => !name.includes('|')).length);
          assert.ok(names.includes('get') && names.includes('config') && names.includes('lpush'), String(port));
          assert.ok(!names.includes('flushdb') && !names.includes('bar') && !names.includes('cfg'), String(port));
          const all = (await conn.command(['COMMAND'])).latin1Slice();
          assert.ok(all.includes('\r\n$3\r\nget\r\n') && !all.includes('\r\n$7\r\nflushdb\r\n'), String(port));
        } finally {
          conn.close();
        }
      }
    });
  });
}
