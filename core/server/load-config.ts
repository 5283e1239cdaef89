import { Effect } from "effect";
import { SipmodErrors, sipmodError, type SipmodError } from "../errors.ts";
import { loadManifest } from "../manifest/load-manifest.ts";
import type { LoadedManifest } from "../manifest/loaded-manifest.ts";
import type { CfgFile } from "../script/ast.ts";
import { importKemiScript, isKemiScriptFile, type KemiScript } from "../script/kemi/kemi-script.ts";
import { parseCfgFile } from "../script/parse-cfg.ts";

/** What a server boots from: the checked manifest and the parsed cfg file (if any). */
export interface ServerConfig {
  readonly loaded: LoadedManifest;
  /** The cfg file's AST: its global lines fed the manifest, its route blocks are bound next. */
  readonly cfg: CfgFile | undefined;
  /** Or a TypeScript routing script (plugins.json `config` naming a .ts file): its exported routes. */
  readonly script?: KemiScript | undefined;
}

/** True for a file that is a plugins.json-style manifest rather than a routing config. */
export const isManifestFile = (file: string): boolean => file.toLowerCase().endsWith(".json");

/**
 * Load what `sipmod run -f FILE` names: a plugins.json (with its `config`), or a cfg file alone
 * (its loadmodule/modparam lines are the manifest). The cfg is parsed once; every error found is
 * reported together. A `config` that is a TypeScript/JavaScript file is imported as a routing
 * script instead (it has no global lines, so it needs a plugins.json naming the modules).
 */
export const loadServerConfig = (file: string, config?: string): Effect.Effect<ServerConfig, SipmodErrors> =>
  Effect.gen(function* () {
    let cfg: CfgFile | undefined;
    let script: KemiScript | undefined;
    const readCfg = (path: string): Effect.Effect<CfgFile | { readonly file: string; readonly globals: readonly [] }, SipmodErrors | SipmodError> =>
      isKemiScriptFile(path)
        ? Effect.map(importKemiScript(path), (s) => {
            script = s;
            return { file: path, globals: [] as const };
          })
        : Effect.tap(parseCfgFile(path), (parsed) =>
            Effect.sync(() => {
              cfg = parsed;
            }),
          );
    if (!isManifestFile(file) && isKemiScriptFile(file))
      return yield* Effect.fail(
        new SipmodErrors({
          errors: [
            sipmodError("SM_MANIFEST_NOT_FOUND", `"${file}" is a TypeScript routing script: it is run through a plugins.json`, {
              pos: { file },
              hint: 'Name it in plugins.json ("config": "routes.ts", "modules": [...]) and run that file.',
            }),
          ],
        }),
      );
    const loaded = yield* isManifestFile(file)
      ? loadManifest({ manifest: file, ...(config !== undefined ? { config } : {}), readCfg })
      : file.toLowerCase().endsWith(".cfg") || config === undefined
        ? loadManifest({ config: file, readCfg })
        : Effect.fail(
            new SipmodErrors({
              errors: [
                sipmodError("SM_MANIFEST_NOT_FOUND", `"${file}" is neither a plugins.json manifest nor a .cfg file`, {
                  pos: { file },
                }),
              ],
            }),
          );
    return { loaded, cfg, script };
  });
