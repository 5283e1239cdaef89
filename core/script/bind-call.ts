import type { ArgSpec, FixupArg } from "../module/define-module.ts";
import type { RegisteredFunction } from "../module/registry.ts";
import { routeAllows, routeMask, routeSetBlocks, routeSetLabel } from "../module/route-kind.ts";
import type { CallExpr, Expr, Pos } from "./ast.ts";
import { bindError, functionsNamed, routeExistsIn, type BindEnv, type BindScope, type RouteCell } from "./bind-env.ts";
import { bindExpr, type BExpr, type ExprHooks } from "./bind-expr.ts";
import { compileFormat, hasPv } from "./bind-format.ts";
import { bindPvText } from "./bind-pv.ts";
import { RUN_BREAK, RUN_RETURN, type BoundRoute, type ContinuationRef, type Exec } from "./bound.ts";
import type { ScriptContext } from "./context.ts";
import { invoke, type CallSite, type FunctionRun } from "./exec-call.ts";
import { isEvalFailure, runStmts, type EvalFailure } from "./exec-list.ts";
import { KAMAILIO_LEVELS } from "./log-level.ts";
import { andThen, attempt, Pending, sequence, type Maybe } from "./maybe-async.ts";
import { scanPv } from "./parse-pv.ts";
import { staticIntText, toStr } from "./values.ts";

/**
 * Binding a function call: find the function by name and argument count (the registry, then the
 * core's built-ins), check the block kind against the function's routes, turn each argument into
 * a static value or a per-call evaluator according to its kind (see ArgKind), and queue the
 * function's fixup. `route(NAME)` is bound here too.
 */

/** An int-pv argument whose value is not an int: the call returns -1 without running. */
const NOT_INT: { readonly notInt: true } = { notInt: true };
type ArgValue = string | number | typeof NOT_INT;

type ArgBinding =
  | { readonly kind: "static"; readonly value: string | number; readonly fixup: FixupArg }
  | { readonly kind: "dynamic"; readonly ev: (ctx: ScriptContext) => Maybe<ArgValue>; readonly sync: boolean; readonly fixup: FixupArg };

const staticArg = (value: string | number): ArgBinding => ({ kind: "static", value, fixup: { kind: "static", value } });

const exprText = (e: Expr): string =>
  e.kind === "pv" ? e.text : e.kind === "str" ? e.raw : e.kind === "ident" ? e.name : e.kind === "int" ? e.text : "<expression>";

const dynamicArg = (b: BExpr, conv: (v: string | number | null) => ArgValue, text: string): ArgBinding => {
  const ev = b.ev;
  return {
    kind: "dynamic",
    sync: b.sync,
    ev: b.sync ? (ctx) => conv(ev(ctx) as string | number | null) : (ctx) => andThen(ev(ctx), conv),
    fixup: { kind: "dynamic", text },
  };
};

const argLabel = (fname: string, i: number, spec: ArgSpec): string => `parameter ${i + 1} (${spec.name}) of ${fname}()`;

const intFromValue = (v: string | number | null): ArgValue => (typeof v === "number" ? v : NOT_INT);
/** intFromValue for a parameter that declares `ifNotInt`. */
const intOr =
  (fallback: number) =>
  (v: string | number | null): ArgValue =>
    typeof v === "number" ? v : fallback;

/** Bind one argument by its declared kind; undefined (error reported) when it does not fit. */
const bindArg = (env: BindEnv, scope: BindScope, fname: string, i: number, spec: ArgSpec, e: Expr, hooks: ExprHooks): ArgBinding | undefined => {
  const label = argLabel(fname, i, spec);
  switch (spec.kind) {
    case "string": {
      if (e.kind === "str") {
        if (hasPv(e.value)) {
          bindError(env, "SM_CFG_FIXUP", `${label} must be a plain string: pseudo-variables are not expanded there ("${e.raw}")`, e.pos, {
            hint: "Give a fixed value; the function does not evaluate pseudo-variables in this parameter.",
          });
          return undefined;
        }
        return staticArg(e.value);
      }
      if (e.kind === "ident") return staticArg(e.name);
      const b = bindExpr(env, scope, e, hooks);
      if (b === undefined) return undefined;
      if (b.constant) return staticArg(toStr(b.value));
      bindError(env, "SM_CFG_FIXUP", `${label} must be a fixed string, not ${exprText(e)}`, e.pos, {
        hint: "Give a quoted string; this parameter is fixed when the config is loaded.",
      });
      return undefined;
    }
    case "int": {
      if (e.kind === "str") {
        const n = staticIntText(e.value);
        if (n === undefined) {
          bindError(env, "SM_CFG_FIXUP", `${label} must be an integer, not "${e.value}"`, e.pos, { hint: "Give a whole number such as 5." });
          return undefined;
        }
        return staticArg(n);
      }
      const b = bindExpr(env, scope, e, hooks);
      if (b === undefined) return undefined;
      if (b.constant && typeof b.value === "number") return staticArg(b.value);
      bindError(env, "SM_CFG_FIXUP", `${label} must be a fixed integer, not ${exprText(e)}`, e.pos, {
        hint: "Give a whole number; this parameter is fixed when the config is loaded.",
      });
      return undefined;
    }
    case "string-pv": {
      if (e.kind === "str" && spec.leadingPv !== undefined && e.value.startsWith("$")) {
        const scan = scanPv(e.value, 0);
        if (scan.ok) {
          const pv = bindPvText(env, e.value.slice(0, scan.end), e.pos);
          if (pv === undefined) return undefined;
          const get = pv.get;
          const ifNull = spec.leadingPv.ifNull;
          const ev = (ctx: ScriptContext): ArgValue => {
            const v = get(ctx);
            return v === null ? ifNull : toStr(v);
          };
          return { kind: "dynamic", sync: true, ev, fixup: { kind: "dynamic", text: e.raw } };
        }
      }
      if (e.kind === "str" && spec.leadingPv?.otherwiseLiteral === true) return staticArg(e.value);
      if (e.kind === "str") {
        const f = compileFormat(env, e.value, e.pos, { keepLoneDollar: spec.keepLoneDollar === true });
        if (f === undefined) return undefined;
        if (f.kind === "static") return staticArg(f.text);
        const run = f.run;
        return { kind: "dynamic", sync: true, ev: run, fixup: { kind: "dynamic", text: e.raw } };
      }
      if (e.kind === "ident") return staticArg(e.name);
      const b = bindExpr(env, scope, e, hooks);
      if (b === undefined) return undefined;
      if (b.constant) return staticArg(toStr(b.value));
      return dynamicArg(b, toStr, exprText(e));
    }
    case "int-pv": {
      const toInt = spec.ifNotInt === undefined ? intFromValue : intOr(spec.ifNotInt);
      if (e.kind === "str") {
        const n = staticIntText(e.value);
        if (n !== undefined) return staticArg(n);
        const scan = e.value.startsWith("$") ? scanPv(e.value, 0) : undefined;
        if (scan !== undefined && scan.ok && scan.end === e.value.length) {
          const pv = bindPvText(env, e.value, e.pos);
          if (pv === undefined) return undefined;
          const get = pv.get;
          return { kind: "dynamic", sync: true, ev: (ctx) => toInt(get(ctx)), fixup: { kind: "dynamic", text: e.value } };
        }
        bindError(env, "SM_CFG_FIXUP", `${label} must be an integer or a pseudo-variable, not "${e.value}"`, e.pos, {
          hint: 'Give a whole number (5 or "5") or a variable holding one ($var(x)).',
        });
        return undefined;
      }
      const b = bindExpr(env, scope, e, hooks);
      if (b === undefined) return undefined;
      if (b.constant) {
        if (typeof b.value === "number") return staticArg(b.value);
        bindError(env, "SM_CFG_FIXUP", `${label} must be an integer, not ${exprText(e)}`, e.pos);
        return undefined;
      }
      return dynamicArg(b, toInt, exprText(e));
    }
  }
};

/** Message for a name nobody provides, naming the module when the core knows one. */
const unknownFunction = (env: BindEnv, e: CallExpr): void => {
  const provider = env.registry.providerHint(e.name);
  const hint =
    provider !== undefined
      ? `The ${provider} module provides ${e.name}(): add "${provider}" to "modules" in plugins.json ("modules": [..., "${provider}"]) or add the line loadmodule "${provider}.so" to the cfg.`
      : "Check the spelling; `sipmod modules` lists the functions of every module.";
  bindError(
    env,
    "SM_CFG_UNKNOWN_FUNCTION",
    `unknown function ${e.name}()${provider !== undefined ? `: it is provided by the ${provider} module, which is not loaded` : ""}`,
    e.pos,
    provider !== undefined ? { hint, module: provider } : { hint },
  );
};

const pickArity = (env: BindEnv, e: CallExpr, fns: readonly RegisteredFunction[]): RegisteredFunction | undefined => {
  const n = e.args.length;
  const f = fns.find((x) => x.fn.params.length === n);
  if (f !== undefined) return f;
  const counts = [...new Set(fns.map((x) => x.fn.params.length))].sort((a, b) => a - b);
  bindError(
    env,
    "SM_CFG_UNKNOWN_FUNCTION",
    `${e.name}() takes ${counts.join(" or ")} parameter(s), not ${n}`,
    e.pos,
    { module: fns[0]!.module, hint: `Call ${e.name}() with ${counts.join(" or ")} parameter(s).` },
  );
  return undefined;
};

/**
 * Bind a function call; `cont` is its continuation when it is a statement with statements after
 * it; `inExpr` tells a call inside an expression (or an assignment's value) from a statement, which
 * matters for the $rc of the core's functions (CallSite.rc).
 */
export const bindFunctionCall = (
  env: BindEnv,
  scope: BindScope,
  e: CallExpr,
  hooks: ExprHooks,
  cont: ContinuationRef | undefined,
  inExpr: boolean,
): Exec | undefined => {
  if (e.name === "route" && functionsNamed(env, "route").length === 0) return bindRouteCallExpr(env, scope, e, hooks, inExpr ? null : (cont ?? null));
  const fns = functionsNamed(env, e.name);
  if (fns.length === 0) {
    unknownFunction(env, e);
    // Bind the arguments anyway so their own errors are reported too.
    for (const a of e.args) bindExpr(env, scope, a, hooks);
    return undefined;
  }
  const reg = pickArity(env, e, fns);
  if (reg === undefined) return undefined;
  const fn = reg.fn;
  let ok = true;
  if (!routeAllows(routeMask(fn.routes), scope.kind)) {
    bindError(
      env,
      "SM_CFG_ROUTE_TYPE",
      `${e.name}() cannot be used in ${scope.label} (allowed in ${routeSetLabel(fn.routes)})`,
      e.pos,
      { module: reg.module, hint: `Move the call into ${routeSetBlocks(fn.routes)}; Kamailio 5.6 refuses it here too ("Command cannot be used in the block").` },
    );
    ok = false;
  } else if (fn.events !== undefined && fn.events.length > 0) {
    env.eventUses.push({ fn: e.name, module: reg.module, events: fn.events, pos: e.pos, block: scope.block });
  }
  const args: ArgBinding[] = [];
  for (let i = 0; i < fn.params.length; i++) {
    const a = bindArg(env, scope, e.name, i, fn.params[i]!, e.args[i]!, hooks);
    if (a === undefined) ok = false;
    else args.push(a);
  }
  if (!ok) return undefined;
  const base = { name: e.name, module: reg.module, run: fn.run as unknown as FunctionRun, fixed: undefined, cont, pos: e.pos };
  // Kamailio 5.6: its core functions leave $rc as it was, or 0 inside an expression; module functions set it.
  const site: CallSite = reg.module === "core" ? { ...base, rc: inExpr ? "zero" : "keep" } : base;
  if (fn.fixup !== undefined) {
    env.fixups.push({
      run: fn.fixup({ args: args.map((a) => a.fixup), pos: e.pos, routeExists: routeExistsIn(env.blocks) }),
      apply: (fixed) => {
        site.fixed = fixed;
      },
      pos: e.pos,
      module: reg.module,
    });
  }
  return callExec(site, args);
};

const notInt = (ctx: ScriptContext, site: CallSite, i: number): number => {
  ctx.host.log(
    KAMAILIO_LEVELS.L_ERR,
    `${site.name}() at ${site.pos.file}:${site.pos.line}: parameter ${i + 1} is not an integer value; the call returns -1`,
  );
  if (site.rc === undefined) ctx.rc = -1;
  else if (site.rc === "zero") ctx.rc = 0;
  return -1;
};

const argFailed = (ctx: ScriptContext, site: CallSite, e: EvalFailure): number => {
  ctx.host.log(KAMAILIO_LEVELS.L_ERR, `${site.name}() at ${site.pos.file}:${site.pos.line}: cannot evaluate a parameter: ${e.message}`);
  return -1;
};

const callExec = (site: CallSite, args: readonly ArgBinding[]): Exec => {
  const n = args.length;
  if (args.every((a) => a.kind === "static")) {
    const argv = Object.freeze(args.map((a) => (a as { value: string | number }).value));
    return (ctx) => invoke(site, ctx, argv);
  }
  const evs = args.map((a) => (a.kind === "static" ? () => a.value : a.ev));
  if (args.every((a) => a.kind === "static" || a.sync)) {
    return (ctx) => {
      const argv = new Array<string | number>(n);
      for (let i = 0; i < n; i++) {
        let v: ArgValue;
        try {
          v = evs[i]!(ctx) as ArgValue;
        } catch (e) {
          if (!isEvalFailure(e)) throw e;
          return argFailed(ctx, site, e);
        }
        if (v === NOT_INT) return notInt(ctx, site, i);
        argv[i] = v as string | number;
      }
      return invoke(site, ctx, argv);
    };
  }
  return (ctx) =>
    attempt(
      () =>
        andThen(
          sequence(n, (i) => evs[i]!(ctx)),
          (argv) => {
            for (let i = 0; i < n; i++) if (argv[i] === NOT_INT) return notInt(ctx, site, i);
            return invoke(site, ctx, argv as (string | number)[]);
          },
        ),
      isEvalFailure,
      (e) => argFailed(ctx, site, e),
    );
};

// ------------------------------------------------------------------------------------ route()

const routeDone = (ctx: ScriptContext, v: number): number => {
  ctx.depth--;
  ctx.callers?.pop();
  ctx.rc = v;
  ctx.runFlags &= ~(RUN_RETURN | RUN_BREAK);
  return v;
};

/** Run route[X] for route(X): its return value becomes $rc; return and break stop at its end. */
export const callRoute = (ctx: ScriptContext, route: BoundRoute, pos: Pos, at: ContinuationRef | null = null): Maybe<number> => {
  if (ctx.depth >= ctx.host.maxRouteDepth) {
    ctx.host.log(
      KAMAILIO_LEVELS.L_ERR,
      `too many nested route() calls (${ctx.host.maxRouteDepth}) at ${pos.file}:${pos.line}: giving up on ${route.key}`,
    );
    return -1;
  }
  ctx.depth++;
  (ctx.callers ??= []).push(at);
  const r = runStmts(route.body.stmts, 0, ctx, 1);
  return r instanceof Pending ? r.then((v) => routeDone(ctx, v)) : routeDone(ctx, r);
};

const routeCell = (env: BindEnv, name: string): RouteCell => {
  let c = env.routeCells.get(name);
  if (c === undefined) {
    c = { route: undefined };
    env.routeCells.set(name, c);
  }
  return c;
};

/** `route(NAME)` with NAME known at load time (must exist) or computed per call (looked up then). */
export const bindRouteCall = (
  env: BindEnv,
  scope: BindScope,
  target: Expr,
  staticName: string | undefined,
  pos: Pos,
  hooks: ExprHooks,
  at: ContinuationRef | null = null,
): Exec | undefined => {
  if (staticName !== undefined) {
    let called = env.routeCalls.get(scope.block);
    if (called === undefined) env.routeCalls.set(scope.block, (called = new Set()));
    called.add(staticName);
    if (!env.blocks.has(`route[${staticName}]`)) {
      bindError(env, "SM_CFG_UNKNOWN_ROUTE", `route(${staticName}): there is no route[${staticName}] block`, pos, {
        hint: `Add a route[${staticName}] { ... } block or fix the name.`,
      });
      return undefined;
    }
    const cell = routeCell(env, staticName);
    return (ctx) => callRoute(ctx, cell.route!, pos, at);
  }
  env.dynamicRouteCalls.push(pos);
  const b = bindExpr(env, scope, target, hooks);
  if (b === undefined) return undefined;
  const ev = b.ev;
  const go = (ctx: ScriptContext, v: string | number | null): Maybe<number> => {
    const name = toStr(v);
    const r = ctx.host.program.routes.get(name);
    if (r === undefined) {
      ctx.host.log(KAMAILIO_LEVELS.L_ERR, `route "${name}" not found at ${pos.file}:${pos.line}`);
      return -1;
    }
    return callRoute(ctx, r, pos, at);
  };
  const failed = (ctx: ScriptContext, e: EvalFailure): number => {
    ctx.host.log(KAMAILIO_LEVELS.L_ERR, `route() at ${pos.file}:${pos.line}: cannot evaluate the route name: ${e.message}`);
    return -1;
  };
  return (ctx) =>
    attempt(
      () => andThen(ev(ctx), (v) => go(ctx, v)),
      isEvalFailure,
      (e) => failed(ctx, e),
    );
};

/** `route(X)` written as a call inside an expression. */
const bindRouteCallExpr = (env: BindEnv, scope: BindScope, e: CallExpr, hooks: ExprHooks, at: ContinuationRef | null): Exec | undefined => {
  if (e.args.length !== 1) {
    bindError(env, "SM_CFG_UNKNOWN_FUNCTION", `route() takes one parameter (the route name), not ${e.args.length}`, e.pos);
    return undefined;
  }
  const a = e.args[0]!;
  const name = a.kind === "ident" ? a.name : a.kind === "str" ? a.value : a.kind === "int" ? a.text : undefined;
  return bindRouteCall(env, scope, a, name, e.pos, hooks, at);
};

