import fs from 'node:fs';
import { strerror } from '../config.js';
import { RuleError, hasSpaces } from './selector.js';
import { mergeSelectorArgs, type User } from './user.js';
import type { Acl } from './acl.js';

/**
 * Users from files: the ACL file (`aclfile`, ACL LOAD / ACL SAVE) and the `user` directives of
 * redis.conf, loaded at startup as Redis 7.0 loads them (ACLLoadFromFile, ACLSaveToFile,
 * ACLLoadConfiguredUsers).
 */

/** File names are bytes held as latin1 characters. */
function fsPath(p: string): Buffer {
  return Buffer.from(p, 'latin1');
}

/**
 * ACLLoadFromFile: replaces every user with those of the file, or changes nothing and returns
 * the errors found (Redis's texts, concatenated). The default user is kept as an object (clients
 * point at it) and takes the file's rules, or the defaults when the file does not define it.
 * `dropped` is called for each replaced user other than default (Redis 7.0 disconnects their clients).
 */
export function loadAclFile(acl: Acl, filename: string, dropped: (u: User) => void): string | null {
  let text: string;
  try {
    text = fs.readFileSync(fsPath(filename), 'latin1');
  } catch (e) {
    return `Error loading ACLs, opening file '${filename}': ${strerror(e)}`;
  }
  const loaded = new Map<string, User>();
  let errors = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const linenum = i + 1;
    const line = trimChars(lines[i], ' \t\r\n');
    if (line.length === 0) continue;
    const argv = line.split(' ');
    if (argv[0] !== 'user' || argv.length < 2) {
      errors += `${filename}:${linenum} should start with user keyword followed by the username. `;
      continue;
    }
    const name = argv[1];
    if (hasSpaces(name)) {
      errors += `'${filename}:${linenum}: username '${name}' contains invalid characters. `;
      continue;
    }
    if (loaded.has(name)) {
      errors += `WARNING: Duplicate user '${name}' found on line ${linenum}. `;
      continue;
    }
    const u = acl.newUser(name);
    loaded.set(name, u);
    const merged = mergeSelectorArgs(argv.slice(2));
    if (typeof merged === 'number') {
      errors += `${filename}:${linenum}: Unmatched parenthesis in selector definition.`;
      continue;
    }
    let syntaxError = false;
    for (const raw of merged) {
      const op = trimChars(raw, '\t\r\n');
      try {
        u.apply(op);
      } catch (e) {
        if (!(e instanceof RuleError)) throw e;
        if (e.message === 'Unknown command or category name in ACL') {
          // Unknown commands are named: that holds nothing secret.
          errors += `${filename}:${linenum}: Error in applying operation '${op}': ${e.message}. `;
        } else if (!syntaxError) {
          // Only the first other error: the rest may follow from it (and may hold passwords).
          errors += `${filename}:${linenum}: ${e.message}. `;
          syntaxError = true;
        }
      }
    }
  }
  if (errors.length > 0) return errors + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed';
  const fresh = loaded.get('default');
  const defaultUser = acl.defaultUser;
  defaultUser.copyFrom(fresh ?? acl.freshDefaultUser());
  for (const u of acl.users.values()) if (u !== defaultUser) dropped(u);
  acl.users.clear();
  acl.users.set('default', defaultUser);
  for (const [name, u] of loaded) if (name !== 'default') acl.users.set(name, u);
  return null;
}

/** ACLSaveToFile: every user as ACL LIST shows it, written to a temporary file renamed over the file. */
export function saveAclFile(acl: Acl, filename: string, log: (m: string) => void): boolean {
  let text = '';
  for (const u of acl.sortedUsers()) text += `user ${u.name} ${u.describe()}\n`;
  const tmp = `${filename}.tmp-${process.pid}-${Date.now()}`;
  let fd: number;
  try {
    fd = fs.openSync(fsPath(tmp), 'w', 0o644);
  } catch (e) {
    log(`Opening temp ACL file for ACL SAVE: ${strerror(e)}`);
    return false;
  }
  try {
    fs.writeSync(fd, Buffer.from(text, 'latin1'));
    fs.fsyncSync(fd);
  } catch (e) {
    log(`Writing ACL file for ACL SAVE: ${strerror(e)}`);
    fs.closeSync(fd);
    fs.rmSync(fsPath(tmp), { force: true });
    return false;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(fsPath(tmp), fsPath(filename));
  } catch (e) {
    log(`Renaming ACL file for ACL SAVE: ${strerror(e)}`);
    fs.rmSync(fsPath(tmp), { force: true });
    return false;
  }
  return true;
}

/**
 * ACLLoadConfiguredUsers: the `user` directives of redis.conf, each a user created from scratch
 * (`default` reset first). Returns the log line of the first failure, or null.
 */
export function loadConfiguredUsers(acl: Acl, directives: readonly string[][]): string | null {
  for (const argv of directives) {
    const name = argv[1];
    if (hasSpaces(name)) return `Spaces not allowed in ACL usernames`;
    let u = acl.users.get(name);
    if (u === undefined) {
      u = acl.newUser(name);
      acl.users.set(name, u);
    } else {
      u.apply('reset');
    }
    const merged = mergeSelectorArgs(argv.slice(2));
    if (typeof merged === 'number') return `Unmatched parenthesis in selector definition for user '${name}'`;
    for (const op of merged) {
      try {
        u.apply(op);
      } catch (e) {
        if (!(e instanceof RuleError)) throw e;
        return `Error loading ACL rule '${op}' for the user named '${name}': ${e.message}`;
      }
    }
  }
  return null;
}

function trimChars(s: string, chars: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a])) a++;
  while (b > a && chars.includes(s[b - 1])) b--;
  return s.slice(a, b);
}
