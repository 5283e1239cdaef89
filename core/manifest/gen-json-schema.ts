import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { JSONSchema } from "effect";
import { ManifestSchema } from "./schema.ts";

/** The JSON Schema of plugins.json, as text (what core/manifest/plugins.schema.json holds). */
export const renderPluginsJsonSchema = (): string => JSON.stringify(JSONSchema.make(ManifestSchema), null, 2) + "\n";

export const PLUGINS_SCHEMA_PATH = fileURLToPath(new URL("./plugins.schema.json", import.meta.url));

// `tsx core/manifest/gen-json-schema.ts` (re)writes the file.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(PLUGINS_SCHEMA_PATH, renderPluginsJsonSchema());
  console.log(`wrote ${PLUGINS_SCHEMA_PATH}`);
}
