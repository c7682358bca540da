/**
 * Opt-in (not a `*.test.ts`, so `npm test` does not run it; about 15 s and 1 GB here): a BGSAVE
 * of 1M keys while 8 clients write hard over TCP, checked record by record against a SAVE of the
 * dataset taken in the same event-loop turn as the BGSAVE started. See docs/ARCHITECTURE.md,
 * "BGSAVE without fork()".
 *
 *   npm run build --silent && node --test dist/test/integration/snapshot-1m.opt-in.js
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RawConnection, encodeCommand } from '../helpers/differential.js';
import { startServer } from '../../src/embedded/index.js';
import { readRdbFile } from '../../src/persistence/rdb/file.js';
import { createDumpPayload } from '../../src/persistence/rdb/writer.js';
import type { Server } from '../../src/server/server.js';

const STRINGS = 1_000_000;
/** Collections per type besides the strings, in database 1. */
const COLLECTIONS = 20_000;
const WRITERS = 8;

/** Every record of a file: "db/key" → a digest of the value's DUMP bytes and its expiry. */
function records(file: string, server: Server): Map<string, string> {
  const out = new Map<string, string>();
  const opts = { compression: false, checksum: true, listFill: -2, access: 'none' as const };
  readRdbFile(fs.readFileSync(file), server.persistence.loadLimits(), {
    key(db, key, value, expire) {
      const id = `${db}/${key}`;
      assert.ok(!out.has(id), `duplicated record ${id}`);
      out.set(id, `${createHash('sha1').update(createDumpPayload(value, opts)).digest('base64')} ${String(expire)}`);
    },
  });
  return out;
}

/** Sends commands pipelined in batches and reads every reply. */
async function pipeline(c: RawConnection, commands: Iterable<string[]>): Promise<void> {
  let batch: Buffer[] = [];
  const flush = async () => {
    c.write(Buffer.concat(batch));
    for (let i = 0; i < batch.length; i++) await c.readReply(60_000);
    batch = [];
  };
  for (const argv of commands) {
    batch.push(encodeCommand(argv));
    if (batch.length === 1000) await flush();
  }
  if (batch.length > 0) await flush();
}

function* collections(): Generator<string[]> {
  yield ['SELECT', '1'];
  for (let i = 0; i < COLLECTIONS; i++) {
    yield ['RPUSH', `list:${i}`, 'a', 'b', String(i)];
    yield ['HSET', `hash:${i}`, 'f', String(i), 'g', 'x'];
    yield ['SADD', `set:${i}`, 'm', String(i)];
    yield ['ZADD', `zset:${i}`, String(i), 'a', '1', 'b'];
    if (i % 10 === 0) yield ['SET', `ttl:${i}`, 'v', 'PX', String(10_000_000 + i)];
  }
  yield ['SELECT', '0'];
}

test('BGSAVE of 1M keys while clients write hard: the file is the dataset when BGSAVE started', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-snapshot-1m-'));
  const running = await startServer({ port: 0, config: { dir, 'enable-debug-command': 'yes', 'enable-protected-configs': 'yes' } });
  try {
    const c = await RawConnection.connect(running.port);
    await pipeline(c, [['DEBUG', 'POPULATE', String(STRINGS)]]);
    await pipeline(c, collections());
    // One pipelined request, handled in one turn of the event loop with no writer connected yet:
    // the SAVE is the dataset at the instant the BGSAVE starts.
    c.write(
      Buffer.concat([
        encodeCommand(['CONFIG', 'SET', 'dbfilename', 'at-start.rdb']),
        encodeCommand(['SAVE']),
        encodeCommand(['CONFIG', 'SET', 'dbfilename', 'bgsave.rdb']),
        encodeCommand(['BGSAVE']),
      ]),
    );
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push((await c.readReply(120_000)).latin1Slice());
    assert.deepEqual(replies, ['+OK\r\n', '+OK\r\n', '+OK\r\n', '+Background saving started\r\n']);

    let saving = true;
    let writesDuringSave = 0;
    let fresh = 0;
    const writer = async (id: number) => {
      const w = await RawConnection.connect(running.port);
      let seed = id * 7919 + 1;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      while (saving) {
        const batch: string[][] = [];
        for (let i = 0; i < 50; i++) {
          const n = Math.floor(random() * STRINGS);
          const m = Math.floor(random() * COLLECTIONS);
          const r = random();
          if (r < 0.2) batch.push(['SET', `key:${n}`, 'overwritten']);
          else if (r < 0.3) batch.push(['DEL', `key:${n}`]);
          else if (r < 0.4) batch.push(['APPEND', `key:${n}`, 'more']);
          else if (r < 0.45) batch.push(['EXPIRE', `key:${n}`, '1000']);
          else if (r < 0.5) batch.push(['RENAME', `key:${n}`, `renamed:${id}:${fresh++}`]);
          else if (r < 0.6) batch.push(['SET', `new:${id}:${fresh++}`, 'n']);
          else if (r < 0.65) batch.push(['MOVE', `key:${n}`, '2']);
          else if (r < 0.7) batch.push(['SELECT', '1'], ['RPUSH', `list:${m}`, 'x'], ['SELECT', '0']);
          else if (r < 0.75) batch.push(['SELECT', '1'], ['HSET', `hash:${m}`, 'f', 'changed'], ['SELECT', '0']);
          else if (r < 0.8) batch.push(['SELECT', '1'], ['ZINCRBY', `zset:${m}`, '5', 'a'], ['SELECT', '0']);
          else if (r < 0.85) batch.push(['SELECT', '1'], ['SREM', `set:${m}`, 'm'], ['SELECT', '0']);
          else if (r < 0.9) batch.push(['SELECT', '1'], ['DEL', `list:${m}`], ['SELECT', '0']);
          else batch.push(['GET', `key:${n}`]);
        }
        await pipeline(w, batch);
        writesDuringSave += batch.length;
      }
      w.close();
    };
    const writers = Array.from({ length: WRITERS }, (_, i) => writer(i));
    const giveUp = Date.now() + 600_000;
    while (!(await c.command(['INFO', 'persistence'])).latin1Slice().includes('rdb_bgsave_in_progress:0')) {
      if (Date.now() > giveUp) assert.fail('the BGSAVE never ended');
      await new Promise((r) => setTimeout(r, 50));
    }
    saving = false;
    await Promise.all(writers);
    assert.match((await c.command(['INFO', 'persistence'])).latin1Slice(), /rdb_last_bgsave_status:ok/);
    assert.ok(writesDuringSave > 10_000, `only ${writesDuringSave} writes ran during the BGSAVE`);
    t.diagnostic(`${writesDuringSave} commands from ${WRITERS} clients during the BGSAVE`);
    c.close();

    const atStart = records(path.join(dir, 'at-start.rdb'), running.server);
    assert.equal(atStart.size, STRINGS + COLLECTIONS * 4 + COLLECTIONS / 10);
    const written = records(path.join(dir, 'bgsave.rdb'), running.server);
    const extra = [...written.keys()].filter((k) => !atStart.has(k));
    assert.deepEqual(extra.slice(0, 10), []);
    const differing = [...atStart].filter(([k, v]) => written.get(k) !== v).map(([k]) => k);
    assert.deepEqual(differing.slice(0, 10), []);
    assert.equal(written.size, atStart.size);
  } finally {
    await running.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
