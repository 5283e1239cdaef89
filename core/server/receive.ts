import { Runtime } from "effect";
import type { ProcessInfo } from "../module/process-info.ts";
import type { ProcessMessageHooks } from "./message-hooks.ts";
import type { Engine, Outcome, ScriptContext } from "../script/engine.ts";
import { forwardReply } from "../script/builtins/forward-reply.ts";
import { isParseFailure, SipMessage, type ParseFailure } from "../sip/message.ts";
import { buildReply } from "../sip/reply.ts";
import { fixTopVia } from "../transport/fix-top-via.ts";
import type { ReceiveInfo } from "../transport/receive-info.ts";
import type { TransportApi } from "../transport/transport.ts";
import { SIP_INTERNAL, SIP_OWNED, type SipHandOff } from "../process/protocol.ts";
import { ownBytes } from "../module/continuation.ts";

const PARSE_FAILURE_REASON: Readonly<Record<number, string>> = {
  400: "Bad Request",
  413: "Request Entity Too Large",
  414: "Request-URI Too Long",
  505: "Version Not Supported",
  513: "Message Too Large",
};

export interface ReceiverDeps {
  readonly engine: Engine;
  /** The modules' hooks of this process (tm takes the replies of its transactions). */
  readonly hooks?: ProcessMessageHooks;
  readonly transport: Pick<TransportApi, "reply" | "counters">;
  readonly proc: ProcessInfo;
  /** Log a line from the receive path (level: Effect log level label). */
  readonly log: (level: "Debug" | "Info" | "Warning" | "Error", text: string) => void;
  /**
   * In a server with more than one routing thread: hand a message that another process owns
   * (MessageHooks.onDispatch) to it. Absent when this is the only thread that routes.
   */
  readonly handOver?: (to: number, sip: SipHandOff) => boolean;
}

/** Receive one message: the bytes, where they came from, SIP_INTERNAL / SIP_OWNED flags. */
export type Receiver = (buf: Buffer, rcv: ReceiveInfo, flags?: number) => void;


/**
 * The receive path of one process, called by the transport for every message (a UDP datagram or a
 * framed TCP message), as Kamailio's receive_msg:
 * 1. parse (lazily); a message that fails gets the reply the parser names (400, 413, 414, 505,
 *    513) when it is a request other than ACK with enough headers to answer, else it is dropped;
 *    either way it is counted and logged (one info line per second at most), never thrown;
 *    with several routing threads, a message another process owns (a reply to its transaction,
 *    a CANCEL of its INVITE ...) is handed to it here, unless the sender already did that lookup;
 * 2. requests: add `received`/`rport` to the top Via (RFC 3261 §18.2.1, RFC 3581);
 * 3. `event_route[core:pre-routing]` if the config has one; `drop` there ends the processing;
 * 4. requests run `request_route`; replies run `reply_route` and are then forwarded statelessly
 *    upstream unless it ran `drop` (tm, when loaded, takes the replies of its transactions first).
 */
export const makeReceiver = (deps: ReceiverDeps): Receiver => {
  const { engine, transport, proc, log, handOver } = deps;
  const ownerOf = handOver !== undefined && deps.hooks !== undefined && deps.hooks.dispatchHandlers.length > 0 ? deps.hooks.ownerOf : undefined;
  const requestHandlers = deps.hooks?.requestHandlers ?? [];
  const replyHandlers = deps.hooks?.replyHandlers ?? [];
  const requestDone = deps.hooks?.requestDoneHandlers ?? [];
  const program = engine.program;
  const preRouting = program.events.get("core:pre-routing")?.key;
  const requestRoute = program.request?.key;
  const replyRoute = program.reply?.key;
  const runFork = Runtime.runFork(engine.runtime);
  let lastMalformedLog = 0;
  let suppressed = 0;

  const onParseFailure = (f: ParseFailure, rcv: ReceiveInfo): void => {
    transport.counters.parseErrors++;
    const req = f.partial;
    let answered = false;
    if (f.status !== 0 && req !== undefined && req.isRequest && req.method !== "ACK") {
      try {
        // received/rport on the top Via (RFC 3581), as on every other reply to a request
        try {
          fixTopVia(req, rcv);
        } catch {
          // a malformed top Via: the reply goes without them
        }
        const reason = PARSE_FAILURE_REASON[f.status] ?? "Bad Request";
        answered = transport.reply(req, rcv, buildReply(req, f.status, reason));
      } catch {
        answered = false;
      }
    }
    const what = `malformed message from ${rcv.proto}:${rcv.srcIp}:${rcv.srcPort}: ${f.reason}${answered ? ` (answered ${f.status})` : " (dropped)"}`;
    // One line at info level per second at most (a storm must not flood the log); the rest at debug.
    const now = Date.now();
    if (now - lastMalformedLog >= 1000) {
      log("Info", suppressed > 0 ? `${what}; ${suppressed} more since the last report` : what);
      lastMalformedLog = now;
      suppressed = 0;
    } else {
      suppressed++;
      log("Debug", what);
    }
  };

  const afterReply = (msg: SipMessage, rcv: ReceiveInfo, o: Outcome): void => {
    if (o.dropped) return;
    for (let i = 0; i < replyHandlers.length; i++) if (replyHandlers[i]!(msg, rcv)) return;
    runFork(forwardReply(msg));
  };

  const afterRequest = (ctx: ScriptContext, o: Outcome): void => {
    for (let i = 0; i < requestDone.length; i++) {
      try {
        requestDone[i]!(ctx, o);
      } catch (e) {
        log("Error", `after request_route: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
    }
  };

  const NO_ROUTE: Outcome = { code: 1, dropped: false, exited: false };

  const runMain = (msg: SipMessage, rcv: ReceiveInfo): void => {
    if (!msg.isRequest) {
      if (replyRoute === undefined) return afterReply(msg, rcv, NO_ROUTE);
      const o = engine.run(replyRoute, engine.newContext(msg, rcv, { proc }));
      if (o instanceof Promise) void o.then((r) => afterReply(msg, rcv, r));
      else afterReply(msg, rcv, o);
      return;
    }
    for (let i = 0; i < requestHandlers.length; i++) if (requestHandlers[i]!(msg, rcv)) return;
    if (requestRoute === undefined) return;
    const ctx = engine.newContext(msg, rcv, { proc });
    const o = engine.run(requestRoute, ctx);
    if (requestDone.length === 0) return;
    if (o instanceof Promise) void o.then((r) => afterRequest(ctx, r));
    else afterRequest(ctx, o);
  };

  return (buf, rcv, flags = 0) => {
    let parsed: SipMessage | ParseFailure;
    try {
      parsed = SipMessage.parse(buf);
    } catch (e) {
      // The parser does not throw by contract; if it ever does, the message is lost, not the server.
      transport.counters.parseErrors++;
      log("Error", `parser failure on a message from ${rcv.srcIp}:${rcv.srcPort}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (isParseFailure(parsed)) return onParseFailure(parsed, rcv);
    const msg = parsed;
    try {
      if (ownerOf !== undefined && (flags & SIP_OWNED) === 0) {
        const owner = ownerOf(msg, rcv);
        if (owner !== undefined && owner !== proc.id && handOver!(owner, { bytes: ownBytes(buf), rcv, flags: flags | SIP_OWNED })) return;
      }
      if (msg.isRequest) fixTopVia(msg, rcv);
      if (preRouting === undefined || (flags & SIP_INTERNAL) !== 0) return runMain(msg, rcv);
      const ctx = engine.newContext(msg, rcv, { proc, phase: "pre-routing", route: "event" });
      const o = engine.run(preRouting, ctx);
      if (o instanceof Promise) void o.then((r) => (r.dropped ? undefined : runMain(msg, rcv)));
      else if (!o.dropped) runMain(msg, rcv);
    } catch (e) {
      // A header the script asked for was malformed deep inside a function: the message is dropped.
      transport.counters.parseErrors++;
      log("Warning", `message from ${rcv.srcIp}:${rcv.srcPort} dropped: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
};
