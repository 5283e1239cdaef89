import { Effect } from "effect";
import { isModule } from "../module/define-module.ts";
import { builtinModuleNames, builtinModuleUrl } from "./builtin-modules.ts";

/**
 * Which built-in module provides a config function, for "unknown function" errors ("enable
 * tmx"). The built-in declarations are imported the first time the index is asked for, not at
 * start-up; a built-in that fails to import simply gives no hint.
 */

let index: ReadonlyMap<string, string> | undefined;

/** The index if it has been built already (sync view for Registry.providerHint). */
export const builtinProvidersIfLoaded = (): ReadonlyMap<string, string> | undefined => index;

/** Function name -> built-in module name, importing the built-in declarations once. */
export const builtinProviders: Effect.Effect<ReadonlyMap<string, string>> = Effect.suspend(() => {
  if (index !== undefined) return Effect.succeed(index);
  return Effect.forEach(
    builtinModuleNames(),
    (name) =>
      Effect.promise(async () => {
        try {
          const ns = (await import(builtinModuleUrl(name)!.href)) as { readonly default?: unknown };
          return isModule(ns.default) ? ns.default : undefined;
        } catch {
          return undefined;
        }
      }),
    { concurrency: "unbounded" },
  ).pipe(
    Effect.map((decls) => {
      const m = new Map<string, string>();
      for (const d of decls) for (const f of d?.functions ?? []) if (!m.has(f.name)) m.set(f.name, d!.name);
      index = m;
      return m;
    }),
  );
});
