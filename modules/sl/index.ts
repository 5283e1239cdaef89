import { Effect } from "effect";
import { defineModule, fn } from "../../core/module/define-module.ts";
import { CORE_MAJOR } from "../../core/version.ts";
import { Tm } from "../tm/api.ts";
import { sendStatelessReply } from "./send-stateless.ts";
import { slStats } from "./stats.ts";

const codeReason = [
  {
    name: "code",
    kind: "int-pv",
    ifNotInt: 500,
    doc: "Status code. As in Kamailio any integer is sent as its last three digits (99 as 099), and a variable without an int value (a string) sends 500.",
  },
  {
    name: "reason",
    kind: "string-pv",
    leadingPv: { ifNull: "Internal Server Error" },
    doc:
      "Reason phrase. As in Kamailio 5.6, a reason that starts with a pseudo-variable is that variable alone (the rest " +
      'is ignored; "Internal Server Error" when it has no value): start it with text ("r=$var(r)").',
  },
] as const;

/**
 * sl: stateless replies. send_reply() becomes stateful when tm is loaded and the request has a
 * transaction (sl does not require tm: it asks for tm's service only when it is there).
 */
export default defineModule({
  name: "sl",
  version: "0.1.0",
  core: CORE_MAJOR,
  doc: {
    overview:
      "Stateless replies: answer a SIP request without keeping any state. The To tag of a stateless reply is " +
      "derived from the request (Call-ID, From tag, Via branch), so a retransmitted request gets the same reply. " +
      "`send_reply()` replies statefully through tm when the request has a transaction, and statelessly otherwise.",
  },
  functions: [
    fn({
      name: "sl_send_reply",
      params: codeReason,
      routes: ["request"],
      doc: "Send a stateless reply with the given code and reason phrase to the request being processed.",
      returns: "Returns 1 (true) when the reply was sent, -1 (false) otherwise (ACK, a send error).",
      run: (ctx, [code, reason]) => sendStatelessReply(ctx, code, reason),
    }),
    fn({
      name: "send_reply",
      params: codeReason,
      routes: ["request", "failure", "onreply", "core_onreply"],
      doc:
        "Send a reply: stateful through tm when the request has a transaction, stateless otherwise. Use it in " +
        "routes that may run with or without a transaction.",
      returns: "Returns 1 (true) when the reply was sent, -1 (false) otherwise.",
      run: (ctx, [code, reason]) => {
        const stateful = ctx.serviceIfLoaded(Tm)?.replyCurrent(ctx, code, reason);
        return stateful ?? sendStatelessReply(ctx, code, reason);
      },
    }),
  ],
  rpc: [
    {
      name: "sl.stats",
      doc: "Stateless replies sent by this process, by class.",
      run: () => Effect.sync(() => slStats.snapshot()),
    },
  ],
});
