/**
 * DEBUG OBJECT against redis-server 7.0.15: the same line but for the address (made up here) and
 * the LRU clock (equal to a tick or two): refcount (shared integers), encoding, serializedlength
 * (the value's RDB length, compressed or not), lru_seconds_idle and the quicklist fields of lists.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { diffSuite, type Matcher } from '../helpers/differential.js';
import { open } from '../../src/embedded/index.js';

/**
 * Equal once the address is blanked, the lru words are within 2 ticks of each other and the idle
 * seconds within one (the two servers are asked a moment apart, across a second's boundary at times).
 */
const sameObjectLine: Matcher = {
  describe: 'DEBUG OBJECT line equal but for the address, lru within 2 ticks and lru_seconds_idle within 1',
  match(redis, cinder) {
    const norm = (b: Buffer) => b.latin1Slice().replace(/Value at:0x[0-9a-f]+ /, 'Value at:ADDR ');
    const lru = (s: string) => Number(/ lru:(\d+) /.exec(s)?.[1] ?? NaN);
    const idle = (s: string) => Number(/ lru_seconds_idle:(\d+)/.exec(s)?.[1] ?? NaN);
    const r = norm(redis);
    const c = norm(cinder);
    if (!/^\+Value at:ADDR refcount:/.test(c)) return false;
    if (Math.abs(lru(r) - lru(c)) > 2) return false;
    if (Math.abs(idle(r) - idle(c)) > 1) return false;
    const blank = (s: string) => s.replace(/ lru:\d+ /, ' lru:N ').replace(/ lru_seconds_idle:\d+/, ' lru_seconds_idle:N');
    return blank(r) === blank(c);
  },
};

const obj = (key: string) => ({ argv: ['DEBUG', 'OBJECT', key], compare: sameObjectLine });

diffSuite(
  'DEBUG OBJECT',
  (t) => {
    t.case('strings: shared and plain integers, embstr, raw, compressed', [
      ['SET', 'i1', '123'],
      ['SET', 'i2', '12345'],
      ['SET', 'i3', '-5'],
      ['SET', 's1', 'hello'],
      ['SET', 's2', 'a'.repeat(60)],
      ['SET', 's3', 'abcdefghij'.repeat(10)],
      obj('i1'),
      obj('i2'),
      obj('i3'),
      obj('s1'),
      obj('s2'),
      obj('s3'),
      ['CONFIG', 'SET', 'rdbcompression', 'no'],
      obj('s2'),
      ['CONFIG', 'SET', 'rdbcompression', 'yes'],
    ]);
    t.case('collections in each encoding', [
      ['HSET', 'h', 'a', '1', 'b', 'two'],
      ['SADD', 'si', '1', '2', '3'],
      ['SADD', 'ss', 'a', 'b'],
      ['ZADD', 'z', '1', 'a', '2.5', 'b'],
      ['XADD', 'x', '1-1', 'f', 'v'],
      obj('h'),
      obj('si'),
      obj('ss'),
      obj('z'),
      obj('x'),
    ]);
    t.case('lists: the quicklist fields', [
      ['RPUSH', 'l', 'a', 'b', 'c', '1', '2'],
      obj('l'),
      ['CONFIG', 'SET', 'list-max-listpack-size', '3'],
      ['RPUSH', 'l2', 'a', 'b', 'c', 'd', 'e', 'f', 'g'],
      obj('l2'),
      ['CONFIG', 'SET', 'list-max-listpack-size', '-2'],
    ]);
    t.case('errors', [
      ['DEBUG', 'OBJECT', 'nokey'],
      ['DEBUG', 'OBJECT'],
      ['DEBUG', 'OBJECT', 'a', 'b'],
    ]);
  },
  { config: { 'enable-debug-command': 'yes' } },
);

// DEBUG RELOAD's options, on Cinder alone (both servers of a diffSuite share a dir and a file).
describe('DEBUG RELOAD MERGE / NOFLUSH / NOSAVE', () => {
  it('replaces, adds to, or merges into the dataset as Redis 7.0 does', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-reload-'));
    const db = open({ config: { dir, 'enable-debug-command': 'yes' } });
    try {
      db.callSync('SET', 'a', '1');
      db.callSync('SET', 'b', '2');
      db.callSync('PEXPIRE', 'b', '100000');
      assert.equal(db.callSync('SAVE'), 'OK');
      db.callSync('SET', 'a', '10');
      db.callSync('SET', 'c', '3');
      // NOFLUSH without MERGE: a conflicting key is an error (Redis panics) and nothing changes.
      assert.throws(() => db.callSync('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH'), /ERR Error trying to load the RDB dump, check server logs\./);
      assert.equal(db.callSync('GET', 'a'), '10');
      assert.equal(db.callSync('DBSIZE'), 3);
      // MERGE: the file's keys win; others stay.
      assert.equal(db.callSync('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE'), 'OK');
      assert.equal(db.callSync('GET', 'a'), '1');
      assert.equal(db.callSync('GET', 'c'), '3');
      assert.ok(Number(db.callSync('PTTL', 'b')) > 0);
      // Plain NOSAVE replaces the whole dataset with the file's.
      assert.equal(db.callSync('DEBUG', 'RELOAD', 'nosave'), 'OK');
      assert.equal(db.callSync('EXISTS', 'c'), 0);
      assert.equal(db.callSync('DBSIZE'), 2);
      assert.throws(() => db.callSync('DEBUG', 'RELOAD', 'FAST'), /^ReplyError: ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options\.$/);
      // Without options: saved first, so nothing changes.
      db.callSync('SET', 'd', '4');
      assert.equal(db.callSync('DEBUG', 'RELOAD'), 'OK');
      assert.equal(db.callSync('GET', 'd'), '4');
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
