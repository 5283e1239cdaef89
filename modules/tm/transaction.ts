import type { SendTarget } from "../../core/module/core-services.ts";
import { SlotMap } from "../../core/module/slot.ts";
import { AvpStore, XavpStore } from "../../core/script/script-stores.ts";
import type { SipMessage } from "../../core/sip/message.ts";
import type { ReceiveInfo } from "../../core/transport/receive-info.ts";
import type { TimerEntry } from "../../core/module/timer-queue.ts";

/** One outgoing branch (client transaction) of a transaction. */
export interface Branch {
  /** Branch number, 0-based, in the order branches were added. */
  readonly n: number;
  /** The R-URI the branch was sent to. */
  readonly uri: string;
  /** $du of the branch ("" when the R-URI was the destination). */
  readonly dst: string;
  readonly target: SendTarget | undefined;
  /** Our Via branch on the request. */
  readonly viaBranch: string;
  /** The request sent (our Via on top); undefined for the blind branch of a suspended transaction (and dropped once not needed). */
  bytes: Buffer | undefined;
  readonly blind: boolean;
  /** Code of the last reply received (or faked); 0 = nothing yet. Final when >= 200. */
  lastReceived: number;
  /** The final reply received on this branch (undefined when faked or none). */
  reply: SipMessage | undefined;
  /** The reason of a faked final reply (timeout 408, canceled 487, continued 500). */
  fakedReason: string | undefined;
  /** A provisional reply arrived (an INVITE branch can then be canceled). */
  provisional: boolean;
  retr: TimerEntry | undefined;
  retrInterval: number;
  fr: TimerEntry | undefined;
  /** CANCEL state: wanted (waiting for a provisional), sent. */
  cancel: "none" | "wanted" | "sent";
  cancelBytes: Buffer | undefined;
  cancelRetr: TimerEntry | undefined;
  /** The hop-by-hop ACK sent for a negative final reply (resent on its retransmissions). */
  ackBytes: Buffer | undefined;
}

/** A new branch with nothing received yet; without `bytes` it is the blind branch of a suspension. */
export const newBranch = (
  n: number,
  uri: string,
  dst: string,
  target: SendTarget | undefined,
  viaBranch: string,
  bytes: Buffer | undefined,
  retrInterval: number,
): Branch => ({
  n,
  uri,
  dst,
  target,
  viaBranch,
  bytes,
  blind: bytes === undefined,
  lastReceived: 0,
  reply: undefined,
  fakedReason: undefined,
  provisional: false,
  retr: undefined,
  retrInterval,
  fr: undefined,
  cancel: "none",
  cancelBytes: undefined,
  cancelRetr: undefined,
  ackBytes: undefined,
});

/** Where the server side of a transaction stands (RFC 3261 §17.2). */
export type UasState = "trying" | "proceeding" | "completed" | "confirmed" | "terminated";

/**
 * A transaction: the server transaction of a received request (uas) and the client transactions
 * of the branches it was relayed on (uac), with the script state it carries between routes
 * (AVPs, XAVPs, message flags, the routes armed with t_on_*). Owned by one process.
 */
export class Transaction {
  /** Creation time (monotonic ms). */
  readonly created = performance.now();
  readonly isInvite: boolean;
  readonly method: string;
  /** Server-transaction matching key (RFC 3261 branch, or the RFC 2543 fields). */
  readonly key: string;
  readonly callId: string;
  readonly cseqNumber: string;
  /** Key of this transaction in the shared owner table (when other threads route too). */
  ownerKey: number | undefined = undefined;

  uasStatus = 0;
  uasReason = "";
  /** The last reply sent upstream (resent on a retransmitted request). */
  uasReply: Buffer | undefined;
  /** The last final reply sent upstream was made here (t_reply, a timeout), not relayed. */
  uasLocal = false;
  uasRetr: TimerEntry | undefined;
  uasRetrInterval = 0;
  /** Timer H: how long a negative final reply to an INVITE waits for its ACK. */
  ackWait: TimerEntry | undefined;
  acked = false;
  /** To tag of the replies made here. */
  toTag: string | undefined;

  readonly branches: Branch[] = [];
  /** Branches from this number on are the ones the current failure processing looks at. */
  firstBranch = 0;
  /** Branch whose reply won (failure route, $T(reply_code)). */
  picked = -1;

  onFailure: string | undefined;
  onReply: string | undefined;
  onBranch: string | undefined;
  onBranchFailure: string | undefined;
  /** t_set_fr values for this transaction (ms); undefined = the module parameter. */
  frInv: number | undefined;
  frNonInv: number | undefined;

  canceled = false;
  suspended = false;
  /** A failure route or a continuation is running for this transaction. */
  inRoute = false;
  /**
   * Resumed runs (t_continue, async) in progress. A resumed route can suspend the transaction again
   * and be resumed a second time before its own run has ended (async_task_route, a short
   * async_ms_*): only the last run to end decides whether tm answers 500.
   */
  resumedRuns = 0;

  avps: AvpStore;
  xavps: XavpStore;
  flags = 0;
  private slotMap: SlotMap | undefined;
  /** Other modules' per-transaction state (made on first use). */
  get slots(): SlotMap {
    return (this.slotMap ??= new SlotMap());
  }

  /** The request as it was relayed or suspended (edits applied), for failure routes and resumes. */
  snapshot: Buffer | undefined;
  /** R-URI when the transaction was created (a resumed request shows it, as in Kamailio). */
  readonly ruriAtCreate: string;
  duAtCreate: string | undefined;

  wait: TimerEntry | undefined;
  /** "active" until the wait timer is armed; "wait" absorbs retransmissions; "gone" once deleted. */
  phase: "active" | "wait" | "gone" = "active";

  constructor(
    readonly index: number,
    readonly label: number,
    readonly req: SipMessage,
    readonly rcv: ReceiveInfo,
    key: string,
    avps: AvpStore | undefined,
    xavps: XavpStore | undefined,
  ) {
    this.method = req.method;
    this.isInvite = req.method === "INVITE";
    this.key = key;
    this.callId = req.callId();
    this.cseqNumber = String(req.cseq().seq);
    this.ruriAtCreate = req.currentRuri();
    this.avps = avps ?? new AvpStore();
    this.xavps = xavps ?? new XavpStore();
  }

  get id(): string {
    return `${this.index}:${this.label}`;
  }

  get uasState(): UasState {
    if (this.phase !== "active") return this.acked || !this.isInvite ? "terminated" : "completed";
    if (this.uasStatus === 0) return "trying";
    if (this.uasStatus < 200) return "proceeding";
    return this.acked ? "confirmed" : "completed";
  }

  /** Some branch still waits for a final reply. */
  hasPendingBranch(): boolean {
    for (let i = 0; i < this.branches.length; i++) if (this.branches[i]!.lastReceived < 200) return true;
    return false;
  }

  get blindBranch(): Branch | undefined {
    for (let i = this.branches.length - 1; i >= 0; i--) {
      const b = this.branches[i]!;
      if (b.blind) return b;
    }
    return undefined;
  }
}
