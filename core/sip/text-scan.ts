/**
 * Character classes and small scanners shared by the header parsers (Via, name-addr, URI,
 * CSeq, comma lists). They work on strings of already-unfolded header values with plain loops.
 */

const table = (chars: string, ranges = true): Uint8Array => {
  const t = new Uint8Array(256);
  if (ranges) {
    for (let c = 48; c <= 57; c++) t[c] = 1;
    for (let c = 65; c <= 90; c++) t[c] = 1;
    for (let c = 97; c <= 122; c++) t[c] = 1;
  }
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
};

/** RFC 3261 token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" */
export const TOKEN = table("-.!%*_+`'~");
/** A parameter value that is not quoted: token chars plus what hosts need (IPv6 references). */
export const PARAM_VALUE = table("-.!%*_+`'~:[]/@&$");
/** Host name or address characters (IPv6 references are scanned separately). */
export const HOST = table("-._");

export const isWs = (c: number): boolean => c === 32 || c === 9 || c === 13 || c === 10;

/** Index of the first non-whitespace char at or after i (up to end). */
export const skipWs = (s: string, i: number, end: number): number => {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break;
    i++;
  }
  return i;
};

/** End of the run of chars in class `t` starting at i. */
export const scanClass = (s: string, i: number, end: number, t: Uint8Array): number => {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c > 255 || t[c] === 0) break;
    i++;
  }
  return i;
};

/**
 * s[i] must be '"'. Returns the index just after the closing quote, or -1 when the quoted
 * string is not terminated. A backslash escapes the next char (quoted-pair).
 */
export const scanQuoted = (s: string, i: number, end: number): number => {
  i++;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 92) i += 2;
    else if (c === 34) return i + 1;
    else i++;
  }
  return -1;
};

/** Content of a quoted string (without the quotes) with quoted-pairs resolved. */
export const unquote = (s: string, start: number, end: number): string => {
  let out = "";
  let from = start;
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) === 92 && i + 1 < end) {
      out += s.slice(from, i);
      from = i + 1;
      i++;
    }
  }
  return out + s.slice(from, end);
};

/** Quote a display name or parameter value for writing: wraps in "" and escapes \ and ". */
export const quote = (v: string): string => `"${v.replace(/["\\]/g, (m) => `\\${m}`)}"`;

/**
 * Split a header value on commas that are not inside a quoted string or <...>.
 * Items are trimmed; empty items are kept (so callers can reject ",,"). When the value
 * has more than `maxItems` items, returns undefined.
 */
export const splitTopLevel = (s: string, maxItems: number): string[] | undefined => {
  const out: string[] = [];
  const end = s.length;
  let from = 0;
  let angle = false;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      const q = scanQuoted(s, i, end);
      if (q < 0) break;
      i = q - 1;
    } else if (c === 60) angle = true;
    else if (c === 62) angle = false;
    else if (c === 44 && !angle) {
      out.push(s.slice(from, i).trim());
      if (out.length >= maxItems) return undefined;
      from = i + 1;
    }
  }
  out.push(s.slice(from).trim());
  return out;
};

/**
 * Parse `*( SWS ";" SWS name [ SWS "=" SWS value ] )` from s[i, end) into `into`
 * (lower-case names; a name without value maps to ""; the first occurrence of a name wins).
 * Returns the index where the parameters end (the first char that is not part of them),
 * or -1 when a parameter is malformed (empty name, "=" without value, unterminated quote).
 * Quoted values are stored with their quotes.
 */
export const parseParams = (s: string, i: number, end: number, into: Map<string, string>): number => {
  for (;;) {
    let j = skipWs(s, i, end);
    if (j >= end || s.charCodeAt(j) !== 59) return j;
    j = skipWs(s, j + 1, end);
    const nameEnd = scanClass(s, j, end, TOKEN);
    if (nameEnd === j) return -1;
    const name = s.slice(j, nameEnd).toLowerCase();
    j = skipWs(s, nameEnd, end);
    let value = "";
    if (j < end && s.charCodeAt(j) === 61) {
      j = skipWs(s, j + 1, end);
      if (j < end && s.charCodeAt(j) === 34) {
        const q = scanQuoted(s, j, end);
        if (q < 0) return -1;
        value = s.slice(j, q);
        j = q;
      } else {
        const vEnd = scanClass(s, j, end, PARAM_VALUE);
        if (vEnd === j) return -1;
        value = s.slice(j, vEnd);
        j = vEnd;
      }
    } else {
      j = nameEnd;
    }
    if (!into.has(name)) into.set(name, value);
    i = j;
  }
};

/** Parse a decimal integer made only of digits (leading zeros allowed); -1 when not all digits or above max. */
export const parseDigits = (s: string, max: number): number => parseDigitsAt(s, 0, s.length, max);

/** parseDigits on s[start, end). */
export const parseDigitsAt = (s: string, start: number, end: number, max: number): number => {
  if (end <= start) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
    if (v > max) return -1;
  }
  return v;
};

/** Undo line folding in a raw header value: each CRLF (or LF) followed by whitespace becomes one space. */
export const unfold = (v: string): string => v.replace(/[ \t]*\r?\n[ \t]+/g, " ");

/**
 * Validate `*( SWS ";" SWS name [ SWS "=" SWS value ] )` from s[i, end) like parseParams, but
 * build nothing: for each lower-case name in `names`, the first occurrence's value range is
 * written to found[2j], found[2j+1] (both -1 when absent; start === end for a parameter without
 * value). Returns the stop index, or -1 when a parameter is malformed.
 */
export const scanParams = (s: string, i: number, end: number, names: readonly string[], found: Int32Array): number => {
  for (let w = 0; w < found.length; w++) found[w] = -1;
  for (;;) {
    let j = skipWs(s, i, end);
    if (j >= end || s.charCodeAt(j) !== 59) return j;
    j = skipWs(s, j + 1, end);
    const nameStart = j;
    const nameEnd = scanClass(s, j, end, TOKEN);
    if (nameEnd === j) return -1;
    j = skipWs(s, nameEnd, end);
    let vs = nameEnd;
    let ve = nameEnd;
    if (j < end && s.charCodeAt(j) === 61) {
      j = skipWs(s, j + 1, end);
      if (j < end && s.charCodeAt(j) === 34) {
        const q = scanQuoted(s, j, end);
        if (q < 0) return -1;
        vs = j;
        ve = q;
        j = q;
      } else {
        const vEnd = scanClass(s, j, end, PARAM_VALUE);
        if (vEnd === j) return -1;
        vs = j;
        ve = vEnd;
        j = vEnd;
      }
    } else j = nameEnd;
    const len = nameEnd - nameStart;
    for (let w = 0; w < names.length; w++) {
      const want = names[w]!;
      if (want.length !== len || found[2 * w]! >= 0) continue;
      let k = 0;
      while (k < len && (s.charCodeAt(nameStart + k) | 0x20) === want.charCodeAt(k)) k++;
      if (k === len) {
        found[2 * w] = vs;
        found[2 * w + 1] = ve;
      }
    }
    i = j;
  }
};
