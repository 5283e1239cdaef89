/** CSeq (RFC 3261 §20.16): a 32-bit sequence number and a method token. */
import { scanClass, skipWs, srcOf, TOKEN, type Src } from "./text-scan.ts";

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** Parse a CSeq value; undefined when malformed or the number is above 2**32-1. Never throws. */
export const parseCSeq = (text: string): CSeq | undefined => {
  const src = srcOf(text);
  return parseCSeqAt(src, 0, src.b.length);
};

/** parseCSeq on bytes [from, end) of a Src; `known`: a method string to return when the bytes spell it. */
export const parseCSeqAt = (src: Src, from: number, end: number, known?: string): CSeq | undefined => {
  const b = src.b;
  let i = skipWs(b, from, end);
  const start = i;
  let seq = 0;
  while (i < end) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) break;
    seq = seq * 10 + c;
    if (seq > 0xffffffff) return undefined;
    i++;
  }
  if (i === start) return undefined;
  const m = skipWs(b, i, end);
  if (m === i) return undefined;
  const mEnd = scanClass(b, m, end, TOKEN);
  if (mEnd === m || skipWs(b, mEnd, end) !== end) return undefined;
  if (known !== undefined && known.length === mEnd - m) {
    let k = 0;
    while (k < known.length && known.charCodeAt(k) === b[m + k]) k++;
    if (k === known.length) return { seq, method: known };
  }
  return { seq, method: src.t.slice(m, mEnd) };
};
