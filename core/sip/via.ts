/**
 * Via header values (RFC 3261 §20.42): `SIP / 2.0 / UDP host[:port] *(;param)`, LWS allowed
 * around '/', ':', ';' and '='. One Via header line may carry several comma-separated values.
 */
import { HOST, PARAM_VALUE, parseParams, scanClass, skipWs, splitTopLevel, TOKEN } from "./text-scan.ts";

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

/** Parse one Via value (no commas). undefined when malformed. Never throws. */
export const parseVia = (text: string): Via | undefined => {
  const s = text;
  const end = s.length;
  let i = skipWs(s, 0, end);
  const nameEnd = scanClass(s, i, end, TOKEN);
  if (nameEnd === i) return undefined;
  const name = s.slice(i, nameEnd);
  i = skipWs(s, nameEnd, end);
  if (s.charCodeAt(i) !== 47) return undefined;
  i = skipWs(s, i + 1, end);
  const verEnd = scanClass(s, i, end, TOKEN);
  if (verEnd === i) return undefined;
  const version = s.slice(i, verEnd);
  i = skipWs(s, verEnd, end);
  if (s.charCodeAt(i) !== 47) return undefined;
  i = skipWs(s, i + 1, end);
  const tEnd = scanClass(s, i, end, TOKEN);
  if (tEnd === i) return undefined;
  const transport = s.slice(i, tEnd).toUpperCase();
  const hostStart = skipWs(s, tEnd, end);
  if (hostStart === tEnd) return undefined; // LWS required between sent-protocol and sent-by
  let hostEnd: number;
  if (s.charCodeAt(hostStart) === 91) {
    const close = s.indexOf("]", hostStart);
    if (close < 0) return undefined;
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
  i = skipWs(s, hostEnd, end);
  let port: number | undefined;
  if (i < end && s.charCodeAt(i) === 58) {
    i = skipWs(s, i + 1, end);
    const pStart = i;
    let v = 0;
    while (i < end) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      i++;
    }
    if (i === pStart || i - pStart > 5 || v > 65535) return undefined;
    port = v;
  }
  let params = NO_PARAMS;
  i = skipWs(s, i, end);
  if (i < end) {
    const m = new Map<string, string>();
    i = parseParams(s, i, end, m);
    if (i < 0 || skipWs(s, i, end) !== end) return undefined;
    params = m;
  }
  return {
    protocol: `${name}/${version}`,
    transport,
    host,
    port,
    params,
    branch: params.get("branch"),
    received: params.get("received"),
    rport: params.get("rport"),
    raw: s.trim(),
  };
};

/** Parse every Via value of one header line. undefined when any value is malformed or empty, or over maxItems. */
export const parseViaList = (text: string, maxItems: number): Via[] | undefined => {
  const items = splitTopLevel(text, maxItems);
  if (items === undefined) return undefined;
  const out: Via[] = [];
  for (const item of items) {
    if (item.length === 0) return undefined;
    const v = parseVia(item);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
};

/**
 * The first Via value of a header line, parsed, with the offset where it ends in `text`
 * (the index of the separating comma, or text.length). undefined when malformed.
 */
export const parseFirstVia = (text: string): { via: Via; end: number } | undefined => {
  const end = text.length;
  let i = 0;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 44) break;
    if (c === 34) {
      const q = text.indexOf('"', i + 1);
      if (q < 0) return undefined;
      i = q;
    }
  }
  const via = parseVia(text.slice(0, i));
  return via === undefined ? undefined : { via, end: i };
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
