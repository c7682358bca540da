/** Key extraction lives with the command table (src/server/command-keys.ts): ACL key checks need it too. */
export * from '../server/command-keys.js';
