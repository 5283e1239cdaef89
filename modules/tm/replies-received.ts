import type { SipMessage } from "../../core/sip/message.ts";
import type { ReceiveInfo } from "../../core/transport/receive-info.ts";
import { ownerOfLabel, parseTmBranch } from "./identity.ts";
import { buildAck } from "./requests.ts";
import type { TmCore } from "./tm-core.ts";
import type { Branch, Transaction } from "./transaction.ts";

/** A reply received by this process: true when it belongs to one of our transactions. */
export const replyReceived = (tm: TmCore, reply: SipMessage, _rcv: ReceiveInfo): boolean => {
  let id;
  try {
    id = parseTmBranch(reply.via().branch);
  } catch {
    return false;
  }
  if (id === undefined) return false;
  tm.stats.repliesReceived++;
  const owner = ownerOfLabel(id.label);
  if (owner !== tm.deps.procId) {
    tm.deps.log("Warning", `reply ${reply.status} for transaction ${id.index}:${id.label} of process ${owner} received by process ${tm.deps.procId}: dropped`);
    return true;
  }
  const t = tm.byIdent(id.index, id.label);
  if (t === undefined) return false; // late: forwarded statelessly (a 2xx retransmission)
  let method: string;
  try {
    method = reply.cseq().method;
  } catch {
    return true;
  }
  const b = t.branches[id.branch];
  if (b === undefined || b.blind) return true;
  if (method === "CANCEL" && t.method !== "CANCEL") {
    // The answer to our CANCEL: it ends the CANCEL's retransmissions; the INVITE's 487 follows.
    tm.timers.cancel(b.cancelRetr);
    b.cancelBytes = undefined;
    return true;
  }
  if (method !== t.method) return true;
  tm.branchReply(t, b, reply);
  return true;
};

export const branchReplyReceived = (tm: TmCore, t: Transaction, b: Branch, reply: SipMessage): void => {
  const code = reply.status;
  if (b.lastReceived >= 200 && b.fakedReason === undefined) {
    // A retransmitted final reply.
    if (t.isInvite && code >= 300 && b.ackBytes !== undefined && b.target !== undefined) tm.deps.sender.send(b.target, b.ackBytes);
    else if (t.isInvite && code < 300 && code >= 200) tm.relayUpstream(t, reply);
    return;
  }
  if (b.lastReceived >= 200 && b.fakedReason !== undefined) {
    // The branch was given up (timeout, canceled before any reply): a late reply is answered
    // as RFC 3261 wants, but changes nothing upstream except a 2xx to an INVITE.
    if (code < 200) {
      if (t.isInvite && b.cancel === "wanted") tm.sendCancel(t, b, false);
      return;
    }
    if (t.isInvite && code >= 300) {
      const ack = b.bytes !== undefined ? buildAck(b.bytes, reply) : undefined;
      if (ack !== undefined && b.target !== undefined) tm.deps.sender.send(b.target, ack);
      return;
    }
    if (t.isInvite && code < 300) tm.relayUpstream(t, reply);
    return;
  }
  if (code < 200) {
    if (!b.provisional) {
      b.provisional = true;
      if (t.isInvite) {
        tm.timers.cancel(b.retr);
        b.retr = undefined;
        tm.armFr(t, b, tm.frOf(t, true));
      } else if (b.retr !== undefined) {
        tm.timers.cancel(b.retr);
        b.retrInterval = tm.params.retr_timer2;
        b.retr = tm.timers.after(b.retrInterval, () => tm.retransmitBranch(t, b));
      }
    }
    if (b.cancel === "wanted") tm.sendCancel(t, b);
  } else {
    tm.stopBranchTimers(b);
  }
  const finish = (dropped: boolean): void => tm.afterReplyRoute(t, b, reply, dropped);
  if (t.onReply !== undefined && tm.deps.routes.has(`onreply_route[${t.onReply}]`)) {
    const o = tm.runRoute(t, `onreply_route[${t.onReply}]`, "onreply", reply, t.rcv, b.n);
    if (o instanceof Promise) void o.then((r) => finish(r.dropped), () => finish(false));
    else finish(o.dropped);
    return;
  }
  finish(false);
};

export const afterBranchReplyRoute = (tm: TmCore, t: Transaction, b: Branch, reply: SipMessage, dropped: boolean): void => {
  if (t.phase === "gone") return;
  const code = reply.status;
  if (code < 200) {
    if (b.lastReceived < code) b.lastReceived = code;
    // `drop` in an onreply_route discards a provisional reply; 100 is never relayed (hop by hop).
    if (!dropped && code > 100 && t.uasStatus < 200) tm.relayUpstream(t, reply);
    return;
  }
  b.lastReceived = code;
  b.reply = reply;
  if (code < 300) {
    if (t.uasStatus < 200 || (t.isInvite && t.uasStatus < 300)) tm.relayUpstream(t, reply);
    tm.maybeWait(t);
    return;
  }
  if (t.isInvite && b.bytes !== undefined && b.target !== undefined) {
    b.ackBytes = buildAck(b.bytes, reply);
    if (b.ackBytes !== undefined) tm.deps.sender.send(b.target, b.ackBytes);
  }
  if (t.isInvite && code >= 600 && t.uasStatus < 200) {
    for (const o of t.branches) if (o !== b && o.lastReceived < 200) tm.cancelBranch(t, o);
  }
  tm.branchFailed(t, b);
};
