import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Effect, Exit, Scope } from "effect";
import { SharedMemory } from "../core/module/core-services.ts";
import { MainSharedMemory, workerSharedMemory } from "../core/server/shared-memory.ts";
import { spawnThread } from "../core/process/spawn.ts";
import htableModule from "../modules/htable/index.ts";
import { installTables, tableNamed } from "../modules/htable/tables.ts";

const params = { htable: ["c=>size=4;initval=0", "other=>size=2"], table_memory: 1 << 20, timer_interval: 20 };

describe("htable: tables shared with a worker thread", () => {
  test("a worker that attaches the server's shared memory sees and changes the same items, atomically", { timeout: 120_000 }, async () => {
    const scope = Effect.runSync(Scope.make());
    const before = installTables(new Map());
    const mem = new MainSharedMemory();
    try {
      await Effect.runPromise(htableModule.init!(params).pipe(Scope.extend(scope), Effect.provideService(SharedMemory, mem)) as Effect.Effect<void>);
      const c = tableNamed("c")!;
      c.set("from_main", "hello from main");
      const rounds = 20_000;
      const start = new Int32Array(new SharedArrayBuffer(4));
      const worker = spawnThread(new URL("./fixtures/htable/worker.ts", import.meta.url), {
        workerData: { views: mem.views(), params, rounds, start },
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

  test("childInit attaches the segments init laid out; a worker without them fails to boot", async () => {
    const before = installTables(new Map());
    const mem = new MainSharedMemory();
    const scope = Effect.runSync(Scope.make());
    try {
      await Effect.runPromise(htableModule.init!(params).pipe(Scope.extend(scope), Effect.provideService(SharedMemory, mem)) as Effect.Effect<void>);
      tableNamed("c")!.set("k", "v");
      await Effect.runPromise(
        htableModule.childInit!(params, { kind: "main", rank: 0, id: 0 }).pipe(Scope.extend(scope), Effect.provideService(SharedMemory, mem)) as Effect.Effect<void>,
      );
      assert.equal(tableNamed("c")!.get("k"), "v");
      await Effect.runPromise(
        htableModule.childInit!(params, { kind: "group", group: "g", rank: 2, id: 1 + 2 }).pipe(
          Scope.extend(scope),
          Effect.provideService(SharedMemory, workerSharedMemory(mem.views())),
        ) as Effect.Effect<void>,
      );
      assert.equal(tableNamed("c")!.get("k"), "v");
      const bad = await Effect.runPromiseExit(
        Effect.scoped(htableModule.childInit!(params, { kind: "group", group: "g", rank: 3, id: 1 + 3 })).pipe(
          Effect.provideService(SharedMemory, workerSharedMemory({})),
        ) as unknown as Effect.Effect<void, { readonly code: string; readonly message: string }>,
      );
      assert.ok(Exit.isFailure(bad) && bad.cause._tag === "Fail");
      assert.equal(bad.cause.error.code, "SM_INIT_FAILED");
      assert.match(bad.cause.error.message, /"htable.c" was not created in the main thread/);
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void));
      installTables(before);
    }
  });
});
