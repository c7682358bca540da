/** The Redis version Cinder answers as (INFO, HELLO, redis.REDIS_VERSION, fatal config errors). */
export const REDIS_VERSION = '7.0.15';
