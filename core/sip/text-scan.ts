/**
 * Character classes and small scanners shared by the header parsers (Via, name-addr, URI,
 * CSeq, comma lists). They read bytes (a Uint8Array): in V8, typed-array reads in a loop are
 * two to three times cheaper than String.prototype.charCodeAt. Strings are cut only for the
 * results, from a `Src`: the bytes plus the same bytes as a latin1 string.
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

/**
 * Text to parse: its bytes `b`, and `t`, the same bytes as a latin1 string (t.charCodeAt(i) ===
 * b[i]), used only to cut result strings. `ascii`: every byte is known to be below 0x80 (then a
 * latin1 cut is the UTF-8 text); when false, `cut` checks the bytes of its range and decodes UTF-8
 * when one is above 0x7f.
 */
export interface Src {
  readonly b: Uint8Array;
  readonly t: string;
  readonly ascii: boolean;
}

type SliceableBuffer = Buffer & { latin1Slice(s: number, e: number): string; utf8Slice(s: number, e: number): string };

/** A Src for a JS string (UTF-8 encoded). */
export const srcOf = (s: string): Src => {
  const b = Buffer.from(s, "utf8") as SliceableBuffer;
  return { b, t: b.length === s.length ? s : b.latin1Slice(0, b.length), ascii: b.length === s.length };
};

/** The text of bytes [a, e) of a Src (UTF-8 decoded when it has non-ASCII bytes). */
export const cut = (src: Src, a: number, e: number): string => {
  if (src.ascii) return src.t.slice(a, e);
  const b = src.b;
  for (let i = a; i < e; i++) {
    if (b[i]! > 0x7f) return Buffer.from(b.buffer, b.byteOffset + a, e - a).toString("utf8");
  }
  return src.t.slice(a, e);
};

/** Index of the first byte at or after i (up to end) that is not SP, HTAB, CR or LF. */
export const skipWs = (b: Uint8Array, i: number, end: number): number => {
  while (i < end) {
    const c = b[i]!;
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break;
    i++;
  }
  return i;
};

/** End of the run of bytes in class `t` starting at i. */
export const scanClass = (b: Uint8Array, i: number, end: number, t: Uint8Array): number => {
  while (i < end && t[b[i]!] === 1) i++;
  return i;
};

/**
 * b[i] must be '"'. Returns the index just after the closing quote, or -1 when the quoted
 * string is not terminated. A backslash escapes the next byte (quoted-pair).
 */
export const scanQuoted = (b: Uint8Array, i: number, end: number): number => {
  i++;
  while (i < end) {
    const c = b[i]!;
    if (c === 92) i += 2;
    else if (c === 34) return i + 1;
    else i++;
  }
  return -1;
};

/**
 * The text of a parameter value found by scanParams/parseParams: an unquoted value was scanned
 * with PARAM_VALUE (ASCII only), so it is cut from the latin1 text as is; a quoted one may hold
 * UTF-8 and goes through `cut`.
 */
export const cutParamValue = (src: Src, a: number, e: number): string => (src.b[a] === 34 ? cut(src, a, e) : src.t.slice(a, e));

/** Content of a quoted string (between the quotes: [start, end)) with quoted-pairs resolved. */
export const unquote = (src: Src, start: number, end: number): string => {
  const b = src.b;
  let out = "";
  let from = start;
  for (let i = start; i < end; i++) {
    if (b[i] === 92 && i + 1 < end) {
      out += cut(src, from, i);
      from = i + 1;
      i++;
    }
  }
  return out + cut(src, from, end);
};

/** Quote a display name or parameter value for writing: wraps in "" and escapes \ and ". */
export const quote = (v: string): string => `"${v.replace(/["\\]/g, (m) => `\\${m}`)}"`;

/**
 * Ranges of the items of b[start, end) split on commas that are not inside a quoted string or
 * <...>, each trimmed: [s0, e0, s1, e1, ...]. Empty items are kept (so callers can reject ",,").
 * undefined when there are more than `maxItems` items.
 */
export const splitRanges = (b: Uint8Array, start: number, end: number, maxItems: number): number[] | undefined => {
  const out: number[] = [];
  let from = start;
  let angle = false;
  const push = (s: number, e: number): void => {
    s = skipWs(b, s, e);
    while (e > s && (b[e - 1] === 32 || b[e - 1] === 9 || b[e - 1] === 13 || b[e - 1] === 10)) e--;
    out.push(s, e);
  };
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === 34) {
      const q = scanQuoted(b, i, end);
      if (q < 0) break;
      i = q - 1;
    } else if (c === 60) angle = true;
    else if (c === 62) angle = false;
    else if (c === 44 && !angle) {
      push(from, i);
      if (out.length >= 2 * maxItems) return undefined;
      from = i + 1;
    }
  }
  push(from, end);
  return out;
};

/**
 * Split a header value on commas that are not inside a quoted string or <...>.
 * Items are trimmed; empty items are kept. undefined when over `maxItems` items.
 */
export const splitTopLevel = (s: string, maxItems: number): string[] | undefined => {
  const src = srcOf(s);
  const r = splitRanges(src.b, 0, src.b.length, maxItems);
  if (r === undefined) return undefined;
  const out: string[] = [];
  for (let k = 0; k < r.length; k += 2) out.push(cut(src, r[k]!, r[k + 1]!));
  return out;
};

/**
 * Parse `*( SWS ";" SWS name [ SWS "=" SWS value ] )` from bytes [i, end) into `into`
 * (lower-case names; a name without value maps to ""; the first occurrence of a name wins).
 * Returns the index where the parameters end (the first byte that is not part of them),
 * or -1 when a parameter is malformed (empty name, "=" without value, unterminated quote).
 * Quoted values are stored with their quotes.
 */
export const parseParams = (src: Src, i: number, end: number, into: Map<string, string>): number => {
  const b = src.b;
  for (;;) {
    let j = skipWs(b, i, end);
    if (j >= end || b[j] !== 59) return j;
    j = skipWs(b, j + 1, end);
    const nameEnd = scanClass(b, j, end, TOKEN);
    if (nameEnd === j) return -1;
    const name = src.t.slice(j, nameEnd).toLowerCase();
    j = skipWs(b, nameEnd, end);
    let value = "";
    if (j < end && b[j] === 61) {
      j = skipWs(b, j + 1, end);
      if (j < end && b[j] === 34) {
        const q = scanQuoted(b, j, end);
        if (q < 0) return -1;
        value = cut(src, j, q);
        j = q;
      } else {
        const vEnd = scanClass(b, j, end, PARAM_VALUE);
        if (vEnd === j) return -1;
        value = src.t.slice(j, vEnd); // PARAM_VALUE bytes are ASCII
        j = vEnd;
      }
    } else {
      j = nameEnd;
    }
    if (!into.has(name)) into.set(name, value);
    i = j;
  }
};

/**
 * Validate parameters like parseParams, but build nothing: for each lower-case name in `names`,
 * the first occurrence's value range is written to found[2j], found[2j+1] (both -1 when absent;
 * start === end for a parameter without value). Returns the stop index, or -1 when malformed.
 */
export const scanParams = (b: Uint8Array, i: number, end: number, names: readonly Uint8Array[], found: Int32Array): number => {
  for (let w = 0; w < found.length; w++) found[w] = -1;
  for (;;) {
    let j = skipWs(b, i, end);
    if (j >= end || b[j] !== 59) return j;
    j = skipWs(b, j + 1, end);
    const nameStart = j;
    const nameEnd = scanClass(b, j, end, TOKEN);
    if (nameEnd === j) return -1;
    j = skipWs(b, nameEnd, end);
    let vs = nameEnd;
    let ve = nameEnd;
    if (j < end && b[j] === 61) {
      j = skipWs(b, j + 1, end);
      if (j < end && b[j] === 34) {
        const q = scanQuoted(b, j, end);
        if (q < 0) return -1;
        vs = j;
        ve = q;
        j = q;
      } else {
        const vEnd = scanClass(b, j, end, PARAM_VALUE);
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
      while (k < len && (b[nameStart + k]! | 0x20) === want[k]) k++;
      if (k === len) {
        found[2 * w] = vs;
        found[2 * w + 1] = ve;
      }
    }
    i = j;
  }
};

/** Lower-case parameter names as bytes, for scanParams. */
export const nameBytes = (...names: string[]): readonly Uint8Array[] =>
  names.map((n) => Uint8Array.from(n.toLowerCase(), (c) => c.charCodeAt(0)));

/** Parse a decimal integer made only of digits (leading zeros allowed); -1 when not all digits or above max. */
export const parseDigits = (s: string, max: number): number => {
  const len = s.length;
  if (len === 0) return -1;
  let v = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
    if (v > max) return -1;
  }
  return v;
};

/** parseDigits on bytes [start, end). */
export const parseDigitsAt = (b: Uint8Array, start: number, end: number, max: number): number => {
  if (end <= start) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
    if (v > max) return -1;
  }
  return v;
};

/** Undo line folding in a raw header value: each CRLF (or LF) followed by whitespace becomes one space. */
export const unfold = (v: string): string => v.replace(/[ \t]*\r?\n[ \t]+/g, " ");
