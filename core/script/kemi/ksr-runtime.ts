import type { AnyConfigFunction, AnyModule } from "../../module/define-module.ts";
import type { RegisteredFunction, Registry } from "../../module/registry.ts";
import type { ScriptValue } from "../../module/values.ts";
import { newBindEnv } from "../bind-env.ts";
import { bindPvText, type BoundPv } from "../bind-pv.ts";
import { RUN_DROP, RUN_EXIT } from "../bound.ts";
import type { ScriptContext } from "../context.ts";
import { KAMAILIO_LEVELS } from "../log-level.ts";
import { callKemiFunction, kemiFunction, type KemiCallHost, type KemiFunction } from "./kemi-call.ts";

/**
 * The `ksr` object a TypeScript route receives: one per run (per message and route), made cheaply
 * from a per-program prototype whose module namespaces are built on first use.
 *   ksr.<module>.<function>(...args)   every function the loaded modules register (and the core's)
 *   ksr.pv.get/gete/sets/seti/unset/is_null   pseudo-variables by name ("$rU", "$var(x)")
 *   ksr.x.exit() / ksr.x.drop()         end the run (like `exit` / `drop` in a cfg)
 *   ksr.route("NAME")                   run the script's route NAME (from `export const route`)
 */

/** Thrown by ksr.x.exit()/drop() to unwind the user's code; caught by the route runner. */
export class KsrStop {
  constructor(readonly code: number) {}
}

/** A route function of the script. */
export type KemiRouteFunction = (ksr: unknown) => unknown;

/** What ksr.route() and the fixups need from the program. */
export interface KsrProgramView extends KemiCallHost {
  readonly routeFunction: (name: string) => KemiRouteFunction | undefined;
  readonly maxDepth: (ctx: ScriptContext) => number;
}

interface KsrRun {
  readonly ctx: ScriptContext;
  readonly key: string;
}

/** Names the root of `ksr` uses itself; a module of that name is reached only through them. */
const RESERVED = new Set(["x", "route"]);

/** The module functions by module and name: the registry's, plus the core's built-ins if the registry lacks "core". */
const functionsByModule = (registry: Registry, core: AnyModule | undefined): Map<string, Map<string, RegisteredFunction[]>> => {
  const out = new Map<string, Map<string, RegisteredFunction[]>>();
  const add = (r: RegisteredFunction): void => {
    let m = out.get(r.module);
    if (m === undefined) out.set(r.module, (m = new Map()));
    const list = m.get(r.fn.name) ?? [];
    list.push(r);
    m.set(r.fn.name, list);
  };
  for (const regs of registry.functions.values()) for (const r of regs) add(r);
  if (core !== undefined && !registry.modules.some((m) => m.name === "core"))
    for (const f of core.functions ?? []) add({ module: "core", fn: f as AnyConfigFunction<unknown> });
  return out;
};

/** A pseudo-variable resolved by name, or why it cannot be. */
type PvEntry = BoundPv | { readonly error: string };

const PV_CACHE_LIMIT = 4096;

const pvResolver = (registry: Registry, file: string): ((text: string) => PvEntry) => {
  const cache = new Map<string, PvEntry>();
  return (text) => {
    const hit = cache.get(text);
    if (hit !== undefined) return hit;
    const env = newBindEnv(registry, new Map(), new Map());
    const b = bindPvText(env, text, { file, line: 0, column: 0 });
    const entry: PvEntry = b !== undefined && env.errors.length === 0 ? b : { error: env.errors.map((e) => e.message).join("; ") || `cannot use ${text}` };
    if (cache.size >= PV_CACHE_LIMIT) cache.clear();
    cache.set(text, entry);
    return entry;
  };
};

const isError = (e: PvEntry): e is { readonly error: string } => "error" in e;

/** Make `ksr` objects for one program. */
export const makeKsrFactory = (
  registry: Registry,
  core: AnyModule | undefined,
  view: KsrProgramView,
): ((ctx: ScriptContext, key: string) => unknown) => {
  const byModule = functionsByModule(registry, core);
  const modules = new Map<string, KemiFunction[]>();
  for (const [mod, fns] of byModule) modules.set(mod, [...fns].map(([name, regs]) => kemiFunction(mod, name, regs)));
  const resolvePv = pvResolver(registry, view.file);

  const log = (run: KsrRun, text: string): void => run.ctx.host.log(KAMAILIO_LEVELS.L_ERR, text);

  const moduleNs = (fns: readonly KemiFunction[], run: KsrRun): Record<string, unknown> => {
    const ns: Record<string, unknown> = {};
    for (const f of fns) ns[f.name] = (...args: unknown[]) => callKemiFunction(f, run.ctx, run.key, view, args);
    return ns;
  };

  const pvNs = (run: KsrRun): Record<string, unknown> => {
    const find = (name: unknown, what: string): BoundPv | undefined => {
      if (typeof name !== "string") {
        log(run, `ksr.pv.${what}(): the name must be a string such as "$rU", not ${typeof name}`);
        return undefined;
      }
      const e = resolvePv(name);
      if (isError(e)) {
        log(run, `ksr.pv.${what}("${name}"): ${e.error}`);
        return undefined;
      }
      return e;
    };
    const get = (name: unknown): ScriptValue => {
      const p = find(name, "get");
      return p === undefined ? null : p.get(run.ctx);
    };
    const set = (name: unknown, value: ScriptValue, what: string): void => {
      const p = find(name, what);
      if (p === undefined) return;
      if (p.set === undefined) {
        log(run, `ksr.pv.${what}("${p.text}"): the pseudo-variable cannot be written`);
        return;
      }
      if (p.clear !== undefined && value !== null) p.clear(run.ctx);
      p.set(run.ctx, value);
    };
    return {
      get,
      gete: (name: unknown): string => {
        const v = get(name);
        return v === null ? "" : String(v);
      },
      is_null: (name: unknown): boolean => get(name) === null,
      sets: (name: unknown, value: unknown): void => {
        if (typeof value !== "string") return log(run, `ksr.pv.sets(): the value must be a string, not ${typeof value}`);
        set(name, value, "sets");
      },
      seti: (name: unknown, value: unknown): void => {
        if (typeof value !== "number" || !Number.isInteger(value))
          return log(run, `ksr.pv.seti(): the value must be an integer, not ${typeof value === "number" ? String(value) : typeof value}`);
        set(name, value, "seti");
      },
      unset: (name: unknown): void => set(name, null, "unset"),
    };
  };

  const xNs = (run: KsrRun): Record<string, unknown> => ({
    exit: (): never => {
      run.ctx.runFlags |= RUN_EXIT;
      throw new KsrStop(1);
    },
    drop: (): never => {
      run.ctx.runFlags |= RUN_EXIT | RUN_DROP;
      throw new KsrStop(0);
    },
  });

  const routeFn = (run: KsrRun, self: unknown) => (name: unknown): number | Promise<number> => {
    const ctx = run.ctx;
    if ((ctx.runFlags & RUN_EXIT) !== 0) return 0;
    const f = typeof name === "string" ? view.routeFunction(name) : undefined;
    if (f === undefined) {
      log(run, `ksr.route(${typeof name === "string" ? JSON.stringify(name) : typeof name}): the script exports no such route (export const route = { NAME: ... })`);
      return -1;
    }
    if (ctx.depth >= view.maxDepth(ctx)) {
      log(run, `too many nested ksr.route() calls (${view.maxDepth(ctx)}): giving up on route ${String(name)}`);
      return -1;
    }
    ctx.depth++;
    let r: unknown;
    try {
      r = f(self);
    } finally {
      if (!isThenable(r)) ctx.depth--;
    }
    if (isThenable(r))
      return Promise.resolve(r).then(
        (v) => {
          ctx.depth--;
          return routeCode(v);
        },
        (e: unknown) => {
          ctx.depth--;
          throw e;
        },
      );
    return routeCode(r);
  };

  // The per-program prototype: every namespace is a lazy getter cached on the run's object.
  const NS = Symbol("ksr.ns");
  const RUN = Symbol("ksr.run");
  type Root = { [NS]: Map<string, unknown>; [RUN]: KsrRun };
  const proto: object = {};
  const lazy = (name: string, make: (run: KsrRun, self: Root) => unknown): void => {
    Object.defineProperty(proto, name, {
      enumerable: true,
      get(this: Root) {
        let v = this[NS].get(name);
        if (v === undefined) this[NS].set(name, (v = make(this[RUN], this)));
        return v;
      },
    });
  };
  for (const [mod, fns] of modules) {
    if (RESERVED.has(mod) || mod === "pv") continue;
    lazy(mod, (run) => moduleNs(fns, run));
  }
  const pvModule = modules.get("pv") ?? [];
  lazy("pv", (run) => ({ ...moduleNs(pvModule, run), ...pvNs(run) }));
  lazy("x", (run) => xNs(run));
  lazy("route", (run, self) => routeFn(run, self));

  return (ctx, key) => {
    const root = Object.create(proto) as Root;
    root[NS] = new Map();
    root[RUN] = { ctx, key };
    return root;
  };
};

export const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";

/** A route function's return value as a return code: an integer as it is, anything else 1. */
export const routeCode = (v: unknown): number => (typeof v === "number" && Number.isInteger(v) ? v : 1);
