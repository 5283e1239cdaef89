/**
 * SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966): parse and format.
 * User, password, parameter names and values, and URI headers are unescaped (%XX decoded);
 * parameter names are lower-cased. `formatUri` escapes what RFC 3261 requires.
 */
import { HOST, scanClass } from "./text-scan.ts";

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

const allIn = (s: string, start: number, end: number, t: Uint8Array): boolean => scanClass(s, start, end, t) === end;

/** Parse `;name[=value]` parameters from s[i, end) up to a '?' or the end. Returns the stop index or -1. */
const parseUriParams = (s: string, i: number, end: number, into: Map<string, string>, chars: Uint8Array): number => {
  while (i < end && s.charCodeAt(i) === 59) {
    const nameStart = i + 1;
    const nameEnd = scanClass(s, nameStart, end, chars);
    if (nameEnd === nameStart) return -1;
    const name = unescapeUri(s.slice(nameStart, nameEnd))?.toLowerCase();
    let value: string | undefined = "";
    i = nameEnd;
    if (i < end && s.charCodeAt(i) === 61) {
      const vEnd = scanClass(s, i + 1, end, chars);
      if (vEnd === i + 1) return -1;
      value = unescapeUri(s.slice(i + 1, vEnd));
      i = vEnd;
    }
    if (name === undefined || value === undefined) return -1;
    if (!into.has(name)) into.set(name, value);
  }
  return i;
};

/** Parse `?h=v&h=v` from s[i, end). Returns false when malformed. */
const parseUriHeaders = (s: string, i: number, end: number, into: Map<string, string>): boolean => {
  // s[i] is '?'
  i++;
  for (;;) {
    const nameEnd = scanClass(s, i, end, HEADERCHAR);
    if (nameEnd === i || nameEnd >= end || s.charCodeAt(nameEnd) !== 61) return false;
    const vEnd = scanClass(s, nameEnd + 1, end, HEADERCHAR);
    const name = unescapeUri(s.slice(i, nameEnd));
    const value = unescapeUri(s.slice(nameEnd + 1, vEnd));
    if (name === undefined || value === undefined) return false;
    if (!into.has(name)) into.set(name, value);
    if (vEnd === end) return true;
    if (s.charCodeAt(vEnd) !== 38) return false;
    i = vEnd + 1;
  }
};

/** Results of the last successful scanHostPort (module state: no tuple allocated per call). */
let hpHostEnd = 0;
let hpPort: number | undefined;
let hpStop = 0;

/** Scan host[:port] at s[i]; false when malformed, else the hp* variables are set. */
const scanHostPort = (s: string, i: number, end: number): boolean => {
  let hostEnd: number;
  if (i < end && s.charCodeAt(i) === 91) {
    const close = s.indexOf("]", i);
    if (close < 0 || close >= end) return false;
    for (let k = i + 1; k < close; k++) {
      const c = s.charCodeAt(k);
      if (!(c === 58 || c === 46 || (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
    }
    if (close === i + 1) return false;
    hostEnd = close + 1;
  } else {
    hostEnd = scanClass(s, i, end, HOST);
    if (hostEnd === i) return false;
  }
  let port: number | undefined;
  let stop = hostEnd;
  if (stop < end && s.charCodeAt(stop) === 58) {
    let k = stop + 1;
    let v = 0;
    while (k < end) {
      const c = s.charCodeAt(k) - 48;
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

/** Every '%' in s[a, b) starts a %XX escape. */
const escapesOk = (s: string, a: number, b: number): boolean => {
  for (let i = s.indexOf("%", a); i >= 0 && i < b; i = s.indexOf("%", i + 3)) {
    if (i + 2 >= b || hexVal(s.charCodeAt(i + 1)) < 0 || hexVal(s.charCodeAt(i + 2)) < 0) return false;
  }
  return true;
};

/** Check `;name[=value]` parameters from s[i, end) up to a '?' or the end; the stop index or -1. */
const checkUriParams = (s: string, i: number, end: number, chars: Uint8Array): number => {
  while (i < end && s.charCodeAt(i) === 59) {
    const nameEnd = scanClass(s, i + 1, end, chars);
    if (nameEnd === i + 1 || !escapesOk(s, i + 1, nameEnd)) return -1;
    i = nameEnd;
    if (i < end && s.charCodeAt(i) === 61) {
      const vEnd = scanClass(s, i + 1, end, chars);
      if (vEnd === i + 1 || !escapesOk(s, i + 1, vEnd)) return -1;
      i = vEnd;
    }
  }
  return i;
};

/**
 * Check that s[start, end) is a well-formed sip:, sips: or tel: URI without building anything
 * (parseUriAt accepts exactly the same texts). -1: not such a URI or malformed; 0: well-formed;
 * 1: well-formed and carries URI headers (`?h=v`).
 */
export const checkUriAt = (s: string, start: number, end: number): -1 | 0 | 1 => {
  const colon = s.indexOf(":", start);
  if (colon < start + 3 || colon > start + 4 || colon >= end) return -1;
  const scheme = schemeOf(s, start, colon);
  if (scheme === undefined) return -1;
  if (scheme === "tel") {
    let numEnd = colon + 1;
    while (numEnd < end && s.charCodeAt(numEnd) !== 59) numEnd++;
    if (numEnd === colon + 1 || !allIn(s, colon + 1, numEnd, TEL_CHARS) || !escapesOk(s, colon + 1, numEnd)) return -1;
    return checkUriParams(s, numEnd, end, PARAMCHAR) === end ? 0 : -1;
  }
  let i = colon + 1;
  const at = s.indexOf("@", i);
  if (at >= 0 && at < end) {
    const pc = s.indexOf(":", i);
    const userEnd = pc >= 0 && pc < at ? pc : at;
    if (userEnd === i || !allIn(s, i, userEnd, USER) || !escapesOk(s, i, userEnd)) return -1;
    if (userEnd < at && (!allIn(s, userEnd + 1, at, PASSWORD) || !escapesOk(s, userEnd + 1, at))) return -1;
    i = at + 1;
  }
  if (!scanHostPort(s, i, end)) return -1;
  i = checkUriParams(s, hpStop, end, PARAMCHAR);
  if (i < 0) return -1;
  if (i === end) return 0;
  if (s.charCodeAt(i) !== 63) return -1;
  // headers: hname "=" hvalue *( "&" hname "=" hvalue )
  i++;
  for (;;) {
    const nameEnd = scanClass(s, i, end, HEADERCHAR);
    if (nameEnd === i || nameEnd >= end || s.charCodeAt(nameEnd) !== 61 || !escapesOk(s, i, nameEnd)) return -1;
    const vEnd = scanClass(s, nameEnd + 1, end, HEADERCHAR);
    if (!escapesOk(s, nameEnd + 1, vEnd)) return -1;
    if (vEnd === end) return 1;
    if (s.charCodeAt(vEnd) !== 38) return -1;
    i = vEnd + 1;
  }
};

const schemeOf = (s: string, start: number, colon: number): UriScheme | undefined => {
  const a = s.charCodeAt(start) | 0x20;
  const b = s.charCodeAt(start + 1) | 0x20;
  const c = s.charCodeAt(start + 2) | 0x20;
  if (colon - start === 3) {
    if (a === 115 && b === 105 && c === 112) return "sip";
    if (a === 116 && b === 101 && c === 108) return "tel";
  } else if (colon - start === 4 && a === 115 && b === 105 && c === 112 && (s.charCodeAt(start + 3) | 0x20) === 115) return "sips";
  return undefined;
};

const NO_ENTRIES: ReadonlyMap<string, string> = new Map();

/** Parse a sip:, sips: or tel: URI; undefined when it is not one or is malformed. Never throws. */
export const parseUri = (text: string): SipUri | undefined => parseUriAt(text, 0, text.length);

/** parseUri on s[start, end) without slicing it first. */
export const parseUriAt = (s: string, start: number, end: number): SipUri | undefined => {
  const colon = s.indexOf(":", start);
  if (colon < start + 3 || colon > start + 4 || colon >= end) return undefined;
  const scheme = schemeOf(s, start, colon);
  if (scheme === undefined) return undefined;
  if (scheme === "tel") {
    const semi = s.indexOf(";", colon + 1);
    const numEnd = semi < 0 || semi > end ? end : semi;
    if (numEnd === colon + 1 || !allIn(s, colon + 1, numEnd, TEL_CHARS)) return undefined;
    const user = unescapeUri(s.slice(colon + 1, numEnd));
    if (user === undefined) return undefined;
    const params = new Map<string, string>();
    if (parseUriParams(s, numEnd, end, params, PARAMCHAR) !== end) return undefined;
    return { scheme, user, host: "", params, headers: NO_ENTRIES, raw: s.slice(start, end) };
  }
  let i = colon + 1;
  let user: string | undefined;
  let password: string | undefined;
  const at = s.indexOf("@", i);
  if (at >= 0 && at < end) {
    const pc = s.indexOf(":", i);
    const userEnd = pc >= 0 && pc < at ? pc : at;
    if (userEnd === i || !allIn(s, i, userEnd, USER)) return undefined;
    user = unescapeUri(s.slice(i, userEnd));
    if (user === undefined) return undefined;
    if (userEnd < at) {
      if (!allIn(s, userEnd + 1, at, PASSWORD)) return undefined;
      password = unescapeUri(s.slice(userEnd + 1, at));
      if (password === undefined) return undefined;
    }
    i = at + 1;
  }
  if (!scanHostPort(s, i, end)) return undefined;
  const host = s.slice(i, hpHostEnd);
  const port = hpPort;
  i = hpStop;
  let params: ReadonlyMap<string, string> = NO_ENTRIES;
  if (i < end && s.charCodeAt(i) === 59) {
    const m = new Map<string, string>();
    i = parseUriParams(s, i, end, m, PARAMCHAR);
    if (i < 0) return undefined;
    params = m;
  }
  let headers: ReadonlyMap<string, string> = NO_ENTRIES;
  if (i < end) {
    if (s.charCodeAt(i) !== 63) return undefined;
    const m = new Map<string, string>();
    if (!parseUriHeaders(s, i, end, m)) return undefined;
    headers = m;
  }
  return { scheme, user, password, host, port, params, headers, raw: start === 0 && end === s.length ? s : s.slice(start, end) };
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
