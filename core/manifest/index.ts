/** core/manifest: plugins.json and cfg globals -> resolved, checked, ordered modules -> Registry. */
export { loadManifest, type LoadManifestOptions } from "./load-manifest.ts";
export type { LoadedManifest, LoadedModule } from "./loaded-manifest.ts";
export { readManifest, type ManifestFile, type ManifestModuleEntry } from "./read-manifest.ts";
export { initModules, childInitModules, type ModuleContext } from "./lifecycle.ts";
export type { CfgGlobalInput, CfgGlobalsInput, CfgParamValue, CfgListenValue } from "./cfg-input.ts";
export { CoreParamsSchema, coreParamNames, type CoreParams, type CoreParamsInput, type GroupParams } from "./core-params.ts";
export { coreGroups, DEFAULT_GROUP, type CoreGroup } from "./core-groups.ts";
export { IGNORED_CFG_PARAMS, type IgnoredCfgParam } from "./cfg-core-params.ts";
export { ManifestSchema } from "./schema.ts";
export { builtinModuleNames } from "./builtin-modules.ts";
export { builtinProviders } from "./provider-hint.ts";
export { CORE_EVENTS } from "./core-events.ts";
