import type { SipMessage } from "../../core/sip/message.ts";

/**
 * The body as the body functions see it: the body set by an earlier change in this route (set_body,
 * replace_body ...), else the body as received. Kept as a byte string (one char per byte) so that
 * binary bodies survive a change.
 */
export const bodyBytes = (msg: SipMessage): string => (msg.edits?.body ?? msg.body).toString("latin1");

/** Replace the body with a byte string; Content-Type is kept (Content-Length is rewritten). */
export const setBodyBytes = (msg: SipMessage, bytes: string): void => {
  msg.setBody(Buffer.from(bytes, "latin1"), msg.edits?.contentType ?? msg.contentType());
};

/** `type/subtype` in lower case, parameters dropped; undefined when the text is not a media type. */
export const mediaType = (text: string): string | undefined => {
  const m = /^\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*\/\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*(?:;.*)?$/s.exec(text);
  return m === null ? undefined : `${m[1]!.toLowerCase()}/${m[2]!.toLowerCase()}`;
};

/**
 * has_body(): a Content-Length header with a value above 0 (a message without Content-Length has
 * no body for Kamailio). With `mime`, the Content-Type must be that type (a message without
 * Content-Type counts as application/sdp, as RFC 3261 lets a receiver assume).
 */
export const hasBody = (msg: SipMessage, mime: string | undefined): boolean => {
  const len = msg.contentLength();
  if (len === undefined || len === 0) return false;
  if (mime === undefined) return true;
  const ct = msg.contentType();
  const got = ct === undefined ? "application/sdp" : mediaType(ct);
  return got === mime;
};
