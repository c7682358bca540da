import type { Client } from './client.js';

/**
 * What CLIENT LIST says about a client, and what its buffers cost (networking.c's
 * catClientInfoString, getClientType, getClientMemoryUsage). The server needs it beside the
 * commands: logs name the client they close ("Closing client that reached max query buffer
 * length: <info>"), and client eviction ranks clients by the same tot-mem CLIENT LIST prints.
 */

/** Redis's client types, as CLIENT LIST TYPE / CLIENT KILL TYPE name them. */
export type ClientType = 'normal' | 'replica' | 'pubsub' | 'master';

/** getClientType: our master's link, a replica (not a MONITOR), a subscriber, or a normal client. */
export function clientType(c: Client): ClientType {
  if (c.kind === 'master') return 'master';
  if (c.replica !== null) return 'replica';
  return c.pubsub !== null ? 'pubsub' : 'normal';
}

/** CLIENT LIST `flags=`: Redis's letters in Redis's order, N when none applies. */
export function clientFlags(c: Client): string {
  let f = '';
  if (c.replica !== null) f += 'S';
  if (c.monitor) f += 'O';
  if (c.kind === 'master') f += 'M';
  if (c.pubsub !== null) f += 'P';
  if (c.multi !== null) f += 'x';
  // A command held by CLIENT PAUSE blocks its client too.
  if (c.blocked !== null || c.postponedArgv !== null) f += 'b';
  const t = c.tracking;
  if (t !== null) {
    f += 't';
    if (t.brokenRedirect) f += 'R';
    if (t.bcast) f += 'B';
  }
  if (c.casDirty) f += 'd';
  if (c.closeAfterReply) f += 'c';
  if (c.closeAsap) f += 'A';
  if (c.unixSocket) f += 'U';
  if (c.noEvict) f += 'e';
  return f === '' ? 'N' : f;
}

/**
 * The fixed cost of a network client, measured: about 3.5 KB of V8 heap per idle connection
 * (the net.Socket, the Client, the Connection and its parser). The 16 KB reply buffer is counted
 * apart (rbs).
 */
const NETWORK_CLIENT_BYTES = 3584;
/** The fixed cost of a client without a socket (an embedded handle): the Client object. */
const CLIENT_BYTES = 1024;
/** Redis counts each argument's robj pointer beside its bytes (sizeof(robj*) * argc). */
const ARG_POINTER_BYTES = 8;
/** A WATCHed key's entry (the WatchEntry object and its slots in two arrays). */
const WATCHED_KEY_BYTES = 64;
/** A subscription's share held by the client (its entry in the client's set). */
const SUBSCRIPTION_BYTES = 40;
/** Redis's reply list blocks (PROTO_REPLY_CHUNK_BYTES): CLIENT LIST oll counts output in these. */
const REPLY_CHUNK_BYTES = 16 * 1024;

/** Total length of an argv's strings (Redis's argv_len_sum). */
export function argvBytesOf(argv: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < argv.length; i++) n += argv[i].length;
  return n;
}

/**
 * The arguments a client holds while not running (Redis keeps c->argv of a blocked client): the
 * blocked or postponed command's, plus those of a request still arriving.
 */
function heldArgv(c: Client): readonly string[] | null {
  if (c.blocked !== null || c.heldByScript || c.awaitingTarget) return c.suspendedArgv;
  return c.postponedArgv;
}

/** argv-mem: string bytes of the arguments the client holds (`current`: the running command's). */
export function clientArgvBytes(c: Client, currentArgvBytes: number | null): number {
  if (currentArgvBytes !== null) return currentArgvBytes;
  const held = heldArgv(c);
  return (held === null ? 0 : argvBytesOf(held)) + c.partialArgvBytes();
}

/**
 * tot-mem (getClientMemoryUsage): what a client's own state costs, the figure client eviction
 * ranks clients by and mem_clients_normal sums. Query buffer as allocated (a big argument's
 * buffer is allocated whole when its length arrives), the arguments held, the MULTI queue and
 * watched keys, the reply buffer's capacity, the output handed to the socket and not yet taken
 * by the kernel, subscriptions. `currentArgvBytes`: the running command's argv size, when `c`
 * is the client running it.
 */
export function clientMemoryUsage(c: Client, currentArgvBytes: number | null = null): number {
  let mem = c.kind === 'normal' ? NETWORK_CLIENT_BYTES : CLIENT_BYTES;
  mem += c.queryBufferAllocated();
  mem += clientArgvBytes(c, currentArgvBytes);
  const multi = c.multi;
  if (multi !== null) mem += multi.memory;
  mem += c.watched.length * WATCHED_KEY_BYTES;
  mem += c.replyBufferSize() + c.socketQueuedBytes();
  const subs = c.pubsub;
  if (subs !== null) mem += subs.total * SUBSCRIPTION_BYTES;
  return mem;
}

/**
 * The input side of a client's memory (clientsCronTrackExpansiveClients' in_usage): the query
 * buffer as allocated and the arguments held (INFO client_recent_max_input_buffer).
 */
export function clientInputMemory(c: Client): number {
  const held = heldArgv(c);
  const argc = held === null ? 0 : held.length;
  return c.queryBufferAllocated() + clientArgvBytes(c, null) + argc * ARG_POINTER_BYTES;
}

/**
 * One CLIENT LIST / CLIENT INFO line, field for field as Redis 7.0 prints it. `current` is the
 * client running the command (its argv counts as argv-mem); `argvBytes` that command's size.
 * Output buffer fields: obl is what the reply buffer holds not yet handed to the socket, omem
 * what the socket holds not yet taken by the kernel (oll: that in Redis's 16 KB blocks).
 */
export function clientInfoLine(c: Client, current: Client | null, argvBytes: number): string {
  const nowSec = Math.floor(c.server.clock.now / 1000);
  const age = nowSec - Math.floor(c.createdAt / 1000);
  const idle = nowSec - Math.floor(c.lastInteraction / 1000);
  const subs = c.pubsub;
  const sub = subs === null ? 0 : subs.channels.size;
  const psub = subs === null ? 0 : subs.patterns.size;
  const ssub = subs === null ? 0 : subs.shardChannels.size;
  const currentArgv = c === current ? argvBytes : null;
  const qbuf = c.queryBufferBytes();
  const qbufFree = Math.max(0, c.queryBufferAllocated() - qbuf);
  const argvMem = clientArgvBytes(c, currentArgv);
  const multiMem = c.multi === null ? 0 : c.multi.memory;
  const rbs = c.replyBufferSize();
  const obl = c.replyBufferBytes();
  const omem = c.socketQueuedBytes();
  const oll = Math.ceil(omem / REPLY_CHUNK_BYTES);
  const totMem = clientMemoryUsage(c, currentArgv);
  const network = c.kind === 'normal';
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name ?? ''} age=${age} idle=${idle}` +
    ` flags=${clientFlags(c)} db=${c.dbIndex} sub=${sub} psub=${psub} ssub=${ssub} multi=${c.multi === null ? -1 : c.multi.commands.length}` +
    ` qbuf=${qbuf} qbuf-free=${qbufFree} argv-mem=${argvMem} multi-mem=${multiMem} rbs=${rbs} rbp=${rbs}` +
    ` obl=${obl} oll=${oll} omem=${omem} tot-mem=${totMem} events=${network ? (omem > 0 ? 'rw' : 'r') : ''}` +
    ` cmd=${c.lastCommand?.fullName ?? 'NULL'} user=${c.userName} redir=${c.tracking === null ? -1 : c.tracking.redirect} resp=${c.resp}`
  );
}
