import { Effect } from "effect";
import { SipSender } from "../../module/core-services.ts";
import type { SipMessage } from "../../sip/message.ts";
import { unbracket } from "../../transport/ip-address.ts";
import { Forwarding } from "./forwarding.ts";
import { asProto, defaultPort, resolveHost } from "./forward-target.ts";

/**
 * Send a reply upstream statelessly, as Kamailio does for a reply no transaction takes (after the
 * core reply_route, unless it ran `drop`): the top Via must be ours, it is removed, and the reply
 * goes to the next Via (RFC 3261 §18.2.2): its `received` address (else its host), its `rport`
 * value (else its port, else 5060/5061), over its transport. Returns true when the bytes were
 * handed to a socket; false (logged) when the reply is not for us, has nowhere to go or cannot be
 * sent.
 */
export const forwardReply = (msg: SipMessage) =>
  Effect.gen(function* () {
    if (msg.isRequest) return false;
    let vias;
    try {
      vias = msg.vias();
    } catch (e) {
      yield* Effect.logWarning(`reply not forwarded: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
    const top = vias[0];
    const fw = yield* Forwarding;
    const topProto = top !== undefined ? asProto(top.transport) : undefined;
    if (top === undefined || topProto === undefined || !fw.isLocal(unbracket(top.host), top.port, topProto)) {
      yield* Effect.logWarning(`reply not forwarded: its top Via (${top?.raw ?? "none"}) does not name this server`);
      return false;
    }
    const next = vias[1];
    if (next === undefined) {
      yield* Effect.logDebug("reply not forwarded: it answers a request this server sent itself");
      return false;
    }
    const proto = asProto(next.transport);
    if (proto === undefined) {
      yield* Effect.logWarning(`reply not forwarded: transport ${next.transport} of the next Via is not supported`);
      return false;
    }
    const host = next.received !== undefined && next.received !== "" ? next.received : next.host;
    const rport = next.rport !== undefined && next.rport !== "" ? Number(next.rport) : NaN;
    const port = Number.isInteger(rport) && rport > 0 && rport < 65536 ? rport : (next.port ?? defaultPort(proto));
    const ip = yield* Effect.either(resolveHost(host));
    if (ip._tag === "Left") {
      yield* Effect.logWarning(`reply not forwarded: ${ip.left}`);
      return false;
    }
    let bytes: Buffer;
    msg.removeTopVia();
    try {
      bytes = msg.serialize();
    } finally {
      const ed = msg.edits;
      if (ed !== undefined) ed.topViaRemoved = false;
    }
    const sender = yield* SipSender;
    return sender.send({ proto, ip: ip.right, port }, bytes);
  });
