import { basename, dirname, resolve } from "node:path";
import { Effect, Either, ParseResult, Schema } from "effect";
import { sipmodError, SipmodError, SipmodErrors, type SourcePos } from "../errors.ts";
import { dependencyName, type AnyModule } from "../module/define-module.ts";
import { buildRegistry } from "./build-registry.ts";
import { cfgCoreParams } from "./cfg-core-params.ts";
import type { CfgGlobalInput, CfgGlobalsInput } from "./cfg-input.ts";
import { coreParamNames, CoreParamsSchema, type CoreParams } from "./core-params.ts";
import { didYouMeanSuffix } from "./did-you-mean.ts";
import { importModule } from "./import-module.ts";
import { initOrder } from "./init-order.ts";
import { summarizeIssues } from "./issue-text.ts";
import type { LoadedManifest, LoadedModule } from "./loaded-manifest.ts";
import { decodeModuleParams, type ParamSetting } from "./module-params.ts";
import { builtinProviders, builtinProvidersIfLoaded } from "./provider-hint.ts";
import { inspectManifest, type ManifestFile } from "./read-manifest.ts";
import { likelyModuleName, resolveLoadmodule, resolveModuleSpec, type ModuleResolution } from "./resolve-module.ts";

export interface LoadManifestOptions {
  /** plugins.json: its path, or the result of `readManifest`. */
  readonly manifest?: string | ManifestFile;
  /** The cfg file's path: overrides the manifest's `config`; alone, a cfg-only run. */
  readonly config?: string;
  /** The cfg file's global lines, already parsed (core/script's parser gives them). */
  readonly cfg?: CfgGlobalsInput;
  /** Or: how to parse the cfg file named by `config` or by the manifest. */
  readonly readCfg?: (path: string) => Effect.Effect<CfgGlobalsInput, SipmodErrors | SipmodError>;
}

/** A module to load: a plugins.json entry or a loadmodule line. */
interface Candidate {
  readonly spec: string;
  readonly origin: SourcePos;
  readonly from: "json" | "cfg";
  /** Index among the cfg globals (loadmodule lines), to check modparam order. */
  readonly cfgIndex: number;
  readonly jsonParams: ((name: string) => SourcePos) | undefined;
  readonly params: { readonly [name: string]: unknown } | undefined;
  readonly resolution: ModuleResolution;
  /** The name it most likely has, before it is imported. */
  readonly likelyName: string | undefined;
}

interface Imported extends Candidate {
  readonly decl: AnyModule;
  readonly source: string;
}

const where = (p: SourcePos): string => `${p.file}${p.line !== undefined ? `:${p.line}` : ""}`;

const decodeCore = (
  raw: { readonly [k: string]: unknown },
  posOf: (key: string) => SourcePos,
): { readonly core: CoreParams; readonly errors: readonly SipmodError[] } => {
  const errors: SipmodError[] = [];
  const d = Schema.decodeUnknownEither(CoreParamsSchema)(raw, { errors: "all", onExcessProperty: "ignore" });
  if (Either.isRight(d)) {
    const names = d.right.groups.map((g) => g.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) errors.push(sipmodError("SM_GROUP_SPEC", `process group "${dup}" is defined twice`, { pos: posOf("groups") }));
    return { core: d.right, errors };
  }
  const byKey = new Map<string, string[]>();
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(d.left)) {
    const key = String(issue.path[0] ?? "");
    const rest = issue.path.slice(1).map(String);
    const list = byKey.get(key) ?? [];
    list.push((rest.length > 0 ? `${rest.join(".")}: ` : "") + issue.message);
    byKey.set(key, list);
  }
  for (const [key, msgs] of byKey) {
    errors.push(
      sipmodError(
        "SM_CORE_PARAM",
        `invalid core parameter "${key}" = ${JSON.stringify(raw[key])}: ${summarizeIssues(msgs)}`,
        { pos: posOf(key) },
      ),
    );
  }
  return { core: Schema.decodeUnknownSync(CoreParamsSchema)({}), errors };
};

/**
 * Load what plugins.json and/or a cfg file's global lines enable: resolve and import every
 * module, decode core and module parameters, check dependencies, order initialisation and build
 * the registry. Every problem found is reported (SipmodErrors), not only the first.
 */
export const loadManifest = (options: LoadManifestOptions): Effect.Effect<LoadedManifest, SipmodErrors> =>
  Effect.gen(function* () {
    const errors: SipmodError[] = [];

    // 1. plugins.json
    let manifest: ManifestFile | undefined;
    if (typeof options.manifest === "string") {
      const r = yield* inspectManifest(options.manifest);
      manifest = r.manifest;
      errors.push(...r.errors);
    } else manifest = options.manifest;

    // 2. the cfg file's global lines
    const configPath = options.config !== undefined ? resolve(options.config) : manifest?.config;
    let cfg = options.cfg;
    if (cfg === undefined && configPath !== undefined) {
      if (options.readCfg === undefined)
        return yield* Effect.dieMessage(
          "loadManifest: a cfg file is named but neither `cfg` nor `readCfg` was given to read its loadmodule/modparam lines",
        );
      const read = yield* Effect.either(options.readCfg(configPath));
      if (Either.isLeft(read)) {
        const e = read.left;
        return yield* Effect.fail(new SipmodErrors({ errors: [...errors, ...(e instanceof SipmodErrors ? e.errors : [e])] }));
      }
      cfg = read.right;
    }
    if (manifest === undefined && cfg === undefined)
      return yield* Effect.fail(
        new SipmodErrors({
          errors: [sipmodError("SM_MANIFEST_NOT_FOUND", "there is neither a plugins.json nor a cfg file to load")],
        }),
      );
    const file = manifest?.file ?? cfg!.file;
    const baseDir = manifest?.baseDir ?? dirname(resolve(cfg!.file));
    const cfgDir = cfg !== undefined ? dirname(resolve(cfg.file)) : baseDir;
    const globals: readonly CfgGlobalInput[] = cfg?.globals ?? [];

    // 3. core parameters: plugins.json `core`, then the cfg's global parameters
    const cfgCore = cfgCoreParams(globals);
    errors.push(...cfgCore.errors);
    const rawCore: { [k: string]: unknown } = {};
    for (const [k, v] of Object.entries(manifest?.core ?? {})) {
      if (!coreParamNames.includes(k)) {
        errors.push(
          sipmodError("SM_CORE_PARAM", `unknown core parameter "${k}"${didYouMeanSuffix(k, coreParamNames)}`, {
            pos: manifest!.corePos(k),
            hint: `Core parameters: ${coreParamNames.join(", ")}.`,
          }),
        );
        continue;
      }
      rawCore[k] = v;
    }
    for (const [k, v] of Object.entries(cfgCore.values)) {
      const prev = rawCore[k];
      rawCore[k] = (k === "listen" || k === "groups") && Array.isArray(prev) && Array.isArray(v) ? [...prev, ...v] : v;
    }
    const { core, errors: coreErrors } = decodeCore(
      rawCore,
      (k) => cfgCore.positions.get(k) ?? manifest?.corePos(k) ?? { file },
    );
    errors.push(...coreErrors);

    // 4. the modules to load, in listed order: plugins.json entries, then loadmodule lines
    const candidates: Candidate[] = [];
    for (const e of manifest?.modules ?? []) {
      if (!e.enabled) continue;
      candidates.push({
        spec: e.spec,
        origin: e.pos,
        from: "json",
        cfgIndex: -1,
        jsonParams: e.paramPos,
        params: e.params,
        resolution: resolveModuleSpec(e.spec, baseDir),
        likelyName: likelyModuleName(e.spec),
      });
    }
    globals.forEach((g, i) => {
      if (g.type !== "loadmodule") return;
      const r = resolveLoadmodule(g.path, cfgDir);
      candidates.push({
        spec: g.path,
        origin: g.pos,
        from: "cfg",
        cfgIndex: i,
        jsonParams: undefined,
        params: undefined,
        resolution: r.resolution,
        likelyName: r.name ?? likelyModuleName(g.path),
      });
    });

    // Names that were meant to be loaded but failed: no follow-up errors about them.
    const failedNames = new Set<string>();
    // Imports run concurrently; results (and errors) are taken in listed order.
    const outcomes = yield* Effect.forEach(
      candidates,
      (c) => {
        if (!c.resolution.ok)
          return Effect.succeed(
            Either.left(
              sipmodError("SM_MODULE_UNKNOWN", `cannot find module "${c.spec}": ${c.resolution.reason}`, {
                pos: c.origin,
                hint: c.resolution.hint,
              }),
            ),
          );
        const resolved = c.resolution.module;
        return importModule(c.spec, resolved, c.origin).pipe(
          Effect.map((decl): Imported => ({ ...c, decl, source: resolved.file })),
          Effect.either,
        );
      },
      { concurrency: "unbounded" },
    );
    const imported: (Imported | undefined)[] = [];
    outcomes.forEach((o, i) => {
      if (Either.isRight(o)) return void imported.push(o.right);
      // Meant to be loaded but failed: no follow-up errors about it (missing dependency, modparam).
      const name = candidates[i]!.likelyName;
      if (name !== undefined) failedNames.add(name.toLowerCase());
      errors.push(o.left);
    });

    // 5. duplicates
    const modules: Imported[] = [];
    for (const m of imported) {
      if (m === undefined) continue;
      const first = modules.find((x) => x.decl.name === m.decl.name);
      if (first !== undefined) {
        errors.push(
          sipmodError(
            "SM_MODULE_DUPLICATE",
            `module "${m.decl.name}" is enabled twice: at ${where(first.origin)} and at ${where(m.origin)}`,
            { pos: m.origin, module: m.decl.name },
          ),
        );
        continue;
      }
      modules.push(m);
    }

    // 6. parameters: plugins.json params, then modparam lines (after the module's loadmodule)
    const settings = new Map<string, ParamSetting[]>(modules.map((m) => [m.decl.name, []]));
    for (const m of modules)
      for (const [name, value] of Object.entries(m.params ?? {}))
        settings.get(m.decl.name)!.push({ name, value, pos: m.jsonParams!(name), from: "json" });
    globals.forEach((g, i) => {
      if (g.type !== "modparam") return;
      const wanted = g.module.toLowerCase();
      const target = modules.find((m) => m.decl.name.toLowerCase() === wanted);
      if (target !== undefined && (target.from === "json" || target.cfgIndex < i)) {
        settings.get(target.decl.name)!.push({ name: g.param, value: g.value, pos: g.pos, from: "modparam" });
        return;
      }
      if (target !== undefined) {
        errors.push(
          sipmodError(
            "SM_MODPARAM_MODULE",
            `modparam("${g.module}", "${g.param}", ...) comes before module "${target.decl.name}" is loaded (${where(target.origin)})`,
            { pos: g.pos, module: target.decl.name },
          ),
        );
        return;
      }
      if (failedNames.has(wanted)) return;
      errors.push(
        sipmodError(
          "SM_MODPARAM_MODULE",
          `modparam("${g.module}", "${g.param}", ...): no module matching "${g.module}" is loaded${didYouMeanSuffix(g.module, modules.map((m) => m.decl.name))}`,
          {
            pos: g.pos,
            hint: `Add loadmodule "${g.module}.so" before this line${manifest !== undefined ? ` or "${g.module}" to "modules" in ${basename(manifest.file)}` : ""}; modparam matches the module name case-insensitively (a plain name, not a regular expression).`,
          },
        ),
      );
    });
    const decodedParams = new Map<string, unknown>();
    for (const m of modules) {
      const r = decodeModuleParams(m.decl, settings.get(m.decl.name)!, m.origin);
      if (Either.isLeft(r)) errors.push(...r.left);
      else decodedParams.set(m.decl.name, r.right);
    }

    // 7. dependencies and start order
    const enabled = new Set(modules.map((m) => m.decl.name));
    for (const m of modules) {
      for (const d of m.decl.requires ?? []) {
        const dep = dependencyName(d);
        if (enabled.has(dep) || failedNames.has(dep.toLowerCase())) continue;
        const hint =
          m.from === "json"
            ? `Add "${dep}" to "modules" in ${basename(file)}.`
            : `Add loadmodule "${dep}.so" to ${basename(m.origin.file)}${manifest !== undefined ? ` (or "${dep}" to "modules" in ${basename(manifest.file)})` : ""}.`;
        errors.push(
          sipmodError("SM_DEP_MISSING", `module "${m.decl.name}" requires module "${dep}", which is not enabled`, {
            pos: m.origin,
            module: m.decl.name,
            hint,
          }),
        );
      }
    }
    const order = initOrder(
      modules.map((m) => ({
        name: m.decl.name,
        deps: [...(m.decl.requires ?? []).map(dependencyName), ...(m.decl.after ?? [])].filter((n) => enabled.has(n)),
      })),
    );
    let ordered: readonly Imported[] = modules;
    if (!order.ok) {
      for (const cycle of order.cycles) {
        const first = modules.find((m) => m.decl.name === cycle[0])!;
        errors.push(
          sipmodError("SM_DEP_CYCLE", `modules depend on each other in a cycle: ${cycle.join(" -> ")}`, {
            pos: first.origin,
            module: first.decl.name,
          }),
        );
      }
    } else ordered = order.order.map((i) => modules[i]!);

    // 8. registry
    const enabledLower = new Set([...enabled].map((n) => n.toLowerCase()));
    const registryHint = (fnName: string): string | undefined => {
      const provider = builtinProvidersIfLoaded()?.get(fnName);
      return provider !== undefined && !enabledLower.has(provider.toLowerCase()) ? provider : undefined;
    };
    const built = buildRegistry(
      ordered.map((m) => ({ decl: m.decl, origin: m.origin })),
      registryHint,
    );
    errors.push(...built.errors);

    if (errors.length > 0) return yield* Effect.fail(new SipmodErrors({ errors }));
    const loaded: LoadedModule[] = ordered.map((m) => ({
      decl: m.decl,
      params: decodedParams.get(m.decl.name),
      source: m.source,
      spec: m.spec,
      origin: m.origin,
    }));
    return {
      file,
      baseDir,
      core,
      modules: loaded,
      registry: built.registry,
      ...(configPath !== undefined ? { config: configPath } : cfg !== undefined ? { config: resolve(cfg.file) } : {}),
      ignored: cfgCore.ignored,
      providerHint: (fnName: string) => Effect.map(builtinProviders, () => registryHint(fnName)),
    } satisfies LoadedManifest;
  });
