import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnThread } from "../core/process/spawn.ts";
import { SharedShvStore } from "../modules/pv/shv-shared.ts";
import { setShvStore } from "../modules/pv/shv-store.ts";
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
      assert.deepEqual(seen.logs, ["[x] [6] [0]"]);
      assert.throws(() => store.set("big", "y".repeat(10000)), /full/);
      for (let i = 0; i < 12; i++) store.set(`n${i}`, i); // a, b, c, big + 12 = 16 slots
      assert.throws(() => store.set("one-too-many", 1), /no free slot/);
      assert.throws(() => new SharedShvStore(new SharedArrayBuffer(128)), /not a \$shv store/);
    } finally {
      setShvStore(prev);
    }
  });
});
