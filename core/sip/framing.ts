/**
 * Message framing for stream transports (TCP, TLS): where does the next message end?
 * Leading CRLFs (keep-alives, RFC 5626 pings) are skipped; the header section ends at the first
 * empty line (CRLF CRLF, or LF LF leniently); Content-Length (or compact `l`) gives the body size
 * and is mandatory on a stream (RFC 3261 §18.3).
 */

export interface Frame {
  /** Absolute offset of the first body byte (just after the empty line). */
  readonly headerEnd: number;
  /** Bytes from `start` to the end of this message, skipped CRLFs included: consume buf[start, start + total). */
  readonly total: number;
  /** How many leading CR/LF bytes were skipped before the start line. */
  readonly skipped: number;
}

export type FrameResult = Frame | "incomplete" | { readonly error: string };

/** Number of CR/LF bytes at buf[start...] (keep-alive pings are CRLFCRLF). */
export const leadingCrlf = (buf: Uint8Array, start: number): number => {
  let i = start;
  while (i < buf.length && (buf[i] === 13 || buf[i] === 10)) i++;
  return i - start;
};

const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

/** Content-Length on the line starting at s (ending at e), or -1 when the line is not one, -2 when malformed. */
const contentLengthOfLine = (buf: Uint8Array, s: number, e: number): number => {
  let i = s;
  const c0 = lower(buf[i]!);
  if (c0 !== 99 && c0 !== 108) return -1;
  const name = "content-length";
  let nameEnd = s;
  while (nameEnd < e && buf[nameEnd] !== 58 && buf[nameEnd] !== 32 && buf[nameEnd] !== 9) nameEnd++;
  const len = nameEnd - s;
  if (len === 1) {
    if (c0 !== 108) return -1;
  } else if (len === name.length) {
    for (let k = 0; k < len; k++) if (lower(buf[s + k]!) !== name.charCodeAt(k)) return -1;
  } else return -1;
  i = nameEnd;
  while (i < e && (buf[i] === 32 || buf[i] === 9)) i++;
  if (buf[i] !== 58) return -1;
  i++;
  while (i < e && (buf[i] === 32 || buf[i] === 9)) i++;
  let end = e;
  while (end > i && (buf[end - 1] === 32 || buf[end - 1] === 9 || buf[end - 1] === 13)) end--;
  if (end === i) return -2;
  let v = 0;
  for (let k = i; k < end; k++) {
    const d = buf[k]! - 48;
    if (d < 0 || d > 9) return -2;
    v = v * 10 + d;
    if (v > 0x7fffffff) return -2;
  }
  return v;
};

/**
 * Find the end of the message that starts at `start`. Returns "incomplete" when more bytes are
 * needed, an error when the stream cannot be framed (no or bad Content-Length, too large), or
 * the frame. `maxMessageSize` bounds both the header section and the whole message.
 */
export const findMessageEnd = (buf: Uint8Array, start: number, maxMessageSize = 65535): FrameResult => {
  const skipped = leadingCrlf(buf, start);
  const m = start + skipped;
  const n = buf.length;
  if (m >= n) return "incomplete";
  let cl = -1;
  let lineStart = m;
  let first = true;
  for (;;) {
    let lf = -1;
    for (let i = lineStart; i < n; i++) {
      if (buf[i] === 10) {
        lf = i;
        break;
      }
    }
    if (lf < 0) {
      if (n - m > maxMessageSize) return { error: "header section larger than the maximum message size" };
      return "incomplete";
    }
    const lineEnd = lf > lineStart && buf[lf - 1] === 13 ? lf - 1 : lf;
    if (lineEnd === lineStart && !first) {
      const headerEnd = lf + 1;
      if (cl < 0) return { error: "no Content-Length on a stream transport" };
      const end = headerEnd + cl;
      if (end - m > maxMessageSize) return { error: "message larger than the maximum message size" };
      if (end > n) return "incomplete";
      return { headerEnd, total: end - start, skipped };
    }
    if (!first && buf[lineStart] !== 32 && buf[lineStart] !== 9) {
      const v = contentLengthOfLine(buf, lineStart, lineEnd);
      if (v === -2) return { error: "malformed Content-Length" };
      if (v >= 0) {
        if (cl >= 0 && cl !== v) return { error: "conflicting Content-Length values" };
        cl = v;
      }
    }
    first = false;
    lineStart = lf + 1;
    if (lineStart - m > maxMessageSize) return { error: "header section larger than the maximum message size" };
  }
};
