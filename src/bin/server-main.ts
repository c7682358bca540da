import { createServer } from '../cinder.js';
import type { Server, ShutdownRequest } from '../server/server.js';
import { RdbFormatError } from '../server/persistence.js';
import { AofLoadError } from '../server/aof.js';
import type { Config } from '../server/config.js';
import { TcpListener } from '../server/tcp.js';
import { heapReport, heapReportLine } from '../server/heap.js';
import { watchLauncher } from './launcher.js';
import { AclStartupError } from '../server/acl/acl.js';
import { Logger } from '../server/log.js';

/**
 * Runs the server in this process with an already read configuration (the executable's second
 * half: src/bin/cinder-server.ts has checked the node flags).
 */
/**
 * loadDataFromDisk: the RDB file in `dir`, if there is one. A file that cannot be read or is
 * corrupt stops startup with Redis's message and the offset (never a partial dataset served).
 */
async function loadDataFromDisk(server: Server): Promise<void> {
  const start = performance.now();
  // With appendonly yes the AOF is the dataset, and the RDB file is not read (as Redis).
  if (server.config.get('appendonly') === 'yes') {
    try {
      // In slices, as the RDB file below: clients connecting meanwhile get -LOADING.
      await server.aof.loadInSlices();
    } catch (e) {
      if (!(e instanceof AofLoadError)) server.log.warning(`Fatal error loading the AOF: ${(e as Error).message}. Exiting.`);
      process.exit(1);
    }
    return;
  }
  try {
    server.aof.readManifest();
  } catch {
    // A broken manifest matters only once the AOF is turned on.
  }
  try {
    // In slices: clients connecting meanwhile get -LOADING (or INFO's loading_* progress).
    await server.persistence.loadInSlices();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    if (e instanceof RdbFormatError) {
      server.log.warning(`Internal error in RDB reading offset ${e.offset} -> ${e.message}`);
      server.log.warning('Terminating server after rdb file reading failure.');
    } else {
      server.log.warning(`Fatal error loading the DB: ${(e as Error).message}. Exiting.`);
    }
    process.exit(1);
  }
  server.log.notice(`DB loaded from disk: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
}

/** shutdown-on-sigint / shutdown-on-sigterm's words ("default", "nosave now", ...) as a request. */
function signalShutdownRequest(flags: string): ShutdownRequest {
  const words = new Set(flags.toLowerCase().split(' '));
  return { save: words.has('save') ? true : words.has('nosave') ? false : null, now: words.has('now'), force: words.has('force') };
}

export async function runServer(config: Config): Promise<void> {
  let server: Server;
  try {
    server = createServer(config);
  } catch (e) {
    // Users that cannot be loaded (the `user` directives, the ACL file) stop startup, as in Redis.
    if (!(e instanceof AclStartupError)) throw e;
    const log = new Logger();
    for (const line of e.lines) log.warning(line);
    process.exit(1);
  }
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
  server.log.notice(`Running mode=standalone, port=${port}.`);
  server.log.notice('Server initialized');
  // Shutdown hooks first: SHUTDOWN and signals work while the file loads (without saving).
  let stopping = false;
  const stop = async (why: string | null): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (why !== null) server.log.warning(why);
    server.stopCron();
    await listener.close();
    server.log.warning('Cinder is now ready to exit, bye bye...');
    process.exit(0);
  };
  // finishShutdown's host part: save as asked, then stop (the engine waited for replicas first).
  server.shutdownHook = (req) => {
    if (stopping) return null;
    if (!server.persistence.saveBeforeShutdown(req.save, req.force)) return 'ERR Errors trying to SHUTDOWN. Check logs.';
    void stop(null);
    return null;
  };
  // SIGINT / SIGTERM shut down as shutdown-on-sigint / shutdown-on-sigterm say (default: as
  // SHUTDOWN without arguments). A second SIGINT while the shutdown waits exits at once.
  const onSignal = (name: 'SIGINT' | 'SIGTERM') => {
    if (stopping) return;
    if (name === 'SIGINT' && server.shutdown.initiated) {
      server.log.warning('You insist... exiting now.');
      process.exit(1);
    }
    server.log.warning(server.persistence.loading !== null ? 'Received shutdown signal during loading, scheduling shutdown.' : `Received ${name} scheduling shutdown...`);
    // A failed save keeps the server up, as Redis 7.0's serverCron does after prepareForShutdown.
    server.shutdown.prepare(signalShutdownRequest(server.config.get(name === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm') ?? 'default'), null);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  watchLauncher(() => void stop('The launcher process is gone, shutting down...'));
  server.replica.configure();
  await loadDataFromDisk(server);
  if (stopping) return;
  server.aof.openOnStart();
  server.startCron();
  server.log.notice('Ready to accept connections tcp');
  server.replica.start();
}
