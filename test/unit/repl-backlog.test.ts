/**
 * The replication backlog's ring against a plain model (the whole stream kept in one buffer):
 * random appends, growth up to the configured size, resizes; every offset it claims to cover
 * gives back exactly the stream's bytes from there.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { ReplBacklog } from '../../src/server/replication/backlog.js';

it('holds the last repl-backlog-size bytes of the stream, at their offsets', () => {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (const size of [16 * 1024, 50_000, 300_000]) {
    const start = rand(1000);
    const backlog = new ReplBacklog(size, start);
    let stream = Buffer.alloc(0);
    let limit = size;
    for (let step = 0; step < 400; step++) {
      if (step % 97 === 96) {
        limit = 16 * 1024 + rand(200_000);
        backlog.resize(limit);
      }
      const n = rand(10) === 0 ? rand(3 * limit) + 1 : rand(2000) + 1;
      const chunk = Buffer.alloc(n, step % 251);
      for (let i = 0; i < n; i += 97) chunk[i] = rand(256);
      backlog.add(chunk);
      stream = Buffer.concat([stream, chunk]);
      const end = start + stream.length;
      assert.ok(backlog.histlen <= limit && backlog.allocated <= limit);
      assert.equal(backlog.firstByteOffset + backlog.histlen, end + 1, 'the last byte held is the last fed');
      for (const offset of [backlog.firstByteOffset, end + 1, backlog.firstByteOffset + rand(backlog.histlen + 1)]) {
        assert.ok(backlog.covers(offset));
        const got = Buffer.concat(backlog.from(offset));
        assert.deepEqual(got, stream.subarray(offset - start - 1), `from ${offset}`);
      }
      assert.ok(!backlog.covers(backlog.firstByteOffset - 1));
      assert.ok(!backlog.covers(end + 2));
    }
    // Once the stream passed the size, the ring holds exactly the size.
    assert.equal(backlog.histlen, Math.min(limit, stream.length));
  }
});
