import { Effect } from "effect";
import type { SipmodErrors } from "../errors.ts";
import type { LoadedManifest } from "../manifest/loaded-manifest.ts";
import type { CfgFile } from "../script/ast.ts";
import { bindProgram } from "../script/bind-program.ts";
import { bindKemiProgram } from "../script/kemi/bind-kemi.ts";
import type { KemiScript } from "../script/kemi/kemi-script.ts";
import type { BoundProgram } from "../script/bound.ts";

/** A program with no blocks, for a manifest without a routing config (messages get no processing). */
const EMPTY: BoundProgram = { blocks: new Map(), routes: new Map(), events: new Map(), lists: new Map(), stmtKinds: new Map() };

/**
 * Bind the cfg's route blocks against the loaded modules. When a function is unknown, the
 * built-in modules that are not enabled are looked at once so the error can name the module that
 * provides it, and the config is bound again for the messages. A TypeScript routing script
 * (`script`, from loadServerConfig) is bound instead of a cfg.
 */
export const bindConfig = (
  loaded: LoadedManifest,
  cfg: CfgFile | undefined,
  script?: KemiScript,
): Effect.Effect<BoundProgram, SipmodErrors> => {
  if (script !== undefined) return bindKemiProgram(script, loaded.registry);
  if (cfg === undefined) return Effect.succeed(EMPTY);
  return bindProgram(cfg, loaded.registry).pipe(
    Effect.catchAll((errs) =>
      errs.errors.some((e) => e.code === "SM_CFG_UNKNOWN_FUNCTION")
        ? Effect.zipRight(loaded.providerHint(""), bindProgram(cfg, loaded.registry))
        : Effect.fail(errs),
    ),
  );
};
