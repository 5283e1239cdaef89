import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Effect, Either, Exit, Scope } from "effect";
import { decodeModuleParams } from "../core/manifest/module-params.ts";
import { SharedMemory } from "../core/module/core-services.ts";
import { MainSharedMemory } from "../core/server/shared-memory.ts";
import { erase } from "../core/module/define-module.ts";
import type { Json } from "../core/module/values.ts";
import { makeEngine, type Engine } from "../core/script/engine.ts";
import htableModule from "../modules/htable/index.ts";
import { parseTableSpecs, type TableSpec } from "../modules/htable/table-spec.ts";
import { createTables, installTables, tableNamed } from "../modules/htable/tables.ts";
import pvModule from "../modules/pv/index.ts";
import xlogModule from "../modules/xlog/index.ts";
import { bindErrors, bindText, captureLogs, fakeRcv, makeRegistry, seen, sipMsg, testModule } from "./script-helpers.ts";

const registry = makeRegistry([erase(pvModule), erase(xlogModule), erase(testModule), erase(htableModule)]);

const specs = (...defs: string[]): readonly TableSpec[] => {
  const r = parseTableSpecs(defs);
  if ("error" in r) throw new Error(r.error);
  return r;
};

/** Install fresh tables for one test; returns a function that puts the previous ones back. */
const withTables = (...defs: string[]): (() => void) => {
  const prev = installTables(createTables(specs(...defs), 64 * 1024));
  return () => void installTables(prev);
};

const run = async (body: string, engine?: Engine): Promise<{ engine: Engine; lines: string[] }> => {
  seen.reset();
  const cap = captureLogs();
  const e = engine ?? makeEngine(await bindText(`request_route {\n${body}\n}\n`, registry), cap.runtime);
  const o = e.run("request_route", e.newContext(sipMsg(), fakeRcv()));
  if (o instanceof Promise) await o;
  return { engine: e, lines: cap.lines };
};

const rpc = (name: string, params: readonly Json[]): Promise<Either.Either<Json, string>> => {
  const m = htableModule.rpc!.find((r) => r.name === name)!;
  return Effect.runPromise(
    Effect.either(m.run(params) as unknown as Effect.Effect<Json, { readonly message: string }>).pipe(Effect.map(Either.mapLeft((e) => e.message))),
  );
};

describe("htable: $sht and friends in the script", () => {
  test("$sht keeps int and string types, $null deletes, initval for missing keys", async () => {
    const restore = withTables("a=>size=4", "b=>initval=7");
    try {
      await run(
        '$sht(a=>i) = 1; $sht(a=>s) = "1"; $sht(a=>gone) = "x"; $sht(a=>gone) = $null;\n' +
          't_log("[$sht(a=>i)] [$sht(a=>s)] [$sht(a=>gone)] [$sht(a=>never)] [$sht(b=>never)] [$sht(nosuch=>k)]");\n' +
          'if ($sht(a=>i) + 1 == 2) t_log("i is an int");\n' +
          'if ($sht(a=>s) + 1 == "11") t_log("s is a string");\n' +
          'if ($sht(a=>never) == $null) t_log("missing is null");\n' +
          '$sht(a=>i) = $sht(a=>i) + 41; t_log("i=$sht(a=>i)");',
      );
      assert.deepEqual(seen.logs, ["[1] [1] [<null>] [<null>] [7] [<null>]", "i is an int", "s is a string", "missing is null", "i=42"]);
      assert.equal(tableNamed("a")!.get("s"), "1");
      assert.equal(tableNamed("a")!.get("i"), 42);
    } finally {
      restore();
    }
  });

  test("$shtinc/$shtdec, $shtcn/$shtcv, $shtex", async () => {
    const restore = withTables("c=>initval=0", "n=>size=2", "x=>autoexpire=60");
    try {
      await run(
        '$var(a) = $shtinc(c=>calls); $var(b) = $shtinc(c=>calls); $var(d) = $shtdec(c=>calls);\n' +
          't_log("[$var(a)] [$var(b)] [$var(d)] [$sht(c=>calls)] [$shtinc(n=>none)]");\n' +
          '$sht(n=>s) = "abc"; t_log("[$shtinc(n=>s)] [$sht(n=>s)]");\n' +
          '$sht(n=>user::1) = "alice"; $sht(n=>user::2) = "bob"; $sht(n=>other) = 5;\n' +
          't_log("[$shtcn(n=>^user::)] [$shtcn(n=>~~r::[0-9]$$)] [$shtcn(n=>%~user)] [$shtcn(n=>~%::2)] [$shtcn(n=>==other)] [$shtcn(n=>**)]");\n' +
          't_log("[$shtcv(n=>^(alice|bob)$$)] [$shtcv(n=>==abc)] [$shtcv(n=>**)]");\n' +
          '$sht(x=>k) = 1; t_log("[$shtex(x=>k)] [$shtex(x=>none)] [$shtex(n=>s)]");\n' +
          '$shtex(x=>k) = 5; t_log("[$shtex(x=>k)]"); $shtex(x=>k) = 0; t_log("[$shtex(x=>k)]");',
      );
      assert.deepEqual(seen.logs, [
        "[1] [2] [1] [1] [<null>]",
        "[<null>] [abc]",
        "[2] [2] [2] [1] [1] [4]",
        "[2] [1] [4]",
        "[60] [0] [0]",
        "[5]",
        "[0]",
      ]);
    } finally {
      restore();
    }
  });

  test("functions: sht_rm*, sht_match*, sht_setx*, sht_reset, sht_print", async () => {
    const restore = withTables("f=>size=4", "e=>autoexpire=100");
    try {
      const { lines } = await run(
        '$sht(f=>a1) = "one"; $sht(f=>a2) = "two"; $sht(f=>b1) = "one"; $sht(f=>n) = 1;\n' +
          'sht_rm("f", "a2"); t_log("rm [$sht(f=>a2)] $shtcn(f=>**)");\n' +
          'if (sht_match_name("f", "eq", "a1")) t_log("has a1");\n' +
          'if (!sht_has_name("f", "sw", "zz")) t_log("no zz");\n' +
          'if (sht_match_str_value("f", "re", "^o.e$$")) t_log("value one");\n' +
          'if (!sht_has_str_value("f", "eq", "1")) t_log("ints are not string values");\n' +
          '$var(op) = "ne"; if (sht_match_name("f", "$var(op)", "a1")) t_log("dynamic op");\n' +
          'sht_rm_value_re("f=>^one$$"); t_log("value_re $shtcn(f=>**) [$sht(f=>n)]");\n' +
          '$sht(f=>x1) = 1; $sht(f=>x2) = 2; sht_rm_name_re("f=>^x"); t_log("name_re $shtcn(f=>**)");\n' +
          '$sht(f=>p1) = 1; $sht(f=>q1) = 1; sht_rm_name("f", "sw", "p"); sht_rm_value("f", "re", "."); t_log("rm_name $shtcn(f=>**)"); sht_rm("f", "q1");\n' +
          'sht_setxs("e", "s", "str", 30); sht_setxi("e", "i", 12, 0); sht_setxs("f", "s", "str", 30);\n' +
          't_log("setx [$sht(e=>s)] [$shtex(e=>s)] [$sht(e=>i)] [$shtex(e=>i)] [$shtex(f=>s)]");\n' +
          'sht_print();\n' +
          'sht_reset("f"); t_log("reset $shtcn(f=>**)");\n' +
          '$var(r) = sht_reset("missing"); t_log("missing table $var(r)");',
      );
      assert.deepEqual(seen.logs, [
        "rm [<null>] 3",
        "has a1",
        "no zz",
        "value one",
        "ints are not string values",
        "dynamic op",
        "value_re 1 [1]",
        "name_re 1",
        "rm_name 2",
        "setx [str] [30] [12] [0] [0]",
        "reset 0",
        "missing table -1",
      ]);
      assert.ok(lines.some((l) => l.startsWith('ERROR htable "f": 2 item(s)') && l.includes('s => "str"')), lines.join("\n"));
      assert.ok(lines.some((l) => l.includes('there is no hash table "missing"')));
    } finally {
      restore();
    }
  });

  test("load errors: bad keys, regular expressions and operators", async () => {
    const pvErrs = await bindErrors(
      "request_route {\n" +
        "  $var(x) = $sht(a=>$nosuch(x));\n" +
        "  $var(x) = $sht(nokey);\n" +
        "  $var(x) = $shtcn(a=>~~[z-a]);\n" +
        "}\n",
      registry,
    );
    assert.deepEqual(
      pvErrs.map((e) => [e.code, e.line]),
      [
        ["SM_CFG_PV", 2],
        ["SM_CFG_PV", 3],
        ["SM_CFG_PV", 4],
      ],
    );
    assert.match(pvErrs[0]!.message, /unknown pseudo-variable \$nosuch/);
    assert.match(pvErrs[1]!.message, /"=>" is missing/);
    assert.match(pvErrs[2]!.message, /bad regular expression/);
    const fixErrs = await bindErrors(
      "request_route {\n" +
        '  sht_rm_name_re("a=>(");\n' +
        '  sht_rm_name("a", "eq", "x");\n' +
        '  sht_rm_value_re("just-a-regex");\n' +
        "}\n",
      registry,
    );
    assert.deepEqual(
      fixErrs.map((e) => [e.code, e.line]),
      [
        ["SM_CFG_FIXUP", 2],
        ["SM_CFG_FIXUP", 3],
        ["SM_CFG_FIXUP", 4],
      ],
    );
    assert.match(fixErrs[0]!.message, /bad regular expression/);
    assert.match(fixErrs[1]!.message, /unknown operator "eq" \(use re, sw\)/);
    assert.match(fixErrs[2]!.message, /write "table=>regular expression"/);
  });

  test("keys and expressions with pseudo-variables are evaluated per message", async () => {
    const restore = withTables("k=>initval=0");
    try {
      await run(
        '$sht(k=>$ci::$fU) = "remembered"; $var(u) = "bob";\n' +
          't_log("[$sht(k=>a84b4c76e66710@pc33.atlanta.com::bob)] [$sht(k=>$ci::$var(u))] [$shtinc(k=>n::$fU)] [$shtinc(k=>n::$fU)]");\n' +
          '$var(p) = "n::"; t_log("[$shtcn(k=>%~$var(p))] [$shtcn(k=>~%::$fU)] [$shtex(k=>$ci::$fU)]");\n' +
          'sht_rm("k", "$ci::$fU"); t_log("[$sht(k=>$ci::$fU)]");',
      );
      assert.deepEqual(seen.logs, ["[remembered] [remembered] [1] [2]", "[1] [2] [0]", "[0]"]);
      assert.equal(tableNamed("k")!.get("n::bob"), 2);
    } finally {
      restore();
    }
  });

  test("an assignment to a table that does not exist fails and the script goes on", async () => {
    const restore = withTables("a=>size=1");
    try {
      const { lines } = await run('$sht(nosuch=>k) = 1; t_log("after");');
      assert.deepEqual(seen.logs, ["after"]);
      assert.ok(lines.some((l) => l.includes('no hash table "nosuch"')), lines.join("\n"));
    } finally {
      restore();
    }
  });
});

describe("htable: parameters, init and RPC", () => {
  const decode = (settings: readonly { name: string; value: unknown }[]) =>
    decodeModuleParams(
      erase(htableModule),
      settings.map((s) => ({ ...s, pos: { file: "k.cfg", line: 3 }, from: "modparam" as const })),
      { file: "k.cfg" },
    );

  test("repeated htable modparams make a list; a bad definition is SM_PARAM_INVALID with the fix", () => {
    const ok = decode([
      { name: "htable", value: "a=>size=8;" },
      { name: "htable", value: "b=>autoexpire=10;" },
    ]);
    assert.ok(Either.isRight(ok));
    assert.deepEqual((ok.right as { htable: string[] }).htable, ["a=>size=8;", "b=>autoexpire=10;"]);
    const bad = decode([{ name: "htable", value: "a=>size=8;dbtable=htable_a" }]);
    assert.ok(Either.isLeft(bad));
    assert.equal(bad.left[0]!.code, "SM_PARAM_INVALID");
    assert.match(bad.left[0]!.message, /dbtable=htable_a.*not supported: remove dbtable/);
    assert.equal(bad.left[0]!.pos?.line, 3);
    const single = decodeModuleParams(erase(htableModule), [{ name: "htable", value: "j=>size=1", pos: { file: "p.json" }, from: "json" }], { file: "p.json" });
    assert.ok(Either.isRight(single));
  });

  test("init creates the tables (restored at shutdown); RPC reads and writes them", async () => {
    const scope = Effect.runSync(Scope.make());
    const params = { htable: ["r=>size=4;autoexpire=50", "s=>initval=3"], table_memory: 65536, timer_interval: 1 };
    const before = installTables(new Map());
    try {
      await Effect.runPromise(
        htableModule.init!(params).pipe(Scope.extend(scope), Effect.provideService(SharedMemory, new MainSharedMemory())) as Effect.Effect<void>,
      );
      assert.ok(tableNamed("r") !== undefined && tableNamed("s") !== undefined);
      assert.deepEqual(await rpc("htable.sets", ["r", "k", "v"]), Either.right(null));
      assert.deepEqual(await rpc("htable.seti", ["r", "n", "12"]), Either.right(null));
      assert.deepEqual(await rpc("htable.get", ["r", "n"]), Either.right({ name: "n", value: 12 }));
      assert.deepEqual(await rpc("htable.get", ["r", "k"]), Either.right({ name: "k", value: "v" }));
      assert.match(Either.getLeft(await rpc("htable.get", ["r", "zz"])).pipe((o) => (o._tag === "Some" ? o.value : "")), /no item "zz"/);
      assert.match(Either.getLeft(await rpc("htable.get", ["nope", "zz"])).pipe((o) => (o._tag === "Some" ? o.value : "")), /no hash table "nope"/);
      assert.match(Either.getLeft(await rpc("htable.seti", ["r", "n", "abc"])).pipe((o) => (o._tag === "Some" ? o.value : "")), /must be an integer/);
      assert.deepEqual(await rpc("htable.setxs", ["r", "x", "y", 5]), Either.right(null));
      assert.deepEqual(await rpc("htable.setex", ["r", "k", 0]), Either.right(null));
      const dump = await rpc("htable.dump", ["r"]);
      assert.ok(Either.isRight(dump));
      const items = (dump.right as { name: string; value: Json; expires?: number }[]).sort((a, b) => a.name.localeCompare(b.name));
      assert.deepEqual(items, [
        { name: "k", value: "v" },
        { name: "n", value: 12, expires: 50 },
        { name: "x", value: "y", expires: 5 },
      ]);
      assert.deepEqual(await rpc("htable.delete", ["r", "x"]), Either.right(null));
      assert.deepEqual(await rpc("htable.listTables", []), Either.right([
        { name: "r", autoexpire: 50, updateexpire: 1, items: 2 },
        { name: "s", autoexpire: 0, updateexpire: 1, initval: 3, items: 0 },
      ]));
      const stats = await rpc("htable.stats", []);
      assert.ok(Either.isRight(stats) && (stats.right as { items: number }[])[0]!.items === 2);
      assert.deepEqual(await rpc("htable.flush", ["r"]), Either.right(null));
      assert.deepEqual(await rpc("htable.reset", ["s"]), Either.right(null));
      assert.equal(tableNamed("r")!.stats().items, 0);
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void));
    }
    assert.equal(tableNamed("r"), undefined);
    installTables(before);
  });
});
