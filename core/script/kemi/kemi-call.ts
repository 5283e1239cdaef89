import { Cause, Effect, Exit, Option } from "effect";
import type { SipmodError } from "../../errors.ts";
import type { AnyConfigFunction, FixupSite } from "../../module/define-module.ts";
import type { RegisteredFunction } from "../../module/registry.ts";
import { routeAllows, routeMask, routeSetLabel } from "../../module/route-kind.ts";
import type { Pos } from "../ast.ts";
import { RUN_EXIT } from "../bound.ts";
import type { ScriptContext } from "../context.ts";
import { invoke, type CallSite, type FunctionRun } from "../exec-call.ts";
import { KAMAILIO_LEVELS } from "../log-level.ts";
import { Pending } from "../maybe-async.ts";

/**
 * Calling a module function from a TypeScript route (`ksr.<module>.<name>(...args)`): the same
 * function the cfg binder calls, with the checks the binder makes at load done per call instead:
 * the parameter count picks the variant, the route kind running now must be one the function
 * allows, each argument must have its declared kind, and the function's fixup runs once per
 * distinct argument list (cached). Any failed check logs an error and the call returns -1.
 * After the script was stopped (a function returned 0, ksr.x.exit/drop) calls are no-ops giving 0.
 */

/** How many distinct argument lists one function variant keeps fixups for before starting over. */
export const FIXUP_CACHE_LIMIT = 1024;

type FixupResult = { readonly ok: true; readonly fixed: unknown } | { readonly ok: false; readonly error: string };

interface Variant {
  readonly fn: AnyConfigFunction<unknown>;
  readonly mask: number;
  readonly run: FunctionRun;
  readonly fixups: Map<string, FixupResult>;
}

/** One `ksr.<module>.<name>`: every variant by parameter count. */
export interface KemiFunction {
  readonly module: string;
  readonly name: string;
  readonly variants: ReadonlyMap<number, Variant>;
}

/** What a call needs from the program it belongs to. */
export interface KemiCallHost {
  /** The script file (call sites are reported there). */
  readonly file: string;
  /** FixupSite.routeExists for the program's routes. */
  readonly routeExists: FixupSite["routeExists"];
}

export const kemiFunction = (module: string, name: string, regs: readonly RegisteredFunction[]): KemiFunction => {
  const variants = new Map<number, Variant>();
  for (const r of regs) {
    if (variants.has(r.fn.params.length)) continue;
    variants.set(r.fn.params.length, {
      fn: r.fn,
      mask: routeMask(r.fn.routes),
      run: r.fn.run as unknown as FunctionRun,
      fixups: new Map(),
    });
  }
  return { module, name, variants };
};

const fail = (ctx: ScriptContext, text: string): number => {
  ctx.host.log(KAMAILIO_LEVELS.L_ERR, text);
  ctx.rc = -1;
  return -1;
};

const describe = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v) : typeof v === "number" ? String(v) : typeof v);

const runFixup = (v: Variant, args: readonly (string | number)[], host: KemiCallHost, pos: Pos): FixupResult => {
  const fixup = v.fn.fixup;
  if (fixup === undefined) return { ok: true, fixed: undefined };
  const key = JSON.stringify(args);
  const cached = v.fixups.get(key);
  if (cached !== undefined) return cached;
  let result: FixupResult;
  try {
    const exit = Effect.runSyncExit(fixup({ args: args.map((value) => ({ kind: "static", value })), pos, routeExists: host.routeExists }));
    if (Exit.isSuccess(exit)) result = { ok: true, fixed: exit.value };
    else {
      const err = Cause.failureOption(exit.cause);
      result = { ok: false, error: Option.isSome(err) ? (err.value as SipmodError).message : Cause.pretty(exit.cause) };
    }
  } catch (e) {
    result = { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  if (v.fixups.size >= FIXUP_CACHE_LIMIT) v.fixups.clear();
  v.fixups.set(key, result);
  return result;
};

/**
 * Call `f` for `ctx` with the arguments the script passed. A number when the function answered
 * at once, a Promise when its Effect has to wait.
 */
export const callKemiFunction = (
  f: KemiFunction,
  ctx: ScriptContext,
  routeKey: string,
  host: KemiCallHost,
  args: readonly unknown[],
): number | Promise<number> => {
  if ((ctx.runFlags & RUN_EXIT) !== 0) return 0;
  const label = `ksr.${f.module}.${f.name}()`;
  const v = f.variants.get(args.length);
  if (v === undefined) {
    const counts = [...f.variants.keys()].sort((a, b) => a - b).join(" or ");
    return fail(ctx, `${label} takes ${counts} parameter(s), not ${args.length}; the call returns -1`);
  }
  if (!routeAllows(v.mask, ctx.route))
    return fail(
      ctx,
      `${label} cannot be used in ${routeKey} (route kind ${ctx.route}; allowed in ${routeSetLabel(v.fn.routes)}); the call returns -1`,
    );
  const params = v.fn.params;
  for (let i = 0; i < params.length; i++) {
    const spec = params[i]!;
    const a = args[i];
    if (spec.kind === "int" || spec.kind === "int-pv") {
      if (typeof a !== "number" || !Number.isInteger(a))
        return fail(ctx, `${label}: parameter ${i + 1} (${spec.name}) must be an integer, not ${describe(a)}; the call returns -1`);
    } else if (typeof a !== "string")
      return fail(ctx, `${label}: parameter ${i + 1} (${spec.name}) must be a string, not ${describe(a)}; the call returns -1`);
  }
  const argv = args as readonly (string | number)[];
  const pos: Pos = { file: host.file, line: 0, column: 0 };
  const fx = runFixup(v, argv, host, pos);
  if (!fx.ok) return fail(ctx, `${label}: invalid parameters: ${fx.error}; the call returns -1`);
  const site: CallSite = { name: `ksr.${f.module}.${f.name}`, module: f.module, run: v.run, fixed: fx.fixed, cont: undefined, pos };
  const r = invoke(site, ctx, argv);
  return r instanceof Pending ? r.promise : r;
};
