/**
 * Via header values (RFC 3261 §20.42): `SIP / 2.0 / UDP host[:port] *(;param)`, LWS allowed
 * around '/', ':', ';' and '='. One Via header line may carry several comma-separated values.
 */
import { cut, cutParamValue, HOST, nameBytes, PARAM_VALUE, parseParams, scanClass, scanParams, scanQuoted, skipWs, srcOf, TOKEN, type Src } from "./text-scan.ts";

export interface Via {
  /** "SIP/2.0" (protocol name and version as written, whitespace removed). */
  readonly protocol: string;
  /** Transport in upper case: UDP, TCP, TLS, SCTP, WS, WSS or any token. */
  readonly transport: string;
  /** sent-by host as written (IPv6 references keep their brackets). */
  readonly host: string;
  readonly port: number | undefined;
  /** Parameters in order, lower-case names, "" for a parameter without value. */
  readonly params: ReadonlyMap<string, string>;
  readonly branch: string | undefined;
  readonly received: string | undefined;
  /** undefined: no rport; "": rport without a value; otherwise the value. */
  readonly rport: string | undefined;
  /** The text of this one Via value (trimmed). */
  readonly raw: string;
}

const NO_PARAMS: ReadonlyMap<string, string> = new Map();
const VIA_NAMES = nameBytes("branch", "received", "rport");
const found = new Int32Array(6);

/** A parsed Via value; `raw` and `params` are built on first use (the hot path needs branch/received/rport). */
class ParsedVia implements Via {
  private _params: ReadonlyMap<string, string> | undefined = undefined;
  private _raw: string | undefined = undefined;
  constructor(
    readonly protocol: string,
    readonly transport: string,
    readonly host: string,
    readonly port: number | undefined,
    readonly branch: string | undefined,
    readonly received: string | undefined,
    readonly rport: string | undefined,
    /** the text the value was parsed from, and the value's range in it */
    private readonly src: Src,
    private readonly start: number,
    private readonly end: number,
    /** offset of the first ';' in src, -1 when none */
    private readonly paramsAt: number,
  ) {}
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

const valueOf = (src: Src, w: number): string | undefined =>
  found[2 * w]! < 0 ? undefined : cutParamValue(src, found[2 * w]!, found[2 * w + 1]!);

/** Upper-case transport from bytes [i, e), with constants for the usual ones (no allocation). */
const transportOf = (src: Src, i: number, e: number): string => {
  const b = src.b;
  if (e - i === 3) {
    const x = b[i]! | 0x20;
    const y = b[i + 1]! | 0x20;
    const z = b[i + 2]! | 0x20;
    if (x === 117 && y === 100 && z === 112) return "UDP";
    if (x === 116 && y === 99 && z === 112) return "TCP";
    if (x === 116 && y === 108 && z === 115) return "TLS";
    if (x === 119 && y === 115 && z === 115) return "WSS";
  } else if (e - i === 2 && (b[i]! | 0x20) === 119 && (b[i + 1]! | 0x20) === 115) return "WS";
  return src.t.slice(i, e).toUpperCase();
};

/** Where the last successful parseViaAt stopped (the comma after the value, or the end). */
let viaStop = 0;
export const lastViaStop = (): number => viaStop;

/**
 * Parse one Via value starting at byte `start` of src; it ends at `end` or at a top-level comma.
 * Returns the Via (and lastViaStop() tells where it stopped: the comma, or end), or undefined
 * when malformed. Never throws. (The stop index is module state rather than a wrapper object:
 * one allocation less per message on the hot path.)
 */
export const parseViaAt = (src: Src, start: number, end: number): Via | undefined => {
  const b = src.b;
  let i = skipWs(b, start, end);
  const v0 = i;
  let protocol: string;
  if (
    end - i > 8 &&
    (b[i]! | 0x20) === 115 &&
    (b[i + 1]! | 0x20) === 105 &&
    (b[i + 2]! | 0x20) === 112 &&
    b[i + 3] === 47 &&
    b[i + 4] === 50 &&
    b[i + 5] === 46 &&
    b[i + 6] === 48 &&
    b[i + 7] === 47
  ) {
    protocol = "SIP/2.0";
    i += 8;
  } else {
    const nameEnd = scanClass(b, i, end, TOKEN);
    if (nameEnd === i) return undefined;
    const name = src.t.slice(i, nameEnd);
    i = skipWs(b, nameEnd, end);
    if (b[i] !== 47) return undefined;
    i = skipWs(b, i + 1, end);
    const verEnd = scanClass(b, i, end, TOKEN);
    if (verEnd === i) return undefined;
    protocol = `${name}/${src.t.slice(i, verEnd)}`;
    i = skipWs(b, verEnd, end);
    if (b[i] !== 47) return undefined;
    i++;
  }
  i = skipWs(b, i, end);
  const tEnd = scanClass(b, i, end, TOKEN);
  if (tEnd === i) return undefined;
  const transport = transportOf(src, i, tEnd);
  const hostStart = skipWs(b, tEnd, end);
  if (hostStart === tEnd) return undefined; // LWS required between sent-protocol and sent-by
  let hostEnd: number;
  if (b[hostStart] === 91) {
    let close = hostStart + 1;
    for (; close < end; close++) {
      const c = b[close]!;
      if (c === 93) break;
      if (!(c === 58 || c === 46 || (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102))) return undefined;
    }
    if (close >= end) return undefined;
    hostEnd = close + 1;
  } else {
    hostEnd = scanClass(b, hostStart, end, HOST);
    if (hostEnd === hostStart) return undefined;
  }
  const host = src.t.slice(hostStart, hostEnd);
  i = hostEnd;
  let c = b[i];
  if (c === 32 || c === 9 || c === 13 || c === 10) {
    i = skipWs(b, i, end);
    c = b[i];
  }
  let port: number | undefined;
  if (c === 58 && i < end) {
    i = skipWs(b, i + 1, end);
    const pStart = i;
    let v = 0;
    while (i < end) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      i++;
    }
    if (i === pStart || i - pStart > 5 || v > 65535) return undefined;
    port = v;
  }
  let rawEnd = i;
  let paramsAt = -1;
  let branch: string | undefined;
  let received: string | undefined;
  let rport: string | undefined;
  i = skipWs(b, i, end);
  if (i < end && b[i] === 59) {
    paramsAt = i;
    i = scanParams(b, i, end, VIA_NAMES, found);
    if (i < 0) return undefined;
    rawEnd = i;
    i = skipWs(b, i, end);
    branch = valueOf(src, 0);
    received = valueOf(src, 1);
    rport = valueOf(src, 2);
  }
  if (i < end && b[i] !== 44) return undefined;
  while (rawEnd > v0 && b[rawEnd - 1]! <= 32) rawEnd--;
  viaStop = i;
  return new ParsedVia(protocol, transport, host, port, branch, received, rport, src, v0, rawEnd, paramsAt);
};

/** Parse one Via value (no commas). undefined when malformed. Never throws. */
export const parseVia = (text: string): Via | undefined => {
  const src = srcOf(text);
  const v = parseViaAt(src, 0, src.b.length);
  return v !== undefined && viaStop === src.b.length ? v : undefined;
};

/** Parse every Via value in bytes [start, end) of src. undefined when any is malformed or empty, or over maxItems. */
export const parseViaListAt = (src: Src, start: number, end: number, maxItems: number): Via[] | undefined => {
  const out: Via[] = [];
  let i = start;
  for (;;) {
    if (out.length >= maxItems) return undefined;
    const v = parseViaAt(src, i, end);
    if (v === undefined) return undefined;
    out.push(v);
    if (viaStop >= end) return out;
    i = viaStop + 1;
  }
};

/** Parse every Via value of one header line. undefined when any value is malformed or empty, or over maxItems. */
export const parseViaList = (text: string, maxItems: number): Via[] | undefined => {
  const src = srcOf(text);
  return parseViaListAt(src, 0, src.b.length, maxItems);
};

/**
 * The first Via value of a header line, parsed, with the offset where it ends in `text`
 * (the index of the separating comma, or text.length). undefined when malformed.
 */
export const parseFirstVia = (text: string): { via: Via; end: number } | undefined => {
  // offsets are reported in the string's units; compute the stop on the string itself
  const src = srcOf(text);
  const via = parseViaAt(src, 0, src.b.length);
  if (via === undefined) return undefined;
  return { via, end: src.ascii ? viaStop : Buffer.from(src.b.buffer, src.b.byteOffset, viaStop).toString("utf8").length };
};

/** Write a Via value from parts: `SIP/2.0/UDP host:port;k=v;...`. */
export const formatVia = (v: {
  readonly transport: string;
  readonly host: string;
  readonly port?: number | undefined;
  readonly params?: Iterable<readonly [string, string]>;
}): string => {
  let out = `SIP/2.0/${v.transport.toUpperCase()} ${v.host}`;
  if (v.port !== undefined) out += `:${v.port}`;
  if (v.params) for (const [k, val] of v.params) out += val === "" ? `;${k}` : `;${k}=${val}`;
  return out;
};

/**
 * Rewrite the parameters of one Via value text: set each name to its value ("" for a bare
 * parameter; replaced in place when present, appended otherwise) or remove it when the value is
 * null. All other text is kept exactly as written.
 */
export const editViaParams = (raw: string, edits: ReadonlyMap<string, string | null>): string => {
  const src = srcOf(raw);
  const b = src.b;
  const end = b.length;
  // Find each ";name[=value]" range after the sent-by (byte offsets).
  const ranges: { name: string; start: number; end: number }[] = [];
  let i = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 59) break;
    if (c === 34) {
      const q = scanQuoted(b, i, end);
      if (q < 0) return raw;
      i = q - 1;
    }
  }
  let tail = end;
  while (i < end && b[i] === 59) {
    const start = i;
    let j = skipWs(b, i + 1, end);
    const nameEnd = scanClass(b, j, end, TOKEN);
    if (nameEnd === j) break;
    const name = src.t.slice(j, nameEnd).toLowerCase();
    j = skipWs(b, nameEnd, end);
    let stop = nameEnd;
    if (j < end && b[j] === 61) {
      j = skipWs(b, j + 1, end);
      if (j < end && b[j] === 34) {
        const q = scanQuoted(b, j, end);
        stop = q < 0 ? end : q;
      } else stop = scanClass(b, j, end, PARAM_VALUE);
    }
    ranges.push({ name, start, end: stop });
    i = skipWs(b, stop, end);
    tail = stop;
  }
  if (ranges.length === 0) {
    tail = end;
    while (tail > 0 && b[tail - 1]! <= 32) tail--;
  }
  const fmt = (k: string, v: string): string => (v === "" ? `;${k}` : `;${k}=${v}`);
  let out = "";
  let from = 0;
  const done = new Set<string>();
  for (const r of ranges) {
    if (!edits.has(r.name)) continue;
    const v = edits.get(r.name)!;
    out += cut(src, from, r.start);
    if (v !== null && !done.has(r.name)) out += fmt(r.name, v);
    done.add(r.name);
    from = r.end;
  }
  out += cut(src, from, tail);
  for (const [k, v] of edits) if (v !== null && !done.has(k)) out += fmt(k, v);
  return out + cut(src, tail, end);
};
