import type { CommandSpec } from './spec.js';
import { CONNECTION_COMMANDS } from './connection.js';
import { STRING_COMMANDS } from './string.js';
import { GENERIC_COMMANDS } from './generic.js';

/** Every command group's table, in the order COMMAND lists them. */
export const ALL_COMMANDS: CommandSpec[] = [...CONNECTION_COMMANDS, ...STRING_COMMANDS, ...GENERIC_COMMANDS];
