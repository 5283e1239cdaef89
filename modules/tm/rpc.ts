import { Effect } from "effect";
import { ProcessCalls } from "../../core/module/core-services.ts";
import type { RpcMethod } from "../../core/module/define-module.ts";
import type { Json } from "../../core/module/values.ts";
import type { Tm } from "./api.ts";
import { fromEveryThread, sumStats } from "../../core/module/every-thread.ts";
import { TM_LIST, TM_STATS } from "./threads.ts";
import { sipmodError } from "../../core/errors.ts";
import { ownerOfLabel } from "./identity.ts";
import { TM_REMOTE_REPLY } from "./remote.ts";

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
    name: "tm.reply",
    doc:
      "Send a reply for the transaction (tindex, tlabel), as Kamailio's tm.reply: code, reason, tindex, tlabel. The " +
      "thread that owns the transaction (the label's owner bits) sends it. Kamailio's optional to_tag, new_headers " +
      "and body are not supported (an error names them).",
    params: ["code", "reason", "tindex", "tlabel"],
    run: (params) =>
      Effect.gen(function* () {
        const [code, reason, index, label, ...rest] = params;
        if (rest.length > 0) return yield* Effect.fail(sipmodError("SM_RPC", "tm.reply: to_tag, new_headers and body are not supported", { hint: "Give code, reason, tindex and tlabel only." }));
        const int = (v: Json | undefined) => (typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN);
        const c = int(code);
        const i = int(index);
        const l = int(label);
        if (!Number.isInteger(c) || c < 100 || c > 699 || !Number.isInteger(i) || !Number.isInteger(l) || typeof reason !== "string")
          return yield* Effect.fail(sipmodError("SM_RPC", "tm.reply: expected code (100-699), reason, tindex, tlabel", { hint: 'sipmod ctl tm.reply 404 "Not Here" 1234 5678' }));
        const calls = yield* ProcessCalls;
        const r = yield* calls.request(ownerOfLabel(l), TM_REMOTE_REPLY, { index: i, label: l, code: c, reason });
        if (r !== 1) return yield* Effect.fail(sipmodError("SM_RPC", `tm.reply: no transaction ${i}:${l} that can take a ${c} reply`));
        return { sent: true, owner: ownerOfLabel(l) };
      }),
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
