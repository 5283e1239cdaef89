import { randomBytes } from "node:crypto";
import type { SipMessage } from "../../core/sip/message.ts";

/**
 * To tags of the replies tm makes: a per-process random prefix and a hash of what identifies the
 * request (Call-ID, From tag, top Via branch). Stored in the transaction, so every reply of one
 * transaction carries the same tag.
 */
const prefix = randomBytes(12).toString("hex");

export const localToTag = (req: SipMessage): string => {
  let h = 0x811c9dc5;
  const mix = (s: string): void => {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  };
  mix(req.callId());
  mix(req.from().tag ?? "");
  mix(req.via().branch ?? "");
  return `${prefix}.${h.toString(16).padStart(8, "0")}`;
};
