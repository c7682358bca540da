import type { CommandSpec } from './spec.js';

export const STREAM_COMMANDS: CommandSpec[] = [];
