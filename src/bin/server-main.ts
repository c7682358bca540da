import { createServer } from '../cinder.js';
import type { Server } from '../server/server.js';
import { RdbFormatError } from '../server/persistence.js';
import { AofLoadError } from '../server/aof.js';
import type { Config } from '../server/config.js';
import { Listeners, ListenError } from '../server/listeners.js';
import { heapReport, heapReportLine } from '../server/heap.js';
import { watchLauncher } from './launcher.js';

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

/** Logged when a shutdown's save failed and the server keeps running (prepareForShutdown). */
const SHUTDOWN_FAILED = 'Errors trying to shut down the server. Check the logs for more information.';

export async function runServer(config: Config): Promise<void> {
  const server = createServer(config);
  server.executable = process.argv[1] ?? '';
  server.configFile = config.configFile;
  server.log.notice('Cinder is starting');
  for (const w of config.warnings) server.log.warning(w);
  server.log.notice(heapReportLine(heapReport(config.maxmemory)));
  server.memoryGuard.checkMaxmemoryFits();
  const listener = new Listeners(server);
  try {
    await listener.start();
  } catch (e) {
    server.log.warning(e instanceof ListenError ? e.message : `Failed listening: ${(e as Error).message}`);
    process.exit(1);
  }
  const port = listener.tcpPort !== 0 ? listener.tcpPort : listener.tlsPort;
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
  server.shutdownHook = (req) => {
    if (stopping) return null;
    server.log.warning('User requested shutdown...');
    if (!server.persistence.saveBeforeShutdown(req.save, req.force)) {
      server.log.warning(SHUTDOWN_FAILED);
      return 'ERR Errors trying to SHUTDOWN. Check logs.';
    }
    void stop(null);
    return null;
  };
  // SIGINT / SIGTERM shut down as SHUTDOWN without arguments: saving when save points are set.
  const onSignal = (name: string) => {
    if (stopping) return;
    server.log.warning(`Received ${name} scheduling shutdown...`);
    server.log.warning('User requested shutdown...');
    // A failed save keeps the server up, as Redis 7.0's serverCron does after prepareForShutdown.
    if (!server.persistence.saveBeforeShutdown(null, false)) {
      server.log.warning(SHUTDOWN_FAILED);
      return;
    }
    void stop(null);
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
  if (listener.unixSocket !== null) server.log.notice(`The server is now ready to accept connections at ${listener.unixSocket}`);
  server.replica.start();
}
