import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Effect, Either, HashMap, Layer, Logger, type Scope } from "effect";
import type { SipmodError } from "../core/errors.ts";
import { makeProcessGroups, type ProcessGroupsControlApi, type ProcessGroupsOptions } from "../core/process/groups.ts";
import type { ProcessGroupSpec } from "../core/process/groups.ts";
import { keyRank } from "../core/process/key-hash.ts";
import { makeBoard, read, release } from "./fixtures/process/board.ts";

const bootUrl = new URL("./fixtures/process/counter-boot.ts", import.meta.url);
const noBootUrl = new URL("./fixtures/process/no-boot.ts", import.meta.url);

interface LogLine {
  readonly level: string;
  readonly text: string;
  readonly ann: { readonly [key: string]: unknown };
}

/** A logger that keeps every line, so tests can look for them. */
const captureLogs = () => {
  const lines: LogLine[] = [];
  const logger = Logger.make(({ logLevel, message, annotations }) => {
    const parts = Array.isArray(message) ? (message as unknown[]) : [message];
    lines.push({ level: logLevel.label, text: parts.map(String).join(" "), ann: Object.fromEntries(HashMap.toEntries(annotations)) });
  });
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) };
};

/** Run a scoped program with captured logs and a hard time limit; the scope closes at the end. */
const run = <A>(
  program: Effect.Effect<A, SipmodError, Scope.Scope>,
  logs: Layer.Layer<never>,
  ms = 20_000,
): Promise<A> =>
  Effect.runPromise(
    program.pipe(
      Effect.scoped,
      Effect.timeoutFail({ duration: ms, onTimeout: () => new Error(`test program took more than ${ms} ms`) }),
      Effect.provide(logs),
    ),
  );

const waitFor = (what: string, cond: () => boolean, ms = 10_000): Effect.Effect<void> =>
  Effect.gen(function* () {
    const until = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > until) return yield* Effect.die(new Error(`timed out waiting for: ${what}`));
      yield* Effect.sleep(10);
    }
  });

/** A key that maps to `rank` in a group of `size`. */
const keyFor = (rank: number, size: number, prefix = "call-"): string => {
  for (let i = 0; ; i++) if (keyRank(`${prefix}${i}`, size) === rank) return `${prefix}${i}`;
};

const start = (
  specs: readonly ProcessGroupSpec[],
  args: { readonly board: Uint8Array; readonly failGroup?: string; readonly failRank?: number },
  options: ProcessGroupsOptions = {},
) => makeProcessGroups(specs, { url: bootUrl, args }, options);

const T = { timeout: 30_000 };

describe("process groups", () => {
  test("a group of 2: each worker boots (childInit-like) and answers a task; shutdown runs and ends threads", T, async () => {
    const board = makeBoard();
    const { lines, layer } = captureLogs();
    let api: ProcessGroupsControlApi | undefined;
    await run(
      Effect.gen(function* () {
        api = yield* start([{ name: "grp", size: 2 }], { board });
        assert.deepEqual(api.names(), ["grp"]);
        assert.equal(api.has("grp"), true);
        yield* api.push("grp", "count", 10, keyFor(0, 2));
        yield* api.push("grp", "count", 11, keyFor(1, 2));
        yield* waitFor("both workers ran a task", () => read(board, "tasks", 0) === 1 && read(board, "tasks", 1) === 1);
        assert.equal(read(board, "lastValue", 0), 10);
        assert.equal(read(board, "lastValue", 1), 11);
        assert.equal(read(board, "boots", 0), 1);
        assert.equal(read(board, "boots", 1), 1);
        const [g] = api.stats();
        assert.equal(g!.name, "grp");
        assert.equal(g!.size, 2);
        assert.equal(g!.queue, 1024);
        const ids = g!.workers.map((w) => w.threadId);
        assert.notEqual(ids[0], ids[1]);
        assert.equal(ids[0], read(board, "threadId", 0));
        assert.equal(ids[1], read(board, "threadId", 1));
        yield* waitFor("acks counted", () => api!.stats()[0]!.workers.every((w) => w.done === 1 && w.queued === 0));
        // The boot module's Effect log lines reached this thread's logger, annotated with group and rank.
        for (const rank of [0, 1]) {
          const line = lines.find((l) => l.text.includes(`booted grp#${rank}`));
          assert.ok(line, `boot log of rank ${rank}`);
          assert.equal(line.ann["group"], "grp");
          assert.equal(line.ann["rank"], rank);
          assert.equal(line.level, "INFO");
        }
      }),
      layer,
    );
    // After the scope closed: each worker's shutdown and boot finalizers ran, threads ended.
    for (const rank of [0, 1]) {
      assert.equal(read(board, "shutdowns", rank), 1);
      assert.equal(read(board, "finalized", rank), 1);
    }
    assert.deepEqual(api!.stats()[0]!.workers.map((w) => [w.state, w.threadId]), [["stopped", null], ["stopped", null]]);
  });

  test("key affinity: the same key always lands on the same worker", T, async () => {
    const board = makeBoard();
    const { layer } = captureLogs();
    await run(
      Effect.gen(function* () {
        const api = yield* start([{ name: "dlg", size: 2 }], { board });
        const keys = Array.from({ length: 12 }, (_, i) => `a84b4c76e66710@pc33.atlanta.example.com-${i}`);
        const expected = [0, 0];
        for (let round = 0; round < 3; round++) {
          for (const k of keys) {
            yield* api.push("dlg", "count", round, k);
            expected[keyRank(k, 2)]!++;
          }
        }
        assert.ok(expected[0]! > 0 && expected[1]! > 0, "keys spread over both workers");
        yield* waitFor("all tasks ran", () => read(board, "tasks", 0) + read(board, "tasks", 1) === 36);
        assert.equal(read(board, "tasks", 0), expected[0]);
        assert.equal(read(board, "tasks", 1), expected[1]);
        yield* waitFor("acks counted", () => api.stats()[0]!.workers.every((w) => w.queued === 0));
        // Without a key: the least loaded worker; both get work.
        for (let i = 0; i < 4; i++) yield* api.push("dlg", "count", i);
        yield* waitFor("keyless tasks ran", () => read(board, "tasks", 0) + read(board, "tasks", 1) === 40);
        assert.ok(read(board, "tasks", 0) > expected[0]! && read(board, "tasks", 1) > expected[1]!);
      }),
      layer,
    );
  });

  test("a task that waits does not stall the queue (concurrency 64 by default); with concurrency 1 the next one waits", T, async () => {
    const board = makeBoard();
    const { layer } = captureLogs();
    await run(
      Effect.gen(function* () {
        // ranks share the board's slots across groups: group "one" is used through its rank 1 only
        const api = yield* start([{ name: "w", size: 1 }, { name: "one", size: 2, concurrency: 1 }], { board });
        const k1 = keyFor(1, 2);
        yield* api.push("w", "park", 1);
        yield* api.push("w", "count", 2);
        yield* waitFor("the count ran while the park waits", () => read(board, "tasks", 0) === 1);
        assert.equal(api.stats()[0]!.workers[0]!.queued, 1, "the parked task is still counted");
        yield* api.push("one", "park", 3, k1);
        yield* api.push("one", "count", 4, k1);
        yield* Effect.sleep(300);
        assert.equal(read(board, "tasks", 1), 0, "concurrency 1: the count waits behind the parked task");
        release(board);
        yield* waitFor("all four ran", () => read(board, "tasks", 0) === 2 && read(board, "tasks", 1) === 2);
      }),
      layer,
    );
  });

  test("a full queue fails at once with SM_GROUP_QUEUE_FULL", T, async () => {
    const board = makeBoard();
    const { layer } = captureLogs();
    await run(
      Effect.gen(function* () {
        const api = yield* start([{ name: "q", size: 1, queue: 2 }], { board });
        yield* api.push("q", "block", 1);
        yield* api.push("q", "block", 2);
        const t0 = performance.now();
        const third = yield* Effect.either(api.push("q", "block", 3));
        const elapsed = performance.now() - t0;
        assert.ok(Either.isLeft(third), "third push refused");
        assert.equal(third.left.code, "SM_GROUP_QUEUE_FULL");
        assert.match(third.left.message, /process group "q" worker #0 has 2 task\(s\) queued \(capacity 2\)/);
        assert.ok(elapsed < 100, `refused in ${elapsed.toFixed(2)} ms`);
        // With a key too.
        const keyed = yield* Effect.either(api.push("q", "count", 4, "some-call-id"));
        assert.ok(Either.isLeft(keyed) && keyed.left.code === "SM_GROUP_QUEUE_FULL");
        release(board);
        yield* waitFor("blocked tasks finished", () => read(board, "tasks") === 2);
        yield* waitFor("queue emptied", () => api.stats()[0]!.workers[0]!.queued === 0);
        yield* api.push("q", "count", 5);
        yield* waitFor("a later task ran", () => read(board, "tasks") === 3);
      }),
      layer,
    );
  });

  test("a failing task is logged with group, rank and task; the worker goes on", T, async () => {
    const board = makeBoard();
    const { lines, layer } = captureLogs();
    await run(
      Effect.gen(function* () {
        const api = yield* start([{ name: "f", size: 1 }], { board });
        yield* api.push("f", "reject", null);
        yield* api.push("f", "fail", null);
        yield* api.push("f", "log", "hello");
        yield* api.push("f", "count", 1);
        yield* waitFor("the count task ran", () => read(board, "tasks") === 1);
        yield* waitFor("acks counted", () => api.stats()[0]!.workers[0]!.queued === 0);
        const w = api.stats()[0]!.workers[0]!;
        assert.equal(w.failed, 2);
        assert.equal(w.done, 2);
        assert.equal(w.restarts, 0);
        assert.equal(read(board, "boots"), 1);
        const rejected = lines.find((l) => l.text.includes(`task "reject" failed`));
        assert.ok(rejected);
        assert.match(rejected.text, /task rejected on purpose/);
        assert.deepEqual([rejected.ann["group"], rejected.ann["rank"], rejected.ann["task"]], ["f", 0, "reject"]);
        const failed = lines.find((l) => l.text.includes(`task "fail" failed`));
        assert.ok(failed);
        assert.match(failed.text, /SM_CFG_PV: task failed on purpose/);
        const said = lines.find((l) => l.text.includes("worker says hello"));
        assert.ok(said);
        assert.equal(said.level, "WARN");
        assert.deepEqual([said.ann["group"], said.ann["rank"], said.ann["task"]], ["f", 0, "log"]);
      }),
      layer,
    );
  });

  test("a crashed worker is restarted, the crash logged with group and rank; later tasks are answered", { timeout: 60_000 }, async () => {
    const board = makeBoard();
    const { lines, layer } = captureLogs();
    await run(
      Effect.gen(function* () {
        const api = yield* start([{ name: "c", size: 2 }], { board }, { restartInitialMs: 300 });
        const k1 = keyFor(1, 2);
        const worker1 = () => api.stats()[0]!.workers[1]!;
        const crashes = () => lines.filter((l) => l.ann["code"] === "SM_GROUP_WORKER_CRASHED");

        // process.exit in the thread, with the task in flight: the task goes to the replacement
        // once, crashes it again, and is then given up.
        yield* api.push("c", "exit", null, k1);
        yield* waitFor("two crashes logged", () => crashes().length === 2);
        const crash = crashes()[0]!;
        assert.equal(crash.level, "ERROR");
        assert.deepEqual([crash.ann["group"], crash.ann["rank"]], ["c", 1]);
        assert.match(crash.text, /worker c#1 crashed: thread exited with code 3; 1 unacknowledged task\(s\) go to the replacement; none lost/);
        assert.match(crashes()[1]!.text, /worker c#1 crashed: thread exited with code 3; 1 task\(s\) in flight in two crashes lost \(exit\)/);
        assert.equal(worker1().state, "restarting");
        assert.equal(worker1().lost, 1);
        assert.equal(worker1().redelivered, 1);
        // Pushed while it restarts: waits, then runs on the new thread.
        yield* api.push("c", "count", 7, k1);
        assert.equal(worker1().queued, 1);
        yield* waitFor("restarted worker answered", () => read(board, "tasks", 1) === 1);
        assert.equal(read(board, "boots", 1), 3);
        assert.equal(read(board, "lastValue", 1), 7);
        assert.equal(worker1().restarts, 2);
        assert.equal(worker1().state, "ready");
        assert.equal(worker1().threadId, read(board, "threadId", 1));

        // An exception thrown asynchronously in the thread.
        yield* api.push("c", "throw-async", null, k1);
        yield* waitFor("third and fourth crash logged", () => crashes().length === 4);
        assert.match(crashes()[2]!.text, /worker c#1 crashed: asynchronous boom in the task/);
        yield* waitFor("restarted again", () => worker1().state === "ready");
        yield* api.push("c", "count", 8, k1);
        yield* waitFor("answered after the restarts", () => read(board, "tasks", 1) === 2);
        assert.equal(read(board, "boots", 1), 5);
        assert.equal(worker1().restarts, 4);
        // The other worker was not touched.
        assert.equal(read(board, "boots", 0), 1);
        assert.equal(api.stats()[0]!.workers[0]!.restarts, 0);
      }),
      layer,
      50_000,
    );
  });

  test("a worker's request reaches the main thread's onCall with its group and rank", T, async () => {
    const logs = captureLogs();
    const calls: [string, unknown, string, number][] = [];
    await run(
      Effect.gen(function* () {
        const groups = yield* start([{ name: "up", size: 1 }], { board: makeBoard() }, {
          onCall: (name, data, from) => calls.push([name, data, from.group, from.rank]),
        });
        yield* groups.push("up", "call-main", "hello");
        yield* waitFor("the worker's call", () => calls.length === 1);
      }),
      logs.layer,
    );
    assert.deepEqual(calls, [["echo", { rank: 0, data: "hello" }, "up", 0]]);
  });

  test("an unknown group fails with SM_GROUP_UNKNOWN", T, async () => {
    const { layer } = captureLogs();
    await run(
      Effect.gen(function* () {
        const api = yield* start([], { board: makeBoard() });
        assert.deepEqual(api.names(), []);
        assert.equal(api.has("nope"), false);
        const r = yield* Effect.either(api.push("nope", "count", 1));
        assert.ok(Either.isLeft(r));
        assert.equal(r.left.code, "SM_GROUP_UNKNOWN");
        assert.match(r.left.message, /no process group "nope"/);
      }),
      layer,
    );
  });

  test("a boot failure fails start-up naming the group and rank", T, async () => {
    const { layer } = captureLogs();
    const board = makeBoard();
    const r = await run(
      Effect.either(start([{ name: "a", size: 1 }, { name: "b", size: 2 }], { board, failGroup: "b", failRank: 1 })),
      layer,
    );
    assert.ok(Either.isLeft(r));
    assert.equal(r.left.code, "SM_INIT_FAILED");
    assert.match(r.left.message, /process group "b" worker #1 failed to boot: boot refused on purpose by the test/);

    const missing = await run(
      Effect.either(makeProcessGroups([{ name: "m", size: 1 }], { url: noBootUrl, args: null })),
      layer,
    );
    assert.ok(Either.isLeft(missing));
    assert.match(missing.left.message, /process group "m" worker #0 failed to boot: .*has no exported function `boot`/);

    const absent = await run(
      Effect.either(
        makeProcessGroups([{ name: "x", size: 1 }], { url: new URL("./fixtures/process/absent.ts", import.meta.url), args: null }),
      ),
      layer,
    );
    assert.ok(Either.isLeft(absent));
    assert.match(absent.left.message, /process group "x" worker #0 failed to boot/);
  });

  test("invalid group specs are refused before any thread starts", T, async () => {
    const { layer } = captureLogs();
    const cases: [readonly ProcessGroupSpec[], RegExp][] = [
      [[{ name: "", size: 1 }], /empty name/],
      [[{ name: "g", size: 0 }], /size must be an integer >= 1, got 0/],
      [[{ name: "g", size: 1, queue: 0 }], /queue must be an integer >= 1/],
      [[{ name: "g", size: 1 }, { name: "g", size: 2 }], /"g": defined twice/],
    ];
    for (const [specs, re] of cases) {
      const r = await run(Effect.either(start(specs, { board: makeBoard() })), layer);
      assert.ok(Either.isLeft(r));
      assert.equal(r.left.code, "SM_GROUP_SPEC");
      assert.match(r.left.message, re);
    }
  });

  test("shutdown drains queued tasks, runs shutdown, ends threads; later pushes are refused", T, async () => {
    const board = makeBoard();
    const { layer } = captureLogs();
    let api: ProcessGroupsControlApi | undefined;
    await run(
      Effect.gen(function* () {
        api = yield* start([{ name: "d", size: 1 }], { board });
        for (let i = 0; i < 3; i++) yield* api.push("d", "slow", i);
        assert.equal(read(board, "tasks"), 0);
      }),
      layer,
    );
    assert.equal(read(board, "tasks"), 3, "all queued tasks ran before the threads ended");
    assert.equal(read(board, "shutdowns"), 1);
    assert.equal(read(board, "finalized"), 1);
    const w = api!.stats()[0]!.workers[0]!;
    assert.deepEqual([w.state, w.done, w.lost, w.queued], ["stopped", 3, 0, 0]);
    const after = await Effect.runPromise(Effect.either(api!.push("d", "count", 1)));
    assert.ok(Either.isLeft(after));
    assert.match(after.left.message, /shutting down/);
  });

  test("shutdown gives up draining after the time limit and counts what was left as lost", T, async () => {
    const board = makeBoard();
    const { lines, layer } = captureLogs();
    let api: ProcessGroupsControlApi | undefined;
    const t0 = Date.now();
    await run(
      Effect.gen(function* () {
        api = yield* start([{ name: "s", size: 1 }], { board }, { drainTimeoutMs: 200, stopTimeoutMs: 200 });
        yield* api.push("s", "block", 1);
        yield* api.push("s", "block", 2);
      }),
      layer,
    );
    assert.ok(Date.now() - t0 < 10_000);
    const w = api!.stats()[0]!.workers[0]!;
    assert.deepEqual([w.state, w.lost], ["stopped", 2]);
    assert.ok(lines.some((l) => /2 task\(s\) lost because the group stopped/.test(l.text)));
    assert.ok(lines.some((l) => /did not stop within 200 ms/.test(l.text)));
  });
});
