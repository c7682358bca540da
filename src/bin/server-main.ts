import { createServer } from '../cinder.js';
import type { Config } from '../server/config.js';
import { TcpListener } from '../server/tcp.js';
import { heapReport, heapReportLine } from '../server/heap.js';
import { watchLauncher } from './launcher.js';

/**
 * Runs the server in this process with an already read configuration (the executable's second
 * half: src/bin/cinder-server.ts has checked the node flags).
 */
export async function runServer(config: Config): Promise<void> {
  const server = createServer(config);
  server.executable = process.argv[1] ?? '';
  server.configFile = config.configFile;
  server.log.notice('Cinder is starting');
  for (const w of config.warnings) server.log.warning(w);
  server.log.notice(heapReportLine(heapReport(config.maxmemory)));
  server.memoryGuard.checkMaxmemoryFits();
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
  watchLauncher(() => void stop('The launcher process is gone, shutting down...'));
}
