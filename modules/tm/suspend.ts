import type { CallContext } from "../../core/module/call-context.ts";
import type { RouteOutcome } from "../../core/module/core-services.ts";
import type { SipMessage } from "../../core/sip/message.ts";
import { errText, REASON_TM_ERROR, type TmCore } from "./tm-core.ts";
import { newBranch, type Transaction } from "./transaction.ts";
import type { AvpStore, XavpStore } from "../../core/module/script-stores.ts";

/** Absorb a retransmission of a suspended request before the script sees it. */
export const absorbSuspendedRetransmission = (tm: TmCore, msg: SipMessage): boolean => {
  if (tm.suspendedCount <= 0 || msg.method === "ACK" || msg.method === "CANCEL") return false;
  let t: Transaction | undefined;
  try {
    t = tm.find(msg);
  } catch {
    return false;
  }
  if (t === undefined || !t.suspended) return false;
  tm.retransmitReply(t);
  return true;
};

/**
 * Suspend the transaction of `ctx` (creating it if needed), as Kamailio's t_suspend: the
 * automatic 100 for an INVITE, a blind branch whose final-response timer (fr_timer) limits the
 * suspension, flags and the request kept. Returns the identity; 1 when the transaction was
 * already canceled (nothing suspended); -3 when its final reply went out; -1 on error.
 */
export const suspendTransaction = (tm: TmCore, ctx: CallContext): { readonly index: number; readonly label: number } | 1 | -1 | -3 => {
  let t = tm.current(ctx);
  if (t === undefined) {
    if (!ctx.msg.isRequest || ctx.msg.method === "ACK") return -1;
    const r = tm.newtran(ctx);
    t = tm.current(ctx);
    if (r < 0 || t === undefined) return -1;
  }
  if (t.canceled) return 1;
  if (t.uasStatus >= 200) return -3;
  if (t.snapshot === undefined) {
    try {
      t.snapshot = ctx.msg.serialize();
    } catch {
      t.snapshot = undefined;
    }
  }
  return suspendCell(tm, t, ctx.flags, ctx.msg.currentRuri());
};

/** What a route running for another thread's transaction hands over when it suspends it. */
export interface RemoteSuspendState {
  readonly flags: number;
  readonly avps: AvpStore;
  readonly xavps: XavpStore;
}

/**
 * Suspend a transaction of this thread by its identity, for a route that runs in another thread
 * and acts on it there (a resumed route that suspends again): the message flags, AVPs and XAVPs
 * that route had become the transaction's. Returns as suspendTransaction.
 */
export const suspendByIdent = (
  tm: TmCore,
  index: number,
  label: number,
  state: RemoteSuspendState,
): { readonly index: number; readonly label: number } | 1 | -1 | -3 => {
  const t = tm.byIdent(index, label);
  if (t === undefined || t.phase !== "active") return -1;
  if (t.canceled) return 1;
  if (t.uasStatus >= 200) return -3;
  t.avps = state.avps;
  t.xavps = state.xavps;
  return suspendCell(tm, t, state.flags, t.ruriAtCreate);
};

/** The automatic 100 for an INVITE, the flags kept, and the blind branch whose timer limits the suspension. */
const suspendCell = (tm: TmCore, t: Transaction, flags: number, ruri: string): { readonly index: number; readonly label: number } => {
  if (t.isInvite && tm.params.auto_inv_100 === 1 && t.uasStatus === 0) tm.localReply(t, 100, tm.params.auto_inv_100_reason);
  t.flags = flags;
  // the blind branch: nothing is sent; its timer limits the suspension
  const b = newBranch(t.branches.length, ruri, "", undefined, "", undefined, 0);
  t.branches.push(b);
  tm.armFr(t, b, tm.frOf(t, false));
  if (!t.suspended) {
    t.suspended = true;
    tm.suspendedCount++;
  }
  tm.stats.suspended++;
  return { index: t.index, label: t.label };
};

/**
 * Resume a suspended transaction (Kamailio's t_continue): `run` executes what continues it (a
 * route, the rest of a block) on a copy of the request, as a failure route with the
 * transaction's AVPs and flags. Afterwards a transaction with no final reply and no pending
 * branch gets `500 I'm terribly sorry, server error occurred (1/TM)`.
 * Returns 0 when it ran; 1 when the transaction was canceled or its suspension already ended
 * (timed out); -1 when no active transaction has this identity; -2 when it is not suspended.
 */
export const resumeTransaction = (tm: TmCore, index: number, label: number, run: (t: Transaction, req: SipMessage) => RouteOutcome | Promise<RouteOutcome>): 0 | 1 | -1 | -2 | Promise<0 | 1 | -1 | -2> => {
  const t = tm.byIdent(index, label);
  if (t === undefined || t.phase !== "active") {
    tm.deps.log("Warning", `t_continue: active transaction ${index}:${label} not found`);
    return -1;
  }
  const b = t.blindBranch;
  if (!t.suspended) {
    if (t.canceled || (b !== undefined && b.lastReceived !== 0)) return 1;
    return -2;
  }
  if (t.canceled) {
    tm.unsuspend(t);
    return 1;
  }
  if (b === undefined || b.lastReceived !== 0) {
    tm.unsuspend(t);
    return 1;
  }
  tm.stopBranchTimers(b);
  b.lastReceived = 500;
  b.fakedReason = REASON_TM_ERROR;
  tm.unsuspend(t);
  t.firstBranch = t.branches.length;
  t.inRoute = true;
  t.resumedRuns++;
  tm.stats.resumed++;
  const after = (): 0 => {
    if (--t.resumedRuns > 0) return 0; // a later resumption of the same transaction is still running
    t.inRoute = false;
    if (t.phase !== "active") return 0;
    if (t.uasStatus < 200 && !t.hasPendingBranch()) {
      if (!t.suspended) tm.localReply(t, 500, REASON_TM_ERROR);
    } else if (t.uasStatus >= 200) tm.maybeWait(t);
    return 0;
  };
  let o: RouteOutcome | Promise<RouteOutcome>;
  try {
    o = run(t, tm.requestCopy(t));
  } catch (e) {
    tm.deps.log("Error", `t_continue: ${errText(e)}`);
    return after();
  }
  return o instanceof Promise ? o.then(after, after) : after();
};

/**
 * Resume a suspended transaction with route[name] of the config (tmx's t_continue, async_route).
 * Returns as `resume`; -1 also when the config has no such route.
 */
export const continueWithRoute = (tm: TmCore, index: number, label: number, name: string): 0 | 1 | -1 | -2 | Promise<0 | 1 | -1 | -2> => {
  const block = `route[${name}]`;
  if (name === "" || !tm.deps.routes.has(block)) return -1;
  return tm.resume(index, label, (t, req) => tm.runRoute(t, block, "failure", req, t.rcv));
};

/**
 * End a suspension without resuming (Kamailio's t_cancel_suspend): the blind branch stops and
 * counts as answered. 1 done, -1 no such suspended transaction.
 */
export const cancelSuspension = (tm: TmCore, index: number, label: number): number => {
  const t = tm.byIdent(index, label);
  const b = t?.blindBranch;
  if (t === undefined || b === undefined || !t.suspended) return -1;
  tm.stopBranchTimers(b);
  b.lastReceived = 500;
  b.fakedReason = REASON_TM_ERROR;
  tm.unsuspend(t);
  return 1;
};
