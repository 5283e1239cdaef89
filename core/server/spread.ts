import { keyRank } from "../process/key-hash.ts";
import { SIP_OWNED } from "../process/protocol.ts";
import type { Switchboard } from "../process/switchboard.ts";
import { isParseFailure, SipMessage } from "../sip/message.ts";
import type { ReceiveInfo } from "../transport/receive-info.ts";
import type { TransportCounters } from "../transport/transport-counters.ts";
import type { ProcessMessageHooks } from "./message-hooks.ts";
import { ownBytes } from "../module/continuation.ts";
import type { Receiver } from "./receive.ts";

export interface SpreadDeps {
  /** Process ids of the `children` receiver threads. */
  readonly receivers: readonly number[];
  readonly hooks: ProcessMessageHooks;
  readonly switchboard: Switchboard;
  readonly counters: TransportCounters;
  /** The main thread's own receive path: answers what cannot be parsed (400 ...). */
  readonly local: Receiver;
  readonly log: (level: "Info" | "Debug", text: string) => void;
}

/**
 * The main thread's receive path with `children` = N > 1: it routes nothing itself. Each message
 * is parsed (one pass, headers on demand) to find who handles it: the process a module names
 * (tm: the owner of the transaction a reply or CANCEL belongs to), else the receiver that its
 * Call-ID hashes to, so one dialog meets one thread. The raw bytes and the receive info go to
 * that thread, which parses them again and runs the receive path. A message that cannot be
 * parsed is answered here (400 ...); one whose thread's queue is full is dropped and counted
 * (`handOffDrops`, logged once a second at most), as a full socket buffer would drop it.
 */
export const makeSpread = (deps: SpreadDeps): Receiver => {
  const { receivers, hooks, switchboard, counters, local, log } = deps;
  const n = receivers.length;
  const owned = hooks.dispatchHandlers.length > 0;
  let lastLog = 0;
  let quiet = 0;
  switchboard.onRefused = (to, why) => {
    counters.handOffDrops++;
    const now = Date.now();
    if (now - lastLog < 1000) {
      quiet++;
      return;
    }
    log("Info", `SM_RECEIVE_QUEUE_FULL: a message for process ${to} was dropped: ${why}${quiet > 0 ? `; ${quiet} more since the last report` : ""}`);
    lastLog = now;
    quiet = 0;
  };
  return (buf: Buffer, rcv: ReceiveInfo): void => {
    let to: number | undefined;
    try {
      const parsed = SipMessage.parse(buf);
      if (isParseFailure(parsed)) return local(buf, rcv);
      if (owned) to = hooks.ownerOf(parsed, rcv);
      if (to === undefined || to === 0) to = receivers[keyRank(parsed.callId(), n)]!;
    } catch {
      // a header needed to choose is malformed: the main thread answers or drops it
      return local(buf, rcv);
    }
    switchboard.handOverTo(to, { bytes: ownBytes(buf), rcv, flags: SIP_OWNED });
  };
};
