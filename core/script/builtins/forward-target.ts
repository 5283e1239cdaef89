import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { Effect } from "effect";
import { parseUri } from "../../sip/uri.ts";
import { unbracket } from "../../transport/ip-address.ts";
import type { Proto } from "../../transport/receive-info.ts";

/** Where a request or reply goes: protocol, host (name or address) and port. */
export interface NextHop {
  readonly proto: Proto;
  readonly host: string;
  readonly port: number;
}

const PROTOS: ReadonlySet<string> = new Set(["udp", "tcp", "tls", "ws", "wss"]);

export const defaultPort = (proto: Proto): number => (proto === "tls" || proto === "wss" ? 5061 : 5060);

export const asProto = (text: string): Proto | undefined => {
  const p = text.toLowerCase();
  return PROTOS.has(p) ? (p as Proto) : undefined;
};

/**
 * The next hop of a SIP URI as Kamailio's forward() takes it: the maddr parameter or the host;
 * the port or 5060 (5061 for sips/tls); the transport parameter, else tls for sips:, else udp.
 * No NAPTR/SRV lookups: a name is resolved to an address (A/AAAA) when sending.
 */
export const hopOfUri = (text: string): NextHop | { readonly error: string } => {
  const u = parseUri(text);
  if (u === undefined || u.scheme === "tel") return { error: `cannot forward to "${text}": not a sip: or sips: URI` };
  const tp = u.params.get("transport");
  let proto: Proto | undefined = tp !== undefined ? asProto(tp) : u.scheme === "sips" ? "tls" : "udp";
  if (proto === undefined) return { error: `cannot forward to "${text}": transport ${tp} is not supported` };
  if (u.scheme === "sips" && proto === "udp") return { error: `cannot forward to "${text}": sips over udp` };
  if (u.scheme === "sips" && proto === "tcp") proto = "tls";
  const maddr = u.params.get("maddr");
  const host = unbracket(maddr !== undefined && maddr !== "" ? maddr : u.host);
  return { proto, host, port: u.port ?? defaultPort(proto) };
};

/** The address of a host: an IP literal as is, a name through the system resolver. */
export const resolveHost = (host: string): Effect.Effect<string, string> => {
  const h = unbracket(host);
  if (isIP(h) !== 0) return Effect.succeed(h);
  return Effect.tryPromise({
    try: () => lookup(h),
    catch: (e) => `cannot resolve ${h}: ${e instanceof Error ? e.message : String(e)}`,
  }).pipe(Effect.map((r) => r.address));
};

/** A host for a Via sent-by: IPv6 addresses in brackets. */
export const viaHost = (host: string): string => (host.includes(":") && !host.startsWith("[") ? `[${host}]` : host);
