import type { CallContext } from "../../core/module/call-context.ts";
import { buildCancel } from "./requests.ts";
import { CANCEL_DONE, CANCELING, REASON_CANCELED, REASON_TERMINATED, type TmCore } from "./tm-core.ts";
import type { Branch, Transaction } from "./transaction.ts";

/**
 * Cancel one branch of an INVITE: one that had a provisional gets a CANCEL; one with no reply yet
 * stops retransmitting and ends with a faked 487 (a CANCEL follows if a provisional comes late);
 * the blind branch of a suspended transaction ends with a faked 487.
 */
export const cancelOneBranch = (tm: TmCore, t: Transaction, b: Branch): boolean => {
  if (b.lastReceived >= 200) return false;
  if (!t.isInvite && !b.blind) return false;
  if (b.blind) {
    tm.stopBranchTimers(b);
    b.lastReceived = 487;
    b.fakedReason = REASON_CANCELED;
    tm.unsuspend(t);
    return false;
  }
  if (b.provisional) {
    tm.sendCancel(t, b);
    return true;
  }
  // No reply yet: the branch ends now with a faked 487 (a CANCEL follows if a provisional comes
  // late); it counts as canceled, so the CANCEL gets "canceling" as in Kamailio.
  b.cancel = "wanted";
  tm.stopBranchTimers(b);
  b.lastReceived = 487;
  b.fakedReason = REASON_TERMINATED;
  return true;
};

export const sendBranchCancel = (tm: TmCore, t: Transaction, b: Branch, waitForFinal = true): void => {
  if (b.cancel === "sent" || b.bytes === undefined || b.target === undefined) return;
  const bytes = buildCancel(b.bytes);
  if (bytes === undefined) return;
  b.cancel = "sent";
  b.cancelBytes = bytes;
  tm.timers.cancel(b.retr);
  b.retr = undefined;
  tm.deps.sender.send(b.target, bytes);
  tm.stats.cancelsSent++;
  if (b.target.proto === "udp") {
    let interval = tm.params.retr_timer1;
    const started = performance.now();
    const resend = (): void => {
      if (t.phase === "gone" || b.cancelBytes === undefined || b.target === undefined) return;
      if (performance.now() - started >= tm.params.fr_timer) return;
      tm.deps.sender.send(b.target, b.cancelBytes);
      interval = Math.min(interval * 2, tm.params.retr_timer2);
      b.cancelRetr = tm.timers.after(interval, resend);
    };
    b.cancelRetr = tm.timers.after(interval, resend);
  }
  // The INVITE branch now waits for its 487 at most fr_timer.
  if (waitForFinal && b.lastReceived < 200) tm.armFr(t, b, tm.params.fr_timer);
};

/**
 * A CANCEL handed to tm (t_relay): the INVITE transaction it cancels is marked canceled and its
 * branches canceled; the CANCEL gets its own transaction and a 200. Returns 1, 0 for a
 * retransmitted CANCEL, or undefined when no INVITE transaction matches (the caller relays the
 * CANCEL like any other request).
 */
export const cancelInviteTransaction = (tm: TmCore, ctx: CallContext): number | undefined => {
  const inv = tm.findInvite(ctx.msg);
  if (inv === undefined) return undefined;
  const l = tm.lookup(ctx.msg);
  if (l.kind === "retransmission") return 0;
  const tc = tm.current(ctx) ?? tm.create(ctx);
  if (inv.uasStatus >= 200) {
    tm.localReply(tc, 200, CANCEL_DONE);
    return 1;
  }
  inv.canceled = true;
  let sent = 0;
  for (const b of inv.branches) if (tm.cancelBranch(inv, b)) sent++;
  tm.branchDone(inv);
  tm.localReply(tc, 200, sent > 0 ? CANCELING : CANCEL_DONE);
  return 1;
};
