import type { Via } from "../sip/via.ts";
import { sameIp, unbracket } from "./ip-address.ts";
import type { ReceiveInfo } from "./receive-info.ts";

/** What fixTopVia needs of a message: its top Via and a way to record a parameter edit. */
export interface TopViaEditable {
  readonly isRequest: boolean;
  via(): Via;
  setTopViaParam(name: string, value: string | null): void;
}

/**
 * RFC 3261 §18.2.1 and RFC 3581 §4 on a received request: when the top Via's sent-by host is a
 * name or an address other than the packet's source, add `received=<source ip>`; when the top
 * Via carries `rport` without a value, set it to the source port and add `received` as well
 * (even when the host equals the source). The changes are recorded as edits on the message,
 * applied when it is serialized (a reply built from it copies them).
 * Replies are left alone. Returns true when it changed something. Throws SipParseError when the
 * top Via is missing or malformed.
 */
export const fixTopVia = (msg: TopViaEditable, rcv: ReceiveInfo): boolean => {
  if (!msg.isRequest) return false;
  const v = msg.via();
  if (v.rport === "") {
    msg.setTopViaParam("received", rcv.srcIp);
    msg.setTopViaParam("rport", String(rcv.srcPort));
    return true;
  }
  if (!sameIp(unbracket(v.host), rcv.srcIp)) {
    msg.setTopViaParam("received", rcv.srcIp);
    return true;
  }
  return false;
};
