/**
 * Size and count limits applied while parsing a SIP message. Every limit protects the
 * server from a peer that sends something large enough to cost memory or CPU.
 */
export interface ParseLimits {
  /** Largest message in bytes (Kamailio's BUF_SIZE, 65535). Over it: 513 Message Too Large. */
  readonly maxMessageSize: number;
  /** Most header lines in one message. Over it: 400 (or discard when no reply can be built). */
  readonly maxHeaders: number;
  /** Longest Request-URI in characters. Over it: 414 Request-URI Too Long. */
  readonly maxUriLength: number;
  /** Most comma-separated values one list header (Via, Contact, Route, ...) may carry when parsed. */
  readonly maxListItems: number;
  /** Longest single header field (name, value and folded lines) in bytes. Over it: 400. */
  readonly maxHeaderLength: number;
}

export const defaultParseLimits: ParseLimits = {
  maxMessageSize: 65535,
  maxHeaders: 256,
  maxUriLength: 4096,
  maxListItems: 128,
  maxHeaderLength: 16384,
};

/** Defaults overridden by whatever `partial` sets. Returns the shared default object when nothing is set. */
export const resolveLimits = (partial?: Partial<ParseLimits>): ParseLimits =>
  partial === undefined ? defaultParseLimits : { ...defaultParseLimits, ...partial };
