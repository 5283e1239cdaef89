import { Either } from "effect";
import { isIP } from "node:net";
import { sipmodError, type SipmodError } from "../errors.ts";

/** Where the management server listens: an IP literal and a port (0 = any free port). */
export interface RpcListen {
  readonly host: string;
  readonly port: number;
  readonly af: 4 | 6;
}

const HINT =
  'Set core.rpc.listen to "ip:port" with an IP literal: "127.0.0.1:5071", "[::1]:5071"; port 0 picks a free port. ' +
  "Host names are not accepted (the server must know the address it binds).";

/** Parse `127.0.0.1:5071` or `[::1]:5071` (IPv6 in brackets). Failures are SM_LISTEN. */
export const parseRpcListen = (text: string): Either.Either<RpcListen, SipmodError> => {
  const fail = (why: string) =>
    Either.left(sipmodError("SM_LISTEN", `invalid RPC listen address "${text}": ${why}`, { hint: HINT }));
  const t = text.trim();
  let host: string;
  let portText: string;
  if (t.startsWith("[")) {
    const close = t.indexOf("]");
    if (close < 0) return fail("missing ']' after the IPv6 address");
    host = t.slice(1, close);
    if (t[close + 1] !== ":") return fail("a port is required after the address");
    portText = t.slice(close + 2);
    if (isIP(host) !== 6) return fail(`"${host}" is not an IPv6 address`);
  } else {
    const colon = t.lastIndexOf(":");
    if (colon < 0) return fail("a port is required: ip:port");
    host = t.slice(0, colon);
    portText = t.slice(colon + 1);
    if (host.includes(":")) return fail("an IPv6 address must be in brackets: [::1]:5071");
    if (isIP(host) !== 4) return fail(`"${host}" is not an IP address`);
  }
  if (!/^\d{1,5}$/.test(portText)) return fail(`port "${portText}" is not a number`);
  const port = Number(portText);
  if (port > 65535) return fail(`port ${port} is above 65535`);
  return Either.right({ host, port, af: isIP(host) === 6 ? 6 : 4 });
};

/**
 * The base URL a client on this machine uses to reach a server bound to host:port: a wildcard
 * bind (0.0.0.0, ::) is reached on the loopback address of its family.
 */
export const rpcBaseUrl = (host: string, port: number): string => {
  const h = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return isIP(h) === 6 ? `http://[${h}]:${port}` : `http://${h}:${port}`;
};

/** The JSON-RPC endpoint for a `core.rpc.listen` value, for `sipmod ctl`. */
export const rpcUrlFromListen = (listen: string): Either.Either<string, SipmodError> =>
  Either.map(parseRpcListen(listen), (l) => `${rpcBaseUrl(l.host, l.port)}/RPC`);
