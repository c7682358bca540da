import { Server } from './server/server.js';
import { Config } from './server/config.js';
import { ALL_COMMANDS } from './commands/index.js';

/**
 * Assembles a Cinder engine: the server core (src/server) with every command group's table
 * (src/commands). The only module that sees both sides: the server never imports the commands,
 * so the import graph has no cycle (docs/ARCHITECTURE.md).
 */
export function createServer(config: Config = new Config()): Server {
  return new Server(config, ALL_COMMANDS);
}
