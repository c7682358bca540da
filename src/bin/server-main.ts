import { createServer } from '../cinder.js';
import type { Server, ShutdownRequest } from '../server/server.js';
import { RdbFormatError } from '../server/persistence.js';
import { AofLoadError } from '../server/aof.js';
import { ConfigError, type Config } from '../server/config.js';
import { fileSink, stdoutSink, Logger } from '../server/log.js';
import { Listeners, ListenError } from '../server/listeners.js';
import { heapReport, heapReportLine } from '../server/heap.js';
import { watchLauncher } from './launcher.js';
import { AclStartupError } from '../server/acl/acl.js';
import { REDIS_VERSION } from '../util/version.js';
import { daemonReady, forwardWarning } from './daemon.js';
import { createPidFile, removePidFile } from './pidfile.js';
import { Supervision } from './supervision.js';

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

/**
 * Where the log goes: `logfile` (appended line by line), else standard output, which a daemon
 * does not have (Redis's daemon writes it to /dev/null). A daemon also hands its warnings to its
 * waiting parent until it is up, to be shown if it fails to start.
 */
function setLogTarget(log: Logger, config: Config, daemonized: boolean, starting: boolean): void {
  const logfile = config.get('logfile')!;
  const sink = logfile !== '' ? fileSink(logfile, () => config.dir) : daemonized ? null : stdoutSink;
  if (!(daemonized && starting)) {
    log.sink = sink;
    return;
  }
  log.sink = (line, level) => {
    sink?.(line);
    if (level === 'warning') forwardWarning(line);
  };
}

export interface RunOptions {
  /** This process is the daemon `daemonize yes` started (src/bin/daemon.ts). */
  daemonized?: boolean;
}

export async function runServer(config: Config, opts: RunOptions = {}): Promise<void> {
  const daemonized = opts.daemonized === true;
  let server: Server;
  try {
    server = createServer(config);
  } catch (e) {
    // Users that cannot be loaded (the `user` directives, the ACL file) stop startup, as in Redis.
    if (e instanceof AclStartupError) {
      const log = new Logger();
      for (const line of e.lines) log.warning(line);
      process.exit(1);
    }
    // rename-command lines are checked against the command table here.
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(e.message + '\n');
    process.exit(1);
  }
  const log = server.log;
  setLogTarget(log, config, daemonized, true);
  // Lines before the server is set up carry the role 'C', as Redis's do.
  log.starting = true;
  const supervision = new Supervision(log, config.get('supervised')!);
  supervision.start();
  server.executable = process.argv[1] ?? '';
  server.configFile = config.configFile;
  // Redis's first lines, at its levels (they show under loglevel warning too).
  log.warning('oO0OoO0OoO0Oo Cinder is starting oO0OoO0OoO0Oo');
  log.warning(`Cinder version=${REDIS_VERSION}, node=${process.version}, bits=64, pid=${process.pid}, just started`);
  if (process.argv.length <= 2) {
    log.warning('Warning: no config file specified, using the default config. In order to specify a config file use cinder-server /path/to/redis.conf');
  } else {
    log.warning('Configuration loaded');
  }
  for (const w of config.warnings) log.warning(w);
  log.notice(heapReportLine(heapReport(config.maxmemory)));
  server.memoryGuard.checkMaxmemoryFits();
  log.starting = false;
  const listener = new Listeners(server);
  try {
    await listener.start();
  } catch (e) {
    // Listeners logged Redis's lines up to the last one (the address as configured, bind's error).
    log.warning(e instanceof ListenError ? e.message : `Failed listening: ${(e as Error).message}`);
    process.exit(1);
  }
  const port = listener.tcpPort !== 0 ? listener.tcpPort : listener.tlsPort;
  const pidFile = createPidFile(config, daemonized);
  server.log.notice(`Running mode=standalone, port=${port}.`);
  server.log.warning('Server initialized');
  // Shutdown hooks first: SHUTDOWN and signals work while the file loads (without saving).
  let stopping = false;
  const stop = async (why: string | null): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (why !== null) server.log.warning(why);
    server.stopCron();
    await listener.close();
    removePidFile(pidFile, config, log);
    server.log.warning('Cinder is now ready to exit, bye bye...');
    process.exit(0);
  };
  // prepareForShutdown tells systemd right after "User requested shutdown...".
  server.shutdownStartHook = () => supervision.stopping();
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
      server.log.fromSignalHandler('warning', 'You insist... exiting now.');
      process.exit(1);
    }
    // Written as Redis's signal handler writes it (serverLogFromHandler).
    server.log.fromSignalHandler('warning', server.persistence.loading !== null ? 'Received shutdown signal during loading, scheduling shutdown.' : `Received ${name} scheduling shutdown...`);
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
  server.log.notice('Ready to accept connections');
  if (listener.unixSocket !== null) server.log.notice(`The server is now ready to accept connections at ${listener.unixSocket}`);
  supervision.ready(server.replication.masterHost !== null);
  if (daemonized) {
    // The parent is leaving: the log goes to logfile only.
    setLogTarget(log, config, true, false);
    daemonReady();
  }
  server.replica.start();
}
