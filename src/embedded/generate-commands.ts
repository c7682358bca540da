/**
 * Writes src/embedded/commands.generated.ts from the command table (npm run generate). Run it
 * after adding or changing a command; test/unit/typed-commands.test.ts fails until it is run.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ALL_COMMANDS } from '../commands/index.js';
import { generateCommandsSource } from './command-methods.js';

const target = fileURLToPath(new URL('../../../src/embedded/commands.generated.ts', import.meta.url));
fs.writeFileSync(target, generateCommandsSource(ALL_COMMANDS));
console.log(`wrote ${target}`);
