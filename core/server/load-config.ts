import { Effect } from "effect";
import { SipmodErrors, sipmodError, type SipmodError } from "../errors.ts";
import { loadManifest } from "../manifest/load-manifest.ts";
import type { LoadedManifest } from "../manifest/loaded-manifest.ts";
import type { CfgFile } from "../script/ast.ts";
import { parseCfgFile } from "../script/parse-cfg.ts";

/** What a server boots from: the checked manifest and the parsed cfg file (if any). */
export interface ServerConfig {
  readonly loaded: LoadedManifest;
  /** The cfg file's AST: its global lines fed the manifest, its route blocks are bound next. */
  readonly cfg: CfgFile | undefined;
}

/** True for a file that is a plugins.json-style manifest rather than a routing config. */
export const isManifestFile = (file: string): boolean => file.toLowerCase().endsWith(".json");

/**
 * Load what `sipmod run -f FILE` names: a plugins.json (with its `config`), or a cfg file alone
 * (its loadmodule/modparam lines are the manifest). The cfg is parsed once; every error found is
 * reported together.
 */
export const loadServerConfig = (file: string, config?: string): Effect.Effect<ServerConfig, SipmodErrors> =>
  Effect.gen(function* () {
    let cfg: CfgFile | undefined;
    const readCfg = (path: string): Effect.Effect<CfgFile, SipmodErrors | SipmodError> =>
      Effect.tap(parseCfgFile(path), (parsed) =>
        Effect.sync(() => {
          cfg = parsed;
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
    return { loaded, cfg };
  });
