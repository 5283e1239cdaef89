import type { Pos } from "./ast.ts";
import { RUN_BREAK, RUN_EXIT, RUN_RETURN, RUN_STOP, type BoundList, type Exec } from "./bound.ts";
import type { ScriptContext } from "./context.ts";
import { Pending, type Maybe } from "./maybe-async.ts";

/**
 * Running action lists with Kamailio's flow rules: each action gives a return code; the list's
 * code is the last action's (1 for an empty list); a list stops when an action set EXIT, RETURN
 * or BREAK, and an EXIT records the code as $rc. Pending actions continue the list when they
 * complete.
 */

/** An expression that could not be evaluated (division by 0, a bad regex at run time). */
export class EvalFailure {
  readonly _tag = "EvalFailure";
  constructor(
    readonly message: string,
    readonly pos: Pos,
  ) {}
}

export const isEvalFailure = (e: unknown): e is EvalFailure => e instanceof EvalFailure;

/** Run `stmts[from..]`; `ret` is the code to give when nothing runs (1 for a fresh list). */
export const runStmts = (stmts: readonly Exec[], from: number, ctx: ScriptContext, ret: number): Maybe<number> => {
  const n = stmts.length;
  for (let i = from; i < n; i++) {
    const r = stmts[i]!(ctx);
    if (typeof r !== "number") {
      const k = i;
      return (r as Pending<number>).then((v) => afterPending(stmts, k, ctx, v));
    }
    ret = r;
    if ((ctx.runFlags & RUN_STOP) !== 0) {
      if ((ctx.runFlags & RUN_EXIT) !== 0) ctx.rc = ret;
      return ret;
    }
  }
  return ret;
};

const afterPending = (stmts: readonly Exec[], i: number, ctx: ScriptContext, v: number): Maybe<number> => {
  if ((ctx.runFlags & RUN_STOP) !== 0) {
    if ((ctx.runFlags & RUN_EXIT) !== 0) ctx.rc = v;
    return v;
  }
  return runStmts(stmts, i + 1, ctx, v);
};

export const runList = (list: BoundList, ctx: ScriptContext): Maybe<number> => runStmts(list.stmts, 0, ctx, 1);

/**
 * Run switch clauses from `c` on (C fallthrough): empty clauses are skipped, a BREAK is absorbed
 * and ends the switch, RETURN and EXIT end it and stay set.
 */
export const runClauses = (lists: readonly BoundList[], c: number, ctx: ScriptContext, ret: number): Maybe<number> => {
  for (; c < lists.length; c++) {
    const stmts = lists[c]!.stmts;
    if (stmts.length === 0) continue;
    const r = runStmts(stmts, 0, ctx, ret);
    if (r instanceof Pending) {
      const k = c;
      return r.then((v) => (endsSwitch(ctx) ? v : runClauses(lists, k + 1, ctx, v)));
    }
    ret = r;
    if (endsSwitch(ctx)) return ret;
  }
  return ret;
};

const endsSwitch = (ctx: ScriptContext): boolean => {
  if ((ctx.runFlags & RUN_BREAK) !== 0) {
    ctx.runFlags &= ~RUN_BREAK;
    return true;
  }
  return (ctx.runFlags & (RUN_RETURN | RUN_EXIT)) !== 0;
};
