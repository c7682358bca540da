/**
 * Fuzz test of authentication and the permission gate: a server with requirepass and ACL users
 * gets random commands (any command of the table, random arguments over keys inside and outside
 * the users' patterns, scripts calling random commands, transactions) and random bytes, from an
 * unauthenticated connection, a read-only user and a user that may write `w:*` keys only. After
 * each run the dataset (every database, the function libraries) must be what it was, but for
 * `w:*` keys when the writer ran, and the server must still answer.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fc from 'fast-check';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { RawConnection, encodeCommand, testDataDir } from '../helpers/differential.js';
import { cmd, fingerprint } from '../helpers/fingerprint.js';

const runs = Number(process.env.ACL_FUZZ_RUNS ?? 60);
const seed = process.env.ACL_FUZZ_SEED === 'random' ? {} : { seed: Number(process.env.ACL_FUZZ_SEED ?? 5001) };

const KEYS = ['w:1', 'w:2', 'w:new', 'ro:1', 'shared:1', 'secret:1', 'secret:2', 'k'];
const WORDS = ['0', '1', '-1', '10', '*', '$', '>', 'get', 'store', 'streams', 'by', 'count', 'match', 'db', '1.5', 'NX', 'XX', 'left', 'right', 'secret', 'x'];

/**
 * Encodings are left out: reads may change them as Redis does (SORT_RO turns a listpack sorted set
 * into a skiplist), which is no change to the data.
 */
const NO_ENCODING = { encoding: () => false };

type Who = 'unauthenticated' | 'reader' | 'writer';

/** The keys a run may change: none, or the writer's `w:*`. */
function mayChange(who: Who, key: string): boolean {
  return who === 'writer' && key.startsWith('w:');
}

/** The fingerprint without the keys the run may change. */
function protectedPart(fp: unknown, who: Who): unknown {
  const dbs = (fp as { dbs: Record<string, Record<string, unknown>> }).dbs ?? (fp as Record<string, Record<string, unknown>>);
  const out: Record<string, unknown> = {};
  for (const [db, keys] of Object.entries(dbs)) {
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
      out[db] = keys;
      continue;
    }
    const kept: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(keys)) if (!mayChange(who, k)) kept[k] = v;
    out[db] = kept;
  }
  return out;
}

describe('acl fuzz: nothing unpermitted changes the dataset, the server keeps serving', () => {
  let server: RunningServer;
  let admin: RawConnection;
  let names: string[] = [];

  before(async () => {
    server = await startServer({ port: 0, config: { dir: testDataDir(), requirepass: 'secret' } });
    admin = await RawConnection.connect(server.port);
    assert.equal((await admin.command(['AUTH', 'secret'])).latin1Slice(), '+OK\r\n');
    const setup = [
      ['ACL', 'SETUSER', 'reader', 'on', '>r', '~*', '&*', '+@read', '-@blocking', '+ping', '+multi', '+exec', '+eval'],
      ['ACL', 'SETUSER', 'writer', 'on', '>w', '~w:*', '%R~shared:*', '+@read', '+@write', '+@transaction', '+eval', '+evalsha', '-@dangerous', '-@blocking', '-function', '-@admin'],
      ['SET', 'w:1', 'v'],
      ['RPUSH', 'w:2', 'a', 'b'],
      ['SET', 'ro:1', 'r'],
      ['HSET', 'shared:1', 'f', 'v'],
      ['SADD', 'secret:1', 'a', 'b'],
      ['ZADD', 'secret:2', '1', 'a'],
      ['XADD', 'k', '1-1', 'f', 'v'],
      ['SELECT', '1'],
      ['SET', 'secret:1', 'db1'],
      ['SELECT', '0'],
    ];
    for (const argv of setup) assert.doesNotMatch((await admin.command(argv)).latin1Slice(), /^-/, JSON.stringify(argv));
    const list = await cmd(admin, 'COMMAND', 'LIST');
    names = (list.items ?? []).map((i) => i.text!).filter((n) => !n.includes('|'));
  });
  after(async () => {
    admin?.close();
    await server?.close();
  });

  const arg = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...KEYS) }, { weight: 2, arbitrary: fc.constantFrom(...WORDS) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });

  it('random commands, scripts and bytes from three kinds of client', async () => {
    const command = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.nat(), fc.array(arg, { maxLength: 5 })).map(([i, args]) => [names[i % names.length], ...args]) },
      // A script calling a random command on a random key (declared or not).
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.nat(), fc.constantFrom(...KEYS), fc.constantFrom(...KEYS), arg)
          .map(([i, declared, touched, a]) => ['EVAL', `return redis.pcall('${names[i % names.length]}', '${touched}', ARGV[1])`, '1', declared, a]),
      },
      { weight: 1, arbitrary: fc.constantFrom(['MULTI'], ['EXEC'], ['AUTH', 'writer', 'w'], ['AUTH', 'reader', 'r'], ['AUTH', 'x'], ['HELLO', '3'], ['RESET']).map((a) => [...a]) },
    );
    const input = fc.oneof(
      { weight: 5, arbitrary: command.map((argv) => encodeCommand(argv)) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Who>('unauthenticated', 'reader', 'writer'), fc.array(input, { minLength: 1, maxLength: 25 }), async (who, chunks) => {
        const before = await fingerprint(admin, NO_ENCODING);
        await session(server.port, who, chunks);
        // A run that logged in as the writer on its way may have changed w:* keys.
        const loginAsWriter = encodeCommand(['AUTH', 'writer', 'w']);
        if (chunks.some((b) => b.equals(loginAsWriter))) who = 'writer';
        // Still serving, and what the run could not touch is as it was.
        assert.equal((await admin.command(['PING'])).latin1Slice(), '+PONG\r\n');
        await admin.command(['SELECT', '0']);
        const afterRun = await fingerprint(admin, NO_ENCODING);
        assert.deepEqual(protectedPart(afterRun, who), protectedPart(before, who));
        assert.equal((await admin.command(['FUNCTION', 'LIST'])).latin1Slice(), '*0\r\n');
      }),
      { numRuns: runs, ...seed, includeErrorInReport: true },
    );
  });
});

/**
 * One client's run: log in as `who` (an unauthenticated client sends nothing first), send the
 * chunks, and wait until the server has been quiet for a while (or closed the connection).
 */
async function session(port: number, who: Who, chunks: Buffer[]): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  let last = Date.now();
  let closed = false;
  socket.on('data', () => (last = Date.now()));
  socket.on('close', () => (closed = true));
  if (who === 'reader') socket.write(encodeCommand(['AUTH', 'reader', 'r']));
  if (who === 'writer') socket.write(encodeCommand(['AUTH', 'writer', 'w']));
  for (const chunk of chunks) socket.write(chunk);
  last = Date.now();
  while (!closed && Date.now() - last < 150) await new Promise((r) => setTimeout(r, 20));
  socket.destroy();
  await new Promise((r) => setTimeout(r, 20));
}
