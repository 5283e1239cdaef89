/** Shared by the transport tests: run a transport in a scope, real client sockets, small waits. */
import * as dgram from "node:dgram";
import * as net from "node:net";
import { Effect, Either, Exit, Scope } from "effect";
import { parseListens } from "../core/transport/listen-spec.ts";
import type { MessageHandler } from "../core/transport/message-handler.ts";
import { startTransport, type TransportApi } from "../core/transport/transport.ts";
import type { TransportParams } from "../core/transport/transport-params.ts";

export interface Running {
  readonly api: TransportApi;
  readonly logs: string[];
  close(): Promise<void>;
}

/** Start a transport on the given listen specs (port 0); close() closes its scope. */
export const run = async (
  listens: readonly string[],
  handler: MessageHandler,
  params: Partial<TransportParams> = {},
): Promise<Running> => {
  const specs = parseListens(listens);
  if (Either.isLeft(specs)) throw new Error(specs.left.format());
  const logs: string[] = [];
  const scope = Effect.runSync(Scope.make());
  const api = await Effect.runPromise(
    startTransport(specs.right, handler, { params, log: (level, m) => logs.push(`${level} ${m}`) }).pipe(
      Scope.extend(scope),
    ),
  );
  return { api, logs, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) };
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wait until `cond()` holds, checking every 5 ms; throws after `ms`. */
export const until = async (cond: () => boolean, ms = 3000, what = "condition"): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
};

export const options = (opts: {
  host: string;
  port: number;
  branch?: string;
  via?: string;
  callId?: string;
  body?: string;
  contentLength?: boolean;
}): string => {
  const body = opts.body ?? "";
  const via = opts.via ?? `SIP/2.0/UDP ${opts.host}:${opts.port};branch=${opts.branch ?? "z9hG4bK-1"};rport`;
  return (
    `OPTIONS sip:test@example.com SIP/2.0\r\n` +
    `Via: ${via}\r\n` +
    `Max-Forwards: 70\r\n` +
    `From: <sip:alice@example.com>;tag=a1\r\n` +
    `To: <sip:test@example.com>\r\n` +
    `Call-ID: ${opts.callId ?? "call-1"}\r\n` +
    `CSeq: 1 OPTIONS\r\n` +
    (opts.contentLength === false ? "" : `Content-Length: ${Buffer.byteLength(body)}\r\n`) +
    `\r\n${body}`
  );
};

/** A UDP client socket bound on `ip` port 0 that collects what it receives. */
export const udpClient = async (ip = "127.0.0.1") => {
  const s = dgram.createSocket(ip.includes(":") ? "udp6" : "udp4");
  const got: Buffer[] = [];
  s.on("message", (m) => got.push(m));
  await new Promise<void>((r) => s.bind(0, ip, () => r()));
  return {
    port: s.address().port,
    got,
    send: (text: string | Buffer, port: number, host = ip) => s.send(text, port, host),
    close: () => new Promise<void>((r) => s.close(() => r())),
  };
};

/** A TCP client connection that collects what it receives and notes when it closes. */
export const tcpClient = async (port: number, host = "127.0.0.1") => {
  const sock = net.connect({ port, host });
  await new Promise<void>((r, j) => {
    sock.once("connect", () => r());
    sock.once("error", j);
  });
  const state = { data: Buffer.alloc(0), closed: false };
  sock.on("data", (d: Buffer) => {
    state.data = Buffer.concat([state.data, d]);
  });
  sock.on("error", () => {});
  sock.on("close", () => {
    state.closed = true;
  });
  return {
    sock,
    state,
    localPort: sock.localPort!,
    write: (b: string | Buffer) => new Promise<void>((r) => sock.write(b, () => r())),
    close: async () => {
      if (state.closed) return;
      sock.destroy();
      await until(() => state.closed, 2000, "client close");
    },
  };
};

/** Does this machine have ::1 on a loopback interface? */
export const hasIpv6Loopback = (): Promise<boolean> =>
  new Promise((res) => {
    const s = dgram.createSocket("udp6");
    s.once("error", () => {
      s.close();
      res(false);
    });
    s.bind(0, "::1", () => s.close(() => res(true)));
  });
