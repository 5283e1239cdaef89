import type { Effect } from "effect";
import type { SourcePos } from "../errors.ts";
import type { AnyModule } from "../module/define-module.ts";
import type { Registry } from "../module/registry.ts";
import type { IgnoredCfgParam } from "./cfg-core-params.ts";
import type { CoreParams } from "./core-params.ts";

/** One enabled module, ready to start. */
export interface LoadedModule {
  readonly decl: AnyModule;
  /** Its parameters, decoded by its params Schema (defaults filled in); `{}` without a Schema. */
  readonly params: unknown;
  /** The file its code was imported from (symlinks resolved). */
  readonly source: string;
  /** How it was named: "tm", "./my/mod.ts", "sipmod-example-module", "tm.so". */
  readonly spec: string;
  /** Where it was enabled: its plugins.json entry or its loadmodule line. */
  readonly origin: SourcePos;
}

/** plugins.json and/or a cfg file's global lines, resolved, checked and put in start order. */
export interface LoadedManifest {
  /** plugins.json, or the cfg file for a cfg-only run, as the caller named it. */
  readonly file: string;
  /** Absolute folder of `file`: relative paths resolve from here. */
  readonly baseDir: string;
  readonly core: CoreParams;
  /** In init order: a module comes after what it requires and its enabled `after` modules. */
  readonly modules: readonly LoadedModule[];
  readonly registry: Registry;
  /** Absolute path of the cfg file, if there is one. */
  readonly config?: string;
  /** Kamailio global parameters in the cfg that sipmod accepts without effect (for a warning). */
  readonly ignored: readonly IgnoredCfgParam[];
  /**
   * Which built-in module (not enabled) provides a config function: imports the built-in
   * declarations the first time. Afterwards `registry.providerHint` answers the same, at once.
   */
  readonly providerHint: (fnName: string) => Effect.Effect<string | undefined>;
}
