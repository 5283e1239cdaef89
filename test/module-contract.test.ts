import { test } from "node:test";
import assert from "node:assert/strict";
import { Context, Effect, Schema } from "effect";
import { defineModule, erase, fn, isModule, moduleRef } from "../core/module/define-module.ts";
import { paramInfo } from "../core/module/param-info.ts";
import { routeAllows, routeMask } from "../core/module/route-kind.ts";

// A module publishing a service, and a typed reference to it.
class AcmeApi extends Context.Tag("test/AcmeApi")<AcmeApi, { readonly answer: () => number }>() {}
const acmeRef = moduleRef("acme")<AcmeApi>();

const uses = fn({
  name: "acme_answer",
  params: [{ name: "n", kind: "int-pv" }] as const,
  routes: ["request"],
  doc: "x",
  run: (_ctx, [n]) => Effect.map(AcmeApi, (a) => a.answer() + n),
});

test("a module that lists the typed dependency may use its service", () => {
  const m = defineModule({ name: "user", version: "1", core: 1, doc: { overview: "x" }, requires: [acmeRef], functions: [uses] });
  assert.equal(isModule(m), true);
  assert.equal(m.requires?.[0].name, "acme");
});

test("a module that uses a service without requiring its module is a type error", () => {
  const m = defineModule({
    name: "user2",
    version: "1",
    core: 1,
    doc: { overview: "x" },
    requires: ["tm"],
    // @ts-expect-error AcmeApi is not provided by any required module
    functions: [uses],
  });
  assert.equal(isModule(m), true);
});

test("params come from the Schema: type labels and defaults", () => {
  const m = defineModule({
    name: "p",
    version: "1",
    core: 1,
    doc: { overview: "x", params: { workers: { doc: "How many." } } },
    params: Schema.Struct({
      workers: Schema.optionalWith(Schema.Int, { default: () => 1 }),
      name: Schema.String,
      list: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
    }),
  });
  const info = paramInfo(erase(m));
  assert.deepEqual(
    info.map((p) => [p.name, p.type, p.defaultValue]),
    [
      ["workers", "int", "1"],
      ["name", "string", undefined],
      ["list", "list of string", "[]"],
    ],
  );
  assert.equal(info[0]!.description, "How many.");
});

test("route masks: event routes accept request-route functions", () => {
  const req = routeMask(["request"]);
  assert.equal(routeAllows(req, "request"), true);
  assert.equal(routeAllows(req, "event"), true);
  assert.equal(routeAllows(req, "core_onreply"), false);
  assert.equal(routeAllows(routeMask("any"), "failure"), true);
});
