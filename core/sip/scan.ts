/**
 * The one pass over a message's bytes: finds the start line and, for every header line, where
 * its name and value begin and end. Results go into one flat array (STRIDE small ints per header),
 * so parsing creates no object per header and no string except the one latin1 copy of the
 * message (whose char codes are the raw bytes).
 *
 * Line ends: CRLF, or a bare LF (accepted leniently, as Kamailio does). A line starting with SP
 * or HTAB continues the previous header (folding). Leading CRLFs before the start line are skipped.
 */
import { HDR_OTHER, headerIdAt } from "./header-names.ts";
import type { ParseLimits } from "./limits.ts";
import type { ParseFailureStatus } from "./parse-error.ts";
import { TOKEN } from "./text-scan.ts";

/** Ints per header in the index. */
export const STRIDE = 6;
/** Offset of the header line's first byte (= start of its name). */
export const F_LINE = 0;
export const F_NAME_END = 1;
export const F_VAL_START = 2;
/** End of the value: trailing whitespace and the line end excluded. */
export const F_VAL_END = 3;
/** Offset of the next line (just after the LF ending this header, folded lines included). */
export const F_NEXT = 4;
/** Header id (header-names.ts) in the low 16 bits; FLAG_* above. */
export const F_ID = 5;
export const FLAG_FOLDED = 1 << 16;
export const ID_MASK = 0xffff;
/** Header ids 1..CORE_IDS-1 (Via ... Content-Type, see header-names.ts) are counted while scanning. */
export const CORE_IDS = 12;

export interface ScanError {
  readonly reason: string;
  readonly status: ParseFailureStatus;
}

export interface Scan {
  /** The message as latin1 text: text.charCodeAt(i) === buf[i]. */
  readonly text: string;
  readonly isRequest: boolean;
  /** Start line: request [method, ruri, version] or reply [version, status, reason] ranges. */
  readonly lineStart: number;
  readonly a0: number;
  readonly a1: number;
  readonly b0: number;
  readonly b1: number;
  readonly c0: number;
  readonly c1: number;
  readonly status: number;
  /** Offset just after the start line's LF. */
  readonly firstNext: number;
  /** STRIDE numbers per header line (a plain array of small ints: cheaper to allocate than a typed array). */
  readonly index: number[];
  /**
   * For header ids below CORE_IDS: firstOf[id] = index of the first line with that id (-1 if none),
   * firstOf[CORE_IDS + id] = how many lines have it. Filled while scanning.
   */
  readonly firstOf: number[];
  readonly count: number;
  /** Offset of the empty line that ends the headers (-1 when never found). */
  readonly headersEnd: number;
  /** Offset of the body (after the empty line), or the end of the scanned text. */
  readonly bodyStart: number;
  /** Set when the start line is malformed (the headers are still scanned, to allow a reply). */
  readonly lineError?: ScanError | undefined;
  /** Set when the header section is malformed or over a limit (what was indexed so far is kept). */
  readonly headerError?: ScanError | undefined;
}

const isUpperSIP = (t: string, i: number): boolean =>
  (t.charCodeAt(i) | 0x20) === 115 && (t.charCodeAt(i + 1) | 0x20) === 105 && (t.charCodeAt(i + 2) | 0x20) === 112 && t.charCodeAt(i + 3) === 47;

/** Version text at t[s, e) is SIP/2.0 (case-insensitive name)? */
const isSip20 = (t: string, s: number, e: number): boolean =>
  e - s === 7 && isUpperSIP(t, s) && t.charCodeAt(s + 4) === 50 && t.charCodeAt(s + 5) === 46 && t.charCodeAt(s + 6) === 48;

/** SIP/<digits>.<digits> other than 2.0: the version is understood to be unsupported (505). */
const isSipVersion = (t: string, s: number, e: number): boolean => {
  if (e - s < 7 || !isUpperSIP(t, s)) return false;
  let i = s + 4;
  let digits = 0;
  while (i < e && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) (i++, digits++);
  if (digits === 0 || t.charCodeAt(i) !== 46) return false;
  i++;
  digits = 0;
  while (i < e && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) (i++, digits++);
  return digits > 0 && i === e;
};

/** Scratch index shared by every scan (scans never overlap: they are synchronous). */
const scratch: number[] = [];

/**
 * Scan a message: `buf` its bytes, `text` the same bytes as latin1. Returns a ScanError alone
 * when there is no start line at all (empty, only CRLFs, or no line end): nothing can be answered.
 */
export const scanMessage = (buf: Uint8Array, text: string, limits: ParseLimits): Scan | ScanError => {
  const n = text.length;
  let p = 0;
  while (p < n) {
    const c = text.charCodeAt(p);
    if (c !== 13 && c !== 10) break;
    p++;
  }
  if (p === n) return { reason: "empty message (keep-alive)", status: 0 };
  const lf = text.indexOf("\n", p);
  if (lf < 0) return { reason: "no end of the start line", status: 0 };
  const lineEnd = lf > p && text.charCodeAt(lf - 1) === 13 ? lf - 1 : lf;

  // ---- start line
  let isRequest = true;
  let a0 = p, a1 = p, b0 = p, b1 = p, c0 = p, c1 = p;
  let status = 0;
  let lineError: ScanError | undefined;
  if (lineEnd - p >= 4 && isUpperSIP(text, p)) {
    isRequest = false;
    const sp1 = text.indexOf(" ", p);
    if (sp1 < 0 || sp1 > lineEnd) lineError = { reason: "malformed status line", status: 0 };
    else {
      a1 = sp1;
      b0 = sp1 + 1;
      b1 = b0;
      while (b1 < lineEnd && text.charCodeAt(b1) >= 48 && text.charCodeAt(b1) <= 57) b1++;
      if (!isSip20(text, a0, a1)) lineError = { reason: "unsupported SIP version in status line", status: 0 };
      else if (b1 - b0 !== 3 || (b1 < lineEnd && text.charCodeAt(b1) !== 32)) lineError = { reason: "malformed status code", status: 0 };
      else {
        status = (text.charCodeAt(b0) - 48) * 100 + (text.charCodeAt(b0 + 1) - 48) * 10 + (text.charCodeAt(b0 + 2) - 48);
        if (status < 100 || status > 699) lineError = { reason: "status code out of range", status: 0 };
        c0 = b1 < lineEnd ? b1 + 1 : lineEnd;
        c1 = lineEnd;
      }
    }
  } else {
    let i = p;
    while (i < lineEnd) {
      const c = text.charCodeAt(i);
      if (c > 255 || TOKEN[c] === 0) break;
      i++;
    }
    a1 = i;
    if (a1 === a0 || i >= lineEnd || text.charCodeAt(i) !== 32) lineError = { reason: "malformed request method", status: 400 };
    else {
      b0 = i + 1;
      const sp2 = text.indexOf(" ", b0);
      if (sp2 < 0 || sp2 >= lineEnd || sp2 === b0) lineError = { reason: "malformed request line", status: 400 };
      else {
        b1 = sp2;
        c0 = sp2 + 1;
        c1 = lineEnd;
        // (control characters inside the R-URI are rejected when it is parsed: SipMessage.checkCore)
        if (isSip20(text, c0, c1)) {
          if (b1 - b0 > limits.maxUriLength) lineError = { reason: "Request-URI too long", status: 414 };
        } else if (isSipVersion(text, c0, c1)) lineError = { reason: "SIP version not supported", status: 505 };
        else lineError = { reason: "malformed request line (version)", status: 400 };
      }
    }
  }

  // ---- headers
  const maxHeaders = limits.maxHeaders;
  const maxHeaderLength = limits.maxHeaderLength;
  // Indexed into a reused scratch array, copied out once at the end (exactly sized: no growth copies).
  const idx = scratch;
  let w = 0;
  // prettier-ignore
  const firstOf = [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  let count = 0;
  let q = lf + 1;
  let headersEnd = -1;
  let bodyStart = n;
  let headerError: ScanError | undefined;
  while (q < n) {
    let c = buf[q]!;
    if (c === 13 && q + 1 < n && buf[q + 1]! === 10) {
      headersEnd = q;
      bodyStart = q + 2;
      break;
    }
    if (c === 10) {
      headersEnd = q;
      bodyStart = q + 1;
      break;
    }
    const e = text.indexOf("\n", q);
    if (e < 0) {
      headerError = { reason: "message ends inside the headers", status: 400 };
      break;
    }
    let ce = e > q && buf[e - 1]! === 13 ? e - 1 : e;
    if (c === 32 || c === 9) {
      // folded continuation of the previous header
      if (count === 0) {
        headerError = { reason: "header section starts with a continuation line", status: 400 };
        break;
      }
      const base = (count - 1) * STRIDE;
      while (ce > q && (buf[ce - 1]! === 32 || buf[ce - 1]! === 9)) ce--;
      if (ce > q) {
        if (idx[base + F_VAL_START] === idx[base + F_VAL_END]) {
          // the value starts on this continuation line
          let s = q;
          while (s < ce && (buf[s]! === 32 || buf[s]! === 9)) s++;
          idx[base + F_VAL_START] = s;
        } else idx[base + F_ID] = idx[base + F_ID]! | FLAG_FOLDED;
        idx[base + F_VAL_END] = ce;
      }
      idx[base + F_NEXT] = e + 1;
      if (e + 1 - idx[base + F_LINE]! > maxHeaderLength) {
        headerError = { reason: "header too long", status: 400 };
        break;
      }
      q = e + 1;
      continue;
    }
    // name: up to the colon, whitespace before it trimmed; known names are verified byte by byte
    // by headerIdAt, other names are checked to be tokens
    const colon = text.indexOf(":", q);
    if (colon < 0 || colon >= ce) {
      headerError = { reason: "malformed header line", status: 400 };
      break;
    }
    let nameEnd = colon;
    while (nameEnd > q && (buf[nameEnd - 1]! === 32 || buf[nameEnd - 1]! === 9)) nameEnd--;
    const id = nameEnd > q ? headerIdAt(buf, q, nameEnd) : HDR_OTHER;
    if (id === HDR_OTHER) {
      let k = q;
      while (k < nameEnd && TOKEN[buf[k]!] === 1) k++;
      if (k !== nameEnd || nameEnd === q) {
        headerError = { reason: "malformed header line", status: 400 };
        break;
      }
    }
    let i = colon + 1;
    while (i < ce && (buf[i]! === 32 || buf[i]! === 9)) i++;
    while (ce > i && (buf[ce - 1]! === 32 || buf[ce - 1]! === 9)) ce--;
    if (count >= maxHeaders) {
      headerError = { reason: "too many headers", status: 400 };
      break;
    }
    if (e + 1 - q > maxHeaderLength) {
      headerError = { reason: "header too long", status: 400 };
      break;
    }
    idx[w] = q;
    idx[w + 1] = nameEnd;
    idx[w + 2] = i;
    idx[w + 3] = ce;
    idx[w + 4] = e + 1;
    idx[w + 5] = id;
    w += STRIDE;
    if (id !== HDR_OTHER && id < CORE_IDS) {
      if (firstOf[id]! < 0) firstOf[id] = count;
      firstOf[CORE_IDS + id]!++;
    }
    count++;
    q = e + 1;
  }
  if (headersEnd < 0 && headerError === undefined) {
    headerError = { reason: "message ends inside the headers", status: 400 };
  }
  return {
    text,
    isRequest,
    lineStart: p,
    a0, a1, b0, b1, c0, c1,
    status,
    firstNext: lf + 1,
    index: idx.slice(0, w),
    firstOf,
    count,
    headersEnd,
    bodyStart,
    lineError,
    headerError,
  };
};
