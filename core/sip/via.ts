/**
 * Via header values (RFC 3261 §20.42): `SIP / 2.0 / UDP host[:port] *(;param)`, LWS allowed
 * around '/', ':', ';' and '='. One Via header line may carry several comma-separated values.
 */
import { HOST, PARAM_VALUE, parseParams, scanClass, scanParams, skipWs, TOKEN } from "./text-scan.ts";

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
const VIA_NAMES = ["branch", "received", "rport"] as const;
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
    private readonly src: string,
    private readonly start: number,
    private readonly end: number,
    /** offset of the first ';' in src, -1 when none */
    private readonly paramsAt: number,
  ) {}
  get raw(): string {
    if (this._raw === undefined) this._raw = this.start === 0 && this.end === this.src.length ? this.src : this.src.slice(this.start, this.end);
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

const valueOf = (s: string, w: number): string | undefined =>
  found[2 * w]! < 0 ? undefined : s.slice(found[2 * w]!, found[2 * w + 1]!);

/** Upper-case transport from s[i, e), with constants for the usual ones (no allocation). */
const transportOf = (s: string, i: number, e: number): string => {
  if (e - i === 3) {
    const a = s.charCodeAt(i) | 0x20;
    const b = s.charCodeAt(i + 1) | 0x20;
    const c = s.charCodeAt(i + 2) | 0x20;
    if (a === 117 && b === 100 && c === 112) return "UDP";
    if (a === 116 && b === 99 && c === 112) return "TCP";
    if (a === 116 && b === 108 && c === 115) return "TLS";
    if (a === 119 && b === 115 && c === 115) return "WSS";
  } else if (e - i === 2 && (s.charCodeAt(i) | 0x20) === 119 && (s.charCodeAt(i + 1) | 0x20) === 115) return "WS";
  return s.slice(i, e).toUpperCase();
};

/**
 * Parse one Via value starting at s[start]; it ends at `end` or at a top-level comma. Returns the
 * Via (and lastViaStop() tells where it stopped: the comma, or end), or undefined when malformed.
 * Never throws. (The stop index is module state rather than a wrapper object: one allocation less
 * per message on the hot path.)
 */
export const parseViaAt = (s: string, start: number, end: number): Via | undefined => {
  let i = skipWs(s, start, end);
  const v0 = i;
  let protocol: string;
  if (
    end - i > 8 &&
    (s.charCodeAt(i) | 0x20) === 115 &&
    (s.charCodeAt(i + 1) | 0x20) === 105 &&
    (s.charCodeAt(i + 2) | 0x20) === 112 &&
    s.charCodeAt(i + 3) === 47 &&
    s.charCodeAt(i + 4) === 50 &&
    s.charCodeAt(i + 5) === 46 &&
    s.charCodeAt(i + 6) === 48 &&
    s.charCodeAt(i + 7) === 47
  ) {
    protocol = "SIP/2.0";
    i += 8;
  } else {
    const nameEnd = scanClass(s, i, end, TOKEN);
    if (nameEnd === i) return undefined;
    const name = s.slice(i, nameEnd);
    i = skipWs(s, nameEnd, end);
    if (s.charCodeAt(i) !== 47) return undefined;
    i = skipWs(s, i + 1, end);
    const verEnd = scanClass(s, i, end, TOKEN);
    if (verEnd === i) return undefined;
    protocol = `${name}/${s.slice(i, verEnd)}`;
    i = skipWs(s, verEnd, end);
    if (s.charCodeAt(i) !== 47) return undefined;
    i++;
  }
  i = skipWs(s, i, end);
  const tEnd = scanClass(s, i, end, TOKEN);
  if (tEnd === i) return undefined;
  const transport = transportOf(s, i, tEnd);
  const hostStart = skipWs(s, tEnd, end);
  if (hostStart === tEnd) return undefined; // LWS required between sent-protocol and sent-by
  let hostEnd: number;
  if (s.charCodeAt(hostStart) === 91) {
    const close = s.indexOf("]", hostStart);
    if (close < 0 || close >= end) return undefined;
    for (let k = hostStart + 1; k < close; k++) {
      const c = s.charCodeAt(k);
      if (!(c === 58 || c === 46 || (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102))) return undefined;
    }
    hostEnd = close + 1;
  } else {
    hostEnd = scanClass(s, hostStart, end, HOST);
    if (hostEnd === hostStart) return undefined;
  }
  const host = s.slice(hostStart, hostEnd);
  i = hostEnd;
  let c = s.charCodeAt(i);
  if (c === 32 || c === 9 || c === 13 || c === 10) {
    i = skipWs(s, i, end);
    c = s.charCodeAt(i);
  }
  let port: number | undefined;
  if (c === 58) {
    i = skipWs(s, i + 1, end);
    const pStart = i;
    let v = 0;
    while (i < end) {
      const d = s.charCodeAt(i) - 48;
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
  i = skipWs(s, i, end);
  if (i < end && s.charCodeAt(i) === 59) {
    paramsAt = i;
    i = scanParams(s, i, end, VIA_NAMES, found);
    if (i < 0) return undefined;
    rawEnd = i;
    i = skipWs(s, i, end);
    branch = valueOf(s, 0);
    received = valueOf(s, 1);
    rport = valueOf(s, 2);
  }
  if (i < end && s.charCodeAt(i) !== 44) return undefined;
  while (rawEnd > v0 && s.charCodeAt(rawEnd - 1) <= 32) rawEnd--;
  viaStop = i;
  return new ParsedVia(protocol, transport, host, port, branch, received, rport, s, v0, rawEnd, paramsAt);
};

/** Where the last successful parseViaAt stopped (the comma after the value, or the end). */
let viaStop = 0;
export const lastViaStop = (): number => viaStop;

/** Parse one Via value (no commas). undefined when malformed. Never throws. */
export const parseVia = (text: string): Via | undefined => {
  const v = parseViaAt(text, 0, text.length);
  return v !== undefined && viaStop === text.length ? v : undefined;
};

/** Parse every Via value of one header line. undefined when any value is malformed or empty, or over maxItems. */
export const parseViaList = (text: string, maxItems: number): Via[] | undefined => {
  const out: Via[] = [];
  let i = 0;
  for (;;) {
    if (out.length >= maxItems) return undefined;
    const v = parseViaAt(text, i, text.length);
    if (v === undefined) return undefined;
    out.push(v);
    if (viaStop >= text.length) return out;
    i = viaStop + 1;
  }
};

/**
 * The first Via value of a header line, parsed, with the offset where it ends in `text`
 * (the index of the separating comma, or text.length). undefined when malformed.
 */
export const parseFirstVia = (text: string): { via: Via; end: number } | undefined => {
  const via = parseViaAt(text, 0, text.length);
  return via === undefined ? undefined : { via, end: viaStop };
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
  const end = raw.length;
  // Find each ";name[=value]" range after the sent-by.
  const ranges: { name: string; start: number; end: number }[] = [];
  let i = 0;
  for (; i < end; i++) {
    const c = raw.charCodeAt(i);
    if (c === 59) break;
    if (c === 34) {
      const q = raw.indexOf('"', i + 1);
      if (q < 0) return raw;
      i = q;
    }
  }
  let tail = end;
  while (i < end && raw.charCodeAt(i) === 59) {
    const start = i;
    let j = skipWs(raw, i + 1, end);
    const nameEnd = scanClass(raw, j, end, TOKEN);
    if (nameEnd === j) break;
    const name = raw.slice(j, nameEnd).toLowerCase();
    j = skipWs(raw, nameEnd, end);
    let stop = nameEnd;
    if (j < end && raw.charCodeAt(j) === 61) {
      j = skipWs(raw, j + 1, end);
      if (j < end && raw.charCodeAt(j) === 34) {
        const q = raw.indexOf('"', j + 1);
        stop = q < 0 ? end : q + 1;
      } else stop = scanClass(raw, j, end, PARAM_VALUE);
    }
    ranges.push({ name, start, end: stop });
    i = skipWs(raw, stop, end);
    tail = stop;
  }
  if (ranges.length === 0) tail = raw.trimEnd().length;
  const fmt = (k: string, v: string): string => (v === "" ? `;${k}` : `;${k}=${v}`);
  let out = "";
  let from = 0;
  const done = new Set<string>();
  for (const r of ranges) {
    if (!edits.has(r.name)) continue;
    const v = edits.get(r.name)!;
    out += raw.slice(from, r.start);
    if (v !== null && !done.has(r.name)) out += fmt(r.name, v);
    done.add(r.name);
    from = r.end;
  }
  out += raw.slice(from, tail);
  for (const [k, v] of edits) if (v !== null && !done.has(k)) out += fmt(k, v);
  return out + raw.slice(tail);
};
