#!/usr/bin/env node
import { Server } from '../server/server.js';
import { Config, ConfigError } from '../server/config.js';
import { TcpListener } from '../server/tcp.js';

/** `cinder-server [/path/to/redis.conf] [--directive value ...]`, started like redis-server. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = Config.fromArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(e.message + '\n');
      process.exit(1);
    }
    throw e;
  }
  const server = new Server(config);
  server.executable = process.argv[1] ?? '';
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
