import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runRoute, runText, seen } from "./script-helpers.ts";

/** Flow semantics checked against Kamailio 5.6.3 (see core/script/bind-stmt.ts). */
describe("interpreter: return codes and flow", () => {
  test("a function returning 0 stops the whole script", async () => {
    const r = await runRoute('t_log("a"); t_ret(0); t_log("b");');
    assert.deepEqual(seen.logs, ["a"]);
    assert.deepEqual(r.outcome, { code: 0, dropped: false, exited: true });
    assert.equal(r.ctx.rc, 0);
  });

  test("a function returning 0 inside an if condition stops the script", async () => {
    const r = await runRoute('if (!t_ret(0)) { t_log("then"); } else { t_log("else"); } t_log("after");');
    assert.deepEqual(seen.logs, []);
    assert.equal(r.outcome.exited, true);
    assert.equal(r.outcome.code, 0);
  });

  test("negative is false, positive is true; the value of a call is its code", async () => {
    const r = await runRoute(
      'if (t_ret(-1)) t_log("neg true"); else t_log("neg false");\n' +
        'if (t_ret(2)) t_log("pos true");\n' +
        '$var(x) = t_ret(-7); t_log("x=$var(x) rc=$rc");\n' +
        'if (!t_ret(-1)) t_log("not neg");',
    );
    assert.deepEqual(seen.logs, ["neg false", "pos true", "x=-7 rc=-7", "not neg"]);
    assert.deepEqual(r.outcome, { code: 1, dropped: false, exited: false });
  });

  test("exit stops with code 1, exit(expr) with the value", async () => {
    let r = await runRoute('t_log("a"); exit; t_log("b");');
    assert.deepEqual(seen.logs, ["a"]);
    assert.deepEqual(r.outcome, { code: 1, dropped: false, exited: true });
    r = await runRoute("exit(5);");
    assert.equal(r.outcome.code, 5);
  });

  test("drop stops with code 0 and the drop flag, also from a sub-route", async () => {
    let r = await runRoute('drop; t_log("b");');
    assert.deepEqual(r.outcome, { code: 0, dropped: true, exited: true });
    r = await runRoute('route(D); t_log("after");', "route[D] { drop; }");
    assert.deepEqual(seen.logs, []);
    assert.equal(r.outcome.dropped, true);
    assert.equal(r.ctx.dropped, true);
  });

  test("return leaves the route with its value (default 1); $rc and $retcode hold it", async () => {
    await runRoute(
      'route(NEG); t_log("neg rc=$rc retcode=$retcode ?=$?");\n' +
        'route(DEF); t_log("def rc=$rc");\n' +
        'route(FIVE); t_log("five rc=$rc");\n' +
        '$var(a) = 1; t_log("after assign rc=$rc");',
      "route[NEG] { return(-2); }\nroute[DEF] { return; }\nroute[FIVE] { return 5; t_log(\"never\"); }",
    );
    assert.deepEqual(seen.logs, ["neg rc=-2 retcode=-2 ?=-2", "def rc=1", "five rc=5", "after assign rc=1"]);
  });

  test("return(0) in a sub-route stops the script, as exit (also a computed 0)", async () => {
    let r = await runRoute('route(Z); t_log("after");', "route[Z] { return(0); }");
    assert.deepEqual(seen.logs, []);
    assert.equal(r.outcome.exited, true);
    r = await runRoute('$var(z) = 0; route(Z); t_log("after");', "route[Z] { return $var(z); }");
    assert.deepEqual(seen.logs, []);
    assert.equal(r.outcome.exited, true);
  });

  test("return at top level ends the script", async () => {
    const r = await runRoute('t_log("a"); return(3); t_log("b");');
    assert.deepEqual(seen.logs, ["a"]);
    assert.equal(r.outcome.code, 3);
  });

  test("break inside a route returns 0 from it and the caller goes on", async () => {
    await runRoute('route(B); t_log("after rc=$rc");', 'route[B] { t_log("in"); break; t_log("never"); }');
    assert.deepEqual(seen.logs, ["in", "after rc=0"]);
  });

  test("exit inside a nested route stops everything", async () => {
    const r = await runRoute('route(A); t_log("never");', 'route[A] { route(B); t_log("never A"); }\nroute[B] { t_log("B"); exit; }');
    assert.deepEqual(seen.logs, ["B"]);
    assert.equal(r.outcome.code, 1);
  });

  test("route values in expressions and in assignments", async () => {
    await runRoute(
      'if (route(NEG)) t_log("neg true"); else t_log("neg false rc=$rc");\n' +
        'if (route(FIVE)) t_log("five true rc=$rc");\n' +
        '$var(x) = route(FIVE); t_log("x=$var(x)");\n' +
        'if (!route(NEG)) t_log("not neg");\n' +
        'route(LAST); t_log("last rc=$rc");',
      'route[NEG] { return(-2); }\nroute[FIVE] { return 5; }\nroute[LAST] { t_ret(-4); }',
    );
    assert.deepEqual(seen.logs, ["neg false rc=-2", "five true rc=5", "x=5", "not neg", "last rc=-4"]);
  });

  test("route(name) computed at run time; a missing one logs and returns -1", async () => {
    const r = await runRoute(
      '$var(r) = "A"; route($var(r)); t_log("rc=$rc");\n$var(r) = "NOPE"; route($var(r)); t_log("after missing");',
      'route[A] { return 7; }',
    );
    assert.deepEqual(seen.logs, ["rc=7", "after missing"]);
    assert.ok(r.lines.some((l) => /route "NOPE" not found/.test(l)));
  });

  test("endless route recursion is cut at 256 levels", async () => {
    const r = await runRoute('route(LOOP); t_log("survived rc=$rc");', "route[LOOP] { route(LOOP); }");
    assert.deepEqual(seen.logs, ["survived rc=-1"]);
    assert.ok(r.lines.some((l) => /too many nested route\(\) calls/.test(l)));
  });

  test("switch: C fallthrough until break, default, string and regex cases (regex case-sensitive)", async () => {
    await runRoute(
      "$var(k) = 2;\n" +
        'switch ($var(k)) { case 1: t_log("c1"); case 2: t_log("c2"); case 3: t_log("c3"); break; case 4: t_log("c4"); default: t_log("d"); }\n' +
        '$var(k) = 9; switch ($var(k)) { case 1: t_log("x"); default: t_log("def"); case 4: t_log("after def"); }\n' +
        '$var(s) = "Hello";\n' +
        'switch ($var(s)) { case "hello": t_log("lower"); break; case /"^h": t_log("re lower"); break; case /"^H": t_log("re H"); case "x": t_log("fall x"); break; default: t_log("d2"); }\n' +
        '$var(i) = 1; switch ($var(i)) { case "1": t_log("str case matched int"); break; }\n' +
        '$var(t) = "2"; switch ($var(t)) { case 2: t_log("int case matched str"); break; }\n' +
        'switch ($var(s)) { case "none": t_log("no"); } t_log("no match goes on");',
    );
    assert.deepEqual(seen.logs, [
      "c2",
      "c3",
      "def",
      "after def",
      "re H",
      "fall x",
      "str case matched int",
      "int case matched str",
      "no match goes on",
    ]);
  });

  test("return inside a switch leaves the route", async () => {
    await runRoute('route(S); t_log("rc=$rc");', 'route[S] { switch (1) { case 1: return(-5); } t_log("never"); }');
    assert.deepEqual(seen.logs, ["rc=-5"]);
  });

  test("while: max_while_loops (100) guard, break, negative condition, return inside", async () => {
    const r = await runRoute(
      '$var(n) = 0; while ($var(n) < 1000) { $var(n) = $var(n) + 1; } t_log("n=$var(n)");\n' +
        '$var(n) = 0; while ($var(n) < 10) { $var(n) = $var(n) + 1; if ($var(n) == 3) break; } t_log("break n=$var(n)");\n' +
        '$var(n) = -3; while ($var(n)) { $var(n) = $var(n) + 1; } t_log("neg n=$var(n)");\n' +
        'route(W); t_log("W rc=$rc");',
      'route[W] { $var(i) = 0; while (1) { $var(i) = $var(i) + 1; if ($var(i) == 4) return(-9); } }',
    );
    assert.deepEqual(seen.logs, ["n=100", "break n=3", "neg n=0", "W rc=-9"]);
    assert.ok(r.lines.some((l) => /runaway while at test\.cfg:2:\d+: more than 100 loops/.test(l)));
  });

  test("an expression that fails: if is false, assignment keeps the old value and returns -1", async () => {
    const r = await runRoute(
      '$var(z) = 0; $var(r) = 1;\n' +
        'if (1 / $var(z)) t_log("true"); else t_log("false");\n' +
        '$var(r) = 5 / $var(z); t_log("r=$var(r)");\n' +
        'switch (1 / $var(z)) { case 1: t_log("one"); default: t_log("default on failure"); }',
    );
    assert.deepEqual(seen.logs, ["false", "r=1", "default on failure"]);
    assert.ok(r.lines.some((l) => /division by 0/.test(l)));
  });

  test("an int-pv parameter holding a string makes the call return -1 without running", async () => {
    const r = await runRoute('$var(d) = "1"; t_ret($var(d)); t_log("rc=$rc"); $var(d) = 3; t_ret("$var(d)"); t_log("rc=$rc");');
    assert.deepEqual(seen.logs, ["rc=-1", "rc=3"]);
    assert.ok(r.lines.some((l) => /not an integer value/.test(l)));
  });

  test("a function that throws returns -1 and is logged", async () => {
    const r = await runRoute('t_throw(); t_log("rc=$rc");');
    assert.deepEqual(seen.logs, ["rc=-1"]);
    assert.ok(r.lines.some((l) => /t_throw\(\) at test\.cfg:2:1 threw: Error: boom/.test(l)));
  });

  test("Effects: synchronous ones run at once, asynchronous ones suspend and resume the route", async () => {
    const r = await runRoute(
      't_effect(4); t_log("sync rc=$rc");\n' +
        't_async(6); t_log("async rc=$rc");\n' +
        'if (t_async(-1)) t_log("no"); else t_log("async false");\n' +
        '$var(x) = 0; while ($var(x) < 3) { $var(x) = $var(x) + t_async(1); } t_log("x=$var(x)");\n' +
        'switch (t_async(2)) { case 1: t_log("one"); break; }\n' +
        'route(A); t_log("A rc=$rc");\n' +
        't_async(0); t_log("never");',
      'route[A] { t_async(3); return(8); }',
    );
    assert.deepEqual(seen.logs, ["sync rc=4", "async rc=6", "async false", "x=3", "one", "A rc=8"]);
    assert.deepEqual(r.outcome, { code: 0, dropped: false, exited: true });
  });

  test("a synchronous run returns the outcome itself, not a promise", async () => {
    const first = await runText("request_route { exit; }");
    const ctx = first.engine.newContext(first.ctx.msg, first.ctx.rcv);
    const o = first.engine.run("request_route", ctx);
    assert.ok(!(o instanceof Promise));
    assert.deepEqual(o, { code: 1, dropped: false, exited: true });
  });

  test("message flags: setflag, resetflag, isflagset", async () => {
    const r = await runRoute(
      'setflag(3); setflag(31); if (isflagset(3)) t_log("3 set"); resetflag(3); if (!isflagset(3)) t_log("3 clear"); if (isflagset(31)) t_log("31 set");',
    );
    assert.deepEqual(seen.logs, ["3 set", "3 clear", "31 set"]);
    assert.equal(r.ctx.flags, 1 << 31);
  });

  test("each top-level run starts with $rc 0 and no flags", async () => {
    const first = await runText('request_route { t_ret(-3); if ($rc == -3) t_log("rc kept"); }');
    seen.reset();
    const ctx = first.engine.newContext(first.ctx.msg, first.ctx.rcv);
    ctx.rc = 99;
    ctx.runFlags = 1;
    await first.engine.run("request_route", ctx);
    assert.deepEqual(seen.logs, ["rc kept"]);
  });

  test("a block the program does not have runs nothing", async () => {
    const r = await runText("request_route { exit; }");
    assert.equal(r.engine.has("reply_route"), false);
    assert.deepEqual(await r.engine.run("reply_route", r.ctx), { code: 1, dropped: false, exited: false });
  });
});
