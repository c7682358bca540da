/**
 * `return redis.call(...)` is a tail call in Lua 5.1. Redis's redis.call is a C function, which a
 * tail call cannot replace, so when it fails the script's line is still on the stack and the error
 * names it. Cinder's number-safe redis.call (number-args.ts) is a Lua function: a tail call to it
 * replaces the script's frame, and the line is gone. Parentheses around the call make it an
 * ordinary call without changing what it returns (redis.call returns exactly one value), so this
 * adds them, on the same line, around `redis.call(...)` / `redis.pcall(...)` right after `return`,
 * and around calls of local aliases (`local rcall = redis.call`, as BullMQ writes).
 *
 * It needs the source's tokens (strings, long strings and comments must not be mistaken for code),
 * so this is a small Lua 5.1 lexer; only names, brackets and a few punctuation tokens matter.
 */

interface Token {
  /** A name, or the punctuation itself ('(', ')', '.', '=', ',', ...). */
  text: string;
  start: number;
  end: number;
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

/** Length of the long bracket opening at `i` (`[[`, `[==[`), or 0. */
function longBracketAt(s: string, i: number): number {
  if (s[i] !== '[') return 0;
  let j = i + 1;
  while (s[j] === '=') j++;
  return s[j] === '[' ? j - i + 1 : 0;
}

function skipLongBracket(s: string, i: number, openLength: number): number {
  const close = `]${'='.repeat(openLength - 2)}]`;
  const end = s.indexOf(close, i + openLength);
  return end < 0 ? s.length : end + close.length;
}

function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if (c === '-' && s[i + 1] === '-') {
      const open = longBracketAt(s, i + 2);
      if (open > 0) i = skipLongBracket(s, i + 2, open);
      else {
        const eol = s.indexOf('\n', i);
        i = eol < 0 ? s.length : eol;
      }
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < s.length && s[j] !== c && s[j] !== '\n') j += s[j] === '\\' ? 2 : 1;
      tokens.push({ text: 'string', start: i, end: j + 1 });
      i = j + 1;
    } else if (c === '[' && longBracketAt(s, i) > 0) {
      const end = skipLongBracket(s, i, longBracketAt(s, i));
      tokens.push({ text: 'string', start: i, end });
      i = end;
    } else if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < s.length && NAME_PART.test(s[j])) j++;
      tokens.push({ text: s.slice(i, j), start: i, end: j });
      i = j;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(s[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < s.length && (/[0-9A-Za-z_.]/.test(s[j]) || ((s[j] === '+' || s[j] === '-') && /[eE]/.test(s[j - 1])))) j++;
      tokens.push({ text: 'number', start: i, end: j });
      i = j;
    } else if (c === '.' && s[i + 1] === '.') {
      const len = s[i + 2] === '.' ? 3 : 2;
      tokens.push({ text: s.slice(i, i + len), start: i, end: i + len });
      i += len;
    } else if ((c === '=' || c === '~' || c === '<' || c === '>') && s[i + 1] === '=') {
      tokens.push({ text: s.slice(i, i + 2), start: i, end: i + 2 });
      i += 2;
    } else {
      tokens.push({ text: c, start: i, end: i + 1 });
      i++;
    }
  }
  return tokens;
}

/** True when tokens[i..] is `redis . call` or `redis . pcall`. */
function isRedisCall(tokens: Token[], i: number): boolean {
  return tokens[i]?.text === 'redis' && tokens[i + 1]?.text === '.' && (tokens[i + 2]?.text === 'call' || tokens[i + 2]?.text === 'pcall');
}

/** Index of the `)` closing the `(` at `open`, or -1. */
function closingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i].text === '(') depth++;
    else if (tokens[i].text === ')' && --depth === 0) return i;
  }
  return -1;
}

/** `source` with its returned redis.call / redis.pcall calls parenthesised (see above). */
export function untailRedisCalls(source: string): string {
  if (!source.includes('return')) return source;
  const tokens = tokenize(source);
  // Local names bound to redis.call / redis.pcall: `local rcall = redis.call`.
  const aliases = new Set<string>();
  for (let i = 0; i + 5 < tokens.length; i++) {
    if (tokens[i].text === 'local' && NAME_START.test(tokens[i + 1].text) && tokens[i + 2].text === '=' && isRedisCall(tokens, i + 3)) {
      const after = tokens[i + 6]?.text;
      if (after !== '(' && after !== '.' && after !== ':' && after !== '[' && after !== ',') aliases.add(tokens[i + 1].text);
    }
  }
  const inserts: Array<[number, string]> = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (tokens[i].text !== 'return') continue;
    const first = i + 1;
    let open: number;
    if (isRedisCall(tokens, first)) open = first + 3;
    else if (aliases.has(tokens[first].text)) open = first + 1;
    else continue;
    if (tokens[open]?.text !== '(') continue;
    const close = closingParen(tokens, open);
    if (close < 0) continue;
    inserts.push([tokens[first].start, '('], [tokens[close].end, ')']);
  }
  if (inserts.length === 0) return source;
  let out = '';
  let at = 0;
  for (const [position, text] of inserts) {
    out += source.slice(at, position) + text;
    at = position;
  }
  return out + source.slice(at);
}
