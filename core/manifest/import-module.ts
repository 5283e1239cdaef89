import { Effect } from "effect";
import { sipmodError, type SipmodError, type SourcePos } from "../errors.ts";
import { isModule, type AnyModule } from "../module/define-module.ts";
import { CORE_MAJOR } from "../version.ts";
import type { ResolvedModule } from "./resolve-module.ts";

const describeExport = (x: unknown): string => {
  if (x === undefined) return "no default export";
  if (x === null) return "a default export of null";
  if (typeof x === "function") return `a default export that is a function${x.name ? ` (${x.name})` : ""}`;
  if (typeof x === "object") {
    const keys = Object.keys(x).slice(0, 5);
    return `a default export that is an object without the defineModule mark (keys: ${keys.join(", ") || "none"})`;
  }
  return `a default export of type ${typeof x}`;
};

/**
 * Import a resolved module and check its default export: a declaration made by `defineModule`
 * (or `classModule`) for this core's major version.
 */
export const importModule = (
  spec: string,
  resolved: ResolvedModule,
  pos: SourcePos,
): Effect.Effect<AnyModule, SipmodError> =>
  Effect.tryPromise({
    try: () => import(resolved.url) as Promise<{ readonly default?: unknown }>,
    catch: (cause) =>
      sipmodError("SM_MODULE_LOAD", `module "${spec}" (${resolved.file}) failed to load`, { pos, cause }),
  }).pipe(
    Effect.flatMap((ns) => {
      const decl = ns.default;
      if (!isModule(decl))
        return Effect.fail(
          sipmodError("SM_MODULE_INVALID", `module "${spec}" (${resolved.file}) has ${describeExport(decl)}`, { pos }),
        );
      if (typeof decl.name !== "string" || !/^[A-Za-z0-9_.-]+$/.test(decl.name))
        return Effect.fail(
          sipmodError("SM_MODULE_INVALID", `module "${spec}" (${resolved.file}) has an invalid name ${JSON.stringify(decl.name)}`, {
            pos,
            hint: "A module name uses letters, digits, `_`, `.` or `-`.",
          }),
        );
      if (decl.core !== CORE_MAJOR)
        return Effect.fail(
          sipmodError(
            "SM_MODULE_CORE_VERSION",
            `module "${decl.name}" ${decl.version} was built for sipmod core ${String(decl.core)}.x, this core is ${CORE_MAJOR}.x`,
            { pos, module: decl.name },
          ),
        );
      return Effect.succeed(decl);
    }),
  );
