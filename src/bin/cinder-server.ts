#!/usr/bin/env -S node --max-semi-space-size=2
// The young generation is capped at 2 MB semi-spaces (V8's default grows to 16 MB): a server's
// garbage is short-lived request data, and the default keeps ~32 MB of heap committed that shows up
// as resident memory (100k small hashes: 1.9x Redis's RSS by default, 1.0x with 2 MB), with no
// measurable throughput cost (docs/BENCHMARKS.md). `npm start` and the benchmark pass the same flag.
import { createServer } from '../cinder.js';
import { Config, ConfigError } from '../server/config.js';
import { TcpListener } from '../server/tcp.js';
import { REDIS_VERSION } from '../util/version.js';

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
  let config: Config;
  try {
    config = Config.fromArgs(args);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(e.message + '\n');
      process.exit(1);
    }
    throw e;
  }
  const server = createServer(config);
  server.executable = process.argv[1] ?? '';
  server.configFile = config.configFile;
  server.log.notice('Cinder is starting');
  for (const w of config.warnings) server.log.warning(w);
  const listener = new TcpListener(server);
  let port: number;
  try {
    port = await listener.listen(config.port, config.bind);
  } catch (e) {
    server.log.warning(`Failed listening on port ${config.port} (tcp), aborting: ${(e as Error).message}`);
    process.exit(1);
  }
  server.tcpPort = port;
  server.startCron();
  server.log.notice(`Running mode=standalone, port=${port}.`);
  server.log.notice('Server initialized');
  server.log.notice('Ready to accept connections tcp');

  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    server.log.warning(why);
    server.stopCron();
    await listener.close();
    server.log.warning('Cinder is now ready to exit, bye bye...');
    process.exit(0);
  };
  server.shutdownHook = () => {
    void stop('User requested shutdown...');
    return null;
  };
  process.on('SIGINT', () => void stop('Received SIGINT scheduling shutdown...'));
  process.on('SIGTERM', () => void stop('Received SIGTERM scheduling shutdown...'));
}

void main();
