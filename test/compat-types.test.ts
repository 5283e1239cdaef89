import { describe, test } from "node:test";
import { assertCompat, compatCfg, type CompatCase } from "./support/compat.ts";
import { kamailioMissing } from "./support/kamailio.ts";

// Expression values under real Kamailio 5.6 and under sipmod: int vs string typing of + and of
// comparisons, arithmetic, bit operators, casts, $null, and regular expressions. The reply reason
// shows the computed values.

const T = { timeout: 120_000, skip: kamailioMissing };
const u = (user: string) => `sip:${user}@127.0.0.1`;
const ok = (reason: string) => ({ code: 200, reason });

const types: readonly CompatCase[] = [
  {
    // The left operand decides: string + int appends, int + string adds (the string read as an int).
    name: "+ on strings and ints",
    req: { ruri: u("plus") },
    kamailio: ok("a=12 b=3 c=abc1 d=5 e=xy34 f=21 g=5"),
  },
  { name: "int + non-numeric string", req: { ruri: u("plusbad") }, kamailio: ok("a=5") },
  { name: "arithmetic", req: { ruri: u("arith") }, kamailio: ok("a=3 b=1 c=14 d=20 e=-3 f=5 g=-3 h=10") },
  { name: "division by zero leaves the variable", req: { ruri: u("divzero") }, kamailio: ok("a=kept b=kept") },
  { name: "bit operators", req: { ruri: u("bits") }, kamailio: ok("a=2 b=7 c=5 d=16 e=64 f=-1") },
  { name: "comparisons of mixed types", req: { ruri: u("cmp") }, kamailio: ok("r=necase 5eqs5 s5eq5 5neabc") },
  {
    // "10" > 9 compares as strings ("10" < "9"); 9 < "10" compares as ints.
    name: "comparisons of variables",
    req: { ruri: u("pvcmp") },
    kamailio: ok("r=s>i i<s unset0 unsetnotempty"),
  },
  { name: "$rU 42 with + and casts", req: { ruri: u("42") }, kamailio: ok("a=421 b=43 c=43 d=51 e=eq42 f=eq42") },
  { name: "$rU 7 with + and casts", req: { ruri: u("7") }, kamailio: ok("a=71 b=8 c=8 d=51 e=ne42 f=ne42") },
  { name: "logical values", req: { ruri: u("logic") }, kamailio: ok("a=1 b=0 c=1 d=0 e=1") },
  {
    name: "$null, defined, strempty, empty header",
    req: { ruri: u("null"), headers: ["X-Empty:"] },
    kamailio: ok("r=hdrnull undefined emptyeq strempty var=0"),
  },
];

const R = (...parts: string[]) => ok(`r=${parts.map((p) => `${p} `).join("")}`);
const always = ["null-matches", "null-not-x"];
const regex: readonly CompatCase[] = [
  { name: "alice", req: { ruri: u("alice") }, kamailio: R("ali", "exact-alice", ...always, "ru-local") },
  { name: "regex match ignores case", req: { ruri: u("ALICE") }, kamailio: R("ali", "exact-alice", ...always, "ru-local") },
  { name: "alicia", req: { ruri: u("alicia") }, kamailio: R("ali", "no-e", ...always, "ru-local") },
  { name: "three digits", req: { ruri: u("123") }, kamailio: R("digits", "three-digits", "no-e", ...always, "ru-local") },
  { name: "four digits", req: { ruri: u("1234") }, kamailio: R("digits", "no-e", ...always, "ru-local") },
  { name: "alternation bob", req: { ruri: u("bob") }, kamailio: R("no-e", "bob-or-carol", ...always, "ru-local") },
  { name: "alternation carol", req: { ruri: u("carol") }, kamailio: R("no-e", "bob-or-carol", ...always, "ru-local") },
  { name: "anchored alternation", req: { ruri: u("bobby") }, kamailio: R("no-e", ...always, "ru-local") },
  { name: "escaped dot", req: { ruri: u("a.b") }, kamailio: R("no-e", "a-dot-b", "a-any-b", ...always, "ru-local") },
  { name: "any char", req: { ruri: u("axb") }, kamailio: R("no-e", "a-any-b", ...always, "ru-local") },
  { name: "regex from a variable xxz", req: { ruri: u("xxz") }, kamailio: R("no-e", "var-re", ...always, "ru-local") },
  { name: "regex from a variable xyz", req: { ruri: u("xyz") }, kamailio: R("no-e", "var-re", ...always, "ru-local") },
  { name: "regex from a variable xyyz", req: { ruri: u("xyyz") }, kamailio: R("no-e", ...always, "ru-local") },
  { name: "negation", req: { ruri: u("e") }, kamailio: R(...always, "ru-local") },
  { name: "header value", req: { ruri: u("zed"), headers: ["X-Foo: foobarbaz"] }, kamailio: R("hdr-bar", ...always, "ru-local") },
  { name: "R-URI not local", req: { ruri: "sip:zed@example.com" }, kamailio: R(...always) },
];

describe("compat: expression values", () => {
  test("int and string operations", T, () => assertCompat(compatCfg("types.cfg"), types));
  test("regular expressions", T, () => assertCompat(compatCfg("regex.cfg"), regex));
});
