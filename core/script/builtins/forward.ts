import { Effect } from "effect";
import type { CallContext } from "../../module/call-context.ts";
import { SipSender } from "../../module/core-services.ts";
import { formatVia } from "../../sip/via.ts";
import { Forwarding } from "./forwarding.ts";
import { hopOfUri, resolveHost, viaHost, type NextHop } from "./forward-target.ts";
import { statelessBranch } from "./via-branch.ts";

/**
 * Stateless forwarding of the request being processed (Kamailio's core `forward()`): to $du when
 * set, else to the current R-URI, or to an explicit host and port. Our Via goes on top with a
 * branch computed statelessly (via-branch.ts) and the address the server gives for the outgoing
 * protocol; the message's other changes (R-URI, headers) are applied. The Via exists only in the
 * bytes sent: the message itself is left as it was, so a second forward() sends one Via too.
 * Max-Forwards is not touched (maxfwd does that). Returns 1 when the bytes were handed to a
 * socket, -1 otherwise (logged).
 */
export const forwardRequest = (ctx: CallContext, explicit: NextHop | undefined) =>
  Effect.gen(function* () {
    const msg = ctx.msg;
    if (!msg.isRequest) {
      yield* Effect.logWarning("forward(): only requests can be forwarded");
      return -1;
    }
    let hop: NextHop;
    if (explicit !== undefined) hop = explicit;
    else {
      const du = ctx.du;
      const h = hopOfUri(du !== undefined && du !== "" ? du : msg.currentRuri());
      if ("error" in h) {
        yield* Effect.logWarning(`forward(): ${h.error}`);
        return -1;
      }
      hop = h;
    }
    const ip = yield* Effect.either(resolveHost(hop.host));
    if (ip._tag === "Left") {
      yield* Effect.logWarning(`forward(): ${ip.left}`);
      return -1;
    }
    const fw = yield* Forwarding;
    const sender = yield* SipSender;
    const af = ip.right.includes(":") ? 6 : 4;
    const via = fw.viaFor(hop.proto, af, ctx.rcv);
    if (via === undefined) {
      yield* Effect.logWarning(`forward(): no listening socket for ${hop.proto} (IPv${af}) to send from`);
      return -1;
    }
    let bytes: Buffer;
    try {
      const value = formatVia({
        transport: hop.proto,
        host: viaHost(via.host),
        port: via.port,
        params: [["branch", statelessBranch(msg)]],
      });
      msg.prependVia(value);
      try {
        bytes = msg.serialize();
      } finally {
        msg.edits?.vias.shift();
      }
    } catch (e) {
      yield* Effect.logWarning(`forward(): cannot build the request: ${e instanceof Error ? e.message : String(e)}`);
      return -1;
    }
    return sender.send({ proto: hop.proto, ip: ip.right, port: hop.port }, bytes) ? 1 : -1;
  });
