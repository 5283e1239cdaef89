import { Effect } from "effect";
import { fn } from "../../core/module/define-module.ts";
import type { CallContext } from "../../core/module/call-context.ts";
import { ProcessCalls } from "../../core/module/core-services.ts";
import { Tm } from "../tm/api.ts";
import { continueAnywhere } from "../tm/threads.ts";
import type { TmCore } from "../tm/tm-core.ts";
import { Precheck } from "./precheck.ts";

const tmOf = (ctx: CallContext) => ctx.service(Tm);

export const tmxFunctions = [
  fn({
    name: "t_suspend",
    params: [],
    routes: "any",
    doc:
      "Suspend the transaction of the request (created if needed; an INVITE gets the automatic 100). Its identity is " +
      "then in $T(id_index) and $T(id_label); a later t_continue() with them resumes it. The suspension lasts at most " +
      "fr_timer (t_set_fr changes it): then the failure_route armed with t_on_failure runs and 408 goes upstream. The " +
      "script goes on after the call: end the route with `exit`.",
    returns: "1 when suspended (also when the transaction was already canceled: nothing is then suspended); -1 on error (no request, an ACK, a final reply already sent).",
    run: (ctx) => {
      const r = tmOf(ctx).suspend(ctx);
      return typeof r === "object" || r === 1 ? 1 : -1;
    },
  }),
  fn({
    name: "t_continue",
    params: [
      { name: "tindex", kind: "int-pv", doc: "Transaction index ($T(id_index) when it was suspended)." },
      { name: "tlabel", kind: "int-pv", doc: "Transaction label ($T(id_label) when it was suspended)." },
      { name: "rtname", kind: "string-pv", doc: "Name of the route[] block to run." },
    ],
    routes: "any",
    doc:
      "Resume a suspended transaction by running route[rtname] now, in the thread that owns the transaction (this one, " +
      "or the one named by the label's owner bits, which is asked and answers with the result), on a copy of its " +
      "request, as a failure route: AVPs, XAVPs and message flags of the transaction are there, $var values are " +
      "the owning thread's. If " +
      "the route neither replies nor relays, `500 I'm terribly sorry, server error occurred (1/TM)` goes upstream. A " +
      "transaction that was canceled or whose suspension timed out is not resumed.",
    returns: "1 when resumed, or when the transaction was canceled or timed out meanwhile; -1 when no suspended transaction has this identity or the route does not exist.",
    run: (ctx, [index, label, rtname]) => {
      const r = continueAnywhere(tmOf(ctx) as TmCore, ctx.service(ProcessCalls), index, label, rtname);
      const code = (v: number): number => (v >= 0 ? 1 : -1);
      if (r instanceof Promise) return Effect.promise(() => r.then(code));
      return Effect.isEffect(r) ? Effect.map(r, code) : code(r);
    },
  }),
  fn({
    name: "t_reuse_branch",
    params: [],
    routes: ["request"],
    events: ["tm:branch-failure"],
    doc:
      "In event_route[tm:branch-failure:NAME]: send a new branch of the transaction to the failed branch's R-URI and " +
      "destination ($du), e.g. to retry another flow after a 430.",
    returns: "1 when the new branch was sent; -1 in any other route or when it could not be sent.",
    run: (ctx) => tmOf(ctx).reuseBranch(ctx),
  }),
  fn({
    name: "t_precheck_trans",
    params: [],
    routes: ["request"],
    doc:
      "True when another copy of this request (a retransmission) is being processed right now and has no transaction " +
      "yet; otherwise marks this one as in progress until its request_route ends. Use it before t_check_trans() to " +
      "drop retransmissions that arrive while the first copy is still being routed.",
    returns: "1 (true) another copy is in progress; -1 (false) otherwise.",
    run: (ctx) => (ctx.service(Precheck).check(ctx) ? 1 : -1),
  }),
];
