import { defaultUserHasNopass } from './acl/acl.js';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type tls from 'node:tls';
import os from 'node:os';
import { Connection } from './tcp.js';
import type { Server } from './server.js';
import { strerror } from './config.js';
import { buildTlsOptions, createTlsAcceptor, tlsWanted, TlsConfigError, TLS_APPLY_FAILURE, TLS_STARTUP_FAILURE } from './tls.js';

/**
 * Where clients come from (Redis's listeners: server.ipfd, server.tlsfd, server.sofd): TCP on
 * `port`, TLS on `tls-port`, both on every `bind` address, and the `unixsocket`. Every accepted
 * socket becomes the same Connection (src/server/tcp.ts); a TLS one once its handshake is done.
 * Before that: maxclients, protected mode, tcp-keepalive. CONFIG SET port / bind / tls-port
 * rebind a running server, and a tls-* change rebuilds the TLS context for new connections.
 */

/**
 * What redis-server logs last before exiting when it cannot listen (the details come before);
 * `code` is the system error behind it (EADDRINUSE), for embedded callers.
 */
export class ListenError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Redis's text for a client refused by protected mode (then the connection is closed). */
export const PROTECTED_MODE_DENIED =
  '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. ' +
  'In this mode connections are only accepted from the loopback interface. ' +
  'If you want to connect from external computers to Redis you may adopt one of the following solutions: ' +
  "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, " +
  'however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. ' +
  "2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. " +
  "3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
  '4) Setup a an authentication password for the default user. ' +
  'NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n';

const MAX_CLIENTS_REACHED = '-ERR max number of clients reached\r\n';
const TCP_BACKLOG = 511;

/**
 * Protected mode (clientAcceptHandler, Redis 7.0): with no password for the default user, a TCP
 * or TLS client is refused unless it comes from 127.0.0.1 or ::1 exactly, whatever `bind` says.
 */
function deniedByProtectedMode(server: Server, ip: string): boolean {
  return server.config.protectedMode && ip !== '127.0.0.1' && ip !== '::1' && defaultUserHasNopass(server.acl);
}

// ---------------------------------------------------------------- binding now

interface TcpHandle {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  listen(backlog: number): number;
  getsockname(out: { port?: number }): number;
  close(): void;
}
interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  constants: { SERVER: number; UV_TCP_IPV6ONLY: number };
}

/**
 * libuv's TCP handle, the one net.Server itself listens with. Taken directly because its bind and
 * listen are synchronous, where net.Server.listen reports only on a later tick: CONFIG SET port
 * must answer whether the new port could be listened on in its own reply, as Redis does.
 */
const tcpWrap = (process as unknown as { binding(name: string): TcpWrapBinding }).binding('tcp_wrap');

/**
 * util.getSystemErrorName for a libuv error (a negative errno), without node:util, whose import
 * loads worker_threads on Node 24 (kept off a fresh server: test/unit/startup-imports.test.ts).
 */
function errnoName(err: number): string {
  for (const [name, value] of Object.entries(os.constants.errno)) if (value === -err) return name;
  return `Unknown system error ${err}`;
}

/** An address that could not be listened on: errno name and anet's text ("bind: ..."). */
class BindError extends Error {
  constructor(readonly code: string) {
    super(`bind: ${STRERROR_NET[code] ?? strerror({ code })}`);
  }
}

/** strerror() for the errors binding reports (beside the file ones config.ts knows). */
const STRERROR_NET: Record<string, string> = {
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EPROTONOSUPPORT: 'Protocol not supported',
};

/** Binds and listens on host:port now; the port actually bound (port 0: one the system chose). */
function listenNow(srv: net.Server, host: string, port: number): number {
  const v6 = host.includes(':');
  const handle = new tcpWrap.TCP(tcpWrap.constants.SERVER);
  let err = v6 ? handle.bind6(host, port, tcpWrap.constants.UV_TCP_IPV6ONLY) : handle.bind(host, port);
  // libuv reports some bind errors only when listening.
  if (err === 0) err = handle.listen(TCP_BACKLOG);
  if (err !== 0) {
    handle.close();
    throw new BindError(errnoName(err));
  }
  const out: { port?: number } = {};
  handle.getsockname(out);
  srv.listen(handle as unknown as net.ListenOptions);
  return out.port ?? port;
}

// ---------------------------------------------------------------- the listeners

type Kind = 'tcp' | 'tls';

interface BoundSet {
  servers: net.Server[];
  /** The port listened on (0: none). */
  port: number;
  binds: string[];
}

export class Listeners {
  private readonly bound: Record<Kind, BoundSet> = {
    tcp: { servers: [], port: 0, binds: [] },
    tls: { servers: [], port: 0, binds: [] },
  };
  private unix: net.Server | null = null;
  private unixPath: string | null = null;
  private readonly connections = new Set<Connection>();
  /** The TLS context's options in force (null until TLS is configured). */
  private tlsOptions: tls.SecureContextOptions | null = null;
  /** Accepts TLS connections under the options and tls-auth-clients in force. */
  private tlsAcceptor: tls.Server | null = null;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly server: Server) {}

  /** The TCP port listened on (the one chosen when `port` is 0), or 0. */
  get tcpPort(): number {
    return this.bound.tcp.port;
  }

  /** The TLS port listened on, or 0. */
  get tlsPort(): number {
    return this.bound.tls.port;
  }

  /**
   * Startup (initServer / initListeners): the TLS context, TCP, TLS, then the unix socket. A
   * failure logs what Redis logs and throws ListenError with the last line (the caller exits).
   */
  async start(): Promise<void> {
    const server = this.server;
    const cfg = server.config;
    if (tlsWanted(cfg)) {
      try {
        this.configureTls();
      } catch (e) {
        server.log.warning((e as Error).message);
        throw new ListenError(TLS_STARTUP_FAILURE);
      }
    }
    const tlsPort = Number(cfg.get('tls-port') ?? '0');
    const unixPath = cfg.get('unixsocket') || null;
    // Port 0 alone picks a free port (an embedded server); beside TLS or a unix socket, no TCP.
    if (cfg.port !== 0 || (tlsPort === 0 && unixPath === null)) {
      try {
        this.listenAll('tcp', cfg.port, cfg.bind);
      } catch (e) {
        throw new ListenError(`Failed listening on port ${cfg.port} (TCP), aborting.`, (e as BindError).code);
      }
    }
    if (tlsPort !== 0) {
      try {
        this.listenAll('tls', tlsPort, cfg.bind);
      } catch (e) {
        // An embedded caller goes on living: what was opened is closed again.
        this.closeListeners('tcp');
        throw new ListenError(`Failed listening on port ${tlsPort} (TLS), aborting.`, (e as BindError).code);
      }
    }
    if (unixPath !== null) {
      try {
        await this.listenUnix(unixPath, Number.parseInt(cfg.get('unixsocketperm') ?? '0', 8));
      } catch (e) {
        this.closeListeners('tcp');
        this.closeListeners('tls');
        throw e;
      }
    }
    this.server.tcpPort = this.bound.tcp.port;
    this.watchConfig();
  }

  /** Stops accepting, closes every connection (after flushing what they were sent), removes the socket file. */
  async close(): Promise<void> {
    this.removeUnixSocket();
    for (const u of this.unsubscribe) u();
    this.unsubscribe.length = 0;
    for (const c of this.connections) c.end();
    const servers = [...this.bound.tcp.servers, ...this.bound.tls.servers];
    if (this.unix !== null) servers.push(this.unix);
    this.bound.tcp.servers = [];
    this.bound.tls.servers = [];
    this.unix = null;
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const c of this.connections) c.destroy();
  }

  /** The unix socket's path while it is listened on, else null. */
  get unixSocket(): string | null {
    return this.unixPath;
  }

  /** The unix socket file goes at shutdown (prepareForShutdown). */
  removeUnixSocket(): void {
    if (this.unixPath === null) return;
    this.server.log.notice('Removing the unix socket file.');
    try {
      fs.unlinkSync(this.unixPath);
    } catch (e) {
      this.server.log.warning(`Error removing the unix socket file: ${strerror(e)}`);
    }
    this.unixPath = null;
  }

  // ------------------------------------------------------------ binding

  /**
   * listenToPort: every bind address on `port` (port 0: the first address picks one for all). An
   * address marked optional ('-') that does not exist here is skipped; any other failure closes
   * what was opened and throws.
   */
  private listenAll(kind: Kind, port: number, binds: readonly string[]): void {
    const servers: net.Server[] = [];
    let chosen = port;
    for (const raw of binds.length > 0 ? binds : ['*']) {
      const optional = raw.startsWith('-');
      const addr = optional ? raw.slice(1) : raw;
      const host = addr === '*' ? '0.0.0.0' : addr === '::*' ? '::' : addr;
      const srv = net.createServer({ noDelay: true }, kind === 'tcp' ? (s) => this.acceptTcp(s) : (s) => this.acceptTls(s));
      srv.on('error', this.acceptError);
      try {
        chosen = listenNow(srv, host, chosen);
        servers.push(srv);
      } catch (e) {
        const message = e instanceof BindError ? e.message : String(e);
        this.server.log.warning(`Warning: Could not create server TCP listening socket ${addr}:${chosen}: ${message}`);
        const code = (e as BindError).code;
        if (optional && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT' || code === 'EPROTONOSUPPORT')) continue;
        for (const s of servers) s.close();
        throw e;
      }
    }
    this.bound[kind] = { servers, port: servers.length > 0 ? chosen : 0, binds: [...binds] };
  }

  private closeListeners(kind: Kind): void {
    for (const s of this.bound[kind].servers) s.close();
    this.bound[kind] = { servers: [], port: 0, binds: [] };
  }

  /**
   * changeListenPort: the old listeners close (their clients stay), the new port is listened on
   * (0: none). On failure the previous listeners come back and `failure` is thrown.
   */
  private changePort(kind: Kind, port: number, failure: string): void {
    const before = this.bound[kind];
    this.closeListeners(kind);
    if (port !== 0) {
      try {
        this.listenAll(kind, port, this.server.config.bind);
      } catch {
        this.restore(kind, before);
        throw new Error(failure);
      }
    }
    if (kind === 'tcp') this.server.tcpPort = this.bound.tcp.port;
  }

  /** Listens again as before a failed change (best effort: Redis's restore may fail too). */
  private restore(kind: Kind, before: BoundSet): void {
    if (before.port === 0) return;
    try {
      this.listenAll(kind, before.port, before.binds);
    } catch {
      // Logged by listenAll.
    }
  }

  /** changeBindAddr: TCP and TLS listen again on the new addresses, or both as they were. */
  private changeBind(): void {
    const before = { tcp: this.bound.tcp, tls: this.bound.tls };
    this.closeListeners('tcp');
    this.closeListeners('tls');
    const binds = this.server.config.bind;
    try {
      if (before.tcp.port !== 0) this.listenAll('tcp', before.tcp.port, binds);
      if (before.tls.port !== 0) this.listenAll('tls', before.tls.port, binds);
    } catch {
      this.server.log.warning('Failed to bind');
      this.closeListeners('tcp');
      this.closeListeners('tls');
      this.restore('tcp', before.tcp);
      this.restore('tls', before.tls);
      throw new Error('Failed to bind to specified addresses.');
    }
  }

  private async listenUnix(file: string, perm: number): Promise<void> {
    // A socket file left by an earlier run is replaced.
    try {
      fs.unlinkSync(file);
    } catch {
      // Absent: nothing to replace.
    }
    const srv = net.createServer((s) => {
      if (!this.refuseOverMaxclients(s, MAX_CLIENTS_REACHED)) this.accept(s, file);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen({ path: file, backlog: TCP_BACKLOG }, () => {
          srv.off('error', reject);
          resolve();
        });
      });
      if (perm !== 0) fs.chmodSync(file, perm);
    } catch (e) {
      srv.close();
      // libuv reports a missing directory as EACCES (for Windows' sake): anet's bind says ENOENT.
      const missingDir = !fs.existsSync(path.dirname(file));
      throw new ListenError(`Failed opening Unix socket: bind: ${missingDir ? strerror({ code: 'ENOENT' }) : strerror(e)}`);
    }
    srv.on('error', this.acceptError);
    this.unix = srv;
    this.unixPath = file;
  }

  // ------------------------------------------------------------ TLS

  /** tlsConfigure: a new context for new connections; throws TlsConfigError, leaving the old one. */
  private configureTls(): void {
    const options = buildTlsOptions(this.server.config);
    this.tlsOptions = options;
    this.makeTlsAcceptor();
  }

  private makeTlsAcceptor(): void {
    if (this.tlsOptions === null) return;
    const acceptor = createTlsAcceptor(this.tlsOptions, this.server.config.get('tls-auth-clients') ?? 'yes');
    acceptor.on('secureConnection', (s: tls.TLSSocket) => this.secured(s));
    acceptor.on('tlsClientError', (e: Error, s: tls.TLSSocket) => {
      this.server.log.warning(`Error accepting a client connection: ${openSslErrorText(e.message)}`);
      s.destroy();
    });
    this.tlsAcceptor = acceptor;
  }

  /** applyTlsCfg: with TLS in use, a changed tls-* parameter takes effect for new connections. */
  private applyTlsChange(): void {
    if (!tlsWanted(this.server.config)) return;
    this.reconfigureTls();
  }

  private reconfigureTls(): void {
    try {
      this.configureTls();
    } catch (e) {
      if (!(e instanceof TlsConfigError)) throw e;
      this.server.log.warning(e.message);
      throw new Error(TLS_APPLY_FAILURE);
    }
  }

  // ------------------------------------------------------------ accepting

  /** A failed accept (EMFILE...) is logged, as acceptTcpHandler does; the listener goes on. */
  private readonly acceptError = (e: Error): void => {
    this.server.log.warning(`Accepting client connection: ${strerror(e)}`);
  };

  private acceptTcp(socket: net.Socket): void {
    if (this.refuseOverMaxclients(socket, MAX_CLIENTS_REACHED)) return;
    this.keepAlive(socket);
    this.accept(socket, null);
  }

  private acceptTls(raw: net.Socket): void {
    // No handshake yet, so nothing can be said: the connection just drops.
    if (this.refuseOverMaxclients(raw, null)) return;
    this.keepAlive(raw);
    const acceptor = this.tlsAcceptor;
    if (acceptor === null) {
      raw.destroy();
      return;
    }
    acceptor.emit('connection', raw);
  }

  /** The handshake is done (and the client's certificate, if one was asked for, checked). */
  private secured(socket: tls.TLSSocket): void {
    // tls-auth-clients optional: no certificate is fine, an invalid one is not (SSL_VERIFY_PEER).
    if (!socket.authorized && socket.authorizationError !== undefined && Object.keys(socket.getPeerCertificate()).length > 0) {
      this.server.log.warning(`Error accepting a client connection: ${String(socket.authorizationError)}`);
      socket.destroy();
      return;
    }
    this.accept(socket, null);
  }

  private refuseOverMaxclients(socket: net.Socket, message: string | null): boolean {
    const server = this.server;
    if (server.clients.size < server.config.maxclients) return false;
    server.stats.rejectedConnections++;
    socket.on('error', () => socket.destroy());
    if (message === null) socket.destroy();
    else socket.end(message, () => socket.destroy());
    return true;
  }

  /** tcp-keepalive as at this client's creation (later changes apply to new clients). */
  private keepAlive(socket: net.Socket): void {
    const seconds = this.server.config.tcpKeepalive;
    if (seconds > 0) socket.setKeepAlive(true, seconds * 1000);
  }

  /** A client socket of any kind (`unixPath`: the socket file it came through). */
  private accept(socket: net.Socket, unixPath: string | null): void {
    const server = this.server;
    const log = server.log;
    if (log.enabled('verbose')) {
      const ip = socket.remoteAddress ?? '';
      log.verbose(unixPath !== null ? `Accepted connection to ${unixPath}` : `Accepted ${ip.startsWith('::ffff:') ? ip.slice(7) : ip}:${socket.remotePort ?? 0}`);
    }
    if (unixPath === null) {
      const ip = socket.remoteAddress ?? '';
      if (deniedByProtectedMode(server, ip.startsWith('::ffff:') ? ip.slice(7) : ip)) {
        // Redis created the client (its id is spent), says why, and frees it.
        server.nextClientId++;
        server.stats.rejectedConnections++;
        socket.on('error', () => socket.destroy());
        socket.end(PROTECTED_MODE_DENIED, () => socket.destroy());
        return;
      }
    }
    const conn = new Connection(server, socket, unixPath);
    this.connections.add(conn);
    socket.once('close', () => this.connections.delete(conn));
  }

  // ------------------------------------------------------------ CONFIG SET

  private watchConfig(): void {
    const cfg = this.server.config;
    const on = (name: string, f: () => void) => this.unsubscribe.push(cfg.onChange(name, f));
    on('port', () => this.changePort('tcp', cfg.port, 'Unable to listen on this port. Check server logs.'));
    on('bind', () => this.changeBind());
    on('tls-port', () => {
      const port = Number(cfg.get('tls-port'));
      // applyTLSPort: the context first, if TLS was not configured yet.
      if (port !== 0 && this.tlsOptions === null) this.reconfigureTls();
      this.changePort('tls', port, 'Unable to listen on this port. Check server logs.');
    });
    for (const name of TLS_CONTEXT_PARAMS) on(name, () => this.applyTlsChange());
    // Read when a connection is accepted (no context change).
    on('tls-auth-clients', () => this.makeTlsAcceptor());
  }
}

/**
 * OpenSSL's error as ERR_error_string_n prints it, which Redis logs ("error:0A0000C7:SSL
 * routines::peer did not return a certificate"), from Node's longer form (thread id, function,
 * source file).
 */
function openSslErrorText(message: string): string {
  const m = /error:([0-9A-F]{8}):([^:]*):[^:]*:([^:]*)/.exec(message);
  return m === null ? message : `error:${m[1]}:${m[2]}::${m[3]}`;
}

/** The tls-* parameters the server context is built from (applyTlsCfg). */
const TLS_CONTEXT_PARAMS = [
  'tls-cert-file',
  'tls-key-file',
  'tls-key-file-pass',
  'tls-dh-params-file',
  'tls-ca-cert-file',
  'tls-ca-cert-dir',
  'tls-protocols',
  'tls-ciphers',
  'tls-ciphersuites',
  'tls-prefer-server-ciphers',
  'tls-session-caching',
  'tls-session-cache-size',
  'tls-session-cache-timeout',
];
