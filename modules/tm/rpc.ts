import { Effect } from "effect";
import { ProcessCalls } from "../../core/module/core-services.ts";
import type { RpcMethod } from "../../core/module/define-module.ts";
import type { Json } from "../../core/module/values.ts";
import type { Tm } from "./api.ts";
import { fromEveryThread, sumStats, TM_LIST, TM_STATS } from "./threads.ts";

export const tmRpc: readonly RpcMethod<Tm | ProcessCalls>[] = [
  {
    name: "tm.stats",
    doc:
      "Transactions of the whole server (every thread's figures added up): current, waiting, total, by state, replies " +
      "sent by class and other counters.",
    run: () =>
      Effect.flatMap(ProcessCalls, (calls) => fromEveryThread(calls, TM_STATS, null)).pipe(
        Effect.map((parts) => (parts.length === 0 ? {} : sumStats(parts.map((p) => p.value)))),
      ),
  },
  {
    name: "tm.list",
    doc:
      "The live transactions of every thread (at most `limit` per thread, default 100): owning process, identity, " +
      "method, Call-ID, state, last reply, branches, age.",
    params: ["limit"],
    run: (params) => {
      const raw = params[0];
      const limit = typeof raw === "number" && Number.isInteger(raw) && raw > 0 ? raw : 100;
      return Effect.flatMap(ProcessCalls, (calls) => fromEveryThread(calls, TM_LIST, { limit })).pipe(
        Effect.map((parts): Json => parts.flatMap((p) => (Array.isArray(p.value) ? p.value.map((row) => ({ proc: p.proc, ...(row as { [k: string]: Json }) })) : []))),
      );
    },
  },
];
