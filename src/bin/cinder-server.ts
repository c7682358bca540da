#!/usr/bin/env node
// The executable. Started any way (this shebang, `npx cinder-server`, `npm start`, `node
// dist/src/bin/cinder-server.js`), it first makes sure node runs with the V8 flags the server needs:
// a heap sized from maxmemory (or the machine), 2 MB semi-spaces, an exposed gc (src/server/heap.ts).
// Without them it runs itself again with them (src/bin/launcher.ts) before loading the server.
import fs from 'node:fs';
import { Config, ConfigError } from '../server/config.js';
import { missingNodeFlags } from '../server/heap.js';
import { REDIS_VERSION } from '../util/version.js';
import { LAUNCHER_ENV, relaunch } from './launcher.js';
import { daemonize, isDaemonChild } from './daemon.js';
import { willBeSupervised } from './supervision.js';

/** `cinder-server [/path/to/redis.conf] [--directive value ...]`, started like redis-server. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length === 1 && (args[0] === '-v' || args[0] === '--version')) {
    process.stdout.write(`Cinder server v=${REDIS_VERSION} (Redis ${REDIS_VERSION} compatible) node=${process.version}\n`);
    process.exit(0);
  }
  if (args.length === 1 && (args[0] === '-h' || args[0] === '--help')) {
    process.stdout.write(
      'Usage: cinder-server [/path/to/redis.conf] [options] [-]\n' +
        '       cinder-server - (read config from stdin)\n' +
        '       cinder-server -v or --version\n' +
        '       cinder-server -h or --help\n\n' +
        'Examples:\n' +
        '       cinder-server (run the server with default conf)\n' +
        '       cinder-server /etc/redis/6379.conf\n' +
        '       cinder-server --port 7777\n' +
        '       cinder-server /etc/myredis.conf --loglevel verbose -\n',
    );
    process.exit(0);
  }
  // The heap size depends on maxmemory, so the configuration is read before anything else.
  let stdinConfig: string | null = null;
  let config: Config;
  try {
    config = Config.fromArgs(args, { readStdin: () => (stdinConfig = fs.readFileSync(0, 'latin1')) });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(e.message + '\n');
      process.exit(1);
    }
    throw e;
  }
  const missing = missingNodeFlags(config.maxmemory);
  const daemonChild = isDaemonChild();
  // daemonize yes, unless a supervisor runs us (Redis: daemonize && !redisIsSupervised): the
  // daemon is started with the node flags, so it never needs the launcher.
  if (!daemonChild && config.get('daemonize') === 'yes' && !willBeSupervised(config.get('supervised')!, process.env)) {
    daemonize(missing, stdinConfig);
    return;
  }
  if (missing.length > 0 && process.env[LAUNCHER_ENV] === undefined && !daemonChild) {
    relaunch(missing, stdinConfig);
    return;
  }
  // Loaded only in the process that serves (a launcher never loads the engine).
  const { runServer } = await import('./server-main.js');
  await runServer(config, { daemonized: daemonChild });
}

void main();
