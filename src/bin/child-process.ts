import { createRequire } from 'node:module';

/**
 * node:child_process, loaded on first use: the serving process imports the launcher, daemon and
 * supervision code but only spawns when it relaunches, daemonizes or notifies systemd, so it does
 * not pay for the module at startup (test/unit/startup-imports.test.ts keeps it that way).
 */
export function childProcess(): typeof import('node:child_process') {
  return createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
}
