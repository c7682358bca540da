import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import crypto from 'node:crypto';
import { strerror, type Config } from './config.js';

/**
 * The TLS side of the listeners (Redis's tls.c, server side): the tls-* parameters turned into a
 * secure context and the per-connection options, checked in tlsConfigure / createSSLContext's
 * order with their log lines. Building is all or nothing: a configuration that fails leaves the
 * one in force untouched (CONFIG SET restores the previous values).
 */

/** Why the TLS configuration cannot be used: the line Redis logs before its generic failure. */
export class TlsConfigError extends Error {}

/** What redis-server logs (and exits with) when TLS cannot be configured at startup. */
export const TLS_STARTUP_FAILURE = 'Failed to configure TLS. Check logs for more info.';
/** CONFIG SET's reason when a tls-* change cannot be applied. */
export const TLS_APPLY_FAILURE = 'Unable to update TLS configuration. Check server logs.';

/** Whether the TLS context is needed: a TLS port, or TLS for replication or the cluster bus (applyTlsCfg). */
export function tlsWanted(cfg: Config): boolean {
  return cfg.get('tls-port') !== '0' || cfg.get('tls-replication') === 'yes' || cfg.get('tls-cluster') === 'yes';
}

const PROTOCOLS: Record<string, tls.SecureVersion> = {
  tlsv1: 'TLSv1',
  'tlsv1.1': 'TLSv1.1',
  'tlsv1.2': 'TLSv1.2',
  'tlsv1.3': 'TLSv1.3',
};
const PROTOCOL_ORDER: readonly tls.SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * parseProtocolsConfig: space-separated names, any case; none means TLSv1.2 and TLSv1.3. Node
 * takes a range, so the protocols between the lowest and the highest named are enabled.
 */
function protocolRange(value: string | undefined): { minVersion: tls.SecureVersion; maxVersion: tls.SecureVersion } {
  const names = (value ?? '').split(' ').filter((s) => s.length > 0);
  if (names.length === 0) return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' };
  let lo = PROTOCOL_ORDER.length;
  let hi = -1;
  for (const n of names) {
    const v = PROTOCOLS[n.toLowerCase()];
    if (v === undefined) {
      throw new TlsConfigError(
        "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.",
      );
    }
    const i = PROTOCOL_ORDER.indexOf(v);
    lo = Math.min(lo, i);
    hi = Math.max(hi, i);
  }
  return { minVersion: PROTOCOL_ORDER[lo], maxVersion: PROTOCOL_ORDER[hi] };
}

/** OpenSSL's text for a file it could not open (ERR_SYSTEM_ERROR with the errno), as Redis logs it. */
function openSslFileError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const errno = typeof err.errno === 'number' ? Math.abs(err.errno) : 0;
  const code = ((0x80000000 | errno) >>> 0).toString(16).toUpperCase();
  return `error:${code}:system library::${strerror(err)}`;
}

/** Reads a file as OpenSSL would open it (relative to the working directory). */
function readFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(Buffer.from(file, 'latin1'));
  } catch (e) {
    throw new TlsConfigError(`${what}: ${file}: ${openSslFileError(e)}`);
  }
}

/**
 * The CA certificates of tls-ca-cert-dir: OpenSSL looks certificates up there by subject hash
 * (`<hash>.<n>`, as c_rehash names them), so those files are the ones read. A directory that
 * does not exist holds none (OpenSSL only finds out when it verifies a client).
 */
function caDirCertificates(dir: string): Buffer[] {
  const out: Buffer[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names.sort()) {
    if (!/^[0-9a-f]{8}\.\d+$/.test(n)) continue;
    try {
      out.push(fs.readFileSync(path.join(dir, n)));
    } catch {
      // Unreadable entries are skipped, as OpenSSL's lookup skips them.
    }
  }
  return out;
}

/** Node's TLSv1.3 suites (OpenSSL's defaults) for a cipher string that names none. */
const DEFAULT_SUITES = tls.DEFAULT_CIPHERS.split(':')
  .filter((c) => c.startsWith('TLS_'))
  .join(':');

/**
 * tlsConfigure: the secure context options the tls-* parameters describe, or TlsConfigError with
 * the line Redis logs for the first problem found.
 */
export function buildTlsOptions(cfg: Config): tls.SecureContextOptions {
  const certFile = cfg.get('tls-cert-file') || null;
  const keyFile = cfg.get('tls-key-file') || null;
  const caFile = cfg.get('tls-ca-cert-file') || null;
  const caDir = cfg.get('tls-ca-cert-dir') || null;
  const authClients = cfg.get('tls-auth-clients') ?? 'yes';
  if (certFile === null) throw new TlsConfigError('No tls-cert-file configured!');
  if (keyFile === null) throw new TlsConfigError('No tls-key-file configured!');
  if ((authClients !== 'no' || cfg.get('tls-cluster') === 'yes' || cfg.get('tls-replication') === 'yes') && caFile === null && caDir === null) {
    throw new TlsConfigError(
      'Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!',
    );
  }
  const { minVersion, maxVersion } = protocolRange(cfg.get('tls-protocols'));
  const options: tls.SecureContextOptions = { minVersion, maxVersion };
  // createSSLContext's steps, each checked on its own so the failure is attributed as Redis does.
  const cert = readFile(certFile, 'Failed to load certificate');
  try {
    tls.createSecureContext({ ...options, cert });
  } catch (e) {
    throw new TlsConfigError(`Failed to load certificate: ${certFile}: ${(e as Error).message}`);
  }
  options.cert = cert;
  const key = readFile(keyFile, 'Failed to load private key');
  const passphrase = cfg.get('tls-key-file-pass') || undefined;
  try {
    tls.createSecureContext({ ...options, key, passphrase });
  } catch (e) {
    throw new TlsConfigError(`Failed to load private key: ${keyFile}: ${(e as Error).message}`);
  }
  options.key = key;
  options.passphrase = passphrase;
  if (caFile !== null || caDir !== null) {
    const ca: Buffer[] = [];
    if (caFile !== null) {
      try {
        ca.push(fs.readFileSync(Buffer.from(caFile, 'latin1')));
      } catch (e) {
        throw new TlsConfigError(`Failed to configure CA certificate(s) file/directory: ${openSslFileError(e)}`);
      }
    }
    if (caDir !== null) ca.push(...caDirCertificates(caDir));
    try {
      tls.createSecureContext({ ...options, ca });
    } catch (e) {
      throw new TlsConfigError(`Failed to configure CA certificate(s) file/directory: ${(e as Error).message}`);
    }
    options.ca = ca;
  }
  // Node takes TLSv1.2 ciphers and TLSv1.3 suites in one list (suites are the TLS_ names).
  const ciphers = cfg.get('tls-ciphers') || null;
  const suites = cfg.get('tls-ciphersuites') || null;
  if (ciphers !== null) {
    try {
      tls.createSecureContext({ ...options, ciphers: `${DEFAULT_SUITES}:${ciphers}` });
      // A list of TLS_ names only would be taken as suites: Redis's cipher list has none.
      if (ciphers.split(':').every((c) => c.startsWith('TLS_') || c === '')) throw new Error('no cipher match');
    } catch {
      throw new TlsConfigError(`Failed to configure ciphers: ${ciphers}`);
    }
  }
  if (suites !== null) {
    try {
      if (!suites.split(':').every((c) => c.startsWith('TLS_'))) throw new Error('no cipher match');
      tls.createSecureContext({ ...options, ciphers: `${suites}:DEFAULT` });
    } catch {
      throw new TlsConfigError(`Failed to configure ciphersuites: ${suites}`);
    }
  }
  options.ciphers = `${suites ?? DEFAULT_SUITES}:${ciphers ?? 'DEFAULT'}`;
  options.honorCipherOrder = cfg.get('tls-prefer-server-ciphers') === 'yes';
  const dhFile = cfg.get('tls-dh-params-file') || null;
  if (dhFile !== null) {
    let dh: Buffer;
    try {
      dh = fs.readFileSync(Buffer.from(dhFile, 'latin1'));
    } catch (e) {
      throw new TlsConfigError(`Failed to load ${dhFile}: ${strerror(e)}`);
    }
    try {
      tls.createSecureContext({ ...options, dhparam: dh });
    } catch (e) {
      throw new TlsConfigError(`Failed to load DH params file: ${dhFile}: ${(e as Error).message}`);
    }
    options.dhparam = dh;
  }
  // tls-session-caching: sessions resumable for tls-session-cache-timeout seconds, or none.
  if (cfg.get('tls-session-caching') === 'yes') {
    options.sessionTimeout = Number(cfg.get('tls-session-cache-timeout') ?? '300');
    options.sessionIdContext = 'redis';
  } else {
    options.secureOptions = crypto.constants.SSL_OP_NO_TICKET;
  }
  tls.createSecureContext(options);
  return options;
}

/**
 * The TLS server (never listening itself: the TLS listeners hand it their sockets) that accepts
 * connections under `options` and tls-auth-clients as it is now: `yes` refuses a client without
 * a valid certificate during the handshake, `optional` asks for one.
 */
export function createTlsAcceptor(options: tls.SecureContextOptions, authClients: string): tls.Server {
  return tls.createServer({ ...options, requestCert: authClients !== 'no', rejectUnauthorized: authClients === 'yes' });
}
