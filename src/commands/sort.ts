import type { CommandSpec } from './spec.js';

export const SORT_COMMANDS: CommandSpec[] = [];
