import { isIP } from "node:net";
import type { CallContext } from "../../core/module/call-context.ts";
import type { ProcessCallsApi, RouteOutcome, RouteRunnerApi, SendTarget, SipSender, SipSenderApi } from "../../core/module/core-services.ts";
import type { ContinueAt } from "../../core/module/continuation.ts";
import type { Effect } from "effect";
import { remoteOf, remoteReply, resumeIn, T_REMOTE_SLOT, type RemoteTransaction } from "./remote.ts";
import type { FunctionResult } from "../../core/module/define-module.ts";
import { Slot } from "../../core/module/slot.ts";
import { Forwarding } from "../../core/script/builtins/forwarding.ts";
import { hopOfUri, viaHost, type NextHop } from "../../core/script/builtins/forward-target.ts";
import { isParseFailure, SipMessage } from "../../core/sip/message.ts";
import { buildReply } from "../../core/sip/reply.ts";
import { formatVia } from "../../core/sip/via.ts";
import { unbracket } from "../../core/transport/ip-address.ts";
import type { Proto, ReceiveInfo } from "../../core/transport/receive-info.ts";
import { hashIndex, LabelSource, tmBranch } from "./identity.ts";
import type { TmParams } from "./params.ts";
import { pickBranch } from "./pick-branch.ts";
import { withViaOnTop } from "./requests.ts";
import { relayRequest } from "./relay.ts";
import { absorbSuspendedRetransmission, suspendTransaction, suspendByIdent, type RemoteSuspendState, resumeTransaction, continueWithRoute, cancelSuspension } from "./suspend.ts";
import { runBranchFailure, reuseFailedBranch } from "./branch-failure.ts";
import { cancelOneBranch, sendBranchCancel, cancelInviteTransaction } from "./cancel.ts";
import { replyReceived, branchReplyReceived, afterBranchReplyRoute } from "./replies-received.ts";
import { TmStats } from "./stats.ts";
import { OwnerTable } from "./owner-table.ts";
import { TimerQueue, type TimerEntry } from "../../core/module/timer-queue.ts";
import { localToTag } from "./to-tag.ts";
import { newBranch, Transaction, type Branch } from "./transaction.ts";

/** The transaction of the message a route is processing (set by t_newtran, t_relay, t_check_trans, tm's own routes). */
export const T_SLOT = new Slot<Transaction>("tm.transaction");
/** The branch a branch_route or onreply_route runs for ($T_branch_idx). */
export const T_BRANCH_SLOT = new Slot<number>("tm.branch");
/** The failed branch an event_route[tm:branch-failure:NAME] runs for (t_reuse_branch). */
export const FAILED_BRANCH_SLOT = new Slot<Branch>("tm.failed-branch");

/** t_on_* routes and t_set_fr values set before the transaction exists; it takes them when created. */
export interface PendingSettings {
  onFailure?: string | undefined;
  onReply?: string | undefined;
  onBranch?: string | undefined;
  onBranchFailure?: string | undefined;
  frInv?: number | undefined;
  frNonInv?: number | undefined;
}
const PENDING_SLOT = new Slot<PendingSettings>("tm.pending");

const REASON_TIMEOUT = "Request Timeout";
export const REASON_CANCELED = "Request canceled";
/** The faked 487 of a relayed branch canceled before it had any reply (RFC 3261's reason). */
export const REASON_TERMINATED = "Request Terminated";
export const REASON_TM_ERROR = "I'm terribly sorry, server error occurred (1/TM)";
export const CANCEL_DONE = "ok -- no more pending branches";
export const CANCELING = "canceling";

export type TmLog = (level: "Debug" | "Info" | "Warning" | "Error", text: string) => void;

export interface TmDeps {
  readonly params: TmParams;
  readonly sender: SipSenderApi;
  readonly routes: RouteRunnerApi;
  /** ProcessInfo.id of this process (the owner of the transactions it creates). */
  readonly procId: number;
  readonly log: TmLog;
  /** Requests to other threads (operations on their transactions). */
  readonly calls: ProcessCallsApi;
}

/** A request tm looked up: its transaction, or what became of it. */
export type Lookup =
  | { readonly kind: "new" }
  | { readonly kind: "retransmission"; readonly t: Transaction }
  | { readonly kind: "ack-absorbed"; readonly t: Transaction };

const RFC3261_COOKIE = "z9hG4bK";

/**
 * The transactions of one process: creation and matching (RFC 3261 §17.2.3, RFC 2543 fallback),
 * replies made here and relayed, the client branches with their retransmission and final-response
 * timers (RFC 3261 §17.1), failure and reply routes, CANCEL, and suspend/continue. Everything runs
 * on this process's event loop: no locks; timers live in one sorted queue.
 *
 * The work is spread over tm's files: this one holds the table, creation, replies sent upstream,
 * branches and their timers, and the failure decision; replies-received.ts, cancel.ts,
 * branch-failure.ts, suspend.ts and relay.ts hold the rest as functions of a TmCore. Members that
 * only those files use are not part of the Tm API (api.ts lists what other modules may call).
 */
export class TmCore {
  readonly timers = new TimerQueue();
  readonly stats = new TmStats();
  private readonly byKey = new Map<string, Transaction>();
  private readonly byLabel = new Map<number, Transaction>();
  /** INVITE transactions by Call-ID and CSeq number, for end-to-end ACKs of a relayed 2xx. */
  private readonly byDialog = new Map<string, Transaction>();
  private readonly labels: LabelSource;
  private sweep: TimerEntry | undefined;
  /** Suspended transactions now (retransmissions are looked up only while some are). */
  suspendedCount = 0;
  /** The shared owner table, when other threads route too (threads.ts). */
  owners: OwnerTable | undefined;

  constructor(readonly deps: TmDeps) {
    this.labels = new LabelSource(deps.procId);
  }

  get params(): TmParams {
    return this.deps.params;
  }

  /** Every live transaction (RPC tm.list, stats). */
  transactions(): IterableIterator<Transaction> {
    return this.byLabel.values();
  }

  get count(): number {
    return this.byLabel.size;
  }

  stop(): void {
    this.timers.stop();
    this.byKey.clear();
    this.byLabel.clear();
    this.byDialog.clear();
  }

  // ---------------------------------------------------------------- matching

  /** The server-transaction key of a request; ACK and CANCEL can ask for their INVITE's. */
  keyOf(msg: SipMessage, method = msg.method === "ACK" ? "INVITE" : msg.method): string {
    const v = msg.via();
    if (v.branch !== undefined && v.branch.startsWith(RFC3261_COOKIE)) return `${method}|${v.branch}|${v.host}|${v.port ?? ""}`;
    return `${method}|2543|${msg.ruri}|${msg.from().tag ?? ""}|${msg.callId()}|${msg.cseq().seq}|${v.raw}`;
  }

  /** The transaction of (index, label) while it is alive in this process. */
  byIdent(index: number, label: number): Transaction | undefined {
    const t = this.byLabel.get(label);
    return t !== undefined && t.index === index && t.phase !== "gone" ? t : undefined;
  }

  /** The live transaction a request belongs to (ACK: its INVITE's), if any. */
  find(msg: SipMessage): Transaction | undefined {
    const t = this.byKey.get(this.keyOf(msg));
    return t !== undefined && t.phase !== "gone" ? t : undefined;
  }

  /** The INVITE transaction a CANCEL cancels. */
  findInvite(cancel: SipMessage): Transaction | undefined {
    const t = this.byKey.get(this.keyOf(cancel, "INVITE"));
    return t !== undefined && t.phase !== "gone" ? t : undefined;
  }

  /** An INVITE transaction of this Call-ID and CSeq that sent a 2xx upstream (end-to-end ACK). */
  findAcked2xx(ack: SipMessage): Transaction | undefined {
    const t = this.byDialog.get(`${ack.callId()}|${ack.cseq().seq}`);
    return t !== undefined && t.phase !== "gone" && t.uasStatus >= 200 && t.uasStatus < 300 ? t : undefined;
  }

  // ---------------------------------------------------------------- creation

  /** The transaction bound to the route running for `ctx`. */
  current(ctx: CallContext): Transaction | undefined {
    const t = ctx.get(T_SLOT);
    return t !== undefined && t.phase !== "gone" ? t : undefined;
  }

  /**
   * Look the request up as t_newtran/t_relay do: a retransmission gets the last reply again; an ACK
   * for a negative final reply ends the INVITE transaction. "new" means no transaction matched.
   */
  lookup(msg: SipMessage): Lookup {
    const t = this.find(msg);
    if (t === undefined) return { kind: "new" };
    if (msg.method === "ACK") {
      if (t.uasStatus >= 300) {
        this.absorbAck(t);
        return { kind: "ack-absorbed", t };
      }
      return { kind: "new" };
    }
    this.retransmitReply(t);
    return { kind: "retransmission", t };
  }

  /** Create the transaction of the request in `ctx` (which must not have one) and bind it. */
  create(ctx: CallContext): Transaction {
    const msg = ctx.msg;
    const key = this.keyOf(msg);
    const t = new Transaction(hashIndex(msg.callId(), String(msg.cseq().seq)), this.labels.next(), msg, ctx.rcv, key, ctx.avps, ctx.xavps);
    t.flags = ctx.flags;
    t.duAtCreate = ctx.du;
    const p = ctx.get(PENDING_SLOT);
    if (p !== undefined) {
      t.onFailure = p.onFailure;
      t.onReply = p.onReply;
      t.onBranch = p.onBranch;
      t.onBranchFailure = p.onBranchFailure;
      t.frInv = p.frInv;
      t.frNonInv = p.frNonInv;
      ctx.delete(PENDING_SLOT);
    }
    this.byKey.set(key, t);
    this.byLabel.set(t.label, t);
    if (this.owners !== undefined) {
      try {
        t.ownerKey = OwnerTable.keyOf(msg);
        this.owners.set(t.ownerKey, this.deps.procId);
      } catch {
        // a request tm could key could not be hashed: it stays reachable by Call-ID affinity only
      }
    }
    if (t.isInvite) this.byDialog.set(`${t.callId}|${t.cseqNumber}`, t);
    this.armLifetimeSweep();
    ctx.set(T_SLOT, t);
    this.stats.created(t.isInvite);
    return t;
  }

  /** The t_on_* / t_set_fr values kept for a request without a transaction, if any. */
  pendingOf(ctx: CallContext): PendingSettings | undefined {
    return ctx.get(PENDING_SLOT);
  }

  /**
   * t_reply / send_reply for the request of `ctx`: its transaction here, or its owner's through a
   * remote handle (the answer then comes as an Effect); undefined when it has neither.
   */
  replyCurrent(ctx: CallContext, code: number, reason: string): number | Effect.Effect<number> | undefined {
    const t = this.current(ctx);
    if (t !== undefined) return this.localReply(t, code, reason) ? 1 : -1;
    const r = ctx.get(T_REMOTE_SLOT);
    return r === undefined ? undefined : remoteReply(this.deps.calls, r, code, reason);
  }

  /** Resume suspended transaction (index, label) of this thread by running `at` in thread `to` (remote.ts). */
  resumeIn(index: number, label: number, at: ContinueAt, to: number, timeoutMs: number): 0 | 1 | -1 | -2 | Promise<0 | 1 | -1 | -2> {
    return resumeIn(this, this.deps.calls, this.deps.routes, index, label, at, to, timeoutMs);
  }

  /** Where t_on_* and t_set_fr keep their values until the request has a transaction. */
  pendingFor(ctx: CallContext): PendingSettings {
    let p = ctx.get(PENDING_SLOT);
    if (p === undefined) {
      p = {};
      ctx.set(PENDING_SLOT, p);
    }
    return p;
  }

  /** t_relay (see relay.ts): relay the request of `ctx` statefully to `explicit`, $du or the R-URI. */
  relay(ctx: CallContext, explicit?: NextHop): FunctionResult<SipSender> {
    return relayRequest(this, ctx, explicit);
  }

  /** t_release: the transaction only absorbs retransmissions from now on (wt_timer). */
  release(ctx: CallContext): boolean {
    const t = this.current(ctx);
    if (t === undefined) return false;
    this.toWait(t);
    return true;
  }

  /** t_newtran: 1 new transaction (or the one already bound), 0 retransmission or absorbed ACK, -1 error. */
  newtran(ctx: CallContext): number {
    if (!ctx.msg.isRequest) return -1;
    if (this.current(ctx) !== undefined) return 1;
    let l: Lookup;
    try {
      l = this.lookup(ctx.msg);
    } catch (e) {
      this.deps.log("Warning", `t_newtran: cannot read the request: ${errText(e)}`);
      return -1;
    }
    if (l.kind !== "new") {
      ctx.set(T_SLOT, l.t);
      return 0;
    }
    if (ctx.msg.method === "ACK") return -1;
    try {
      this.create(ctx);
    } catch (e) {
      this.deps.log("Warning", `t_newtran: cannot create the transaction: ${errText(e)}`);
      return -1;
    }
    return 1;
  }

  // ---------------------------------------------------------------- replies sent upstream

  /**
   * Send a reply made here for transaction `t` (t_reply, send_reply, timeouts, the automatic 100).
   * Returns false when it cannot be sent: a final reply already went out (a second 2xx to an
   * INVITE excepted), an invalid code, a send error.
   */
  localReply(t: Transaction, code: number, reason: string): boolean {
    if (t.phase === "gone") return false;
    if (!Number.isInteger(code) || code < 100 || code > 699) return false;
    if (t.uasStatus >= 200 && !(t.isInvite && t.uasStatus < 300 && code >= 200 && code < 300)) {
      this.deps.log("Warning", `t_reply: transaction ${t.id} already has the final reply ${t.uasStatus}; ${code} not sent`);
      return false;
    }
    if (code < 200 && t.uasStatus >= 200) return false;
    if (code > 100) t.toTag ??= localToTag(t.req);
    let bytes: Buffer;
    try {
      bytes = buildReply(t.req, code, reason, code > 100 && t.toTag !== undefined ? { toTag: t.toTag } : undefined);
    } catch (e) {
      this.deps.log("Warning", `t_reply: cannot build ${code}: ${errText(e)}`);
      return false;
    }
    if (!this.deps.sender.reply(t.req, t.rcv, bytes)) return false;
    this.stats.replySent(code, true);
    this.replied(t, code, reason, bytes, true);
    return true;
  }

  /** Relay a reply received on a branch upstream (our Via removed). */
  relayUpstream(t: Transaction, reply: SipMessage): boolean {
    let bytes: Buffer;
    reply.removeTopVia();
    try {
      bytes = reply.serialize();
    } catch (e) {
      this.deps.log("Warning", `cannot relay a ${reply.status} reply: ${errText(e)}`);
      return false;
    } finally {
      const ed = reply.edits;
      if (ed !== undefined) ed.topViaRemoved = false;
    }
    if (!this.deps.sender.reply(t.req, t.rcv, bytes)) return false;
    this.stats.replySent(reply.status, false);
    if (t.uasStatus < 200 || reply.status >= 200) this.replied(t, reply.status, reply.reason, bytes, false);
    return true;
  }

  /** Bookkeeping after a reply went upstream. */
  replied(t: Transaction, code: number, reason: string, bytes: Buffer, local: boolean): void {
    const wasFinal = t.uasStatus >= 200;
    t.uasStatus = code;
    t.uasReason = reason;
    t.uasReply = bytes;
    if (code < 200 || wasFinal) return;
    t.uasLocal = local;
    // A final reply: the branches still pending are canceled (RFC 3261 §16.7 step 10).
    for (const b of t.branches) if (b.lastReceived < 200) this.cancelBranch(t, b);
    if (t.isInvite && code >= 300) {
      // Timer G (UDP only): the negative reply is resent until the ACK comes; timer H (64*T1)
      // ends the wait for the ACK on any transport.
      if (t.rcv.proto === "udp") {
        t.uasRetrInterval = this.params.retr_timer1;
        t.uasRetr = this.timers.after(t.uasRetrInterval, () => this.resendFinal(t));
      }
      t.ackWait = this.timers.after(64 * this.params.retr_timer1, () => {
        t.ackWait = undefined;
        this.timers.cancel(t.uasRetr);
        t.uasRetr = undefined;
        if (t.phase === "active" && !t.acked) this.toWait(t);
      });
      return;
    }
    this.maybeWait(t);
  }

  resendFinal(t: Transaction): void {
    if (t.phase === "gone" || t.acked || t.uasReply === undefined) return;
    this.deps.sender.reply(t.req, t.rcv, t.uasReply);
    t.uasRetrInterval = Math.min(t.uasRetrInterval * 2, this.params.retr_timer2);
    t.uasRetr = this.timers.after(t.uasRetrInterval, () => this.resendFinal(t));
  }

  /** A retransmitted request: send the last reply again (nothing if none was sent yet). */
  retransmitReply(t: Transaction): void {
    this.stats.retransmissions++;
    if (t.uasReply !== undefined) this.deps.sender.reply(t.req, t.rcv, t.uasReply);
  }

  /** The ACK of a negative final reply: stop resending it; the transaction ends after the wait time. */
  absorbAck(t: Transaction): void {
    if (t.acked) return;
    t.acked = true;
    this.timers.cancel(t.uasRetr);
    this.timers.cancel(t.ackWait);
    t.uasRetr = undefined;
    t.ackWait = undefined;
    this.maybeWait(t);
  }

  /** Move to the wait state once the final reply went upstream and no branch is pending. */
  maybeWait(t: Transaction): void {
    if (t.phase !== "active" || t.uasStatus < 200 || t.inRoute) return;
    if (t.hasPendingBranch()) return;
    if (t.isInvite && t.uasStatus >= 300 && !t.acked) return; // waits for the ACK (timer H)
    this.toWait(t);
  }

  toWait(t: Transaction): void {
    if (t.phase !== "active") return;
    t.phase = "wait";
    this.unsuspend(t);
    this.timers.cancel(t.uasRetr);
    this.timers.cancel(t.ackWait);
    // While waiting, a transaction only answers retransmissions (its last reply, the ACK of a
    // branch's negative reply, a CANCEL for a late provisional): what else it held can go.
    t.snapshot = undefined;
    for (const b of t.branches) {
      this.stopBranchTimers(b);
      b.reply = undefined;
      if (b.fakedReason === undefined) b.bytes = undefined; // a given-up branch may still get a late reply to ACK or CANCEL
    }
    t.wait = this.timers.after(this.params.wt_timer, () => this.remove(t));
  }

  remove(t: Transaction): void {
    if (t.phase === "gone") return;
    t.phase = "gone";
    this.unsuspend(t);
    this.timers.cancel(t.wait);
    this.timers.cancel(t.uasRetr);
    this.timers.cancel(t.ackWait);
    for (const b of t.branches) {
      this.stopBranchTimers(b);
      this.timers.cancel(b.cancelRetr);
    }
    if (this.byKey.get(t.key) === t) this.byKey.delete(t.key);
    if (this.byLabel.get(t.label) === t) this.byLabel.delete(t.label);
    if (t.ownerKey !== undefined) this.owners?.clear(t.ownerKey, this.deps.procId);
    const dk = `${t.callId}|${t.cseqNumber}`;
    if (this.byDialog.get(dk) === t) this.byDialog.delete(dk);
    this.stats.freed();
  }

  unsuspend(t: Transaction): void {
    if (!t.suspended) return;
    t.suspended = false;
    this.suspendedCount--;
  }

  /**
   * max_inv_lifetime / max_noninv_lifetime: branch timers are already capped by them (frOf); a
   * sweep once a second ends what nothing else would (a route that never finished), instead of
   * one more timer per transaction.
   */
  private armLifetimeSweep(): void {
    if (this.sweep !== undefined) return;
    this.sweep = this.timers.after(1000, () => {
      this.sweep = undefined;
      const now = performance.now();
      for (const t of this.byLabel.values()) {
        if (t.phase !== "active") continue;
        const life = t.isInvite ? this.params.max_inv_lifetime : this.params.max_noninv_lifetime;
        if (life > 0 && now - t.created >= life) this.lifetimeExpired(t);
      }
      if (this.byLabel.size > 0) this.armLifetimeSweep();
    });
  }

  /** The transaction outlived max_inv_lifetime/max_noninv_lifetime: every pending branch times out now. */
  lifetimeExpired(t: Transaction): void {
    if (t.phase !== "active") return;
    this.deps.log("Info", `transaction ${t.id} (${t.method} ${t.callId}) reached its maximum lifetime`);
    let pending = false;
    for (const b of t.branches) {
      if (b.lastReceived < 200) {
        pending = true;
        this.branchTimeout(t, b);
      }
    }
    if (!pending && t.uasStatus < 200) {
      this.localReply(t, 408, REASON_TIMEOUT);
    }
    if (t.phase === "active" && t.uasStatus >= 200) this.toWait(t);
  }

  // ---------------------------------------------------------------- branches

  /** Where a request goes: explicit host/port, else $du, else the R-URI. */
  nextHop(ctx: CallContext, explicit: NextHop | undefined): NextHop | { readonly error: string } {
    if (explicit !== undefined) return explicit;
    const du = ctx.du;
    return hopOfUri(du !== undefined && du !== "" ? du : ctx.msg.currentRuri());
  }

  /**
   * Add a branch for the request in `ctx` (t_relay in a request or failure route) and send it.
   * `ip`: the resolved address of `hop`. Returns 1 when sent, -1 when it could not be.
   */
  sendBranch(t: Transaction, ctx: CallContext, hop: NextHop, ip: string): number | Promise<number> {
    const fw = ctx.serviceIfLoaded(Forwarding);
    const af = isIP(ip) === 6 ? 6 : 4;
    const via = fw?.viaFor(hop.proto, af, t.rcv);
    if (via === undefined) {
      this.deps.log("Warning", `t_relay: no listening socket for ${hop.proto} (IPv${af}) to send from`);
      return -1;
    }
    let body: Buffer;
    try {
      body = ctx.msg.serialize();
    } catch (e) {
      this.deps.log("Warning", `t_relay: cannot build the request: ${errText(e)}`);
      return -1;
    }
    t.snapshot ??= body;
    t.flags = ctx.flags;
    const n = t.branches.length;
    const uri = ctx.msg.currentRuri();
    const dst = ctx.du ?? "";
    const target: SendTarget = { proto: hop.proto, ip, port: hop.port };
    const send = (bytes: Buffer): number => {
      const viaBranch = tmBranch(t.index, t.label, n);
      const viaValue = formatVia({ transport: hop.proto, host: viaHost(via.host), port: via.port, params: [["branch", viaBranch]] });
      const out = withViaOnTop(bytes, viaValue);
      const b = newBranch(n, uri, dst, target, viaBranch, out, this.params.retr_timer1);
      if (!this.deps.sender.send(target, out)) {
        this.deps.log("Warning", `t_relay: cannot send ${t.method} to ${hop.proto}:${ip}:${hop.port}`);
        return -1;
      }
      t.branches.push(b);
      this.stats.branchesSent++;
      if (hop.proto === "udp") b.retr = this.timers.after(b.retrInterval, () => this.retransmitBranch(t, b));
      this.armFr(t, b, this.frOf(t, false));
      if (t.canceled && t.isInvite) this.cancelBranch(t, b);
      return 1;
    };
    if (t.onBranch === undefined || !this.deps.routes.has(`branch_route[${t.onBranch}]`)) return send(body);
    // branch_route: runs on a copy of the request for this branch; `drop` there sends nothing.
    const copy = SipMessage.parse(body);
    if (isParseFailure(copy)) return send(body);
    const block = `branch_route[${t.onBranch}]`;
    let branchMsg: SipMessage = copy;
    const o = this.deps.routes.run(block, copy, t.rcv, {
      route: "branch",
      prepare: (c) => {
        this.bind(c, t);
        c.set(T_BRANCH_SLOT, n);
      },
      finish: (c) => {
        t.flags = c.flags;
        branchMsg = c.msg;
      },
    });
    const after = (r: RouteOutcome): number => {
      if (r.dropped) {
        this.deps.log("Debug", `branch ${n} of ${t.id} dropped in ${block}`);
        return -1;
      }
      try {
        return send(branchMsg.edited ? branchMsg.serialize() : body);
      } catch (e) {
        this.deps.log("Warning", `t_relay: cannot build the branch: ${errText(e)}`);
        return -1;
      }
    };
    return o instanceof Promise ? o.then(after) : after(o);
  }

  /** Final-response timeout of a branch in ms: t_set_fr values, else the parameters; capped by the lifetime. */
  frOf(t: Transaction, afterProvisional: boolean): number {
    const base = t.isInvite && afterProvisional ? (t.frInv ?? this.params.fr_inv_timer) : (t.frNonInv ?? this.params.fr_timer);
    const life = t.isInvite ? this.params.max_inv_lifetime : this.params.max_noninv_lifetime;
    if (life <= 0) return base;
    return Math.max(0, Math.min(base, life - (performance.now() - t.created)));
  }

  armFr(t: Transaction, b: Branch, ms: number): void {
    this.timers.cancel(b.fr);
    b.fr = this.timers.after(ms, () => this.branchTimeout(t, b));
  }

  stopBranchTimers(b: Branch): void {
    this.timers.cancel(b.retr);
    this.timers.cancel(b.fr);
    b.retr = undefined;
    b.fr = undefined;
  }

  /** Timer A/E: resend the request; INVITE doubles up to T2, non-INVITE likewise and stays at T2 after a provisional. */
  retransmitBranch(t: Transaction, b: Branch): void {
    if (t.phase !== "active" || b.lastReceived >= 200 || b.bytes === undefined || b.target === undefined) return;
    if (t.isInvite && b.provisional) return;
    this.deps.sender.send(b.target, b.bytes);
    this.stats.requestRetransmissions++;
    b.retrInterval = Math.min(b.retrInterval * 2, this.params.retr_timer2);
    b.retr = this.timers.after(b.retrInterval, () => this.retransmitBranch(t, b));
  }

  /** Timer B/F (or the blind branch of a suspended transaction): the branch ends with a faked 408. */
  branchTimeout(t: Transaction, b: Branch): void {
    if (t.phase === "gone" || b.lastReceived >= 200) return;
    if (t.isInvite && b.provisional && b.cancel !== "sent" && !b.blind) this.sendCancel(t, b);
    this.stopBranchTimers(b);
    b.lastReceived = 408;
    b.fakedReason = REASON_TIMEOUT;
    this.stats.timeouts++;
    if (b.blind) {
      this.unsuspend(t);
      return this.branchDone(t);
    }
    this.branchFailed(t, b);
  }



  // ---------------------------------------------------------------- replies received






  /**
   * A branch has its final answer. When none is pending any more and nothing was sent upstream,
   * the best reply wins: the failure_route armed with t_on_failure runs first (it may relay again,
   * which starts new branches, or reply); if it does neither, the winning reply goes upstream.
   */
  branchDone(t: Transaction): void {
    if (t.phase === "gone") return;
    if (t.uasStatus >= 200) return this.maybeWait(t);
    if (t.inRoute || t.hasPendingBranch()) return;
    const picked = pickBranch(t.branches, t.firstBranch);
    t.picked = picked;
    const name = t.onFailure;
    if (name !== undefined && this.deps.routes.has(`failure_route[${name}]`)) {
      t.onFailure = undefined;
      const first = t.branches.length;
      t.firstBranch = first;
      const req = this.requestCopy(t);
      const o = this.runRoute(t, `failure_route[${name}]`, "failure", req, t.rcv);
      const after = (): void => {
        t.inRoute = false;
        if (t.phase === "gone" || t.uasStatus >= 200) return this.maybeWait(t);
        if (t.hasPendingBranch()) return;
        if (t.branches.length > first) {
          // Branches added there already failed: pick among them.
          return this.branchDone(t);
        }
        t.firstBranch = 0;
        this.sendPicked(t, picked);
      };
      t.inRoute = true;
      if (o instanceof Promise) void o.then(after, after);
      else after();
      return;
    }
    this.sendPicked(t, picked);
  }

  sendPicked(t: Transaction, i: number): void {
    const b = i >= 0 ? t.branches[i] : undefined;
    if (b === undefined) {
      this.localReply(t, 500, REASON_TM_ERROR);
      return;
    }
    if (b.reply !== undefined && b.fakedReason === undefined) {
      if (!this.relayUpstream(t, b.reply)) this.localReply(t, 500, REASON_TM_ERROR);
    } else this.localReply(t, b.lastReceived, b.fakedReason ?? REASON_TM_ERROR);
  }

  // ---------------------------------------------------------------- routes

  /** Give a route context the transaction's state (slot, AVPs, XAVPs, flags). */
  bind(ctx: CallContext, t: Transaction): void {
    ctx.set(T_SLOT, t);
    ctx.avps = t.avps;
    ctx.xavps = t.xavps;
    ctx.flags = t.flags;
  }

  /** Run a block for transaction `t` (failure, onreply, a resumed route). */
  runRoute(
    t: Transaction,
    block: string,
    kind: "failure" | "onreply" | "branch" | "branch_failure",
    msg: SipMessage,
    rcv: ReceiveInfo,
    branch?: number,
  ): RouteOutcome | Promise<RouteOutcome> {
    return this.deps.routes.run(block, msg, rcv, {
      route: kind,
      prepare: (c) => {
        this.bind(c, t);
        if (branch !== undefined) c.set(T_BRANCH_SLOT, branch);
      },
      finish: (c) => {
        t.flags = c.flags;
      },
    });
  }

  /**
   * A private copy of the request as the transaction keeps it (Kamailio's shm clone): the request
   * as relayed or suspended, with the R-URI it had when the transaction was created.
   */
  requestCopy(t: Transaction): SipMessage {
    let bytes: Buffer;
    try {
      bytes = t.snapshot ?? t.req.serialize();
    } catch {
      bytes = t.req.buf;
    }
    const m = SipMessage.parse(bytes);
    const copy = isParseFailure(m) ? t.req : m;
    if (copy !== t.req && copy.currentRuri() !== t.ruriAtCreate) {
      try {
        copy.setRuri(t.ruriAtCreate);
      } catch {
        // keep the relayed R-URI
      }
    }
    return copy;
  }

  // ---------------------------------------------------------------- CANCEL


  // ---------------------------------------------------------------- suspend / continue






  // ---------------------------------------------------------------- in other files
  // (replies-received.ts, cancel.ts, branch-failure.ts, suspend.ts)

  /** suspend.ts */
  onRequest(msg: SipMessage): boolean {
    return absorbSuspendedRetransmission(this, msg);
  }

  /** suspend.ts */
  suspend(ctx: CallContext): { readonly index: number; readonly label: number } | 1 | -1 | -3 {
    return suspendTransaction(this, ctx);
  }

  /** The handle of another thread's transaction that `ctx` acts on (a resumed route), when it has no transaction of this thread (remote.ts). */
  remoteOf(ctx: CallContext): RemoteTransaction | undefined {
    return remoteOf(this, ctx);
  }

  /** suspend.ts */
  suspendIdent(index: number, label: number, state: RemoteSuspendState): { readonly index: number; readonly label: number } | 1 | -1 | -3 {
    return suspendByIdent(this, index, label, state);
  }

  /** suspend.ts */
  resume(
    index: number,
    label: number,
    run: (t: Transaction, req: SipMessage) => RouteOutcome | Promise<RouteOutcome>,
  ): 0 | 1 | -1 | -2 | Promise<0 | 1 | -1 | -2> {
    return resumeTransaction(this, index, label, run);
  }

  /** suspend.ts */
  continueRoute(index: number, label: number, name: string): 0 | 1 | -1 | -2 | Promise<0 | 1 | -1 | -2> {
    return continueWithRoute(this, index, label, name);
  }

  /** suspend.ts */
  cancelSuspend(index: number, label: number): number {
    return cancelSuspension(this, index, label);
  }

  /** branch-failure.ts */
  branchFailed(t: Transaction, b: Branch): void {
    return runBranchFailure(this, t, b);
  }

  /** branch-failure.ts */
  reuseBranch(ctx: CallContext): FunctionResult<SipSender> {
    return reuseFailedBranch(this, ctx);
  }

  /** cancel.ts */
  cancelBranch(t: Transaction, b: Branch): boolean {
    return cancelOneBranch(this, t, b);
  }

  /** cancel.ts */
  sendCancel(t: Transaction, b: Branch, waitForFinal = true): void {
    return sendBranchCancel(this, t, b, waitForFinal);
  }

  /** cancel.ts */
  cancelInvite(ctx: CallContext): number | undefined {
    return cancelInviteTransaction(this, ctx);
  }

  /** replies-received.ts */
  onReply(reply: SipMessage, rcv: ReceiveInfo): boolean {
    return replyReceived(this, reply, rcv);
  }

  /** replies-received.ts */
  branchReply(t: Transaction, b: Branch, reply: SipMessage): void {
    return branchReplyReceived(this, t, b, reply);
  }

  /** replies-received.ts */
  afterReplyRoute(t: Transaction, b: Branch, reply: SipMessage, dropped: boolean): void {
    return afterBranchReplyRoute(this, t, b, reply, dropped);
  }

  /** After request_route: flags go to the transaction; a transaction left with no reply, branch or suspension gets a 500. */
  requestDone(ctx: CallContext): void {
    const t = ctx.get(T_SLOT);
    if (t === undefined || t.phase !== "active" || t.req !== ctx.msg) return;
    t.flags = ctx.flags;
    if (t.uasStatus >= 200 || t.suspended || t.inRoute || t.hasPendingBranch() || t.branches.length > 0) return;
    this.deps.log(
      "Warning",
      `transaction ${t.id} (${t.method} ${t.callId}) was created but request_route neither replied, relayed nor suspended it: answering 500`,
    );
    this.localReply(t, 500, REASON_TM_ERROR);
  }
}

export const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Resolve an IP literal at once; a name needs the resolver (the caller waits). */
export const literalIp = (host: string): string | undefined => {
  const h = unbracket(host);
  return isIP(h) !== 0 ? h : undefined;
};

export type { Proto };
