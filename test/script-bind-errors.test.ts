import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { erase } from "../core/module/define-module.ts";
import pvModule from "../modules/pv/index.ts";
import { bindErrors, bindText, makeRegistry, testModule } from "./script-helpers.ts";

const one = async (text: string) => {
  const errs = await bindErrors(text);
  assert.equal(errs.length, 1, JSON.stringify(errs, null, 1));
  return errs[0]!;
};

describe("binder: errors with file:line:col", () => {
  test("unknown function names the module that provides it and the line to add", async () => {
    const e = await one('request_route {\n  sl_send_reply("404", "Not here");\n}\n');
    assert.equal(e.code, "SM_CFG_UNKNOWN_FUNCTION");
    assert.equal(e.line, 2);
    assert.equal(e.column, 3);
    assert.equal(e.module, "sl");
    assert.match(e.message, /sl_send_reply\(\).*sl module/);
    assert.match(e.hint!, /"modules": \[\.\.\., "sl"\]/);
    assert.match(e.hint!, /loadmodule "sl\.so"/);
  });

  test("unknown function without a known provider", async () => {
    const e = await one("request_route {\n  no_such_thing();\n}\n");
    assert.equal(e.code, "SM_CFG_UNKNOWN_FUNCTION");
    assert.equal(e.line, 2);
    assert.match(e.message, /unknown function no_such_thing\(\)/);
  });

  test("wrong number of parameters", async () => {
    const e = await one("request_route {\n  t_ret(1, 2);\n}\n");
    assert.equal(e.code, "SM_CFG_UNKNOWN_FUNCTION");
    assert.match(e.message, /t_ret\(\) takes 1 parameter\(s\), not 2/);
    assert.equal(e.module, "t");
  });

  test("route type: a request-only function in reply_route", async () => {
    const e = await one("request_route { exit; }\nreply_route {\n  t_reqonly();\n}\n");
    assert.equal(e.code, "SM_CFG_ROUTE_TYPE");
    assert.equal(e.line, 3);
    assert.equal(e.column, 3);
    assert.match(e.message, /t_reqonly\(\) cannot be used in reply_route \(allowed in REQUEST_ROUTE\)/);
  });

  test("route type: route[] blocks count as request, event_route accepts request functions", async () => {
    await bindText("request_route { route(R); }\nroute[R] { t_reqonly(); }\nevent_route[core:pre-routing] { t_reqonly(); }\n");
    const e = await one("request_route { exit; }\nfailure_route[F] { t_reqonly(); }\n");
    assert.equal(e.code, "SM_CFG_ROUTE_TYPE");
    assert.match(e.message, /failure_route\[F\]/);
  });

  test("static int fixup: a non-integer where an int is required", async () => {
    const e = await one('request_route {\n  t_args("a", "abc", "x", 1);\n}\n');
    assert.equal(e.code, "SM_CFG_FIXUP");
    assert.equal(e.line, 2);
    assert.equal(e.column, 15);
    assert.match(e.message, /parameter 2 \(i\) of t_args\(\) must be an integer, not "abc"/);
  });

  test("int-pv: \"abc\" and \"1.5\" are load errors, \"4\" and $var(x) are accepted", async () => {
    const errs = await bindErrors('request_route {\n  t_ret("abc");\n  t_ret("1.5");\n}\n');
    assert.deepEqual(errs.map((e) => [e.code, e.line]), [["SM_CFG_FIXUP", 2], ["SM_CFG_FIXUP", 3]]);
    await bindText('request_route { t_ret("4"); t_ret("$var(x)"); t_ret($var(x)); t_ret(-2); }');
  });

  test("a string parameter with pseudo-variables is refused", async () => {
    const e = await one('request_route {\n  t_args("$ru", 1, "x", 1);\n}\n');
    assert.equal(e.code, "SM_CFG_FIXUP");
    assert.match(e.message, /must be a plain string/);
  });

  test("the function's own fixup error keeps its position", async () => {
    const e = await one("request_route {\n  setflag(40);\n}\n");
    assert.equal(e.code, "SM_CFG_FIXUP");
    assert.equal(e.line, 2);
    assert.match(e.message, /bad flag value 40/);
  });

  test("unknown pseudo-variable", async () => {
    const e = await one("request_route {\n  $var(x) = $nosuch;\n}\n");
    assert.equal(e.code, "SM_CFG_PV");
    assert.equal(e.line, 2);
    assert.equal(e.column, 13);
    assert.match(e.message, /unknown pseudo-variable \$nosuch/);
  });

  test("pseudo-variable parse errors: bad inner name, missing name, unknown transformation", async () => {
    const errs = await bindErrors('request_route {\n  $var(a) = $TV(x);\n  $var(b) = $hdr;\n  $var(c) = $(ru{s.nope});\n}\n');
    assert.deepEqual(errs.map((e) => [e.code, e.line]), [["SM_CFG_PV", 2], ["SM_CFG_PV", 3], ["SM_CFG_PV", 4]]);
    assert.match(errs[0]!.message, /\$TV\(x\)/);
    assert.match(errs[1]!.message, /needs a name/);
    assert.match(errs[2]!.message, /unknown transformation \{s\.nope\}/);
  });

  test("assignment to a read-only pseudo-variable", async () => {
    const e = await one('request_route {\n  $rm = "BYE";\n}\n');
    assert.equal(e.code, "SM_CFG_PV");
    assert.match(e.message, /\$rm is not writable/);
  });

  test("unknown route in route(NAME)", async () => {
    const e = await one("request_route {\n  route(NOPE);\n}\n");
    assert.equal(e.code, "SM_CFG_UNKNOWN_ROUTE");
    assert.equal(e.line, 2);
    assert.match(e.message, /no route\[NOPE\] block/);
  });

  test("every error is reported, not only the first", async () => {
    const errs = await bindErrors(
      'request_route {\n  sl_send_reply("404", "x");\n  t_ret("abc");\n  $rm = 1;\n  route(NOPE);\n  $var(x) = $nosuch;\n}\n',
    );
    assert.deepEqual(
      errs.map((e) => [e.code, e.line]),
      [
        ["SM_CFG_UNKNOWN_FUNCTION", 2],
        ["SM_CFG_FIXUP", 3],
        ["SM_CFG_PV", 4],
        ["SM_CFG_UNKNOWN_ROUTE", 5],
        ["SM_CFG_PV", 6],
      ],
    );
  });

  test("tm's blocks need tm", async () => {
    const reg = makeRegistry([erase(pvModule), erase(testModule)]);
    const errs = await bindErrors("request_route { exit; }\nfailure_route[F] { exit; }\n", reg);
    assert.equal(errs[0]!.code, "SM_CFG_SYNTAX");
    assert.match(errs[0]!.message, /unknown route block failure_route\[F\]/);
    assert.match(errs[0]!.hint!, /tm/);
  });

  test("pseudo-variables need the pv module", async () => {
    const reg = makeRegistry([erase(testModule)]);
    const errs = await bindErrors("request_route { $var(x) = 1; }\n", reg);
    assert.equal(errs[0]!.code, "SM_CFG_PV");
    assert.match(errs[0]!.hint!, /pv/);
  });

  test("type mismatches Kamailio refuses at load time", async () => {
    const errs = await bindErrors('request_route {\n  $var(a) = 1 + "a";\n  $var(b) = -"1";\n  $var(c) = strlen(1);\n}\n');
    assert.deepEqual(errs.map((e) => [e.code, e.line]), [["SM_CFG_SYNTAX", 2], ["SM_CFG_SYNTAX", 3], ["SM_CFG_SYNTAX", 4]]);
    assert.match(errs[0]!.message, /type mismatch: str instead of int/);
  });

  test("bad constant regular expression and division by a constant 0", async () => {
    const errs = await bindErrors('request_route {\n  if ($ru =~ "(a") exit;\n  $var(x) = 1 / 0;\n}\n');
    assert.deepEqual(errs.map((e) => [e.code, e.line]), [["SM_CFG_SYNTAX", 2], ["SM_CFG_SYNTAX", 3]]);
  });

  test("xlog level is checked by its fixup", async () => {
    const e = await one('request_route {\n  xlog("L_LOUD", "x");\n}\n');
    assert.equal(e.code, "SM_CFG_FIXUP");
    assert.equal(e.module, "xlog");
  });

  test("non-constant case value and mixed case types", async () => {
    const errs = await bindErrors('request_route {\n  switch ($var(x)) {\n    case $var(y): exit;\n  }\n  switch ($var(x)) {\n    case 1: exit;\n    case "a": exit;\n  }\n}\n');
    assert.deepEqual(errs.map((e) => e.code), ["SM_CFG_SYNTAX", "SM_CFG_SYNTAX"]);
    assert.match(errs[0]!.message, /non constant/);
    assert.match(errs[1]!.message, /type mismatch in case/);
  });

  test("event_route names are free-form; blocks that modules add bind", async () => {
    const p = await bindText("request_route { exit; }\nevent_route[someone:else] { exit; }\nfailure_route[F] { exit; }\nonreply_route[O] { exit; }\nbranch_route[B] { exit; }\nreply_route { exit; }\n");
    assert.deepEqual([...p.blocks.keys()], ["request_route", "event_route[someone:else]", "failure_route[F]", "onreply_route[O]", "branch_route[B]", "reply_route"]);
    assert.equal(p.blocks.get("failure_route[F]")!.kind, "failure");
    assert.equal(p.blocks.get("reply_route")!.kind, "core_onreply");
    assert.equal(p.events.get("someone:else")!.kind, "event");
  });
});
