import type { CallContext } from "../../core/module/call-context.ts";
import { fn } from "../../core/module/define-module.ts";
import { Tm } from "./api.ts";
import { T_SLOT, type TmCore } from "./tm-core.ts";

const core = (ctx: CallContext): TmCore => ctx.service(Tm) as TmCore;

/** t_reply / stateful send_reply: reply through the transaction of the request (-1 when it has none). */
/** t_reply: the request's transaction here, or its owner's in another thread (remote.ts). */
const statefulReply = (ctx: CallContext, code: number, reason: string) => core(ctx).replyCurrent(ctx, code, reason) ?? -1;

// Route sets as Kamailio 5.6.3 checks them at load (test/compat-route-types.test.ts).
const ROUTES_RELAY = ["request", "failure"] as const;
const ROUTES_RFOB = ["request", "failure", "onreply", "branch"] as const;
const ROUTES_REPLY = ["request", "failure", "onreply", "core_onreply"] as const;

const codeReason = [
  { name: "code", kind: "int-pv", doc: "Status code, 100 to 699." },
  {
    name: "reason",
    kind: "string-pv",
    leadingPv: { ifNull: "", otherwiseLiteral: true },
    doc:
      "Reason phrase: a plain string, or one pseudo-variable whose value is the reason (as in Kamailio 5.6, text " +
      "after the variable is ignored and `$` inside a plain string is kept as written). Build a longer reason in " +
      "$var first.",
  },
] as const;

export const tmFunctions = [
  fn({
    name: "t_newtran",
    params: [],
    routes: ["request"],
    doc:
      "Create the transaction of the request. A retransmission of a request that has one gets the last reply " +
      "again, and an ACK for a negative reply ends its INVITE transaction; both stop the script.",
    returns: "1 new transaction (or the one already bound); 0 (the script stops) for a retransmission or an absorbed ACK; -1 on error or for another ACK.",
    run: (ctx) => core(ctx).newtran(ctx),
  }),
  fn({
    name: "t_check_trans",
    params: [],
    routes: ["request", "onreply", "core_onreply", "branch"],
    doc:
      "Check whether the request belongs to a transaction. A retransmission gets the last reply again and the " +
      "script stops; an ACK for a negative reply is absorbed (the script stops); a CANCEL is true when its INVITE " +
      "transaction exists; an ACK is true when it acknowledges a 2xx this server relayed. In failure, branch and " +
      "reply routes it is always true.",
    returns: "1 (true), -1 (false: a new request), or 0 (the script stops).",
    run: (ctx) => {
      if (ctx.route !== "request" && ctx.route !== "event") return 1;
      const tm = core(ctx);
      const msg = ctx.msg;
      if (!msg.isRequest) return -1;
      if (tm.current(ctx) !== undefined && msg.method !== "CANCEL") return 1;
      if (msg.method === "CANCEL") return tm.findInvite(msg) !== undefined ? 1 : -1;
      if (msg.method === "ACK") {
        const l = tm.lookup(msg);
        if (l.kind === "ack-absorbed") return 0;
        return tm.findAcked2xx(msg) !== undefined ? 1 : -1;
      }
      const l = tm.lookup(msg);
      if (l.kind === "retransmission") {
        ctx.set(T_SLOT, l.t);
        return 0;
      }
      return -1;
    },
  }),
  fn({
    name: "t_relay",
    params: [],
    routes: ROUTES_RELAY,
    doc:
      "Relay the request statefully to $du when set, else to the R-URI. Creates the transaction if needed (an INVITE " +
      "gets the automatic 100 when auto_inv_100 is set); in a failure_route it adds a new branch (serial forking). " +
      "A CANCEL cancels its INVITE transaction (487 to the INVITE, 200 to the CANCEL, CANCEL on each pending branch).",
    returns: "1 when the request was sent; 0 (the script stops) for a retransmission or an absorbed ACK; -1 on error (a 500 is sent when the transaction was created here and nothing could be relayed).",
    run: (ctx) => core(ctx).relay(ctx, undefined),
  }),
  fn({
    name: "t_relay",
    params: [
      { name: "host", kind: "string-pv", doc: "Address or name to relay to." },
      { name: "port", kind: "int-pv", doc: "Port to relay to." },
    ],
    routes: ROUTES_RELAY,
    doc: "Relay the request statefully over UDP to the given host and port, whatever the R-URI and $du say.",
    returns: "As t_relay().",
    run: (ctx, [host, port]) => {
      if (host === "" || !Number.isInteger(port) || port < 1 || port > 65535) return -1;
      return core(ctx).relay(ctx, { proto: "udp", host, port });
    },
  }),
  fn({
    name: "t_reply",
    params: codeReason,
    routes: ROUTES_REPLY,
    doc: "Reply statefully to the request of the current transaction (created earlier by t_newtran, t_relay or t_suspend).",
    returns: "1 when sent; -1 when the request has no transaction, it already has a final reply, or the code is invalid.",
    run: (ctx, [code, reason]) => statefulReply(ctx, code, reason),
  }),
  fn({
    name: "t_on_failure",
    params: [{ name: "route", kind: "string", doc: "Name of a failure_route block." }],
    routes: ROUTES_RFOB,
    doc:
      "Run failure_route[route] when every branch of the transaction has failed (a negative reply, a timeout, a " +
      "cancel), before the best reply goes upstream. Armed for one failure: set it again in the failure route to " +
      "catch the next one.",
    returns: "1.",
    run: (ctx, [route]) => arm(ctx, "onFailure", route),
  }),
  fn({
    name: "t_on_reply",
    params: [{ name: "route", kind: "string", doc: "Name of an onreply_route block." }],
    routes: ROUTES_RFOB,
    doc: "Run onreply_route[route] for every reply received on the transaction's branches. `drop` there discards a provisional reply.",
    returns: "1.",
    run: (ctx, [route]) => arm(ctx, "onReply", route),
  }),
  fn({
    name: "t_on_branch",
    params: [{ name: "route", kind: "string", doc: "Name of a branch_route block." }],
    routes: ["request", "failure"],
    doc: "Run branch_route[route] on each new branch before it is sent; changes there apply to that branch only and `drop` does not send it.",
    returns: "1.",
    run: (ctx, [route]) => arm(ctx, "onBranch", route),
  }),
  fn({
    name: "t_on_branch_failure",
    params: [{ name: "route", kind: "string", doc: "NAME of an event_route[tm:branch-failure:NAME] block." }],
    routes: ROUTES_RFOB,
    doc:
      "Run event_route[tm:branch-failure:route] each time a branch fails (a negative reply or a timeout), before the " +
      "transaction decides on its final reply; the route may start new branches (t_relay, t_reuse_branch).",
    returns: "1.",
    run: (ctx, [route]) => arm(ctx, "onBranchFailure", route),
  }),
  fn({
    name: "t_set_fr",
    params: [{ name: "fr_inv", kind: "int-pv", doc: "INVITE final-response timeout after a provisional (ms); 0 keeps the default." }],
    routes: ROUTES_RFOB,
    doc: "Set fr_inv_timer for the current (or the next created) transaction.",
    returns: "1, or -1 for a negative value.",
    run: (ctx, [inv]) => setFr(ctx, inv, 0),
  }),
  fn({
    name: "t_set_fr",
    params: [
      { name: "fr_inv", kind: "int-pv", doc: "INVITE final-response timeout after a provisional (ms); 0 keeps the default." },
      { name: "fr", kind: "int-pv", doc: "Final-response timeout (ms) of non-INVITE branches, INVITE branches before a provisional and suspensions; 0 keeps the default." },
    ],
    routes: ROUTES_RFOB,
    doc: "Set fr_inv_timer and fr_timer for the current (or the next created) transaction.",
    returns: "1, or -1 for a negative value.",
    run: (ctx, [inv, nonInv]) => setFr(ctx, inv, nonInv),
  }),
  fn({
    name: "t_is_canceled",
    params: [],
    routes: ROUTES_RFOB,
    doc: "True when the transaction's INVITE was canceled by a CANCEL.",
    returns: "1 canceled; -1 not canceled or no transaction.",
    run: (ctx) => (core(ctx).current(ctx)?.canceled === true ? 1 : -1),
  }),
  fn({
    name: "t_release",
    params: [],
    routes: ["request"],
    doc: "End the transaction now: it is kept only for the wait time (wt_timer) to absorb retransmissions.",
    returns: "1, or -1 when the request has no transaction.",
    run: (ctx) => (core(ctx).release(ctx) ? 1 : -1),
  }),
];

type Armable = "onFailure" | "onReply" | "onBranch" | "onBranchFailure";

const arm = (ctx: CallContext, which: Armable, route: string): number => {
  const tm = core(ctx);
  const t = tm.current(ctx);
  const value = route === "" ? undefined : route;
  if (t !== undefined) t[which] = value;
  else tm.pendingFor(ctx)[which] = value;
  return 1;
};

const setFr = (ctx: CallContext, inv: number, nonInv: number): number => {
  if (inv < 0 || nonInv < 0) return -1;
  const tm = core(ctx);
  const t = tm.current(ctx);
  const target = t ?? tm.pendingFor(ctx);
  target.frInv = inv > 0 ? inv : undefined;
  target.frNonInv = nonInv > 0 ? nonInv : undefined;
  return 1;
};
