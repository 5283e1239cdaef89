import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { runtime } from "../runtime.ts";

/**
 * Find an npm package's ESM entry file from a folder, as `import "name"` would from a file in
 * that folder: walk up through `node_modules` folders, then apply the package's `exports` map
 * (conditions "import", the runtime's own ("node", "bun" or "deno"), "node" and "default", in the
 * map's key order) or, without `exports`, `main` or `index.js`. Done by hand because
 * `import.meta.resolve` resolves from the calling file and node 20 has no parent argument.
 */

export type NpmResolution =
  | { readonly ok: true; readonly file: string; readonly packageDir: string }
  | { readonly ok: false; readonly reason: string };

const CONDITIONS = new Set(["import", "default", "node", runtime]);

/** Split "@scope/pkg/sub/path" into the package name and "./sub/path". */
export const splitPackageSpec = (spec: string): { readonly name: string; readonly subpath: string } | undefined => {
  const parts = spec.split("/");
  const n = spec.startsWith("@") ? 2 : 1;
  if (parts.length < n || parts.slice(0, n).some((p) => p === "")) return undefined;
  const name = parts.slice(0, n).join("/");
  if (!/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(name)) return undefined;
  const rest = parts.slice(n).join("/");
  return { name, subpath: rest === "" ? "." : `./${rest}` };
};

const isFile = (p: string): boolean => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

/** Resolve one `exports` target (string, condition object, array, null) to a relative path. */
const resolveTarget = (target: unknown, star: string | undefined): string | undefined => {
  if (typeof target === "string") {
    if (!target.startsWith("./")) return undefined;
    return star === undefined ? target : target.split("*").join(star);
  }
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = resolveTarget(t, star);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if (typeof target === "object" && target !== null) {
    for (const [cond, t] of Object.entries(target)) {
      if (!CONDITIONS.has(cond)) continue;
      const r = resolveTarget(t, star);
      if (r !== undefined) return r;
    }
  }
  return undefined;
};

/** Apply a package.json `exports` field to a subpath ("." or "./x"). */
export const resolveExports = (exportsField: unknown, subpath: string): string | undefined => {
  const isSubpathMap =
    typeof exportsField === "object" &&
    exportsField !== null &&
    !Array.isArray(exportsField) &&
    Object.keys(exportsField).some((k) => k.startsWith("."));
  const map: Record<string, unknown> = isSubpathMap ? (exportsField as Record<string, unknown>) : { ".": exportsField };
  if (Object.prototype.hasOwnProperty.call(map, subpath) && !subpath.includes("*")) return resolveTarget(map[subpath], undefined);
  // Patterns ("./features/*"): the longest matching prefix wins.
  let best: { key: string; star: string } | undefined;
  for (const key of Object.keys(map)) {
    const i = key.indexOf("*");
    if (i < 0) continue;
    const prefix = key.slice(0, i);
    const suffix = key.slice(i + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      if (best === undefined || prefix.length > best.key.indexOf("*"))
        best = { key, star: subpath.slice(prefix.length, subpath.length - suffix.length) };
    }
  }
  return best === undefined ? undefined : resolveTarget(map[best.key], best.star);
};

export const resolveNpmPackage = (spec: string, fromDir: string): NpmResolution => {
  const split = splitPackageSpec(spec);
  if (split === undefined) return { ok: false, reason: `"${spec}" is not a valid npm package name` };
  let dir = resolve(fromDir);
  for (;;) {
    const packageDir = join(dir, "node_modules", ...split.name.split("/"));
    const pkgJson = join(packageDir, "package.json");
    if (existsSync(pkgJson)) {
      let pkg: { exports?: unknown; main?: unknown };
      try {
        pkg = JSON.parse(readFileSync(pkgJson, "utf8")) as { exports?: unknown; main?: unknown };
      } catch (e) {
        return { ok: false, reason: `${pkgJson} cannot be read: ${e instanceof Error ? e.message : String(e)}` };
      }
      let rel: string | undefined;
      if (pkg.exports !== undefined) {
        rel = resolveExports(pkg.exports, split.subpath);
        if (rel === undefined)
          return {
            ok: false,
            reason: `package "${split.name}" (${packageDir}) does not export "${split.subpath}" for import`,
          };
      } else if (split.subpath !== ".") rel = split.subpath;
      else rel = typeof pkg.main === "string" ? `./${pkg.main.replace(/^\.\//, "")}` : "./index.js";
      const file = resolve(packageDir, rel);
      if (!file.startsWith(packageDir + sep) || !isFile(file))
        return { ok: false, reason: `package "${split.name}" points to ${file}, which is not a file` };
      return { ok: true, file, packageDir };
    }
    const parent = dirname(dir);
    if (parent === dir)
      return { ok: false, reason: `no node_modules/${split.name} in ${resolve(fromDir)} or any folder above it` };
    dir = parent;
  }
};
