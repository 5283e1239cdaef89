/**
 * SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966): parse and format.
 * User, password, parameter names and values, and URI headers are unescaped (%XX decoded);
 * parameter names are lower-cased. `formatUri` escapes what RFC 3261 requires.
 */
import { cut, HOST, scanClass, srcOf, type Src } from "./text-scan.ts";

export type UriScheme = "sip" | "sips" | "tel";

export interface SipUri {
  readonly scheme: UriScheme;
  /** Unescaped user part (the number for tel:). */
  readonly user?: string | undefined;
  /** Unescaped password. */
  readonly password?: string | undefined;
  /** Host as written: a name, an IPv4 address or an IPv6 reference with brackets. "" for tel:. */
  readonly host: string;
  readonly port?: number | undefined;
  /** URI parameters in order, unescaped, lower-case names; a parameter without value maps to "". */
  readonly params: ReadonlyMap<string, string>;
  /** URI headers (`?name=value&...`), names as written, values unescaped. */
  readonly headers: ReadonlyMap<string, string>;
  /** The text this was parsed from ("" for a URI built in code). */
  readonly raw: string;
}

const cls = (extra: string): Uint8Array => {
  const t = new Uint8Array(256);
  for (let c = 48; c <= 57; c++) t[c] = 1;
  for (let c = 65; c <= 90; c++) t[c] = 1;
  for (let c = 97; c <= 122; c++) t[c] = 1;
  for (let i = 0; i < extra.length; i++) t[extra.charCodeAt(i)] = 1;
  return t;
};
const MARK = "-_.!~*'()";
/** user = 1*( unreserved / escaped / user-unreserved ), '%' admitted here and checked by the decoder */
const USER = cls(`${MARK}&=+$,;?/%`);
const PASSWORD = cls(`${MARK}&=+$,%`);
const PARAMCHAR = cls(`${MARK}[]/:&+$%`);
const HEADERCHAR = cls(`${MARK}[]/?:+$%`);
const TEL_CHARS = cls(`${MARK}+#%:/?@&=$,`);
/** chars written unescaped by formatUri */
const USER_OUT = cls(`${MARK}&=+$,;?/`);
const PASSWORD_OUT = cls(`${MARK}&=+$,`);
const HEADER_OUT = cls(`${MARK}[]/?:+$`);
const PARAM_OUT = cls(`${MARK}[]/:&+$`);

const hexVal = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decode %XX escapes (as UTF-8, or byte-per-char when not valid UTF-8). undefined when an escape is broken. */
export const unescapeUri = (s: string): string | undefined => {
  if (s.indexOf("%") < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      if (i + 2 >= s.length) return undefined;
      const h = hexVal(s.charCodeAt(i + 1));
      const l = hexVal(s.charCodeAt(i + 2));
      if (h < 0 || l < 0) return undefined;
      bytes.push(h * 16 + l);
      i += 2;
    } else if (c < 128) bytes.push(c);
    else {
      for (const b of Buffer.from(s[i]!, "utf8")) bytes.push(b);
    }
  }
  const u8 = Uint8Array.from(bytes);
  try {
    return utf8.decode(u8);
  } catch {
    return Buffer.from(u8).toString("latin1");
  }
};

/** Escape every char of s outside `allowed` as %XX of its UTF-8 bytes. */
const escapeWith = (s: string, allowed: Uint8Array): string => {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && allowed[c] === 1) out += s[i];
    else {
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      if (cp > 0xffff) i++;
      for (const b of Buffer.from(ch, "utf8")) out += `%${b < 16 ? "0" : ""}${b.toString(16).toUpperCase()}`;
    }
  }
  return out;
};

export const escapeUser = (s: string): string => escapeWith(s, USER_OUT);

const allIn = (b: Uint8Array, start: number, end: number, t: Uint8Array): boolean => scanClass(b, start, end, t) === end;

/** Index of byte c in b[i, end), or -1. */
const findByte = (b: Uint8Array, c: number, i: number, end: number): number => {
  for (; i < end; i++) if (b[i] === c) return i;
  return -1;
};

/** Parse `;name[=value]` parameters from bytes [i, end) up to a '?' or the end. Returns the stop index or -1. */
const parseUriParams = (src: Src, i: number, end: number, into: Map<string, string>, chars: Uint8Array): number => {
  const b = src.b;
  while (i < end && b[i] === 59) {
    const nameStart = i + 1;
    const nameEnd = scanClass(b, nameStart, end, chars);
    if (nameEnd === nameStart) return -1;
    const name = unescapeUri(cut(src, nameStart, nameEnd))?.toLowerCase();
    let value: string | undefined = "";
    i = nameEnd;
    if (i < end && b[i] === 61) {
      const vEnd = scanClass(b, i + 1, end, chars);
      if (vEnd === i + 1) return -1;
      value = unescapeUri(cut(src, i + 1, vEnd));
      i = vEnd;
    }
    if (name === undefined || value === undefined) return -1;
    if (!into.has(name)) into.set(name, value);
  }
  return i;
};

/** Parse `?h=v&h=v` from bytes [i, end) (b[i] is '?'). Returns false when malformed. */
const parseUriHeaders = (src: Src, i: number, end: number, into: Map<string, string>): boolean => {
  const b = src.b;
  i++;
  for (;;) {
    const nameEnd = scanClass(b, i, end, HEADERCHAR);
    if (nameEnd === i || nameEnd >= end || b[nameEnd] !== 61) return false;
    const vEnd = scanClass(b, nameEnd + 1, end, HEADERCHAR);
    const name = unescapeUri(cut(src, i, nameEnd));
    const value = unescapeUri(cut(src, nameEnd + 1, vEnd));
    if (name === undefined || value === undefined) return false;
    if (!into.has(name)) into.set(name, value);
    if (vEnd === end) return true;
    if (b[vEnd] !== 38) return false;
    i = vEnd + 1;
  }
};

/** Results of the last successful scanHostPort (module state: no tuple allocated per call). */
let hpHostEnd = 0;
let hpPort: number | undefined;
let hpStop = 0;

/** Scan host[:port] at byte i; false when malformed, else the hp* variables are set. */
const scanHostPort = (b: Uint8Array, i: number, end: number): boolean => {
  let hostEnd: number;
  if (i < end && b[i] === 91) {
    let close = i + 1;
    for (; close < end; close++) {
      const c = b[close]!;
      if (c === 93) break;
      if (!(c === 58 || c === 46 || (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
    }
    if (close >= end || close === i + 1) return false;
    hostEnd = close + 1;
  } else {
    hostEnd = scanClass(b, i, end, HOST);
    if (hostEnd === i) return false;
  }
  let port: number | undefined;
  let stop = hostEnd;
  if (stop < end && b[stop] === 58) {
    let k = stop + 1;
    let v = 0;
    while (k < end) {
      const c = b[k]! - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      k++;
    }
    if (k === stop + 1 || k - stop - 1 > 5 || v > 65535) return false;
    port = v;
    stop = k;
  }
  hpHostEnd = hostEnd;
  hpPort = port;
  hpStop = stop;
  return true;
};

/** Every '%' in bytes [a, e) starts a %XX escape. */
const escapesOk = (b: Uint8Array, a: number, e: number): boolean => {
  for (let i = a; i < e; i++) {
    if (b[i] === 37) {
      if (i + 2 >= e || hexVal(b[i + 1]!) < 0 || hexVal(b[i + 2]!) < 0) return false;
      i += 2;
    }
  }
  return true;
};

/** Check `;name[=value]` parameters from bytes [i, end) up to a '?' or the end; the stop index or -1. */
const checkUriParams = (b: Uint8Array, i: number, end: number, chars: Uint8Array): number => {
  while (i < end && b[i] === 59) {
    const nameEnd = scanClass(b, i + 1, end, chars);
    if (nameEnd === i + 1 || !escapesOk(b, i + 1, nameEnd)) return -1;
    i = nameEnd;
    if (i < end && b[i] === 61) {
      const vEnd = scanClass(b, i + 1, end, chars);
      if (vEnd === i + 1 || !escapesOk(b, i + 1, vEnd)) return -1;
      i = vEnd;
    }
  }
  return i;
};

const schemeOf = (b: Uint8Array, start: number, colon: number): UriScheme | undefined => {
  const x = b[start]! | 0x20;
  const y = b[start + 1]! | 0x20;
  const z = b[start + 2]! | 0x20;
  if (colon - start === 3) {
    if (x === 115 && y === 105 && z === 112) return "sip";
    if (x === 116 && y === 101 && z === 108) return "tel";
  } else if (colon - start === 4 && x === 115 && y === 105 && z === 112 && (b[start + 3]! | 0x20) === 115) return "sips";
  return undefined;
};

/**
 * Check that bytes [start, end) are a well-formed sip:, sips: or tel: URI without building
 * anything (parseUriAt accepts exactly the same texts). -1: not such a URI or malformed;
 * 0: well-formed; 1: well-formed and carries URI headers (`?h=v`).
 */
export const checkUriAt = (b: Uint8Array, start: number, end: number): -1 | 0 | 1 => {
  const colon = findByte(b, 58, start, Math.min(end, start + 5));
  if (colon < start + 3) return -1;
  const scheme = schemeOf(b, start, colon);
  if (scheme === undefined) return -1;
  if (scheme === "tel") {
    const semi = findByte(b, 59, colon + 1, end);
    const numEnd = semi < 0 ? end : semi;
    if (numEnd === colon + 1 || !allIn(b, colon + 1, numEnd, TEL_CHARS) || !escapesOk(b, colon + 1, numEnd)) return -1;
    return checkUriParams(b, numEnd, end, PARAMCHAR) === end ? 0 : -1;
  }
  let i = colon + 1;
  const at = findByte(b, 64, i, end);
  if (at >= 0) {
    const pc = findByte(b, 58, i, at);
    const userEnd = pc >= 0 ? pc : at;
    if (userEnd === i || !allIn(b, i, userEnd, USER) || !escapesOk(b, i, userEnd)) return -1;
    if (userEnd < at && (!allIn(b, userEnd + 1, at, PASSWORD) || !escapesOk(b, userEnd + 1, at))) return -1;
    i = at + 1;
  }
  if (!scanHostPort(b, i, end)) return -1;
  i = checkUriParams(b, hpStop, end, PARAMCHAR);
  if (i < 0) return -1;
  if (i === end) return 0;
  if (b[i] !== 63) return -1;
  // headers: hname "=" hvalue *( "&" hname "=" hvalue )
  i++;
  for (;;) {
    const nameEnd = scanClass(b, i, end, HEADERCHAR);
    if (nameEnd === i || nameEnd >= end || b[nameEnd] !== 61 || !escapesOk(b, i, nameEnd)) return -1;
    const vEnd = scanClass(b, nameEnd + 1, end, HEADERCHAR);
    if (!escapesOk(b, nameEnd + 1, vEnd)) return -1;
    if (vEnd === end) return 1;
    if (b[vEnd] !== 38) return -1;
    i = vEnd + 1;
  }
};

const NO_ENTRIES: ReadonlyMap<string, string> = new Map();

/** Parse a sip:, sips: or tel: URI; undefined when it is not one or is malformed. Never throws. */
export const parseUri = (text: string): SipUri | undefined => {
  const src = srcOf(text);
  return parseUriAt(src, 0, src.b.length);
};

/** parseUri on bytes [start, end) of a Src. */
export const parseUriAt = (src: Src, start: number, end: number): SipUri | undefined => {
  const b = src.b;
  const colon = findByte(b, 58, start, Math.min(end, start + 5));
  if (colon < start + 3) return undefined;
  const scheme = schemeOf(b, start, colon);
  if (scheme === undefined) return undefined;
  const raw = cut(src, start, end);
  if (scheme === "tel") {
    const semi = findByte(b, 59, colon + 1, end);
    const numEnd = semi < 0 ? end : semi;
    if (numEnd === colon + 1 || !allIn(b, colon + 1, numEnd, TEL_CHARS)) return undefined;
    const user = unescapeUri(cut(src, colon + 1, numEnd));
    if (user === undefined) return undefined;
    const params = new Map<string, string>();
    if (parseUriParams(src, numEnd, end, params, PARAMCHAR) !== end) return undefined;
    return { scheme, user, host: "", params, headers: NO_ENTRIES, raw };
  }
  let i = colon + 1;
  let user: string | undefined;
  let password: string | undefined;
  const at = findByte(b, 64, i, end);
  if (at >= 0) {
    const pc = findByte(b, 58, i, at);
    const userEnd = pc >= 0 ? pc : at;
    if (userEnd === i || !allIn(b, i, userEnd, USER)) return undefined;
    user = unescapeUri(cut(src, i, userEnd));
    if (user === undefined) return undefined;
    if (userEnd < at) {
      if (!allIn(b, userEnd + 1, at, PASSWORD)) return undefined;
      password = unescapeUri(cut(src, userEnd + 1, at));
      if (password === undefined) return undefined;
    }
    i = at + 1;
  }
  if (!scanHostPort(b, i, end)) return undefined;
  const host = cut(src, i, hpHostEnd);
  const port = hpPort;
  i = hpStop;
  let params: ReadonlyMap<string, string> = NO_ENTRIES;
  if (i < end && b[i] === 59) {
    const m = new Map<string, string>();
    i = parseUriParams(src, i, end, m, PARAMCHAR);
    if (i < 0) return undefined;
    params = m;
  }
  let headers: ReadonlyMap<string, string> = NO_ENTRIES;
  if (i < end) {
    if (b[i] !== 63) return undefined;
    const m = new Map<string, string>();
    if (!parseUriHeaders(src, i, end, m)) return undefined;
    headers = m;
  }
  return { scheme, user, password, host, port, params, headers, raw };
};

/** Write a URI back as text (canonical escaping; parameters and headers in their order). */
export const formatUri = (u: SipUri): string => {
  let out = `${u.scheme}:`;
  if (u.scheme === "tel") out += u.user ?? "";
  else {
    if (u.user !== undefined) {
      out += escapeWith(u.user, USER_OUT);
      if (u.password !== undefined) out += `:${escapeWith(u.password, PASSWORD_OUT)}`;
      out += "@";
    }
    out += u.host;
    if (u.port !== undefined) out += `:${u.port}`;
  }
  for (const [k, v] of u.params) {
    const ek = escapeWith(k, PARAM_OUT);
    out += v === "" ? `;${ek}` : `;${ek}=${escapeWith(v, PARAM_OUT)}`;
  }
  let sep = "?";
  for (const [k, v] of u.headers) {
    out += `${sep}${escapeWith(k, HEADER_OUT)}=${escapeWith(v, HEADER_OUT)}`;
    sep = "&";
  }
  return out;
};

/** Build a URI value from parts (for code that makes URIs rather than parsing them). */
export const makeUri = (parts: {
  scheme?: UriScheme;
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params?: Iterable<readonly [string, string]>;
  headers?: Iterable<readonly [string, string]>;
}): SipUri => ({
  scheme: parts.scheme ?? "sip",
  user: parts.user,
  password: parts.password,
  host: parts.host,
  port: parts.port,
  params: new Map([...(parts.params ?? [])].map(([k, v]) => [k.toLowerCase(), v] as const)),
  headers: new Map(parts.headers ?? []),
  raw: "",
});

/** Scheme of any absolute URI text ("sip", "tel", "soap.beep", ...) in lower case, or undefined. */
export const uriSchemeOf = (text: string): string | undefined => {
  const colon = text.indexOf(":");
  if (colon <= 0) return undefined;
  const c0 = text.charCodeAt(0) | 0x20;
  if (c0 < 97 || c0 > 122) return undefined;
  for (let i = 1; i < colon; i++) {
    const c = text.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 43 || c === 45 || c === 46;
    if (!ok) return undefined;
  }
  return text.slice(0, colon).toLowerCase();
};
