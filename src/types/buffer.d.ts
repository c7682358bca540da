// Node's Buffer has had fast latin1 methods on its prototype since v0.x (used by Buffer#toString
// and Buffer#write internally); they skip argument normalisation, which matters on the hot path.
declare global {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
    latin1Write(s: string, offset?: number, length?: number): number;
  }
}
export {};
