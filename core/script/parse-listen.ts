/**
 * Syntax of the unquoted socket addresses of `listen=` and `alias=`: `[proto:]host[:port]`, where host
 * is an IPv4 literal, a name, `*`, or an IPv6 address (in brackets when a port follows).
 * Whether the address can be bound is checked later (core/transport).
 */

/** Protocol prefixes Kamailio knows in socket addresses. */
export const LISTEN_PROTOS: ReadonlySet<string> = new Set(["udp", "tcp", "tls", "sctp", "ws", "wss", "any"]);

export interface HostPort {
  readonly proto?: string | undefined;
  readonly host: string;
  readonly port?: number | undefined;
}

export type HostPortParse = { readonly ok: true; readonly value: HostPort } | { readonly ok: false; readonly message: string };

const PORT_RE = /^\d{1,5}$/;
const HOST_RE = /^(\*|[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?)$/;

const port = (text: string, whole: string): { ok: true; port: number } | { ok: false; message: string } => {
  if (!PORT_RE.test(text) || Number(text) > 65535) return { ok: false, message: `"${text}" is not a port number (0-65535) in "${whole}"` };
  return { ok: true, port: Number(text) };
};

/** Parse `[proto:]host[:port]`; with `allowProto: false` a protocol prefix is an error (advertise addresses). */
export const parseHostPort = (text: string, allowProto = true): HostPortParse => {
  let rest = text;
  let proto: string | undefined;
  const m = /^([A-Za-z]+):(?!:)/.exec(rest);
  if (m !== null && LISTEN_PROTOS.has(m[1]!.toLowerCase())) {
    if (!allowProto) return { ok: false, message: `no protocol is allowed here, found "${m[1]}:" in "${text}"` };
    proto = m[1]!.toLowerCase();
    rest = rest.slice(m[0].length);
  }
  if (rest === "") return { ok: false, message: `missing host in "${text}"` };
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) return { ok: false, message: `missing ']' after the IPv6 address in "${text}"` };
    const host = rest.slice(1, close);
    if (!/^[0-9A-Fa-f:.]+$/.test(host) || !host.includes(":")) return { ok: false, message: `"${host}" is not an IPv6 address in "${text}"` };
    const after = rest.slice(close + 1);
    if (after === "") return { ok: true, value: { proto, host } };
    if (!after.startsWith(":")) return { ok: false, message: `unexpected "${after}" after the IPv6 address in "${text}"` };
    const p = port(after.slice(1), text);
    return p.ok ? { ok: true, value: { proto, host, port: p.port } } : p;
  }
  const colons = rest.split(":").length - 1;
  if (colons > 1) {
    // a bare IPv6 address cannot carry a port
    if (!/^[0-9A-Fa-f:.]+$/.test(rest)) return { ok: false, message: `"${rest}" is not a host or an IPv6 address in "${text}"` };
    return { ok: true, value: { proto, host: rest } };
  }
  const [host, portText] = colons === 1 ? (rest.split(":") as [string, string]) : [rest, undefined];
  if (!HOST_RE.test(host)) return { ok: false, message: `"${host}" is not a host name or address in "${text}"` };
  if (portText === undefined) return { ok: true, value: { proto, host } };
  const p = port(portText, text);
  return p.ok ? { ok: true, value: { proto, host, port: p.port } } : p;
};
