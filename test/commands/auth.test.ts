/**
 * AUTH (one and two arguments), HELLO AUTH / SETNAME, requirepass (config and CONFIG SET) as the
 * default user's password, -NOAUTH before authenticating, CLIENT LIST user= and CLIENT KILL USER,
 * and the clients Redis disconnects when their user is deleted or loses channels: differential
 * against redis-server 7.0, RESP2 and RESP3.
 */
import assert from 'node:assert/strict';
import { scenarioSuite, type PairedClient, type Scenario } from '../helpers/scenario.js';
import { clientFields, CLIENT_VOLATILE_FIELDS, helloReply, type Compare } from '../helpers/differential.js';
import { aclReply, resetAcl } from '../helpers/acl.js';

const RESPS = [2, 3] as const;

function eachResp(
  t: { scenario(name: string, body: (s: Scenario) => Promise<void>): void },
  name: string,
  body: (s: Scenario, admin: PairedClient, resp: 2 | 3) => Promise<void>,
): void {
  for (const resp of RESPS) {
    t.scenario(`${name} [RESP${resp}]`, async (s) => {
      const admin = await s.client('admin', { hello3: resp === 3 });
      await resetAcl(admin);
      try {
        await body(s, admin, resp);
      } finally {
        // The admin may have been logged out by the case: a fresh connection restores the state.
        const again = await s.client('restore');
        await again.call(['AUTH', 'default', 'adminpw'], 'ignore');
        await resetAcl(again);
      }
    });
  }
}

async function run(c: PairedClient, steps: Array<string[] | { argv: string[]; compare: Compare }>): Promise<void> {
  for (const step of steps) {
    if (Array.isArray(step)) await c.call(step, aclReply);
    else await c.call(step.argv, step.compare);
  }
}

const clientLine: Compare = clientFields({ ...CLIENT_VOLATILE_FIELDS, 'argv-mem': /^\d+$/ });

/** Both connections of `c` were closed by their servers. */
async function assertClosed(s: Scenario, c: PairedClient): Promise<void> {
  await s.sleep(100);
  assert.equal(c.redis.closed, true, `${c.name}: redis closed the connection`);
  assert.equal(c.cinder.closed, true, `${c.name}: cinder closed the connection`);
}

scenarioSuite('auth: AUTH, HELLO and requirepass', (t) => {
  eachResp(t, 'AUTH and HELLO with the default user on nopass', async (s, a, resp) => {
    await run(a, [
      ['AUTH', 'x'],
      ['AUTH', 'default', 'anything'],
      ['AUTH', 'nobody', 'x'],
      ['AUTH', 'a', 'b', 'c'],
      ['AUTH'],
      { argv: ['HELLO', String(resp), 'AUTH', 'default', 'x'], compare: helloReply },
      { argv: ['HELLO', String(resp), 'AUTH', 'nobody', 'x', 'SETNAME', 'n1'], compare: 'exact' },
      ['CLIENT', 'GETNAME'],
      { argv: ['HELLO', String(resp), 'SETNAME', 'n2', 'BADOPT'], compare: 'exact' },
      ['CLIENT', 'GETNAME'],
      { argv: ['HELLO', String(resp), 'SETNAME', 'bad name'], compare: 'exact' },
      ['HELLO', String(resp), 'AUTH', 'default'],
      ['ACL', 'WHOAMI'],
    ]);
    const fresh = await s.client('fresh', { hello3: resp === 3 });
    await run(fresh, [['ACL', 'WHOAMI'], { argv: ['CLIENT', 'INFO'], compare: clientLine }]);
  });

  eachResp(t, 'requirepass: NOAUTH until AUTH; the no_auth commands run before it', async (s, a, resp) => {
    await run(a, [['CONFIG', 'SET', 'requirepass', 'adminpw'], ['CONFIG', 'GET', 'requirepass'], ['ACL', 'LIST'], ['PING']]);
    const u = await s.client('unauthenticated');
    await run(u, [
      ['GET', 'x'],
      ['NOSUCH'],
      ['PING'],
      ['CONFIG', 'GET', 'requirepass'],
      ['HELLO', String(resp)],
      ['HELLO'],
      ['MULTI'],
      ['AUTH', 'wrong'],
      ['AUTH', 'default', 'wrong'],
      ['ACL', 'WHOAMI'],
      ['AUTH', 'adminpw'],
      ['ACL', 'WHOAMI'],
    ]);
    const h = await s.client('hello');
    await run(h, [['HELLO', String(resp), 'AUTH', 'default', 'bad'], { argv: ['HELLO', String(resp), 'AUTH', 'default', 'adminpw', 'SETNAME', 'h'], compare: helloReply }, ['CLIENT', 'GETNAME']]);
    const q = await s.client('quit');
    await run(q, [['QUIT']]);
    await assertClosed(s, q);
    // A password set later leaves the clients already in as they were.
    await run(u, [['CONFIG', 'SET', 'requirepass', 'other'], ['GET', 'x'], ['AUTH', 'adminpw']]);
    // The default user on nopass again: no one needs to authenticate, though HELLO still asks.
    const v = await s.client('before');
    await run(a, [['AUTH', 'other'], ['CONFIG', 'SET', 'requirepass', ''], ['ACL', 'LIST']]);
    await run(v, [['GET', 'x'], ['HELLO', String(resp)]]);
    await run(a, [['ACL', 'LOG']]);
  });

  eachResp(t, 'ACL users log in; a disabled user or the default without password cannot', async (s, a, resp) => {
    await run(a, [
      ['ACL', 'SETUSER', 'alice', 'on', '>pw1', '>pw2', '+@all', '~*'],
      ['ACL', 'SETUSER', 'bob', 'off', 'nopass', '+@all'],
      ['ACL', 'SETUSER', 'carol', 'on', 'nopass', '+acl|whoami'],
    ]);
    const u = await s.client('user', { hello3: resp === 3 });
    await run(u, [
      ['AUTH', 'alice', 'pw3'],
      ['AUTH', 'alice', 'pw2'],
      ['ACL', 'WHOAMI'],
      ['AUTH', 'bob', ''],
      ['AUTH', 'carol', 'whatever'],
      ['ACL', 'WHOAMI'],
      ['GET', 'x'],
      // RESET logs the client out: back to the default user.
      ['AUTH', 'alice', 'pw1'],
      ['RESET'],
      ['ACL', 'WHOAMI'],
    ]);
    // The default user without password and not nopass: nobody can be it.
    await run(a, [['ACL', 'SETUSER', 'default', 'resetpass']]);
    const locked = await s.client('locked');
    await run(locked, [['GET', 'x'], ['AUTH', 'x'], ['AUTH', 'default', '']]);
    await run(u, [['AUTH', 'alice', 'pw1'], ['ACL', 'SETUSER', 'default', 'nopass']]);
    await run(locked, [['GET', 'x']]);
  });
});

scenarioSuite('auth: clients and their users', (t) => {
  eachResp(t, 'CLIENT LIST user= and CLIENT KILL USER', async (s, a, resp) => {
    await run(a, [['ACL', 'SETUSER', 'dave', 'on', '>pw', '+@all', '~*']]);
    const d1 = await s.client('d1', { hello3: resp === 3 });
    const d2 = await s.client('d2', { hello3: resp === 3 });
    await run(d1, [['AUTH', 'dave', 'pw'], { argv: ['CLIENT', 'INFO'], compare: clientLine }]);
    await run(d2, [['AUTH', 'dave', 'pw']]);
    await run(a, [['CLIENT', 'KILL', 'USER', 'nobody'], ['CLIENT', 'KILL', 'USER', 'dave'], ['CLIENT', 'KILL', 'USER', 'dave']]);
    await assertClosed(s, d1);
    await assertClosed(s, d2);
  });

  eachResp(t, "deleting a user disconnects its clients (the deleting one after its reply)", async (s, a, resp) => {
    await run(a, [['ACL', 'SETUSER', 'erin', 'on', '>pw', '+@all', '~*']]);
    const e1 = await s.client('e1', { hello3: resp === 3 });
    const e2 = await s.client('e2', { hello3: resp === 3 });
    await run(e1, [['AUTH', 'erin', 'pw']]);
    await run(e2, [['AUTH', 'erin', 'pw'], ['ACL', 'DELUSER', 'erin']]);
    await assertClosed(s, e1);
    await assertClosed(s, e2);
    await run(a, [['ACL', 'USERS']]);
    // Changing a user's rules keeps its clients.
    await run(a, [['ACL', 'SETUSER', 'erin', 'on', '>pw', '+@all', '~*']]);
    const e3 = await s.client('e3', { hello3: resp === 3 });
    await run(e3, [['AUTH', 'erin', 'pw']]);
    await run(a, [['ACL', 'SETUSER', 'erin', '-@all', 'resetpass', 'off']]);
    await run(e3, [['GET', 'x'], ['ACL', 'WHOAMI']]);
  });

  eachResp(t, 'subscribers that lose a channel are disconnected', async (s, a, resp) => {
    await run(a, [['ACL', 'SETUSER', 'fay', 'on', '>pw', '+@all', '~*', 'allchannels']]);
    const f1 = await s.client('f1', { hello3: resp === 3 });
    const f2 = await s.client('f2', { hello3: resp === 3 });
    const f3 = await s.client('f3', { hello3: resp === 3 });
    await run(f1, [['AUTH', 'fay', 'pw'], ['SUBSCRIBE', 'foo']]);
    await run(f2, [['AUTH', 'fay', 'pw'], ['PSUBSCRIBE', 'g*']]);
    await run(f3, [['AUTH', 'fay', 'pw'], ['GET', 'x']]);
    // From all channels to some: every subscriber is checked; foo stays allowed.
    await run(a, [['ACL', 'SETUSER', 'fay', 'resetchannels', '&f*', '&g*']]);
    await run(f1, [['PING']]);
    await run(f2, [['PING']]);
    // A superset of the channels: nothing to check.
    await run(a, [['ACL', 'SETUSER', 'fay', '&h*']]);
    await run(f1, [['PING']]);
    // g* is no longer a listed pattern: the pattern subscriber goes; foo still matches f*.
    await run(a, [['ACL', 'SETUSER', 'fay', 'resetchannels', '&f*', '&gx']]);
    await assertClosed(s, f2);
    await run(f1, [['PING']]);
    await run(a, [['ACL', 'SETUSER', 'fay', 'resetchannels']]);
    await assertClosed(s, f1);
    await run(f3, [['PING']]);
  });
});
