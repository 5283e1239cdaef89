/**
 * Known header names: a small integer id per header, its canonical spelling, and the compact
 * forms (RFC 3261 §7.3.3 and later RFCs). Lookups from raw bytes use a case-insensitive hash
 * verified by comparison, so the parser never builds a string for a header name.
 */

/** Id 0 is every header we do not know by name; those are matched by comparing their text. */
export const HDR_OTHER = 0;

// Ids of the headers the core reads itself. The order of `known` below must follow these numbers.
export const HDR_VIA = 1;
export const HDR_FROM = 2;
export const HDR_TO = 3;
export const HDR_CALL_ID = 4;
export const HDR_CSEQ = 5;
export const HDR_CONTACT = 6;
export const HDR_MAX_FORWARDS = 7;
export const HDR_ROUTE = 8;
export const HDR_RECORD_ROUTE = 9;
export const HDR_CONTENT_LENGTH = 10;
export const HDR_CONTENT_TYPE = 11;

/** Canonical spelling and compact form of every header with an id (index = id). */
const known: readonly (readonly [canonical: string, compact?: string])[] = [
  ["", undefined],
  ["Via", "v"],
  ["From", "f"],
  ["To", "t"],
  ["Call-ID", "i"],
  ["CSeq"],
  ["Contact", "m"],
  ["Max-Forwards"],
  ["Route"],
  ["Record-Route"],
  ["Content-Length", "l"],
  ["Content-Type", "c"],
  // the rest of RFC 3261 §20
  ["Accept"],
  ["Accept-Encoding"],
  ["Accept-Language"],
  ["Alert-Info"],
  ["Allow"],
  ["Authentication-Info"],
  ["Authorization"],
  ["Call-Info"],
  ["Content-Disposition"],
  ["Content-Encoding", "e"],
  ["Content-Language"],
  ["Date"],
  ["Error-Info"],
  ["Expires"],
  ["In-Reply-To"],
  ["MIME-Version"],
  ["Min-Expires"],
  ["Organization"],
  ["Priority"],
  ["Proxy-Authenticate"],
  ["Proxy-Authorization"],
  ["Proxy-Require"],
  ["Reply-To"],
  ["Require"],
  ["Retry-After"],
  ["Server"],
  ["Subject", "s"],
  ["Supported", "k"],
  ["Timestamp"],
  ["Unsupported"],
  ["User-Agent"],
  ["Warning"],
  ["WWW-Authenticate"],
  // common extensions
  ["Event", "o"], // RFC 6665
  ["Allow-Events", "u"], // RFC 6665
  ["Refer-To", "r"], // RFC 3515
  ["Referred-By", "b"], // RFC 3892
  ["Accept-Contact", "a"], // RFC 3841
  ["Reject-Contact", "j"], // RFC 3841
  ["Request-Disposition", "d"], // RFC 3841
  ["Session-Expires", "x"], // RFC 4028
  ["Identity", "y"], // RFC 8224
  ["Identity-Info", "n"], // RFC 4474
  ["Min-SE"],
  ["Path"],
  ["Service-Route"],
  ["Privacy"],
  ["P-Asserted-Identity"],
  ["P-Preferred-Identity"],
  ["Diversion"],
  ["Remote-Party-ID"],
  ["Replaces"],
  ["Reason"],
  ["RSeq"],
  ["RAck"],
  ["Subscription-State"],
  ["SIP-ETag"],
  ["SIP-If-Match"],
];

export const headerCount = known.length;

/** Canonical spelling of a known header id ("" for HDR_OTHER). */
export const canonicalName = (id: number): string => known[id]?.[0] ?? "";

/** lower-case full or compact name -> id */
const byLowerName = new Map<string, number>();
/** name as the caller wrote it -> id, filled with the usual spellings so most lookups skip toLowerCase */
const byExactName = new Map<string, number>();

/**
 * Lookup from raw bytes without building a string: forms grouped by length and first letter
 * (case folded by `& 31`), then compared byte by byte. Compact forms: a 128-entry table.
 */
const MAX_NAME = 24;
const buckets: ({ readonly id: number; readonly lower: Uint8Array }[] | undefined)[] = [];
for (let i = 0; i < MAX_NAME * 32; i++) buckets.push(undefined);
const compactIds = new Uint8Array(128);

const addForm = (form: string, id: number): void => {
  const lower = form.toLowerCase();
  byLowerName.set(lower, id);
  byExactName.set(form, id);
  byExactName.set(lower, id);
  byExactName.set(form.toUpperCase(), id);
  if (lower.length === 1) {
    compactIds[lower.charCodeAt(0)] = id;
    return;
  }
  if (lower.length >= MAX_NAME) throw new Error(`header name too long for the lookup table: ${form}`);
  const key = lower.length * 32 + (lower.charCodeAt(0) & 31);
  const entry = { id, lower: Uint8Array.from(lower, (ch) => ch.charCodeAt(0)) };
  const list = buckets[key];
  if (list) list.push(entry);
  else buckets[key] = [entry];
};

for (let id = 1; id < known.length; id++) {
  const [canonical, compact] = known[id]!;
  addForm(canonical, id);
  if (compact !== undefined) addForm(compact, id);
}

/** Id of a header name given as text (any case, full or compact); HDR_OTHER when unknown. */
export const headerIdOf = (name: string): number => {
  const exact = byExactName.get(name);
  if (exact !== undefined) return exact;
  return byLowerName.get(name.trim().toLowerCase()) ?? HDR_OTHER;
};

/** Id of the header name in bytes buf[start, end) (any case); HDR_OTHER when unknown. */
export const headerIdAt = (buf: Uint8Array, start: number, end: number): number => {
  const len = end - start;
  const c0 = buf[start]!;
  if (len === 1) return c0 < 128 ? compactIds[c0 | 0x20]! : HDR_OTHER;
  if (len >= MAX_NAME) return HDR_OTHER;
  const list = buckets[len * 32 + (c0 & 31)];
  if (list === undefined) return HDR_OTHER;
  for (let k = 0; k < list.length; k++) {
    const form = list[k]!;
    const lower = form.lower;
    let i = 1;
    while (i < len && (buf[start + i]! | 0x20) === lower[i]) i++;
    if (i === len && (c0 | 0x20) === lower[0]) return form.id;
  }
  return HDR_OTHER;
};

/** Canonical spelling for a name given in any case or compact form; unknown names come back as given. */
export const normalizeHeaderName = (name: string): string => {
  const id = headerIdOf(name);
  return id === HDR_OTHER ? name.trim() : canonicalName(id);
};

/** Compact-form letter for a known name, if it has one. */
export const compactNameOf = (name: string): string | undefined => known[headerIdOf(name)]?.[1];
