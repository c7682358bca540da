import { ReplyTree, type BulkValue, type Reply } from '../protocol/reply.js';
import type { LuaValue } from './lua-vm.js';
import { formatDouble17g } from '../util/number.js';

const OK: LuaValue = { ok: Buffer.from('OK') };

/**
 * The reply sink of the script client: what a command called with redis.call answers, built as the
 * Lua VM's reply values (Redis's fake-client reply, parsed back). The VM turns them into Lua values
 * per Redis's RESP2/RESP3 -> Lua conversion rules; `resp` follows redis.setresp.
 */
export class LuaReply extends ReplyTree<LuaValue> implements Reply {
  resp: 2 | 3 = 2;
  private result: LuaValue | undefined = undefined;

  /** The completed reply of the last command (exactly one per command). */
  take(): LuaValue {
    const r = this.result;
    this.result = undefined;
    this.resetTree();
    return r === undefined ? null : r;
  }

  protected complete(value: LuaValue): void {
    this.result = value;
  }

  protected finish(kind: 'array' | 'map' | 'set', items: LuaValue[]): LuaValue {
    if (kind === 'array') return items;
    if (kind === 'set') return { set: items };
    const pairs: [LuaValue, LuaValue][] = [];
    for (let i = 0; i < items.length; i += 2) pairs.push([items[i], items[i + 1]]);
    return { map: pairs };
  }

  ok(): void {
    this.add(OK);
  }
  simple(s: string): void {
    this.add({ ok: Buffer.from(s, 'latin1') });
  }
  error(message: string): void {
    // As an error reply would carry it: CR and LF become spaces (addReplyErrorLength).
    this.add({ err: Buffer.from(/[\r\n]/.test(message) ? message.replace(/[\r\n]/g, ' ') : message, 'latin1') });
  }
  int(n: number | bigint): void {
    this.add(typeof n === 'bigint' && n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n);
  }
  bulk(v: BulkValue): void {
    this.add(bulkBytes(v));
  }
  nullBulk(): void {
    this.add(null);
  }
  nullArray(): void {
    this.add(null);
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
    if (this.resp === 2) this.add(Buffer.from(formatDouble17g(d), 'latin1'));
    else this.add({ double: d });
  }
  doubleText(text: string): void {
    if (this.resp === 2) this.add(Buffer.from(text, 'latin1'));
    else this.add({ double: Number(text) });
  }
  bool(b: boolean): void {
    if (this.resp === 2) this.add(b ? 1 : 0);
    else this.add(b);
  }
  verbatim(s: string, format = 'txt'): void {
    if (this.resp === 2) this.add(Buffer.from(s, 'latin1'));
    else this.add({ verbatim_string: { format: Buffer.from(format), string: Buffer.from(s, 'latin1') } });
  }
  bigNumber(digits: string): void {
    if (this.resp === 2) this.add(Buffer.from(digits, 'latin1'));
    else this.add({ big_number: Buffer.from(digits, 'latin1') });
  }
}

function bulkBytes(v: BulkValue): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  if (typeof v === 'number' || typeof v === 'bigint') return Buffer.from(String(v));
  if (Buffer.isBuffer(v)) return v;
  return Buffer.from(v.bytes.subarray(v.start, v.start + v.len));
}
