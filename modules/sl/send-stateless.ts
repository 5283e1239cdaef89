import type { CallContext } from "../../core/module/call-context.ts";
import { SipSender } from "../../core/module/core-services.ts";
import { buildReply } from "../../core/sip/reply.ts";
import { statelessToTag } from "./to-tag.ts";
import { slStats } from "./stats.ts";

/**
 * Send a stateless reply to the request being processed. Returns Kamailio's codes: 1 sent,
 * -1 when no reply can be sent (not a request, an ACK, a code outside 100..699, a socket error).
 * Synchronous: the sender is the server's own (ctx.service), so no Effect runs per reply.
 */
export const sendStatelessReply = (ctx: CallContext, code: number, reason: string): number => {
  const sender = ctx.service(SipSender);
  const req = ctx.msg;
  if (!req.isRequest || req.method === "ACK") return -1;
  if (!Number.isInteger(code) || code < 100 || code > 699) return -1;
  let bytes: Buffer;
  try {
    bytes = buildReply(req, code, reason, code > 100 ? { toTag: statelessToTag(req) } : undefined);
  } catch {
    return -1;
  }
  if (!sender.reply(req, ctx.rcv, bytes)) return -1;
  slStats.count(code);
  return 1;
};
