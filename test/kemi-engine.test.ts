import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Effect } from "effect";
import { SipmodErrors } from "../core/errors.ts";
import { defineModule, erase, fn } from "../core/module/define-module.ts";
import { sipmodError } from "../core/errors.ts";
import { bindKemiProgram } from "../core/script/kemi/bind-kemi.ts";
import type { KemiScript } from "../core/script/kemi/kemi-script.ts";
import type { Ksr } from "../core/script/kemi/ksr-types.ts";
import { makeEngine } from "../core/script/engine.ts";
import type { Outcome } from "../core/script/bound.ts";
import { CORE_MAJOR } from "../core/version.ts";
import pvModule from "../modules/pv/index.ts";
import tmModule from "../modules/tm/index.ts";
import xlogModule from "../modules/xlog/index.ts";
import { captureLogs, fakeRcv, makeRegistry, seen, sipMsg, testModule } from "./script-helpers.ts";

/** Fixups seen by the kt module: one entry per fixup run. */
const fixups: string[] = [];

const ktModule = defineModule({
  name: "kt",
  version: "0.0.1",
  core: CORE_MAJOR,
  doc: { overview: "KEMI test functions." },
  functions: [
    fn({
      name: "fx_len",
      params: [{ name: "text", kind: "string" }] as const,
      routes: "any",
      doc: "Returns the length its fixup computed; the fixup refuses \"bad\".",
      fixup: (site) =>
        Effect.suspend(() => {
          const a = site.args[0];
          const text = a?.kind === "static" ? String(a.value) : "";
          fixups.push(text);
          return text === "bad" ? Effect.fail(sipmodError("SM_CFG_FIXUP", "bad is refused")) : Effect.succeed(text.length);
        }),
      run: (_c, _a, fixed: number) => fixed,
    }),
  ],
});

const registry = makeRegistry([erase(pvModule), erase(xlogModule), erase(tmModule), erase(testModule), erase(ktModule)]);

type Route = (ksr: Ksr) => unknown;
const script = (exports: Record<string, unknown>): KemiScript => ({ file: "/virtual/routes.ts", exports });

const run = async (exports: Record<string, unknown>, block = "request_route") => {
  seen.reset();
  const program = await Effect.runPromise(bindKemiProgram(script(exports), registry));
  const cap = captureLogs();
  const engine = makeEngine(program, cap.runtime);
  const ctx = engine.newContext(sipMsg(), fakeRcv());
  const res = engine.run(block, ctx);
  const sync = !(res instanceof Promise);
  const outcome: Outcome = await res;
  return { outcome, ctx, lines: cap.lines, sync, engine };
};

const bindErrorsOf = async (exports: Record<string, unknown>): Promise<string[]> => {
  const r = await Effect.runPromise(Effect.either(bindKemiProgram(script(exports), registry)));
  if (r._tag === "Right") throw new Error("expected the binding to fail");
  assert.ok(r.left instanceof SipmodErrors);
  return r.left.errors.map((e) => `${e.code} ${e.message}`);
};

describe("ksr calls", () => {
  test("module functions by module and name; a sync run stays synchronous", async () => {
    const r = await run({
      request_route: ((ksr) => {
        ksr.t.t_log!("a");
        ksr.t.t_args!("s", 5, "sp", 7);
        return ksr.t.t_ret!(3);
      }) satisfies Route,
    });
    assert.ok(r.sync);
    assert.deepEqual(seen.logs, ["a"]);
    assert.deepEqual(seen.args, [["s", 5, "sp", 7]]);
    assert.deepEqual(r.outcome, { code: 3, dropped: false, exited: false });
    assert.equal(r.ctx.rc, 3);
  });

  test("strings are not expanded; ksr.pv reads and writes pseudo-variables", async () => {
    const got: unknown[] = [];
    await run({
      request_route: ((ksr) => {
        ksr.t.t_log!("$rm is $ru");
        got.push(ksr.pv.get("$rm"), ksr.pv.get("$rU"), ksr.pv.get("$var(x)"));
        ksr.pv.sets("$var(x)", "v");
        got.push(ksr.pv.get("$var(x)"));
        ksr.pv.seti("$var(x)", 42);
        got.push(ksr.pv.get("$var(x)"), ksr.pv.gete("$avp(none)"), ksr.pv.is_null("$avp(none)"));
        ksr.pv.sets("$avp(a)", "one");
        ksr.pv.unset("$avp(a)");
        got.push(ksr.pv.is_null("$avp(a)"));
      }) satisfies Route,
    });
    assert.deepEqual(seen.logs, ["$rm is $ru"]);
    assert.deepEqual(got, ["INVITE", "alice", 0, "v", 42, "", true, true]);
  });

  test("an unknown pseudo-variable logs an error and reads as null", async () => {
    let v: unknown = "unset";
    const r = await run({ request_route: ((ksr) => void (v = ksr.pv.get("$nosuch"))) satisfies Route });
    assert.equal(v, null);
    assert.ok(r.lines.some((l) => l.includes('ksr.pv.get("$nosuch")')), r.lines.join("\n"));
  });

  test("argument kinds: a non-integer for an int, a number for a string, a wrong count -> -1 and a log", async () => {
    const codes: unknown[] = [];
    const r = await run({
      request_route: ((ksr) => {
        const t = ksr.t as unknown as Record<string, (...a: unknown[]) => unknown>;
        codes.push(t.t_ret!(1.5), t.t_log!(5), t.t_ret!(), t.t_ret!("3"));
      }) satisfies Route,
    });
    assert.deepEqual(codes, [-1, -1, -1, -1]);
    assert.deepEqual(seen.logs, []);
    assert.ok(r.lines.some((l) => l.includes("ksr.t.t_ret(): parameter 1 (v) must be an integer, not 1.5")), r.lines.join("\n"));
    assert.ok(r.lines.some((l) => l.includes("ksr.t.t_log(): parameter 1 (text) must be a string, not 5")));
    assert.ok(r.lines.some((l) => l.includes("ksr.t.t_ret() takes 1 parameter(s), not 0")));
  });

  test("fixups run once per distinct argument list; a refused one makes the call -1", async () => {
    fixups.length = 0;
    const codes: number[] = [];
    const route = ((ksr) => {
      const kt = ksr.kt as unknown as { fx_len(t: string): number };
      codes.push(kt.fx_len("abc"), kt.fx_len("abc"), kt.fx_len("hello"), kt.fx_len("bad"));
    }) satisfies Route;
    const program = await Effect.runPromise(bindKemiProgram(script({ request_route: route }), registry));
    const cap = captureLogs();
    const engine = makeEngine(program, cap.runtime);
    for (let i = 0; i < 3; i++) await engine.run("request_route", engine.newContext(sipMsg(), fakeRcv()));
    assert.deepEqual(codes, [3, 3, 5, -1, 3, 3, 5, -1, 3, 3, 5, -1]);
    assert.deepEqual(fixups, ["abc", "hello", "bad"]);
    assert.ok(cap.lines.some((l) => l.includes("ksr.kt.fx_len(): invalid parameters: bad is refused")));
  });
});

describe("return codes and the end of a run", () => {
  test("a function returning 0 stops the script: later calls are no-ops giving 0, exited=true", async () => {
    const codes: number[] = [];
    const r = await run({
      request_route: ((ksr) => {
        codes.push(ksr.t.t_ret!(-2) as number); // negative: false, the script goes on
        codes.push(ksr.t.t_ret!(0) as number);
        codes.push(ksr.t.t_log!("after") as number);
        codes.push(ksr.route("other") as number);
      }) satisfies Route,
      route: { other: ((ksr) => void ksr.t.t_log!("other")) satisfies Route },
    });
    assert.deepEqual(codes, [-2, 0, 0, 0]);
    assert.deepEqual(seen.logs, []);
    assert.deepEqual(r.outcome, { code: 0, dropped: false, exited: true });
  });

  test("ksr.x.exit() ends the run with code 1, ksr.x.drop() with code 0 and dropped", async () => {
    const e = await run({
      request_route: ((ksr) => {
        ksr.t.t_log!("before");
        ksr.x.exit();
      }) satisfies Route,
    });
    assert.deepEqual(e.outcome, { code: 1, dropped: false, exited: true });
    const d = await run({
      request_route: ((ksr) => {
        ksr.route("r");
        ksr.t.t_log!("not reached");
      }) satisfies Route,
      route: { r: ((ksr) => ksr.x.drop()) satisfies Route },
    });
    assert.deepEqual(d.outcome, { code: 0, dropped: true, exited: true });
    assert.deepEqual(seen.logs, []);
  });

  test("exit caught by the script's own try/catch still ends the run: later calls are no-ops", async () => {
    const r = await run({
      request_route: ((ksr) => {
        try {
          ksr.x.exit();
        } catch {
          // swallowed
        }
        ksr.t.t_log!("after");
      }) satisfies Route,
    });
    assert.deepEqual(seen.logs, []);
    assert.equal(r.outcome.exited, true);
  });

  test("ksr.route runs an exported route and gives its code; an unknown name gives -1", async () => {
    const codes: unknown[] = [];
    const r = await run({
      request_route: ((ksr) => {
        codes.push(ksr.route("seven"), ksr.route("none"), ksr.route("plain"));
        return 4;
      }) satisfies Route,
      route: { seven: (() => 7) satisfies Route, plain: (() => undefined) satisfies Route },
    });
    assert.deepEqual(codes, [7, -1, 1]);
    assert.equal(r.outcome.code, 4);
    assert.ok(r.lines.some((l) => l.includes('ksr.route("none")')));
  });

  test("a route that throws logs the error and gives -1", async () => {
    const r = await run({
      request_route: (() => {
        throw new Error("script bug");
      }) satisfies Route,
    });
    assert.equal(r.outcome.code, -1);
    assert.ok(r.lines.some((l) => l.includes("TypeScript route request_route threw") && l.includes("script bug")));
  });
});

describe("route kinds", () => {
  test("a function called from a kind it does not allow returns -1 and logs the function and the kind", async () => {
    let code: unknown;
    const r = await run({ reply_route: ((ksr) => void (code = ksr.t.t_reqonly!())) satisfies Route }, "reply_route");
    assert.equal(code, -1);
    assert.ok(
      r.lines.some((l) => l.includes("ksr.t.t_reqonly() cannot be used in reply_route (route kind core_onreply; allowed in REQUEST_ROUTE)")),
      r.lines.join("\n"),
    );
    const ok = await run({ event_route: { "core:pre-routing": ((ksr) => void (code = ksr.t.t_reqonly!())) satisfies Route } }, "event_route[core:pre-routing]");
    assert.equal(code, 1, "an event_route accepts request-route functions");
    assert.equal(ok.outcome.code, 1);
  });

  test("exports must be route kinds; routes must be functions (load-time errors)", async () => {
    const errs = await bindErrorsOf({
      request_rout: () => 1,
      helper: 5,
      reply_route: "x",
      route: { A: () => 1, B: 3 },
      failure_route: { F: () => 1 },
    });
    assert.ok(errs.some((e) => e.startsWith('SM_CFG_SYNTAX export "request_rout" is not a route kind') && e.includes("request_route")), errs.join("\n"));
    assert.ok(errs.some((e) => e.startsWith('SM_CFG_SYNTAX export "helper" is not a route kind')));
    assert.ok(errs.some((e) => e.includes('export "reply_route" must be a route function')));
    assert.ok(errs.some((e) => e.includes('route["B"] must be a route function')));
    assert.equal(errs.length, 4, "failure_route is a tm block (tm is in this registry)");
  });

  test("the program has the blocks a cfg would have", async () => {
    const program = await Effect.runPromise(
      bindKemiProgram(
        script({
          request_route: () => 1,
          reply_route: () => 1,
          route: { A: () => 1 },
          event_route: { "core:pre-routing": () => 1, "tm:branch-failure:x": () => 1 },
          failure_route: { F: () => 1 },
        }),
        registry,
      ),
    );
    assert.deepEqual([...program.blocks.keys()].sort(), [
      "event_route[core:pre-routing]",
      "event_route[tm:branch-failure:x]",
      "failure_route[F]",
      "reply_route",
      "request_route",
      "route[A]",
    ]);
    assert.equal(program.blocks.get("failure_route[F]")!.kind, "failure");
    assert.equal(program.blocks.get("event_route[tm:branch-failure:x]")!.kind, "branch_failure");
    assert.equal(program.blocks.get("reply_route")!.kind, "core_onreply");
    assert.ok(program.request !== undefined && program.reply !== undefined);
    assert.deepEqual([...program.routes.keys()], ["A"]);
  });
});

describe("waiting", () => {
  test("a function whose Effect waits returns a Promise; an async route makes the run a Promise", async () => {
    let first: unknown;
    const r = await run({
      request_route: (async (ksr) => {
        const p = ksr.t.t_async!(6);
        first = p;
        const v = await p;
        ksr.t.t_log!(`got ${v}`);
        return v + 1;
      }) satisfies Route,
    });
    assert.ok(first instanceof Promise);
    assert.equal(r.sync, false);
    assert.deepEqual(seen.logs, ["got 6"]);
    assert.deepEqual(r.outcome, { code: 7, dropped: false, exited: false });
  });

  test("a sync Effect gives a number at once; exit inside an async route ends the run", async () => {
    let v: unknown;
    const r = await run({
      request_route: (async (ksr) => {
        v = ksr.t.t_effect!(9);
        await ksr.t.t_async!(1);
        ksr.x.exit();
      }) satisfies Route,
    });
    assert.equal(v, 9);
    assert.deepEqual(r.outcome, { code: 1, dropped: false, exited: true });
  });
});
