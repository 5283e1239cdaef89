import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Effect, Either, ParseResult, Schema } from "effect";
import { sipmodError, SipmodErrors, type SipmodError, type SourcePos } from "../errors.ts";
import { didYouMeanSuffix } from "./did-you-mean.ts";
import { parseJsonWithPositions, pointer, type TextPos } from "./json-positions.ts";
import { ModuleEntry, manifestKeys } from "./schema.ts";

/** One entry of plugins.json `modules`. */
export interface ManifestModuleEntry {
  /** What names the module: built-in name, path or package. */
  readonly spec: string;
  readonly params: { readonly [name: string]: unknown } | undefined;
  readonly enabled: boolean;
  /** Index in `modules`. */
  readonly index: number;
  readonly pos: SourcePos;
  /** Where one of its params is written (the entry's position when not found). */
  readonly paramPos: (name: string) => SourcePos;
}

/** plugins.json, read and checked except for what needs the modules (params) or the cfg (core). */
export interface ManifestFile {
  /** The path as given. */
  readonly file: string;
  /** Absolute folder of the file; relative module paths and `config` resolve from here. */
  readonly baseDir: string;
  /** Absolute path of the cfg file named by `config`, if any. */
  readonly config: string | undefined;
  /** The `core` object as written (decoded later, together with the cfg's global parameters). */
  readonly core: { readonly [name: string]: unknown } | undefined;
  readonly corePos: (name: string) => SourcePos;
  readonly modules: readonly ManifestModuleEntry[];
}

const isObject = (v: unknown): v is { readonly [k: string]: unknown } =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const formatIssues = (e: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(e)
    .filter((i, _, all) => all.length === 1 || !/^Expected undefined/.test(i.message))
    .map((i) => (i.path.length > 0 ? `${i.path.map(String).join(".")}: ${i.message}` : i.message))
    .join("; ");

/**
 * Read and check plugins.json, keeping going after errors that do not stop the rest from being
 * checked (an unknown field, a malformed module entry): they come back in `errors`. A missing
 * file, invalid JSON or a non-object fails at once.
 */
export const inspectManifest = (
  file: string,
): Effect.Effect<{ readonly manifest: ManifestFile; readonly errors: readonly SipmodError[] }, SipmodErrors> =>
  Effect.suspend(() => {
    const fail = (e: SipmodError) => Effect.fail(new SipmodErrors({ errors: [e] }));
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (cause) {
      return fail(
        sipmodError("SM_MANIFEST_NOT_FOUND", `cannot read ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, {
          pos: { file },
        }),
      );
    }
    const parsed = parseJsonWithPositions(text);
    if (!parsed.ok)
      return fail(sipmodError("SM_MANIFEST_JSON", `invalid JSON: ${parsed.message}`, { pos: { file, ...parsed.pos } }));
    const at = (path: readonly (string | number)[]): SourcePos => {
      for (let n = path.length; n >= 0; n--) {
        const p: TextPos | undefined = parsed.positions.get(pointer(path.slice(0, n)));
        if (p !== undefined) return { file, ...p };
      }
      return { file };
    };
    const root = parsed.value;
    if (!isObject(root))
      return fail(sipmodError("SM_MANIFEST_SCHEMA", "plugins.json must hold a JSON object ({ \"modules\": [...] })", { pos: at([]) }));

    const errors: SipmodError[] = [];
    for (const key of Object.keys(root))
      if (!manifestKeys.includes(key))
        errors.push(
          sipmodError("SM_MANIFEST_SCHEMA", `unknown field "${key}"${didYouMeanSuffix(key, manifestKeys)}`, {
            pos: at([key]),
            hint: `plugins.json fields: ${manifestKeys.join(", ")}.`,
          }),
        );

    const baseDir = dirname(resolve(file));
    let config: string | undefined;
    if (root["config"] !== undefined) {
      if (typeof root["config"] !== "string" || root["config"] === "")
        errors.push(sipmodError("SM_MANIFEST_SCHEMA", `"config" must be the path of a cfg file`, { pos: at(["config"]) }));
      else config = resolve(baseDir, root["config"]);
    }
    if (root["$schema"] !== undefined && typeof root["$schema"] !== "string")
      errors.push(sipmodError("SM_MANIFEST_SCHEMA", `"$schema" must be a string`, { pos: at(["$schema"]) }));

    let core: { readonly [name: string]: unknown } | undefined;
    if (root["core"] !== undefined) {
      if (!isObject(root["core"]))
        errors.push(sipmodError("SM_CORE_PARAM", `"core" must be an object of core parameters`, { pos: at(["core"]) }));
      else core = root["core"];
    }

    const modules: ManifestModuleEntry[] = [];
    const rawModules = root["modules"];
    if (rawModules !== undefined && !Array.isArray(rawModules))
      errors.push(sipmodError("SM_MANIFEST_SCHEMA", `"modules" must be a list`, { pos: at(["modules"]) }));
    else if (rawModules !== undefined)
      rawModules.forEach((raw: unknown, index: number) => {
        const d = Schema.decodeUnknownEither(ModuleEntry)(raw, { errors: "all", onExcessProperty: "error" });
        if (Either.isLeft(d)) {
          errors.push(
            sipmodError(
              "SM_MANIFEST_SCHEMA",
              `modules[${index}] must be a module name or { "module": ..., "params": {...}, "enabled": true|false }: ${formatIssues(d.left)}`,
              { pos: at(["modules", index]) },
            ),
          );
          return;
        }
        const e = d.right;
        const obj = typeof e === "string" ? undefined : e;
        modules.push({
          spec: typeof e === "string" ? e : e.module,
          params: obj?.params,
          enabled: obj?.enabled ?? true,
          index,
          pos: at(["modules", index]),
          paramPos: (name) => at(["modules", index, "params", name]),
        });
      });

    const manifest: ManifestFile = { file, baseDir, config, core, corePos: (name) => at(["core", name]), modules };
    return Effect.succeed({ manifest, errors });
  });

/** Read and check plugins.json: JSON syntax (with line:column), top-level fields, module entries. */
export const readManifest = (file: string): Effect.Effect<ManifestFile, SipmodErrors> =>
  Effect.flatMap(inspectManifest(file), ({ manifest, errors }) =>
    errors.length > 0 ? Effect.fail(new SipmodErrors({ errors })) : Effect.succeed(manifest),
  );
