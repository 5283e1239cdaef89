import { Effect } from "effect";
import type { MessageHooksApi, ProcessCallsApi, SharedMemoryApi } from "../../core/module/core-services.ts";
import type { TaskData } from "../../core/module/values.ts";
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


