import type { CommandSpec } from './spec.js';

export const SORTED_SET_COMMANDS: CommandSpec[] = [];
