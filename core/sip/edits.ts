/**
 * Edits recorded on a received message (Kamailio's "lumps"): they are kept beside the original
 * bytes and applied in one pass when the message is serialized. Nothing re-parses the original;
 * header getters keep showing the received values.
 */

/** What has been asked for; owned by one SipMessage. */
export class MessageEdits {
  /** New Request-URI text. */
  ruri: string | undefined = undefined;
  /** Per original header (by index): 1 = removed. Allocated on first removal. */
  removed: Uint8Array | undefined = undefined;
  /** Original header index -> new value (same name as written). */
  readonly replaced = new Map<number, string>();
  /** Header lines ("Name: value") to put before every original header; newest first. */
  readonly first: string[] = [];
  /** Header lines to put after every original header; in the order added. */
  readonly last: string[] = [];
  /** Via values to put before the original top Via; newest first. */
  readonly vias: string[] = [];
  /** The first Via value of the original message is to be removed. */
  topViaRemoved = false;
  /** Parameters to set (string, "" for no value) or remove (null) on the original top Via value. */
  readonly topViaParams = new Map<string, string | null>();
  /** New body; undefined = unchanged. */
  body: Buffer | undefined = undefined;
  /** New Content-Type: undefined = unchanged, null = remove it. Only used when the body changed. */
  contentType: string | null | undefined = undefined;

  remove(index: number, count: number): void {
    if (this.removed === undefined) this.removed = new Uint8Array(count);
    this.removed[index] = 1;
  }

  isRemoved(index: number): boolean {
    return this.removed !== undefined && this.removed[index] === 1;
  }

  get empty(): boolean {
    return (
      this.ruri === undefined &&
      this.removed === undefined &&
      this.replaced.size === 0 &&
      this.first.length === 0 &&
      this.last.length === 0 &&
      this.vias.length === 0 &&
      !this.topViaRemoved &&
      this.topViaParams.size === 0 &&
      this.body === undefined
    );
  }
}

const TOKEN_NAME = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/** Reject header names that are not tokens and values that would break the message (CR, LF, NUL). */
export const checkHeader = (name: string, value: string): void => {
  if (!TOKEN_NAME.test(name)) throw new RangeError(`invalid SIP header name ${JSON.stringify(name)}`);
  checkValue(value, "header value");
};

export const checkValue = (value: string, what: string): void => {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 13 || c === 10 || c === 0) throw new RangeError(`${what} must not contain CR, LF or NUL: ${JSON.stringify(value)}`);
  }
};
