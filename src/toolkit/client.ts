import { createHash } from 'node:crypto';

/**
 * The one small interface the toolkit needs from a Redis connection, and adapters for the clients
 * people use: Cinder's embedded handle (`open()`), ioredis (also its Cluster client), node-redis
 * v4+. Every toolkit module takes a `Connection` (or anything `connect` accepts).
 */

export type Arg = string | number | Buffer;

export interface Connection {
  /** Runs one command; rejects with the server's error (its message starts with the error code). */
  call(command: string, ...args: Arg[]): Promise<unknown>;
}

/** What `connect` recognises: an embedded handle or ioredis (`call`), node-redis (`sendCommand`). */
export type ClientLike = Connection | { sendCommand(args: string[]): Promise<unknown> };

/** Wraps a client so toolkit modules can use it. */
export function connect(client: ClientLike): Connection {
  if ('call' in client && typeof client.call === 'function') return client;
  if ('sendCommand' in client && typeof client.sendCommand === 'function') {
    const send = client.sendCommand.bind(client);
    return { call: (command, ...args) => send([command, ...args.map((a) => (typeof a === 'number' ? String(a) : (a as string)))]) };
  }
  throw new TypeError('cinder toolkit: expected a client with call(command, ...args) or sendCommand(args)');
}

/** The error code an error reply starts with (NOSCRIPT, WRONGTYPE, ...). */
export function errorCode(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const space = message.indexOf(' ');
  return space < 0 ? message : message.slice(0, space);
}

/**
 * A Lua script run by its SHA1 (EVALSHA), loaded on first use or after a SCRIPT FLUSH (EVAL on
 * NOSCRIPT), so a toolkit call costs one round trip and sends the body once.
 */
export class Script {
  readonly sha: string;
  constructor(readonly body: string) {
    this.sha = createHash('sha1').update(body).digest('hex');
  }

  async run(conn: Connection, keys: readonly Arg[], args: readonly Arg[]): Promise<unknown> {
    try {
      return await conn.call('EVALSHA', this.sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (errorCode(e) !== 'NOSCRIPT') throw e;
      return conn.call('EVAL', this.body, keys.length, ...keys, ...args);
    }
  }
}

/** A reply read as a number (integers arrive as numbers, bulk strings as strings). */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

/**
 * JSON with non-ASCII characters escaped: the same bytes whichever client sends it (clients differ
 * in how they encode JS strings: UTF-8, or one byte per char for the embedded engine).
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Lua that sets `now` to the server's clock in ms (TIME), so every process agrees on time. */
export const LUA_NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;
