import type { Via } from "../sip/via.ts";
import { unbracket } from "./ip-address.ts";
import type { ReceiveInfo } from "./receive-info.ts";
import type { SendDestination } from "./transport.ts";

/** The default port of a sent-by without one: 5061 for TLS, 5060 otherwise (RFC 3261 §18.2.2). */
const defaultPort = (proto: string): number => (proto === "tls" || proto === "wss" ? 5061 : 5060);

/**
 * Where the response to a received request goes (RFC 3261 §18.2.2, RFC 3581 §4), from the
 * request's top Via and where the request came from:
 * - reliable transport (tcp, tls, ws, wss): the connection the request came on; if it has closed,
 *   a new connection to the `received` address (the source) and the sent-by port (default 5060,
 *   5061 for TLS);
 * - otherwise, with `maddr`: that address and the sent-by port (default 5060);
 * - otherwise the `received` address (the source address when fixTopVia found no reason to add
 *   it), with the `rport` port when the Via has rport (its value, or the source port when fixTopVia
 *   has not filled it), else the sent-by port (default 5060).
 * The reply leaves from the listener the request arrived on. Throws SipParseError when the top
 * Via is malformed.
 */
export const replyTarget = (req: { via(): Via }, rcv: ReceiveInfo): SendDestination => {
  const v = req.via();
  const proto = rcv.proto;
  if (proto !== "udp") {
    return {
      proto,
      ip: v.received !== undefined && v.received !== "" ? unbracket(v.received) : rcv.srcIp,
      port: v.port ?? defaultPort(proto),
      connId: rcv.connId,
      listenerId: rcv.listenerId,
    };
  }
  const maddr = v.params.get("maddr");
  if (maddr !== undefined && maddr !== "") {
    return { proto, ip: unbracket(maddr), port: v.port ?? 5060, listenerId: rcv.listenerId };
  }
  let port: number;
  if (v.rport !== undefined) {
    const n = v.rport === "" ? NaN : Number(v.rport);
    port = Number.isInteger(n) && n > 0 && n < 65536 ? n : rcv.srcPort;
  } else port = v.port ?? 5060;
  return { proto, ip: v.received !== undefined && v.received !== "" ? unbracket(v.received) : rcv.srcIp, port, listenerId: rcv.listenerId };
};
