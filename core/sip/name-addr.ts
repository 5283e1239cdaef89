/**
 * name-addr / addr-spec values as used in From, To, Contact, Route, Record-Route, Refer-To ...
 * (RFC 3261 §20.10, §25.1): an optional display name (quoted or tokens), the URI in <> or bare,
 * and header parameters. In the bare addr-spec form everything after the first ';' is a header
 * parameter, and the URI may not contain ',', '?' or ';'.
 */
import { parseParams, scanClass, scanQuoted, skipWs, TOKEN, unquote } from "./text-scan.ts";
import { uriSchemeOf } from "./uri.ts";

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

const hasWs = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13 || c === 10) return true;
  }
  return false;
};

const finish = (
  s: string,
  i: number,
  end: number,
  display: string | undefined,
  uri: string,
  bracketed: boolean,
): NameAddr | undefined => {
  let params = NO_PARAMS;
  let j = skipWs(s, i, end);
  if (j < end) {
    const m = new Map<string, string>();
    j = parseParams(s, j, end, m);
    if (j < 0) return undefined;
    j = skipWs(s, j, end);
    if (j !== end) return undefined;
    params = m;
  }
  return { display, uri, params, tag: params.get("tag"), star: false, bracketed, raw: s };
};

/**
 * Parse one name-addr or addr-spec (not a comma list: split those first with splitTopLevel).
 * Returns undefined when malformed (unterminated quote, no URI scheme, whitespace inside <>,
 * a bare URI with '?', junk after the parameters). Never throws.
 */
export const parseNameAddr = (text: string): NameAddr | undefined => {
  const s = text.trim();
  const end = s.length;
  if (end === 0) return undefined;
  if (end === 1 && s.charCodeAt(0) === 42) {
    return { uri: "*", params: NO_PARAMS, star: true, bracketed: false, raw: s };
  }
  let i = 0;
  let display: string | undefined;
  let lt = -1;
  if (s.charCodeAt(0) === 34) {
    const q = scanQuoted(s, 0, end);
    if (q < 0) return undefined;
    display = unquote(s, 1, q - 1);
    i = skipWs(s, q, end);
    if (i >= end || s.charCodeAt(i) !== 60) return undefined;
    lt = i;
  } else {
    // display-name = *(token LWS) followed by '<', or an addr-spec
    let j = 0;
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
    if (lt >= 0) {
      const d = s.slice(0, lt).trim();
      if (d.length > 0) display = d;
    }
  }
  if (lt >= 0) {
    const gt = s.indexOf(">", lt + 1);
    if (gt < 0) return undefined;
    const uri = s.slice(lt + 1, gt);
    if (uri.length === 0 || hasWs(uri) || uriSchemeOf(uri) === undefined) return undefined;
    return finish(s, gt + 1, end, display, uri, true);
  }
  // addr-spec: the URI runs to the first ';' or whitespace
  let u = 0;
  while (u < end) {
    const c = s.charCodeAt(u);
    if (c === 59 || c === 32 || c === 9 || c === 13 || c === 10) break;
    if (c === 63 || c === 44 || c === 60 || c === 62 || c === 34) return undefined;
    u++;
  }
  const uri = s.slice(0, u);
  if (uriSchemeOf(uri) === undefined) return undefined;
  return finish(s, u, end, undefined, uri, false);
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
