import type { BulkValue, Reply } from '../protocol/reply.js';
import type { LuaValue } from './lua-vm.js';
import { formatDouble17g } from '../util/number.js';

interface Frame {
  kind: 'array' | 'map' | 'set';
  items: LuaValue[];
  remaining: number;
}

const OK: LuaValue = { ok: Buffer.from('OK') };

/**
 * The reply sink of the script client: what a command called with redis.call answers, built as the
 * Lua VM's reply values (Redis's fake-client reply, parsed back). The VM turns them into Lua values
 * per Redis's RESP2/RESP3 -> Lua conversion rules; `resp` follows redis.setresp.
 */
export class LuaReply implements Reply {
  resp: 2 | 3 = 2;
  private stack: Frame[] = [];
  private result: LuaValue | undefined = undefined;

  /** The completed reply of the last command (exactly one per command). */
  take(): LuaValue {
    const r = this.result;
    this.result = undefined;
    this.stack.length = 0;
    return r === undefined ? null : r;
  }

  private push(v: LuaValue): void {
    let value = v;
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (top === undefined) {
        this.result = value;
        return;
      }
      top.items.push(value);
      if (--top.remaining > 0) return;
      this.stack.pop();
      value = finish(top);
    }
  }

  private open(kind: Frame['kind'], n: number): void {
    if (n === 0) this.push(finish({ kind, items: [], remaining: 0 }));
    else this.stack.push({ kind, items: [], remaining: n });
  }

  ok(): void {
    this.push(OK);
  }
  simple(s: string): void {
    this.push({ ok: Buffer.from(s, 'latin1') });
  }
  error(message: string): void {
    // As an error reply would carry it: CR and LF become spaces (addReplyErrorLength).
    this.push({ err: Buffer.from(/[\r\n]/.test(message) ? message.replace(/[\r\n]/g, ' ') : message, 'latin1') });
  }
  int(n: number | bigint): void {
    this.push(typeof n === 'bigint' && n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n);
  }
  bulk(v: BulkValue): void {
    this.push(bulkBytes(v));
  }
  nullBulk(): void {
    this.push(null);
  }
  nullArray(): void {
    this.push(null);
  }
  arrayLen(n: number): void {
    this.open('array', n);
  }
  mapLen(n: number): void {
    if (this.resp === 2) this.open('array', n * 2);
    else this.open('map', n * 2);
  }
  setLen(n: number): void {
    if (this.resp === 2) this.open('array', n);
    else this.open('set', n);
  }
  pushLen(n: number): void {
    this.open('array', n);
  }
  double(d: number): void {
    if (this.resp === 2) this.push(Buffer.from(formatDouble17g(d), 'latin1'));
    else this.push({ double: d });
  }
  bool(b: boolean): void {
    if (this.resp === 2) this.push(b ? 1 : 0);
    else this.push(b);
  }
  verbatim(s: string, format = 'txt'): void {
    if (this.resp === 2) this.push(Buffer.from(s, 'latin1'));
    else this.push({ verbatim_string: { format: Buffer.from(format), string: Buffer.from(s, 'latin1') } });
  }
  bigNumber(digits: string): void {
    if (this.resp === 2) this.push(Buffer.from(digits, 'latin1'));
    else this.push({ big_number: Buffer.from(digits, 'latin1') });
  }
}

function bulkBytes(v: BulkValue): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  if (typeof v === 'number' || typeof v === 'bigint') return Buffer.from(String(v));
  if (Buffer.isBuffer(v)) return v;
  return Buffer.from(v.bytes.subarray(0, v.len));
}

function finish(f: Frame): LuaValue {
  if (f.kind === 'array') return f.items;
  if (f.kind === 'set') return { set: f.items };
  const pairs: [LuaValue, LuaValue][] = [];
  for (let i = 0; i < f.items.length; i += 2) pairs.push([f.items[i], f.items[i + 1]]);
  return { map: pairs };
}
