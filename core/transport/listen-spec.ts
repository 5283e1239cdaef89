import { isIP } from "node:net";
import { Either } from "effect";
import { sipmodError, type SipmodError } from "../errors.ts";

/** Protocols sipmod can listen on today. */
export type ListenProto = "udp" | "tcp";

/** One socket to open: protocol, local IP literal and port (0 = let the kernel choose). */
export interface ListenSpec {
  readonly proto: ListenProto;
  readonly ip: string;
  readonly port: number;
  readonly af: 4 | 6;
  /** The text it came from, for messages. */
  readonly text: string;
}

/** Protocols a listen line without a protocol opens (Kamailio: every enabled protocol). */
export const DEFAULT_LISTEN_PROTOS: readonly ListenProto[] = ["udp", "tcp"];

export const DEFAULT_SIP_PORT = 5060;

const fail = (text: string, why: string): Either.Either<readonly ListenSpec[], SipmodError> =>
  Either.left(
    sipmodError("SM_LISTEN", `invalid listen address "${text}": ${why}`, {
      hint:
        "Write [proto:]ip[:port] with an IP literal: `udp:127.0.0.1:5060`, `tcp:[::1]:5060`, " +
        "`127.0.0.1:5060` (udp and tcp); port 0 lets the system choose, a missing port means 5060.",
    }),
  );

/**
 * Parse one listen address, as written after `listen=` in a cfg or in plugins.json `core.listen`:
 * `udp:127.0.0.1:5060`, `tcp:[::1]:5060`, `udp:127.0.0.1` (port 5060), `[::1]:5070`, `127.0.0.1`.
 * Without a protocol it means every protocol sipmod serves (udp and tcp), as Kamailio does for
 * every protocol it has enabled. IPv6 addresses with a port must be in brackets.
 * Host names are refused: a SIP server must know the address it binds.
 */
export const parseListen = (input: string): Either.Either<readonly ListenSpec[], SipmodError> => {
  const text = input.trim();
  if (text === "") return fail(input, "it is empty");
  let rest = text;
  let protos: readonly ListenProto[] = DEFAULT_LISTEN_PROTOS;
  const m = /^([a-zA-Z]+):/.exec(rest);
  if (m !== null && isIP(rest) === 0) {
    const p = m[1]!.toLowerCase();
    if (p === "udp" || p === "tcp") protos = [p];
    else if (p === "tls" || p === "ws" || p === "wss" || p === "sctp")
      return fail(text, `protocol "${p}" is not supported yet (udp and tcp are)`);
    else return fail(text, `unknown protocol "${m[1]}" (use udp or tcp)`);
    rest = rest.slice(m[0].length);
  }
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) return fail(text, "missing ']' after the IPv6 address");
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== "") {
      if (!after.startsWith(":")) return fail(text, `unexpected "${after}" after the IPv6 address`);
      portText = after.slice(1);
    }
    if (isIP(host) !== 6) return fail(text, `"${host}" is not an IPv6 address`);
  } else if (isIP(rest) === 6) {
    host = rest; // bare IPv6 without port
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon >= 0) {
      host = rest.slice(0, colon);
      portText = rest.slice(colon + 1);
    } else host = rest;
    if (host.includes(":")) return fail(text, "an IPv6 address with a port must be in brackets: [::1]:5060");
    if (isIP(host) !== 4) return fail(text, `"${host}" is not an IP address (host names are not accepted)`);
  }
  let port = DEFAULT_SIP_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return fail(text, `port "${portText}" is not a number`);
    port = Number(portText);
    if (port > 65535) return fail(text, `port ${port} is above 65535`);
  }
  const af: 4 | 6 = isIP(host) === 6 ? 6 : 4;
  return Either.right(protos.map((proto) => ({ proto, ip: host, port, af, text })));
};

/** Parse several listen addresses; the first bad one is the error. */
export const parseListens = (
  inputs: readonly string[],
): Either.Either<readonly ListenSpec[], SipmodError> => {
  const out: ListenSpec[] = [];
  for (const s of inputs) {
    const r = parseListen(s);
    if (Either.isLeft(r)) return r;
    out.push(...r.right);
  }
  return Either.right(out);
};

/** `udp:127.0.0.1:5060`, `tcp:[::1]:5060`: the canonical text of a socket address. */
export const formatSocket = (proto: string, ip: string, port: number): string =>
  `${proto}:${ip.includes(":") ? `[${ip}]` : ip}:${port}`;
