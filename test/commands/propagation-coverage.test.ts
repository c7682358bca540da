/**
 * Every command the table marks `write` or `may_replicate` has a propagation case compared with
 * a real Redis replica stream (test/commands/propagation*.test.ts): the table drives the check, so
 * a new write command without one fails here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_COMMANDS } from '../../src/commands/index.js';
import { CommandTable, type Command } from '../../src/server/command-table.js';

/** The test sources (this file runs from dist/test/commands). */
const TEST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/commands');

function propagationSources(): string {
  return fs
    .readdirSync(TEST_DIR)
    .filter((f) => f.startsWith('propagation') && f.endsWith('.test.ts') && f !== 'propagation-coverage.test.ts')
    .map((f) => fs.readFileSync(path.join(TEST_DIR, f), 'utf8'))
    .join('\n');
}

/** An argv literal starting with the command (and subcommand) name, any case. */
function exercised(source: string, cmd: Command): boolean {
  const words = cmd.parent === null ? [cmd.name] : [cmd.parent.name, cmd.name];
  const pattern = words.map((w) => `'${w.replace(/[|\\]/g, '\\$&')}'`).join('\\s*,\\s*');
  return new RegExp(`\\[\\s*${pattern}`, 'i').test(source);
}

describe('propagation coverage', () => {
  it('every write and may_replicate command of the table has a propagation case', { skip: !fs.existsSync(TEST_DIR) && 'test sources not present' }, () => {
    const source = propagationSources();
    const table = new CommandTable(ALL_COMMANDS);
    const missing: string[] = [];
    for (const top of table.all) {
      const commands = top.subcommands === null ? [top] : [...top.subcommands.values()];
      for (const cmd of commands) {
        if (!cmd.isWrite && !cmd.mayReplicate) continue;
        if (!exercised(source, cmd)) missing.push(cmd.fullName);
      }
    }
    assert.deepEqual(missing, [], `write commands without a propagation case: ${missing.join(' ')}`);
  });
});
