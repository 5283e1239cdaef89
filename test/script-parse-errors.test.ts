import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Effect, Either } from "effect";
import { parseCfgFile, parseCfgSource } from "../core/script/parse-cfg.ts";

const FILE = "bad.cfg";
const fixture = (rel: string): string => fileURLToPath(new URL(`./fixtures/cfg/${rel}`, import.meta.url));

/** `file:line:col CODE message` for every error of `text`. */
const errorsOf = (text: string, opts: { defines?: Record<string, string>; env?: Record<string, string> } = {}): string[] =>
  parseCfgSource(text, FILE, opts).errors.map((e) => `${e.pos?.file}:${e.pos?.line}:${e.pos?.column} ${e.code} ${e.message}`);

const fileErrors = (file: string): string[] => {
  const r = Effect.runSync(Effect.either(parseCfgFile(file)));
  if (Either.isRight(r)) return assert.fail(`${file} parsed without errors`);
  return r.left.errors.map((e) => `${e.pos?.file}:${e.pos?.line}:${e.pos?.column} ${e.code} ${e.message}`);
};

describe("statement errors, with line:column", () => {
  test("missing ';' is reported at the end of the statement, and parsing goes on", () => {
    assert.deepEqual(errorsOf('request_route {\n  xlog("a")\n  exit;\n  xlog("b")\n}'), [
      "bad.cfg:2:12 SM_CFG_SYNTAX missing ';' after xlog(...)",
      "bad.cfg:4:12 SM_CFG_SYNTAX missing ';' after xlog(...)",
    ]);
    assert.deepEqual(errorsOf("request_route { exit }"), ["bad.cfg:1:21 SM_CFG_SYNTAX missing ';' after exit"]);
  });
  test("bad expression", () => {
    assert.deepEqual(errorsOf("request_route {\n  if ($a == ) { exit; }\n}"), ["bad.cfg:2:13 SM_CFG_SYNTAX expected an expression, found ')'"]);
    assert.deepEqual(errorsOf("request_route {\n  if ($a = 1) { exit; }\n}"), ["bad.cfg:2:10 SM_CFG_SYNTAX '=' is not a comparison"]);
    assert.deepEqual(errorsOf("request_route {\n  if ($a == 1 { exit; }\n}"), ["bad.cfg:2:15 SM_CFG_SYNTAX expected ')' to close the '(' of this expression, found '{'"]);
    assert.deepEqual(errorsOf("request_route { if { exit; } }"), ["bad.cfg:1:20 SM_CFG_SYNTAX missing the condition of if"]);
  });
  test("bad function call", () => {
    assert.deepEqual(errorsOf('request_route {\n  xlog("a" "b", 1 2);\n}'), ["bad.cfg:2:19 SM_CFG_SYNTAX expected ',' or ')' in the arguments of xlog(), found '2'"]);
  });
  test("assignments", () => {
    assert.deepEqual(errorsOf("request_route {\n  $var(x) 5;\n  x = 1;\n}"), [
      "bad.cfg:2:11 SM_CFG_SYNTAX expected '=' after $var(x), found '5'",
      "bad.cfg:3:3 SM_CFG_SYNTAX cannot assign to 'x'",
    ]);
  });
  test("misplaced keywords", () => {
    assert.deepEqual(errorsOf("request_route {\n  else { exit; }\n  case 1: exit;\n  route();\n}"), [
      "bad.cfg:2:3 SM_CFG_SYNTAX 'else' without 'if'",
      "bad.cfg:3:3 SM_CFG_SYNTAX 'case' outside a switch",
      "bad.cfg:4:9 SM_CFG_SYNTAX route() needs a route name",
    ]);
  });
  test("switch bodies", () => {
    assert.deepEqual(errorsOf('request_route {\n switch ($x) { xlog("a"); case 1: exit; default: exit; default: exit; }\n}'), [
      "bad.cfg:2:16 SM_CFG_SYNTAX expected 'case' or 'default' in switch, found 'xlog'",
      "bad.cfg:2:56 SM_CFG_SYNTAX second 'default' in this switch (first at bad.cfg:2:41)",
    ]);
  });
  test("literals and lexical errors", () => {
    assert.deepEqual(errorsOf("request_route {\n  $var(x) = $(var(a);\n  $var(y) = 08;\n  $var(z) = 1.2.3;\n  a \u00a9 b;\n}"), [
      "bad.cfg:2:13 SM_CFG_SYNTAX invalid pseudo-variable: expected ')' to close $(var...), found ';'",
      "bad.cfg:3:13 SM_CFG_SYNTAX invalid number '08'",
      "bad.cfg:4:13 SM_CFG_SYNTAX '1.2.3' is not an IPv4 address",
      "bad.cfg:5:5 SM_CFG_SYNTAX unexpected character '\u00a9'",
    ]);
  });
  test("unterminated string: reported once, the rest of the file still parses", () => {
    assert.deepEqual(errorsOf('request_route {\n  xlog("x" "y);\n  exit;\n}\nroute[X] { foo bar; }'), [
      "bad.cfg:2:8 SM_CFG_SYNTAX unterminated string: missing closing '\"'",
      "bad.cfg:5:16 SM_CFG_SYNTAX unexpected 'bar' after 'foo'",
    ]);
  });
  test("a string missing its closing quote that pairs with a later quote: the error points at where it starts", () => {
    const r = parseCfgSource('request_route {\n  sl_send_reply("483","Too Many Hops);\n  exit;\n  if (is_method("OPTIONS")) { exit; }\n}\n', FILE);
    const first = r.errors[0]!;
    assert.deepEqual(first.pos, { file: FILE, line: 2, column: 23 });
    assert.equal(first.message, "expected ',' or ')' in the arguments of sl_send_reply(), found 'OPTIONS' (after a string that starts here and runs over 3 lines)");
    assert.match(first.hint ?? "", /closing quote/);
  });
  test("unterminated comment", () => {
    assert.deepEqual(errorsOf("children=1\n  /* no end\nchildren=2\n"), ["bad.cfg:2:3 SM_CFG_SYNTAX unterminated comment: '/*' without '*/'"]);
  });
});

describe("block errors", () => {
  test("missing '}' before the next block is reported once, at the unclosed '{'", () => {
    assert.deepEqual(errorsOf("request_route {\n  if (x) {\n    exit;\n\nroute[B] { exit; }\nroute[C] { foo; }"), [
      "bad.cfg:2:10 SM_CFG_SYNTAX '{' of the block is not closed before 'route' at bad.cfg:5:1",
    ]);
  });
  test("missing '}' at the end of the file", () => {
    assert.deepEqual(errorsOf("request_route {\n  exit;\n"), ["bad.cfg:1:15 SM_CFG_SYNTAX '{' of request_route is never closed"]);
  });
  test("names: required, forbidden, malformed, unclosed", () => {
    assert.deepEqual(errorsOf("failure_route { exit; }\nonsend_route[x] { exit; }\nroute[a b] { exit; }\nroute[] { exit; }\nroute[A { exit; }\nrequest_route exit;\n"), [
      "bad.cfg:1:1 SM_CFG_SYNTAX failure_route needs a name",
      "bad.cfg:2:14 SM_CFG_SYNTAX onsend_route takes no name",
      "bad.cfg:3:9 SM_CFG_SYNTAX invalid name in route[...]: unexpected 'b'",
      "bad.cfg:4:6 SM_CFG_SYNTAX empty name in route[]",
      "bad.cfg:5:9 SM_CFG_SYNTAX expected ']' to close the name of route[",
      "bad.cfg:6:15 SM_CFG_SYNTAX expected '{' to open request_route, found 'exit'",
    ]);
  });
  test("route blocks cannot be nested", () => {
    assert.deepEqual(errorsOf("request_route {\n  exit;\n  route[X] { exit; }\n}\n").slice(0, 1), [
      "bad.cfg:1:15 SM_CFG_SYNTAX '{' of request_route is not closed before 'route' at bad.cfg:3:3",
    ]);
  });
  test("duplicate blocks: same kind and name; request_route is route {}, reply_route is onreply_route {}", () => {
    assert.deepEqual(errorsOf("route[A] { exit; }\nroute[A] { exit; }\nroute[B] { exit; }\nfailure_route[B] { exit; }\nroute { exit; }\nrequest_route { exit; }\nreply_route { exit; }\nonreply_route { exit; }\nevent_route[a:b] { exit; }\nevent_route[a:b] { exit; }\n"), [
      "bad.cfg:2:1 SM_CFG_DUPLICATE_ROUTE duplicate route block route[A] (first defined at bad.cfg:1:1)",
      "bad.cfg:6:1 SM_CFG_DUPLICATE_ROUTE duplicate route block request_route (first defined at bad.cfg:5:1)",
      "bad.cfg:8:1 SM_CFG_DUPLICATE_ROUTE duplicate route block onreply_route (first defined at bad.cfg:7:1)",
      "bad.cfg:10:1 SM_CFG_DUPLICATE_ROUTE duplicate route block event_route[a:b] (first defined at bad.cfg:9:1)",
    ]);
  });
});

describe("global section errors", () => {
  test("every broken global line is reported", () => {
    assert.deepEqual(
      errorsOf('children=\nloadmodule tm.so\nmodparam("a", "b")\nmodparam("a", "b", foo)\nlisten=udp:1.2.3.4:99999\nfoo bar\nrequest_route { exit; }\n'),
      [
        "bad.cfg:1:10 SM_CFG_SYNTAX missing the value of children",
        "bad.cfg:2:12 SM_CFG_SYNTAX expected a quoted module path, found 'tm'",
        "bad.cfg:3:18 SM_CFG_SYNTAX expected ',' after the parameter name, found ')'",
        'bad.cfg:4:20 SM_CFG_SYNTAX the value of modparam("a", "b", ...) must be a quoted string or an integer, found \'foo\'',
        'bad.cfg:5:8 SM_CFG_SYNTAX invalid listen address: "99999" is not a port number (0-65535) in "udp:1.2.3.4:99999"',
        "bad.cfg:6:1 SM_CFG_SYNTAX unexpected 'foo' at the top level",
      ],
    );
  });
  test("each error carries a hint how to fix it", () => {
    const r = parseCfgSource('modparam("a", "b")\n', FILE);
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0]!.format(), /^bad\.cfg:1:18: error SM_CFG_SYNTAX: .*\n {2}fix: Write modparam\("module", "param", value\) with three arguments\.$/);
  });
});

describe("preprocessor errors", () => {
  test("#!else / #!endif without #!ifdef, #!ifdef without #!endif", () => {
    assert.deepEqual(errorsOf("#!else\nchildren=1\n#!endif\n#!ifdef X\n"), [
      "bad.cfg:1:1 SM_CFG_SYNTAX #!else without #!ifdef/#!ifndef",
      "bad.cfg:3:1 SM_CFG_SYNTAX #!endif without #!ifdef/#!ifndef",
      "bad.cfg:4:1 SM_CFG_SYNTAX #!ifdef X has no matching #!endif",
    ]);
  });
  test("nested: the unclosed inner #!ifndef is named", () => {
    assert.deepEqual(errorsOf("#!ifdef A\n  #!ifndef B\nchildren=1\n#!endif\n", { defines: { A: "" } }), ["bad.cfg:1:1 SM_CFG_SYNTAX #!ifdef A has no matching #!endif"]);
    assert.deepEqual(errorsOf("#!ifdef A\n#!ifndef B\n#!endif\n#!endif\n#!endif\n"), ["bad.cfg:5:1 SM_CFG_SYNTAX #!endif without #!ifdef/#!ifndef"]);
  });
  test("second #!else, text after #!endif, bad names", () => {
    assert.deepEqual(errorsOf("#!ifdef X\n#!else\n#!else\n#!endif junk\n#!ifdef A-B\n#!endif\n#!ifdef\n#!endif\n"), [
      "bad.cfg:3:1 SM_CFG_SYNTAX second #!else for #!ifdef X (first #!else at bad.cfg:2:1)",
      'bad.cfg:4:9 SM_CFG_SYNTAX unexpected text after #!endif: "junk"',
      "bad.cfg:5:9 SM_CFG_SYNTAX #!ifdef needs one name (letters, digits, '_'), found \"A-B\"",
      "bad.cfg:7:8 SM_CFG_SYNTAX #!ifdef needs one name (letters, digits, '_'), found \"\"",
    ]);
  });
  test("#!endif followed by a comment is fine", () => {
    assert.deepEqual(errorsOf("#!ifdef X\nchildren=1\n#!endif # WITH X\n#!ifdef Y // why\n#!endif\n"), []);
  });
  test("redefinition, '-' in a define name, a define given on the command line", () => {
    assert.deepEqual(errorsOf("#!define A 1\n#!define A 2\n#!define B-C 1\n"), [
      'bad.cfg:2:1 SM_CFG_SYNTAX "A" is already defined',
      "bad.cfg:3:10 SM_CFG_SYNTAX '-' is not allowed in the define name \"B-C\"",
    ]);
    assert.deepEqual(errorsOf("#!define WITH_DEBUG\n", { defines: { WITH_DEBUG: "" } }), ['bad.cfg:1:1 SM_CFG_SYNTAX "WITH_DEBUG" is already defined']);
  });
  test("#!subst, #!defenv, unsupported directives, unquoted include", () => {
    const errs = errorsOf('#!subst "/(/x/"\n#!subst "/a/b/q"\n#!subst noquotes\n#!defenv NOPE_XYZ\n#!ifexp 1\n#!endif\ninclude_file foo\n', { env: {} });
    // the regex engine's own wording differs between V8 and JavaScriptCore
    assert.match(errs.shift()!, /^bad\.cfg:1:9 SM_CFG_SYNTAX #!subst: invalid regular expression \/\(\/: /);
    assert.deepEqual(errs, [
      "bad.cfg:2:9 SM_CFG_SYNTAX #!subst: unknown flag 'q' in \"/a/b/q\" (use g and/or i)",
      'bad.cfg:3:9 SM_CFG_SYNTAX #!subst expects one quoted string, found "noquotes"',
      "bad.cfg:4:10 SM_CFG_SYNTAX #!defenv: environment variable NOPE_XYZ is not set",
      "bad.cfg:5:1 SM_CFG_SYNTAX #!ifexp is not supported by sipmod (it is a Kamailio 5.7+ directive)",
      "bad.cfg:7:14 SM_CFG_SYNTAX include_file must be followed by a quoted file name",
    ]);
  });
});

describe("include errors", () => {
  test("a syntax error in an included file is reported at the included file's position", () => {
    assert.deepEqual(fileErrors(fixture("include-error/main.cfg")), [
      `${fixture("include-error/main.cfg")}:4:6 SM_CFG_SYNTAX missing ';' after exit`,
      `${fixture("include-error/bad.cfg")}:3:7 SM_CFG_SYNTAX unterminated string: missing closing '"'`,
    ]);
  });
  test("a missing include_file is SM_CFG_INCLUDE at the include line", () => {
    const errs = fileErrors(fixture("include-missing/main.cfg"));
    assert.equal(errs.length, 1);
    assert.match(errs[0]!, /^.*include-missing\/main\.cfg:2:1 SM_CFG_INCLUDE include_file "nope\.cfg" not found \(looked for .*include-missing\/nope\.cfg/);
  });
  test("an include cycle is SM_CFG_INCLUDE with the chain", () => {
    const a = fixture("include-cycle/a.cfg");
    const b = fixture("include-cycle/b.cfg");
    assert.deepEqual(fileErrors(a), [`${b}:2:1 SM_CFG_INCLUDE include cycle: ${a} -> ${b} -> ${a}`]);
  });
  test("a file including itself, and includes too deep", () => {
    const files: Record<string, string> = { "/cfg/self.cfg": 'include_file "self.cfg"\n' };
    for (let i = 0; i < 12; i++) files[`/cfg/d${i}.cfg`] = `include_file "d${i + 1}.cfg"\n`;
    files["/cfg/d12.cfg"] = "children=1\n";
    const readFile = (f: string) => (f in files ? { ok: true as const, text: files[f]! } : { ok: false as const, missing: true, reason: "ENOENT" });
    const self = parseCfgSource(files["/cfg/self.cfg"]!, "/cfg/self.cfg", { readFile });
    assert.deepEqual(
      self.errors.map((e) => `${e.code} ${e.message}`),
      ["SM_CFG_INCLUDE include cycle: /cfg/self.cfg -> /cfg/self.cfg"],
    );
    const deep = parseCfgSource(files["/cfg/d0.cfg"]!, "/cfg/d0.cfg", { readFile });
    assert.deepEqual(
      deep.errors.map((e) => `${e.pos?.file} ${e.code} ${e.message}`),
      ['/cfg/d9.cfg SM_CFG_INCLUDE includes nested more than 10 deep at "d10.cfg"'],
    );
  });
  test("include_file inside a route block splices statements; an unreadable include is an error even for import_file", () => {
    const files: Record<string, string> = { "/c/body.cfg": "xlog(\"in body\");\n" };
    const readFile = (f: string) =>
      f in files ? { ok: true as const, text: files[f]! } : f === "/c/dir.cfg" ? { ok: false as const, missing: false, reason: "EISDIR: illegal operation on a directory" } : { ok: false as const, missing: true, reason: "ENOENT" };
    const r = parseCfgSource('request_route {\n  include_file "body.cfg"\n  import_file "dir.cfg"\n  exit;\n}\n', "/c/main.cfg", { readFile });
    assert.deepEqual(
      r.errors.map((e) => `${e.pos?.line}:${e.pos?.column} ${e.code} ${e.message}`),
      ['3:3 SM_CFG_INCLUDE cannot read import_file "dir.cfg": EISDIR: illegal operation on a directory'],
    );
    assert.deepEqual(
      r.cfg.blocks[0]!.body.map((s) => `${s.kind}@${s.pos.file}:${s.pos.line}`),
      ["call@/c/body.cfg:1", "exit@/c/main.cfg:4"],
    );
  });
  test("a missing top-level file is SM_MANIFEST_NOT_FOUND", () => {
    const r = Effect.runSync(Effect.either(parseCfgFile(fixture("no-such-file.cfg"))));
    assert.ok(Either.isLeft(r));
    if (Either.isLeft(r)) assert.equal(r.left.errors[0]!.code, "SM_MANIFEST_NOT_FOUND");
  });
});

describe("robustness", () => {
  test("absurdly deep nesting is an error, not a crash", () => {
    const deep = `request_route { $var(x) = ${"(".repeat(20000)}1${")".repeat(20000)}; }\nroute[OK] { exit; }\nroute[BAD] { foo bar; }`;
    const errs = errorsOf(deep);
    assert.equal(errs[0], "bad.cfg:1:1 SM_CFG_SYNTAX nesting too deep in request_route: the parser ran out of stack");
    assert.equal(errs.at(-1), "bad.cfg:3:18 SM_CFG_SYNTAX unexpected 'bar' after 'foo'");
  });
  test("garbage input gives errors, never an exception", () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const alphabet = 'ab$(){}[];,:="\'#!/*\n \t0123456789+-<>|&^~.@\\';
    for (let n = 0; n < 300; n++) {
      let text = "";
      for (let i = 0; i < 200; i++) text += alphabet[Math.floor(rnd() * alphabet.length)];
      const r = parseCfgSource(text, "fuzz.cfg", { readFile: () => ({ ok: false, missing: true, reason: "ENOENT" }) });
      for (const e of r.errors) assert.ok(e.pos?.line !== undefined && e.pos.column !== undefined && e.message.length > 0);
    }
  });
});

describe("error count", () => {
  test("errors all over a file are all reported, sorted by position", () => {
    const text = [
      "children=",
      "request_route {",
      "  xlog(1 2);",
      '  $var(a) = "x" +;',
      "  if ($a) { exit }",
      "}",
      "route[R] { route(); }",
      "route[R] { exit; }",
      "#!endif",
    ].join("\n");
    const errs = errorsOf(text);
    assert.deepEqual(
      errs.map((e) => e.split(" ").slice(0, 2).join(" ")),
      [
        "bad.cfg:1:10 SM_CFG_SYNTAX",
        "bad.cfg:3:10 SM_CFG_SYNTAX",
        "bad.cfg:4:18 SM_CFG_SYNTAX",
        "bad.cfg:5:17 SM_CFG_SYNTAX",
        "bad.cfg:7:18 SM_CFG_SYNTAX",
        "bad.cfg:8:1 SM_CFG_DUPLICATE_ROUTE",
        "bad.cfg:9:1 SM_CFG_SYNTAX",
      ],
    );
  });
});
