import { isParseFailure, SipMessage } from "../../core/sip/message.ts";

/** `bytes` (a request) with a Via header line inserted right after the request line. */
export const withViaOnTop = (bytes: Buffer, viaValue: string): Buffer => {
  const eol = bytes.indexOf(10);
  const cut = eol < 0 ? bytes.length : eol + 1;
  return Buffer.concat([bytes.subarray(0, cut), Buffer.from(`Via: ${viaValue}\r\n`, "utf8"), bytes.subarray(cut)]);
};

const parse = (bytes: Buffer): SipMessage | undefined => {
  const m = SipMessage.parse(bytes);
  return isParseFailure(m) ? undefined : m;
};

/** Header lines `name: value` for every value of `name` in `m`, in order. */
const copyLines = (m: SipMessage, name: string, out: string[]): void => {
  for (const v of m.headers(name)) out.push(`${name}: ${v}`);
};

/**
 * The CANCEL of a branch's INVITE (RFC 3261 §9.1): same Request-URI, top Via (our branch),
 * Call-ID, From, To, Route set and CSeq number, method CANCEL. undefined if the branch's request
 * cannot be read back (it always can: tm wrote it).
 */
export const buildCancel = (inviteBytes: Buffer): Buffer | undefined => {
  const inv = parse(inviteBytes);
  if (inv === undefined) return undefined;
  const lines = [`CANCEL ${inv.ruri} SIP/2.0`, `Via: ${inv.vias()[0]!.raw}`];
  copyLines(inv, "Route", lines);
  lines.push(`From: ${inv.header("from") ?? ""}`, `To: ${inv.header("to") ?? ""}`, `Call-ID: ${inv.callId()}`);
  lines.push(`CSeq: ${inv.cseq().seq} CANCEL`, "Max-Forwards: 70", "Content-Length: 0", "", "");
  return Buffer.from(lines.join("\r\n"), "utf8");
};

/**
 * The ACK for a negative final reply to a branch's INVITE (RFC 3261 §17.1.1.3): the INVITE's
 * Request-URI, top Via, Route set, From, Call-ID and CSeq number, and the To of the reply (its tag).
 */
export const buildAck = (inviteBytes: Buffer, reply: SipMessage): Buffer | undefined => {
  const inv = parse(inviteBytes);
  if (inv === undefined) return undefined;
  const lines = [`ACK ${inv.ruri} SIP/2.0`, `Via: ${inv.vias()[0]!.raw}`];
  copyLines(inv, "Route", lines);
  lines.push(`From: ${inv.header("from") ?? ""}`, `To: ${reply.header("to") ?? inv.header("to") ?? ""}`);
  lines.push(`Call-ID: ${inv.callId()}`, `CSeq: ${inv.cseq().seq} ACK`, "Max-Forwards: 70", "Content-Length: 0", "", "");
  return Buffer.from(lines.join("\r\n"), "utf8");
};
