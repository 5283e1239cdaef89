import { createHash } from "node:crypto";
import type { SipMessage } from "../../sip/message.ts";

/**
 * The Via branch of a statelessly forwarded request (RFC 3261 §16.11). It must be the same for
 * every retransmission of the request and for a CANCEL or a non-2xx ACK of it (so they reach the
 * same downstream transaction), and differ between requests:
 * - when the request's top Via branch has the RFC 3261 magic cookie, the branch is a hash of that
 *   branch and the top Via's sent-by (a CANCEL and an ACK for a non-2xx reply carry the same top
 *   Via as their INVITE);
 * - otherwise (an RFC 2543 client) a hash of the To tag, From tag, Call-ID, received Request-URI,
 *   top Via and CSeq number (not the method).
 */
export const statelessBranch = (msg: SipMessage): string => {
  const h = createHash("md5");
  const v = msg.via();
  if (v.branch !== undefined && v.branch.startsWith("z9hG4bK")) {
    h.update(`3261|${v.branch}|${v.host}|${v.port ?? ""}|${v.transport}`);
  } else {
    h.update(
      `2543|${msg.to().tag ?? ""}|${msg.from().tag ?? ""}|${msg.callId()}|${msg.ruri}|${v.raw}|${msg.cseq().seq}`,
    );
  }
  return `z9hG4bKsm${h.digest("hex").slice(0, 24)}`;
};
