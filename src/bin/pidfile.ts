import fs from 'node:fs';
import type { Config } from '../server/config.js';
import type { Logger } from '../server/log.js';

/** Where a daemonized server writes its PID when no pidfile is configured (CONFIG_DEFAULT_PID_FILE). */
export const DEFAULT_PID_FILE = '/var/run/redis.pid';

/**
 * createPidFile: with `pidfile` set, or when daemonized (then /var/run/redis.pid by default, which
 * CONFIG GET pidfile shows from then on), the PID and a newline, written once the server listens.
 * Best effort, as Redis: a file that cannot be written is no failed start, nor a warning. Returns
 * the path written (to remove at shutdown), or null when no pidfile is due.
 */
export function createPidFile(config: Config, daemonized: boolean): string | null {
  let file = config.get('pidfile') ?? '';
  if (file === '' && !daemonized) return null;
  if (file === '') {
    file = DEFAULT_PID_FILE;
    config.set('pidfile', file, { force: true });
  }
  // Relative to `dir`, where Redis's chdir has put the process by then.
  if (!file.startsWith('/')) file = `${config.dir}/${file}`;
  try {
    fs.writeFileSync(Buffer.from(file, 'latin1'), `${process.pid}\n`);
  } catch {
    // Silently, as Redis 7.0 (the warning came in 7.2).
  }
  return file;
}

/**
 * At shutdown (finishShutdown): "Removing the pid file." and its unlink, whatever became of it.
 * Redis says so whenever `daemonize` is yes, even when supervision kept it from daemonizing and
 * no pidfile was written.
 */
export function removePidFile(file: string | null, config: Config, log: Logger): void {
  if (file === null && config.get('daemonize') !== 'yes') return;
  log.notice('Removing the pid file.');
  if (file === null) return;
  try {
    fs.unlinkSync(Buffer.from(file, 'latin1'));
  } catch {
    // Already gone, or never written: nothing to do, as Redis ignores unlink's result.
  }
}
