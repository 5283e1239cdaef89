import { randomBytes } from "node:crypto";
import type { SipMessage } from "../../core/sip/message.ts";
import { requestTagHash } from "../../core/sip/reply.ts";

/**
 * To-tags for stateless replies. As Kamailio's sl does, a tag is a fixed per-server prefix and a
 * short hash of what identifies the request (Call-ID, From tag, top Via branch), so a
 * retransmitted request gets a reply with the same tag without any state being kept.
 */
const prefix = randomBytes(16).toString("hex");

export const statelessToTag = (req: SipMessage): string => `${prefix}-${requestTagHash(req)}`;
