/**
 * Server configuration: redis.conf syntax and redis-server style flags.
 * INTERIM: the minimal set of parameters the core reads; the full Redis 7.0 parameter table,
 * config-file parsing and CONFIG GET/SET semantics replace this (same class and members).
 */
export class Config {
  port = 6379;
  bind: string[] = ['127.0.0.1', '-::1'];
  databases = 16;
  hz = 10;
  protoMaxBulkLen = 512 * 1024 * 1024;
  maxclients = 10000;
  timeout = 0;
  /** Warnings to log once at startup (directives accepted but not supported yet). */
  warnings: string[] = [];

  /** Builds a config from redis-server style arguments: [config-file] [--directive value ...]. */
  static fromArgs(args: string[]): Config {
    const cfg = new Config();
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--port') cfg.port = Number(args[++i]);
      else if (args[i] === '--bind') cfg.bind = [args[++i]];
    }
    return cfg;
  }

  /** Applies a partial set of directives given as an object (embedded `startServer({ ... })`). */
  static fromObject(options: Record<string, string | number | boolean>): Config {
    const cfg = new Config();
    if (options.port !== undefined) cfg.port = Number(options.port);
    if (options.bind !== undefined) cfg.bind = String(options.bind).split(/\s+/);
    return cfg;
  }
}

/** A config file or flag error: the message is what redis-server prints before exiting with 1. */
export class ConfigError extends Error {}
