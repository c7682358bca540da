/**
 * Reads a RESP2/RESP3 reply's bytes into plain values for tests that compare replies by content
 * (timings and addresses differ between servers): integers and doubles as numbers, strings (bulk,
 * simple, verbatim without its format) as strings, nulls as null, errors as { error }, arrays, sets
 * and pushes as arrays, maps as { map: [[key, value], ...] }.
 */
export type RespValue = number | string | null | { error: string } | RespValue[] | { map: Array<[RespValue, RespValue]> };

export function parseResp(buf: Buffer): RespValue {
  const { value, end } = parseAt(buf, 0);
  if (end !== buf.length) throw new Error(`trailing bytes after a reply: ${JSON.stringify(buf.latin1Slice(end))}`);
  return value;
}

function parseAt(buf: Buffer, pos: number): { value: RespValue; end: number } {
  const cr = buf.indexOf('\r\n', pos);
  if (cr < 0) throw new Error('incomplete reply');
  const type = String.fromCharCode(buf[pos]);
  const head = buf.latin1Slice(pos + 1, cr);
  const next = cr + 2;
  switch (type) {
    case '+':
      return { value: head, end: next };
    case '-':
      return { value: { error: head }, end: next };
    case ':':
    case ',':
      return { value: Number(head), end: next };
    case '_':
      return { value: null, end: next };
    case '$':
    case '=': {
      const len = Number(head);
      if (len < 0) return { value: null, end: next };
      const s = buf.latin1Slice(next, next + len);
      return { value: type === '=' ? s.slice(4) : s, end: next + len + 2 };
    }
    case '*':
    case '~':
    case '>': {
      const n = Number(head);
      if (n < 0) return { value: null, end: next };
      const out: RespValue[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parseAt(buf, p);
        out.push(r.value);
        p = r.end;
      }
      return { value: out, end: p };
    }
    case '%': {
      const n = Number(head);
      const map: Array<[RespValue, RespValue]> = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const k = parseAt(buf, p);
        const v = parseAt(buf, k.end);
        map.push([k.value, v.value]);
        p = v.end;
      }
      return { value: { map }, end: p };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

/** Map entries of a RESP3 map, or of a RESP2 flat array of alternating keys and values. */
export function mapEntries(v: RespValue): Array<[RespValue, RespValue]> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'map' in v) return v.map;
  if (!Array.isArray(v) || v.length % 2 !== 0) throw new Error(`not a map: ${JSON.stringify(v)}`);
  const out: Array<[RespValue, RespValue]> = [];
  for (let i = 0; i < v.length; i += 2) out.push([v[i], v[i + 1]]);
  return out;
}
