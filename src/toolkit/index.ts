/**
 * Cinder's toolkit: the patterns people use Redis for, done right, on any connection (the embedded
 * engine, cinder-server or real Redis through ioredis / node-redis). Each module is also its own
 * subpath export (`cinder/toolkit/lock`, `cinder/toolkit/ratelimit`, `cinder/toolkit/cache`, `cinder/toolkit/near-cache`, `cinder/toolkit/queue`, `cinder/toolkit/state`).
 */
export { connect, Script, type Arg, type ClientLike, type Connection } from './client.js';
export * from './lock.js';
export * from './ratelimit.js';
export * from './cache.js';
export * from './near-cache.js';
export * from './queue.js';
export * from './state.js';
