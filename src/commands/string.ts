import type { CommandSpec } from './spec.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { isString } from '../engine/values.js';
import { toStoredString } from '../engine/types/string.js';

// GET key
function getCommand(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) return c.reply.nullBulk();
  if (!isString(v)) throw new CommandError(Errors.wrongType);
  c.reply.bulk(v);
}

// SET key value
function setCommand(c: Client, argv: string[]): void {
  if (argv.length !== 3) throw new CommandError(Errors.syntax);
  c.db.set(argv[1], toStoredString(argv[2]));
  c.server.dirty++;
  c.reply.ok();
}

export const STRING_COMMANDS: CommandSpec[] = [
  {
    name: 'get',
    summary: 'Returns the string value of a key.',
    since: '1.0.0',
    group: 'string',
    complexity: 'O(1)',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['string'],
    keys: [{ flags: ['RO', 'ACCESS'], begin: { index: 1 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } }],
    handler: getCommand,
  },
  {
    name: 'set',
    summary: 'Sets the string value of a key, with optional condition, expiry and old-value return.',
    since: '1.0.0',
    group: 'string',
    complexity: 'O(1)',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['string'],
    keys: [
      {
        notes: 'RW and ACCESS due to the optional `GET` argument',
        flags: ['RW', 'ACCESS', 'UPDATE', 'VARIABLE_FLAGS'],
        begin: { index: 1 },
        find: { range: { lastkey: 0, step: 1, limit: 0 } },
      },
    ],
    handler: setCommand,
  },
];
