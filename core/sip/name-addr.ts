/**
 * name-addr / addr-spec values as used in From, To, Contact, Route, Record-Route, Refer-To ...
 * (RFC 3261 §20.10, §25.1): an optional display name (quoted or tokens), the URI in <> or bare,
 * and header parameters. In the bare addr-spec form everything after the first ';' is a header
 * parameter, and the URI may not contain ',', '?' or ';'.
 */
import { cut, cutParamValue, nameBytes, parseParams, scanClass, scanParams, scanQuoted, skipWs, srcOf, TOKEN, unquote, type Src } from "./text-scan.ts";

export interface NameAddr {
  /** Display name: quotes removed and quoted-pairs resolved; token form trimmed. */
  readonly display?: string | undefined;
  /** Display name as written: quotes and escapes kept (Kamailio's $fn, $tn); token form trimmed. */
  readonly displayRaw?: string | undefined;
  /** The URI text (what was inside <>, or the bare addr-spec). "*" for a `Contact: *`. */
  readonly uri: string;
  /** Header parameters in order, lower-case names, "" for a parameter without value; quoted values keep their quotes. */
  readonly params: ReadonlyMap<string, string>;
  /** The tag parameter, when present. */
  readonly tag?: string | undefined;
  /** True for the `*` of `Contact: *`. */
  readonly star: boolean;
  /** True when the URI was written inside <>. */
  readonly bracketed: boolean;
  /** The text this was parsed from (trimmed). */
  readonly raw: string;
}

const NO_PARAMS: ReadonlyMap<string, string> = new Map();

/** Scheme check on bytes [start, end): ALPHA *(ALPHA / DIGIT / "+" / "-" / ".") ":" */
const hasScheme = (b: Uint8Array, start: number, end: number): boolean => {
  const c0 = b[start]! | 0x20;
  if (c0 < 97 || c0 > 122) return false;
  for (let i = start + 1; i < end; i++) {
    const c = b[i]!;
    if (c === 58) return i > start;
    const l = c | 0x20;
    if (!((c >= 48 && c <= 57) || (l >= 97 && l <= 122) || c === 43 || c === 45 || c === 46)) return false;
  }
  return false;
};

const TAG = nameBytes("tag");
const found = new Int32Array(2);

/**
 * A parsed name-addr. Only the tag is cut out while parsing; display, uri, raw and params are
 * built from the recorded offsets on first use (the hot path of a proxy needs just the tag).
 */
class ParsedNameAddr implements NameAddr {
  private _params: ReadonlyMap<string, string> | undefined = undefined;
  private _display: string | null | undefined = undefined;
  private _uri: string | undefined = undefined;
  private _raw: string | undefined = undefined;
  readonly star = false;
  constructor(
    private readonly src: Src,
    private readonly start: number,
    private readonly end: number,
    /** display name range; dStart < 0 when there is none; quoted: the range includes the quotes */
    private readonly dStart: number,
    private readonly dEnd: number,
    private readonly quoted: boolean,
    private readonly uStart: number,
    private readonly uEnd: number,
    readonly bracketed: boolean,
    readonly tag: string | undefined,
    /** offset in src where the parameters start, -1 when there are none */
    private readonly paramsAt: number,
  ) {}
  get display(): string | undefined {
    if (this._display === undefined) {
      if (this.dStart < 0) this._display = null;
      else this._display = this.quoted ? unquote(this.src, this.dStart + 1, this.dEnd - 1) : cut(this.src, this.dStart, this.dEnd);
    }
    return this._display ?? undefined;
  }
  get displayRaw(): string | undefined {
    return this.dStart < 0 ? undefined : cut(this.src, this.dStart, this.dEnd);
  }
  get uri(): string {
    if (this._uri === undefined) this._uri = cut(this.src, this.uStart, this.uEnd);
    return this._uri;
  }
  get raw(): string {
    if (this._raw === undefined) this._raw = cut(this.src, this.start, this.end);
    return this._raw;
  }
  get params(): ReadonlyMap<string, string> {
    if (this._params === undefined) {
      if (this.paramsAt < 0) this._params = NO_PARAMS;
      else {
        const m = new Map<string, string>();
        parseParams(this.src, this.paramsAt, this.end, m);
        this._params = m;
      }
    }
    return this._params;
  }
}

const finish = (
  src: Src,
  i: number,
  start: number,
  end: number,
  dStart: number,
  dEnd: number,
  quoted: boolean,
  uStart: number,
  uEnd: number,
  bracketed: boolean,
): NameAddr | undefined => {
  const b = src.b;
  let j = skipWs(b, i, end);
  let paramsAt = -1;
  let tag: string | undefined;
  if (j < end) {
    paramsAt = j;
    j = scanParams(b, j, end, TAG, found);
    if (j < 0) return undefined;
    j = skipWs(b, j, end);
    if (j !== end) return undefined;
    if (found[0]! >= 0) tag = cutParamValue(src, found[0]!, found[1]!);
  }
  return new ParsedNameAddr(src, start, end, dStart, dEnd, quoted, uStart, uEnd, bracketed, tag, paramsAt);
};

const STAR: NameAddr = { uri: "*", params: NO_PARAMS, star: true, bracketed: false, raw: "*" };

/**
 * Parse one name-addr or addr-spec (not a comma list: split those first with splitTopLevel).
 * Returns undefined when malformed (unterminated quote, no URI scheme, whitespace inside <>,
 * a bare URI with '?', junk after the parameters). Never throws.
 */
export const parseNameAddr = (text: string): NameAddr | undefined => {
  const src = srcOf(text);
  return parseNameAddrAt(src, 0, src.b.length);
};

/** parseNameAddr on bytes [start, end) of a Src. */
export const parseNameAddrAt = (src: Src, start: number, end: number): NameAddr | undefined => {
  const b = src.b;
  start = skipWs(b, start, end);
  while (end > start && b[end - 1]! <= 32) end--;
  if (end === start) return undefined;
  if (end - start === 1 && b[start] === 42) return STAR;
  let dStart = -1;
  let dEnd = -1;
  let quoted = false;
  let lt = -1;
  if (b[start] === 34) {
    const q = scanQuoted(b, start, end);
    if (q < 0) return undefined;
    dStart = start;
    dEnd = q;
    quoted = true;
    const i = skipWs(b, q, end);
    if (i >= end || b[i] !== 60) return undefined;
    lt = i;
  } else {
    // display-name = *(token LWS) followed by '<', or an addr-spec
    let j = start;
    for (;;) {
      j = scanClass(b, j, end, TOKEN);
      const k = skipWs(b, j, end);
      if (k >= end) break;
      if (b[k] === 60) {
        lt = k;
        break;
      }
      if (k === j) break; // a byte that is neither token, space nor '<'
      j = k;
    }
    if (lt > start) {
      let de = lt;
      while (de > start && b[de - 1]! <= 32) de--;
      dStart = start;
      dEnd = de;
    }
  }
  if (lt >= 0) {
    // one pass to the '>': no whitespace allowed inside <>
    let gt = lt + 1;
    for (; gt < end; gt++) {
      const c = b[gt]!;
      if (c === 62) break;
      if (c === 32 || c === 9 || c === 13 || c === 10) return undefined;
    }
    if (gt >= end || gt === lt + 1 || !hasScheme(b, lt + 1, gt)) return undefined;
    return finish(src, gt + 1, start, end, dStart, dEnd, quoted, lt + 1, gt, true);
  }
  // addr-spec: the URI runs to the first ';' or whitespace
  let u = start;
  while (u < end) {
    const c = b[u]!;
    if (c === 59 || c === 32 || c === 9 || c === 13 || c === 10) break;
    if (c === 63 || c === 44 || c === 60 || c === 62 || c === 34) return undefined;
    u++;
  }
  if (!hasScheme(b, start, u)) return undefined;
  return finish(src, u, start, end, -1, -1, false, start, u, false);
};

/** Write a name-addr back: display (quoted when needed) <uri> ;params. */
export const formatNameAddr = (na: {
  readonly display?: string | undefined;
  readonly uri: string;
  readonly params?: ReadonlyMap<string, string>;
}): string => {
  if (na.uri === "*") return "*";
  let out = "";
  if (na.display !== undefined && na.display !== "") {
    const d = na.display;
    const plainTokens = /^[A-Za-z0-9\-.!%*_+`'~]+( [A-Za-z0-9\-.!%*_+`'~]+)*$/.test(d);
    out += plainTokens ? `${d} ` : `"${d.replace(/["\\]/g, (m) => `\\${m}`)}" `;
  }
  out += `<${na.uri}>`;
  if (na.params) for (const [k, v] of na.params) out += v === "" ? `;${k}` : `;${k}=${v}`;
  return out;
};
