import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Effect, Exit, Logger, Scope } from "effect";
import type { ProcessInfo } from "../core/module/process-info.ts";
import type { TaskData } from "../core/module/values.ts";
import { spawnThread } from "../core/process/spawn.ts";
import htableModule from "../modules/htable/index.ts";
import { installTables, sharedData, tableNamed } from "../modules/htable/tables.ts";

/** childInit with the shared data a core may pass as a third argument. */
const childInit = htableModule.childInit as unknown as (
  p: typeof params,
  proc: ProcessInfo,
  shared?: TaskData,
) => Effect.Effect<void, unknown, Scope.Scope>;

const params = { htable: ["c=>size=4;initval=0", "other=>size=2"], table_memory: 1 << 20, timer_interval: 20 };

describe("htable: tables shared with a worker thread", () => {
  test("a worker that attaches the shared data sees and changes the same items, atomically", { timeout: 120_000 }, async () => {
    const scope = Effect.runSync(Scope.make());
    const before = installTables(new Map());
    try {
      await Effect.runPromise(htableModule.init!(params).pipe(Scope.extend(scope)) as Effect.Effect<void>);
      const c = tableNamed("c")!;
      c.set("from_main", "hello from main");
      const rounds = 20_000;
      const start = new Int32Array(new SharedArrayBuffer(4));
      const worker = spawnThread(new URL("./fixtures/htable/worker.ts", import.meta.url), {
        workerData: { shared: sharedData(), params, rounds, start },
      });
      try {
        const next = () =>
          new Promise<{ fromMain?: unknown; ready?: boolean }>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error("worker timed out")), 100_000);
            worker.once("message", (m: { fromMain?: unknown; ready?: boolean }) => {
              clearTimeout(t);
              resolve(m);
            });
            worker.once("error", (e) => {
              clearTimeout(t);
              reject(e);
            });
          });
        assert.equal((await next()).ready, true);
        const reply = next();
        // Both threads increment and churn the same table at the same time.
        Atomics.store(start, 0, 1);
        Atomics.notify(start, 0);
        for (let i = 0; i < rounds; i++) {
          c.add("hits", 1);
          c.set(`m${i % 50}`, `main ${i} ${"y".repeat(i % 30)}`);
        }
        const m = await reply;
        assert.equal(m.fromMain, "hello from main");
        assert.equal(c.get("from_worker"), "hello from the worker");
        assert.equal(c.get("hits"), 2 * rounds);
        for (let i = 0; i < 50; i++) assert.match(String(c.get(`m${i}`)), /^main \d+ y*$/);
        for (const item of c.items()) assert.ok(/^(hits|from_main|from_worker|m\d+|w\d+)$/.test(item.key), item.key);
      } finally {
        await worker.terminate();
      }
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void));
      installTables(before);
    }
  });

  test("childInit: the main thread keeps init's tables; a worker without shared data gets its own and a warning", async () => {
    const before = installTables(new Map());
    const logs: string[] = [];
    const logger = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => logs.push(String(message))));
    try {
      await Effect.runPromise(Effect.scoped(childInit(params, { kind: "main", rank: 0 })).pipe(Effect.provide(logger)) as Effect.Effect<void>);
      assert.equal(tableNamed("c"), undefined);
      await Effect.runPromise(
        Effect.scoped(childInit(params, { kind: "group", group: "g", rank: 2 })).pipe(Effect.provide(logger)) as Effect.Effect<void>,
      );
      assert.ok(tableNamed("c") !== undefined && tableNamed("other") !== undefined);
      assert.ok(logs.some((l) => l.includes("got no shared table memory")), logs.join("\n"));
      const bad = await Effect.runPromiseExit(
        Effect.scoped(childInit(params, { kind: "group", group: "g", rank: 3 }, { tables: {} })) as Effect.Effect<void, unknown>,
      );
      assert.ok(Exit.isFailure(bad));
      assert.match(String(JSON.stringify(bad.cause)), /no shared buffer for table \\"c\\"/);
    } finally {
      installTables(before);
    }
  });
});
