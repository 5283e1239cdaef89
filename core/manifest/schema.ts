import { Schema } from "effect";
import { CoreParamsSchema } from "./core-params.ts";

/**
 * plugins.json, as an Effect Schema. core/manifest/plugins.schema.json is generated from it
 * (`tsx core/manifest/gen-json-schema.ts`) so editors complete and check the file through its
 * `$schema` field. The loader decodes the parts one by one (core, then each module entry) so that
 * it can report every error, with the code that fits it, not only the first.
 */

export const ModuleParams = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  description:
    "The module's parameters by name (like `modparam(\"module\", \"name\", value)`); `sipmod modules <name>` lists them.",
});

export const ModuleSpec = Schema.String.pipe(Schema.minLength(1)).annotations({
  description:
    'A built-in module name ("tm"), a path starting with "./", "../" or "/" (relative to this file\'s folder), or an npm package name installed next to this file.',
});

export const ModuleEntryObject = Schema.Struct({
  module: ModuleSpec,
  params: Schema.optional(ModuleParams),
  enabled: Schema.optional(Schema.Boolean).annotations({
    description: "false: keep the entry but do not load the module (default true).",
  }),
}).annotations({ description: "A module with parameters." });
export type ModuleEntryObject = typeof ModuleEntryObject.Type;

export const ModuleEntry = Schema.Union(ModuleSpec, ModuleEntryObject).annotations({
  description: "A module to load: its name, path or package, alone or with parameters.",
});
export type ModuleEntry = typeof ModuleEntry.Type;

export const ManifestSchema = Schema.Struct({
  $schema: Schema.optional(
    Schema.String.annotations({
      description: 'Path or URL of this JSON Schema, for editors: "./core/manifest/plugins.schema.json".',
    }),
  ),
  config: Schema.optional(
    Schema.String.pipe(Schema.minLength(1)).annotations({
      description:
        "The routing config (a Kamailio-style cfg file), relative to this file's folder. Its loadmodule, modparam and global parameter lines add to this file.",
    }),
  ),
  core: Schema.optional(CoreParamsSchema),
  modules: Schema.optionalWith(Schema.Array(ModuleEntry), { default: () => [] }).annotations({
    description:
      "Modules to load, in any order: they start in dependency order (`requires`, `after`), otherwise in the order listed.",
    default: [],
  }),
}).annotations({
  title: "sipmod plugins.json",
  description: "The modules a sipmod server loads, their parameters, and the core parameters.",
});

/** The top-level keys plugins.json may have. */
export const manifestKeys: readonly string[] = Object.keys(ManifestSchema.fields);
