/** Status codes a parse failure can ask for. 0 means: discard silently, no reply can or should be sent. */
export type ParseFailureStatus = 400 | 413 | 414 | 505 | 513 | 0;

/**
 * Thrown by a lazy header getter of `SipMessage` (via(), from(), contact(), ...) when the header
 * it must parse is malformed or missing. Callers map it to a reply with `status` (always 400 today).
 * `SipMessage.parse` itself never throws.
 */
export class SipParseError extends Error {
  override readonly name = "SipParseError";
  constructor(
    message: string,
    readonly status: 400 = 400,
    /** Lower-case canonical name of the header that failed, when one did. */
    readonly header?: string,
  ) {
    super(message);
  }
}

export const isSipParseError = (e: unknown): e is SipParseError => e instanceof SipParseError;
