import { Effect, Layer, LogLevel, Runtime } from "effect";
import { defineModule, pv } from "../../core/module/define-module.ts";
import type { SipmodError } from "../../core/errors.ts";
import { CoreInfo, ProcessCalls, ProcessGroups, type CoreServices } from "../../core/module/core-services.ts";
import { RECEIVER_GROUP } from "../../core/module/process-info.ts";
import type { Json } from "../../core/module/values.ts";
import { CORE_MAJOR } from "../../core/version.ts";
import { Tm, tmRef } from "../tm/api.ts";
import { fromEveryThread, sumStats } from "../../core/module/every-thread.ts";
import { Async, ASYNC_STATS, ASYNC_SUSPEND, AsyncCore, type AsyncLog } from "./async-core.ts";
import { runDataTask } from "./data-tasks.ts";
import { ASYNC_DATA } from "./faked-request.ts";
import { asyncFunctions } from "./functions.ts";
import { ASYNC_GROUP } from "./group.ts";
import { AsyncParams } from "./params.ts";

export { ASYNC_GROUP } from "./group.ts";

const LEVELS = { Info: LogLevel.Info, Warning: LogLevel.Warning, Error: LogLevel.Error } as const;
/** Groups whose threads are not async task workers: `$async(gname)` is null there. */
const NOT_TASK_GROUPS = new Set([ASYNC_GROUP, RECEIVER_GROUP]);

/** This thread's async machinery, with the requests other threads send it. */
const asyncServices = (params: AsyncParams): Layer.Layer<Async, SipmodError, CoreServices | Tm> =>
  Layer.scoped(
    Async,
    Effect.gen(function* () {
      const tm = yield* Tm;
      const calls = yield* ProcessCalls;
      const groups = yield* ProcessGroups;
      const rt = yield* Effect.runtime<never>();
      const runLog = Runtime.runSync(rt);
      const log: AsyncLog = (level, text) => {
        try {
          runLog(Effect.logWithLevel(LEVELS[level], text).pipe(Effect.annotateLogs("module", "async")));
        } catch {
          // logging must never break routing
        }
      };
      const core = new AsyncCore(params, tm, calls, groups, log);
      calls.handle(ASYNC_SUSPEND, (data) => core.suspendHere(data as { readonly [k: string]: unknown }));
      calls.handle(ASYNC_STATS, () => core.stats.toJson());
      yield* Effect.addFinalizer(() => Effect.sync(() => core.stop()));
      return core;
    }),
  );

/**
 * async: asynchronous operations in the config. async_route/async_sleep (and the ms and task
 * variants) suspend the transaction through tm; the thread that owns it keeps one timer queue and,
 * when a suspension is due, hands the continuation (the request, its flags, AVPs, XAVPs, the
 * transaction's identity, where to go on) to a worker of the `async` group (or a core async group),
 * which runs it and acts on the transaction through its owner.
 */
export default defineModule({
  name: "async",
  version: "0.2.0",
  core: CORE_MAJOR,
  doc: {
    overview:
      "Asynchronous operations for handling SIP requests in the config file. async uses tm's suspend and continue " +
      "(t_suspend()/t_continue() from tm and tmx). After an asynchronous operation the processing continues later in " +
      "another process: a worker thread of the `async` group (async_route, async_sleep) or of a core async worker " +
      "group (`async_workers`, `async_workers_group`: the ms and task variants). Variables in private memory " +
      "(`$var(...)`) are therefore lost; keep values that must survive in `$avp(...)`, `$xavp(...)`, `$shv(...)` or " +
      "`$sht(...)`. The resumed route runs as a failure route and acts on the transaction through the thread that owns " +
      "it; when it ends without a final reply and without relaying, tm answers `500 I'm terribly sorry, server error " +
      "occurred (1/TM)`. Every suspension waits in one sorted timer queue of the owning thread and resumes within a few " +
      "milliseconds of its due time. A suspension is limited by tm's `fr_timer` (then failure_route and 408), as in " +
      "Kamailio: raise it (or use t_set_fr()) for delays near or above 30 s.",
    params: {
      workers: {
        doc:
          "Number of worker threads (group `async`) that run the routes resumed by async_route and async_sleep. " +
          "With 0 or less none is started and async_route/async_sleep return false (logged once at start).",
        example: "2",
      },
      ms_timer: {
        doc:
          "Non-zero enables async_ms_route and async_ms_sleep (in Kamailio, the period in ms of the timer that " +
          "checks for due items; here every item resumes at its own due millisecond, so only 0 or not 0 matters). " +
          "Their routes run on the core's default async group, so `async_workers` must be set too.",
        example: "10",
      },
      sleep_resume: {
        doc:
          'What runs after async_sleep/async_ms_sleep resumes. "block" (the default, as Kamailio): only the actions after ' +
          "the call in the same block; nothing after the block, nothing in the routes that called this one (and the call " +
          'cannot be the last action of its block). "stack": the whole rest of the script, as if the call had returned: ' +
          "the rest of the block, the enclosing blocks after it (a `while` is evaluated again, `break` ends it), then each " +
          "calling route after its route() call (`return` goes back to the caller, `exit` ends everything). A call " +
          "inside an expression, or in a route entered from an expression (`if (route(X))`), still returns false.",
        example: '"stack"',
      },
      return: {
        doc:
          "What the suspending functions (async_route, async_sleep, the ms and task_route variants) return on " +
          "success. 0 stops the script; another value lets it go on after the call.",
        example: "1",
      },
    },
    differences: [
      "async_route/async_sleep accept 1..100 seconds, as the module's documentation says (Kamailio 5.6 refuses 100).",
      "A suspension resumes within a few milliseconds of its due time (Kamailio 5.6 uses one-second slots: 0.4-1.3 s for a 1 s sleep, and can skip a slot by 100 s).",
      "A static non-integer delay (`async_sleep(\"abc\")`) is a `sipmod check` and start-up error with file:line (Kamailio 5.6's check passes it).",
      "async_task_group_route/async_task_group_data with an unknown group return false (Kamailio 5.6 returns true and loses the task; the transaction hangs until fr_timer).",
      "async_ms_route/async_ms_sleep without core async workers return false (Kamailio 5.6 accepts them and drops the items).",
      "async_task_group_data works (Kamailio 5.6.3's parameter fixup for it is broken).",
      "The route name has no length limit (Kamailio 5.6 refuses 63 characters or more).",
      "A retransmission of a suspended request is absorbed even without t_check_trans() (Kamailio 5.6 suspends it again).",
      "RPC async.stats and its /metrics counterparts are sipmod's own.",
      "The `sleep_resume` parameter (\"stack\": resume the whole rest of the script after async_sleep) is sipmod's own; the default is Kamailio's rest-of-block rule.",
    ],
  },
  requires: [tmRef, "tmx"],
  params: AsyncParams,
  groups: (p) => (p.workers > 0 ? [{ name: ASYNC_GROUP, size: p.workers }] : []),
  functions: asyncFunctions,
  pvs: [
    pv({
      name: "async",
      inner: "required",
      doc: "`$async(data)`: the data of the route run by async_task_data (else null); `$async(gname)`: the name of the async worker group of this thread (else null).",
      parse: (inner) => (inner === "data" || inner === "gname" ? inner : { error: `unknown $async(${inner ?? ""}): use $async(data) or $async(gname)` }),
      get: (ctx, name: "data" | "gname") => {
        if (name === "data") return ctx.get(ASYNC_DATA) ?? null;
        const p = ctx.proc;
        return p.kind === "group" && !NOT_TASK_GROUPS.has(p.group) ? p.group : null;
      },
    }),
  ],
  tasks: { data: runDataTask },
  rpc: [
    {
      name: "async.stats",
      doc:
        "Counters of every thread, summed: suspended (suspensions made), waiting (due later, now), resumed (routes run), " +
        "expired (their transaction had ended: fr_timer or CANCEL), failed (no worker), refused (calls that returned " +
        "false), data_pushed (async_task_data tasks, by group), data_ran.",
      run: () =>
        Effect.gen(function* () {
          const calls = yield* ProcessCalls;
          const parts = yield* fromEveryThread(calls, ASYNC_STATS, null);
          return sumStats(parts.map((p) => p.value)) as Json;
        }),
    },
  ],
  services: asyncServices,
  init: (p) =>
    Effect.gen(function* () {
      const info = yield* CoreInfo;
      if (p.workers <= 0 && info.proc.kind === "main")
        yield* Effect.logWarning("async: workers is 0: async_route and async_sleep will return false").pipe(Effect.annotateLogs("module", "async"));
    }),
});
