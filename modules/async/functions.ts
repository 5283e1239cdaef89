import type { Effect } from "effect";
import type { CallContext } from "../../core/module/call-context.ts";
import type { ContinueAt } from "../../core/module/continuation.ts";
import { fn } from "../../core/module/define-module.ts";
import { ProcessGroups, RouteRunner } from "../../core/module/core-services.ts";
import { DEFAULT_GROUP } from "../../core/manifest/core-groups.ts";
import { Async, type AsyncCore } from "./async-core.ts";
import { ASYNC_FAKED } from "./faked-request.ts";
import { pushData } from "./data-tasks.ts";
import { ASYNC_GROUP } from "./group.ts";
import { MAX_MS, MAX_SECONDS } from "./params.ts";

const core = (ctx: CallContext): AsyncCore => ctx.service(Async);

/** Checks every suspending function makes first: a faked request (async_task_data's) cannot be suspended. */
const faked = (a: AsyncCore, ctx: CallContext, name: string): boolean => {
  if (ctx.get(ASYNC_FAKED) !== true) return false;
  a.refuse(`${name}: invalid usage for a faked message (a route run by async_task_data)`);
  return true;
};

/** The route named `name`, or undefined (logged) when the config has none. */
const routeBlock = (a: AsyncCore, ctx: CallContext, fname: string, name: string): string | undefined => {
  const block = `route[${name}]`;
  if (name !== "" && ctx.service(RouteRunner).has(block)) return block;
  a.refuse(`${fname}: route block "${name}" not found`);
  return undefined;
};

/** 1..max, else logged and false. */
const inRange = (a: AsyncCore, fname: string, v: number, max: number, unit: string): boolean => {
  if (v >= 1 && v <= max) return true;
  a.refuse(`${fname}: ${v <= 0 ? "negative or zero" : "too long a"} ${unit} (${v}): give 1..${max}`);
  return false;
};

const noWorkers = (a: AsyncCore): boolean => {
  if (a.params.workers > 0) return false;
  a.refuse(); // logged once at start-up
  return true;
};

const noMsTimer = (a: AsyncCore, fname: string): boolean => {
  if (a.params.ms_timer > 0 && a.canResumeIn(DEFAULT_GROUP)) return false;
  a.refuse(
    a.params.ms_timer > 0
      ? `${fname}: no async task workers run the resumed routes: set async_workers (or an async_workers_group)`
      : `${fname}: the millisecond timer is off: set modparam("async", "ms_timer", 10)`,
  );
  return true;
};

const noGroup = (a: AsyncCore, fname: string, group: string): boolean => {
  if (a.canResumeIn(group)) return false;
  a.refuse(
    group === DEFAULT_GROUP
      ? `${fname}: no async task workers: set async_workers (or an async_workers_group)`
      : `${fname}: no async worker group "${group}": define it with async_workers_group="name=${group};workers=1"`,
  );
  return true;
};

/** Where async_sleep goes on, or undefined (logged) when it is the last action of its block or inside an expression. */
const sleepContinuation = (a: AsyncCore, ctx: CallContext, fname: string): ContinueAt | undefined => {
  if (a.params.sleep_resume === "stack") {
    const s = ctx.continuationStack();
    if (s !== undefined) return { after: s.after, callers: s.callers };
  } else {
    const after = ctx.continuation();
    if (after !== undefined) return { after };
  }
  a.refuse(`${fname}: cannot be the last action of a block, nor be used inside an expression: there is nothing to continue with`);
  return undefined;
};

type Result = number | Effect.Effect<number>;

export const asyncFunctions = [
  fn({
    name: "async_route",
    example: 'async_route("RESUME", "4");\n...\nroute[RESUME] {\n   send_reply("404", "Not found");\n   exit;\n}',
    params: [
      { name: "routename", kind: "string-pv", doc: "Name of the route[] block to run after the delay; may contain pseudo-variables." },
      { name: "seconds", kind: "int-pv", doc: `Delay in seconds, 1..${MAX_SECONDS}: an integer or a variable holding one.` },
    ] as const,
    routes: ["request", "failure"],
    doc:
      "Suspend the transaction of the request (created if needed; an INVITE gets `100 Trying`) for `seconds`, then run the whole " +
      "route[routename] for it on a thread of the `async` group, as a failure route. The script stops here (with the default " +
      "`return` 0). After route[routename] the processing ends: a transaction it neither replied to nor relayed gets " +
      "`500 I'm terribly sorry, server error occurred (1/TM)`. Retransmissions of the request are absorbed while it waits; " +
      "a CANCEL answers it with 487 and the route never runs. The suspension lasts at most tm's `fr_timer` (raise it, or " +
      "use t_set_fr(), for long delays).",
    returns: "The `return` parameter (default 0: the script stops) when suspended; -1 (the script goes on) when workers is 0, the route does not exist, the delay is out of range or not an integer, or the transaction cannot be suspended.",
    run: (ctx, [routename, seconds]): Result => {
      const a = core(ctx);
      if (faked(a, ctx, "async_route") || noWorkers(a)) return -1;
      const block = routeBlock(a, ctx, "async_route", routename);
      if (block === undefined || !inRange(a, "async_route", seconds, MAX_SECONDS, "sleep time in seconds")) return -1;
      return a.suspend(ctx, seconds * 1000, { at: { block }, group: ASYNC_GROUP, ms: false });
    },
  }),
  fn({
    name: "async_sleep",
    example: 'async_sleep("4");\nsend_reply("404", "Not found");\nexit;',
    params: [{ name: "seconds", kind: "int-pv", doc: `Delay in seconds, 1..${MAX_SECONDS}: an integer or a variable holding one.` }] as const,
    routes: ["request", "failure"],
    doc:
      "Suspend the transaction of the request (created if needed; an INVITE gets `100 Trying`) for `seconds`, then go on with " +
      "the next action on a thread of the `async` group, as a failure route. Only the rest of the enclosing block runs " +
      "(Kamailio's rule); with the `sleep_resume` parameter \"stack\" the whole rest of the script does: the enclosing " +
      "blocks after the call, then the routes that called this one, after their route() call. `$var` values are those of the resuming thread; " +
      "AVPs, XAVPs, message flags, the R-URI and `$du` as they were when the transaction was created are kept. It cannot be " +
      "the last action of a block or part of an expression (there is nothing to continue with).",
    returns: "The `return` parameter (default 0: the script stops here) when suspended; -1 (the script goes on) when workers is 0, the delay is out of range or not an integer, the call is the last of its block or in an expression, or the transaction cannot be suspended.",
    run: (ctx, [seconds]): Result => {
      const a = core(ctx);
      if (faked(a, ctx, "async_sleep") || noWorkers(a)) return -1;
      const at = sleepContinuation(a, ctx, "async_sleep");
      if (at === undefined || !inRange(a, "async_sleep", seconds, MAX_SECONDS, "sleep time in seconds")) return -1;
      return a.suspend(ctx, seconds * 1000, { at, group: ASYNC_GROUP, ms: false });
    },
  }),
  fn({
    name: "async_ms_route",
    example: 'async_ms_route("RESUME", "250");',
    params: [
      { name: "routename", kind: "string-pv", doc: "Name of the route[] block to run after the delay; may contain pseudo-variables." },
      { name: "milliseconds", kind: "int-pv", doc: `Delay in milliseconds, 1..${MAX_MS}.` },
    ] as const,
    routes: ["request", "failure"],
    doc:
      "As async_route with a delay in milliseconds; the route runs on a thread of the core's default async group " +
      "(`async_workers`), as in Kamailio. Needs `ms_timer` > 0 and async workers.",
    returns: "The `return` parameter when suspended; -1 when ms_timer is 0, there are no async workers, the route does not exist, the delay is out of range, 10000 are already waiting in this thread, or the transaction cannot be suspended.",
    run: (ctx, [routename, ms]): Result => {
      const a = core(ctx);
      if (faked(a, ctx, "async_ms_route") || noMsTimer(a, "async_ms_route")) return -1;
      const block = routeBlock(a, ctx, "async_ms_route", routename);
      if (block === undefined || !inRange(a, "async_ms_route", ms, MAX_MS, "sleep time in milliseconds")) return -1;
      return a.suspend(ctx, ms, { at: { block }, group: DEFAULT_GROUP, ms: true });
    },
  }),
  fn({
    name: "async_ms_sleep",
    example: 'async_ms_sleep("250");\nsend_reply("404", "Not found");\nexit;',
    params: [{ name: "milliseconds", kind: "int-pv", doc: `Delay in milliseconds, 1..${MAX_MS}.` }] as const,
    routes: ["request", "failure"],
    doc:
      "As async_sleep with a delay in milliseconds; the rest runs on a thread of the core's default async group " +
      "(`async_workers`). Needs `ms_timer` > 0 and async workers.",
    returns: "The `return` parameter when suspended; -1 as async_ms_route, or when the call is the last of its block or in an expression.",
    run: (ctx, [ms]): Result => {
      const a = core(ctx);
      if (faked(a, ctx, "async_ms_sleep") || noMsTimer(a, "async_ms_sleep")) return -1;
      const at = sleepContinuation(a, ctx, "async_ms_sleep");
      if (at === undefined || !inRange(a, "async_ms_sleep", ms, MAX_MS, "sleep time in milliseconds")) return -1;
      return a.suspend(ctx, ms, { at, group: DEFAULT_GROUP, ms: true });
    },
  }),
  fn({
    name: "async_task_route",
    example: 'async_task_route("RESUME");',
    params: [{ name: "routename", kind: "string-pv", doc: "Name of the route[] block to run; may contain pseudo-variables." }] as const,
    routes: ["request", "failure"],
    doc:
      "Suspend the transaction and run route[routename] for it at once on a thread of the core's default async group " +
      "(`async_workers`), as a failure route.",
    returns: "The `return` parameter when suspended; -1 when there are no async workers, the route does not exist or the transaction cannot be suspended.",
    run: (ctx, [routename]): Result => {
      const a = core(ctx);
      if (faked(a, ctx, "async_task_route") || noGroup(a, "async_task_route", DEFAULT_GROUP)) return -1;
      const block = routeBlock(a, ctx, "async_task_route", routename);
      if (block === undefined) return -1;
      return a.suspend(ctx, 0, { at: { block }, group: DEFAULT_GROUP, ms: false });
    },
  }),
  fn({
    name: "async_task_group_route",
    example: 'async_task_group_route("RESUME", "reg");',
    params: [
      { name: "routename", kind: "string-pv", doc: "Name of the route[] block to run; may contain pseudo-variables." },
      { name: "gname", kind: "string-pv", doc: "Name of the async worker group (async_workers_group)." },
    ] as const,
    routes: ["request", "failure"],
    doc: "As async_task_route, on a thread of the group `gname`.",
    returns: "The `return` parameter when suspended; -1 when there is no such group (Kamailio 5.6 returns true and the transaction hangs), the route does not exist or the transaction cannot be suspended.",
    run: (ctx, [routename, gname]): Result => {
      const a = core(ctx);
      if (faked(a, ctx, "async_task_group_route") || noGroup(a, "async_task_group_route", gname)) return -1;
      const block = routeBlock(a, ctx, "async_task_group_route", routename);
      if (block === undefined) return -1;
      return a.suspend(ctx, 0, { at: { block }, group: gname, ms: false });
    },
  }),
  fn({
    name: "async_task_data",
    example: 'async_task_data("JOB", "$ci");\n...\nroute[JOB] {\n   xinfo("job for $async(data)\\n");\n}',
    params: [
      { name: "routename", kind: "string-pv", doc: "Name of the route[] block to run; may contain pseudo-variables." },
      { name: "data", kind: "string-pv", doc: "Text the route reads as `$async(data)`." },
    ] as const,
    routes: "any",
    doc:
      "Run route[routename] on a thread of the core's default async group with `$async(data)` set to `data`. Nothing is " +
      "suspended and no transaction is made: the route runs on a faked request (`OPTIONS sip:you@kamailio.org`) as a " +
      "request route, and the script goes on at once.",
    returns: "1 when the task was handed to a worker; -1 when there are no async workers, the route does not exist, or the group's queue is full.",
    run: (ctx, [routename, data]): Result => {
      const a = core(ctx);
      if (noGroup(a, "async_task_data", DEFAULT_GROUP) || routeBlock(a, ctx, "async_task_data", routename) === undefined) return -1;
      return pushData(a, ctx.service(ProcessGroups), DEFAULT_GROUP, routename, data);
    },
  }),
  fn({
    name: "async_task_group_data",
    example: 'async_task_group_data("JOB", "reg", "$ci");',
    params: [
      { name: "routename", kind: "string-pv", doc: "Name of the route[] block to run; may contain pseudo-variables." },
      { name: "gname", kind: "string-pv", doc: "Name of the async worker group." },
      { name: "data", kind: "string-pv", doc: "Text the route reads as `$async(data)`." },
    ] as const,
    routes: "any",
    doc: "As async_task_data, on a thread of the group `gname` (works here; Kamailio 5.6.3's fixup of this function is broken).",
    returns: "1 when the task was handed to a worker; -1 when there is no such group, the route does not exist, or the group's queue is full.",
    run: (ctx, [routename, gname, data]): Result => {
      const a = core(ctx);
      if (noGroup(a, "async_task_group_data", gname) || routeBlock(a, ctx, "async_task_group_data", routename) === undefined) return -1;
      return pushData(a, ctx.service(ProcessGroups), gname, routename, data);
    },
  }),
];
