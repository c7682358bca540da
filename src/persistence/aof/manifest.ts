/**
 * Redis 7's multi-part AOF manifest (aof.c's aofManifest): which files of the AOF directory make up
 * the dataset, in replay order. One line per file, `file <name> seq <n> type <b|h|i>`:
 * - `b`: the base, written by a rewrite (`<appendfilename>.<seq>.base.rdb` with an RDB preamble,
 *   `.base.aof` as commands; an old single-file AOF migrated into the directory keeps its name);
 * - `i`: incremental files, the propagated stream appended since that base, replayed in order;
 * - `h`: history, files a finished rewrite made obsolete, deleted as soon as it is persisted.
 * Names are quoted (sdscatrepr) when they hold spaces, quotes or unprintable bytes.
 */

export type AofFileType = 'b' | 'h' | 'i';

export interface AofFileInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export class AofManifest {
  base: AofFileInfo | null = null;
  incrs: AofFileInfo[] = [];
  history: AofFileInfo[] = [];
  /** The sequence numbers the next base / incremental file take (minus one). */
  baseSeq = 0;
  incrSeq = 0;

  clone(): AofManifest {
    const m = new AofManifest();
    m.base = this.base === null ? null : { ...this.base };
    m.incrs = this.incrs.map((f) => ({ ...f }));
    m.history = this.history.map((f) => ({ ...f }));
    m.baseSeq = this.baseSeq;
    m.incrSeq = this.incrSeq;
    return m;
  }

  /** getAofManifestAsString: base, history, incrementals, one line each. */
  format(): string {
    let out = '';
    const line = (f: AofFileInfo) => {
      out += `file ${quoteIfNeeded(f.name)} seq ${f.seq} type ${f.type}\n`;
    };
    if (this.base !== null) line(this.base);
    for (const f of this.history) line(f);
    for (const f of this.incrs) line(f);
    return out;
  }

  /** Files replayed at load: the base, then every incremental file. */
  get loadOrder(): AofFileInfo[] {
    return this.base === null ? [...this.incrs] : [this.base, ...this.incrs];
  }
}

/** A manifest that cannot be used; the message is Redis's. */
export class AofManifestError extends Error {}

/** aofLoadManifestFromFile's parsing: Redis's checks and messages. */
export function parseManifest(text: string): AofManifest {
  const m = new AofManifest();
  let maxIncrSeq = 0;
  for (const raw of text.split('\n')) {
    if (raw.length === 0 || raw.startsWith('#')) continue;
    if (raw.length > 1024) throw new AofManifestError('The AOF manifest file contains too long line');
    const argv = splitArgs(raw.replace(/\r$/, ''));
    if (argv === null || argv.length < 6 || argv.length % 2 !== 0) throw new AofManifestError('Invalid AOF manifest file format');
    let name: string | null = null;
    let seq = -1;
    let type: string | null = null;
    for (let i = 0; i < argv.length; i += 2) {
      const k = argv[i].toLowerCase();
      if (k === 'file') name = argv[i + 1];
      else if (k === 'seq') seq = /^[0-9]+$/.test(argv[i + 1]) ? Number(argv[i + 1]) : -1;
      else if (k === 'type') type = argv[i + 1];
      // Unknown fields are ignored, for forward compatibility.
    }
    if (name === null || seq < 0 || type === null || type.length !== 1) {
      throw new AofManifestError('Invalid AOF manifest file format');
    }
    const info: AofFileInfo = { name, seq, type: type as AofFileType };
    if (type === 'b') {
      if (m.base !== null) throw new AofManifestError('Found duplicate base file information');
      m.base = info;
      m.baseSeq = seq;
    } else if (type === 'h') {
      m.history.push(info);
    } else if (type === 'i') {
      if (seq <= maxIncrSeq) throw new AofManifestError('Found a non-monotonic sequence number');
      m.incrs.push(info);
      m.incrSeq = seq;
      maxIncrSeq = seq;
    } else {
      throw new AofManifestError('Unknown AOF file type');
    }
  }
  if (m.base === null && m.incrs.length === 0 && m.history.length === 0) throw new AofManifestError('Found an empty AOF manifest');
  return m;
}

/** sdsneedsrepr: a name with spaces, quotes, backslashes or unprintable bytes is written quoted. */
function quoteIfNeeded(name: string): string {
  if (name.length > 0 && !/[^\x21-\x7e]|["'\\]/.test(name)) return name;
  let out = '"';
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    const s = name[i];
    if (s === '\\' || s === '"') out += '\\' + s;
    else if (s === '\n') out += '\\n';
    else if (s === '\r') out += '\\r';
    else if (s === '\t') out += '\\t';
    else if (s === '\x07') out += '\\a';
    else if (s === '\b') out += '\\b';
    else if (ch >= 0x20 && ch < 0x7f) out += s;
    else out += '\\x' + ch.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/** The file names Redis gives a base and an incremental file. */
export function baseFileName(appendFilename: string, seq: number, rdbPreamble: boolean): string {
  return `${appendFilename}.${seq}.base.${rdbPreamble ? 'rdb' : 'aof'}`;
}

export function incrFileName(appendFilename: string, seq: number): string {
  return `${appendFilename}.${seq}.incr.aof`;
}

export function manifestFileName(appendFilename: string): string {
  return `${appendFilename}.manifest`;
}

/** The incremental file CONFIG SET appendonly yes writes to until its first rewrite ends. */
export function tempIncrFileName(appendFilename: string): string {
  return `temp-${appendFilename}.incr`;
}

export function tempManifestFileName(appendFilename: string): string {
  return `temp-${appendFilename}.manifest`;
}

/**
 * sdssplitargs, as the manifest needs it: words separated by spaces, "double quoted" with
 * backslash escapes (\n \r \t \b \a \xHH, any other char as itself) or 'single quoted' (only \'
 * escaped). Returns null for unbalanced quotes or a quote not followed by a space.
 */
function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let p = 0;
  const n = line.length;
  const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\v' || ch === '\f';
  for (;;) {
    while (p < n && isSpace(line[p])) p++;
    if (p >= n) return out;
    let cur = '';
    if (line[p] === '"' || line[p] === "'") {
      const q = line[p++];
      for (;;) {
        if (p >= n) return null;
        const ch = line[p];
        if (q === '"' && ch === '\\' && p + 1 < n) {
          const e = line[p + 1];
          if (e === 'x' && p + 3 < n && /^[0-9a-fA-F]{2}$/.test(line.slice(p + 2, p + 4))) {
            cur += String.fromCharCode(parseInt(line.slice(p + 2, p + 4), 16));
            p += 4;
            continue;
          }
          cur += ({ n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' } as Record<string, string>)[e] ?? e;
          p += 2;
          continue;
        }
        if (q === "'" && ch === '\\' && line[p + 1] === "'") {
          cur += "'";
          p += 2;
          continue;
        }
        if (ch === q) {
          p++;
          if (p < n && !isSpace(line[p])) return null;
          break;
        }
        cur += ch;
        p++;
      }
    } else {
      while (p < n && !isSpace(line[p])) cur += line[p++];
    }
    out.push(cur);
  }
}
