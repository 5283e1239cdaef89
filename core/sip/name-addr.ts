/**
 * name-addr / addr-spec values as used in From, To, Contact, Route, Record-Route, Refer-To ...
 * (RFC 3261 §20.10, §25.1): an optional display name (quoted or tokens), the URI in <> or bare,
 * and header parameters. In the bare addr-spec form everything after the first ';' is a header
 * parameter, and the URI may not contain ',', '?' or ';'.
 */
import { parseParams, scanClass, scanParams, scanQuoted, skipWs, TOKEN, unquote } from "./text-scan.ts";

export interface NameAddr {
  /** Display name: quotes removed and quoted-pairs resolved; token form trimmed. */
  readonly display?: string | undefined;
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

const hasWs = (s: string, start: number, end: number): boolean => {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13 || c === 10) return true;
  }
  return false;
};

/** Scheme check on s[start, end): ALPHA *(ALPHA / DIGIT / "+" / "-" / ".") ":" */
const hasScheme = (s: string, start: number, end: number): boolean => {
  const c0 = s.charCodeAt(start) | 0x20;
  if (c0 < 97 || c0 > 122) return false;
  for (let i = start + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) return i > start;
    const l = c | 0x20;
    if (!((c >= 48 && c <= 57) || (l >= 97 && l <= 122) || c === 43 || c === 45 || c === 46)) return false;
  }
  return false;
};

const TAG = ["tag"] as const;
const found = new Int32Array(2);

/** A parsed name-addr; `params` is built on first use (the hot path only needs the tag). */
class ParsedNameAddr implements NameAddr {
  private _params: ReadonlyMap<string, string> | undefined = undefined;
  readonly star = false;
  constructor(
    readonly display: string | undefined,
    readonly uri: string,
    readonly tag: string | undefined,
    readonly bracketed: boolean,
    readonly raw: string,
    /** offset in raw where the parameters start, -1 when there are none */
    private readonly paramsAt: number,
  ) {}
  get params(): ReadonlyMap<string, string> {
    if (this._params === undefined) {
      if (this.paramsAt < 0) this._params = NO_PARAMS;
      else {
        const m = new Map<string, string>();
        parseParams(this.raw, this.paramsAt, this.raw.length, m);
        this._params = m;
      }
    }
    return this._params;
  }
}

const finish = (
  s: string,
  i: number,
  start: number,
  end: number,
  display: string | undefined,
  uri: string,
  bracketed: boolean,
): NameAddr | undefined => {
  let j = skipWs(s, i, end);
  let paramsAt = -1;
  let tag: string | undefined;
  if (j < end) {
    paramsAt = j - start;
    j = scanParams(s, j, end, TAG, found);
    if (j < 0) return undefined;
    j = skipWs(s, j, end);
    if (j !== end) return undefined;
    if (found[0]! >= 0) tag = s.slice(found[0]!, found[1]!);
  }
  const raw = start === 0 && end === s.length ? s : s.slice(start, end);
  return new ParsedNameAddr(display, uri, tag, bracketed, raw, paramsAt);
};

/**
 * Parse one name-addr or addr-spec (not a comma list: split those first with splitTopLevel).
 * Returns undefined when malformed (unterminated quote, no URI scheme, whitespace inside <>,
 * a bare URI with '?', junk after the parameters). Never throws.
 */
export const parseNameAddr = (text: string): NameAddr | undefined => parseNameAddrAt(text, 0, text.length);

/** parseNameAddr on s[start, end) without slicing it first. */
export const parseNameAddrAt = (s: string, start: number, end: number): NameAddr | undefined => {
  start = skipWs(s, start, end);
  while (end > start && s.charCodeAt(end - 1) <= 32) end--;
  if (end === start) return undefined;
  if (end - start === 1 && s.charCodeAt(start) === 42) {
    return { uri: "*", params: NO_PARAMS, star: true, bracketed: false, raw: "*" };
  }
  let display: string | undefined;
  let lt = -1;
  if (s.charCodeAt(start) === 34) {
    const q = scanQuoted(s, start, end);
    if (q < 0) return undefined;
    display = unquote(s, start + 1, q - 1);
    const i = skipWs(s, q, end);
    if (i >= end || s.charCodeAt(i) !== 60) return undefined;
    lt = i;
  } else {
    // display-name = *(token LWS) followed by '<', or an addr-spec
    let j = start;
    for (;;) {
      j = scanClass(s, j, end, TOKEN);
      const k = skipWs(s, j, end);
      if (k >= end) break;
      if (s.charCodeAt(k) === 60) {
        lt = k;
        break;
      }
      if (k === j) break; // a char that is neither token, space nor '<'
      j = k;
    }
    if (lt > start) {
      let de = lt;
      while (de > start && s.charCodeAt(de - 1) <= 32) de--;
      display = s.slice(start, de);
    }
  }
  if (lt >= 0) {
    const gt = s.indexOf(">", lt + 1);
    if (gt < 0 || gt >= end) return undefined;
    if (gt === lt + 1 || hasWs(s, lt + 1, gt) || !hasScheme(s, lt + 1, gt)) return undefined;
    return finish(s, gt + 1, start, end, display, s.slice(lt + 1, gt), true);
  }
  // addr-spec: the URI runs to the first ';' or whitespace
  let u = start;
  while (u < end) {
    const c = s.charCodeAt(u);
    if (c === 59 || c === 32 || c === 9 || c === 13 || c === 10) break;
    if (c === 63 || c === 44 || c === 60 || c === 62 || c === 34) return undefined;
    u++;
  }
  if (!hasScheme(s, start, u)) return undefined;
  return finish(s, u, start, end, undefined, s.slice(start, u), false);
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
