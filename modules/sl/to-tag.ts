import { randomBytes } from "node:crypto";
import type { SipMessage } from "../../core/sip/message.ts";

/**
 * To-tags for stateless replies. As Kamailio's sl does, a tag is a fixed per-server prefix and a
 * short hash of what identifies the request (Call-ID, From tag, top Via branch), so a
 * retransmitted request gets a reply with the same tag without any state being kept.
 */
const prefix = randomBytes(16).toString("hex");

const fnv1a = (s: string, h: number): number => {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
};

export const statelessToTag = (req: SipMessage): string => {
  let h = 0x811c9dc5;
  h = fnv1a(req.callId(), h);
  h = fnv1a(req.from().tag ?? "", h);
  h = fnv1a(req.via().branch ?? "", h);
  return `${prefix}-${h.toString(16).padStart(8, "0")}`;
};
