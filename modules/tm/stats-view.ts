import type { Json } from "../../core/module/values.ts";
import type { TmApi } from "./api.ts";

/** tm.stats: Kamailio's names, plus the transactions by state. */
export const statsOf = (tm: Pick<TmApi, "stats" | "transactions" | "count">): Json => {
  const s = tm.stats;
  const byState: Record<string, number> = { trying: 0, proceeding: 0, completed: 0, confirmed: 0, terminated: 0, suspended: 0 };
  let waiting = 0;
  for (const t of tm.transactions()) {
    byState[t.uasState] = (byState[t.uasState] ?? 0) + 1;
    if (t.suspended) byState.suspended!++;
    if (t.phase === "wait") waiting++;
  }
  const c = s.repliesByClass;
  return {
    current: tm.count,
    waiting,
    total: s.total,
    total_invite: s.totalInvite,
    freed: s.freedCount,
    rpl_received: s.repliesReceived,
    rpl_generated: s.repliesLocal,
    rpl_relayed: s.repliesRelayed,
    rpl_sent: s.repliesLocal + s.repliesRelayed,
    "1xx": c[1]!,
    "2xx": c[2]!,
    "3xx": c[3]!,
    "4xx": c[4]!,
    "5xx": c[5]!,
    "6xx": c[6]!,
    retransmissions_absorbed: s.retransmissions,
    request_retransmissions: s.requestRetransmissions,
    branches: s.branchesSent,
    cancels_sent: s.cancelsSent,
    timeouts: s.timeouts,
    suspended: s.suspended,
    resumed: s.resumed,
    by_state: byState,
  };
};

/** The live transactions of this thread (at most `limit`, default 100), for tm.list. */
export const listOf = (tm: Pick<TmApi, "transactions">, limit: number): Json[] => {
  limit = Number.isInteger(limit) && limit > 0 ? limit : 100;
  const now = performance.now();
  const out: Json[] = [];
  for (const t of tm.transactions()) {
    if (out.length >= limit) break;
    out.push({
      index: t.index,
      label: t.label,
      method: t.method,
      call_id: t.callId,
      cseq: t.cseqNumber,
      state: t.uasState,
      phase: t.phase,
      status: t.uasStatus,
      branches: t.branches.map((b) => ({ uri: b.uri, last: b.lastReceived, blind: b.blind })),
      suspended: t.suspended,
      canceled: t.canceled,
      age_ms: Math.round(now - t.created),
    });
  }
  return out;
};
