import { test, describe, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { Cause, Effect, Exit, Option, Scope } from "effect";
import { SipmodError } from "../core/errors.ts";
import { childInitModules, initModules } from "../core/manifest/lifecycle.ts";
import type { LoadedManifest } from "../core/manifest/loaded-manifest.ts";
import { MAIN_PROCESS, type ProcessInfo } from "../core/module/process-info.ts";
import { Alpha } from "./fixtures/manifest/alpha.ts";
import { fixture, load, tempDir, withCoreServices, writeManifest } from "./fixtures/manifest/helpers.ts";
import { trace } from "./fixtures/manifest/trace.ts";

const tmp = tempDir();
after(() => tmp.cleanup());
beforeEach(() => {
  trace.length = 0;
});

let n = 0;
const loadModules = (modules: unknown[]): Promise<LoadedManifest> =>
  load({ manifest: writeManifest(tmp.dir, { modules }, `plugins-${++n}.json`) });

/** Run an effect needing Scope + core services; close the scope; return the exit. */
const runScoped = async <A>(eff: Effect.Effect<A, SipmodError, Scope.Scope | import("../core/module/core-services.ts").CoreServices>, proc: ProcessInfo = MAIN_PROCESS) =>
  Effect.runPromise(Effect.exit(withCoreServices(Effect.scoped(eff), proc)));

describe("module lifecycle", () => {
  test("main thread: services and init in dependency order, then childInit; finalizers in reverse", async () => {
    const l = await loadModules([fixture("beta.ts"), { module: fixture("alpha.ts"), params: { count: 2, label: "L" } }]);
    const exit = await runScoped(
      Effect.gen(function* () {
        const ctx = yield* initModules(l);
        yield* childInitModules(l, MAIN_PROCESS, ctx);
        // The returned context carries alpha's service, for running module functions.
        const a = yield* Effect.serviceOption(Alpha).pipe(Effect.provide(ctx));
        trace.push(`ctx:${Option.isSome(a) ? a.value.count : "none"}`);
      }),
    );
    assert.ok(Exit.isSuccess(exit));
    assert.deepEqual(trace, [
      "alpha:services:main",
      "alpha:init:2",
      "beta:init:L:b",
      "alpha:child:main",
      "ctx:2",
      "alpha:child:release",
      "beta:init:release",
      "alpha:init:release",
      "alpha:services:release",
    ]);
  });

  test("group worker: services are built in the worker, no init, childInit with the worker's ProcessInfo", async () => {
    const l = await loadModules([fixture("alpha.ts"), fixture("beta.ts")]);
    const worker: ProcessInfo = { kind: "group", group: "swk", rank: 2, id: 1 + 2 };
    const exit = await runScoped(childInitModules(l, worker), worker);
    assert.ok(Exit.isSuccess(exit));
    assert.deepEqual(trace, ["alpha:services:group", "alpha:child:swk#2", "alpha:child:release", "alpha:services:release"]);
  });

  test("an init that fails keeps its SipmodError, names the module, and releases what was started", async () => {
    const l = await loadModules([fixture("alpha.ts"), fixture("failing-init.ts")]);
    const exit = await runScoped(initModules(l));
    assert.ok(Exit.isFailure(exit));
    const e = Option.getOrThrow(Cause.failureOption(exit.cause));
    assert.ok(e instanceof SipmodError);
    assert.equal(e.code, "SM_INIT_FAILED");
    assert.equal(e.module, "failing_init");
    assert.equal(e.message, "fixture could not start");
    assert.deepEqual(trace, [
      "alpha:services:main",
      "alpha:init:1",
      "failing_init:fail",
      "alpha:init:release",
      "alpha:services:release",
    ]);
  });

  test("an init that throws becomes SM_INIT_FAILED with the cause", async () => {
    const l = await loadModules([{ module: fixture("failing-init.ts"), params: { mode: "die" } }]);
    const exit = await runScoped(initModules(l));
    assert.ok(Exit.isFailure(exit));
    const e = Option.getOrThrow(Cause.failureOption(exit.cause));
    assert.equal(e.code, "SM_INIT_FAILED");
    assert.equal(e.message, 'module "failing_init" failed in init');
    assert.equal((e.cause as Error).message, "fixture threw in init");
    assert.match(e.format(), /cause: Error: fixture threw in init/);
  });
});
