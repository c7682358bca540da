/**
 * The ACL module's own invariants (src/server/acl): the key plans the permission check walks for
 * simple commands find exactly the keys the general key finder finds, for every command of the
 * table; passwords hash as Redis hashes them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Acl } from '../../src/server/acl/acl.js';
import { hashPassword } from '../../src/server/acl/user.js';
import { CommandTable, type Command } from '../../src/server/command-table.js';
import { Config } from '../../src/server/config.js';
import { ALL_COMMANDS } from '../../src/commands/index.js';

describe('acl', () => {
  it('key plans agree with the key finder for every command with one', () => {
    const table = new CommandTable(ALL_COMMANDS);
    const planned = new Acl(table, new Config());
    const general = new Acl(table, new Config());
    general.commands.keyPlans.fill(null);
    const rules = ['on', '%R~r*', '%W~w*', '~rw*', '+@all'];
    assert.equal(planned.setUser('u', rules), null);
    assert.equal(general.setUser('u', rules), null);
    const withPlans: Command[] = planned.commands.all.filter((_, id) => planned.commands.keyPlans[id] !== null && planned.commands.hasKeys[id] !== 0);
    assert.ok(withPlans.length > 100, `${withPlans.length} commands with key plans`);
    const arg = fc.constantFrom('r1', 'w1', 'rw1', 'x', '0', '1', '2', '-1');
    fc.assert(
      fc.property(fc.constantFrom(...withPlans), fc.array(arg, { maxLength: 7 }), (cmd, args) => {
        const argv = cmd.parent !== null ? [cmd.parent.name, cmd.name, ...args] : [cmd.name, ...args];
        const a = planned.check(planned.users.get('u')!, cmd, argv);
        const [ra, pa] = [a.result, a.pos];
        const b = general.check(general.users.get('u')!, cmd, argv);
        assert.deepEqual([ra, pa], [b.result, b.pos], JSON.stringify(argv));
      }),
      { numRuns: 3000, seed: 6001 },
    );
  });

  it('passwords are the hex SHA-256 of their bytes', () => {
    assert.equal(hashPassword('a'), 'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb');
    // A byte above 127 is hashed as that one byte (Redis 7.0.15 stores this hash for `>\xe9`).
    assert.equal(hashPassword('\xe9'), 'de2e331d891ae267a7009cb45b4e8830f170e0c937288ea2731a1941c7a53b0d');
  });
});
