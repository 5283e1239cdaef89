import { randomBytes } from "node:crypto";
import type { SipMessage } from "../../core/sip/message.ts";
import { requestTagHash } from "../../core/sip/reply.ts";

/**
 * To tags of the replies tm makes: a per-process random prefix and the hash of what identifies the
 * request (Call-ID, From tag, top Via branch). Stored in the transaction, so every reply of one
 * transaction carries the same tag.
 */
const prefix = randomBytes(12).toString("hex");

export const localToTag = (req: SipMessage): string => `${prefix}.${requestTagHash(req)}`;
