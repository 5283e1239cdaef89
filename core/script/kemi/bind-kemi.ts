import { Effect } from "effect";
import { sipmodError, SipmodErrors, type SipmodError } from "../../errors.ts";
import { didYouMeanSuffix } from "../../manifest/did-you-mean.ts";
import { erase, type AnyModule } from "../../module/define-module.ts";
import type { Registry } from "../../module/registry.ts";
import type { RouteKind } from "../../module/route-kind.ts";
import { blockKey, listKey, RUN_EXIT, type BoundList, type BoundProgram, type BoundRoute, type Exec } from "../bound.ts";
import { coreModule } from "../builtins/core-module.ts";
import type { ScriptContext } from "../context.ts";
import { KAMAILIO_LEVELS } from "../log-level.ts";
import { Pending } from "../maybe-async.ts";
import type { KemiScript } from "./kemi-script.ts";
import { isThenable, KsrStop, makeKsrFactory, routeCode, type KemiRouteFunction } from "./ksr-runtime.ts";

/**
 * Bind a TypeScript routing script into the same BoundProgram a cfg gives: each exported route
 * becomes a BoundRoute whose body is one statement that calls the route function with a `ksr`
 * for the ScriptContext, so the engine and the server run it unchanged.
 *
 * Checked at load: every export names a route kind (request_route, reply_route, onsend_route as
 * functions; route, event_route and named module blocks such as failure_route as objects of
 * functions by name; unnamed module blocks as functions), and every route is a function. What a
 * cfg binder also checks at load (function names, parameter kinds, route types, fixups) cannot be
 * seen in compiled code; those checks run per call (see kemi-call.ts).
 */

type RouteFunction = KemiRouteFunction;

interface Found {
  readonly keyword: string;
  readonly name: string | undefined;
  readonly kind: RouteKind;
  readonly fn: RouteFunction;
}

const CORE_UNNAMED: Readonly<Record<string, RouteKind>> = { request_route: "request", reply_route: "core_onreply", onsend_route: "onsend" };
const CORE_NAMED: Readonly<Record<string, RouteKind>> = { route: "request", event_route: "event" };

const isFunction = (v: unknown): v is RouteFunction => typeof v === "function";

/** Find the script's routes; errors for exports that are not routes. */
const collect = (script: KemiScript, registry: Registry): { found: Found[]; errors: SipmodError[] } => {
  const found: Found[] = [];
  const errors: SipmodError[] = [];
  const pos = { file: script.file };
  const keywords = [...Object.keys(CORE_UNNAMED), ...Object.keys(CORE_NAMED), ...registry.blocks.keys()];
  for (const [exp, value] of Object.entries(script.exports)) {
    const unnamedKind = CORE_UNNAMED[exp] ?? (registry.blocks.get(exp)?.named === false ? registry.blocks.get(exp)!.kind : undefined);
    const namedKind = CORE_NAMED[exp] ?? (registry.blocks.get(exp)?.named === true ? registry.blocks.get(exp)!.kind : undefined);
    if (unnamedKind !== undefined) {
      if (!isFunction(value)) {
        errors.push(sipmodError("SM_CFG_SYNTAX", `export "${exp}" must be a route function (ksr) => ..., not ${typeof value}`, { pos }));
        continue;
      }
      found.push({ keyword: exp, name: undefined, kind: unnamedKind, fn: value });
      continue;
    }
    if (namedKind !== undefined) {
      if (typeof value !== "object" || value === null) {
        errors.push(
          sipmodError("SM_CFG_SYNTAX", `export "${exp}" must be an object of route functions by name ({ NAME: (ksr) => ... })`, { pos }),
        );
        continue;
      }
      for (const [name, fn] of Object.entries(value)) {
        if (!isFunction(fn)) {
          errors.push(sipmodError("SM_CFG_SYNTAX", `${exp}["${name}"] must be a route function (ksr) => ..., not ${typeof fn}`, { pos }));
          continue;
        }
        const kind: RouteKind = exp === "event_route" && name.startsWith("tm:branch-failure") ? "branch_failure" : namedKind;
        found.push({ keyword: exp, name, kind, fn });
      }
      continue;
    }
    const tmBlock = exp === "failure_route" || exp === "onreply_route" || exp === "branch_route";
    errors.push(
      sipmodError("SM_CFG_SYNTAX", `export "${exp}" is not a route kind${didYouMeanSuffix(exp, keywords)}`, {
        pos,
        hint: tmBlock
          ? `${exp} is added by the tm module: add "tm" to "modules" in plugins.json.`
          : `A routing script exports only routes: ${keywords.join(", ")}. Keep helpers unexported or in another file.`,
        ...(tmBlock ? { module: "tm" } : {}),
      }),
    );
  }
  return { found, errors };
};

/** The statement that runs a route function with a fresh `ksr`. */
const routeExec = (key: string, fn: RouteFunction, makeKsr: (ctx: ScriptContext, key: string) => unknown): Exec => {
  const stopped = (ctx: ScriptContext, e: unknown): number => {
    if (e instanceof KsrStop) {
      ctx.rc = e.code;
      return e.code;
    }
    ctx.host.log(KAMAILIO_LEVELS.L_ERR, `TypeScript route ${key} threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    ctx.rc = -1;
    return -1;
  };
  const done = (ctx: ScriptContext, v: unknown): number => {
    if ((ctx.runFlags & RUN_EXIT) !== 0) return ctx.rc;
    const code = routeCode(v);
    ctx.rc = code;
    return code;
  };
  return (ctx) => {
    let r: unknown;
    try {
      r = fn(makeKsr(ctx, key));
    } catch (e) {
      return stopped(ctx, e);
    }
    if (isThenable(r))
      return new Pending(
        Promise.resolve(r).then(
          (v) => done(ctx, v),
          (e: unknown) => stopped(ctx, e),
        ),
      );
    return done(ctx, r);
  };
};

export interface BindKemiOptions {
  /** The core's built-in functions (default: core/script/builtins), reached as ksr.core.*. */
  readonly core?: AnyModule;
}

/** Bind `script` against `registry`. Fails with every error found (SipmodErrors). */
export const bindKemiProgram = (script: KemiScript, registry: Registry, options: BindKemiOptions = {}): Effect.Effect<BoundProgram, SipmodErrors> =>
  Effect.suspend(() => {
    const { found, errors } = collect(script, registry);
    if (errors.length > 0) return Effect.fail(new SipmodErrors({ errors }));
    const routeFns = new Map<string, RouteFunction>();
    for (const f of found) if (f.keyword === "route" && f.name !== undefined) routeFns.set(f.name, f.fn);
    const blocks = new Map<string, BoundRoute>();
    const makeKsr = makeKsrFactory(registry, options.core ?? erase(coreModule), {
      file: script.file,
      routeExists: (block, name) => blocks.has(blockKey(block === "request_route" ? "route" : block, name)),
      routeFunction: (name) => routeFns.get(name),
      maxDepth: (ctx) => ctx.host.maxRouteDepth,
    });
    const lists = new Map<string, BoundList>();
    for (const f of found) {
      const key = blockKey(f.keyword, f.name);
      const body: BoundList = { key: listKey(key, []), block: key, path: [], stmts: [routeExec(key, f.fn, makeKsr)] };
      lists.set(body.key, body);
      blocks.set(key, { key, keyword: f.keyword, name: f.name, kind: f.kind, body, file: script.file, line: 0 });
    }
    const routes = new Map<string, BoundRoute>();
    const events = new Map<string, BoundRoute>();
    for (const r of blocks.values()) {
      if (r.keyword === "route" && r.name !== undefined) routes.set(r.name, r);
      if (r.keyword === "event_route" && r.name !== undefined) events.set(r.name, r);
    }
    const program: BoundProgram = {
      blocks,
      request: blocks.get("request_route"),
      reply: blocks.get("reply_route"),
      routes,
      events,
      lists,
      stmtKinds: new Map(),
    };
    return Effect.succeed(program);
  });
