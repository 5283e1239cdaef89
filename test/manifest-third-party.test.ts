import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Effect, Exit, Scope } from "effect";
import { childInitModules, initModules } from "../core/manifest/lifecycle.ts";
import type { LoadedManifest } from "../core/manifest/loaded-manifest.ts";
import type { CallContext } from "../core/module/call-context.ts";
import type { AnyConfigFunction, AnyPvSpec } from "../core/module/define-module.ts";
import { MAIN_PROCESS, type ProcessInfo } from "../core/module/process-info.ts";
import { SlotMap } from "../core/module/slot.ts";
import { AvpStore, VarStore, XavpStore } from "../core/module/script-stores.ts";
import type { Json, ScriptValue } from "../core/module/values.ts";
import { load, loadErrors, repoPath, tempDir, withCoreServices, writeManifest, fixture } from "./fixtures/manifest/helpers.ts";
import { trace } from "./fixtures/manifest/trace.ts";

const tmp = tempDir();
after(() => tmp.cleanup());

const EXAMPLE_DIR = repoPath("examples/third-party-module");
const CLASS_EXAMPLE = repoPath("examples/class-module/index.ts");

/** A message context with slots; the message itself is not looked at by these modules. */
const fakeCtx = (): CallContext =>
  Object.assign(new SlotMap(), {
    msg: undefined as never,
    rcv: undefined as never,
    route: "request" as const,
    proc: MAIN_PROCESS,
    flags: 0,
    du: undefined,
    avps: new AvpStore(),
    xavps: new XavpStore(),
    vars: new VarStore(),
    rc: 0,
    now: () => Date.now(),
    ruri: () => undefined,
    continuation: () => undefined,
    continuationStack: () => undefined,
    serviceIfLoaded: () => undefined,
    service: (): never => {
      throw new Error("no core services in this fake context");
    },
  });

const fnOf = (l: LoadedManifest, name: string, arity: number): AnyConfigFunction<unknown> => {
  const f = l.registry.functions.get(name)?.find((r) => r.fn.params.length === arity);
  assert.ok(f, `function ${name}/${arity}`);
  return f.fn;
};
const callFn = (f: AnyConfigFunction<unknown>, ctx: CallContext, args: readonly (string | number)[]): unknown =>
  (f.run as (c: CallContext, a: readonly (string | number)[], fixed: unknown) => unknown)(ctx, args, undefined);
const pvOf = (l: LoadedManifest, name: string): AnyPvSpec => {
  const p = l.registry.pvs.get(name);
  assert.ok(p, `pv ${name}`);
  return p.pv;
};
const pvGet = (p: AnyPvSpec, ctx: CallContext, inner: unknown): ScriptValue =>
  (p.get as (c: CallContext, n: unknown) => ScriptValue)(ctx, inner);
const rpcCall = (l: LoadedManifest, name: string, params: readonly Json[] = []): Promise<Json> =>
  Effect.runPromise(l.registry.rpc.get(name)!.run(params) as Effect.Effect<Json>);

/** Run `body` with the modules started (init + main childInit, or only childInit for a worker). */
const started = async <A>(l: LoadedManifest, proc: ProcessInfo, body: () => Promise<A>): Promise<A> => {
  const scope = await Effect.runPromise(Scope.make());
  try {
    await Effect.runPromise(
      withCoreServices(
        Effect.gen(function* () {
          if (proc.kind === "main") {
            const ctx = yield* initModules(l);
            yield* childInitModules(l, proc, ctx);
          } else yield* childInitModules(l, proc);
        }).pipe(Scope.extend(scope)),
        proc,
        l.baseDir,
      ),
    );
    return await body();
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void));
  }
};

describe("third-party module (npm-package shaped)", () => {
  test("by path to its folder: package.json exports lead to index.ts", async () => {
    const l = await load({
      manifest: writeManifest(join(tmp.dir, "by-path"), { modules: [{ module: EXAMPLE_DIR, params: { greeting: "Hi" } }] }),
    });
    assert.deepEqual(l.modules.map((m) => [m.decl.name, m.params, m.source]), [
      ["example", { greeting: "Hi" }, join(EXAMPLE_DIR, "index.ts")],
    ]);
    await started(l, MAIN_PROCESS, async () => {
      const ctx = fakeCtx();
      const hello = fnOf(l, "example_hello", 1);
      const pv = pvOf(l, "example");
      assert.equal(pvGet(pv, ctx, "greeting"), null);
      assert.equal(callFn(hello, ctx, ["Bob"]), 1);
      assert.equal(pvGet(pv, ctx, "greeting"), "Hi, Bob!");
      assert.equal(callFn(hello, fakeCtx(), [""]), -1);
      assert.equal(pvGet(pv, ctx, "count"), 1);
      assert.deepEqual(await rpcCall(l, "example.count"), { count: 1 });
      assert.deepEqual(pv.parse!("nope"), { error: "$example(nope): use greeting or count" });
    });
  });

  test("by package name from the manifest folder's node_modules (symlinked install)", async () => {
    const dir = join(tmp.dir, "by-package");
    mkdirSync(join(dir, "node_modules"), { recursive: true });
    symlinkSync(EXAMPLE_DIR, join(dir, "node_modules", "sipmod-example-module"), "dir");
    const nested = join(dir, "etc", "sipmod");
    const l = await load({ manifest: writeManifest(nested, { modules: ["sipmod-example-module"] }) });
    assert.deepEqual(l.modules.map((m) => [m.decl.name, m.params, m.spec, m.source]), [
      ["example", { greeting: "Hello" }, "sipmod-example-module", join(EXAMPLE_DIR, "index.ts")],
    ]);
    const errors = await loadErrors({ manifest: writeManifest(nested, { modules: ["sipmod-example-module/private"] }, "p2.json") });
    assert.deepEqual(errors.map((e) => [e.code, e.message]), [
      [
        "SM_MODULE_UNKNOWN",
        `cannot find module "sipmod-example-module/private": package "sipmod-example-module" (${join(dir, "node_modules", "sipmod-example-module")}) does not export "./private" for import`,
      ],
    ]);
  });

  test("scoped package with conditional exports; cfg loadmodule by package name", async () => {
    const dir = join(tmp.dir, "scoped");
    const pkg = join(dir, "node_modules", "@acme", "sip-thing");
    mkdirSync(join(pkg, "dist"), { recursive: true });
    writeFileSync(
      join(pkg, "package.json"),
      JSON.stringify({
        name: "@acme/sip-thing",
        type: "module",
        exports: { ".": { types: "./dist/index.d.ts", require: "./dist/index.cjs", import: "./dist/index.js" } },
      }),
    );
    writeFileSync(
      join(pkg, "dist", "index.js"),
      `import { defineModule } from ${JSON.stringify(repoPath("core/module/define-module.ts"))};\n` +
        `export default defineModule({ name: "acme_thing", version: "2.0.0", core: 1, doc: { overview: "scoped" } });\n`,
    );
    const l = await load({ manifest: writeManifest(dir, { modules: ["@acme/sip-thing"] }) });
    assert.deepEqual(l.modules.map((m) => [m.decl.name, m.source]), [["acme_thing", join(pkg, "dist", "index.js")]]);
    const fromCfg = await load({
      cfg: { file: join(dir, "k.cfg"), globals: [{ type: "loadmodule", path: "@acme/sip-thing", pos: { file: join(dir, "k.cfg"), line: 1 } }] },
    });
    assert.deepEqual(fromCfg.modules.map((m) => m.decl.name), ["acme_thing"]);
  });
});

describe("class-based module (tsyringe)", () => {
  test("the class example by path: params injected, function, pv and rpc work after init", async () => {
    const l = await load({
      manifest: writeManifest(join(tmp.dir, "class"), { modules: [{ module: CLASS_EXAMPLE, params: { greeting: "Hello" } }] }),
    });
    assert.deepEqual(l.modules.map((m) => [m.decl.name, m.params]), [["class_example", { greeting: "Hello" }]]);
    const hello = fnOf(l, "class_hello", 1);
    assert.deepEqual(hello.routes, ["request", "failure", "onreply"]);
    assert.equal(hello.params[0]!.kind, "string-pv");
    assert.throws(() => callFn(hello, fakeCtx(), ["x"]), /class module "class_example" was used before its init\/childInit ran/);
    await started(l, MAIN_PROCESS, async () => {
      const ctx = fakeCtx();
      assert.equal(callFn(hello, ctx, ["Ann"]), 1);
      assert.equal(pvGet(pvOf(l, "class_greeting"), ctx, undefined), "Hello, Ann!");
      assert.deepEqual(await rpcCall(l, "class_example.info"), { count: 1, process: "main", baseDir: join(tmp.dir, "class") });
    });
    assert.throws(() => callFn(hello, fakeCtx(), ["x"]), /used before its init/);
  });

  test("lifecycle: one instance per process, Effect/Promise lifecycle methods, destroy at scope close", async () => {
    const l = await load({ manifest: writeManifest(join(tmp.dir, "counter"), { modules: [{ module: fixture("class-fixture.ts"), params: { step: 5 } }] }) });
    trace.length = 0;
    await started(l, MAIN_PROCESS, async () => {
      const ctx = fakeCtx();
      assert.equal(callFn(fnOf(l, "counter_add", 1), ctx, [2]), 1);
      assert.equal(await Effect.runPromise(callFn(fnOf(l, "counter_add_later", 0), ctx, []) as Effect.Effect<number>), 1);
      assert.equal(await Effect.runPromise(callFn(fnOf(l, "counter_add_effect", 0), ctx, []) as Effect.Effect<number>), 2);
      const pv = pvOf(l, "counter");
      assert.equal(pv.inner, "optional");
      assert.equal(pvGet(pv, ctx, undefined), 20);
      (pv.set as (c: CallContext, n: unknown, v: ScriptValue) => void)(ctx, "stored", "kept");
      assert.equal(pvGet(pv, ctx, "stored"), "kept");
      assert.deepEqual(await rpcCall(l, "counter.get", ["a"]), { value: 20, proc: "main", params: ["a"] });
    });
    assert.deepEqual(trace, ["counter:new:main", "counter:init:", "counter:child:main", "counter:destroy:main"]);

    // A group worker: no init, childInit creates the process's own instance.
    trace.length = 0;
    const worker: ProcessInfo = { kind: "group", group: "g", rank: 1, id: 1 + 1 };
    await started(l, worker, async () => {
      assert.deepEqual(await rpcCall(l, "counter.get"), { value: 0, proc: "g#1", params: [] });
    });
    assert.deepEqual(trace, ["counter:new:g#1", "counter:child:g#1", "counter:destroy:g#1"]);
  });
});
