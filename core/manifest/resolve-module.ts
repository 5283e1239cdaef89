import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { builtinModuleNames, builtinModuleUrl } from "./builtin-modules.ts";
import { didYouMeanSuffix } from "./did-you-mean.ts";
import { resolveExports, resolveNpmPackage } from "./npm-resolve.ts";

/** Where a module's code is, and what kind of name led there. */
export interface ResolvedModule {
  readonly kind: "builtin" | "path" | "package";
  /** URL to `import()`. */
  readonly url: string;
  /** The file (symlinks resolved), for messages and `LoadedModule.source`. */
  readonly file: string;
}

export type ModuleResolution =
  | { readonly ok: true; readonly module: ResolvedModule }
  | { readonly ok: false; readonly reason: string; readonly hint: string };

const isPathSpec = (spec: string): boolean =>
  spec.startsWith("./") || spec.startsWith("../") || spec.startsWith("/") || spec === "." || spec === "..";

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

const INDEX_FILES = ["index.ts", "index.js", "index.mjs", "index.mts"];

const fromFile = (kind: ResolvedModule["kind"], file: string): ModuleResolution => {
  const real = realpathSync(file);
  return { ok: true, module: { kind, file: real, url: pathToFileURL(real).href } };
};

/** A path spec: a file, or a folder with a package.json (its `exports`/`main`) or an index file. */
const resolvePath = (spec: string, baseDir: string): ModuleResolution => {
  const abs = resolve(baseDir, spec);
  if (!existsSync(abs))
    return {
      ok: false,
      reason: `no file or folder at ${abs}`,
      hint: `Paths are relative to the folder of the manifest (${baseDir}); check the path.`,
    };
  if (!isDir(abs)) return fromFile("path", abs);
  const pkgJson = join(abs, "package.json");
  if (existsSync(pkgJson)) {
    const pkg = JSON.parse(readFileSync(pkgJson, "utf8")) as { exports?: unknown; main?: unknown };
    const rel =
      pkg.exports !== undefined ? resolveExports(pkg.exports, ".") : typeof pkg.main === "string" ? pkg.main : undefined;
    if (rel !== undefined && existsSync(resolve(abs, rel))) return fromFile("path", resolve(abs, rel));
  }
  for (const f of INDEX_FILES) if (existsSync(join(abs, f))) return fromFile("path", join(abs, f));
  return {
    ok: false,
    reason: `the folder ${abs} has no package.json entry and no ${INDEX_FILES.join("/")}`,
    hint: "Point to the module's entry file, or add an index.ts that default-exports the declaration.",
  };
};

const builtinsHint = (): string =>
  `Built-in modules: ${builtinModuleNames().join(", ") || "(none)"}. A path must start with ./, ../ or /; an npm package must be installed where the manifest is (npm install <name>).`;

/**
 * Resolve a module spec as plugins.json writes it: a path (starts with `./`, `../` or `/`,
 * relative to `baseDir`), a built-in name, or an npm package name (installed in `baseDir`'s
 * node_modules or a folder above). A built-in name wins over a package of the same name.
 */
export const resolveModuleSpec = (spec: string, baseDir: string): ModuleResolution => {
  if (isPathSpec(spec)) return resolvePath(spec, baseDir);
  const builtin = builtinModuleUrl(spec);
  if (builtin !== undefined) return fromFile("builtin", fileURLToPath(builtin));
  const npm = resolveNpmPackage(spec, baseDir);
  if (npm.ok) return fromFile("package", npm.file);
  const notInstalled = npm.reason.startsWith("no node_modules/");
  return {
    ok: false,
    reason: notInstalled
      ? `"${spec}" is neither a built-in module nor an npm package installed in ${baseDir}${didYouMeanSuffix(spec, builtinModuleNames())}`
      : npm.reason,
    hint: builtinsHint(),
  };
};

/**
 * Resolve a cfg `loadmodule` target. `"tm.so"`, `"/usr/lib/.../modules/tm.so"` and `"tm"` (with
 * `mpath`) all name the built-in `tm`: the folder and `.so` are dropped. A `.ts`/`.js`/`.mjs` file
 * is a path relative to the cfg file's folder; a bare name is resolved like a plugins.json entry.
 */
export const resolveLoadmodule = (
  target: string,
  cfgDir: string,
): { readonly name: string | undefined; readonly resolution: ModuleResolution } => {
  // A TypeScript/JavaScript file: a path relative to the cfg file.
  if (/\.(m?[jt]s)$/.test(target)) {
    const spec = isPathSpec(target) ? target : `./${target}`;
    return { name: undefined, resolution: resolvePath(spec, cfgDir) };
  }
  // A bare or scoped name: as in plugins.json (built-in, then npm package).
  if (!target.endsWith(".so") && (target.startsWith("@") || !target.includes("/"))) {
    return {
      name: builtinModuleUrl(target) !== undefined ? target : undefined,
      resolution: resolveModuleSpec(target, cfgDir),
    };
  }
  // Kamailio's forms: "tm.so", ".../modules/tm.so", ".../modules/tm": the built-in named by the last part.
  const name = basename(target).replace(/\.so$/, "");
  const url = builtinModuleUrl(name);
  if (url !== undefined) return { name, resolution: fromFile("builtin", fileURLToPath(url)) };
  // A path to a folder of a sipmod module ("./my-modules/acme").
  if (!target.endsWith(".so") && isPathSpec(target)) return { name: undefined, resolution: resolvePath(target, cfgDir) };
  return {
    name,
    resolution: {
      ok: false,
      reason: `loadmodule "${target}" names the module "${name}", which is not a built-in sipmod module${didYouMeanSuffix(name, builtinModuleNames())}`,
      hint: builtinsHint(),
    },
  };
};

/** The module name a spec most likely stands for (for "was it meant to be loaded?" checks). */
export const likelyModuleName = (spec: string): string | undefined => {
  if (isPathSpec(spec)) return undefined;
  return basename(spec).replace(/\.so$/, "");
};
