import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The built-in modules: folders `modules/<name>/` of this repository whose `index.ts` (`index.js`
 * in a compiled build) default-exports the declaration. Found relative to this file, so they
 * resolve the same wherever the manifest is.
 */

const EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const MODULES_DIR = new URL("../../modules/", import.meta.url);

/** The file URL of a built-in module's entry, or undefined when there is no such module. */
export const builtinModuleUrl = (name: string): URL | undefined => {
  if (!/^[a-z0-9_]+$/i.test(name)) return undefined;
  const url = new URL(`${name}/index${EXT}`, MODULES_DIR);
  return existsSync(fileURLToPath(url)) ? url : undefined;
};

/** Names of all built-in modules, sorted. */
export const builtinModuleNames = (): readonly string[] => {
  const dir = fileURLToPath(MODULES_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && builtinModuleUrl(d.name) !== undefined)
    .map((d) => d.name)
    .sort();
};
