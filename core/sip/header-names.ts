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
 * Open-addressed table: slot (from the hash) -> form number + 1, 0 = empty. Direct array access
 * is several times cheaper than a Map lookup on the parser's hot path.
 */
const TABLE_BITS = 12;
const TABLE_MASK = (1 << TABLE_BITS) - 1;
const table = new Int16Array(1 << TABLE_BITS);
/** lower-case char codes, id and hash of each name form */
const formCodes: { id: number; codes: Uint8Array; hash: number }[] = [];
const slotOf = (h: number): number => (h ^ (h >>> TABLE_BITS) ^ (h >>> 24)) & TABLE_MASK;

/** Case-insensitive hash over char codes; must match the inline loop in the scanner. */
export const hashStep = (h: number, c: number): number => (Math.imul(h, 31) + (c | 0x20)) | 0;

const addForm = (form: string, id: number): void => {
  const lower = form.toLowerCase();
  byLowerName.set(lower, id);
  byExactName.set(form, id);
  byExactName.set(lower, id);
  byExactName.set(form.toUpperCase(), id);
  let h = 0;
  const codes = new Uint8Array(lower.length);
  for (let i = 0; i < lower.length; i++) {
    codes[i] = lower.charCodeAt(i);
    h = hashStep(h, codes[i]!);
  }
  formCodes.push({ id, codes, hash: h });
  let slot = slotOf(h);
  while (table[slot] !== 0) slot = (slot + 1) & TABLE_MASK;
  table[slot] = formCodes.length;
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

/**
 * Id of the header name at text[start, end) whose case-insensitive hash is `h`.
 * `text` is the message decoded as latin1, so char codes are the raw bytes.
 */
export const headerIdAt = (text: string, start: number, end: number, h: number): number => {
  const len = end - start;
  let slot = slotOf(h);
  for (;;) {
    const f = table[slot]!;
    if (f === 0) return HDR_OTHER;
    const form = formCodes[f - 1]!;
    if (form.hash === h && form.codes.length === len) {
      const codes = form.codes;
      let i = 0;
      while (i < len && (text.charCodeAt(start + i) | 0x20) === codes[i]) i++;
      if (i === len) return form.id;
    }
    slot = (slot + 1) & TABLE_MASK;
  }
};

/** Canonical spelling for a name given in any case or compact form; unknown names come back as given. */
export const normalizeHeaderName = (name: string): string => {
  const id = headerIdOf(name);
  return id === HDR_OTHER ? name.trim() : canonicalName(id);
};

/** Compact-form letter for a known name, if it has one. */
export const compactNameOf = (name: string): string | undefined => known[headerIdOf(name)]?.[1];
