import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TimerQueue } from "../core/module/timer-queue.ts";

describe("tm timer queue", () => {
  test("fires in due order, equal due times first-in first-out, with one OS timer", async () => {
    let now = 0;
    const q = new TimerQueue(() => now);
    const order: string[] = [];
    q.after(30, () => order.push("c"));
    q.after(10, () => order.push("a1"));
    q.after(10, () => order.push("a2"));
    q.after(20, () => order.push("b"));
    now = 100;
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(order, ["a1", "a2", "b", "c"]);
    assert.equal(q.size, 0);
    q.stop();
  });

  test("a cancelled entry leaves the heap at once and never fires; the heap stays ordered under random use", async () => {
    let now = 0;
    const q = new TimerQueue(() => now);
    const fired: number[] = [];
    const entries = [];
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
    for (let i = 0; i < 2000; i++) {
      const due = rnd() % 1000;
      entries.push({ i, due, e: q.after(due, () => fired.push(i)) });
    }
    const cancelled = new Set<number>();
    for (const x of entries) if (rnd() % 3 === 0) {
      q.cancel(x.e);
      q.cancel(x.e); // twice is harmless
      cancelled.add(x.i);
    }
    assert.equal(q.size, 2000 - cancelled.size);
    now = 5000;
    await new Promise((r) => setTimeout(r, 50));
    const expected = entries.filter((x) => !cancelled.has(x.i)).sort((a, b) => a.due - b.due || a.i - b.i).map((x) => x.i);
    assert.deepEqual(fired, expected);
    q.stop();
  });

  test("cancelled timers do not keep what their closures hold", () => {
    const q = new TimerQueue();
    const e = q.after(60_000, () => undefined);
    q.cancel(e);
    assert.equal(e.fire, undefined);
    assert.equal(q.size, 0);
    q.stop();
  });
});
