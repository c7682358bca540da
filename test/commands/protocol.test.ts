/**
 * Differential protocol tests: raw byte streams (garbage, malformed multibulk, inline requests with
 * quotes, pipelines mixing both, errors mid-pipeline) sent to a real redis-server and to Cinder;
 * everything received until the server closes the connection (or a quiet timeout) must be equal,
 * and so must whether the server closed it.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startRealRedis, redisServerAvailable, encodeCommand, type RealRedis } from '../helpers/differential.js';
import { startServer, type RunningServer } from '../../src/embedded/index.js';

const K = 1024;

/**
 * A piece of input: bytes to write, a pause (ms) so the next bytes arrive in a later read, or a
 * wait until `received` bytes of output have arrived (for cases whose outcome depends on replies
 * having been sent before the next bytes are read).
 */
type Piece = string | Buffer | { pause: number } | { received: number };

interface RawCase {
  name: string;
  send: Piece[];
  /** How long to wait for more output after the last write when the server keeps the connection. */
  quietMs?: number;
}

interface Outcome {
  bytes: Buffer;
  closed: boolean;
}

/** Sends the pieces on a fresh connection; collects every byte until close or the quiet timeout. */
function exchange(port: number, pieces: Piece[], quietMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let onData: (() => void) | null = null;
    let closed = false;
    let timer: NodeJS.Timeout | null = null;
    const socket = net.connect({ port, host: '127.0.0.1' });
    const finish = () => {
      if (timer !== null) clearTimeout(timer);
      socket.destroy();
      resolve({ bytes: Buffer.concat(chunks), closed });
    };
    socket.on('data', (d) => {
      chunks.push(d);
      total += d.length;
      onData?.();
    });
    socket.on('error', () => {}); // a reset after the server closes is an ordinary close here
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.once('connect', async () => {
      try {
        for (const p of pieces) {
          if (closed) break;
          if (typeof p === 'object' && 'pause' in p) await new Promise((r) => setTimeout(r, p.pause));
          else if (typeof p === 'object' && 'received' in p) {
            const deadline = Date.now() + 2000;
            while (total < p.received && !closed && Date.now() < deadline) {
              await new Promise<void>((r) => {
                onData = r;
                setTimeout(r, 50);
              });
            }
            onData = null;
          } else socket.write(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
        }
      } catch (e) {
        reject(e);
        return;
      }
      if (!closed) timer = setTimeout(finish, quietMs);
    });
  });
}

function show(o: Outcome): string {
  const s = o.bytes.latin1Slice();
  return `${JSON.stringify(s.length > 400 ? s.slice(0, 400) + '…' : s)} (${s.length} bytes, ${o.closed ? 'closed' : 'open'})`;
}

const mb = (...argv: string[]) => encodeCommand(argv).latin1Slice();
/** Each byte of `s` written separately with a pause, so each arrives in its own read. */
const byteByByte = (s: string): Piece[] => [...s].flatMap((c): Piece[] => [c, { pause: 2 }]);

/** Key names are prefixed per case: cases run concurrently against the same two servers. */
function cases(): RawCase[] {
  const list: RawCase[] = [
    // ---------------------------------------------------------------- well-formed baselines
    { name: 'multibulk PING', send: [mb('PING')] },
    { name: 'inline PING, any case', send: ['PING\r\nping\npInG\r\n'] },
    { name: 'multibulk pipeline', send: [mb('SET', 'p1', 'v') + mb('GET', 'p1') + mb('ECHO', '') + mb('DEL', 'p1')] },
    { name: 'pipeline mixing inline and multibulk', send: ['PING\r\n' + mb('ECHO', 'a b') + 'ECHO x\n' + mb('PING') + 'ECHO "y"\r\n'] },
    { name: 'binary argument with CR LF NUL', send: [mb('SET', 'p2', '\r\n\0\xff\x80') + mb('GET', 'p2') + mb('DEL', 'p2')] },
    { name: 'empty command name', send: [mb('') + '""\r\n' + mb('PING')] },
    { name: 'multibulk sent byte by byte', send: byteByByte(mb('ECHO', 'hello') + 'ECHO "a\\x41"\r\n') },
    { name: 'big argument in pieces', send: [mb('SET', 'p3', 'v'.repeat(100 * K)).slice(0, 20), { pause: 5 }, mb('SET', 'p3', 'v'.repeat(100 * K)).slice(20) + mb('GET', 'p3') + mb('DEL', 'p3')] },
    { name: 'bulk data longer than announced (the rest is read as inline)', send: ['*2\r\n$4\r\nECHO\r\n$3\r\nabcdef\r\n'] },
    { name: 'bytes after a bulk are not checked', send: ['*1\r\n$4\r\nPINGxx' + mb('ECHO', 'z')] },
    { name: 'CR not followed by LF in length lines', send: ['*1\rX$4\rYPING\r\n'] },
    { name: 'length line waiting for the byte after CR', send: ['*1\r', { pause: 20 }, '\n$4\r', { pause: 20 }, '\nPING\r\n'] },
    { name: 'incomplete multibulk waits', send: ['*3\r\n$3\r\nSET\r\n$1\r\nk\r\n'] },
    { name: 'incomplete inline waits', send: ['PING'] },

    // ---------------------------------------------------------------- empty requests
    { name: '*0 and negative counts are ignored', send: ['*0\r\n*-1\r\n*-5\r\n*-9223372036854775808\r\n' + mb('PING')] },
    { name: 'blank lines are ignored', send: ['\r\n\n   \r\n\t\r\n' + 'PING\r\n'] },

    // ---------------------------------------------------------------- inline quoting
    { name: 'double quotes with escapes', send: ['ECHO "a\\x41\\n\\r\\t\\b\\a\\z\\"\\\\"\r\n'] },
    { name: 'invalid hex escapes', send: ['ECHO "\\x4g\\x4\\xAB\\x00"\r\n'] },
    { name: 'single quotes', send: ["ECHO 'it\\'s'\r\nECHO 'a\\nb\"c'\r\n"] },
    { name: 'quote opening mid-token', send: ['ECHO a"b c"\r\nECHO x\'y z\'\r\n'] },
    { name: 'empty quoted arguments', send: ['ECHO ""\r\nECHO \'\'\r\n'] },
    { name: 'tabs, vertical tab and form feed', send: ['ECHO\t\x0bb\r\nECHO a\x0bb\r\nECHO\x0c  b\r\n'] },
    { name: 'high bytes inline', send: [Buffer.from('ECHO \xe9\xff\r\n', 'latin1')] },
    { name: 'closing quote followed by a tab', send: ['ECHO "a"\t\r\n'] },
    { name: 'unbalanced double quote', send: ['PING\r\nECHO "abc\r\nPING\r\n'] },
    { name: 'unbalanced single quote', send: ["ECHO 'abc\r\n"] },
    { name: 'closing quote followed by a letter', send: ['ECHO "abc"d\r\n'] },
    { name: 'closing single quote followed by a letter', send: ["ECHO 'a'x\r\n"] },
    { name: 'backslash before the end of the line', send: ['ECHO "ab\\\r\n'] },
    { name: 'escaped single quote at the end', send: ["ECHO 'a\\'\r\n"] },
    { name: 'CR LF inside an unknown command error are replaced', send: ['FOO "a\\r\\nb" c\r\n'] },

    // ---------------------------------------------------------------- garbage
    { name: 'control and high bytes as a command', send: [Buffer.from('\x01\x02\xff\xfe garbage\r\n', 'latin1')] },
    { name: 'RESP reply types sent as requests', send: ['+PING\r\n-ERR x\r\n:1\r\n$4\r\nPING\r\n'] },
    { name: 'NUL before the newline leaves an inline request waiting', send: ['PING\0\r\nPING\r\n'] },
    { name: 'NUL in a multibulk count line waits', send: ['*1\0\r\n$4\r\nPING\r\n'] },
    { name: 'NUL where a bulk length is due waits', send: ['*1\r\n\0\r\n'] },
    { name: '64 KB of NUL-led garbage: too big inline request', send: ['\0' + 'x'.repeat(100 * K)] },

    // ---------------------------------------------------------------- malformed multibulk
    { name: 'letters as count', send: ['*x\r\n'] },
    { name: 'empty count', send: ['*\r\n'] },
    { name: 'plus sign in count', send: ['*+1\r\n'] },
    { name: 'space in count', send: ['*1 \r\n'] },
    { name: 'leading zero in count', send: ['*01\r\n$4\r\nPING\r\n'] },
    { name: 'minus zero count', send: ['*-0\r\n'] },
    { name: 'count above INT_MAX', send: ['*2147483648\r\n'] },
    { name: 'count at INT_MAX waits', send: ['*2147483647\r\n$4\r\nPING\r\n'] },
    { name: 'count below LLONG_MIN', send: ['*-9223372036854775809\r\nPING\r\n'] },
    { name: 'nineteen nines negative', send: ['*-9999999999999999999\r\nPING\r\n'] },
    { name: 'count string of 30 digits', send: ['*' + '1'.repeat(30) + '\r\n'] },
    { name: 'count string of 70 KB (terminated)', send: ['*' + '1'.repeat(70 * K) + '\r\n'] },
    { name: 'too big mbulk count string', send: ['*' + '1'.repeat(100 * K)] },
    { name: 'too big bulk count string', send: ['*1\r\n$' + '1'.repeat(100 * K)] },
    { name: 'bulk length letters', send: ['*1\r\n$x\r\n'] },
    { name: 'bulk length empty', send: ['*1\r\n$\r\n'] },
    { name: 'bulk length negative', send: ['*1\r\n$-1\r\n'] },
    { name: 'bulk length with a leading zero', send: ['*1\r\n$04\r\nPING\r\n'] },
    { name: 'bulk length 1 GB', send: ['*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1073741824\r\n'] },
    { name: 'bulk length at proto-max-bulk-len waits', send: ['*1\r\n$536870912\r\n'] },
    { name: 'bulk length one above proto-max-bulk-len', send: ['*1\r\n$536870913\r\n'] },
    { name: "expected '$', got ':'", send: ['*1\r\n:4\r\n'] },
    { name: "expected '$', got an inline word", send: ['*2\r\n$4\r\nECHO\r\nhello\r\n'] },
    { name: "expected '$', got CR (shown as a space)", send: ['*1\r\n\r\n'] },
    { name: "expected '$', got LF (shown as a space)", send: ['*1\r\n\n\r\n'] },
    { name: "expected '$', got a high byte", send: [Buffer.from('*1\r\n\xff\r\n', 'latin1')] },

    // ---------------------------------------------------------------- errors mid-pipeline
    {
      name: 'command errors, then a protocol error, then nothing more',
      send: ['PING\r\nGET\r\nSET a\r\nNOSUCHCMD x y\r\n' + mb('PING') + '*x\r\n' + mb('PING') + 'PING\r\n'],
    },
    { name: 'protocol error in the second read', send: [mb('ECHO', 'one'), { received: 9 }, mb('ECHO', 'two') + '*1\r\n$-3\r\n' + mb('PING')] },
    { name: 'protocol error split across reads', send: [mb('PING') + '*1\r\n$', { pause: 20 }, 'q\r\n'] },
    { name: 'unbalanced quotes after multibulk commands', send: [mb('SET', 'p4', '1') + mb('GET', 'p4') + 'ECHO "x\r\n' + mb('DEL', 'p4')] },

    // ---------------------------------------------------------------- long inline requests
    { name: 'inline request of 70 KB is served', send: ['ECHO ' + 'a'.repeat(70 * K) + '\r\n'] },
    { name: 'inline request of 100 KB: too big inline request', send: ['ECHO ' + 'a'.repeat(100 * K) + '\r\n'] },
    { name: 'unterminated inline request of 100 KB', send: ['ECHO ' + 'a'.repeat(100 * K)] },

    // ---------------------------------------------------------------- HTTP relayed to the port
    { name: 'HTTP GET request: Host: drops the connection', send: ['GET / HTTP/1.1\r\nHost: x\r\n\r\nPING\r\n'] },
    { name: 'HTTP POST request drops the connection', send: ['POST / HTTP/1.1\r\nPING\r\n'] },
    { name: 'post as a multibulk command', send: [mb('PING') + mb('post', 'x')] },
    { name: 'host: after earlier replies were sent', send: [mb('PING'), { received: 7 }, mb('HOST:')] },
  ];
  return list;
}

if (!redisServerAvailable) {
  describe('protocol: raw streams vs redis-server', { skip: 'redis-server not installed' }, () => {});
} else {
  describe('protocol: raw streams vs redis-server', () => {
    let redis: RealRedis;
    let cinder: RunningServer;
    before(async () => {
      [redis, cinder] = await Promise.all([startRealRedis(), startServer({ port: 0 })]);
    });
    after(async () => {
      await Promise.all([redis?.stop(), cinder?.close()]);
    });

    describe('cases', { concurrency: 16 }, () => {
      for (const c of cases()) {
        it(c.name, async () => {
        const quiet = c.quietMs ?? 500;
        const [expected, actual] = await Promise.all([exchange(redis.port, c.send, quiet), exchange(cinder.port, c.send, quiet)]);
        if (!expected.bytes.equals(actual.bytes) || expected.closed !== actual.closed) {
          assert.fail(`redis:  ${show(expected)}\ncinder: ${show(actual)}`);
        }
      });
      }
    });

    it('both servers still answer after all of the above', async () => {
      const [r, c] = await Promise.all([exchange(redis.port, [mb('PING')], 100), exchange(cinder.port, [mb('PING')], 100)]);
      assert.equal(r.bytes.latin1Slice(), '+PONG\r\n');
      assert.equal(c.bytes.latin1Slice(), '+PONG\r\n');
    });
  });
}
