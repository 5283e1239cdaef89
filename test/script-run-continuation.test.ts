import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ContinuationRef } from "../core/script/bound.ts";
import { makeEngine } from "../core/script/engine.ts";
import { bindText, captureLogs, fakeRcv, runText, seen, sipMsg } from "./script-helpers.ts";

/**
 * Continuations, as async_sleep needs them: a function called as a statement learns where the rest
 * of its action list starts (ScriptContext.continuation()), as plain data; another engine bound from
 * the same config (another thread) runs that rest later with a new context.
 */
const suspendThenResume = async (cfg: string) => {
  seen.reset();
  const first = await runText(cfg);
  const ref = seen.conts[0];
  const before = [...seen.logs];
  seen.logs.length = 0;
  let resumed: Awaited<ReturnType<typeof runText>>["outcome"] | undefined;
  if (ref !== undefined) {
    // A second engine, as in another worker thread: same config, bound again.
    const other = makeEngine(await bindText(cfg), captureLogs().runtime);
    const ctx = other.newContext(sipMsg(), fakeRcv(), { route: "failure" });
    const wire = JSON.parse(JSON.stringify(ref)) as ContinuationRef;
    resumed = await other.runContinuation(wire, ctx);
    assert.equal(ctx.route, "failure");
  }
  return { first: first.outcome, ref, before, after: [...seen.logs], resumed };
};

describe("continuations", () => {
  test("the rest of the top-level list runs in another engine", async () => {
    const r = await suspendThenResume('request_route {\n  t_log("a");\n  t_suspend();\n  t_log("b");\n  t_log("c");\n}\n');
    assert.deepEqual(r.ref, { block: "request_route", path: [1] });
    assert.deepEqual(r.before, ["a"]);
    assert.equal(r.first.exited, true);
    assert.deepEqual(r.after, ["b", "c"]);
    assert.deepEqual(r.resumed, { code: 1, dropped: false, exited: false });
  });

  test("inside an if block only the rest of that block runs (Kamailio semantics)", async () => {
    const r = await suspendThenResume('request_route {\n  if (1) {\n    t_suspend();\n    t_log("in if");\n  }\n  t_log("after if");\n}\n');
    assert.deepEqual(r.ref, { block: "request_route", path: [0, 0, 0] });
    assert.deepEqual(r.after, ["in if"]);
  });

  test("in an else branch, a while body and a route[] block", async () => {
    let r = await suspendThenResume('request_route {\n  if (0) { exit; } else { t_suspend(); t_log("else rest"); }\n}\n');
    assert.deepEqual(r.ref, { block: "request_route", path: [0, 1, 0] });
    assert.deepEqual(r.after, ["else rest"]);
    r = await suspendThenResume('request_route {\n  while (1) { t_suspend(); t_log("body rest"); }\n}\n');
    assert.deepEqual(r.ref, { block: "request_route", path: [0, 0, 0] });
    assert.deepEqual(r.after, ["body rest"]);
    r = await suspendThenResume('request_route {\n  route(R);\n  t_log("caller rest");\n}\nroute[R] {\n  t_suspend();\n  t_log("R rest");\n}\n');
    assert.deepEqual(r.ref, { block: "route[R]", path: [0] });
    assert.deepEqual(r.after, ["R rest"]);
  });

  test("inside a switch the following cases run until break", async () => {
    const r = await suspendThenResume(
      'request_route {\n  switch (1) {\n    case 1: t_suspend();\n    case 2: t_log("c2"); break;\n    case 3: t_log("c3");\n  }\n  t_log("after switch");\n}\n',
    );
    assert.deepEqual(r.ref, { block: "request_route", path: [0, 0, 0] });
    assert.deepEqual(r.after, ["c2"]);
  });

  test("no continuation for the last action of a block or a call inside an expression", async () => {
    let r = await suspendThenResume('request_route {\n  t_log("a");\n  t_suspend();\n}\n');
    assert.equal(r.ref, undefined);
    assert.equal(seen.conts.length, 1);
    r = await suspendThenResume('request_route {\n  if (1) { t_suspend(); }\n  t_log("after");\n}\n');
    assert.equal(r.ref, undefined);
    r = await suspendThenResume('request_route {\n  if (!t_suspend()) { t_log("x"); }\n  t_log("after");\n}\n');
    assert.equal(r.ref, undefined);
  });

  test("a continuation that does not exist in the config gives -1", async () => {
    const cap = captureLogs();
    const e = makeEngine(await bindText('request_route { t_log("a"); }'), cap.runtime);
    const o = await e.runContinuation({ block: "route[NOPE]", path: [0] }, e.newContext(sipMsg(), fakeRcv()));
    assert.equal(o.code, -1);
    assert.ok(cap.lines.some((l) => /does not exist/.test(l)));
  });

  test("flow statements in the resumed part keep their meaning", async () => {
    const r = await suspendThenResume('request_route {\n  t_suspend();\n  t_log("x");\n  drop;\n  t_log("never");\n}\n');
    assert.deepEqual(r.after, ["x"]);
    assert.deepEqual(r.resumed, { code: 0, dropped: true, exited: true });
  });
});
