import type { ScriptValue } from "../module/values.ts";
import type { AssignStmt, Expr, IfStmt, Pos, Stmt, SwitchStmt, WhileStmt } from "./ast.ts";
import { bindFunctionCall, bindRouteCall } from "./bind-call.ts";
import { bindError, type BindEnv, type BindScope } from "./bind-env.ts";
import { bindExpr, intOf, plusValues, type BExpr, type ExprHooks } from "./bind-expr.ts";
import { bindPvRef } from "./bind-pv.ts";
import {
  listKey,
  RUN_BREAK,
  RUN_DROP,
  RUN_EXIT,
  RUN_RETURN,
  type BoundList,
  type ContinuationRef,
  type Exec,
} from "./bound.ts";
import type { ScriptContext } from "./context.ts";
import { isEvalFailure, runClauses, runStmts, type EvalFailure } from "./exec-list.ts";
import { KAMAILIO_LEVELS } from "./log-level.ts";
import { andThen, Pending, type Maybe } from "./maybe-async.ts";
import { compilePosix } from "./posix-regex.ts";
import { toInt, toStr } from "./values.ts";

/**
 * Statements compiled to closures with Kamailio's flow rules (src/core/action.c, checked against
 * 5.6.3): `if` runs its branch when the condition is > 0 and stops everything when a function in
 * the condition returned 0; `while` loops while the condition is not 0, at most max_while_loops
 * times (then the loop returns -1 and the script goes on); `switch` falls through until `break`;
 * `return(x)` leaves the current route with x (default 1) and `return(0)` stops the script like
 * `exit`; `exit` stops with code 1, `drop` with code 0 and the drop flag; `break` ends a switch or
 * a loop; an assignment whose value cannot be evaluated leaves the variable unchanged and returns -1.
 */

const truth = (r: number): number => (r > 0 ? 1 : 0);

/**
 * Expression hooks: calls inside expressions are bound as calls without a continuation. Inside an
 * expression a call's value is 1 when its code is positive, else 0 (`!route(NEG)` is true); only a
 * call that is the whole right side of an assignment stores the code itself (see bindAssign).
 */
export const exprHooks: ExprHooks = {
  call: (env, scope, e) => {
    const exec = bindFunctionCall(env, scope, e, exprHooks, undefined, true);
    if (exec === undefined) return undefined;
    return {
      ev: (ctx) => andThen(exec(ctx), truth),
      sync: false,
      type: "int",
      constant: false,
      value: null,
      pv: undefined,
      word: undefined,
      pos: e.pos,
    };
  },
};

const at = (p: Pos): string => `${p.file}:${p.line}:${p.column}`;

const evalFailed = (ctx: ScriptContext, what: string, e: EvalFailure): void =>
  ctx.host.log(KAMAILIO_LEVELS.L_ERR, `${what} failed at ${at(e.pos)}: ${e.message}`);

/** Evaluate a condition to an int; a failed evaluation counts as `fail` (logged). */
const condition = (b: BExpr, what: string, fail: number): ((ctx: ScriptContext) => Maybe<number>) => {
  const cond = intOf(b);
  return (ctx) => {
    let v: Maybe<number>;
    try {
      v = cond(ctx);
    } catch (e) {
      if (!isEvalFailure(e)) throw e;
      evalFailed(ctx, what, e);
      return fail;
    }
    if (v instanceof Pending)
      return v.recover(isEvalFailure, (e) => {
        evalFailed(ctx, what, e);
        return fail;
      });
    return v;
  };
};

// ------------------------------------------------------------------------------------- lists

/** Does a statement list, from index `from`, contain anything? */
const nonEmpty = (stmts: readonly Stmt[]): boolean => stmts.length > 0;

/**
 * Bind a statement list at `path` inside the current block. `moreAfter`: statements follow this
 * list in the same action chain (later switch clauses), so its last call still has a continuation.
 */
export const bindList = (
  env: BindEnv,
  scope: BindScope,
  stmts: readonly Stmt[],
  path: readonly number[],
  moreAfter: boolean,
  following?: readonly BoundList[],
): BoundList => {
  const out: Exec[] = [];
  for (let i = 0; i < stmts.length; i++) {
    const s = stmts[i]!;
    const hasNext = i < stmts.length - 1 || moreAfter;
    const exec = bindStmt(env, scope, s, [...path, i], hasNext);
    if (exec !== undefined) out.push(exec);
  }
  const list: BoundList = following === undefined ? { key: listKey(scope.block, path), block: scope.block, path, stmts: out } : { key: listKey(scope.block, path), block: scope.block, path, stmts: out, following };
  env.lists.set(list.key, list);
  return list;
};

/** The statements of an if/while body: a `{ }` block or a single statement. */
const bodyOf = (s: Stmt): readonly Stmt[] => (s.kind === "block" ? s.body : [s]);

const bindStmt = (env: BindEnv, scope: BindScope, s: Stmt, path: readonly number[], hasNext: boolean): Exec | undefined => {
  if (s.kind === "if" || s.kind === "while" || s.kind === "switch" || s.kind === "block") env.stmtKinds.set(listKey(scope.block, path), s.kind);
  switch (s.kind) {
    case "call": {
      const cont: ContinuationRef = hasNext ? { block: scope.block, path } : { block: scope.block, path, last: true };
      return bindFunctionCall(env, scope, s, exprHooks, cont, false);
    }
    case "route_call":
      return bindRouteCall(env, scope, s.target, s.name, s.pos, exprHooks, hasNext ? { block: scope.block, path } : { block: scope.block, path, last: true });
    case "assign":
      return bindAssign(env, scope, s);
    case "if":
      return bindIf(env, scope, s, path);
    case "switch":
      return bindSwitch(env, scope, s, path);
    case "while":
      return bindWhile(env, scope, s, path);
    case "block": {
      const list = bindList(env, scope, s.body, [...path, 0], false);
      return (ctx) => runStmts(list.stmts, 0, ctx, 1);
    }
    case "return":
      return bindFlowStmt(env, scope, s.value, 1, RUN_RETURN, "return", true);
    case "exit":
      return bindFlowStmt(env, scope, s.value, 1, RUN_EXIT, "exit", false);
    case "drop":
      return bindFlowStmt(env, scope, s.value, 0, RUN_EXIT | RUN_DROP, "drop", false);
    case "break":
      return (ctx) => {
        ctx.runFlags |= RUN_BREAK;
        return 0;
      };
  }
};

// ------------------------------------------------------------------------- return, exit, drop

const bindFlowStmt = (
  env: BindEnv,
  scope: BindScope,
  value: Expr | undefined,
  dflt: number,
  flags: number,
  what: string,
  zeroExits: boolean,
): Exec | undefined => {
  const finish = (ctx: ScriptContext, v: number): number => {
    ctx.runFlags |= flags;
    if (zeroExits && v === 0) ctx.runFlags |= RUN_EXIT;
    return v;
  };
  if (value === undefined) {
    const f = flags | (zeroExits && dflt === 0 ? RUN_EXIT : 0);
    return (ctx) => {
      ctx.runFlags |= f;
      return dflt;
    };
  }
  const b = bindExpr(env, scope, value, exprHooks);
  if (b === undefined) return undefined;
  if (b.constant) {
    const v = toInt(b.value);
    const f = flags | (zeroExits && v === 0 ? RUN_EXIT : 0);
    return (ctx) => {
      ctx.runFlags |= f;
      return v;
    };
  }
  const cond = condition(b, `${what} value evaluation`, -1);
  return (ctx) => {
    const v = cond(ctx);
    return v instanceof Pending ? v.then((x) => finish(ctx, x)) : finish(ctx, v);
  };
};

// ------------------------------------------------------------------------------------ assign

const bindAssign = (env: BindEnv, scope: BindScope, s: AssignStmt): Exec | undefined => {
  const pv = bindPvRef(env, s.target);
  // `$x = f()` stores f's return code itself; inside a larger expression a call is 1 or 0.
  const rawCall = s.value.kind === "call" ? bindFunctionCall(env, scope, s.value, exprHooks, undefined, true) : undefined;
  const b: BExpr | undefined =
    s.value.kind === "call"
      ? rawCall === undefined
        ? undefined
        : { ev: rawCall, sync: false, type: "int", constant: false, value: null, pv: undefined, word: undefined, pos: s.value.pos }
      : bindExpr(env, scope, s.value, exprHooks);
  if (pv === undefined || b === undefined) return undefined;
  if (pv.set === undefined) {
    bindError(
      env,
      "SM_CFG_PV",
      s.target.transforms.length > 0 ? `${pv.text} cannot be assigned: it applies transformations` : `${pv.text} is not writable`,
      s.target.pos,
      { hint: "Assign to a writable pseudo-variable such as $var(name), $avp(name), $ru, $du." },
    );
    return undefined;
  }
  const set = pv.set;
  const get = pv.get;
  const clear = s.op === ":=" ? pv.clear : undefined;
  const pos = s.pos;
  const store = (ctx: ScriptContext, v: ScriptValue): number => {
    try {
      if (s.op === "+=") v = plusValues(get(ctx), v);
      if (clear !== undefined) clear(ctx);
      set(ctx, v);
    } catch (e) {
      ctx.host.log(KAMAILIO_LEVELS.L_ERR, `assignment to ${pv.text} at ${at(pos)} failed: ${e instanceof Error ? e.message : String(e)}`);
      return -1;
    }
    return 1;
  };
  const failed = (ctx: ScriptContext, e: EvalFailure): number => {
    evalFailed(ctx, `evaluation of the value for ${pv.text}`, e);
    return -1;
  };
  const ev = b.ev;
  if (b.sync) {
    return (ctx) => {
      let v: ScriptValue;
      try {
        v = ev(ctx) as ScriptValue;
      } catch (e) {
        if (!isEvalFailure(e)) throw e;
        return failed(ctx, e);
      }
      return store(ctx, v);
    };
  }
  return (ctx) => {
    let v: Maybe<ScriptValue>;
    try {
      v = ev(ctx);
    } catch (e) {
      if (!isEvalFailure(e)) throw e;
      return failed(ctx, e);
    }
    if (v instanceof Pending)
      return (v as Pending<ScriptValue | typeof FAILED>)
        .recover(isEvalFailure, (e): ScriptValue | typeof FAILED => {
          failed(ctx, e);
          return FAILED;
        })
        .then((x) => (x === FAILED ? -1 : store(ctx, x as ScriptValue)));
    return store(ctx, v);
  };
};

const FAILED: { readonly failed: true } = { failed: true };

// ---------------------------------------------------------------------------------------- if

const bindIf = (env: BindEnv, scope: BindScope, s: IfStmt, path: readonly number[]): Exec | undefined => {
  const b = bindExpr(env, scope, s.cond, exprHooks);
  const thenL = bindList(env, scope, bodyOf(s.then), [...path, 0], false);
  const elseL = s.else !== undefined ? bindList(env, scope, bodyOf(s.else), [...path, 1], false) : undefined;
  if (b === undefined) return undefined;
  const thenS = thenL.stmts;
  const elseS = elseL?.stmts;
  const after = (ctx: ScriptContext, v: number): Maybe<number> => {
    if ((ctx.runFlags & RUN_EXIT) !== 0) return 0;
    ctx.runFlags &= ~(RUN_RETURN | RUN_BREAK);
    if (v > 0) return runStmts(thenS, 0, ctx, 1);
    return elseS !== undefined ? runStmts(elseS, 0, ctx, 1) : 1;
  };
  const cond = condition(b, "if expression evaluation", 0);
  return (ctx) => {
    const v = cond(ctx);
    return v instanceof Pending ? v.then((x) => after(ctx, x)) : after(ctx, v);
  };
};

// ------------------------------------------------------------------------------------- while

const bindWhile = (env: BindEnv, scope: BindScope, s: WhileStmt, path: readonly number[]): Exec | undefined => {
  const b = bindExpr(env, scope, s.cond, exprHooks);
  const bodyL = bindList(env, scope, bodyOf(s.body), [...path, 0], false);
  if (b === undefined) return undefined;
  const body = bodyL.stmts;
  const cond = condition(b, "while condition evaluation", 0);
  const pos = s.pos;
  const stopLoop = (ctx: ScriptContext): boolean => {
    if ((ctx.runFlags & RUN_BREAK) !== 0) {
      ctx.runFlags &= ~RUN_BREAK;
      return true;
    }
    return (ctx.runFlags & (RUN_RETURN | RUN_EXIT)) !== 0;
  };
  const runaway = (ctx: ScriptContext): number => {
    ctx.host.log(KAMAILIO_LEVELS.L_ERR, `runaway while at ${at(pos)}: more than ${ctx.host.maxWhileLoops} loops`);
    return -1;
  };
  // One pass of the body once the condition held; continues the loop when nothing stopped it.
  const pass = (ctx: ScriptContext, i: number, ret: number): Maybe<number> => {
    const max = ctx.host.maxWhileLoops;
    if (max > 0 && i > max) return runaway(ctx);
    const r = runStmts(body, 0, ctx, ret);
    if (r instanceof Pending) return r.then((x) => (stopLoop(ctx) ? x : loop(ctx, i, x)));
    return stopLoop(ctx) ? r : loop(ctx, i, r);
  };
  const loop = (ctx: ScriptContext, i: number, ret: number): Maybe<number> => {
    for (;;) {
      const v = cond(ctx);
      if (v instanceof Pending) return v.then((x) => (x === 0 ? ret : pass(ctx, i + 1, ret)));
      if (v === 0) return ret;
      i++;
      const max = ctx.host.maxWhileLoops;
      if (max > 0 && i > max) return runaway(ctx);
      const r = runStmts(body, 0, ctx, ret);
      if (r instanceof Pending) {
        const k = i;
        return r.then((x) => (stopLoop(ctx) ? x : loop(ctx, k, x)));
      }
      ret = r;
      if (stopLoop(ctx)) return ret;
    }
  };
  return (ctx) => loop(ctx, 0, 1);
};

// ------------------------------------------------------------------------------------ switch

type CaseMatch = { readonly kind: "int"; readonly value: number } | { readonly kind: "str"; readonly value: string } | { readonly kind: "re"; readonly re: RegExp };

const bindSwitch = (env: BindEnv, scope: BindScope, s: SwitchStmt, path: readonly number[]): Exec | undefined => {
  const subject = bindExpr(env, scope, s.subject, exprHooks);
  let ok = subject !== undefined;
  const matches: (CaseMatch | undefined)[] = [];
  let defaultIdx = -1;
  s.clauses.forEach((c, i) => {
    if (c.kind === "default") {
      defaultIdx = i;
      matches.push(undefined);
      return;
    }
    const v = bindExpr(env, scope, c.value, exprHooks);
    if (v === undefined) {
      ok = false;
      matches.push(undefined);
      return;
    }
    if (!v.constant) {
      bindError(env, "SM_CFG_SYNTAX", "non constant expression in case", c.value.pos, { hint: "case values are numbers or quoted strings." });
      ok = false;
      matches.push(undefined);
      return;
    }
    if (c.regex) {
      try {
        matches.push({ kind: "re", re: compilePosix(toStr(v.value), false) });
      } catch (e) {
        bindError(env, "SM_CFG_SYNTAX", `bad regular expression in case: ${(e as Error).message}`, c.value.pos);
        ok = false;
        matches.push(undefined);
      }
    } else if (typeof v.value === "number") matches.push({ kind: "int", value: v.value });
    else matches.push({ kind: "str", value: toStr(v.value) });
  });
  const kinds = new Set(matches.filter((m) => m !== undefined).map((m) => (m.kind === "int" ? "int" : "str")));
  if (kinds.size > 1) {
    const bad = s.clauses.find((c, i) => c.kind === "case" && matches[i]?.kind === "int")!;
    bindError(env, "SM_CFG_SYNTAX", "type mismatch in case: a switch compares either numbers or strings", bad.pos);
    ok = false;
  }
  // Bind clause bodies; a clause's last call has a continuation when a later clause has statements.
  const raw = s.clauses.map((c, i) => ({
    c,
    i,
    moreAfter: s.clauses.slice(i + 1).some((x) => nonEmpty(x.body)),
  }));
  const lists: BoundList[] = new Array<BoundList>(raw.length);
  for (let k = raw.length - 1; k >= 0; k--) {
    const { c, i, moreAfter } = raw[k]!;
    lists[k] = bindList(env, scope, c.body, [...path, i], moreAfter, lists.slice(k + 1));
  }
  if (!ok || subject === undefined) return undefined;
  const stringMode = kinds.has("str");
  const pick = (v: ScriptValue): number => {
    if (stringMode) {
      const sv = toStr(v);
      for (let i = 0; i < matches.length; i++) {
        const m = matches[i];
        if (m === undefined) continue;
        if (m.kind === "str" ? m.value === sv : m.kind === "re" ? m.re.test(sv) : false) return i;
      }
      return defaultIdx;
    }
    const n = v as number;
    for (let i = 0; i < matches.length; i++) {
      const m = matches[i];
      if (m !== undefined && m.kind === "int" && m.value === n) return i;
    }
    return defaultIdx;
  };
  const intSubject = intOf(subject);
  const ev = stringMode ? subject.ev : intSubject;
  const after = (ctx: ScriptContext, v: ScriptValue | typeof FAILED): Maybe<number> => {
    if (v === FAILED) return defaultIdx >= 0 ? runClauses(lists, defaultIdx, ctx, -1) : -1;
    if ((ctx.runFlags & RUN_EXIT) !== 0) return 0;
    ctx.runFlags &= ~(RUN_RETURN | RUN_BREAK);
    const idx = pick(v as ScriptValue);
    return idx < 0 ? 1 : runClauses(lists, idx, ctx, 1);
  };
  const failed = (ctx: ScriptContext, e: EvalFailure): typeof FAILED => {
    evalFailed(ctx, "switch expression evaluation", e);
    return FAILED;
  };
  return (ctx) => {
    let v: Maybe<ScriptValue>;
    try {
      v = ev(ctx);
    } catch (e) {
      if (!isEvalFailure(e)) throw e;
      return after(ctx, failed(ctx, e));
    }
    if (v instanceof Pending)
      return (v as Pending<ScriptValue | typeof FAILED>)
        .recover(isEvalFailure, (e): ScriptValue | typeof FAILED => failed(ctx, e))
        .then((x) => after(ctx, x));
    return after(ctx, v);
  };
};
