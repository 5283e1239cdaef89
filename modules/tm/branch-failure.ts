import type { CallContext } from "../../core/module/call-context.ts";
import type { RouteOutcome, SipSender } from "../../core/module/core-services.ts";
import type { FunctionResult } from "../../core/module/define-module.ts";
import { errText, FAILED_BRANCH_SLOT, T_BRANCH_SLOT, type TmCore } from "./tm-core.ts";
import type { Branch, Transaction } from "./transaction.ts";

/**
 * A branch failed (a negative reply or a timeout): event_route[tm:branch-failure:NAME] armed with
 * t_on_branch_failure runs for it (on a copy of the request, $T_reply_code the branch's code); it
 * may start new branches (t_relay, t_reuse_branch). Then the transaction goes on as for any
 * finished branch.
 */
export const runBranchFailure = (tm: TmCore, t: Transaction, b: Branch): void => {
  const name = t.onBranchFailure;
  const block = `event_route[tm:branch-failure:${name ?? ""}]`;
  if (name === undefined || t.uasStatus >= 200 || t.phase !== "active" || !tm.deps.routes.has(block)) return tm.branchDone(t);
  const picked = t.picked;
  t.picked = b.n;
  t.inRoute = true;
  const after = (): void => {
    t.inRoute = false;
    if (t.picked === b.n) t.picked = picked;
    tm.branchDone(t);
  };
  let o: RouteOutcome | Promise<RouteOutcome>;
  try {
    o = tm.deps.routes.run(block, tm.requestCopy(t), t.rcv, {
      route: "branch_failure",
      prepare: (c) => {
        tm.bind(c, t);
        c.set(T_BRANCH_SLOT, b.n);
        c.set(FAILED_BRANCH_SLOT, b);
      },
      finish: (c) => {
        t.flags = c.flags;
      },
    });
  } catch (e) {
    tm.deps.log("Error", `${block}: ${errText(e)}`);
    return after();
  }
  if (o instanceof Promise) void o.then(after, after);
  else after();
};

/**
 * t_reuse_branch: in event_route[tm:branch-failure:NAME], send a new branch to the failed branch's
 * R-URI and destination ($du). -1 anywhere else.
 */
export const reuseFailedBranch = (tm: TmCore, ctx: CallContext): FunctionResult<SipSender> => {
  const b = ctx.get(FAILED_BRANCH_SLOT);
  if (ctx.route !== "branch_failure" || b === undefined || !ctx.msg.isRequest) return -1;
  try {
    if (ctx.msg.currentRuri() !== b.uri) ctx.msg.setRuri(b.uri);
  } catch {
    return -1;
  }
  ctx.du = b.dst === "" ? undefined : b.dst;
  return tm.relay(ctx, undefined);
};
