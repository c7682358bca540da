// Generated from the command table by src/embedded/command-methods.ts (npm run generate): do not edit.
import type { Arg, ReplyValue } from './index.js';

/** One method per command: `db.set(key, value)` sends SET key value; subcommands join (`db.configGet(...)`). */
export interface Commands {
  /** ACL CAT: Lists the ACL categories, or the commands of one category. */
  aclCat(...args: Arg[]): Promise<ReplyValue>;
  /** ACL DELUSER: Deletes users and disconnects their clients. */
  aclDeluser(...args: Arg[]): Promise<ReplyValue>;
  /** ACL DRYRUN: Tells whether a user could run a command, without running it. */
  aclDryrun(username: Arg, command: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ACL GENPASS: Returns a random password made of secure random bits. */
  aclGenpass(...args: Arg[]): Promise<ReplyValue>;
  /** ACL GETUSER: Returns a user's flags, passwords and rules. */
  aclGetuser(username: Arg): Promise<ReplyValue>;
  /** ACL HELP: Lists the ACL subcommands. */
  aclHelp(...args: Arg[]): Promise<ReplyValue>;
  /** ACL LIST: Lists every user with its rules, as an ACL file would hold them. */
  aclList(...args: Arg[]): Promise<ReplyValue>;
  /** ACL LOAD: Replaces the users with those of the ACL file. */
  aclLoad(...args: Arg[]): Promise<ReplyValue>;
  /** ACL LOG: Lists the newest commands, keys, channels and logins the ACLs refused. */
  aclLog(...args: Arg[]): Promise<ReplyValue>;
  /** ACL SAVE: Writes the users to the ACL file. */
  aclSave(...args: Arg[]): Promise<ReplyValue>;
  /** ACL SETUSER: Creates a user or changes its rules. */
  aclSetuser(username: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ACL USERS: Lists the user names. */
  aclUsers(...args: Arg[]): Promise<ReplyValue>;
  /** ACL WHOAMI: Returns the name of the user the connection runs as. */
  aclWhoami(...args: Arg[]): Promise<ReplyValue>;
  /** APPEND: Adds bytes to the end of a string value, creating the key when missing. */
  append(key: Arg, value: Arg): Promise<ReplyValue>;
  /** ASKING: Tells a cluster node that the next command follows an -ASK redirect. */
  asking(): Promise<ReplyValue>;
  /** AUTH: Authenticates the connection as a user. */
  auth(...args: Arg[]): Promise<ReplyValue>;
  /** BGREWRITEAOF: Asynchronously rewrite the append-only file */
  bgrewriteaof(): Promise<ReplyValue>;
  /** BGSAVE: Writes a point-in-time snapshot of the dataset to the RDB file while clients are served. */
  bgsave(...args: Arg[]): Promise<ReplyValue>;
  /** BITCOUNT: Counts the set bits of a string value, or of a byte or bit range of it. */
  bitcount(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** BITFIELD: Reads, sets and increments integer fields of any width and offset in a string value. */
  bitfield(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** BITFIELD_RO: Reads integer fields of any width and offset in a string value (BITFIELD GET only). */
  bitfieldRo(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** BITOP: Stores the bitwise AND, OR, XOR or NOT of string values in a key. */
  bitop(operation: Arg, destkey: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** BITPOS: Finds the first set or clear bit of a string value, optionally within a range. */
  bitpos(key: Arg, bit: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** BLMOVE: Moves an element from one end of a list to an end of another, waiting until the source has one. */
  blmove(source: Arg, destination: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** BLMPOP: Pops elements from the first non-empty list among several, waiting until one exists. */
  blmpop(timeout: Arg, numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** BLPOP: Pops the first element of the first non-empty list, waiting until one exists or the timeout passes. */
  blpop(...args: Arg[]): Promise<ReplyValue>;
  /** BRPOP: Pops the last element of the first non-empty list, waiting until one exists or the timeout passes. */
  brpop(...args: Arg[]): Promise<ReplyValue>;
  /** BRPOPLPUSH: Moves the last element of a list to the head of another, waiting until the source has one. @deprecated */
  brpoplpush(source: Arg, destination: Arg, timeout: Arg): Promise<ReplyValue>;
  /** BZMPOP: Pops members by score from the first non-empty sorted set among several, waiting until one exists. */
  bzmpop(timeout: Arg, numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** BZPOPMAX: Pops the member with the highest score from the first non-empty sorted set, waiting until one exists. */
  bzpopmax(...args: Arg[]): Promise<ReplyValue>;
  /** BZPOPMIN: Pops the member with the lowest score from the first non-empty sorted set, waiting until one exists. */
  bzpopmin(...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT CACHING: Tells the server whether the next command (or transaction) of this OPTIN / OPTOUT tracking connection tracks keys. */
  clientCaching(...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT GETNAME: Returns this connection's name. */
  clientGetname(...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT GETREDIR: Returns the id of the client this connection's invalidation messages go to. */
  clientGetredir(...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT HELP: Lists the CLIENT subcommands. */
  clientHelp(...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT ID: Returns this connection's unique id. */
  clientId(...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT INFO: Describes this connection in CLIENT LIST format. */
  clientInfo(...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT KILL: Closes the connections that match the given filters. */
  clientKill(...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT LIST: Describes the open connections, one line each. */
  clientList(...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT NO-EVICT: Exempts this connection from client eviction, or not. */
  clientNoEvict(...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT PAUSE: Suspends commands from clients, all of them or those that may write, for a time. */
  clientPause(timeout: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT REPLY: Turns the replies to this connection on or off, or skips the next one. */
  clientReply(...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT SETINFO: Records the client library name or version for this connection. */
  clientSetinfo(...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT SETNAME: Names this connection. */
  clientSetname(connectionName: Arg): Promise<ReplyValue>;
  /** CLIENT TRACKING: Turns server-assisted client-side caching on or off for this connection. */
  clientTracking(...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT TRACKINGINFO: Returns this connection's client-side caching settings. */
  clientTrackinginfo(...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT UNBLOCK: Ends the wait of a client blocked in a blocking command, as a timeout or with an error. */
  clientUnblock(clientId: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** CLIENT UNPAUSE: Ends a client pause: the commands it held run. */
  clientUnpause(...args: Arg[]): Promise<ReplyValue>;
  /** COMMAND: Describes every command the server knows. */
  command(...args: Arg[]): Promise<ReplyValue>;
  /** COMMAND COUNT: Counts the commands the server knows. */
  commandCount(...args: Arg[]): Promise<ReplyValue>;
  /** COMMAND DOCS: Describes commands for documentation purposes. */
  commandDocs(...args: Arg[]): Promise<ReplyValue>;
  /** COMMAND GETKEYS: Extracts the key names from a full command line. */
  commandGetkeys(...args: Arg[]): Promise<ReplyValue>;
  /** COMMAND GETKEYSANDFLAGS: Extracts the key names, with their access flags, from a full command line. */
  commandGetkeysandflags(...args: Arg[]): Promise<ReplyValue>;
  /** COMMAND HELP: Lists the COMMAND subcommands. */
  commandHelp(...args: Arg[]): Promise<ReplyValue>;
  /** COMMAND INFO: Describes the given commands, or all of them. */
  commandInfo(...args: Arg[]): Promise<ReplyValue>;
  /** COMMAND LIST: Lists command names, optionally filtered by category or pattern. */
  commandList(...args: Arg[]): Promise<ReplyValue>;
  /** CONFIG GET: Returns the values of the parameters matching the given names or patterns. */
  configGet(...args: Arg[]): Promise<ReplyValue>;
  /** CONFIG HELP: Lists the CONFIG subcommands. */
  configHelp(...args: Arg[]): Promise<ReplyValue>;
  /** CONFIG RESETSTAT: Zeroes the statistics INFO reports. */
  configResetstat(...args: Arg[]): Promise<ReplyValue>;
  /** CONFIG REWRITE: Writes the current parameters back into the config file. */
  configRewrite(...args: Arg[]): Promise<ReplyValue>;
  /** CONFIG SET: Changes one or more parameters at once, all or none. */
  configSet(...args: Arg[]): Promise<ReplyValue>;
  /** COPY: Duplicates a key's value and TTL under another name, optionally in another database. */
  copy(source: Arg, destination: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** DBSIZE: Counts the keys of the current database. */
  dbsize(): Promise<ReplyValue>;
  /** DEBUG: Testing and troubleshooting helpers. */
  debug(...args: Arg[]): Promise<ReplyValue>;
  /** DECR: Subtracts one from the integer value of a key (0 when missing). */
  decr(key: Arg): Promise<ReplyValue>;
  /** DECRBY: Subtracts a signed 64-bit amount from the integer value of a key (0 when missing). */
  decrby(key: Arg, decrement: Arg): Promise<ReplyValue>;
  /** DEL: Removes keys, returning how many existed. */
  del(...args: Arg[]): Promise<ReplyValue>;
  /** DISCARD: Drops the commands queued since MULTI and leaves the transaction. */
  discard(): Promise<ReplyValue>;
  /** DUMP: Serializes a key's value in Redis's RDB format, with the format version and a checksum. */
  dump(key: Arg): Promise<ReplyValue>;
  /** ECHO: Returns the given string. */
  echo(message: Arg): Promise<ReplyValue>;
  /** EVAL: Runs a Lua script on the server. */
  eval(script: Arg, numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** EVAL_RO: Runs a read-only Lua script on the server. */
  evalRo(script: Arg, numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** EVALSHA: Runs a Lua script from the script cache by its SHA1 digest. */
  evalsha(sha1: Arg, numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** EVALSHA_RO: Runs a read-only Lua script from the script cache by its SHA1 digest. */
  evalshaRo(sha1: Arg, numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** EXEC: Runs the commands queued since MULTI, answering with all their replies. */
  exec(): Promise<ReplyValue>;
  /** EXISTS: Counts how many of the given keys exist (a repeated key counts each time). */
  exists(...args: Arg[]): Promise<ReplyValue>;
  /** EXPIRE: Sets a time to live in seconds on a key, optionally only under a condition on the current one. */
  expire(key: Arg, seconds: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** EXPIREAT: Sets the Unix time in seconds at which a key expires. */
  expireat(key: Arg, unixTimeSeconds: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** EXPIRETIME: The Unix time in seconds at which a key expires (-1 without TTL, -2 when missing). */
  expiretime(key: Arg): Promise<ReplyValue>;
  /** FAILOVER: Start a coordinated failover between this server and one of its replicas. */
  failover(...args: Arg[]): Promise<ReplyValue>;
  /** FCALL: Calls a function of a loaded library. */
  fcall(functionArg: Arg, numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** FCALL_RO: Calls a read-only function of a loaded library. */
  fcallRo(functionArg: Arg, numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** FLUSHALL: Deletes every key of every database. */
  flushall(...args: Arg[]): Promise<ReplyValue>;
  /** FLUSHDB: Deletes every key of the current database. */
  flushdb(...args: Arg[]): Promise<ReplyValue>;
  /** FUNCTION DELETE: Deletes a library and its functions. */
  functionDelete(libraryName: Arg): Promise<ReplyValue>;
  /** FUNCTION DUMP: Serializes every library into a payload FUNCTION RESTORE accepts. */
  functionDump(...args: Arg[]): Promise<ReplyValue>;
  /** FUNCTION FLUSH: Deletes every library. */
  functionFlush(...args: Arg[]): Promise<ReplyValue>;
  /** FUNCTION HELP: Describes the FUNCTION subcommands. */
  functionHelp(...args: Arg[]): Promise<ReplyValue>;
  /** FUNCTION KILL: Stops the function that is running, if it has not written yet. */
  functionKill(...args: Arg[]): Promise<ReplyValue>;
  /** FUNCTION LIST: Describes the loaded libraries and their functions. */
  functionList(...args: Arg[]): Promise<ReplyValue>;
  /** FUNCTION LOAD: Loads a library of functions. */
  functionLoad(...args: Arg[]): Promise<ReplyValue>;
  /** FUNCTION RESTORE: Loads the libraries of a FUNCTION DUMP payload. */
  functionRestore(serializedValue: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** FUNCTION STATS: Describes the function running now and the engines. */
  functionStats(...args: Arg[]): Promise<ReplyValue>;
  /** GEOADD: Adds points (longitude, latitude, member) to a geo set, a sorted set scored by geohash. */
  geoadd(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** GEODIST: Returns the distance between two members of a geo set. */
  geodist(key: Arg, member1: Arg, member2: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** GEOHASH: Returns members of a geo set as standard 11-character geohash strings. */
  geohash(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** GEOPOS: Returns the longitude and latitude of members of a geo set. */
  geopos(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** GEORADIUS: Finds the members of a geo set within a radius of a point, optionally storing them. @deprecated */
  georadius(key: Arg, longitude: Arg, latitude: Arg, radius: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** GEORADIUS_RO: The read-only form of GEORADIUS. @deprecated */
  georadiusRo(key: Arg, longitude: Arg, latitude: Arg, radius: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** GEORADIUSBYMEMBER: Finds the members of a geo set within a radius of one of its members, optionally storing them. @deprecated */
  georadiusbymember(key: Arg, member: Arg, radius: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** GEORADIUSBYMEMBER_RO: The read-only form of GEORADIUSBYMEMBER. @deprecated */
  georadiusbymemberRo(key: Arg, member: Arg, radius: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** GEOSEARCH: Finds the members of a geo set inside a circle or a box around a point or a member. */
  geosearch(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** GEOSEARCHSTORE: Stores the members of a geo set inside a circle or a box in another key, with their geohash or distance as score. */
  geosearchstore(destination: Arg, source: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** GET: Returns the string value of a key. */
  get(key: Arg): Promise<ReplyValue>;
  /** GETBIT: Returns one bit of a string value (0 past its end). */
  getbit(key: Arg, offset: Arg): Promise<ReplyValue>;
  /** GETDEL: Returns the string value of a key and deletes the key. */
  getdel(key: Arg): Promise<ReplyValue>;
  /** GETEX: Returns the string value of a key and optionally changes or removes its expiry. */
  getex(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** GETRANGE: Returns a substring of a string value, by byte offsets (negative ones count from the end). */
  getrange(key: Arg, start: Arg, end: Arg): Promise<ReplyValue>;
  /** GETSET: Replaces the string value of a key and returns the value it had before. @deprecated */
  getset(key: Arg, value: Arg): Promise<ReplyValue>;
  /** HDEL: Removes fields from a hash, deleting the key when none remain. */
  hdel(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** HELLO: Negotiates the protocol version, optionally authenticating and naming the connection. */
  hello(...args: Arg[]): Promise<ReplyValue>;
  /** HEXISTS: Tells whether a hash has a field. */
  hexists(key: Arg, field: Arg): Promise<ReplyValue>;
  /** HGET: Returns one field's value from a hash. */
  hget(key: Arg, field: Arg): Promise<ReplyValue>;
  /** HGETALL: Returns every field and value of a hash. */
  hgetall(key: Arg): Promise<ReplyValue>;
  /** HINCRBY: Adds an integer to a hash field's integer value, creating the field at 0. */
  hincrby(key: Arg, field: Arg, increment: Arg): Promise<ReplyValue>;
  /** HINCRBYFLOAT: Adds a floating-point amount to a hash field's value, creating the field at 0. */
  hincrbyfloat(key: Arg, field: Arg, increment: Arg): Promise<ReplyValue>;
  /** HKEYS: Returns every field name of a hash. */
  hkeys(key: Arg): Promise<ReplyValue>;
  /** HLEN: Counts the fields of a hash. */
  hlen(key: Arg): Promise<ReplyValue>;
  /** HMGET: Returns the values of several hash fields (nil for each missing one). */
  hmget(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** HMSET: Sets several hash fields at once and answers OK (superseded by HSET). @deprecated */
  hmset(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** HRANDFIELD: Picks random fields (optionally with values) from a hash, distinct or with repetition. */
  hrandfield(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** HSCAN: Walks the fields and values of a hash a few at a time with a cursor, optionally filtered by a pattern. */
  hscan(key: Arg, cursor: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** HSET: Sets one or more hash fields, creating the hash if needed; returns how many fields were new. */
  hset(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** HSETNX: Sets a hash field only when it does not exist yet. */
  hsetnx(key: Arg, field: Arg, value: Arg): Promise<ReplyValue>;
  /** HSTRLEN: Returns the length in bytes of a hash field's value. */
  hstrlen(key: Arg, field: Arg): Promise<ReplyValue>;
  /** HVALS: Returns every value of a hash. */
  hvals(key: Arg): Promise<ReplyValue>;
  /** INCR: Adds one to the integer value of a key (0 when missing). */
  incr(key: Arg): Promise<ReplyValue>;
  /** INCRBY: Adds a signed 64-bit amount to the integer value of a key (0 when missing). */
  incrby(key: Arg, increment: Arg): Promise<ReplyValue>;
  /** INCRBYFLOAT: Adds a floating-point amount to the numeric value of a key (0 when missing). */
  incrbyfloat(key: Arg, increment: Arg): Promise<ReplyValue>;
  /** INFO: Reports server state and statistics, by section. */
  info(...args: Arg[]): Promise<ReplyValue>;
  /** KEYS: Lists every key matching a glob-style pattern (walks the whole database). */
  keys(pattern: Arg): Promise<ReplyValue>;
  /** LASTSAVE: Returns the Unix time of the last successful save. */
  lastsave(): Promise<ReplyValue>;
  /** LATENCY DOCTOR: Returns a human readable analysis of the latency spikes seen. */
  latencyDoctor(...args: Arg[]): Promise<ReplyValue>;
  /** LATENCY GRAPH: Draws an event's recent latency spikes as ASCII art. */
  latencyGraph(event: Arg): Promise<ReplyValue>;
  /** LATENCY HELP: Lists the LATENCY subcommands. */
  latencyHelp(...args: Arg[]): Promise<ReplyValue>;
  /** LATENCY HISTOGRAM: Returns the cumulative latency distribution of some or all commands. */
  latencyHistogram(...args: Arg[]): Promise<ReplyValue>;
  /** LATENCY HISTORY: Returns the stored spikes of an event, oldest first. */
  latencyHistory(event: Arg): Promise<ReplyValue>;
  /** LATENCY LATEST: Returns each event's latest spike. */
  latencyLatest(...args: Arg[]): Promise<ReplyValue>;
  /** LATENCY RESET: Forgets the latency spikes of some or all events. */
  latencyReset(...args: Arg[]): Promise<ReplyValue>;
  /** LCS: Finds the longest common subsequence of two string values. */
  lcs(key1: Arg, key2: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** LINDEX: Returns the element at an index of a list (negative indexes count from the tail). */
  lindex(key: Arg, index: Arg): Promise<ReplyValue>;
  /** LINSERT: Inserts an element before or after the first occurrence of a pivot element. */
  linsert(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** LLEN: Counts the elements of a list. */
  llen(key: Arg): Promise<ReplyValue>;
  /** LMOVE: Pops an element from one end of a list and pushes it at one end of another (or the same) list. */
  lmove(source: Arg, destination: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** LMPOP: Pops one or more elements from the first non-empty list among several keys. */
  lmpop(numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** LOLWUT: Draws a little computer art and shows the Redis version Cinder answers as. */
  lolwut(...args: Arg[]): Promise<ReplyValue>;
  /** LPOP: Removes and returns the first elements of a list, deleting the key when it empties. */
  lpop(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** LPOS: Returns the index (or indexes) of matching elements in a list. */
  lpos(key: Arg, element: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** LPUSH: Prepends elements to a list, creating the list when needed. */
  lpush(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** LPUSHX: Prepends elements to a list only when the list exists. */
  lpushx(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** LRANGE: Returns a range of elements of a list (negative indexes count from the tail). */
  lrange(key: Arg, start: Arg, stop: Arg): Promise<ReplyValue>;
  /** LREM: Removes elements equal to a value, from the head, from the tail, or all of them. */
  lrem(key: Arg, count: Arg, element: Arg): Promise<ReplyValue>;
  /** LSET: Replaces the element at an index of a list. */
  lset(key: Arg, index: Arg, element: Arg): Promise<ReplyValue>;
  /** LTRIM: Keeps only a range of elements of a list, deleting the key when nothing remains. */
  ltrim(key: Arg, start: Arg, stop: Arg): Promise<ReplyValue>;
  /** MEMORY DOCTOR: Reports memory problems and advice. */
  memoryDoctor(...args: Arg[]): Promise<ReplyValue>;
  /** MEMORY HELP: Lists the MEMORY subcommands. */
  memoryHelp(...args: Arg[]): Promise<ReplyValue>;
  /** MEMORY MALLOC-STATS: Reports the memory allocator's internal statistics. */
  memoryMallocStats(...args: Arg[]): Promise<ReplyValue>;
  /** MEMORY PURGE: Asks the allocator to release unused memory. */
  memoryPurge(...args: Arg[]): Promise<ReplyValue>;
  /** MEMORY STATS: Reports memory usage figures. */
  memoryStats(...args: Arg[]): Promise<ReplyValue>;
  /** MEMORY USAGE: Estimates the bytes a key and its value use. */
  memoryUsage(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** MGET: Returns the string values of several keys at once. */
  mget(...args: Arg[]): Promise<ReplyValue>;
  /** MIGRATE: Moves keys to another Redis server: DUMP here, RESTORE there, then DEL here. */
  migrate(host: Arg, port: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** MODULE HELP: Lists the MODULE subcommands. */
  moduleHelp(...args: Arg[]): Promise<ReplyValue>;
  /** MODULE LIST: Lists the loaded modules: always none in Cinder. */
  moduleList(...args: Arg[]): Promise<ReplyValue>;
  /** MODULE LOAD: Loads a module library; Cinder cannot, so it fails as a missing library does. */
  moduleLoad(path: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** MODULE LOADEX: Loads a module library with configuration values; Cinder cannot, so it fails. */
  moduleLoadex(path: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** MODULE UNLOAD: Unloads a module by name; none is ever loaded in Cinder. */
  moduleUnload(name: Arg): Promise<ReplyValue>;
  /** MONITOR: Streams every command the server runs to this connection, as it runs them. */
  monitor(): Promise<ReplyValue>;
  /** MOVE: Moves a key to another database unless the name is taken there. */
  move(key: Arg, db: Arg): Promise<ReplyValue>;
  /** MSET: Sets the string values of several keys at once. */
  mset(...args: Arg[]): Promise<ReplyValue>;
  /** MSETNX: Sets several keys at once, but only when none of them exists yet. */
  msetnx(...args: Arg[]): Promise<ReplyValue>;
  /** MULTI: Starts a transaction: the commands that follow are queued until EXEC. */
  multi(): Promise<ReplyValue>;
  /** OBJECT ENCODING: Names the internal representation of the value of a key. */
  objectEncoding(key: Arg): Promise<ReplyValue>;
  /** OBJECT FREQ: The logarithmic access frequency counter of a key (LFU policies only). */
  objectFreq(key: Arg): Promise<ReplyValue>;
  /** OBJECT HELP: Lists the OBJECT subcommands. */
  objectHelp(...args: Arg[]): Promise<ReplyValue>;
  /** OBJECT IDLETIME: Seconds since the key was last read or written. */
  objectIdletime(key: Arg): Promise<ReplyValue>;
  /** OBJECT REFCOUNT: The reference count of the value of a key. */
  objectRefcount(key: Arg): Promise<ReplyValue>;
  /** PERSIST: Removes the time to live of a key. */
  persist(key: Arg): Promise<ReplyValue>;
  /** PEXPIRE: Sets a time to live in milliseconds on a key, optionally only under a condition on the current one. */
  pexpire(key: Arg, milliseconds: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** PEXPIREAT: Sets the Unix time in milliseconds at which a key expires. */
  pexpireat(key: Arg, unixTimeMilliseconds: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** PEXPIRETIME: The Unix time in milliseconds at which a key expires (-1 without TTL, -2 when missing). */
  pexpiretime(key: Arg): Promise<ReplyValue>;
  /** PFADD: Adds elements to a HyperLogLog, creating the key when missing. */
  pfadd(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** PFCOUNT: Returns the estimated number of distinct elements seen by one HyperLogLog, or by the union of several. */
  pfcount(...args: Arg[]): Promise<ReplyValue>;
  /** PFDEBUG: Inspects or converts the representation of a HyperLogLog (GETREG, DECODE, ENCODING, TODENSE). */
  pfdebug(subcommand: Arg, key: Arg): Promise<ReplyValue>;
  /** PFMERGE: Stores the union of HyperLogLogs in a key, merged with what it holds. */
  pfmerge(destkey: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** PFSELFTEST: Runs the HyperLogLog implementation against itself and answers OK. */
  pfselftest(): Promise<ReplyValue>;
  /** PING: Checks that the server answers. */
  ping(...args: Arg[]): Promise<ReplyValue>;
  /** PSETEX: Sets the value of a key together with a time to live in milliseconds. */
  psetex(key: Arg, milliseconds: Arg, value: Arg): Promise<ReplyValue>;
  /** PSUBSCRIBE: Listens for messages published to channels matching the given glob patterns. */
  psubscribe(...args: Arg[]): Promise<ReplyValue>;
  /** PSYNC: Asks to continue a replication stream from an offset, or for a full copy when it cannot. */
  psync(replicationid: Arg, offset: Arg): Promise<ReplyValue>;
  /** PTTL: Remaining time to live of a key in milliseconds (-1 without TTL, -2 when missing). */
  pttl(key: Arg): Promise<ReplyValue>;
  /** PUBLISH: Posts a message to a channel and returns how many subscribers received it. */
  publish(channel: Arg, message: Arg): Promise<ReplyValue>;
  /** PUBSUB CHANNELS: Lists the channels that have subscribers, optionally only those matching a pattern. */
  pubsubChannels(...args: Arg[]): Promise<ReplyValue>;
  /** PUBSUB HELP: Lists the PUBSUB subcommands. */
  pubsubHelp(...args: Arg[]): Promise<ReplyValue>;
  /** PUBSUB NUMPAT: Counts the distinct patterns clients are subscribed to. */
  pubsubNumpat(...args: Arg[]): Promise<ReplyValue>;
  /** PUBSUB NUMSUB: Counts the subscribers of each given channel (pattern subscribers excluded). */
  pubsubNumsub(...args: Arg[]): Promise<ReplyValue>;
  /** PUBSUB SHARDCHANNELS: Lists the shard channels that have subscribers, optionally only those matching a pattern. */
  pubsubShardchannels(...args: Arg[]): Promise<ReplyValue>;
  /** PUBSUB SHARDNUMSUB: Counts the subscribers of each given shard channel. */
  pubsubShardnumsub(...args: Arg[]): Promise<ReplyValue>;
  /** PUNSUBSCRIBE: Stops listening to messages published to channels matching the given patterns (all when none is given). */
  punsubscribe(...args: Arg[]): Promise<ReplyValue>;
  /** QUIT: Closes the connection once the reply is sent. */
  quit(...args: Arg[]): Promise<ReplyValue>;
  /** RANDOMKEY: Picks a key at random from the current database. */
  randomkey(): Promise<ReplyValue>;
  /** READONLY: Lets this connection read from a cluster replica's slots. */
  readonly(): Promise<ReplyValue>;
  /** READWRITE: Ends READONLY for this connection. */
  readwrite(): Promise<ReplyValue>;
  /** RENAME: Gives a key a new name, replacing any key with that name; the TTL moves along. */
  rename(key: Arg, newkey: Arg): Promise<ReplyValue>;
  /** RENAMENX: Gives a key a new name only when no key has that name yet. */
  renamenx(key: Arg, newkey: Arg): Promise<ReplyValue>;
  /** REPLCONF: Tells the master about a replica: its port, address, capabilities and acknowledged offset. */
  replconf(...args: Arg[]): Promise<ReplyValue>;
  /** REPLICAOF: Makes this server a replica of another one, or promotes it to a master. */
  replicaof(...args: Arg[]): Promise<ReplyValue>;
  /** RESET: Returns the connection to its initial state. */
  reset(): Promise<ReplyValue>;
  /** RESTORE: Creates a key from a value serialized by DUMP. */
  restore(key: Arg, ttl: Arg, serializedValue: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** RESTORE-ASKING: RESTORE as a cluster node sends it to the node it migrates keys to. */
  restoreAsking(key: Arg, ttl: Arg, serializedValue: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ROLE: Says whether the server is a master or a replica, with its replication offset and peers. */
  role(): Promise<ReplyValue>;
  /** RPOP: Removes and returns the last elements of a list, deleting the key when it empties. */
  rpop(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** RPOPLPUSH: Pops the last element of a list and prepends it to another (or the same) list. @deprecated */
  rpoplpush(source: Arg, destination: Arg): Promise<ReplyValue>;
  /** RPUSH: Appends elements to a list, creating the list when needed. */
  rpush(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** RPUSHX: Appends elements to a list only when the list exists. */
  rpushx(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** SADD: Adds members to a set, creating it if needed; returns how many were new. */
  sadd(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** SAVE: Writes the whole dataset to the RDB file, blocking until it is on disk. */
  save(): Promise<ReplyValue>;
  /** SCAN: Walks the keys of the database a few at a time with a cursor, with optional pattern and type filters. */
  scan(cursor: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** SCARD: Counts the members of a set. */
  scard(key: Arg): Promise<ReplyValue>;
  /** SCRIPT EXISTS: Tells whether scripts are in the script cache. */
  scriptExists(...args: Arg[]): Promise<ReplyValue>;
  /** SCRIPT FLUSH: Removes every script from the script cache. */
  scriptFlush(...args: Arg[]): Promise<ReplyValue>;
  /** SCRIPT HELP: Describes the SCRIPT subcommands. */
  scriptHelp(...args: Arg[]): Promise<ReplyValue>;
  /** SCRIPT KILL: Stops the script that is running, if it has not written yet. */
  scriptKill(...args: Arg[]): Promise<ReplyValue>;
  /** SCRIPT LOAD: Loads a script into the script cache without running it. */
  scriptLoad(script: Arg): Promise<ReplyValue>;
  /** SDIFF: Returns the members of the first set that none of the other sets has. */
  sdiff(...args: Arg[]): Promise<ReplyValue>;
  /** SDIFFSTORE: Stores the difference of sets in a key (deleting it when empty); returns its size. */
  sdiffstore(destination: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** SELECT: Switches the connection to another database. */
  select(index: Arg): Promise<ReplyValue>;
  /** SET: Sets the string value of a key, with optional condition, expiry and old-value return. */
  set(key: Arg, value: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** SETBIT: Sets or clears one bit of a string value, growing it with zero bytes as needed. */
  setbit(key: Arg, offset: Arg, value: Arg): Promise<ReplyValue>;
  /** SETEX: Sets the value of a key together with a time to live in seconds. */
  setex(key: Arg, seconds: Arg, value: Arg): Promise<ReplyValue>;
  /** SETNX: Sets the value of a key only when the key does not exist yet. */
  setnx(key: Arg, value: Arg): Promise<ReplyValue>;
  /** SETRANGE: Overwrites part of a string value at a byte offset, zero-padding as needed. */
  setrange(key: Arg, offset: Arg, value: Arg): Promise<ReplyValue>;
  /** SHUTDOWN: Stops the server, saving first unless told otherwise. */
  shutdown(...args: Arg[]): Promise<ReplyValue>;
  /** SINTER: Returns the members every given set has. */
  sinter(...args: Arg[]): Promise<ReplyValue>;
  /** SINTERCARD: Counts the members every given set has, optionally stopping at a limit. */
  sintercard(numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** SINTERSTORE: Stores the intersection of sets in a key (deleting it when empty); returns its size. */
  sinterstore(destination: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** SISMEMBER: Tells whether a member belongs to a set. */
  sismember(key: Arg, member: Arg): Promise<ReplyValue>;
  /** SLAVEOF: Makes this server a replica of another one, or promotes it to a master. @deprecated */
  slaveof(...args: Arg[]): Promise<ReplyValue>;
  /** SLOWLOG GET: Returns the newest entries of the slow log. */
  slowlogGet(...args: Arg[]): Promise<ReplyValue>;
  /** SLOWLOG HELP: Lists the SLOWLOG subcommands. */
  slowlogHelp(...args: Arg[]): Promise<ReplyValue>;
  /** SLOWLOG LEN: Returns how many entries the slow log holds. */
  slowlogLen(...args: Arg[]): Promise<ReplyValue>;
  /** SLOWLOG RESET: Empties the slow log. */
  slowlogReset(...args: Arg[]): Promise<ReplyValue>;
  /** SMEMBERS: Returns every member of a set. */
  smembers(key: Arg): Promise<ReplyValue>;
  /** SMISMEMBER: Tells, for each of several members, whether it belongs to a set. */
  smismember(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** SMOVE: Moves a member from one set to another. */
  smove(source: Arg, destination: Arg, member: Arg): Promise<ReplyValue>;
  /** SORT: Sorts a list, set or sorted set (optionally by external keys) and answers or stores the result. */
  sort(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** SORT_RO: Sorts a list, set or sorted set (optionally by external keys) and answers the result. */
  sortRo(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** SPOP: Removes and returns one or more random members of a set. */
  spop(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** SPUBLISH: Posts a message to a shard channel and returns how many subscribers received it. */
  spublish(shardchannel: Arg, message: Arg): Promise<ReplyValue>;
  /** SRANDMEMBER: Returns random members of a set: distinct for a positive count, possibly repeated for a negative one. */
  srandmember(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** SREM: Removes members from a set, deleting the key when none remain. */
  srem(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** SSCAN: Walks the members of a set a few at a time with a cursor, optionally filtered by a pattern. */
  sscan(key: Arg, cursor: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** SSUBSCRIBE: Listens for messages published to the given shard channels. */
  ssubscribe(...args: Arg[]): Promise<ReplyValue>;
  /** STRLEN: Returns the length in bytes of a string value. */
  strlen(key: Arg): Promise<ReplyValue>;
  /** SUBSCRIBE: Listens for messages published to the given channels. */
  subscribe(...args: Arg[]): Promise<ReplyValue>;
  /** SUBSTR: Returns a substring of a string value (the older name of GETRANGE). @deprecated */
  substr(key: Arg, start: Arg, end: Arg): Promise<ReplyValue>;
  /** SUNION: Returns the members of all the given sets. */
  sunion(...args: Arg[]): Promise<ReplyValue>;
  /** SUNIONSTORE: Stores the union of sets in a key (deleting it when empty); returns its size. */
  sunionstore(destination: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** SUNSUBSCRIBE: Stops listening to messages posted to shard channels (all of them when none is given). */
  sunsubscribe(...args: Arg[]): Promise<ReplyValue>;
  /** SWAPDB: Exchanges the contents of two databases, for every connected client at once. */
  swapdb(index1: Arg, index2: Arg): Promise<ReplyValue>;
  /** SYNC: Asks for a full copy of the dataset and then the stream of writes (replication, old protocol). */
  sync(): Promise<ReplyValue>;
  /** TIME: Returns the server's clock: seconds and microseconds. */
  time(): Promise<ReplyValue>;
  /** TOUCH: Marks keys as just accessed; returns how many exist. */
  touch(...args: Arg[]): Promise<ReplyValue>;
  /** TTL: Remaining time to live of a key in seconds (-1 without TTL, -2 when missing). */
  ttl(key: Arg): Promise<ReplyValue>;
  /** TYPE: Names the type of a key's value, or none. */
  type(key: Arg): Promise<ReplyValue>;
  /** UNLINK: Removes keys, reclaiming their memory out of the command path; returns how many existed. */
  unlink(...args: Arg[]): Promise<ReplyValue>;
  /** UNSUBSCRIBE: Stops listening to messages posted to channels (all of them when none is given). */
  unsubscribe(...args: Arg[]): Promise<ReplyValue>;
  /** UNWATCH: Forgets every key watched by this connection. */
  unwatch(): Promise<ReplyValue>;
  /** WAIT: Blocks until the replicas acknowledged the connection's writes, or the timeout passes. */
  wait(numreplicas: Arg, timeout: Arg): Promise<ReplyValue>;
  /** WATCH: Watches keys: a later EXEC fails if any of them changes first. */
  watch(...args: Arg[]): Promise<ReplyValue>;
  /** XACK: Acknowledges entries of a consumer group, removing them from its pending list. */
  xack(key: Arg, group: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** XADD: Appends an entry to a stream, creating the key when needed. */
  xadd(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** XAUTOCLAIM: Transfers ownership of pending entries idle long enough, scanning from a start ID. */
  xautoclaim(key: Arg, group: Arg, consumer: Arg, minIdleTime: Arg, start: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** XCLAIM: Transfers ownership of pending entries to a consumer. */
  xclaim(key: Arg, group: Arg, consumer: Arg, minIdleTime: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** XDEL: Deletes entries of a stream by ID. */
  xdel(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** XGROUP CREATE: Creates a consumer group. */
  xgroupCreate(key: Arg, groupname: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** XGROUP CREATECONSUMER: Creates a consumer in a consumer group. */
  xgroupCreateconsumer(key: Arg, groupname: Arg, consumername: Arg): Promise<ReplyValue>;
  /** XGROUP DELCONSUMER: Deletes a consumer from a consumer group. */
  xgroupDelconsumer(key: Arg, groupname: Arg, consumername: Arg): Promise<ReplyValue>;
  /** XGROUP DESTROY: Destroys a consumer group. */
  xgroupDestroy(key: Arg, groupname: Arg): Promise<ReplyValue>;
  /** XGROUP HELP: Returns helpful text about the different subcommands. */
  xgroupHelp(...args: Arg[]): Promise<ReplyValue>;
  /** XGROUP SETID: Sets the last-delivered ID of a consumer group. */
  xgroupSetid(key: Arg, groupname: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** XINFO CONSUMERS: Returns a list of the consumers in a consumer group. */
  xinfoConsumers(key: Arg, groupname: Arg): Promise<ReplyValue>;
  /** XINFO GROUPS: Returns a list of the consumer groups of a stream. */
  xinfoGroups(key: Arg): Promise<ReplyValue>;
  /** XINFO HELP: Returns helpful text about the different subcommands. */
  xinfoHelp(...args: Arg[]): Promise<ReplyValue>;
  /** XINFO STREAM: Returns information about a stream. */
  xinfoStream(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** XLEN: Returns the number of entries in a stream. */
  xlen(key: Arg): Promise<ReplyValue>;
  /** XPENDING: Returns the pending entries of a consumer group. */
  xpending(key: Arg, group: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** XRANGE: Returns the entries of a stream within a range of IDs. */
  xrange(key: Arg, start: Arg, end: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** XREAD: Returns entries from several streams with IDs greater than the requested ones. */
  xread(...args: Arg[]): Promise<ReplyValue>;
  /** XREADGROUP: Returns new or historical entries of streams for a consumer of a group. */
  xreadgroup(...args: Arg[]): Promise<ReplyValue>;
  /** XREVRANGE: Returns the entries of a stream within a range of IDs, in reverse order. */
  xrevrange(key: Arg, end: Arg, start: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** XSETID: Sets the last ID (and counters) of a stream. */
  xsetid(key: Arg, lastId: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** XTRIM: Removes the oldest entries of a stream. */
  xtrim(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZADD: Adds members with scores to a sorted set, or updates their scores; creates the key if needed. */
  zadd(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZCARD: Returns how many members a sorted set has. */
  zcard(key: Arg): Promise<ReplyValue>;
  /** ZCOUNT: Counts the members whose score lies within a range. */
  zcount(key: Arg, min: Arg, max: Arg): Promise<ReplyValue>;
  /** ZDIFF: Returns the members of the first sorted set that are in none of the others. */
  zdiff(numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZDIFFSTORE: Stores the difference of sorted sets in a key. */
  zdiffstore(destination: Arg, numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZINCRBY: Adds an amount to a member's score, creating the member at 0 first if needed. */
  zincrby(key: Arg, increment: Arg, member: Arg): Promise<ReplyValue>;
  /** ZINTER: Returns the members present in every given sorted set, with aggregated scores. */
  zinter(numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZINTERCARD: Counts the members present in every given sorted set, optionally stopping at a limit. */
  zintercard(numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZINTERSTORE: Stores the intersection of sorted sets in a key. */
  zinterstore(destination: Arg, numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZLEXCOUNT: Counts the members within a lexicographical range (for members sharing one score). */
  zlexcount(key: Arg, min: Arg, max: Arg): Promise<ReplyValue>;
  /** ZMPOP: Pops the lowest or highest scored members from the first non-empty sorted set among the keys. */
  zmpop(numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZMSCORE: Returns the scores of several members (null for absent ones). */
  zmscore(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZPOPMAX: Removes and returns the highest scored members. */
  zpopmax(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZPOPMIN: Removes and returns the lowest scored members. */
  zpopmin(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZRANDMEMBER: Returns one or more random members, optionally with their scores. */
  zrandmember(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZRANGE: Returns members within a range of ranks, scores or lexicographical values, optionally reversed. */
  zrange(key: Arg, start: Arg, stop: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZRANGEBYLEX: Returns members within a lexicographical range. @deprecated */
  zrangebylex(key: Arg, min: Arg, max: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZRANGEBYSCORE: Returns members within a score range. @deprecated */
  zrangebyscore(key: Arg, min: Arg, max: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZRANGESTORE: Stores a range of members (by rank, score or lex) of a sorted set in another key. */
  zrangestore(dst: Arg, src: Arg, min: Arg, max: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZRANK: Returns the 0-based position of a member in ascending score order. */
  zrank(key: Arg, member: Arg): Promise<ReplyValue>;
  /** ZREM: Removes members from a sorted set, deleting the key when none remain. */
  zrem(key: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZREMRANGEBYLEX: Removes the members within a lexicographical range. */
  zremrangebylex(key: Arg, min: Arg, max: Arg): Promise<ReplyValue>;
  /** ZREMRANGEBYRANK: Removes the members within a range of ranks. */
  zremrangebyrank(key: Arg, start: Arg, stop: Arg): Promise<ReplyValue>;
  /** ZREMRANGEBYSCORE: Removes the members within a score range. */
  zremrangebyscore(key: Arg, min: Arg, max: Arg): Promise<ReplyValue>;
  /** ZREVRANGE: Returns members within a range of ranks, from the highest score down. @deprecated */
  zrevrange(key: Arg, start: Arg, stop: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZREVRANGEBYLEX: Returns members within a lexicographical range, from the highest down. @deprecated */
  zrevrangebylex(key: Arg, max: Arg, min: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZREVRANGEBYSCORE: Returns members within a score range, from the highest score down. @deprecated */
  zrevrangebyscore(key: Arg, max: Arg, min: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZREVRANK: Returns the 0-based position of a member in descending score order. */
  zrevrank(key: Arg, member: Arg): Promise<ReplyValue>;
  /** ZSCAN: Iterates over the members and scores of a sorted set a few at a time with a cursor. */
  zscan(key: Arg, cursor: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZSCORE: Returns the score of a member. */
  zscore(key: Arg, member: Arg): Promise<ReplyValue>;
  /** ZUNION: Returns the union of sorted sets, with aggregated scores. */
  zunion(numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
  /** ZUNIONSTORE: Stores the union of sorted sets in a key. */
  zunionstore(destination: Arg, numkeys: Arg, ...args: Arg[]): Promise<ReplyValue>;
}
