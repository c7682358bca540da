/** The AOF's manifest syntax and command codec (src/persistence/aof), without a server. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AofManifest, AofManifestError, parseManifest, baseFileName, incrFileName } from '../../src/persistence/aof/manifest.js';
import { AofBuffer, AofFormatError, AofReader, AofTruncatedError } from '../../src/persistence/aof/commands.js';

describe('AOF manifest', () => {
  it('formats and parses Redis 7.0 manifests (base, history, incrementals; quoted names)', () => {
    const m = new AofManifest();
    m.base = { name: baseFileName('appendonly.aof', 2, true), seq: 2, type: 'b' };
    m.history = [{ name: 'appendonly.aof.1.incr.aof', seq: 1, type: 'h' }];
    m.incrs = [{ name: incrFileName('appendonly.aof', 2), seq: 2, type: 'i' }, { name: 'my file.aof.3.incr.aof', seq: 3, type: 'i' }];
    const text = m.format();
    assert.equal(
      text,
      'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\n' +
        'file appendonly.aof.2.incr.aof seq 2 type i\nfile "my file.aof.3.incr.aof" seq 3 type i\n',
    );
    const back = parseManifest(text);
    assert.deepEqual(back.base, m.base);
    assert.deepEqual(back.incrs, m.incrs);
    assert.equal(back.incrSeq, 3);
    assert.equal(back.baseSeq, 2);
  });

  it("refuses what Redis refuses, with Redis's messages", () => {
    const err = (t: string) => {
      try {
        parseManifest(t);
      } catch (e) {
        assert.ok(e instanceof AofManifestError);
        return e.message;
      }
      return null;
    };
    assert.equal(err('file a seq 1\n'), 'Invalid AOF manifest file format');
    assert.equal(err('file a seq 1 type b\nfile b seq 2 type b\n'), 'Found duplicate base file information');
    assert.equal(err('file a seq 2 type i\nfile b seq 1 type i\n'), 'Found a non-monotonic sequence number');
    assert.equal(err('# only a comment\n'), 'Found an empty AOF manifest');
    assert.equal(err('file a seq 1 type b\n'), null);
  });
});

describe('AOF commands', () => {
  it('encodes commands as RESP arrays and reads them back, skipping annotations', () => {
    const b = new AofBuffer(8);
    b.raw('#TS:1700000000\r\n');
    b.command(['SET', 'k', '\x00\xff\r\n']);
    b.command(['SELECT', '3']);
    assert.equal(b.view().latin1Slice(), '#TS:1700000000\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\n\x00\xff\r\n\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n');
    const r = new AofReader(Buffer.from(b.view()));
    assert.deepEqual(r.next(), ['SET', 'k', '\x00\xff\r\n']);
    assert.deepEqual(r.next(), ['SELECT', '3']);
    assert.equal(r.next(), null);
    assert.equal(r.pos, b.length);
  });

  it('encodes every argument length and count alike (short arguments copied in JS, long ones natively)', () => {
    const lengths = [0, 1, 9, 10, 47, 48, 49, 99, 100, 101, 999, 1000, 70_000];
    const argv = lengths.map((n) => 'x\xe9\x00'.repeat(n).slice(0, n));
    const many = Array.from({ length: 150 }, (_, i) => String(i));
    const b = new AofBuffer(8);
    b.command(argv);
    b.command(many);
    const resp = (a: string[]): string => `*${a.length}\r\n` + a.map((x) => `$${x.length}\r\n${x}\r\n`).join('');
    assert.equal(b.view().latin1Slice(), resp(argv) + resp(many));
  });

  it('tells a short read (truncated tail) from a bad format, with offsets', () => {
    const ok = '*1\r\n$4\r\nPING\r\n';
    for (const tail of ['*2\r\n$3\r\nGET', '*2', '*2\r\n$3\r\nGET\r\n$1', '*2\r\n$3\r\nGET\r\n$1\r\nk']) {
      const r = new AofReader(Buffer.from(ok + tail, 'latin1'));
      r.next();
      assert.throws(() => r.next(), (e: unknown) => e instanceof AofTruncatedError && e.offset === ok.length, tail);
    }
    const bad = new AofReader(Buffer.from(ok + 'SET k v\r\n'));
    bad.next();
    assert.throws(() => bad.next(), (e: unknown) => e instanceof AofFormatError && e.offset === ok.length);
    const badArg = new AofReader(Buffer.from(ok + '*1\r\nx\r\n'));
    badArg.next();
    assert.throws(() => badArg.next(), (e: unknown) => e instanceof AofFormatError && e.offset === ok.length + 4);
  });
});
