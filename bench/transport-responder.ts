/**
 * sipmod's layers 1 and 2 without the routing engine: core/transport receives, core/sip parses,
 * fixTopVia adds received/rport, buildReply answers 200 and transport.reply sends it where
 * RFC 3261/3581 say. A row between the raw floor and the full server in bench/run-stateless.ts.
 *
 *   node --import tsx bench/transport-responder.ts --port 5090 [--host 127.0.0.1]
 *
 * Prints `ready <port>` once bound; exits on SIGTERM/SIGINT (closing the transport's scope).
 */
import { Effect, Either, Exit, Scope } from "effect";
import { isParseFailure, SipMessage } from "../core/sip/message.ts";
import { buildReply } from "../core/sip/reply.ts";
import { fixTopVia } from "../core/transport/fix-top-via.ts";
import { parseListen } from "../core/transport/listen-spec.ts";
import type { MessageHandler } from "../core/transport/message-handler.ts";
import { startTransport, type TransportApi } from "../core/transport/transport.ts";

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
};
const host = arg("host", "127.0.0.1");
const port = arg("port", "0");

const specs = parseListen(`udp:${host.includes(":") ? `[${host}]` : host}:${port}`);
if (Either.isLeft(specs)) {
  process.stderr.write(`${specs.left.format()}\n`);
  process.exit(2);
}

let api: TransportApi | undefined;
const handler: MessageHandler = (buf, rcv) => {
  const m = SipMessage.parse(buf);
  if (isParseFailure(m)) {
    api!.counters.parseErrors++;
    return;
  }
  if (!m.isRequest || m.method === "ACK") return;
  fixTopVia(m, rcv);
  api!.reply(m, rcv, buildReply(m, 200, "OK", { toTag: "tr1" }));
};

const scope = Effect.runSync(Scope.make());
api = await Effect.runPromise(startTransport(specs.right, handler).pipe(Scope.extend(scope)));
process.stdout.write(`ready ${api.listeners[0]!.port}\n`);
const stop = () => {
  process.stderr.write(`stats ${JSON.stringify(api!.stats())}\n`);
  void Effect.runPromise(Scope.close(scope, Exit.void)).then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
