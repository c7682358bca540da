/**
 * COMMAND and its subcommands, differential against redis-server 7.0: COMMAND INFO must match
 * Redis byte for byte for every command in our table (which also checks every group's specs),
 * COMMAND DOCS structurally (summaries are our own words) with every command's `arguments`
 * byte for byte, COMMAND LIST/COUNT against our own table, GETKEYS/GETKEYSANDFLAGS exactly. Key extraction
 * (src/server/keys.ts) is also checked against Redis's own key specs with random argv.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  deviates,
  diffSuite,
  runSteps,
  RawConnection,
  frameEnd,
  startRealRedis,
  redisServerAvailable,
  type RealRedis,
  type Step,
} from '../helpers/differential.js';
import { ALL_COMMANDS } from '../../src/commands/index.js';
import { INTROSPECTION_COMMANDS } from '../../src/commands/introspection.js';
import { CommandTable } from '../../src/server/command-table.js';
import { getKeysFromCommand, getKeysUsingKeySpecs } from '../../src/server/command-keys.js';
import type { CommandFlag, CommandSpec, KeySpec, KeySpecFlag } from '../../src/server/command-spec.js';
import { Server } from '../../src/server/server.js';
import { Client } from '../../src/server/client.js';
import { Config } from '../../src/server/config.js';
import { RespWriter } from '../../src/protocol/resp-writer.js';

// ---------------------------------------------------------------- a small RESP reader

interface Node {
  type: string;
  /** Simple/bulk/verbatim text, integer text, or null. */
  text: string | null;
  items: Node[] | null;
  raw: Buffer;
}

function parseAt(buf: Buffer, pos: number): { node: Node; end: number } {
  const end = frameEnd(buf, pos);
  assert.ok(end > 0, 'incomplete reply');
  const type = String.fromCharCode(buf[pos]);
  const cr = buf.indexOf('\r\n', pos);
  const head = buf.latin1Slice(pos + 1, cr);
  const raw = buf.subarray(pos, end);
  if ('*~>%'.includes(type) && Number(head) >= 0) {
    const n = Number(head) * (type === '%' ? 2 : 1);
    const items: Node[] = [];
    let p = cr + 2;
    for (let i = 0; i < n; i++) {
      const r = parseAt(buf, p);
      items.push(r.node);
      p = r.end;
    }
    return { node: { type, text: null, items, raw }, end };
  }
  if ((type === '$' || type === '=') && Number(head) >= 0) {
    const text = buf.latin1Slice(cr + 2, cr + 2 + Number(head));
    return { node: { type, text: type === '=' ? text.slice(4) : text, items: null, raw }, end };
  }
  if (type === '$' || type === '_' || type === '*') return { node: { type, text: null, items: null, raw }, end };
  return { node: { type, text: head, items: null, raw }, end };
}

function parse(buf: Buffer): Node {
  return parseAt(buf, 0).node;
}

/** A map reply (RESP3 map or RESP2 flat array) as [key, value] pairs. */
function pairs(n: Node): Array<[string, Node]> {
  const items = n.items ?? [];
  const out: Array<[string, Node]> = [];
  for (let i = 0; i < items.length; i += 2) out.push([items[i].text ?? '', items[i + 1]]);
  return out;
}

function strings(n: Node): string[] {
  return (n.items ?? []).map((i) => i.text ?? '');
}

async function withConnections<T>(
  ports: { redis: number; cinder: number },
  resp: 2 | 3,
  body: (r: RawConnection, c: RawConnection) => Promise<T>,
): Promise<T> {
  const [r, c] = await Promise.all([RawConnection.connect(ports.redis), RawConnection.connect(ports.cinder)]);
  try {
    if (resp === 3) await Promise.all([r.command(['HELLO', '3']), c.command(['HELLO', '3'])]);
    return await body(r, c);
  } finally {
    r.close();
    c.close();
  }
}

/** Full names our table knows, subcommands included. */
function ourFullNames(): string[] {
  const out: string[] = [];
  for (const spec of ALL_COMMANDS) {
    out.push(spec.name);
    for (const sub of spec.subcommands ?? []) out.push(`${spec.name}|${sub.name}`);
  }
  return out;
}

/** Subcommands that exist only in later Redis versions (Redis 7.0 answers null for them). */
const NEWER_THAN_7_0 = new Set(['client|setinfo']);

const RESPS: Array<2 | 3> = [2, 3];

// ---------------------------------------------------------------- COMMAND INFO

diffSuite('introspection: COMMAND INFO matches Redis for every command we have', (t) => {
  for (const spec of ALL_COMMANDS) {
    if (!spec.subcommands || spec.subcommands.length === 0) {
      t.case(`COMMAND INFO ${spec.name}`, [['COMMAND', 'INFO', spec.name]]);
      continue;
    }
    // A container: its own nine leading fields exactly, then each subcommand we have exactly
    // (Redis lists subcommands in hash order, and has some we do not).
    for (const resp of RESPS) {
      it(`COMMAND INFO ${spec.name} (container fields) [RESP${resp}]`, async () => {
        await withConnections(t.ports, resp, async (r, c) => {
          const [a, b] = await Promise.all([r.command(['COMMAND', 'INFO', spec.name]), c.command(['COMMAND', 'INFO', spec.name])]);
          const ra = parse(a).items![0].items!;
          const cb = parse(b).items![0].items!;
          for (let i = 0; i < 9; i++) assert.equal(cb[i].raw.latin1Slice(), ra[i].raw.latin1Slice(), `field ${i}`);
        });
      });
    }
    for (const sub of spec.subcommands) {
      const full = `${spec.name}|${sub.name}`;
      if (NEWER_THAN_7_0.has(full)) continue;
      t.case(`COMMAND INFO ${full}`, [['COMMAND', 'INFO', full]]);
    }
  }
  t.case('COMMAND INFO with several names, unknown ones and odd spellings', [
    ['COMMAND', 'INFO', 'GET', 'nosuch', 'get|x', 'client|list|x', 'CLIENT|LIST', 'Client|Id', '', '|', 'client|'],
  ]);
  // DEVIATION (deliberate): Cinder has CLIENT SETINFO (Redis 7.2) for the clients that send it;
  // Redis 7.0 answers a null entry for it.
  t.case('COMMAND INFO of a subcommand Redis 7.0 lacks is our only deliberate difference', [
    {
      argv: ['COMMAND', 'INFO', 'client|setinfo'],
      compare: deviates(
        { 2: '*1\r\n$-1\r\n', 3: '*1\r\n_\r\n' },
        {
          2: '*1\r\n*10\r\n$14\r\nclient|setinfo\r\n:4\r\n*3\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n',
          3: '*1\r\n*10\r\n$14\r\nclient|setinfo\r\n:4\r\n~3\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n~2\r\n+@slow\r\n+@connection\r\n~0\r\n~0\r\n~0\r\n',
        },
      ),
    },
  ]);
  for (const resp of RESPS) {
    it(`COMMAND equals COMMAND INFO for each entry [RESP${resp}]`, async () => {
      await withConnections(t.ports, resp, async (r, c) => {
        const all = parse(await c.command(['COMMAND']));
        assert.equal(all.items!.length, ALL_COMMANDS.length);
        const infoAll = parse(await c.command(['COMMAND', 'INFO']));
        assert.equal(infoAll.raw.latin1Slice(), all.raw.latin1Slice());
        for (const entry of all.items!) {
          const name = entry.items![0].text!;
          const expected = parse(await r.command(['COMMAND', 'INFO', name])).items![0];
          const leading = entry.items![9].items!.length > 0 ? 9 : 10;
          for (let i = 0; i < leading; i++) assert.equal(entry.items![i].raw.latin1Slice(), expected.items![i].raw.latin1Slice(), `${name} field ${i}`);
        }
      });
    });
  }
});

// ---------------------------------------------------------------- COUNT LIST HELP errors

diffSuite('introspection: COMMAND COUNT, LIST, HELP and errors', (t) => {
  t.case('COMMAND HELP', [['COMMAND', 'HELP'], ['command', 'help']]);
  t.case('arity and unknown subcommands', [
    ['COMMAND', 'COUNT', 'x'],
    ['COMMAND', 'HELP', 'x'],
    ['COMMAND', 'NOSUCH'],
    ['COMMAND', 'GETKEYS'],
    ['COMMAND', 'GETKEYS', 'get'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'get'],
  ]);
  t.case('COMMAND LIST syntax errors', [
    ['COMMAND', 'LIST', 'extra'],
    ['COMMAND', 'LIST', 'FILTERBY'],
    ['COMMAND', 'LIST', 'FILTERBY', 'aclcat'],
    ['COMMAND', 'LIST', 'FILTERBY', 'nosuch', 'x'],
    ['COMMAND', 'LIST', 'FILTERBY', 'pattern', 'a', 'b'],
    ['COMMAND', 'LIST', 'FILTERBY', 'pattern', 'x', 'FILTERBY', 'pattern', 'y'],
  ]);
  t.case('COMMAND LIST filters that match nothing', [
    ['COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'nosuch'],
    ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nosuch'],
    ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'zzz*'],
    ['COMMAND', 'DOCS', 'nosuch', 'get|x'],
  ]);
  for (const resp of RESPS) {
    it(`COMMAND COUNT and LIST describe our table [RESP${resp}]`, async () => {
      await withConnections(t.ports, resp, async (_r, c) => {
        assert.equal((await c.command(['COMMAND', 'COUNT'])).latin1Slice(), `:${ALL_COMMANDS.length}\r\n`);
        const listed = strings(parse(await c.command(['COMMAND', 'LIST'])));
        assert.deepEqual([...listed].sort(), ourFullNames().sort());
      });
    });
    it(`COMMAND LIST FILTERBY selects what Redis selects, among our commands [RESP${resp}]`, async () => {
      const ours = new Set(ourFullNames());
      const filters = [
        ['ACLCAT', 'connection'],
        ['ACLCAT', 'SLOW'],
        ['aclcat', 'read'],
        ['ACLCAT', 'keyspace'],
        ['ACLCAT', 'dangerous'],
        ['PATTERN', 'client*'],
        ['PATTERN', 'C?IENT|*'],
        ['pattern', '*|help'],
        ['PATTERN', 'GET'],
        ['PATTERN', '*e*'],
      ];
      await withConnections(t.ports, resp, async (r, c) => {
        for (const [type, arg] of filters) {
          const argv = ['COMMAND', 'LIST', 'FILTERBY', type, arg];
          const expected = strings(parse(await r.command(argv))).filter((n) => ours.has(n) && !NEWER_THAN_7_0.has(n));
          const actual = strings(parse(await c.command(argv))).filter((n) => !NEWER_THAN_7_0.has(n));
          assert.deepEqual([...actual].sort(), [...expected].sort(), `${type} ${arg}`);
        }
      });
    });
  }
});

// ---------------------------------------------------------------- DOCS

/*
 * CommandSpec has no place for deprecation (doc_flags, deprecated_since, replaced_by); a spec can
 * carry them through CommandDocExtras (`withDocs` in src/commands/connection.ts). A command whose
 * docs differ from Redis's fails its case below (a known difference would be a deviation test).
 */

diffSuite('introspection: COMMAND DOCS', (t) => {
  /**
   * Compares one command's docs map: same fields, same values, except summary and complexity (our own words)
   * and history (optional in our specs; when present, same versions). Arguments are compared byte for byte
   * by the next suite.
   */
  function compareDocs(name: string, expected: Node, actual: Node): void {
    const e = new Map(pairs(expected));
    const a = new Map(pairs(actual));
    const expectedKeys = [...e.keys()].filter((k) => k !== 'history' || a.has('history'));
    assert.deepEqual([...a.keys()], expectedKeys, `${name}: fields`);
    // Summaries and complexity texts are documentation in our own words: only present or not.
    for (const key of ['since', 'group', 'deprecated_since', 'replaced_by']) {
      if (e.has(key)) assert.equal(a.get(key)!.raw.latin1Slice(), e.get(key)!.raw.latin1Slice(), `${name}: ${key}`);
    }
    if (e.has('doc_flags')) assert.equal(a.get('doc_flags')!.raw.latin1Slice(), e.get('doc_flags')!.raw.latin1Slice());
    if (e.has('history') && a.has('history')) {
      const versions = (n: Node) => n.items!.map((h) => h.items![0].text);
      assert.deepEqual(versions(a.get('history')!), versions(e.get('history')!), `${name}: history versions`);
    }
    if (e.has('subcommands')) {
      const subs = new Map(pairs(e.get('subcommands')!));
      for (const [sub, docs] of pairs(a.get('subcommands')!)) {
        if (NEWER_THAN_7_0.has(sub)) continue;
        assert.ok(subs.has(sub), `${sub} unknown to Redis`);
        compareDocs(sub, subs.get(sub)!, docs);
      }
    }
  }
  for (const resp of RESPS) {
    it(`COMMAND DOCS lists the named commands, or all [RESP${resp}]`, async () => {
      await withConnections(t.ports, resp, async (_r, c) => {
        const names = ALL_COMMANDS.map((s) => s.name);
        const actual = pairs(parse(await c.command(['COMMAND', 'DOCS', ...names, 'nosuch'])));
        assert.deepEqual(
          actual.map(([n]) => n),
          names,
        );
        const everything = pairs(parse(await c.command(['COMMAND', 'DOCS'])));
        assert.deepEqual(
          everything.map(([n]) => n),
          names,
        );
      });
    });
    for (const spec of ALL_COMMANDS) {
      it(`COMMAND DOCS ${spec.name} [RESP${resp}]`, async () => {
        await withConnections(t.ports, resp, async (r, c) => {
          const expected = pairs(parse(await r.command(['COMMAND', 'DOCS', spec.name])));
          const actual = pairs(parse(await c.command(['COMMAND', 'DOCS', spec.name])));
          assert.equal(actual.length, 1);
          compareDocs(spec.name, expected[0][1], actual[0][1]);
        });
      });
    }
    it(`COMMAND DOCS of subcommands by full name [RESP${resp}]`, async () => {
      await withConnections(t.ports, resp, async (r, c) => {
        const names = ourFullNames().filter((n) => n.includes('|') && !NEWER_THAN_7_0.has(n));
        const expected = new Map(pairs(parse(await r.command(['COMMAND', 'DOCS', ...names]))));
        const actual = pairs(parse(await c.command(['COMMAND', 'DOCS', ...names])));
        assert.deepEqual(
          actual.map(([n]) => n),
          names,
        );
        for (const [name, docs] of actual) compareDocs(name, expected.get(name)!, docs);
      });
    });
  }
});

// ---------------------------------------------------------------- DOCS arguments

/** The raw `arguments` entry of a one-command COMMAND DOCS reply, or '' when the command has none. */
function argumentsOf(reply: Buffer): string {
  const entries = pairs(parse(reply));
  if (entries.length !== 1) return `<${entries.length} entries>`;
  const field = pairs(entries[0][1]).find(([key]) => key === 'arguments');
  return field === undefined ? '' : field[1].raw.latin1Slice();
}

/**
 * CLIENT SETINFO is Redis 7.2's: its arguments as 7.2 documents them (client-setinfo.json, whose
 * tokens are lower case), encoded in the given protocol.
 */
function setinfoArguments(resp: 2 | 3): string {
  const map = (n: number) => (resp === 3 ? `%${n}\r\n` : `*${n * 2}\r\n`);
  const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;
  const stringArg = (name: string, token: string) =>
    map(3) + bulk('name') + bulk(name) + bulk('type') + bulk('string') + bulk('token') + bulk(token);
  return (
    '*1\r\n' +
    map(3) +
    bulk('name') +
    bulk('attr') +
    bulk('type') +
    bulk('oneof') +
    bulk('arguments') +
    '*2\r\n' +
    stringArg('libname', 'lib-name') +
    stringArg('libver', 'lib-ver')
  );
}

/** Arguments of the commands Redis 7.0 lacks (NEWER_THAN_7_0), as the version that has them documents them. */
const NEWER_ARGUMENTS: Record<string, ((resp: 2 | 3) => string) | undefined> = { 'client|setinfo': setinfoArguments };

diffSuite('introspection: COMMAND DOCS arguments', (t) => {
  it('every command newer than Redis 7.0 has its arguments written down here', () => {
    for (const name of NEWER_THAN_7_0) assert.ok(NEWER_ARGUMENTS[name], name);
  });
  for (const resp of RESPS) {
    it(`every command's arguments match Redis byte for byte [RESP${resp}]`, async () => {
      await withConnections(t.ports, resp, async (r, c) => {
        const names = strings(parse(await c.command(['COMMAND', 'LIST'])));
        assert.ok(names.length > 200, 'COMMAND LIST covers the table');
        const differences: string[] = [];
        for (const name of names) {
          const actual = argumentsOf(await c.command(['COMMAND', 'DOCS', name]));
          const newer = NEWER_ARGUMENTS[name];
          const expected = newer !== undefined ? newer(resp) : argumentsOf(await r.command(['COMMAND', 'DOCS', name]));
          if (actual !== expected) differences.push(`${name}\n  redis:  ${JSON.stringify(expected)}\n  cinder: ${JSON.stringify(actual)}`);
        }
        assert.deepEqual(differences, []);
      });
    });
  }
});

// ---------------------------------------------------------------- GETKEYS

/** Registers cases that need commands of other groups only when Cinder has them. */
function whenCommands(names: string[], register: () => void): void {
  const have = new Set(ALL_COMMANDS.map((s) => s.name));
  if (names.every((n) => have.has(n))) register();
}

diffSuite('introspection: COMMAND GETKEYS and GETKEYSANDFLAGS', (t) => {
  const both = (...argv: string[]): Step[] => [
    ['COMMAND', 'GETKEYS', ...argv],
    ['COMMAND', 'GETKEYSANDFLAGS', ...argv],
  ];
  t.case('errors', [
    ...both('nosuch', 'a'),
    ...both('ping', 'x'),
    ...both('client', 'list'),
    ...both('client', 'nosuch'),
    ...both('memory', 'nosuch'),
    ...both('memory', 'usage'),
    ...both('echo', 'a', 'b'),
  ]);
  t.case('subcommand keys', [...both('memory', 'usage', 'k'), ...both('MEMORY', 'USAGE', 'k', 'SAMPLES', '5')]);
  whenCommands(['get', 'mget', 'mset', 'getex', 'getdel'], () => {
    t.case('string commands', [
      ...both('get', 'a'),
      ...both('GET', 'a', 'b'),
      ...both('mget', 'a', 'b', 'c'),
      ...both('mset', 'a', '1', 'b', '2'),
      ...both('mset', 'a', '1', 'b'),
      ...both('getex', 'a', 'EX', '10'),
      ...both('getdel', 'a'),
    ]);
  });
  whenCommands(['del', 'exists', 'rename', 'copy', 'object', 'touch', 'expire'], () => {
    t.case('keyspace commands', [
      ...both('del', 'a', 'b', 'a'),
      ...both('exists', 'a'),
      ...both('rename', 'a', 'b'),
      ...both('copy', 'a', 'b', 'DB', '1', 'REPLACE'),
      ...both('object', 'encoding', 'a'),
      ...both('touch', 'a', 'b'),
      ...both('expire', 'a', '10'),
    ]);
  });
  whenCommands(['set'], () => {
    // SET's key spec has VARIABLE_FLAGS: Redis asks setGetKeys, which flags the key OW+update, or
    // RW+access+update with GET. Until SET's spec carries getKeysAndFlags, the spec's flags show.
    for (const resp of RESPS) {
      it(`SET flags depend on GET [RESP${resp}]`, () =>
        runSteps(t.ports, [...both('set', 'a', 'b'), ...both('set', 'a', 'b', 'GET')], resp),
      );
    }
  });
  whenCommands(['keys', 'scan', 'dbsize'], () => {
    t.case('commands without keys', [...both('keys', '*'), ...both('scan', '0'), ...both('dbsize')]);
  });
});

// ---------------------------------------------------------------- keys.ts against Redis's own key specs

/** Converts a key spec from Redis's COMMAND INFO (RESP3) into our KeySpec. */
function keySpecFromReply(n: Node): KeySpec {
  const m = new Map(pairs(n));
  const flags = strings(m.get('flags')!).map((f) => f.toUpperCase() as KeySpecFlag);
  const bs = new Map(pairs(m.get('begin_search')!));
  const bsSpec = new Map(pairs(bs.get('spec')!));
  const fk = new Map(pairs(m.get('find_keys')!));
  const fkSpec = new Map(pairs(fk.get('spec')!));
  const num = (map: Map<string, Node>, k: string) => Number(map.get(k)!.text);
  const beginType = bs.get('type')!.text;
  const begin =
    beginType === 'index'
      ? { index: num(bsSpec, 'index') }
      : beginType === 'keyword'
        ? { keyword: bsSpec.get('keyword')!.text!, startfrom: num(bsSpec, 'startfrom') }
        : { unknown: true as const };
  const findType = fk.get('type')!.text;
  const find =
    findType === 'range'
      ? { range: { lastkey: num(fkSpec, 'lastkey'), step: num(fkSpec, 'keystep'), limit: num(fkSpec, 'limit') } }
      : findType === 'keynum'
        ? { keynum: { keynumidx: num(fkSpec, 'keynumidx'), firstkey: num(fkSpec, 'firstkey'), step: num(fkSpec, 'keystep') } }
        : { unknown: true as const };
  return { flags, begin, find };
}

/**
 * Commands whose Redis key specs are complete and reliable (no INCOMPLETE, VARIABLE_FLAGS or unknown
 * search), so Redis answers GETKEYS from the specs alone for well-formed counts.
 */
const SPEC_COMMANDS = [
  'zunionstore',
  'zinterstore',
  'zdiffstore',
  'zunion',
  'zdiff',
  'xread',
  'georadius',
  'georadiusbymember',
  'lmpop',
  'zmpop',
  'sintercard',
  'eval',
  'fcall',
  'mset',
  'msetnx',
  'mget',
  'del',
  'rename',
  'lmove',
  'smove',
  'bitop',
  'pfmerge',
  'sunionstore',
  'xadd',
  'hset',
  'getex',
];

describe('keys: getKeysUsingKeySpecs on hand-made specs', () => {
  const spec = (name: string, arity: number, keys: KeySpec[], flags: CommandFlag[] = []): CommandSpec => ({
    name,
    summary: '',
    since: '1.0.0',
    group: 'generic',
    arity,
    flags,
    keys,
    handler: () => {},
  });
  const table = new CommandTable([
    spec('range1', -2, [{ flags: ['RO'], begin: { index: 1 }, find: { range: { lastkey: -1, step: 1, limit: 0 } } }]),
    spec('pairs', -3, [{ flags: ['OW'], begin: { index: 1 }, find: { range: { lastkey: -1, step: 2, limit: 0 } } }]),
    spec('streams', -4, [{ flags: ['RO'], begin: { keyword: 'STREAMS', startfrom: 1 }, find: { range: { lastkey: -1, step: 1, limit: 2 } } }]),
    spec('backward', -4, [{ flags: ['RW'], begin: { keyword: 'KEYS', startfrom: -2 }, find: { range: { lastkey: -1, step: 1, limit: 0 } } }]),
    spec('numkeys', -3, [{ flags: ['RO'], begin: { index: 1 }, find: { keynum: { keynumidx: 0, firstkey: 1, step: 1 } } }]),
    spec('partial', -2, [
      { flags: ['RO', 'INCOMPLETE'], begin: { index: 1 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
    ]),
    spec('fake', -2, [{ flags: ['NOT_KEY'], begin: { index: 1 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } }]),
    spec('unknown', -2, [{ flags: ['RW'], begin: { unknown: true }, find: { unknown: true } }]),
  ]);
  const keys = (argv: string[], opts = {}) => getKeysUsingKeySpecs(table.lookup(argv[0])!, argv, opts)?.map((k) => argv[k.pos]) ?? null;

  it('ranges, steps and limits', () => {
    assert.deepEqual(keys(['range1', 'a', 'b', 'c']), ['a', 'b', 'c']);
    assert.deepEqual(keys(['pairs', 'a', '1', 'b', '2']), ['a', 'b']);
    assert.deepEqual(keys(['streams', 'COUNT', '1', 'streams', 'a', 'b', '0', '0']), ['a', 'b']);
    // An odd count after STREAMS: the limit divides what is there.
    assert.deepEqual(keys(['streams', 'STREAMS', 'a', 'b', '0']), ['a']);
  });
  it('keyword search, forwards and backwards', () => {
    assert.deepEqual(keys(['backward', 'x', 'y', 'KEYS', 'a', 'b']), ['a', 'b']);
    // The last argument is never taken for the keyword (a key must follow it).
    assert.deepEqual(keys(['backward', 'x', 'y', 'z', 'KEYS']), []);
    assert.deepEqual(keys(['streams', 'a', 'b', 'c']), []);
  });
  it('key counts', () => {
    assert.deepEqual(keys(['numkeys', '2', 'a', 'b', 'c']), ['a', 'b']);
    assert.equal(keys(['numkeys', 'x', 'a']), null);
    assert.equal(keys(['numkeys', '-1', 'a']), null);
    assert.equal(keys(['numkeys', '3', 'a']), null);
    assert.equal(keys(['numkeys', '0', 'a']), null);
    assert.deepEqual(keys(['numkeys', 'x', 'a'], { returnPartial: true }), []);
  });
  it('a getKeysAndFlags extractor answers for VARIABLE_FLAGS specs', () => {
    const setLike = spec('setlike', -3, [
      { flags: ['RW', 'ACCESS', 'UPDATE', 'VARIABLE_FLAGS'], begin: { index: 1 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
    ]);
    const withoutExtractor = new CommandTable([setLike]).lookup('setlike')!;
    assert.deepEqual(getKeysFromCommand(withoutExtractor, ['setlike', 'k', 'v']), [{ pos: 1, flags: setLike.keys![0].flags }]);
    const getKeysAndFlags = (argv: readonly string[]) => [
      { pos: 1, flags: (argv.length > 3 ? ['RW', 'ACCESS', 'UPDATE'] : ['OW', 'UPDATE']) as KeySpecFlag[] },
    ];
    const cmd = new CommandTable([Object.assign({ ...setLike }, { getKeysAndFlags })]).lookup('setlike')!;
    assert.deepEqual(getKeysFromCommand(cmd, ['setlike', 'k', 'v'])[0].flags, ['OW', 'UPDATE']);
    assert.deepEqual(getKeysFromCommand(cmd, ['setlike', 'k', 'v', 'GET'])[0].flags, ['RW', 'ACCESS', 'UPDATE']);
  });
  it('incomplete, fake and unknown specs', () => {
    assert.equal(keys(['partial', 'a']), null);
    assert.deepEqual(keys(['partial', 'a'], { returnPartial: true }), ['a']);
    assert.deepEqual(keys(['fake', 'a']), []);
    assert.deepEqual(keys(['fake', 'a'], { includeNotKeys: true }), ['a']);
    assert.equal(keys(['unknown', 'a']), null);
    assert.deepEqual(getKeysFromCommand(table.lookup('unknown')!, ['unknown', 'a']), []);
  });
});

describe('keys: key specs taken from Redis give Redis GETKEYSANDFLAGS answers', { skip: !redisServerAvailable && 'redis-server not installed' }, () => {
  let redis: RealRedis;
  let conn: RawConnection;
  let server: Server;
  let writer: RespWriter;
  let client: Client;
  const arities = new Map<string, number>();

  before(async () => {
    redis = await startRealRedis();
    conn = await RawConnection.connect(redis.port);
    await conn.command(['HELLO', '3']);
    const info = parse(await conn.command(['COMMAND', 'INFO', ...SPEC_COMMANDS]));
    const specs: CommandSpec[] = [];
    for (const entry of info.items!) {
      const f = entry.items!;
      const name = f[0].text!;
      const arity = Number(f[1].text);
      arities.set(name, arity);
      const flags = strings(f[2]).filter((x) => x === 'no_mandatory_keys') as CommandFlag[];
      specs.push({
        name,
        summary: '',
        since: '1.0.0',
        group: 'generic',
        arity,
        flags,
        keys: f[8].items!.map(keySpecFromReply),
        handler: () => {},
      });
    }
    server = new Server(new Config(), [...specs, ...INTROSPECTION_COMMANDS]);
    writer = new RespWriter();
    writer.resp = 3;
    client = new Client(server, writer, 'normal');
  });
  after(async () => {
    conn?.close();
    await redis?.stop();
  });

  const token = fc.oneof(
    fc.constantFrom('a', 'b', 'k1', 'k2', 'STREAMS', 'streams', 'STORE', 'STOREDIST', 'COUNT', 'LEFT', 'WITHSCORES', 'AND'),
    fc.integer({ min: -1, max: 4 }).map(String),
    fc.constantFrom('x', '0', '1', '2'),
  );

  it('random argv for commands answered from key specs', async () => {
    const command = fc.constantFrom(...SPEC_COMMANDS).chain((name) => {
      const arity = arities.get(name)!;
      const min = Math.abs(arity) - 1;
      const args = fc.array(token, { minLength: min, maxLength: arity > 0 ? min : min + 6 });
      return fc.tuple(fc.constant(name), args);
    });
    await fc.assert(
      fc.asyncProperty(command, async ([name, args]) => {
        const argv = [name, ...args];
        for (const sub of ['GETKEYS', 'GETKEYSANDFLAGS']) {
          const request = ['COMMAND', sub, ...argv];
          const expected = await conn.command(request);
          writer.discard();
          server.processCommand(client, request);
          const actual = writer.buf.subarray(0, writer.pos).latin1Slice();
          assert.equal(actual, expected.latin1Slice(), JSON.stringify(request));
        }
      }),
      { numRuns: 300 },
    );
  });
});
