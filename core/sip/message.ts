/**
 * A SIP message as received: the raw bytes, an index of the start line and header boundaries
 * built in one pass (scan.ts), header values parsed only when asked and cached, and edits
 * ("lumps") recorded beside the original and applied by `serialize()`.
 *
 * Error model:
 * - `SipMessage.parse` never throws. It returns a `ParseFailure` when the start line, the header
 *   section, Content-Length, a limit, or one of the headers every SIP element needs (top Via,
 *   From, To, Call-ID, CSeq and its method, Max-Forwards digits, a sip:/sips:/tel: R-URI) is
 *   malformed or missing. Those are parsed during `parse` (as Kamailio does on receive); every
 *   other header is parsed only when its getter is called.
 * - Lazy getters (`contact()`, `vias()`, `route()`, `recordRoute()`, `maxForwards()` ...)
 *   throw `SipParseError` (status 400) when their header is malformed. Callers map it to 400.
 * - Edit methods throw `RangeError` for an invalid header name, or a value with CR/LF/NUL.
 *
 * Getters always show the message as received (Kamailio semantics: lumps are not visible to
 * header getters). `currentRuri()` shows the R-URI after `setRuri`.
 */
import { parseCSeqAt, type CSeq } from "./cseq.ts";
import { checkHeader, checkValue, MessageEdits } from "./edits.ts";
import {
  HDR_CALL_ID,
  HDR_CONTACT,
  HDR_CONTENT_LENGTH,
  HDR_CONTENT_TYPE,
  HDR_CSEQ,
  HDR_FROM,
  HDR_MAX_FORWARDS,
  HDR_OTHER,
  HDR_RECORD_ROUTE,
  HDR_ROUTE,
  HDR_TO,
  HDR_VIA,
  headerIdOf,
} from "./header-names.ts";
import { resolveLimits, type ParseLimits } from "./limits.ts";
import { parseNameAddrAt, type NameAddr } from "./name-addr.ts";
import { SipParseError, type ParseFailureStatus } from "./parse-error.ts";
import {
  F_ID,
  F_LINE,
  F_NAME_END,
  F_NEXT,
  F_VAL_END,
  F_VAL_START,
  FLAG_FOLDED,
  ID_MASK,
  CORE_IDS,
  scanMessage,
  STRIDE,
  type Scan,
  type ScanError,
} from "./scan.ts";
import { cut, parseDigitsAt, splitRanges, splitTopLevel, srcOf, unfold, type Src } from "./text-scan.ts";
import { checkUriAt, parseUriAt, uriSchemeOf, type SipUri } from "./uri.ts";
import { editViaParams, parseFirstVia, parseViaAt, parseViaListAt, type Via } from "./via.ts";

export type { Via } from "./via.ts";
export type { NameAddr } from "./name-addr.ts";
export type { CSeq } from "./cseq.ts";
export type { SipUri } from "./uri.ts";
export type { ParseLimits } from "./limits.ts";
export { SipParseError } from "./parse-error.ts";

/** Why a buffer is not a usable SIP message, and what to answer. */
export interface ParseFailure {
  readonly ok: false;
  readonly reason: string;
  /** Reply status to send; 0 = discard silently (replies, keep-alives, or nothing to build a reply from). */
  readonly status: ParseFailureStatus;
  /**
   * The message as far as it could be indexed, when it is a request with at least one Via line:
   * `buildReply(partial, status, ...)` then works. Its parsed getters may throw.
   */
  readonly partial?: SipMessage;
}

export const isParseFailure = (x: unknown): x is ParseFailure =>
  typeof x === "object" && x !== null && (x as { ok?: unknown }).ok === false;

/** Options for `serialize`. */
export interface SerializeOptions {
  /**
   * "keep" (default): Content-Length is rewritten only when the body changed.
   * "always": the output always carries exactly one correct Content-Length (for stream transports).
   */
  readonly contentLength?: "keep" | "always";
}


const NONE: readonly never[] = [];

const REQUIRED_ONCE = [
  [HDR_FROM, "From"],
  [HDR_TO, "To"],
  [HDR_CALL_ID, "Call-ID"],
  [HDR_CSEQ, "CSeq"],
] as const;

const toBuffer = (u: Uint8Array): Buffer =>
  Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);

type Latin1Buffer = Buffer & { latin1Slice(s: number, e: number): string };

/** Node, Bun and Deno Buffers all have latin1Slice (a direct call is cheaper than toString). */
const hasLatin1Slice = typeof (Buffer.prototype as Partial<Latin1Buffer>).latin1Slice === "function";
const latin1 = (b: Buffer): string => (hasLatin1Slice ? (b as Latin1Buffer).latin1Slice(0, b.length) : b.toString("latin1"));

export class SipMessage implements Src {
  readonly ok = true as const;
  /** The raw bytes as received. */
  readonly buf: Buffer;
  readonly isRequest: boolean;
  /** Status code (replies), 0 for requests. */
  readonly status: number;
  /** @internal The index built by the scanner. */
  readonly scan: Scan;
  /** @internal Limits this message was parsed with. */
  readonly limits: ParseLimits;
  /** Offset of the body in `buf`, and its end (Content-Length applied). */
  readonly bodyStart: number;
  bodyEnd: number;

  private readonly text: string;
  /** first index (or -1) and count of each core header id */
  private readonly firstOf: number[];
  private _method: string | undefined = undefined;
  private _ruri: string | undefined = undefined;
  private _ruriParsed: SipUri | null | undefined = undefined;
  private _version: string | undefined = undefined;
  private _reason: string | undefined = undefined;
  private _via: Via | null | undefined = undefined;
  private _vias: Via[] | undefined = undefined;
  private _callId: string | undefined = undefined;
  private _cseq: CSeq | null | undefined = undefined;
  private _from: NameAddr | null | undefined = undefined;
  private _to: NameAddr | null | undefined = undefined;
  private _contact: NameAddr[] | undefined = undefined;
  private _route: NameAddr[] | undefined = undefined;
  private _rr: NameAddr[] | undefined = undefined;
  private _body: Buffer | undefined = undefined;
  private _edits: MessageEdits | undefined = undefined;

  private constructor(buf: Buffer, text: string, scan: Scan, limits: ParseLimits) {
    this.buf = buf;
    this.text = text;
    this.scan = scan;
    this.limits = limits;
    this.isRequest = scan.isRequest;
    this.status = scan.status;
    this.bodyStart = scan.bodyStart;
    this.bodyEnd = buf.length;
    this.firstOf = scan.firstOf;
  }

  /**
   * Parse one SIP message from `buf` (a whole datagram, or one framed stream message).
   * Never throws. See the file comment for what is checked here and what is left to getters.
   */
  static parse(buf: Uint8Array, limits?: Partial<ParseLimits>): SipMessage | ParseFailure {
    const b = toBuffer(buf);
    const lim = resolveLimits(limits);
    const text = latin1(b);
    const sc = scanMessage(b, text, lim);
    if (!("text" in sc)) return { ok: false, reason: sc.reason, status: 0 };
    const msg = new SipMessage(b, text, sc, lim);
    let err: ScanError | undefined;
    if (b.length > lim.maxMessageSize) err = { reason: `message larger than ${lim.maxMessageSize} bytes`, status: 513 };
    else err = sc.lineError ?? sc.headerError ?? msg.checkBody() ?? msg.checkCore();
    if (err === undefined) return msg;
    return SipMessage.failure(err, msg);
  }

  private static failure(err: ScanError, msg: SipMessage): ParseFailure {
    if (err.status === 0 || !msg.isRequest) return { ok: false, reason: err.reason, status: 0 };
    if (msg.firstOf[HDR_VIA]! < 0) return { ok: false, reason: `${err.reason} (and no Via to reply to)`, status: 0 };
    return { ok: false, reason: err.reason, status: err.status, partial: msg };
  }

  /** Content-Length checks; sets bodyEnd. */
  private checkBody(): ScanError | undefined {
    const clCount = this.firstOf[CORE_IDS + HDR_CONTENT_LENGTH]!;
    const avail = this.buf.length - this.bodyStart;
    if (clCount <= 0) {
      this.bodyEnd = this.buf.length;
      return undefined;
    }
    if (clCount > 1) return { reason: "more than one Content-Length", status: 400 };
    const src = this.src(this.firstOf[HDR_CONTENT_LENGTH]!);
    const cl = parseDigitsAt(src.b, this.rs, this.re, 0x7fffffff);
    if (cl < 0) return { reason: "malformed Content-Length", status: 400 };
    if (cl > avail) return { reason: "Content-Length larger than the message", status: 400 };
    this.bodyEnd = this.bodyStart + cl;
    return undefined;
  }

  /** The headers every element needs: parsed now, so a bad one is a parse failure. */
  private checkCore(): ScanError | undefined {
    const f = this.firstOf;
    if (this.isRequest) {
      // sip:, sips: and tel: are parsed (which rejects control characters and malformed parts);
      // any other scheme only needs a scheme and no control characters (416 is the router's call)
      // A URI with headers (sip:a@b?X=1) is routed, as Kamailio 5.6 does.
      const check = checkUriAt(this.buf, this.scan.b0, this.scan.b1);
      if (check < 0) {
        const scheme = uriSchemeOf(this.ruri);
        if (scheme === undefined || scheme === "sip" || scheme === "sips" || scheme === "tel") return { reason: "malformed Request-URI", status: 400 };
        const t = this.text;
        for (let k = this.scan.b0; k < this.scan.b1; k++) {
          const c = t.charCodeAt(k);
          if (c <= 32 || c === 127) return { reason: "control character in Request-URI", status: 400 };
        }
      }
    }
    if (f[HDR_VIA]! < 0) return { reason: "no Via header", status: 0 };
    const once =
      f[CORE_IDS + HDR_FROM] === 1 && f[CORE_IDS + HDR_TO] === 1 && f[CORE_IDS + HDR_CALL_ID] === 1 && f[CORE_IDS + HDR_CSEQ] === 1;
    if (!once) {
      for (const [id, name] of REQUIRED_ONCE) {
        const c = f[CORE_IDS + id]!;
        if (c <= 0) return { reason: `missing ${name} header`, status: 400 };
        if (c > 1) return { reason: `more than one ${name} header`, status: 400 };
      }
    }
    if (f[CORE_IDS + HDR_MAX_FORWARDS]! > 1) return { reason: "more than one Max-Forwards header", status: 400 };
    if (this.topVia() === undefined) return { reason: "malformed Via header", status: 400 };
    const cs = this.cseqOrUndefined();
    if (cs === undefined) return { reason: "malformed CSeq header", status: 400 };
    if (this.isRequest && cs.method !== this.method) return { reason: "CSeq method does not match the request method", status: 400 };
    if (this.callId().length === 0) return { reason: "empty Call-ID", status: 400 };
    if (this.nameAddrOf(HDR_FROM) === undefined) return { reason: "malformed From header", status: 400 };
    if (this.nameAddrOf(HDR_TO) === undefined) return { reason: "malformed To header", status: 400 };
    const mf = f[HDR_MAX_FORWARDS]!;
    if (mf >= 0 && parseDigitsAt(this.src(mf).b, this.rs, this.re, 0x7fffffff) < 0) return { reason: "malformed Max-Forwards", status: 400 };
    return undefined;
  }

  // ------------------------------------------------------------------ raw access

  /** Number of header lines (folded lines count once). */
  get headerCount(): number {
    return this.scan.count;
  }

  /**
   * Text of bytes [start, end): `cut` with the message as source, which checks only that range
   * (never the whole message: a native whole-buffer check costs more per message than the few
   * values a message ever has cut).
   */
  private decode(start: number, end: number): string {
    return cut(this, start, end);
  }

  /** Start and end (byte offsets) of the value returned by the last src() call. */
  private rs = 0;
  private re = 0;

  /** @internal Src: the message bytes (the parsers read the message itself, no copy). */
  get b(): Uint8Array {
    return this.buf;
  }

  /** @internal Src: the message bytes as latin1 text. */
  get t(): string {
    return this.text;
  }

  /** @internal Src: false ("not known to be all ASCII"): every cut checks its own range. */
  get ascii(): boolean {
    return false;
  }

  /** The whole message as a parser source. */
  private msrc(): Src {
    return this;
  }

  /**
   * The value of header line k as (Src, this.rs, this.re) without copying: the message itself
   * when the value sits on one line, else a fresh Src of the unfolded value.
   */
  private src(k: number): Src {
    const o = k * STRIDE;
    const idx = this.scan.index;
    if ((idx[o + F_ID]! & FLAG_FOLDED) === 0) {
      this.rs = idx[o + F_VAL_START]!;
      this.re = idx[o + F_VAL_END]!;
      return this.msrc();
    }
    const src = srcOf(this.valueAt(k));
    this.rs = 0;
    this.re = src.b.length;
    return src;
  }

  /** Value of header line k (trimmed, unfolded, UTF-8 decoded). */
  valueAt(k: number): string {
    const o = k * STRIDE;
    const idx = this.scan.index;
    const v = this.decode(idx[o + F_VAL_START]!, idx[o + F_VAL_END]!);
    return (idx[o + F_ID]! & FLAG_FOLDED) !== 0 ? unfold(v) : v;
  }

  /** Name of header line k as written. */
  nameAt(k: number): string {
    const o = k * STRIDE;
    return this.text.slice(this.scan.index[o + F_LINE]!, this.scan.index[o + F_NAME_END]!);
  }

  /** Header id (header-names.ts) of line k. */
  idAt(k: number): number {
    return this.scan.index[k * STRIDE + F_ID]! & ID_MASK;
  }

  /** Indexes of every line whose name matches (case-insensitive, compact forms mapped). */
  indexesOf(name: string): number[] {
    const id = headerIdOf(name);
    const out: number[] = [];
    const n = this.scan.count;
    if (id !== HDR_OTHER) {
      if (id < CORE_IDS) {
        if (this.firstOf[id]! < 0) return out;
        if (this.firstOf[CORE_IDS + id] === 1) {
          out.push(this.firstOf[id]!);
          return out;
        }
      }
      for (let k = 0; k < n; k++) if (this.idAt(k) === id) out.push(k);
      return out;
    }
    const want = name.trim().toLowerCase();
    const len = want.length;
    const idx = this.scan.index;
    const t = this.text;
    for (let k = 0; k < n; k++) {
      const o = k * STRIDE;
      if ((idx[o + F_ID]! & ID_MASK) !== HDR_OTHER) continue;
      const s = idx[o + F_LINE]!;
      if (idx[o + F_NAME_END]! - s !== len) continue;
      let i = 0;
      while (i < len) {
        const c = t.charCodeAt(s + i);
        const lc = c >= 65 && c <= 90 ? c + 32 : c;
        if (lc !== want.charCodeAt(i)) break;
        i++;
      }
      if (i === len) out.push(k);
    }
    return out;
  }

  private firstIndexOf(name: string): number {
    const id = headerIdOf(name);
    if (id !== HDR_OTHER && id < CORE_IDS) return this.firstOf[id]!;
    const all = this.indexesOf(name);
    return all.length > 0 ? all[0]! : -1;
  }

  // ------------------------------------------------------------------ start line

  /** Request method; for replies, the CSeq method ("" when CSeq is unusable). */
  get method(): string {
    if (this._method === undefined) {
      if (this.isRequest) this._method = this.text.slice(this.scan.a0, this.scan.a1);
      else this._method = this.cseqOrUndefined()?.method ?? "";
    }
    return this._method;
  }

  /** Request-URI text as received ("" for replies). */
  get ruri(): string {
    if (this._ruri === undefined) this._ruri = this.isRequest ? this.decode(this.scan.b0, this.scan.b1) : "";
    return this._ruri;
  }

  /** "SIP/2.0" as written. */
  get version(): string {
    if (this._version === undefined) {
      const s = this.scan;
      this._version = this.isRequest ? this.text.slice(s.c0, s.c1) : this.text.slice(s.a0, s.a1);
    }
    return this._version;
  }

  /** Reason phrase of a reply (UTF-8 decoded; "" for requests or when empty). */
  get reason(): string {
    if (this._reason === undefined) {
      this._reason = this.isRequest ? "" : this.buf.toString("utf8", this.scan.c0, this.scan.c1);
    }
    return this._reason;
  }

  /** The R-URI parsed (sip:, sips:, tel:), cached; undefined for other schemes or replies. */
  parsedRuri(): SipUri | undefined {
    if (this._ruriParsed === undefined) {
      if (!this.isRequest) this._ruriParsed = null;
      else this._ruriParsed = parseUriAt(this.msrc(), this.scan.b0, this.scan.b1) ?? null;
    }
    return this._ruriParsed ?? undefined;
  }

  /** The R-URI after edits (`setRuri`), else the received one. */
  currentRuri(): string {
    return this._edits?.ruri ?? this.ruri;
  }

  // ------------------------------------------------------------------ generic header access

  /** First value of a header (trimmed, unfolded), undefined when absent. */
  header(name: string): string | undefined {
    const k = this.firstIndexOf(name);
    return k < 0 ? undefined : this.valueAt(k);
  }

  /** Every occurrence's value, in order. */
  headers(name: string): string[] {
    return this.indexesOf(name).map((k) => this.valueAt(k));
  }

  /**
   * Every occurrence's value with its trailing white space kept, as Kamailio's $hdr gives it
   * (leading white space and folding are handled as in headers()).
   */
  headersAsWritten(name: string): string[] {
    const idx = this.scan.index;
    const t = this.text;
    return this.indexesOf(name).map((k) => {
      const o = k * STRIDE;
      if ((idx[o + F_ID]! & FLAG_FOLDED) !== 0) return this.valueAt(k);
      const end = idx[o + F_VAL_END]!;
      let i = end;
      for (let c = t.charCodeAt(i); c === 32 || c === 9; c = t.charCodeAt(++i));
      const c = t.charCodeAt(i);
      if (i === end || (c !== 13 && c !== 10)) return this.valueAt(k);
      return this.decode(idx[o + F_VAL_START]!, i);
    });
  }

  /**
   * Every value of every occurrence, split on commas outside quotes and <> (empty items dropped).
   * Only meaningful for headers defined as comma lists (Allow, Supported, Via, Contact, ...).
   * Throws SipParseError when there are more than limits.maxListItems values.
   */
  headerValues(name: string): string[] {
    const out: string[] = [];
    for (const k of this.indexesOf(name)) {
      const items = splitTopLevel(this.valueAt(k), this.limits.maxListItems - out.length);
      if (items === undefined) throw new SipParseError(`too many values in ${name}`, 400, name.toLowerCase());
      for (const it of items) if (it.length > 0) out.push(it);
    }
    return out;
  }

  hasHeader(name: string): boolean {
    return this.firstIndexOf(name) >= 0;
  }

  /** Header names as written, in order (one per header line). */
  headerNames(): string[] {
    const out: string[] = [];
    for (let k = 0; k < this.scan.count; k++) out.push(this.nameAt(k));
    return out;
  }

  // ------------------------------------------------------------------ parsed headers (cached)

  private topVia(): Via | undefined {
    if (this._via === undefined) {
      const k = this.firstOf[HDR_VIA]!;
      this._via = (k < 0 ? undefined : parseViaAt(this.src(k), this.rs, this.re)) ?? null;
    }
    return this._via ?? undefined;
  }

  /** The top Via value. Throws SipParseError when missing or malformed. */
  via(): Via {
    const v = this.topVia();
    if (v === undefined) throw new SipParseError("missing or malformed Via header", 400, "via");
    return v;
  }

  /** Every Via value in order (all lines, comma lists split). Throws SipParseError when one is malformed. */
  vias(): Via[] {
    if (this._vias === undefined) {
      const out: Via[] = [];
      for (const k of this.indexesOf("via")) {
        const src = this.src(k);
        const list = parseViaListAt(src, this.rs, this.re, this.limits.maxListItems - out.length);
        if (list === undefined) throw new SipParseError("malformed Via header", 400, "via");
        out.push(...list);
      }
      this._vias = out;
    }
    return this._vias;
  }

  /** Call-ID value. Throws SipParseError when missing. */
  callId(): string {
    if (this._callId === undefined) {
      const k = this.firstOf[HDR_CALL_ID]!;
      if (k < 0) throw new SipParseError("missing Call-ID header", 400, "call-id");
      this._callId = this.valueAt(k);
    }
    return this._callId;
  }

  private cseqOrUndefined(): CSeq | undefined {
    if (this._cseq === undefined) {
      const k = this.firstOf[HDR_CSEQ]!;
      const src = k < 0 ? undefined : this.src(k);
      // for a request the CSeq method normally repeats the request method: reuse that string
      this._cseq = (src === undefined ? undefined : parseCSeqAt(src, this.rs, this.re, this.isRequest ? this.method : undefined)) ?? null;
    }
    return this._cseq ?? undefined;
  }

  /** CSeq number and method. Throws SipParseError when missing or malformed. */
  cseq(): CSeq {
    const c = this.cseqOrUndefined();
    if (c === undefined) throw new SipParseError("missing or malformed CSeq header", 400, "cseq");
    return c;
  }

  private nameAddrOf(id: typeof HDR_FROM | typeof HDR_TO): NameAddr | undefined {
    const cached = id === HDR_FROM ? this._from : this._to;
    if (cached !== undefined) return cached ?? undefined;
    const k = this.firstOf[id]!;
    const na = (k < 0 ? undefined : parseNameAddrAt(this.src(k), this.rs, this.re)) ?? null;
    if (id === HDR_FROM) this._from = na;
    else this._to = na;
    return na ?? undefined;
  }

  /** From header (display, uri, params, tag). Throws SipParseError when missing or malformed. */
  from(): NameAddr {
    const v = this.nameAddrOf(HDR_FROM);
    if (v === undefined) throw new SipParseError("missing or malformed From header", 400, "from");
    return v;
  }

  /** To header (display, uri, params, tag). Throws SipParseError when missing or malformed. */
  to(): NameAddr {
    const v = this.nameAddrOf(HDR_TO);
    if (v === undefined) throw new SipParseError("missing or malformed To header", 400, "to");
    return v;
  }

  private nameAddrList(id: number, lname: string): NameAddr[] {
    const first = this.firstOf[id]!;
    if (first < 0) return NONE as unknown as NameAddr[];
    const out: NameAddr[] = [];
    const n = this.scan.count;
    for (let k = first; k < n; k++) {
      if (this.idAt(k) !== id) continue;
      const src = this.src(k);
      const items = splitRanges(src.b, this.rs, this.re, this.limits.maxListItems - out.length);
      if (items === undefined) throw new SipParseError(`too many values in ${lname}`, 400, lname);
      for (let j = 0; j < items.length; j += 2) {
        const na = parseNameAddrAt(src, items[j]!, items[j + 1]!);
        if (na === undefined) throw new SipParseError(`malformed ${lname} header`, 400, lname);
        out.push(na);
      }
    }
    return out;
  }

  /**
   * Every Contact value in order ([] when absent). `Contact: *` gives one entry with star = true.
   * Throws SipParseError when a value is malformed.
   */
  contact(): NameAddr[] {
    if (this._contact === undefined) this._contact = this.nameAddrList(HDR_CONTACT, "contact");
    return this._contact;
  }

  /** Every Route value in order ([] when absent). Throws SipParseError when malformed. */
  route(): NameAddr[] {
    if (this._route === undefined) this._route = this.nameAddrList(HDR_ROUTE, "route");
    return this._route;
  }

  /** Every Record-Route value in order ([] when absent). Throws SipParseError when malformed. */
  recordRoute(): NameAddr[] {
    if (this._rr === undefined) this._rr = this.nameAddrList(HDR_RECORD_ROUTE, "record-route");
    return this._rr;
  }

  /** Max-Forwards, undefined when absent. Throws SipParseError when not a number. */
  maxForwards(): number | undefined {
    const k = this.firstOf[HDR_MAX_FORWARDS]!;
    if (k < 0) return undefined;
    const src = this.src(k);
    const v = parseDigitsAt(src.b, this.rs, this.re, 0x7fffffff);
    if (v < 0) throw new SipParseError("malformed Max-Forwards header", 400, "max-forwards");
    return v;
  }

  /** Content-Length as received, undefined when absent (checked during parse). */
  contentLength(): number | undefined {
    const k = this.firstOf[HDR_CONTENT_LENGTH]!;
    return k < 0 ? undefined : this.bodyEnd - this.bodyStart;
  }

  /** Content-Type value, undefined when absent. */
  contentType(): string | undefined {
    const k = this.firstOf[HDR_CONTENT_TYPE]!;
    return k < 0 ? undefined : this.valueAt(k);
  }

  /** The body as received (Content-Length bytes; the rest of the datagram when there is no Content-Length). */
  get body(): Buffer {
    if (this._body === undefined) this._body = this.buf.subarray(this.bodyStart, this.bodyEnd);
    return this._body;
  }

  // ------------------------------------------------------------------ edits

  /** @internal The edits recorded so far (undefined when none). */
  get edits(): MessageEdits | undefined {
    return this._edits;
  }

  /** True when any edit was recorded. */
  get edited(): boolean {
    return this._edits !== undefined && !this._edits.empty;
  }

  private ed(): MessageEdits {
    if (this._edits === undefined) this._edits = new MessageEdits();
    return this._edits;
  }

  /** Add a header line: "last" after every header (in call order), "first" before all (newest first). */
  addHeader(name: string, value: string, where: "first" | "last" = "last"): void {
    checkHeader(name, value);
    const line = `${name}: ${value}`;
    if (where === "first") this.ed().first.unshift(line);
    else this.ed().last.push(line);
  }

  /** Remove every received occurrence of a header (headers added by edits are not touched). Returns how many. */
  removeHeader(name: string): number {
    const ks = this.indexesOf(name);
    for (const k of ks) this.ed().remove(k, this.scan.count);
    return ks.length;
  }

  /** Remove the index-th received occurrence (0-based) of a header. Returns false when there is none. */
  removeHeaderAt(name: string, index: number): boolean {
    const ks = this.indexesOf(name);
    const k = ks[index];
    if (k === undefined) return false;
    this.ed().remove(k, this.scan.count);
    return true;
  }

  /**
   * Give a header a single new value: the first received occurrence is rewritten in place, the
   * other occurrences removed; when the header is absent it is added last.
   */
  replaceHeader(name: string, value: string): void {
    checkHeader(name, value);
    const ks = this.indexesOf(name);
    if (ks.length === 0) {
      this.ed().last.push(`${name}: ${value}`);
      return;
    }
    const e = this.ed();
    e.replaced.set(ks[0]!, value);
    for (let i = 1; i < ks.length; i++) e.remove(ks[i]!, this.scan.count);
  }

  /** Rewrite the Request-URI (visible through currentRuri()). */
  setRuri(uri: string): void {
    if (!this.isRequest) throw new RangeError("setRuri on a reply");
    checkValue(uri, "Request-URI");
    if (uri.length === 0 || /\s/.test(uri)) throw new RangeError(`invalid Request-URI ${JSON.stringify(uri)}`);
    this.ed().ruri = uri;
  }

  /** Put a new Via value on top (before the received top Via). The newest prepended Via ends up first. */
  prependVia(value: string): void {
    checkValue(value, "Via value");
    this.ed().vias.unshift(value);
  }

  /** Remove the received top Via value (the first value of the first Via line). */
  removeTopVia(): void {
    this.ed().topViaRemoved = true;
  }

  /**
   * Set (value: a string, "" for a bare parameter such as `rport`) or remove (null) a parameter of
   * the received top Via: how received/rport are recorded. Applies to replies built with
   * buildReply and to serialize().
   */
  setTopViaParam(name: string, value: string | null): void {
    if (!/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(name)) throw new RangeError(`invalid Via parameter name ${JSON.stringify(name)}`);
    if (value !== null) {
      checkValue(value, "Via parameter value");
      if (/[;,\s]/.test(value)) throw new RangeError(`invalid Via parameter value ${JSON.stringify(value)}`);
    }
    this.ed().topViaParams.set(name.toLowerCase(), value);
  }

  /**
   * Replace the body. Content-Length is rewritten on serialize. With `contentType` the
   * Content-Type header is set; with an empty body and no contentType, Content-Type is removed.
   */
  setBody(bytes: Uint8Array | string, contentType?: string): void {
    const b = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : toBuffer(bytes);
    if (contentType !== undefined) checkValue(contentType, "Content-Type");
    const e = this.ed();
    e.body = b;
    e.contentType = contentType !== undefined ? contentType : b.length === 0 ? null : undefined;
  }

  /**
   * The Via header values to copy into a reply: every received Via line's value, in order, with
   * the top-Via parameter edits (received/rport) applied. prependVia/removeTopVia do not apply
   * (they concern forwarding).
   */
  replyVias(): string[] {
    const out: string[] = [];
    const ks = this.indexesOf("via");
    for (let i = 0; i < ks.length; i++) {
      const v = this.valueAt(ks[i]!);
      out.push(i === 0 ? this.editedTopViaLine(v, false) : v);
    }
    return out;
  }

  /** First Via line value with param edits (and optionally top-value removal) applied; "" when nothing is left. */
  private editedTopViaLine(value: string, removeTop: boolean): string {
    const e = this._edits;
    if (e === undefined || (e.topViaParams.size === 0 && !removeTop)) return value;
    const first = parseFirstVia(value);
    const cut = first?.end ?? value.length;
    const rest = value.slice(cut);
    if (removeTop) return rest.length > 0 ? rest.slice(1).trim() : "";
    if (e.topViaParams.size === 0) return value;
    return editViaParams(value.slice(0, cut), e.topViaParams) + rest;
  }

  /** The message with every edit applied, in one pass over the index. Unedited messages come back byte-identical (minus leading CRLFs and trailing bytes after the body). */
  serialize(opts?: SerializeOptions): Buffer {
    const e = this._edits;
    const buf = this.buf;
    const sc = this.scan;
    const always = opts?.contentLength === "always";
    const chunks: Buffer[] = [];
    let pendingStart = -1;
    let pendingEnd = -1;
    const flush = (): void => {
      if (pendingStart >= 0) chunks.push(buf.subarray(pendingStart, pendingEnd));
      pendingStart = -1;
    };
    const raw = (s: number, t: number): void => {
      if (pendingStart >= 0 && pendingEnd === s) pendingEnd = t;
      else {
        flush();
        pendingStart = s;
        pendingEnd = t;
      }
    };
    const str = (s: string): void => {
      flush();
      chunks.push(Buffer.from(s, "utf8"));
    };
    const bodyChanged = e?.body !== undefined;
    const newBody = e?.body ?? this.body;
    const hasCl = this.firstOf[HDR_CONTENT_LENGTH]! >= 0;
    const rewriteCl = bodyChanged || (always && (!hasCl || this.firstOf[CORE_IDS + HDR_CONTENT_LENGTH]! > 1));
    const rewriteCt = bodyChanged && e!.contentType !== undefined;

    // start line
    if (e?.ruri !== undefined && this.isRequest) str(`${this.method} ${e.ruri} ${this.version}\r\n`);
    else raw(sc.lineStart, sc.firstNext);
    if (e !== undefined) for (const l of e.first) str(`${l}\r\n`);
    const firstVia = this.firstOf[HDR_VIA]!;
    if (e !== undefined && firstVia < 0) for (const v of e.vias) str(`Via: ${v}\r\n`);
    const idx = sc.index;
    for (let k = 0; k < sc.count; k++) {
      const o = k * STRIDE;
      const id = idx[o + F_ID]! & ID_MASK;
      if (e !== undefined) {
        if (k === firstVia) for (const v of e.vias) str(`Via: ${v}\r\n`);
        if (e.isRemoved(k)) continue;
        if ((rewriteCl && id === HDR_CONTENT_LENGTH) || (rewriteCt && id === HDR_CONTENT_TYPE)) continue;
        const rep = e.replaced.get(k);
        if (rep !== undefined) {
          str(`${this.nameAt(k)}: ${rep}\r\n`);
          continue;
        }
        if (k === firstVia && (e.topViaRemoved || e.topViaParams.size > 0)) {
          const v = this.editedTopViaLine(this.valueAt(k), e.topViaRemoved);
          if (v.length > 0) str(`${this.nameAt(k)}: ${v}\r\n`);
          continue;
        }
      } else if (rewriteCl && id === HDR_CONTENT_LENGTH) continue;
      raw(idx[o + F_LINE]!, idx[o + F_NEXT]!);
    }
    if (e !== undefined) for (const l of e.last) str(`${l}\r\n`);
    if (rewriteCt && e!.contentType !== null) str(`Content-Type: ${e!.contentType}\r\n`);
    if (rewriteCl) str(`Content-Length: ${newBody.length}\r\n`);
    if (sc.headersEnd >= 0 && !bodyChanged) raw(sc.headersEnd, this.bodyEnd);
    else {
      str("\r\n");
      if (newBody.length > 0) chunks.push(newBody);
    }
    flush();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** Text of the whole message as received (latin1-safe for logging; use buf for bytes). */
  toString(): string {
    return this.buf.toString("utf8");
  }
}

/** Convenience: parse or throw SipParseError (for tests and tools; the server uses SipMessage.parse). */
export const parseOrThrow = (buf: Uint8Array | string, limits?: Partial<ParseLimits>): SipMessage => {
  const b = typeof buf === "string" ? Buffer.from(buf, "utf8") : buf;
  const r = SipMessage.parse(b, limits);
  if (isParseFailure(r)) throw new SipParseError(`${r.reason} (status ${r.status})`);
  return r;
};
