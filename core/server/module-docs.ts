import { Effect } from "effect";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sipmodError, type SipmodError } from "../errors.ts";
import { builtinModuleNames, builtinModuleUrl } from "../manifest/builtin-modules.ts";
import { renderErrorsDoc } from "../manifest/gen-errors-doc.ts";
import { PLUGINS_SCHEMA_PATH, renderPluginsJsonSchema } from "../manifest/gen-json-schema.ts";
import { isModule, type AnyModule } from "../module/define-module.ts";
import { renderReadme } from "../module/readme.ts";
import { coreModule } from "../script/builtins/core-module.ts";
import { erase } from "../module/define-module.ts";

/** Import a built-in module's declaration by name. */
export const importBuiltin = (name: string): Effect.Effect<AnyModule, SipmodError> =>
  Effect.gen(function* () {
    if (name === "core") return erase(coreModule);
    const url = builtinModuleUrl(name);
    if (url === undefined) return yield* Effect.fail(sipmodError("SM_MODULE_UNKNOWN", `no built-in module named "${name}"`));
    const mod = yield* Effect.tryPromise({
      try: () => import(url.href) as Promise<{ readonly default?: unknown }>,
      catch: (cause) => sipmodError("SM_MODULE_LOAD", `cannot import built-in module "${name}"`, { cause }),
    });
    if (!isModule(mod.default)) return yield* Effect.fail(sipmodError("SM_MODULE_INVALID", `modules/${name} has no declaration`));
    return mod.default;
  });

/** Every generated document: path and the text it must have. */
export const generatedDocs = (): Effect.Effect<readonly { readonly path: string; readonly text: string }[], SipmodError> =>
  Effect.gen(function* () {
    const out: { path: string; text: string }[] = [];
    for (const name of builtinModuleNames()) {
      const m = yield* importBuiltin(name);
      out.push({ path: fileURLToPath(new URL(`../../modules/${name}/README.md`, import.meta.url)), text: renderReadme(m) });
    }
    out.push({ path: fileURLToPath(new URL("../../docs/core-functions.md", import.meta.url)), text: renderReadme(erase(coreModule)) });
    out.push({ path: fileURLToPath(new URL("../../docs/errors.md", import.meta.url)), text: renderErrorsDoc() });
    out.push({ path: PLUGINS_SCHEMA_PATH, text: renderPluginsJsonSchema() });
    return out;
  });

/** Write the generated documents; returns the paths whose content changed. */
export const writeDocs = (): Effect.Effect<readonly string[], SipmodError> =>
  Effect.map(generatedDocs(), (docs) => {
    const changed: string[] = [];
    for (const d of docs) {
      let old = "";
      try {
        old = readFileSync(d.path, "utf8");
      } catch {
        old = "";
      }
      if (old !== d.text) {
        writeFileSync(d.path, d.text);
        changed.push(d.path);
      }
    }
    return changed;
  });
