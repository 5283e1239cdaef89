/** CSeq (RFC 3261 §20.16): a 32-bit sequence number and a method token. */
import { scanClass, skipWs, TOKEN } from "./text-scan.ts";

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** Parse a CSeq value; undefined when malformed or the number is above 2**32-1. Never throws. */
export const parseCSeq = (text: string): CSeq | undefined => parseCSeqAt(text, 0, text.length);

/** parseCSeq on s[start, end). */
export const parseCSeqAt = (s: string, from: number, end: number): CSeq | undefined => {
  let i = skipWs(s, from, end);
  const start = i;
  let seq = 0;
  while (i < end) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    seq = seq * 10 + c;
    if (seq > 0xffffffff) return undefined;
    i++;
  }
  if (i === start) return undefined;
  const m = skipWs(s, i, end);
  if (m === i) return undefined;
  const mEnd = scanClass(s, m, end, TOKEN);
  if (mEnd === m || skipWs(s, mEnd, end) !== end) return undefined;
  return { seq, method: s.slice(m, mEnd) };
};
