import type { CallContext } from "../../core/module/call-context.ts";
import { SipSender } from "../../core/module/core-services.ts";
import { buildReply } from "../../core/sip/reply.ts";
import { statelessToTag } from "./to-tag.ts";
import { slStats } from "./stats.ts";

/**
 * The status Kamailio 5.6 writes for a code: the last three digits of the code taken as an
 * unsigned 32-bit number (99 is sent as 099, 1200 as 200, -5 as 291).
 */
export const wireStatus = (code: number): number => (code >>> 0) % 1000;

/**
 * Send a stateless reply to the request being processed. Returns Kamailio's codes: 1 sent,
 * -1 when no reply can be sent (not a request, an ACK, a socket error). Any integer code is sent
 * as Kamailio sends it (wireStatus); the To tag is added from 180 on, as Kamailio's sl does.
 * Synchronous: the sender is the server's own (ctx.service), so no Effect runs per reply.
 */
export const sendStatelessReply = (ctx: CallContext, code: number, reason: string): number => {
  const sender = ctx.service(SipSender);
  const req = ctx.msg;
  if (!req.isRequest || req.method === "ACK") return -1;
  if (!Number.isInteger(code)) return -1;
  const status = wireStatus(code);
  let bytes: Buffer;
  try {
    bytes = buildReply(req, status, reason, code >= 180 ? { toTag: statelessToTag(req) } : undefined);
  } catch {
    return -1;
  }
  if (!sender.reply(req, ctx.rcv, bytes)) return -1;
  slStats.count(status);
  return 1;
};
