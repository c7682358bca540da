/**
 * Comparisons for ACL replies. Two parts of them are not the same bytes on two servers:
 * - the single-command part of a rule description (`-@all +@read -get +config|get`): Redis emits
 *   those in the order of its command dictionary, which a random hash seed shuffles per process;
 *   so each description's single-command rules are compared as a sorted list (categories, key
 *   and channel patterns, and everything else stay in place);
 * - ACL LOG's age-seconds (a time) and client-info (a CLIENT LIST line: ids, ports, buffers).
 */
import { parseReply, CLIENT_VOLATILE_FIELDS, type Matcher, type Reply, type ReplyContext } from './differential.js';
import type { PairedClient } from './scenario.js';

/** Sorts the single-command rules (`+get`, `-config|set`, `+select|0`) among their own positions. */
export function normalizeRules(text: string): string {
  if (!/(^|[ (])[+-]@all( |\)|$)/.test(text)) return text;
  const tokens = text.split(' ');
  const at: number[] = [];
  for (let i = 0; i < tokens.length; i++) if (/^[+-][^@]/.test(tokens[i])) at.push(i);
  // A selector's rules end at its `)`: sort within each run between parentheses.
  const groups: number[][] = [[]];
  for (const i of at) {
    groups[groups.length - 1].push(i);
    if (tokens[i].endsWith(')')) groups.push([]);
  }
  for (const g of groups) {
    const strip = g.map((i) => tokens[i].replace(/\)$/, ''));
    const closes = g.map((i) => tokens[i].endsWith(')'));
    const sorted = [...strip].sort();
    g.forEach((i, k) => (tokens[i] = sorted[k] + (closes[k] ? ')' : '')));
  }
  return tokens.join(' ');
}

function normalizeClientInfo(line: string): string {
  return line
    .split(' ')
    .map((f) => {
      const eq = f.indexOf('=');
      const key = eq < 0 ? f : f.slice(0, eq);
      const rule = CLIENT_VOLATILE_FIELDS[key];
      return rule !== undefined && rule.test(f.slice(eq + 1)) ? `${key}=*` : f;
    })
    .join(' ');
}

function walk(r: Reply, field: string | null, ctx: ReplyContext): unknown {
  if (r.items !== null) {
    const out: unknown[] = [r.type];
    for (let i = 0; i < r.items.length; i++) {
      const prev = i % 2 === 1 ? r.items[i - 1] : null;
      const f = prev !== null && prev.items === null ? prev.text : null;
      out.push(walk(r.items[i], f, ctx));
    }
    return out;
  }
  if (field === 'age-seconds') {
    const age = Number(r.text);
    const elapsed = (ctx.until - ctx.since) / 1000 + 1;
    return `${r.type}age:${age >= 0 && age <= elapsed}`;
  }
  if (field === 'client-info' && r.text !== null) return r.type + normalizeClientInfo(r.text);
  return r.type + (r.text === null ? '<null>' : normalizeRules(r.text));
}

/**
 * ACL replies compared after the normalizations above: the same shape and leaves, single-command
 * rules as sorted lists, ACL LOG ages within the case's time and client info but for its
 * volatile fields.
 */
export const aclReply: Matcher = {
  describe: 'ACL reply (single-command rules unordered, log ages and client fields bounded)',
  match(redis, cinder, ctx) {
    return JSON.stringify(walk(parseReply(redis), null, ctx)) === JSON.stringify(walk(parseReply(cinder), null, ctx));
  },
};

/** Deletes every user but default and empties the ACL log, on both servers. */
export async function resetAcl(admin: PairedClient): Promise<void> {
  for (const side of ['redis', 'cinder'] as const) {
    const conn = admin[side];
    await conn.command(['ACL', 'SETUSER', 'default', 'on', 'nopass', 'allkeys', 'allchannels', '+@all', 'clearselectors']);
    await conn.command(['CONFIG', 'SET', 'requirepass', '']);
    const users = parseReply(await conn.command(['ACL', 'USERS'])).items ?? [];
    const others = users.map((u) => u.text!).filter((u) => u !== 'default');
    if (others.length > 0) await conn.command(['ACL', 'DELUSER', ...others]);
    await conn.command(['ACL', 'LOG', 'RESET']);
  }
}
