export { startServer, open, ReplyError } from './embedded/index.js';
export type { StartOptions, RunningServer, EmbeddedDb, OpenOptions, Arg, ReplyValue, PubSubMessage, Subscription } from './embedded/index.js';
export { Server } from './server/server.js';
export { createServer } from './cinder.js';
export { Config } from './server/config.js';
export { serverNodeFlags } from './server/heap.js';
