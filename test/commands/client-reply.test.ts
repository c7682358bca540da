/**
 * CLIENT REPLY OFF / SKIP / ON with other clients involved: pub/sub messages reaching a client whose
 * replies are off, blocked commands served or unblocked while replies are skipped or off. Every
 * byte a client receives is compared with a real redis-server.
 */
import { scenarioSuite } from '../helpers/scenario.js';

scenarioSuite('CLIENT REPLY with other clients', (t) => {
  t.scenario('messages published to a subscriber whose replies are off are delivered (RESP2)', async (s) => {
    const sub = await s.client('subscriber');
    const pub = await s.client('publisher');
    sub.send(['CLIENT', 'REPLY', 'OFF']);
    sub.send(['SUBSCRIBE', 'ch']);
    await sub.reply();
    await pub.call(['PUBLISH', 'ch', 'm1']);
    await sub.reply();
    sub.send(['PING']);
    await s.quiet();
  });

  t.scenario('messages to a RESP3 client with replies off are delivered; ON answers again', async (s) => {
    const sub = await s.client('subscriber', { hello3: true });
    const pub = await s.client('publisher');
    await sub.call(['SUBSCRIBE', 'ch']);
    sub.send(['CLIENT', 'REPLY', 'OFF']);
    sub.send(['GET', 'x']);
    await s.quiet();
    await pub.call(['PUBLISH', 'ch', 'm1']);
    await sub.reply();
    await sub.call(['CLIENT', 'REPLY', 'ON']);
    await sub.call(['GET', 'x']);
  });

  t.scenario('SKIP before a blocking command: its served reply is dropped, the pipeline goes on', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('pusher');
    a.send(['CLIENT', 'REPLY', 'SKIP']);
    a.send(['XREAD', 'BLOCK', '0', 'STREAMS', 'st', '$']);
    a.send(['PING', 'after']);
    await s.quiet();
    await b.call(['XADD', 'st', '1-1', 'f', 'v']);
    await a.reply();
    await s.quiet();
  });

  t.scenario('OFF before a blocking command unblocked by CLIENT UNBLOCK: nothing is sent; ON answers', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('admin');
    const ids = await a.ids();
    a.send(['CLIENT', 'REPLY', 'OFF']);
    a.send(['BLPOP', 'l', '0']);
    await s.quiet();
    await b.call((side) => ['CLIENT', 'UNBLOCK', ids[side], 'ERROR']);
    await s.quiet();
    await a.call(['CLIENT', 'REPLY', 'ON']);
    await a.call(['LLEN', 'l']);
  });

  t.scenario('SKIP then ON sent as separate round trips', async (s) => {
    const a = await s.client('client');
    a.send(['CLIENT', 'REPLY', 'SKIP']);
    await s.quiet();
    await a.call(['CLIENT', 'REPLY', 'ON']);
    await a.call(['PING']);
  });
});
