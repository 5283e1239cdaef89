import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { Effect } from "effect";
import { builtinModuleNames } from "../core/manifest/builtin-modules.ts";
import { builtinProviders } from "../core/manifest/provider-hint.ts";
import { fixture, load, loadErrors, tempDir, writeManifest } from "./fixtures/manifest/helpers.ts";

const tmp = tempDir();
after(() => tmp.cleanup());

let n = 0;
/** A plugins.json in its own temp file. */
const manifest = (content: unknown): string => writeManifest(tmp.dir, content, `plugins-${++n}.json`);

describe("resolution and init order", () => {
  test("modules start after what they require and their enabled `after`, else in listed order", async () => {
    const loaded = await load({
      manifest: manifest({ modules: [fixture("gamma.ts"), fixture("beta.ts"), fixture("alpha.ts")] }),
    });
    assert.deepEqual(
      loaded.modules.map((m) => m.decl.name),
      ["alpha", "beta", "gamma"],
    );
    assert.equal(loaded.modules[0]!.source, fixture("alpha.ts"));
    assert.equal(loaded.modules[0]!.spec, fixture("alpha.ts"));
    assert.equal(loaded.modules[0]!.origin.line, 5);
  });

  test("order is stable for independent modules, whatever the file order", async () => {
    const a = await load({ manifest: manifest({ modules: [fixture("gamma.ts"), fixture("alpha.ts")] }) });
    assert.deepEqual(a.modules.map((m) => m.decl.name), ["gamma", "alpha"]);
    const b = await load({ manifest: manifest({ modules: [fixture("alpha.ts"), fixture("gamma.ts")] }) });
    assert.deepEqual(b.modules.map((m) => m.decl.name), ["alpha", "gamma"]);
  });

  test("`after` a module that is not enabled is ignored", async () => {
    const loaded = await load({ manifest: manifest({ modules: [fixture("gamma.ts")] }) });
    assert.deepEqual(loaded.modules.map((m) => m.decl.name), ["gamma"]);
  });

  test("relative paths resolve from the manifest's folder; disabled entries are skipped", async () => {
    const loaded = await load({
      manifest: writeManifest(`${tmp.dir}/sub`, {
        modules: [fixture("alpha.ts"), { module: fixture("gamma.ts"), enabled: false }],
      }),
    });
    assert.deepEqual(loaded.modules.map((m) => m.decl.name), ["alpha"]);
    const rel = await load({ manifest: fixture("relative/plugins.json") });
    assert.deepEqual(rel.modules.map((m) => [m.decl.name, m.spec]), [
      ["alpha", "../alpha.ts"],
      ["beta", "../beta.ts"],
    ]);
  });

  test("built-in modules by name, from any folder; requires put tm before tmx before async", async () => {
    const loaded = await load({ manifest: manifest({ modules: ["async", "tmx", "tm"] }) });
    assert.deepEqual(loaded.modules.map((m) => m.decl.name), ["tm", "tmx", "async"]);
    assert.ok(loaded.modules[0]!.source.endsWith("/modules/tm/index.ts"));
    assert.ok(builtinModuleNames().includes("tm"));
  });
});

describe("module parameters", () => {
  test("defaults fill in: async workers defaults to 1, fixture params to their defaults", async () => {
    const loaded = await load({ manifest: manifest({ modules: ["tm", "tmx", "async", fixture("alpha.ts")] }) });
    const params = Object.fromEntries(loaded.modules.map((m) => [m.decl.name, m.params]));
    assert.deepEqual(params["async"], { workers: 1, ms_timer: 0, return: 0, sleep_resume: "block" });
    assert.deepEqual(params["alpha"], { count: 1, label: "a", names: [] });
  });

  test("given values are decoded", async () => {
    const loaded = await load({
      manifest: manifest({
        modules: [
          { module: "tm" },
          "tmx",
          { module: "async", params: { workers: 2 } },
          { module: fixture("alpha.ts"), params: { count: 7, names: ["x", "y"] } },
        ],
      }),
    });
    const params = Object.fromEntries(loaded.modules.map((m) => [m.decl.name, m.params]));
    assert.deepEqual(params["async"], { workers: 2, ms_timer: 0, return: 0, sleep_resume: "block" });
    assert.deepEqual(params["alpha"], { count: 7, label: "a", names: ["x", "y"] });
  });

  test("a wrong type is SM_PARAM_INVALID naming module, param, expected type and the value", async () => {
    const file = manifest({
      modules: [
        "tm",
        "tmx",
        { module: "async", params: { workers: "2" } },
        { module: fixture("alpha.ts"), params: { count: 11, names: "x" } },
      ],
    });
    const errors = await loadErrors({ manifest: file });
    assert.deepEqual(
      errors.map((e) => [e.code, e.module, e.message]),
      [
        [
          "SM_PARAM_INVALID",
          "async",
          'parameter "workers" of module "async" expects int, got the string "2": Expected number, actual "2"',
        ],
        [
          "SM_PARAM_INVALID",
          "alpha",
          'parameter "count" of module "alpha" expects int, got 11: Expected a number between 1 and 10, actual 11',
        ],
        [
          "SM_PARAM_INVALID",
          "alpha",
          'parameter "names" of module "alpha" expects list of string, got the string "x": Expected ReadonlyArray<string>, actual "x"',
        ],
      ],
    );
    assert.equal(errors[0]!.pos?.file, file);
    assert.equal(errors[0]!.pos?.line, 8);
  });

  test("an unknown param is SM_PARAM_UNKNOWN with a did-you-mean and the list", async () => {
    const errors = await loadErrors({
      manifest: manifest({ modules: [{ module: fixture("alpha.ts"), params: { cuont: 2, zzz: 1 } }, { module: fixture("gamma.ts"), params: { x: 1 } }] }),
    });
    assert.deepEqual(
      errors.map((e) => [e.code, e.message, e.hint]),
      [
        [
          "SM_PARAM_UNKNOWN",
          'module "alpha" has no parameter "cuont" (did you mean "count"?)',
          "Parameters of alpha: count, label, names (names are case-sensitive).",
        ],
        ["SM_PARAM_UNKNOWN", 'module "alpha" has no parameter "zzz"', "Parameters of alpha: count, label, names (names are case-sensitive)."],
        ["SM_PARAM_UNKNOWN", 'module "gamma" has no parameter "x"', "Parameters of gamma: none (names are case-sensitive)."],
      ],
    );
  });
});

describe("checks before start", () => {
  test("unknown module: SM_MODULE_UNKNOWN with the built-ins listed", async () => {
    const file = manifest({ modules: ["no_such_module_xyz", "./missing/mod.ts", "tmxx"] });
    const errors = await loadErrors({ manifest: file });
    assert.deepEqual(errors.map((e) => e.code), ["SM_MODULE_UNKNOWN", "SM_MODULE_UNKNOWN", "SM_MODULE_UNKNOWN"]);
    assert.match(errors[2]!.message, /^cannot find module "tmxx": .* \(did you mean "tmx"\?\)$/);
    assert.equal(
      errors[0]!.message,
      `cannot find module "no_such_module_xyz": "no_such_module_xyz" is neither a built-in module nor an npm package installed in ${tmp.dir}`,
    );
    assert.match(errors[0]!.hint!, /^Built-in modules: .*\btm\b.*\. A path must start with \.\/, \.\.\/ or \//);
    assert.equal(errors[1]!.message, `cannot find module "./missing/mod.ts": no file or folder at ${tmp.dir}/missing/mod.ts`);
    assert.deepEqual(errors[1]!.pos, { file, line: 4, column: 5 });
  });

  test("import failure: SM_MODULE_LOAD with the cause", async () => {
    const errors = await loadErrors({ manifest: manifest({ modules: [fixture("throws-on-import.ts")] }) });
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, "SM_MODULE_LOAD");
    assert.equal(
      errors[0]!.message,
      `module "${fixture("throws-on-import.ts")}" (${fixture("throws-on-import.ts")}) failed to load`,
    );
    assert.ok(errors[0]!.cause instanceof Error);
    assert.equal((errors[0]!.cause as Error).message, "fixture exploded on import");
    assert.match(errors[0]!.format(), /cause: Error: fixture exploded on import/);
  });

  test("not a declaration: SM_MODULE_INVALID", async () => {
    const errors = await loadErrors({ manifest: manifest({ modules: [fixture("not-a-module.ts")] }) });
    assert.equal(errors[0]!.code, "SM_MODULE_INVALID");
    assert.match(
      errors[0]!.message,
      /has a default export that is an object without the defineModule mark \(keys: name, version, core\)$/,
    );
  });

  test("core major mismatch: SM_MODULE_CORE_VERSION", async () => {
    const errors = await loadErrors({ manifest: manifest({ modules: [fixture("old-core.ts")] }) });
    assert.deepEqual(
      errors.map((e) => [e.code, e.module, e.message]),
      [["SM_MODULE_CORE_VERSION", "old_core", 'module "old_core" 0.9.0 was built for sipmod core 0.x, this core is 1.x']],
    );
  });

  test("the same module twice: SM_MODULE_DUPLICATE naming both places", async () => {
    const file = manifest({ modules: [fixture("alpha.ts"), "tm", fixture("alpha.ts")] });
    const errors = await loadErrors({ manifest: file });
    assert.deepEqual(
      errors.map((e) => [e.code, e.message]),
      [["SM_MODULE_DUPLICATE", `module "alpha" is enabled twice: at ${file}:3 and at ${file}:5`]],
    );
  });

  test("missing dependency: async without tmx names both and the line to add", async () => {
    const file = manifest({ modules: ["tm", "async"] });
    const errors = await loadErrors({ manifest: file });
    assert.equal(errors.length, 1);
    const e = errors[0]!;
    assert.equal(e.code, "SM_DEP_MISSING");
    assert.equal(e.module, "async");
    assert.equal(e.message, 'module "async" requires module "tmx", which is not enabled');
    assert.equal(e.hint, `Add "tmx" to "modules" in plugins-${n}.json.`);
    assert.deepEqual(e.pos, { file, line: 4, column: 5 });
    assert.match(e.format(), /error SM_DEP_MISSING \[async\]: module "async" requires module "tmx", which is not enabled\n {2}fix: Add "tmx"/);
  });

  test("every missing dependency is reported", async () => {
    const errors = await loadErrors({ manifest: manifest({ modules: [fixture("needs-missing.ts")] }) });
    assert.deepEqual(
      errors.map((e) => e.message),
      [
        'module "needs_missing" requires module "alpha", which is not enabled',
        'module "needs_missing" requires module "omega", which is not enabled',
      ],
    );
  });

  test("a dependency that failed to load is not reported again as missing", async () => {
    const errors = await loadErrors({ manifest: manifest({ modules: ["tm", "tmx", "async", "./tm.ts"] }) });
    // Only the unresolvable path; nothing about tm/tmx.
    assert.deepEqual(errors.map((e) => e.code), ["SM_MODULE_UNKNOWN"]);
  });

  test("cycle: SM_DEP_CYCLE prints a -> b -> a", async () => {
    const errors = await loadErrors({ manifest: manifest({ modules: [fixture("alpha.ts"), fixture("cyc-a.ts"), fixture("cyc-b.ts")] }) });
    assert.deepEqual(
      errors.map((e) => [e.code, e.message]),
      [["SM_DEP_CYCLE", "modules depend on each other in a cycle: cyc_a -> cyc_b -> cyc_a"]],
    );
  });

  test("same function name from two modules: SM_FUNCTION_DUPLICATE; pv and rpc clashes: SM_NAME_DUPLICATE", async () => {
    const errors = await loadErrors({ manifest: manifest({ modules: [fixture("alpha.ts"), fixture("clash.ts")] }) });
    assert.deepEqual(
      errors.map((e) => [e.code, e.module, e.message]),
      [
        ["SM_FUNCTION_DUPLICATE", "clash", 'config function "alpha_fn" is exported by both "alpha" and "clash"'],
        ["SM_NAME_DUPLICATE", "clash", 'pseudo-variable "$alpha" is registered by both "alpha" and "clash"'],
        ["SM_NAME_DUPLICATE", "clash", 'RPC method "alpha.stats" is registered by both "alpha" and "clash"'],
      ],
    );
  });

  test("all errors are collected, not only the first", async () => {
    const errors = await loadErrors({
      manifest: manifest({
        core: { children: 0 },
        modules: [
          "no_such_module_xyz",
          fixture("old-core.ts"),
          fixture("not-a-module.ts"),
          { module: fixture("alpha.ts"), params: { count: "x" } },
          fixture("cyc-a.ts"),
          fixture("cyc-b.ts"),
          fixture("needs-missing.ts"),
        ],
      }),
    });
    assert.deepEqual(
      errors.map((e) => e.code),
      [
        "SM_CORE_PARAM",
        "SM_MODULE_UNKNOWN",
        "SM_MODULE_CORE_VERSION",
        "SM_MODULE_INVALID",
        "SM_PARAM_INVALID",
        "SM_DEP_MISSING",
        "SM_DEP_CYCLE",
      ],
    );
  });
});

describe("registry", () => {
  test("functions (several arities of one name), pvs, events, rpc, modules in init order", async () => {
    const loaded = await load({ manifest: manifest({ modules: [fixture("beta.ts"), fixture("alpha.ts")] }) });
    const r = loaded.registry;
    assert.deepEqual(r.modules.map((m) => m.name), ["alpha", "beta"]);
    assert.deepEqual(
      r.functions.get("alpha_fn")!.map((f) => [f.module, f.fn.params.length]),
      [
        ["alpha", 0],
        ["alpha", 1],
      ],
    );
    assert.equal(r.functions.get("beta_fn")![0]!.module, "beta");
    assert.equal(r.pvs.get("alpha")!.module, "alpha");
    assert.ok(r.events.has("core:pre-routing"));
    assert.ok(r.events.has("alpha:ready"));
    assert.equal(r.rpc.get("alpha.stats")!.module, "alpha");
  });

  test("providerHint names a built-in module that is not enabled", async () => {
    const loaded = await load({ manifest: manifest({ modules: [fixture("alpha.ts")] }) });
    assert.equal(loaded.registry.providerHint("no_such_function_xyz"), undefined);
    const index = await Effect.runPromise(builtinProviders);
    assert.equal(await Effect.runPromise(loaded.providerHint("no_such_function_xyz")), undefined);
    const first = [...index.entries()][0];
    if (first === undefined) return; // no built-in declares a function yet
    const [fnName, provider] = first;
    assert.equal(await Effect.runPromise(loaded.providerHint(fnName)), provider);
    assert.equal(loaded.registry.providerHint(fnName), provider);
    // Once the provider is enabled, there is no hint.
    const withIt = await load({ manifest: manifest({ modules: [provider, ...(provider === "async" ? ["tm", "tmx"] : [])] }) });
    assert.equal(withIt.registry.providerHint(fnName), undefined);
  });
});
