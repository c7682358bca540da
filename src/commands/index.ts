import type { CommandSpec } from '../server/command-spec.js';
import { CONNECTION_COMMANDS } from './connection.js';
import { STRING_COMMANDS } from './string.js';
import { GENERIC_COMMANDS } from './generic.js';
import { DUMP_COMMANDS } from './dump.js';
import { PERSISTENCE_COMMANDS } from './persistence.js';
import { SERVER_COMMANDS } from './server.js';
import { INTROSPECTION_COMMANDS } from './introspection.js';
import { HASH_COMMANDS } from './hash.js';
import { CONFIG_COMMANDS } from './config.js';
import { LIST_COMMANDS } from './list.js';
import { SET_COMMANDS } from './set.js';
import { SORTED_SET_COMMANDS } from './zset.js';
import { SORT_COMMANDS } from './sort.js';
import { BLOCKING_COMMANDS } from './blocking.js';
import { TRANSACTION_COMMANDS } from './transaction.js';
import { STREAM_COMMANDS } from './stream.js';
import { PUBSUB_COMMANDS } from './pubsub.js';
import { SCRIPTING_COMMANDS } from './scripting.js';
import { FUNCTION_COMMANDS } from './function.js';
import { MODULE_COMMANDS } from './module.js';
import { LOLWUT_COMMANDS } from './lolwut.js';
import { SLOWLOG_COMMANDS } from './slowlog.js';
import { LATENCY_COMMANDS } from './latency.js';
import { MONITOR_COMMANDS } from './monitor.js';
import { REPLICATION_COMMANDS } from './replication.js';

/** Every command group's table, in the order COMMAND lists them. */
export const ALL_COMMANDS: CommandSpec[] = [...CONNECTION_COMMANDS, ...STRING_COMMANDS, ...GENERIC_COMMANDS, ...DUMP_COMMANDS, ...CONFIG_COMMANDS, ...HASH_COMMANDS, ...LIST_COMMANDS, ...SET_COMMANDS, ...SORTED_SET_COMMANDS, ...SORT_COMMANDS, ...BLOCKING_COMMANDS, ...TRANSACTION_COMMANDS, ...STREAM_COMMANDS, ...PUBSUB_COMMANDS, ...SCRIPTING_COMMANDS, ...FUNCTION_COMMANDS, ...SERVER_COMMANDS, ...PERSISTENCE_COMMANDS, ...SLOWLOG_COMMANDS, ...LATENCY_COMMANDS, ...MODULE_COMMANDS, ...LOLWUT_COMMANDS, ...MONITOR_COMMANDS, ...REPLICATION_COMMANDS, ...INTROSPECTION_COMMANDS];
