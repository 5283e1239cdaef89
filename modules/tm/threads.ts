import { Effect } from "effect";
import type { MessageHooksApi, ProcessCallsApi, SharedMemoryApi } from "../../core/module/core-services.ts";
import type { Json, TaskData } from "../../core/module/values.ts";
import { ownerOfLabel, parseTmBranch } from "./identity.ts";
import { OWNER_TABLE_BYTES, OWNER_TABLE_SEGMENT, OwnerTable } from "./owner-table.ts";
import { listOf, statsOf } from "./stats-view.ts";
import type { TmCore } from "./tm-core.ts";
import { num, text } from "./task-data.ts";

/** Requests tm answers in every thread, for the transactions that thread owns. */
export const TM_CONTINUE = "tm.continue";
export const TM_STATS = "tm.stats";
export const TM_LIST = "tm.list";

/**
 * tm across threads. Every thread keeps its own transactions; this makes each one reachable
 * from every other:
 * - the owner table (shared memory) records which thread holds each server transaction, and a
 *   dispatch hook sends a message to its owner before anything else runs: a reply by the owner
 *   bits of tm's Via branch, a CANCEL, ACK or retransmission by the table;
 * - request handlers carry out operations by identity for other threads: t_continue, and the
 *   statistics and listing the RPC methods gather from every thread (t_reply and t_relay by
 *   identity: remote.ts).
 */
export const attachThreads = (
  core: TmCore,
  calls: ProcessCallsApi,
  hooks: MessageHooksApi,
  shared: SharedMemoryApi,
): Effect.Effect<void, import("../../core/errors.ts").SipmodError> =>
  Effect.gen(function* () {
    const buffer = yield* shared.segment(OWNER_TABLE_SEGMENT, OWNER_TABLE_BYTES);
    if (calls.processes().length > 1) {
      const owners = new OwnerTable(buffer);
      core.owners = owners;
      const self = calls.self;
      hooks.onDispatch((msg) => {
        if (!msg.isRequest) {
          const id = parseTmBranch(msg.via().branch);
          return id === undefined ? undefined : ownerOfLabel(id.label);
        }
        const owner = owners.find(OwnerTable.keyOf(msg));
        return owner === self ? undefined : owner;
      });
    }
    calls.handle(TM_CONTINUE, (d) => {
      const r = core.continueRoute(num(d, "index"), num(d, "label"), text(d, "route") ?? "");
      return r instanceof Promise ? r : Promise.resolve(r);
    });
    calls.handle(TM_STATS, () => statsOf(core) as TaskData);
    calls.handle(TM_LIST, (d) => listOf(core, num(d, "limit")) as TaskData);
  });

/**
 * t_continue for a transaction of any thread: the owner (the low bits of the label) resumes it;
 * from another thread the request goes there and its code comes back.
 */
export const continueAnywhere = (
  core: TmCore,
  calls: ProcessCallsApi,
  index: number,
  label: number,
  route: string,
): number | Promise<number> | Effect.Effect<number> => {
  const owner = ownerOfLabel(label);
  if (owner === calls.self) return core.continueRoute(index, label, route);
  return calls.request(owner, TM_CONTINUE, { index, label, route }).pipe(
    Effect.map((v) => (typeof v === "number" ? v : -1)),
    Effect.catchAll((e) =>
      Effect.as(Effect.logWarning(`t_continue ${index}:${label}: the owning thread ${owner} did not resume it: ${e.message}`), -1),
    ),
  );
};

/** Numbers summed field by field (nested objects too): one figure for the whole server. */
export const sumStats = (parts: readonly Json[]): Json => {
  const add = (a: Json, b: Json): Json => {
    if (typeof a === "number" && typeof b === "number") return a + b;
    if (typeof a === "object" && a !== null && !Array.isArray(a) && typeof b === "object" && b !== null && !Array.isArray(b)) {
      const out: { [k: string]: Json } = { ...(a as { [k: string]: Json }) };
      for (const [k, v] of Object.entries(b as { [k: string]: Json })) out[k] = k in out ? add(out[k]!, v) : v;
      return out;
    }
    return a;
  };
  return parts.reduce((acc, p) => add(acc, p));
};

/** Ask every thread for `op` and collect the answers (a thread that does not answer is left out, logged). */
export const fromEveryThread = (calls: ProcessCallsApi, op: string, data: TaskData): Effect.Effect<readonly { readonly proc: number; readonly value: Json }[]> =>
  Effect.forEach(
    calls.processes(),
    (proc) =>
      calls.request(proc, op, data, 2000).pipe(
        Effect.map((value) => [{ proc, value: value as Json }]),
        Effect.catchAll((e) => Effect.as(Effect.logWarning(`${op}: process ${proc} did not answer: ${e.message}`), [])),
      ),
    { concurrency: "unbounded" },
  ).pipe(Effect.map((xs) => xs.flat()));

