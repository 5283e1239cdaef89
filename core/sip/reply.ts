/**
 * Build a response to a request (RFC 3261 §8.2.6): status line, every Via of the request in
 * order (with the top-Via received/rport edits applied), From, To (a tag added when given and
 * To has none, never for 100), Call-ID, CSeq, Timestamp for a 100 (§8.2.6.1), extra headers,
 * Content-Length. Works on a `ParseFailure.partial` too: it copies header text and never needs
 * the headers to be well-formed.
 */
import { checkHeader, checkValue } from "./edits.ts";
import { fnv1a } from "./fnv1a.ts";
import type { SipMessage } from "./message.ts";

export interface ReplyOptions {
  /** To tag to add when the request's To has none (ignored for 100). */
  readonly toTag?: string;
  /** Extra header lines, written after CSeq in this order. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: Uint8Array | string;
  /** Content-Type for the body (written only when a body is given). */
  readonly contentType?: string;
}

/** True when a To value already carries a tag parameter (outside quotes and <>). */
const hasTag = (to: string): boolean => {
  let angle = false;
  for (let i = 0; i < to.length; i++) {
    const c = to.charCodeAt(i);
    if (c === 34) {
      const q = to.indexOf('"', i + 1);
      if (q < 0) return false;
      i = q;
    } else if (c === 60) angle = true;
    else if (c === 62) angle = false;
    else if (c === 59 && !angle) {
      let j = i + 1;
      while (j < to.length && (to.charCodeAt(j) === 32 || to.charCodeAt(j) === 9)) j++;
      if (to.slice(j, j + 3).toLowerCase() === "tag") {
        let k = j + 3;
        while (k < to.length && (to.charCodeAt(k) === 32 || to.charCodeAt(k) === 9)) k++;
        if (k === to.length || to.charCodeAt(k) === 61 || to.charCodeAt(k) === 59) return true;
      }
    }
  }
  return false;
};

/** Encode the response. Throws RangeError for a status outside 100..699 or invalid extra headers. */
export const buildReply = (req: SipMessage, status: number, reason: string, opts?: ReplyOptions): Buffer => {
  // Three digits; below 100 only for Kamailio's sl_send_reply, which sends any code (99 as 099).
  if (!Number.isInteger(status) || status < 0 || status > 999) throw new RangeError(`invalid status ${status}`);
  checkValue(reason, "reason phrase");
  let out = `SIP/2.0 ${status < 100 ? String(status).padStart(3, "0") : status} ${reason}\r\n`;
  for (const v of req.replyVias()) out += `Via: ${v}\r\n`;
  const from = req.header("from");
  if (from !== undefined) out += `From: ${from}\r\n`;
  const to = req.header("to");
  if (to !== undefined) {
    const tag = opts?.toTag;
    if (tag !== undefined && status !== 100 && !hasTag(to)) {
      checkValue(tag, "To tag");
      out += `To: ${to};tag=${tag}\r\n`;
    } else out += `To: ${to}\r\n`;
  }
  const callId = req.header("call-id");
  if (callId !== undefined) out += `Call-ID: ${callId}\r\n`;
  const cseq = req.header("cseq");
  if (cseq !== undefined) out += `CSeq: ${cseq}\r\n`;
  if (status === 100) {
    const ts = req.header("timestamp");
    if (ts !== undefined) out += `Timestamp: ${ts}\r\n`;
  }
  if (opts?.headers) {
    for (const [n, v] of opts.headers) {
      checkHeader(n, v);
      out += `${n}: ${v}\r\n`;
    }
  }
  const body = opts?.body;
  if (body === undefined || body.length === 0) return Buffer.from(`${out}Content-Length: 0\r\n\r\n`, "utf8");
  const b = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  if (opts?.contentType !== undefined) {
    checkValue(opts.contentType, "Content-Type");
    out += `Content-Type: ${opts.contentType}\r\n`;
  }
  out += `Content-Length: ${b.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(out, "utf8"), b]);
};

/**
 * The part of a To tag that names the request, for replies made without keeping state per tag
 * (sl) or made once per transaction (tm): a hash of the Call-ID, the From tag and the top Via
 * branch, 8 hex digits. A retransmitted request gives the same value. Throws SipParseError when
 * those headers are malformed.
 */
export const requestTagHash = (req: SipMessage): string =>
  fnv1a(req.via().branch ?? "", fnv1a(req.from().tag ?? "", fnv1a(req.callId()))).toString(16).padStart(8, "0");
