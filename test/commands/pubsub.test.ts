import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { diffSuite, clientFields, CLIENT_VOLATILE_FIELDS, helloReply, parseReply, type RawConnection } from '../helpers/differential.js';
import { scenarioSuite, type PairedClient, type Scenario } from '../helpers/scenario.js';
import { open } from '../../src/embedded/index.js';

diffSuite('pubsub: one connection', (t) => {
  t.case('PUBLISH and SPUBLISH without subscribers', [
    ['PUBLISH', 'ch', 'hello'],
    ['SPUBLISH', 'ch', 'hello'],
    ['PUBLISH', '', ''],
    ['PUBLISH', 'ch'],
    ['PUBLISH', 'ch', 'a', 'b'],
    ['SPUBLISH', 'ch'],
    ['SUBSCRIBE'],
    ['PSUBSCRIBE'],
    ['SSUBSCRIBE'],
  ]);
  t.case('PUBSUB introspection with nothing subscribed', [
    ['PUBSUB', 'HELP'],
    ['PUBSUB', 'help'],
    ['PUBSUB'],
    ['PUBSUB', 'HELP', 'x'],
    ['PUBSUB', 'CHANNELS'],
    ['PUBSUB', 'CHANNELS', '*'],
    ['PUBSUB', 'CHANNELS', 'a', 'b'],
    ['PUBSUB', 'channels', 'a', 'b'],
    ['PUBSUB', 'SHARDCHANNELS'],
    ['PUBSUB', 'SHARDCHANNELS', 'x*'],
    ['PUBSUB', 'SHARDCHANNELS', 'a', 'b'],
    ['PUBSUB', 'NUMSUB'],
    ['PUBSUB', 'NUMSUB', 'a', 'b', 'a'],
    ['PUBSUB', 'SHARDNUMSUB'],
    ['PUBSUB', 'SHARDNUMSUB', 'a'],
    ['PUBSUB', 'NUMPAT'],
    ['PUBSUB', 'NUMPAT', 'x'],
    ['PUBSUB', 'foo'],
    ['PUBSUB', 'foo', 'bar'],
  ]);
  t.case('unsubscribing with nothing subscribed replies one null frame', [
    ['UNSUBSCRIBE'],
    ['PUNSUBSCRIBE'],
    ['SUNSUBSCRIBE'],
    ['UNSUBSCRIBE', 'a'],
    ['PUNSUBSCRIBE', 'a*'],
    ['SUNSUBSCRIBE', 's'],
    ['GET', 'x'],
  ]);
  t.case('subscribed mode: what is allowed', [
    ['SUBSCRIBE', 'a'],
    ['GET', 'x'],
    { argv: ['CLIENT', 'LIST'], compare: clientFields(CLIENT_VOLATILE_FIELDS) },
    ['PUBSUB', 'NUMPAT'],
    ['nosuchcommand'],
    ['GET'],
    ['PING'],
    ['PING', 'hi'],
    ['PING', 'a', 'b'],
    ['PUBLISH', 'a', 'from myself'],
    ['SUBSCRIBE', 'a'],
    ['PSUBSCRIBE', 'a*'],
    ['SSUBSCRIBE', 'a'],
    ['PUBLISH', 'a', 'to all'],
    ['SPUBLISH', 'a', 'sharded'],
    ['UNSUBSCRIBE', 'a'],
    ['PUNSUBSCRIBE', 'a*'],
    ['GET', 'x'],
    ['SUNSUBSCRIBE', 'a'],
    ['GET', 'x'],
    ['PING'],
  ]);
  t.case('shard subscriptions alone enter pub/sub mode and count apart', [
    ['SSUBSCRIBE', 's1'],
    ['SSUBSCRIBE', 's2'],
    ['SUBSCRIBE', 'c1'],
    ['PSUBSCRIBE', 'p*'],
    ['SSUBSCRIBE', 's1'],
    ['SUNSUBSCRIBE', 's1'],
    ['UNSUBSCRIBE', 'c1'],
    ['PUNSUBSCRIBE'],
    ['ECHO', 'still subscribed to s2'],
    ['SUNSUBSCRIBE'],
    ['ECHO', 'free'],
  ]);
  t.case('RESET leaves pub/sub mode silently', [
    ['SUBSCRIBE', 'a'],
    ['PSUBSCRIBE', 'b*'],
    ['SSUBSCRIBE', 'c'],
    ['RESET'],
    ['PUBSUB', 'NUMSUB', 'a'],
    ['PUBSUB', 'NUMPAT'],
    ['PUBSUB', 'SHARDNUMSUB', 'c'],
    ['PUBLISH', 'a', 'x'],
    ['GET', 'x'],
  ]);
  t.case('HELLO is refused in RESP2 subscribed mode, allowed in RESP3', [
    ['SUBSCRIBE', 'a'],
    { argv: ['HELLO', '3'], compare: helloReply },
    ['PUBLISH', 'a', 'm'],
    ['UNSUBSCRIBE'],
  ]);
  t.case('SUBSCRIBE runs inside MULTI, SSUBSCRIBE does not', [
    ['MULTI'],
    ['SUBSCRIBE', 'a'],
    ['SSUBSCRIBE', 'b'],
    ['PSUBSCRIBE', 'c*'],
    ['EXEC'],
    ['GET', 'x'],
    ['PUBSUB', 'NUMPAT'],
  ]);
  t.case('a rejected command in subscribed mode aborts MULTI', [
    ['MULTI'],
    ['SUBSCRIBE', 'a'],
    ['EXEC'],
    ['UNSUBSCRIBE', 'a'],
    ['MULTI'],
    ['PUBLISH', 'a', 'x'],
    ['EXEC'],
  ]);
  t.case('binary channels, patterns and messages', [
    ['SUBSCRIBE', 'ch\x00\xff\r\n'],
    ['PUBLISH', 'ch\x00\xff\r\n', '\x00\x01\xfe\r\nbody'],
    ['PSUBSCRIBE', '\xff*'],
    ['PUBLISH', '\xffx', 'm'],
    ['UNSUBSCRIBE', 'ch\x00\xff\r\n'],
    ['PUNSUBSCRIBE', '\xff*'],
  ]);
});

/** Reads `n` frames on both servers and compares each. */
async function frames(c: PairedClient, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await c.reply();
}

/**
 * Reads `n` unsubscribe frames: the channels they name (sorted) and everything else about them
 * (frame type, kind, remaining count), in arrival order.
 */
async function unsubscribeFrames(conn: RawConnection, n: number): Promise<{ channels: string[]; rest: string[] }> {
  const channels: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < n; i++) {
    const frame = parseReply(await conn.readReply());
    assert.ok(frame.items !== null && frame.items.length === 3, `not an unsubscribe frame: ${JSON.stringify(frame)}`);
    channels.push(frame.items[1].text ?? '');
    rest.push(`${frame.type} ${frame.items[0].text} ${frame.items[2].type}${frame.items[2].text}`);
  }
  return { channels: channels.sort(), rest };
}

/** Opens a client in the given protocol. */
function clientFor(s: Scenario, resp: 2 | 3, name: string): Promise<PairedClient> {
  return s.client(name, { hello3: resp === 3 });
}

scenarioSuite('pubsub: delivery between clients', (t) => {
  for (const resp of [2, 3] as const) {
    t.scenario(`RESP${resp}: channel subscribers receive messages, PUBLISH counts them`, async (s) => {
      const a = await clientFor(s, resp, 'a');
      const b = await clientFor(s, resp, 'b');
      const p = await s.client('publisher');
      a.send(['SUBSCRIBE', 'news', 'sport', 'news']);
      await frames(a, 3);
      b.send(['SUBSCRIBE', 'news']);
      await frames(b, 1);
      await p.call(['PUBLISH', 'news', 'hello']);
      await a.reply();
      await b.reply();
      await p.call(['PUBLISH', 'sport', 'goal']);
      await a.reply();
      await p.call(['PUBLISH', 'weather', 'rain']);
      await s.quiet();
      await p.call(['PUBSUB', 'NUMSUB', 'news', 'sport', 'weather']);
      await p.call(['PUBSUB', 'CHANNELS'], 'unordered');
      await p.call(['PUBSUB', 'CHANNELS', 's*']);
      await p.call(['PUBSUB', 'CHANNELS', 'nomatch*']);
      a.send(['UNSUBSCRIBE', 'news', 'nothere']);
      await frames(a, 2);
      await p.call(['PUBLISH', 'news', 'again']);
      await b.reply();
      await s.quiet();
      await p.call(['PUBSUB', 'NUMSUB', 'news', 'sport']);
    });

    t.scenario(`RESP${resp}: pattern subscribers get pmessage frames`, async (s) => {
      const a = await clientFor(s, resp, 'a');
      const b = await clientFor(s, resp, 'b');
      const c = await clientFor(s, resp, 'c');
      const p = await s.client('publisher');
      a.send(['PSUBSCRIBE', 'news.*']);
      await a.reply();
      b.send(['PSUBSCRIBE', 'h?llo', 'news.*']);
      await frames(b, 2);
      c.send(['PSUBSCRIBE', '[a-c]x\\*']);
      await c.reply();
      await p.call(['PUBSUB', 'NUMPAT']);
      await p.call(['PUBLISH', 'news.it', 'ciao']);
      await a.reply();
      await b.reply();
      await p.call(['PUBLISH', 'hallo', 'x']);
      await b.reply();
      await p.call(['PUBLISH', 'bx*', 'literal star']);
      await c.reply();
      await p.call(['PUBLISH', 'bxy', 'no']);
      await p.call(['PUBLISH', 'news', 'no']);
      await s.quiet();
      // Patterns are not channels: NUMSUB and CHANNELS ignore them.
      await p.call(['PUBSUB', 'NUMSUB', 'news.*']);
      await p.call(['PUBSUB', 'CHANNELS']);
      b.send(['PUNSUBSCRIBE']);
      await frames(b, 2);
      await p.call(['PUBSUB', 'NUMPAT']);
      await p.call(['PUBLISH', 'news.fr', 'salut']);
      await a.reply();
      await s.quiet();
    });

    t.scenario(`RESP${resp}: a client on a channel and a matching pattern gets both frames`, async (s) => {
      const a = await clientFor(s, resp, 'a');
      const p = await s.client('publisher');
      a.send(['SUBSCRIBE', 'ch']);
      await a.reply();
      a.send(['PSUBSCRIBE', 'c*']);
      await a.reply();
      await p.call(['PUBLISH', 'ch', 'both']);
      await frames(a, 2);
      await p.call(['PUBLISH', 'cx', 'pattern only']);
      await a.reply();
      await s.quiet();
    });

    t.scenario(`RESP${resp}: shard channels are a namespace of their own`, async (s) => {
      const a = await clientFor(s, resp, 'a');
      const b = await clientFor(s, resp, 'b');
      const p = await s.client('publisher');
      a.send(['SSUBSCRIBE', 'orders', 'users']);
      await frames(a, 2);
      b.send(['PSUBSCRIBE', '*']);
      await b.reply();
      b.send(['SUBSCRIBE', 'orders']);
      await b.reply();
      await p.call(['SPUBLISH', 'orders', 'o1']);
      await a.reply();
      await p.call(['PUBLISH', 'orders', 'plain']);
      await frames(b, 2);
      await s.quiet();
      await p.call(['PUBSUB', 'SHARDNUMSUB', 'orders', 'users', 'none']);
      await p.call(['PUBSUB', 'SHARDCHANNELS'], 'unordered');
      await p.call(['PUBSUB', 'SHARDCHANNELS', 'u*']);
      await p.call(['PUBSUB', 'NUMSUB', 'orders']);
      a.send(['SUNSUBSCRIBE', 'orders']);
      await a.reply();
      await p.call(['SPUBLISH', 'orders', 'gone']);
      await p.call(['SPUBLISH', 'users', 'u1']);
      await a.reply();
      await s.quiet();
    });

    t.scenario(`RESP${resp}: disconnecting and RESET drop subscriptions`, async (s) => {
      const a = await clientFor(s, resp, 'a');
      const b = await clientFor(s, resp, 'b');
      const p = await s.client('publisher');
      a.send(['SUBSCRIBE', 'x']);
      await a.reply();
      a.send(['PSUBSCRIBE', 'x*']);
      await a.reply();
      b.send(['SUBSCRIBE', 'x']);
      await b.reply();
      b.send(['SSUBSCRIBE', 'x']);
      await b.reply();
      await a.call(['QUIT']);
      await s.sleep(50);
      await p.call(['PUBSUB', 'NUMSUB', 'x']);
      await p.call(['PUBSUB', 'NUMPAT']);
      await p.call(['PUBLISH', 'x', 'only b']);
      await b.reply();
      await b.call(['RESET']);
      await p.call(['PUBSUB', 'NUMSUB', 'x']);
      await p.call(['PUBSUB', 'SHARDNUMSUB', 'x']);
      await p.call(['PUBLISH', 'x', 'nobody']);
      await p.call(['SPUBLISH', 'x', 'nobody']);
      await s.quiet();
    });

    t.scenario(`RESP${resp}: UNSUBSCRIBE with no arguments leaves every channel`, async (s) => {
      const a = await clientFor(s, resp, 'a');
      const p = await s.client('publisher');
      a.send(['SUBSCRIBE', 'c1', 'c2', 'c3']);
      await frames(a, 3);
      a.send(['PSUBSCRIBE', 'p1', 'p2']);
      await frames(a, 2);
      // Redis walks its channel dictionary in hash order: the three frames must name each channel
      // once, in any order, with the same kinds and remaining counts in the same order.
      a.send(['UNSUBSCRIBE']);
      const [fromRedis, fromCinder] = await Promise.all([unsubscribeFrames(a.redis, 3), unsubscribeFrames(a.cinder, 3)]);
      assert.deepEqual(fromRedis.channels, ['c1', 'c2', 'c3']);
      assert.deepEqual(fromCinder, fromRedis);
      a.send(['PUNSUBSCRIBE']);
      await frames(a, 2);
      await a.call(['PING']);
      await p.call(['PUBSUB', 'NUMSUB', 'c1', 'c2', 'c3']);
      await p.call(['PUBSUB', 'NUMPAT']);
    });
  }

  t.scenario('RESP3: subscribers run any command, messages interleave as push frames', async (s) => {
    const a = await s.client('a', { hello3: true });
    const p = await s.client('publisher');
    a.send(['SUBSCRIBE', 'ch']);
    await a.reply();
    await a.call(['SET', 'k', 'v']);
    await a.call(['GET', 'k']);
    await p.call(['PUBLISH', 'ch', 'm1']);
    await a.reply();
    // Publishing to itself: the push comes before the integer reply.
    a.send(['PUBLISH', 'ch', 'self']);
    await frames(a, 2);
    await a.call(['PING']);
    await a.call(['CLIENT', 'INFO'], clientFields(CLIENT_VOLATILE_FIELDS));
    // Back to RESP2 while subscribed: the restrictions apply again.
    await a.call(['HELLO', '2'], helloReply);
    await a.call(['GET', 'k']);
    await a.call(['PING']);
    await p.call(['PUBLISH', 'ch', 'm2']);
    await a.reply();
  });

  t.scenario('RESP3: a subscriber blocked in BLPOP still receives messages', async (s) => {
    const a = await s.client('a', { hello3: true });
    const p = await s.client('publisher');
    a.send(['SUBSCRIBE', 'ch']);
    await a.reply();
    a.send(['BLPOP', 'list', '0']);
    await s.quiet();
    await p.call(['PUBLISH', 'ch', 'while blocked']);
    await a.reply();
    await p.call(['RPUSH', 'list', 'item']);
    await a.reply();
  });

  // Redis 7.0 sends pub/sub frames (confirmations included) even while replies are off.
  for (const resp of [2, 3] as const) {
    t.scenario(`RESP${resp}: CLIENT REPLY OFF/SKIP do not silence pub/sub frames`, async (s) => {
      const a = await clientFor(s, resp, 'a');
      const p = await s.client('publisher');
      a.send(['CLIENT', 'REPLY', 'OFF']);
      a.send(['SUBSCRIBE', 'ch']);
      await a.reply();
      await p.call(['PUBLISH', 'ch', 'delivered']);
      await a.reply();
      a.send(['UNSUBSCRIBE']);
      await a.reply();
      a.send(['GET', 'k']);
      await s.quiet();
      await a.call(['CLIENT', 'REPLY', 'ON']);
      a.send(['CLIENT', 'REPLY', 'SKIP']);
      a.send(['PSUBSCRIBE', 'c*']);
      await a.reply();
      if (resp === 3) {
        a.send(['CLIENT', 'REPLY', 'OFF']);
        a.send(['PUBLISH', 'ch', 'to myself']);
        await a.reply();
        await p.call(['PUBLISH', 'ch', 'from p']);
        await a.reply();
        await s.quiet();
        await a.call(['CLIENT', 'REPLY', 'ON']);
      }
      await a.call(['PUNSUBSCRIBE']);
    });
  }

  t.scenario('CLIENT LIST shows the P flag and sub/psub/ssub counts', async (s) => {
    const a = await s.client('a', { hello3: true });
    a.send(['SUBSCRIBE', 'c1', 'c2']);
    await frames(a, 2);
    a.send(['PSUBSCRIBE', 'p*']);
    await a.reply();
    a.send(['SSUBSCRIBE', 's']);
    await a.reply();
    const info = (await a.cinder.command(['CLIENT', 'INFO'])).latin1Slice();
    const expected = (await a.redis.command(['CLIENT', 'INFO'])).latin1Slice();
    for (const text of [info, expected]) {
      assert.match(text, / flags=P /);
      assert.match(text, / sub=2 psub=1 ssub=1 /);
    }
  });

  // Random interleavings of (un)subscribes and publishes across three clients: after each step
  // every subscriber is PINGed and all it received up to the PING reply is compared as a multiset
  // (Redis walks its pattern dictionary in hash order, so one client's pmessages may come in any
  // order; everything else is compared exactly by the scenarios above).
  t.scenario('property: random subscribe/publish sequences match Redis', async (s) => {
    const resps = [2, 3, 3] as const;
    const channels = ['a', 'b', 'ab', 'ba'];
    const patterns = ['a*', '?', '*b', '[ab]a', 'a'];
    const who = fc.integer({ min: 0, max: 2 });
    const chans = fc.subarray(channels, { minLength: 1 });
    const op = fc.oneof(
      fc.record({ kind: fc.constant('subscribe' as const), who, names: chans }),
      fc.record({ kind: fc.constant('psubscribe' as const), who, names: fc.subarray(patterns, { minLength: 1 }) }),
      fc.record({ kind: fc.constant('ssubscribe' as const), who, names: chans }),
      fc.record({ kind: fc.constant('unsubscribe' as const), who, names: fc.subarray(channels) }),
      fc.record({ kind: fc.constant('punsubscribe' as const), who, names: fc.subarray(patterns) }),
      fc.record({ kind: fc.constant('sunsubscribe' as const), who, names: fc.subarray(channels) }),
      fc.record({ kind: fc.constant('publish' as const), channel: fc.constantFrom(...channels), msg: fc.string({ maxLength: 4 }) }),
      fc.record({ kind: fc.constant('spublish' as const), channel: fc.constantFrom(...channels), msg: fc.string({ maxLength: 4 }) }),
      fc.record({ kind: fc.constant('numsub' as const) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        // Fresh clients and a fresh name prefix per run: a failed run (or a close Redis has not
        // processed yet) cannot leak into the next one.
        const prefix = `r${run++}:`;
        const subs: PairedClient[] = [];
        for (let i = 0; i < 3; i++) subs.push(await clientFor(s, resps[i], `sub${i}`));
        const pub = await s.client('publisher');
        // Model of channel/shard subscriptions, to avoid argument-less unsubscribes of several
        // channels (Redis walks its channel dictionary in hash order).
        const model = subs.map(() => ({ subscribe: new Set<string>(), ssubscribe: new Set<string>() }));
        try {
          for (const o of ops) {
            if (o.kind === 'numsub') {
              await pub.call(['PUBSUB', 'NUMSUB', ...channels.map((c) => prefix + c)]);
              await pub.call(['PUBSUB', 'SHARDNUMSUB', ...channels.map((c) => prefix + c)]);
            } else if (o.kind === 'publish' || o.kind === 'spublish') {
              await pub.call([o.kind.toUpperCase(), prefix + o.channel, o.msg]);
            } else {
              let names = o.names.map((n) => prefix + n);
              if (o.kind === 'unsubscribe' || o.kind === 'sunsubscribe') {
                const mine = model[o.who][o.kind === 'unsubscribe' ? 'subscribe' : 'ssubscribe'];
                if (names.length === 0 && mine.size > 1) names = [...mine];
                if (names.length === 0) mine.clear();
                for (const n of names) mine.delete(n);
              }
              if (o.kind === 'subscribe' || o.kind === 'ssubscribe') for (const n of names) model[o.who][o.kind].add(n);
              subs[o.who].send([o.kind.toUpperCase(), ...names]);
            }
            for (const c of subs) await drainUntilPong(c);
          }
        } finally {
          for (const c of [...subs, pub]) c.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});

/** PINGs a client and compares, as multisets, everything both servers sent up to the PING reply. */
async function drainUntilPong(c: PairedClient): Promise<void> {
  c.send(['PING']);
  const redis: string[] = [];
  const cinder: string[] = [];
  for (;;) {
    const r = (await c.redis.readReply(5000)).latin1Slice();
    redis.push(r);
    if (r === '+PONG\r\n' || r === '*2\r\n$4\r\npong\r\n$0\r\n\r\n') break;
  }
  for (let i = 0; i < redis.length; i++) cinder.push((await c.cinder.readReply(5000)).latin1Slice());
  assert.equal(cinder[cinder.length - 1], redis[redis.length - 1], `${c.name}: reply order`);
  assert.deepEqual([...cinder].sort(), [...redis].sort(), `${c.name}: frames`);
}

it('embedded: INFO and CLIENT LIST report subscriptions', () => {
  const db = open();
  try {
    db.callSync('SUBSCRIBE', 'a');
    db.callSync('SUBSCRIBE', 'b');
    db.callSync('PSUBSCRIBE', 'x*');
    const info = String(db.callSync('INFO', 'stats'));
    assert.match(info, /pubsub_channels:2\r\n/);
    assert.match(info, /pubsub_patterns:1\r\n/);
    assert.match(info, /pubsubshard_channels:0\r\n/);
    assert.equal(db.callSync('PUBLISH', 'a', 'm'), 1);
    assert.equal(db.callSync('PUBLISH', 'xa', 'm'), 1);
    assert.match(String(db.callSync('CLIENT', 'INFO')), / flags=P .* sub=2 psub=1 ssub=0 /);
    // A synchronous embedded call cannot take SSUBSCRIBE's open-ended stream.
    assert.throws(() => db.callSync('SSUBSCRIBE', 's'), /SSUBSCRIBE isn't allowed for a DENY BLOCKING client/);
    db.callSync('RESET');
    assert.match(String(db.callSync('INFO', 'stats')), /pubsub_channels:0\r\npubsub_patterns:0\r\n/);
  } finally {
    db.close();
  }
});

it('embedded: onPush receives messages published by other clients', async () => {
  const got: unknown[] = [];
  const sub = open({ onPush: (f) => got.push(f) });
  const pub = open({ server: sub.server });
  try {
    assert.deepEqual(await sub.call('SUBSCRIBE', 'ch'), ['subscribe', 'ch', 1]);
    assert.deepEqual(await sub.call('PSUBSCRIBE', 'c*'), ['psubscribe', 'c*', 2]);
    assert.equal(await pub.call('PUBLISH', 'ch', 'hi'), 2);
    assert.equal(await pub.call('PUBLISH', 'cx', 'there'), 1);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, [
      ['message', 'ch', 'hi'],
      ['pmessage', 'c*', 'ch', 'hi'],
      ['pmessage', 'c*', 'cx', 'there'],
    ]);
    // Calls still return their own results; messages queued before a call are handed over first.
    assert.equal(await pub.call('PUBLISH', 'ch', 'again'), 2);
    assert.equal(sub.callSync('ECHO', 'mine'), 'mine');
    assert.deepEqual(got.slice(3), [
      ['message', 'ch', 'again'],
      ['pmessage', 'c*', 'ch', 'again'],
    ]);
  } finally {
    pub.close();
    sub.close();
  }
  assert.equal(pub.server.clients.size, 0);
});
