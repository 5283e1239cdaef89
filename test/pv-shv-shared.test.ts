import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Effect, Layer, type Scope } from "effect";
import type { SipmodError } from "../core/errors.ts";
import { SharedMemory } from "../core/module/core-services.ts";
import { spawnThread } from "../core/process/spawn.ts";
import pvModule from "../modules/pv/index.ts";
import { SharedShvStore } from "../modules/pv/shv-shared.ts";
import { LocalShvStore, setShvStore, shvStore } from "../modules/pv/shv-store.ts";
import { runRoute, seen } from "./script-helpers.ts";

describe("pv: $shv store shared by worker threads", () => {
  test("values written in a worker thread are seen in the main thread and back", async () => {
    const sab = SharedShvStore.allocate(1 << 20, 2048);
    const store = new SharedShvStore(sab);
    store.set("from_main", "hello worker");
    const worker = spawnThread(new URL("./fixtures/pv/shv-worker.ts", import.meta.url), { workerData: { sab } });
    try {
      // Write concurrently with the worker: the table must stay consistent.
      for (let i = 0; i < 300; i++) store.set(`m${i}`, `main ${i}`);
      const reply = await new Promise<{ fromMain: unknown }>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("worker timed out")), 20000);
        worker.once("message", (m: { fromMain: unknown }) => {
          clearTimeout(t);
          resolve(m);
        });
        worker.once("error", (e) => {
          clearTimeout(t);
          reject(e);
        });
      });
      assert.equal(reply.fromMain, "hello worker");
      assert.equal(store.get("from_worker"), "hi from the worker");
      for (let i = 0; i < 300; i++) {
        assert.equal(store.get(`w${i}`), i);
        assert.equal(store.get(`m${i}`), `main ${i}`);
      }
      assert.equal(store.get("shared_counter_text"), "worker 299");
      assert.equal(store.get("never_set"), 0);
    } finally {
      await worker.terminate();
    }
  });

  test("the script's $shv reads and writes the installed store; limits are errors", async () => {
    const store = new SharedShvStore(SharedShvStore.allocate(4096 + 64 + 16 * 32, 16));
    const prev = setShvStore(store);
    try {
      await runRoute('$shv(a) = "x"; $shv(b) = 5; $shv(b) = $shv(b) + 1; $shv(c) = $null; t_log("[$shv(a)] [$shv(b)] [$shv(c)]");');
      // $shv(c) = $null prints "" as in Kamailio 5.6 (test/compat-pv.test.ts checks it against Kamailio)
      assert.deepEqual(seen.logs, ["[x] [6] []"]);
      assert.throws(() => store.set("big", "y".repeat(10000)), /full/);
      for (let i = 0; i < 12; i++) store.set(`n${i}`, i); // a, b, c, big + 12 = 16 slots
      assert.throws(() => store.set("one-too-many", 1), /no free slot/);
      assert.throws(() => new SharedShvStore(new SharedArrayBuffer(128)), /not a \$shv store/);
    } finally {
      setShvStore(prev);
    }
  });

  test("the pv module keeps $shv in the server's shared memory: init lays it out, childInit attaches", async () => {
    const segments = new Map<string, SharedArrayBuffer>();
    const mem = Layer.succeed(SharedMemory, {
      segment: (key, bytes) =>
        Effect.sync(() => {
          let sab = segments.get(key);
          if (sab === undefined) {
            sab = new SharedArrayBuffer(bytes);
            segments.set(key, sab);
          }
          return sab;
        }),
    });
    type Step = Effect.Effect<void, SipmodError, SharedMemory | Scope.Scope>;
    const run = (e: Step) => Effect.runPromise(e.pipe(Effect.provide(mem), Effect.scoped));
    const prev = setShvStore(new LocalShvStore());
    try {
      await run(pvModule.init!({ shvset: ["limit=i:5", "name=s:x"] }) as Step);
      assert.ok(shvStore() instanceof SharedShvStore);
      const mainStore = shvStore();
      // A worker thread starts with its own module instance: childInit attaches the same segment.
      setShvStore(new LocalShvStore());
      await run(pvModule.childInit!({ shvset: ["limit=i:99"] }, { kind: "group", group: "g", rank: 1, id: 1 + 1 }) as Step);
      assert.ok(shvStore() instanceof SharedShvStore);
      assert.equal(shvStore().get("limit"), 5, "childInit does not apply shvset again");
      mainStore.set("limit", 6);
      assert.equal(shvStore().get("limit"), 6);
      assert.equal(shvStore().get("name"), "x");
    } finally {
      setShvStore(prev);
    }
  });
});
