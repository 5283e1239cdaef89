import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SharedTable, type TableBehaviour } from "../modules/htable/shared-table.ts";
import { parseTableSpec, parseTableSpecs } from "../modules/htable/table-spec.ts";
import { countMatcher, opMatcher } from "../modules/htable/match-op.ts";

const plain: TableBehaviour = { name: "t", autoexpire: 0, initval: undefined, updateexpire: true };

const clock = () => {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

describe("htable: the shared table", () => {
  test("ints and strings keep their type; delete, reset, items", () => {
    const t = new SharedTable(SharedTable.allocate(64 * 1024), plain);
    t.set("a", 1);
    t.set("b", "1");
    t.set("ü-key", "välue ✓");
    assert.equal(t.get("a"), 1);
    assert.equal(t.get("b"), "1");
    assert.equal(t.get("ü-key"), "välue ✓");
    assert.equal(t.get("missing"), undefined);
    t.set("a", "now a string that is much longer than before");
    assert.equal(t.get("a"), "now a string that is much longer than before");
    t.set("a", -7);
    assert.equal(t.get("a"), -7);
    assert.equal(t.delete("a"), true);
    assert.equal(t.delete("a"), false);
    assert.equal(t.get("a"), undefined);
    assert.deepEqual(
      t.items().map((i) => [i.key, i.value]).sort(),
      [
        ["b", "1"],
        ["ü-key", "välue ✓"],
      ],
    );
    t.reset();
    assert.equal(t.items().length, 0);
    assert.equal(t.get("b"), undefined);
    t.set("b", 2);
    assert.equal(t.get("b"), 2);
  });

  test("add: increments ints, starts from initval, refuses strings and tables without initval", () => {
    const t = new SharedTable(SharedTable.allocate(8192), plain);
    assert.equal(t.add("n", 1), undefined);
    assert.equal(t.get("n"), undefined);
    t.set("n", 5);
    assert.equal(t.add("n", 1), 6);
    assert.equal(t.add("n", -10), -4);
    t.set("s", "5");
    assert.equal(t.add("s", 1), undefined);
    assert.equal(t.get("s"), "5");
    t.set("big", 0x7fffffff);
    assert.equal(t.add("big", 1), -0x80000000);
    const w = new SharedTable(SharedTable.allocate(8192), { ...plain, initval: 10 });
    assert.equal(w.add("x", 1), 11);
    assert.equal(w.add("x", 1), 12);
    assert.equal(w.get("x"), 12);
  });

  test("autoexpire: items vanish after the time, updates restart it unless updateexpire=0; $shtex semantics", () => {
    const c = clock();
    const t = new SharedTable(SharedTable.allocate(8192), { ...plain, autoexpire: 10 }, c.now);
    t.set("a", 1);
    assert.equal(t.expiresIn("a"), 10);
    c.advance(6000);
    assert.equal(t.expiresIn("a"), 4);
    t.set("a", 2); // update restarts
    assert.equal(t.expiresIn("a"), 10);
    c.advance(9000);
    assert.equal(t.get("a"), 2);
    c.advance(1000);
    assert.equal(t.get("a"), undefined);
    assert.equal(t.expiresIn("a"), undefined);

    t.set("b", 1);
    assert.equal(t.setExpire("b", 100), true);
    c.advance(50_000);
    assert.equal(t.get("b"), 1);
    assert.equal(t.setExpire("b", 0), true);
    c.advance(1_000_000);
    assert.equal(t.get("b"), 1);
    assert.equal(t.expiresIn("b"), 0);
    assert.equal(t.setExpire("nope", 5), false);

    t.setWithExpire("c", "x", 2);
    c.advance(2500);
    assert.equal(t.get("c"), undefined);

    const keep = new SharedTable(SharedTable.allocate(8192), { ...plain, autoexpire: 10, updateexpire: false }, c.now);
    keep.set("k", 1);
    c.advance(6000);
    keep.set("k", 2);
    assert.equal(keep.expiresIn("k"), 4);
    assert.equal(keep.add("k", 1), 3);
    assert.equal(keep.expiresIn("k"), 4);

    t.set("d", 1);
    t.set("e", 1);
    c.advance(11_000);
    assert.equal(t.sweep(), 2);
    assert.equal(t.stats().items, 1); // b never expires

    const never = new SharedTable(SharedTable.allocate(8192), plain, c.now);
    never.set("a", 1);
    assert.equal(never.setExpire("a", 1), false);
    never.setWithExpire("b", 1, 1);
    c.advance(5000);
    assert.equal(never.get("b"), 1);
    assert.equal(never.expiresIn("a"), 0);
    assert.equal(never.expiresIn("missing"), 0);
  });

  test("deleted slots and dead records are reclaimed: heavy churn in a small table", () => {
    const t = new SharedTable(SharedTable.allocate(4096), plain);
    const max = t.stats().maxItems;
    assert.ok(max >= 16);
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 10; i++) t.set(`k${round}-${i}`, `value ${round} ${"x".repeat(i * 3)}`);
      for (let i = 0; i < 10; i++) if (i !== 3) t.delete(`k${round}-${i}`);
      t.delete(`k${round - 1}-3`);
      t.set("grow", "y".repeat(round % 90));
    }
    assert.equal(t.get("k199-3"), `value 199 ${"x".repeat(9)}`);
    assert.equal(t.get("grow"), "y".repeat(199 % 90));
    assert.equal(t.stats().items, 2);
  });

  test("a full table refuses new items and keeps the old ones", () => {
    const t = new SharedTable(SharedTable.allocate(4096), plain);
    const max = t.stats().maxItems;
    for (let i = 0; i < max; i++) t.set(`n${i}`, i);
    assert.throws(() => t.set("one-more", 1), /is full/);
    assert.equal(t.get("n0"), 0);
    assert.throws(() => t.set("n1", "z".repeat(5000)), /is full/);
    assert.equal(t.get("n1"), 1);
    t.set("n1", 100); // in place
    assert.equal(t.get("n1"), 100);
    assert.throws(() => new SharedTable(new SharedArrayBuffer(8192), plain), /not a hash table buffer/);
  });

  test("removeWhere and count visit names and values", () => {
    const t = new SharedTable(SharedTable.allocate(8192), plain);
    for (const k of ["a1", "a2", "b1"]) t.set(k, `v-${k}`);
    t.set("c", 5);
    assert.equal(t.count((k) => k.startsWith("a")), 2);
    assert.equal(t.count((_k, v) => typeof v === "string"), 3);
    assert.equal(t.removeWhere((k) => /^a/.test(k)), 2);
    assert.deepEqual(t.items().map((i) => i.key).sort(), ["b1", "c"]);
  });
});

describe("htable: table definitions", () => {
  test("Kamailio's syntax, with defaults", () => {
    assert.deepEqual(parseTableSpec("a=>size=8;"), { name: "a", size: 8, autoexpire: 0, initval: undefined, updateexpire: true });
    assert.deepEqual(parseTableSpec(" ipban => size=4; autoexpire=300 ;initval=-1;updateexpire=0;dbtable=;dmqreplicate=0;dbmode=0"), {
      name: "ipban",
      size: 4,
      autoexpire: 300,
      initval: -1,
      updateexpire: false,
      });
    assert.deepEqual(parseTableSpec("b=>"), { name: "b", size: undefined, autoexpire: 0, initval: undefined, updateexpire: true });
  });

  test("bad definitions say what is wrong and how to fix it", () => {
    const err = (s: string) => {
      const r = parseTableSpec(s);
      assert.ok("error" in r, s);
      return r.error;
    };
    assert.match(err("size=8"), /name=>size=8/);
    assert.match(err("a b=>size=8"), /not a table name/);
    assert.match(err("a=>size=x"), /must be an integer/);
    assert.match(err("a=>size=40"), /at most 31/);
    assert.match(err("a=>autoexpire=-1"), /from 0/);
    assert.match(err("a=>updateexpire=2"), /write 1/);
    assert.match(err("a=>dbtable=htable_a"), /database.*not supported.*remove dbtable/);
    assert.match(err("a=>dbmode=1"), /database backends are not supported/);
    assert.match(err("a=>dmqreplicate=1"), /dmq.*not supported/);
    assert.match(err("a=>colour=red"), /unknown attribute "colour" \(known: size, autoexpire, initval, updateexpire\)/);
    assert.match(err("a=>size=2;size=3"), /given twice/);
    assert.match(err("a=>size"), /not key=value/);
    const dup = parseTableSpecs(["a=>size=2", "a=>size=3"]);
    assert.ok("error" in dup && /already defined/.test(dup.error));
  });
});

describe("htable: match operators", () => {
  test("eq ne re sw, and the $shtcn prefixes", () => {
    const m = (op: string, v: string) => {
      const r = opMatcher(op, v, ["eq", "ne", "re", "sw"]);
      assert.equal(typeof r, "function");
      return r as (s: string) => boolean;
    };
    assert.equal(m("eq", "ab")("ab"), true);
    assert.equal(m("ne", "ab")("ab"), false);
    assert.equal(m("sw", "a")("ab"), true);
    assert.equal(m("re", "^a[[:digit:]]+$")("a12"), true);
    assert.equal(m("re", "^A")("ab"), false);
    assert.ok("error" in (opMatcher("gt", "x", ["re", "sw"]) as object));
    assert.ok("error" in (opMatcher("re", "a(", ["re"]) as object));
    const c = (e: string) => countMatcher(e) as (s: string) => boolean;
    assert.equal(c("~~^a.c$")("abc"), true);
    assert.equal(c("~%bc")("abc"), true);
    assert.equal(c("~%ab")("abc"), false);
    assert.equal(c("%~ab")("abc"), true);
    assert.equal(c("==abc")("abc"), true);
    assert.equal(c("eqab")("eqabc"), true); // not an operator: a regular expression
    assert.equal(c("**")("anything"), true);
    assert.equal(c("b")("abc"), true);
  });
});
