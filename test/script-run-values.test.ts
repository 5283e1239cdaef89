import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { compilePosix, posixToJs } from "../core/script/posix-regex.ts";
import { strToInt, toInt, toStr } from "../core/script/values.ts";
import { runRoute, seen } from "./script-helpers.ts";

/**
 * Kamailio's int/string typing. Every expected value below is what Kamailio 5.6.3 gave for the
 * same expression (run on this machine, see core/script/values.ts).
 */
const SETUP =
  '$var(i) = 1; $var(s) = "1"; $var(abc) = "abc"; $var(zero) = 0; $var(ten) = "10"; $var(nine) = "9";\n' +
  '$var(up) = "ABC"; $var(m) = -7; $var(e) = ""; $var(ks) = "Hello"; $var(csv) = "a,b,c"; $var(num) = 42;\n';

const TABLE: readonly (readonly [expr: string, expected: string | number])[] = [
  ['$var(i) + "2"', 3],
  ["$var(s) + 2", "12"],
  ['"1" + 2', "12"],
  ["1 + $var(abc)", 1],
  ["$var(abc) + 1", "abc1"],
  ["$var(s) - 2", -1],
  ['"a" + "b" + 1 + 2', "ab12"],
  ['"x" + $var(i) * 2', "x2"],
  ["$var(i) + $null", 1],
  ["$var(abc) + $null", "abc"],
  ["$null + $var(i)", "1"],
  ["7 / 2", 3],
  ["$var(m) / 2", -3],
  ["$var(m) mod 3", -1],
  ["-$var(s)", -1],
  ["!$var(abc)", 1],
  ["$var(zero) || $var(s)", 1],
  ["(int)$var(abc)", 0],
  ["(str)$var(num)", "42"],
  ["$var(ten) == 10", 1],
  ["$var(abc) == 0", 0],
  ["$var(zero) == $var(abc)", 1],
  ["$avp(nope) == \"\"", 1],
  ["$avp(nope) == 0", 1],
  ["$var(ten) < $var(nine)", 0],
  ["$var(ten) > 9", 1],
  ['$var(e) == 0', 0],
  ['$var(zero) == ""', 0],
  ['$var(zero) != ""', 0],
  ['($var(s) + "2") == "12"', 1],
  ['$var(up) =~ "abc"', 1],
  ['$var(up) =~ "^A.C$"', 1],
  ['!($var(up) =~ "^x")', 1],
  ['"abc" eq "abc"', 1],
  ["$var(s) ieq $var(i)", 1],
  ["strlen($var(abc))", 3],
  ["strlen($var(i))", 1],
  ['strlen("é")', 2],
  ["strempty($var(zero))", 0],
  ["strempty($avp(nope))", 1],
  ["defined $var(undefd)", 1],
  ["defined $avp(undefd)", 0],
  ["$var(ks) + 5", "Hello5"],
  ["0x10 + 1", 17],
  ["1 << 4 | 1", 17],
  ["~0", -1],
  ["6 & 3 ^ 1", 2],
  ["2147483647 + 1", -2147483648],
];

const STR_TO_INT: readonly (readonly [string, number])[] = [
  [" 12", 0],
  ["-12", -12],
  ["+12", 12],
  ["0x1A", 26],
  ["12abc", 0],
  ["+", 0],
  ["", 0],
];

describe("interpreter: Kamailio int/string typing", () => {
  test("expression table", async () => {
    const body = SETUP + TABLE.map(([e], k) => `$var(r${k}) = ${e};`).join("\n");
    const r = await runRoute(body);
    TABLE.forEach(([e, want], k) => {
      const got = r.engine.vars.get(`r${k}`);
      assert.deepEqual(got, want, `${e}: got ${JSON.stringify(got)} (${typeof got}), want ${JSON.stringify(want)} (${typeof want})`);
    });
  });

  test("string to int conversions", async () => {
    const body = STR_TO_INT.map(([s], k) => `$var(t) = "${s}"; $var(c${k}) = 0 + $var(t);`).join("\n");
    const r = await runRoute(body);
    STR_TO_INT.forEach(([s, want], k) => assert.equal(r.engine.vars.get(`c${k}`), want, JSON.stringify(s)));
    assert.equal(strToInt("0X1a"), 26);
    assert.equal(strToInt("1.5"), undefined);
    assert.equal(toInt(null), 0);
    assert.equal(toStr(null), "");
    assert.equal(toStr(-3), "-3");
  });

  test("$var holds the type it was given; $null resets it to int 0", async () => {
    const r = await runRoute('$var(a) = 1; $var(b) = "1"; $var(c) = "x"; $var(c) = $null; $var(d) = $var(b);');
    assert.equal(r.engine.vars.get("a"), 1);
    assert.equal(r.engine.vars.get("b"), "1");
    assert.equal(r.engine.vars.get("c"), 0);
    assert.equal(r.engine.vars.get("d"), "1");
    assert.equal(r.engine.vars.get("never"), 0);
  });

  test("a call inside an expression is 1 (code > 0) or 0; alone on the right of = it keeps its code", async () => {
    const r = await runRoute(
      '$var(raw) = t_ret(-1); $var(sum) = 0 - t_ret(-1); $var(cat) = "x" + t_ret(5);\n' +
        'if (t_ret(-1) == -1) t_log("eq"); else t_log("not eq");\n' +
        'route(R); t_log("never");',
      "route[R] { return t_ret(-1); }",
    );
    assert.equal(r.engine.vars.get("raw"), -1);
    assert.equal(r.engine.vars.get("sum"), 0);
    assert.equal(r.engine.vars.get("cat"), "x1");
    // return f() returns 0 for a negative f, and return(0) stops the script.
    assert.deepEqual(seen.logs, ["not eq"]);
    assert.equal(r.outcome.exited, true);
  });

  test("old-style words: method, uri, src_ip with a mask, proto", async () => {
    await runRoute(
      'if (method == "INVITE") t_log("method");\n' +
        'if (uri =~ "^sip:alice@") t_log("uri");\n' +
        "if (src_ip == 10.0.0.0/8) t_log(\"net\");\n" +
        "if (src_ip == 10.0.0.1) t_log(\"ip\");\n" +
        'if (proto == udp && src_port == 5060) t_log("proto");\n' +
        'if (from_uri == "sip:bob@biloxi.com") t_log("from");',
    );
    assert.deepEqual(seen.logs, ["method", "uri", "net", "ip", "proto", "from"]);
  });

  test("myself compares against the addresses the engine is told are ours", async () => {
    await runRoute('if (uri == myself) t_log("uri mine"); if ($fd == myself) t_log("fd mine"); if (uri != myself) t_log("not mine");', "", {
      options: { isMyself: (host, port) => host === "example.com" && (port === undefined || port === 5070) },
    });
    assert.deepEqual(seen.logs, ["uri mine"]);
  });
});

describe("POSIX regular expressions", () => {
  test("bracket classes, literal backslash in brackets, ] first, word boundaries", () => {
    assert.equal(posixToJs("[[:alpha:]]+[[:digit:]]"), "[a-zA-Z]+[0-9]");
    assert.equal(posixToJs("[\\d]"), "[\\\\d]");
    assert.equal(posixToJs("[]a]"), "[\\]a]");
    assert.equal(posixToJs("\\<ab\\>"), "\\bab\\b");
    assert.ok(compilePosix("^[[:upper:]][[:lower:]]+$", false).test("Hello"));
    assert.ok(!compilePosix("^[[:upper:]]", false).test("hello"));
    assert.ok(compilePosix("^[[:upper:]]", true).test("hello"));
    assert.ok(compilePosix("a.b", true).test("a\nb"));
    assert.throws(() => compilePosix("(a", true), SyntaxError);
    assert.throws(() => compilePosix("[[:nope:]]", true), SyntaxError);
  });
});
