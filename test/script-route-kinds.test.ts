import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Effect, Logger } from "effect";
import { defineModule, erase, fn } from "../core/module/define-module.ts";
import { eventMatches, routeAllows, routeMask, routeSetBlocks, type RouteSet } from "../core/module/route-kind.ts";
import { renderReadme } from "../core/module/readme.ts";
import { bindProgram } from "../core/script/bind-program.ts";
import { parseCfgText } from "../core/script/parse-cfg.ts";
import { CORE_MAJOR } from "../core/version.ts";
import pvModule from "../modules/pv/index.ts";
import tmModule from "../modules/tm/index.ts";
import { bindErrors, makeRegistry } from "./script-helpers.ts";

// Where a function may be called: the block kinds Kamailio 5.6 checks at load (every event_route
// is REQUEST_ROUTE there, tm:branch-failure included), and the event routes a function declares it
// works in (a warning elsewhere, never an error: Kamailio accepts those calls at load).

const f = (name: string, routes: RouteSet, events?: readonly string[]) =>
  fn({ name, params: [] as const, routes, ...(events !== undefined ? { events } : {}), doc: `${name}.`, run: () => 1 });

const kinds = defineModule({
  name: "kinds",
  version: "0.0.1",
  core: CORE_MAJOR,
  doc: { overview: "Functions with every kind of route set." },
  functions: [
    f("k_request", ["request"]),
    f("k_event", ["event"]),
    f("k_failure", ["failure"]),
    f("k_bfail", ["branch_failure"]),
    f("k_reply", ["core_onreply"]),
    f("k_prerouting", ["request", "core_onreply"], ["core:pre-routing"]),
    f("k_bfevent", ["request"], ["tm:branch-failure"]),
  ],
});

const registry = () => makeRegistry([erase(pvModule), erase(tmModule), erase(kinds)]);
const quiet = Logger.replace(Logger.defaultLogger, Logger.none);
const bind = (text: string, file: string) => Effect.flatMap(parseCfgText(text, file), (cfg) => bindProgram(cfg, registry()));

/** The binding errors of a config text; none when it binds. */
const errorsOf = async (text: string) => {
  const r = await Effect.runPromise(Effect.either(bind(text, "test.cfg")).pipe(Effect.provide(quiet)));
  return r._tag === "Right" ? [] : bindErrors(text, registry());
};

/** Bind and return the warnings (the program binds without errors). */
const warningsOf = async (text: string) => {
  const p = await Effect.runPromise(bind(text, "w.cfg").pipe(Effect.provide(quiet)));
  return (p.warnings ?? []).map((w) => ({ code: w.code, line: w.pos?.line, message: w.message, text: w.format("warning") }));
};

const BLOCKS = {
  request_route: (b: string) => `request_route {\n${b}\n}\n`,
  "route[R]": (b: string) => `request_route { route(R); }\nroute[R] {\n${b}\n}\n`,
  "failure_route[F]": (b: string) => `request_route { exit; }\nfailure_route[F] {\n${b}\n}\n`,
  "onreply_route[O]": (b: string) => `request_route { exit; }\nonreply_route[O] {\n${b}\n}\n`,
  reply_route: (b: string) => `request_route { exit; }\nreply_route {\n${b}\n}\n`,
  "branch_route[B]": (b: string) => `request_route { exit; }\nbranch_route[B] {\n${b}\n}\n`,
  onsend_route: (b: string) => `request_route { exit; }\nonsend_route {\n${b}\n}\n`,
  "event_route[core:pre-routing]": (b: string) => `request_route { exit; }\nevent_route[core:pre-routing] {\n${b}\n}\n`,
  "event_route[tm:branch-failure:X]": (b: string) => `request_route { exit; }\nevent_route[tm:branch-failure:X] {\n${b}\n}\n`,
} as const;
type Block = keyof typeof BLOCKS;
const ALL = Object.keys(BLOCKS) as Block[];
const REQUESTISH: readonly Block[] = ["request_route", "route[R]", "event_route[core:pre-routing]", "event_route[tm:branch-failure:X]"];

/** Blocks in which `call` binds without SM_CFG_ROUTE_TYPE. */
const acceptedIn = async (call: string): Promise<Block[]> => {
  const out: Block[] = [];
  for (const b of ALL) {
    const errs = await errorsOf(BLOCKS[b](`  ${call}`));
    if (!errs.some((e) => e.code === "SM_CFG_ROUTE_TYPE")) out.push(b);
  }
  return out;
};

describe("route kinds at load (Kamailio 5.6's check)", () => {
  test("a REQUEST_ROUTE function: request_route, route[] and every event_route, tm:branch-failure included", async () => {
    assert.deepEqual(await acceptedIn("k_request();"), REQUESTISH);
  });

  test("EVENT_ROUTE is REQUEST_ROUTE in 5.6: an event-only function is accepted in request_route too", async () => {
    assert.deepEqual(await acceptedIn("k_event();"), REQUESTISH);
  });

  test("a FAILURE_ROUTE function: failure_route only, no event_route", async () => {
    assert.deepEqual(await acceptedIn("k_failure();"), ["failure_route[F]"]);
  });

  test("a CORE_ONREPLY_ROUTE function: reply_route only", async () => {
    assert.deepEqual(await acceptedIn("k_reply();"), ["reply_route"]);
  });

  test("a branch_failure function: event_route[tm:branch-failure:NAME] only", async () => {
    assert.deepEqual(await acceptedIn("k_bfail();"), ["event_route[tm:branch-failure:X]"]);
  });

  test("the error has file:line:col, Kamailio's words and the blocks to move the call to", async () => {
    const errs = await errorsOf('request_route { exit; }\nevent_route[core:pre-routing] {\n  $var(a) = 1;\n  k_failure();\n}\n');
    assert.equal(errs.length, 1);
    const e = errs[0]!;
    assert.equal(e.code, "SM_CFG_ROUTE_TYPE");
    assert.deepEqual([e.line, e.column], [4, 3]);
    assert.equal(e.module, "kinds");
    assert.match(e.message, /k_failure\(\) cannot be used in event_route\[core:pre-routing\] \(allowed in FAILURE_ROUTE\)/);
    assert.match(e.hint!, /Move the call into failure_route\[\]; Kamailio 5.6 refuses it here too \("Command cannot be used in the block"\)/);
  });

  test("every misplaced call is reported, each at its own line", async () => {
    const errs = await errorsOf("request_route {\n  k_failure();\n  k_reply();\n  k_request();\n}\nreply_route {\n  k_request();\n}\n");
    assert.deepEqual(errs.map((e) => [e.code, e.line]), [["SM_CFG_ROUTE_TYPE", 2], ["SM_CFG_ROUTE_TYPE", 3], ["SM_CFG_ROUTE_TYPE", 7]]);
  });

  test("routeAllows and routeSetBlocks", () => {
    assert.equal(routeAllows(routeMask(["event"]), "request"), true);
    assert.equal(routeAllows(routeMask(["request"]), "branch_failure"), true);
    assert.equal(routeAllows(routeMask(["branch_failure"]), "request"), false);
    assert.equal(routeAllows(routeMask(["onreply"]), "core_onreply"), false);
    assert.equal(routeAllows(routeMask("any"), "onsend"), true);
    assert.equal(routeSetBlocks(["request", "failure"]), "request_route, route[], failure_route[], event_route[]");
    assert.equal(routeSetBlocks(["onreply", "core_onreply"]), "onreply_route[NAME], reply_route");
    assert.equal(eventMatches(["tm:branch-failure"], "tm:branch-failure:X"), true);
    assert.equal(eventMatches(["tm:branch-failure"], "tm:branch-failures"), false);
    assert.equal(eventMatches(["core:pre-routing"], "core:pre-routing"), true);
  });
});

describe("functions that work only in some event routes (events)", () => {
  test("in its event route: no warning; elsewhere: accepted, with a warning at file:line", async () => {
    const w = await warningsOf(
      "event_route[core:pre-routing] {\n  k_prerouting();\n  drop;\n}\nrequest_route {\n  k_prerouting();\n}\nreply_route {\n  k_prerouting();\n}\n",
    );
    assert.deepEqual(w.map((x) => [x.code, x.line]), [["SM_CFG_EVENT_ROUTE", 6], ["SM_CFG_EVENT_ROUTE", 9]]);
    assert.match(w[0]!.message, /^k_prerouting\(\) works only in event_route\[core:pre-routing\]; in request_route it is accepted, as Kamailio 5\.6 accepts it at load/);
    assert.match(w[0]!.text, /^w\.cfg:6:3: warning SM_CFG_EVENT_ROUTE \[kinds\]: .*\n {2}fix: Call k_prerouting\(\) from event_route\[core:pre-routing\], directly or through a route\[\] block called from there\./);
  });

  test("a route[] counts as the blocks that call it", async () => {
    const fromEvent = "event_route[core:pre-routing] { route(H); drop; }\nrequest_route { exit; }\nroute[H] {\n  k_prerouting();\n}\n";
    assert.deepEqual(await warningsOf(fromEvent), []);
    const nested = "event_route[core:pre-routing] { route(A); drop; }\nrequest_route { route(A); }\nroute[A] { route(H); }\nroute[H] {\n  k_prerouting();\n}\n";
    assert.deepEqual(await warningsOf(nested), [], "reached from pre-routing through route[A]: fine even if request_route reaches it too");
    const fromRequest = "request_route { route(A); }\nreply_route { route(H); }\nroute[A] { route(H); }\nroute[H] {\n  k_prerouting();\n}\n";
    const w = await warningsOf(fromRequest);
    assert.deepEqual(w.map((x) => x.line), [5]);
    assert.match(w[0]!.message, /in route\[H\], which is called only from reply_route, request_route, it is accepted/);
  });

  test("unknown callers are not warned about: a route[] nothing calls by name, or route() with a computed name", async () => {
    assert.deepEqual(await warningsOf("request_route { exit; }\nroute[H] {\n  k_prerouting();\n}\n"), []);
    assert.deepEqual(await warningsOf('request_route { $var(r) = "H"; route($var(r)); }\nroute[H] {\n  k_prerouting();\n}\n'), []);
  });

  test("an event name written as a prefix covers the names below it (tm:branch-failure:NAME)", async () => {
    assert.deepEqual(await warningsOf("request_route { exit; }\nevent_route[tm:branch-failure:X] {\n  k_bfevent();\n}\n"), []);
    assert.deepEqual((await warningsOf("request_route {\n  k_bfevent();\n}\n")).map((x) => x.line), [2]);
  });

  test("the warning is logged when the program is bound (start-up and check)", async () => {
    const lines: string[] = [];
    const logger = Logger.make(({ logLevel, message }) => {
      lines.push(`${logLevel.label} ${(Array.isArray(message) ? message : [message]).map(String).join(" ")}`);
    });
    await Effect.runPromise(bind("request_route {\n  k_prerouting();\n}\n", "w.cfg").pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger))));
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^WARN w\.cfg:2:3: warning SM_CFG_EVENT_ROUTE \[kinds\]: k_prerouting\(\) works only in event_route\[core:pre-routing\]/);
  });

  test("the README names the event routes", () => {
    const md = renderReadme(erase(kinds));
    assert.match(md, /It works only in `event_route\[core:pre-routing\]`: Kamailio 5\.6 accepts it in the other blocks above at load/);
  });

  test("the registry keeps the declaration's events", () => {
    assert.deepEqual(registry().functions.get("k_prerouting")?.[0]?.fn.events, ["core:pre-routing"]);
  });
});
