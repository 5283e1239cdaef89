import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Effect, Either } from "effect";
import { SipmodError } from "../core/errors.ts";
import { makeEngine } from "../core/script/engine.ts";
import pvModule from "../modules/pv/index.ts";
import { applyShvset } from "../modules/pv/shv-init.ts";
import { LocalShvStore, parseShvset, setShvStore, shvStore } from "../modules/pv/shv-store.ts";
import { bindText, captureLogs, fakeRcv, runRoute, runText, seen, sipMsg } from "./script-helpers.ts";

describe("pv: script variables", () => {
  test("$var is per engine (process), kept across messages, int 0 until set", async () => {
    const cfg = 'request_route { t_log("n=$var(n)"); $var(n) = $var(n) + 1; }';
    seen.reset();
    const first = await runText(cfg);
    await runText(cfg, { engine: first.engine });
    await runText(cfg, { engine: first.engine });
    const other = makeEngine(await bindText(cfg), captureLogs().runtime);
    await runText(cfg, { engine: other });
    assert.deepEqual(seen.logs, ["n=0", "n=1", "n=2", "n=0"]);
  });

  test("$avp: a stack per name, newest on top; $null removes the top, [*] all; [*] = $null then = replaces", async () => {
    const r = await runRoute(
      '$avp(a) = 1; $avp(a) = "two"; t_log("[$avp(a)] [$(avp(a)[1])] [$(avp(a)[*])] [$(avp(a)[-1])]");\n' +
        '$avp(a) = $null; t_log("[$avp(a)] [$(avp(a)[*])]");\n' +
        '$avp(a) = 3; $avp(a) = 4; $(avp(a)[1]) = 30; t_log("[$(avp(a)[*])]");\n' +
        '$(avp(a)[*]) = $null; t_log("[$avp(a)]");\n' +
        '$avp(b) = 1; $avp(b) = 2; $(avp(b)[*]) = $null; $avp(b) = 9; t_log("[$(avp(b)[*])]");\n' +
        '$avp(s:c) = "x"; t_log("[$avp(c)]");\n' +
        'if (defined $avp(zz)) t_log("defined"); else t_log("undefined");',
    );
    assert.deepEqual(seen.logs, ["[two] [1] [two, 1] [1]", "[1] [1]", "[4, 30, 1]", "[<null>]", "[9]", "[x]", "undefined"]);
    assert.equal(r.ctx.avps.count("b"), 1);
  });

  test("$xavp: each root=>field assignment adds a new item; root[0]=>field adds to the first", async () => {
    await runRoute(
      '$xavp(x=>a) = 1; $xavp(x=>b) = "s";\n' +
        't_log("[$xavp(x=>a)] [$xavp(x=>b)] [$xavp(x[1]=>a)]");\n' +
        '$xavp(x=>a) = 5; t_log("[$xavp(x=>a)] [$xavp(x=>a[1])] [$xavp(x[0]=>b)] [$xavp(x[1]=>a)] [$xavp(x[2]=>a)]");\n' +
        '$xavp(y) = "rootval"; t_log("[$xavp(y)]");\n' +
        '$xavp(x[0]=>c) = 3; $xavp(x[0]=>c) = 4; t_log("[$xavp(x=>c)] [$xavp(x=>c[1])]");\n' +
        '$xavp(x=>c) = $null; t_log("[$xavp(x=>c)] [$xavp(x=>c[0])]");\n' +
        '$xavp(x) = $null; t_log("[$xavp(x=>a)] [$xavp(x=>b)]");',
    );
    assert.deepEqual(seen.logs, [
      "[<null>] [s] [1]",
      "[5] [<null>] [<null>] [<null>] [1]",
      "[rootval]",
      "[4] [3]",
      "[3] [3]",
      "[<null>] [s]",
    ]);
  });

  test("$shv: shared store, int 0 until set, shvset initial values", async () => {
    const prev = setShvStore(new LocalShvStore());
    try {
      await Effect.runPromise(applyShvset(["maxcalls=i:7", "greeting=s:hello world", "neg=i:-3"]));
      await runRoute('t_log("[$shv(maxcalls)] [$shv(greeting)] [$shv(neg)] [$shv(nope)]"); $shv(nope) = "z"; $shv(maxcalls) = $shv(maxcalls) + 1;');
      assert.deepEqual(seen.logs, ["[7] [hello world] [-3] [0]"]);
      assert.equal(shvStore().get("nope"), "z");
      assert.equal(shvStore().get("maxcalls"), 8);
      const bad = await Effect.runPromise(Effect.either(applyShvset(["x=i:abc"])));
      assert.ok(Either.isLeft(bad));
      assert.ok(bad.left instanceof SipmodError);
      assert.equal(bad.left.code, "SM_PARAM_INVALID");
    } finally {
      setShvStore(prev);
    }
  });

  test("the module declares every pseudo-variable class, writable where Kamailio's are", () => {
    const names = new Set((pvModule.pvs ?? []).map((p) => p.name));
    for (const n of ["ru", "rU", "rd", "rp", "rm", "rs", "rr", "du", "si", "sp", "Ri", "Rp", "pr", "ci", "cs", "fu", "fU", "fd", "ft", "tu", "tU", "td", "tt", "ua", "hdr", "mb", "ml", "rb", "Tf", "Ts", "TF", "TV", "var", "avp", "xavp", "shv", "rc", "retcode", "pp", "null"])
      assert.ok(names.has(n), n);
    const writable = (pvModule.pvs ?? []).filter((p) => p.set !== undefined).map((p) => p.name).sort();
    assert.deepEqual(writable, ["avp", "du", "rU", "rd", "rp", "ru", "shv", "var", "xavp"]);
  });

  test("shvset syntax", () => {
    assert.deepEqual(parseShvset("a=i:1"), { name: "a", value: 1 });
    assert.deepEqual(parseShvset("b = s:x=y"), { name: "b", value: "x=y" });
    assert.ok("error" in parseShvset("c=x:1"));
    assert.ok("error" in parseShvset("noequals"));
  });

  test("$rc is read-only, $null reads as undefined", async () => {
    const r = await runRoute('$var(n) = $null; if ($null == "") t_log("null is empty"); t_ret(-4); $var(c) = $rc;');
    assert.equal(r.engine.vars.get("n"), 0);
    assert.equal(r.engine.vars.get("c"), -4);
    assert.deepEqual(seen.logs, ["null is empty"]);
  });

  test("transformations on values", async () => {
    const r = await runRoute(
      '$var(ks) = "Hello"; $var(csv) = "a,b,c"; $var(num) = 42; $var(t) = "+12"; $var(two) = 2;\n' +
        't_log("[$(var(ks){s.len})] [$(var(ks){s.substr,1,2})] [$(var(ks){s.substr,-2,0})] [$(var(ks){s.strip,2})]");\n' +
        't_log("[$(var(csv){s.select,1,,})] [$(var(csv){s.select,-1,,})] [$(var(ks){s.toupper})] [$(var(ks){s.tolower})]");\n' +
        't_log("[$(var(ks){s.int})] [$(var(t){s.int})] [$(var(num){s.len})] [$(avp(none){s.len})] [$(var(ks){s.substr,$var(two),0})]");\n' +
        '$var(r) = $(var(t){s.int}) + 1; $var(l) = $(var(ks){s.len}); t_log("[$(var(ks){s.substr,0,3}{s.toupper})]");',
    );
    assert.deepEqual(seen.logs, [
      "[5] [el] [lo] [llo]",
      "[b] [c] [HELLO] [hello]",
      // {s.len} of an undefined value is "" in Kamailio 5.6 (test/compat-pv.test.ts checks it against Kamailio)
      "[<null>] [12] [2] [] [llo]",
      "[HEL]",
    ]);
    assert.equal(r.engine.vars.get("r"), 13);
    assert.equal(r.engine.vars.get("l"), 5);
  });

  test("avp and xavp live on the message context", async () => {
    const first = await runText('request_route { $avp(a) = 1; $xavp(x=>f) = 2; }');
    const ctx2 = first.engine.newContext(sipMsg(), fakeRcv());
    assert.equal(first.ctx.avps.get("a"), 1);
    assert.equal(ctx2.avps.get("a"), null);
    assert.equal(first.ctx.xavps.getField("x", 0, "f", 0), 2);
  });
});
