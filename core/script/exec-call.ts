import { Cause, Exit, Option, Runtime, type Effect } from "effect";
import type { CallContext } from "../module/call-context.ts";
import type { FunctionResult } from "../module/define-module.ts";
import type { Pos } from "./ast.ts";
import { RUN_EXIT, type ContinuationRef } from "./bound.ts";
import type { ScriptContext } from "./context.ts";
import { KAMAILIO_LEVELS } from "./log-level.ts";
import { Pending, type Maybe } from "./maybe-async.ts";

/**
 * Calling a config function: its `run` gives a number at once, or an Effect. The Effect is run
 * synchronously with the engine's Runtime; when it has to wait, its fiber keeps running and the
 * call becomes pending until the fiber ends. A defect (a throw, a die) is logged and the call
 * returns -1, like a failing Kamailio function.
 */

export type FunctionRun = (ctx: CallContext, args: readonly (string | number)[], fixed: unknown) => FunctionResult<unknown>;

export interface CallSite {
  readonly name: string;
  readonly module: string;
  readonly run: FunctionRun;
  /** The fixup's result; set after the program is bound. */
  fixed: unknown;
  /** Where the rest of the action list starts (statement-level calls with statements after them). */
  readonly cont: ContinuationRef | undefined;
  readonly pos: Pos;
  /**
   * How the call sets $rc. Absent: like a Kamailio module function (its code). "keep" and "zero":
   * like a Kamailio core function (setflag, prefix, ...), which leaves $rc alone as a statement
   * ("keep") and leaves it 0 inside an expression or as an assignment's value ("zero").
   */
  readonly rc?: "keep" | "zero";
}

/** Kamailio's handling of a function's code: 0 stops the script, every code becomes $rc. */
export const setRetcode = (ctx: ScriptContext, r: number): number => {
  if (r === 0) ctx.runFlags |= RUN_EXIT;
  ctx.rc = r;
  return r;
};

/** setRetcode for a call site: a core function's code does not become $rc (see CallSite.rc). */
export const siteRetcode = (ctx: ScriptContext, site: CallSite, r: number): number => {
  if (site.rc === undefined) return setRetcode(ctx, r);
  if (r === 0) ctx.runFlags |= RUN_EXIT;
  if (site.rc === "zero") ctx.rc = 0;
  return r;
};

const where = (site: CallSite): string => `${site.pos.file}:${site.pos.line}:${site.pos.column}`;

const failed = (ctx: ScriptContext, site: CallSite, cause: Cause.Cause<unknown>): number => {
  ctx.host.log(KAMAILIO_LEVELS.L_ERR, `${site.name}() at ${where(site)} failed: ${Cause.pretty(cause)}`);
  return -1;
};

const runFunctionEffect = (ctx: ScriptContext, site: CallSite, eff: Effect.Effect<number, never, unknown>): Maybe<number> => {
  const exit = Runtime.runSyncExit(ctx.host.runtime)(eff);
  if (Exit.isSuccess(exit)) return exit.value;
  const defect = Cause.dieOption(exit.cause);
  if (Option.isSome(defect) && Runtime.isAsyncFiberException(defect.value)) {
    const fiber = defect.value.fiber;
    return new Pending(
      new Promise<number>((resolve) => {
        fiber.addObserver((ex) => resolve(Exit.isSuccess(ex) ? (ex.value as number) : failed(ctx, site, ex.cause)));
      }),
    );
  }
  return failed(ctx, site, exit.cause);
};

/** Call the function with evaluated arguments; the result is also recorded as $rc (see CallSite.rc). */
export const invoke = (site: CallSite, ctx: ScriptContext, args: readonly (string | number)[]): Maybe<number> => {
  const prev = ctx.cont;
  ctx.cont = site.cont;
  let r: FunctionResult<unknown>;
  try {
    r = site.run(ctx, args, site.fixed);
  } catch (e) {
    ctx.cont = prev;
    ctx.host.log(KAMAILIO_LEVELS.L_ERR, `${site.name}() at ${where(site)} threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return siteRetcode(ctx, site, -1);
  }
  if (typeof r === "number") {
    ctx.cont = prev;
    return siteRetcode(ctx, site, r);
  }
  const m = runFunctionEffect(ctx, site, r);
  if (typeof m === "number") {
    ctx.cont = prev;
    return siteRetcode(ctx, site, m);
  }
  return m.then((v) => {
    ctx.cont = prev;
    return siteRetcode(ctx, site, v);
  });
};
