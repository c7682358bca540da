/**
 * Glob-style matching with Redis's exact rules (stringmatchlen in util.c), used by KEYS, SCAN MATCH
 * and, later, PSUBSCRIBE, CONFIG GET, CLIENT/ACL patterns and HSCAN/SSCAN/ZSCAN.
 *
 * Arguments are latin1 strings (one char per byte). The rules, byte by byte:
 * - `*` matches any run of bytes (consecutive stars count as one). A pattern made of stars only
 *   does not match the empty string (the matcher stops as soon as the string is exhausted);
 *   KEYS and SCAN special-case the pattern "*" themselves.
 * - `?` matches exactly one byte.
 * - `[...]` matches one byte from a class: `^` right after `[` negates; `a-z` is a range, with
 *   reversed ends swapped and bytes compared as C's signed `char` (so bytes >= 0x80 sort below
 *   0x00: `[\x01-\xff]` is the range -1..1); `\x` inside a class is the literal `x` (compared
 *   case-sensitively even in nocase mode); `]` right after `[` closes an empty class; an
 *   unterminated class ends at the end of the pattern with its last byte still read as a member.
 * - `\x` outside a class is the literal `x`; a trailing `\` is a literal backslash.
 * - Case-insensitive mode (CONFIG GET style) folds only ASCII A-Z.
 *
 * Abusive patterns: like Redis, when a nested `*` found no match for the rest of the pattern at any
 * position of the rest of the string, every enclosing `*` gives up too (no longer match can help),
 * which bounds the work to O(pattern * string); and recursion deeper than 1000 stars never matches
 * (Redis's protection against stack exhaustion: `*a` repeated 1001 times matches nothing).
 */

/** Deepest `*` recursion that may still match (Redis: nesting > 1000 returns no match). */
const NESTING_LIMIT = 1000;

const STAR = 42;
const QUESTION = 63;
const OPEN = 91;
const CLOSE = 93;
const BACKSLASH = 92;
const CARET = 94;
const DASH = 45;

/** C's tolower in the C locale: only A-Z fold. */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** A byte as C's (signed) `char` on the platforms Redis runs on. */
function signedChar(c: number): number {
  return c >= 128 ? c - 256 : c;
}

/** True when the pattern contains none of the special bytes `*`, `?`, `[`, `\`. */
function isLiteral(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === STAR || c === QUESTION || c === OPEN || c === BACKSLASH) return false;
  }
  return true;
}

/** Length of the literal prefix (bytes before the first special byte). */
function literalPrefixLength(p: string): number {
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === STAR || c === QUESTION || c === OPEN || c === BACKSLASH) return i;
  }
  return p.length;
}

function equalsNoCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (lower(a.charCodeAt(i)) !== lower(b.charCodeAt(i))) return false;
  }
  return true;
}

const enum Kind {
  /** No special byte: plain equality. */
  Literal,
  /** A literal prefix followed by stars only. */
  PrefixStar,
  /** Anything else: the general matcher (after a literal-prefix precheck). */
  General,
}

/**
 * A pattern prepared for repeated matching (KEYS over a whole keyspace, SCAN filters): the common
 * shapes `*`, `prefix*` and literals skip the general matcher entirely.
 */
export class GlobMatcher {
  private readonly kind: Kind;
  private readonly prefix: string;
  /** Set when a nested star exhausted the string (Redis's skipLongerMatches). */
  private skipLonger = false;

  constructor(
    readonly pattern: string,
    readonly nocase = false,
  ) {
    const p = pattern;
    if (isLiteral(p)) {
      this.kind = Kind.Literal;
      this.prefix = p;
      return;
    }
    const plen = literalPrefixLength(p);
    this.prefix = nocase ? '' : p.slice(0, plen);
    let onlyStars = true;
    for (let i = plen; i < p.length; i++) {
      if (p.charCodeAt(i) !== STAR) {
        onlyStars = false;
        break;
      }
    }
    this.kind = onlyStars && !nocase ? Kind.PrefixStar : Kind.General;
  }

  /** Whether `s` matches the pattern (stringmatchlen semantics). */
  matches(s: string): boolean {
    switch (this.kind) {
      case Kind.Literal:
        return this.nocase ? equalsNoCase(this.prefix, s) : s === this.prefix;
      case Kind.PrefixStar:
        // "prefix*" matches the prefix itself; stars alone need at least one byte.
        return s.length > 0 && s.startsWith(this.prefix);
      default:
        if (this.prefix.length > 0 && !s.startsWith(this.prefix)) return false;
        this.skipLonger = false;
        return this.match(0, s, 0, 0);
    }
  }

  /** The general matcher: pattern from `pi`, string from `si`, at star-nesting depth `nesting`. */
  private match(pi: number, s: string, si: number, nesting: number): boolean {
    if (nesting > NESTING_LIMIT) return false;
    const p = this.pattern;
    const pend = p.length;
    const send = s.length;
    const nocase = this.nocase;
    while (pi < pend && si < send) {
      let pc = p.charCodeAt(pi);
      switch (pc) {
        case STAR: {
          while (pi + 1 < pend && p.charCodeAt(pi + 1) === STAR) pi++;
          if (pi + 1 === pend) return true;
          while (si < send) {
            if (this.match(pi + 1, s, si, nesting + 1)) return true;
            if (this.skipLonger) return false;
            si++;
          }
          // Nothing after this star matches anywhere in the rest: longer matches of earlier
          // stars cannot help either.
          this.skipLonger = true;
          return false;
        }
        case QUESTION:
          si++;
          break;
        case OPEN: {
          pi++;
          const negate = pi < pend && p.charCodeAt(pi) === CARET;
          if (negate) pi++;
          const c = s.charCodeAt(si);
          let match = false;
          for (;;) {
            if (pi >= pend) {
              // Unterminated class: step back so the loop epilogue lands on the end.
              pi--;
              break;
            }
            const ch = p.charCodeAt(pi);
            if (ch === BACKSLASH && pend - pi >= 2) {
              pi++;
              if (p.charCodeAt(pi) === c) match = true;
            } else if (ch === CLOSE) {
              break;
            } else if (pend - pi >= 3 && p.charCodeAt(pi + 1) === DASH) {
              let start = signedChar(ch);
              let end = signedChar(p.charCodeAt(pi + 2));
              let cc = signedChar(c);
              if (start > end) {
                const t = start;
                start = end;
                end = t;
              }
              if (nocase) {
                start = lower(start);
                end = lower(end);
                cc = lower(cc);
              }
              pi += 2;
              if (cc >= start && cc <= end) match = true;
            } else if (nocase ? lower(ch) === lower(c) : ch === c) {
              match = true;
            }
            pi++;
          }
          if (negate) match = !match;
          if (!match) return false;
          si++;
          break;
        }
        default: {
          // `\x` is the literal x; a trailing backslash is itself.
          if (pc === BACKSLASH && pend - pi >= 2) {
            pi++;
            pc = p.charCodeAt(pi);
          }
          const c = s.charCodeAt(si);
          if (nocase ? lower(pc) !== lower(c) : pc !== c) return false;
          si++;
          break;
        }
      }
      pi++;
      if (si === send) {
        while (pi < pend && p.charCodeAt(pi) === STAR) pi++;
        break;
      }
    }
    return pi === pend && si === send;
  }
}

/** One-off match (stringmatchlen): prefer a GlobMatcher when matching many strings. */
export function stringMatch(pattern: string, s: string, nocase = false): boolean {
  return new GlobMatcher(pattern, nocase).matches(s);
}
