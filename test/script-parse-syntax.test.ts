import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Effect, Either } from "effect";
import { parseCfgSource, parseCfgText } from "../core/script/parse-cfg.ts";
import { formatExpr, formatStmt } from "../core/script/ast-print.ts";
import type { CfgFile, Expr, ParamGlobal, Stmt } from "../core/script/ast.ts";
import { scanPv } from "../core/script/parse-pv.ts";

const FILE = "inline.cfg";

const parseOk = (text: string, defines: Record<string, string> = {}): CfgFile => {
  const r = parseCfgSource(text, FILE, { defines });
  assert.deepEqual(r.errors.map((e) => e.format()), [], "no errors expected");
  return r.cfg;
};

/** The statements of `request_route { <body> }`. */
const body = (stmts: string, defines: Record<string, string> = {}): readonly Stmt[] =>
  parseOk(`request_route {\n${stmts}\n}\n`, defines).blocks[0]!.body;

/** The value expression of `$var(r) = <expr>;`. */
const expr = (e: string): Expr => {
  const s = body(`$var(r) = ${e};`)[0]!;
  assert.equal(s.kind, "assign");
  return s.kind === "assign" ? s.value : assert.fail();
};
const grouped = (e: string): string => formatExpr(expr(e));

const params = (text: string): Map<string, ParamGlobal["value"]> =>
  new Map(parseOk(text).globals.flatMap((g) => (g.type === "param" ? [[g.name, g.value] as const] : [])));

describe("operator precedence (Kamailio's table)", () => {
  test("|| below && below comparison below arithmetic", () => {
    assert.equal(grouped("$a == 1 || $b > 2 && !$c"), "(($a == 1) || (($b > 2) && (!$c)))");
    assert.equal(grouped("1 + 2 * 3 - 4 / 2 mod 3"), "((1 + (2 * 3)) - ((4 / 2) % 3))");
    assert.equal(grouped("$a + 1 == $b - 1"), "(($a + 1) == ($b - 1))");
    assert.equal(grouped("$a < 1 == $b >= 2"), "(($a < 1) == ($b >= 2))");
  });
  test("bit operators bind looser than comparisons (| < & < ^ < << < >>)", () => {
    assert.equal(grouped("$a | $b & $c ^ $d"), "($a | ($b & ($c ^ $d)))");
    assert.equal(grouped("$a & 1 == 1"), "($a & (1 == 1))");
    assert.equal(grouped("1 << 2 >> 3"), "(1 << (2 >> 3))");
    assert.equal(grouped("$a || $b | $c"), "($a || ($b | $c))");
  });
  test("left associativity", () => {
    assert.equal(grouped("10 - 4 - 3"), "((10 - 4) - 3)");
    assert.equal(grouped("$a && $b && $c"), "(($a && $b) && $c)");
  });
  test("unary operators, defined, casts, parentheses", () => {
    assert.equal(grouped("!defined $avp(x) && ~$v == -1"), "((!(defined $avp(x))) && ((~$v) == -1))");
    assert.equal(grouped("-$var(x) * 2"), "((-$var(x)) * 2)");
    assert.equal(grouped("(int)$var(s) + (str)1"), "(((int)$var(s)) + ((str)1))");
    assert.equal(grouped("($a || $b) && $c"), "(($a || $b) && $c)");
    assert.equal(grouped("!(!$a)"), "(!(!$a))");
  });
  test("word operators: and, or, not, mod, eq, ne, ieq, ine", () => {
    assert.equal(grouped("not $a and $b or $c"), "(((!$a) && $b) || $c)");
    assert.equal(grouped("$a mod 3"), "($a % 3)");
    assert.equal(grouped("$a eq $b"), "($a eq $b)");
    assert.equal(grouped("$a ne \"x\" && $n ieq 1 || $n ine 2"), '((($a ne "x") && ($n ieq 1)) || ($n ine 2))');
  });
  test("regex match and strlen/strempty", () => {
    assert.equal(grouped('$rU =~ "^[0-9]+$" && strlen($rU) > 3 || strempty($fU)'), '((($rU =~ "^[0-9]+$") && (strlen($rU) > 3)) || strempty($fU))');
    assert.equal(grouped('!($ua =~ "scanner")'), '(!($ua =~ "scanner"))');
  });
});

describe("literals", () => {
  test("integers: decimal, negative, hex, octal, binary, yes/no", () => {
    const ints = ["42", "-7", "0x1F", "010", "101b", "yes", "off"].map((t) => {
      const e = expr(t);
      return e.kind === "int" ? e.value : undefined;
    });
    assert.deepEqual(ints, [42, -7, 31, 8, 5, 1, 0]);
  });
  test("strings: escapes, raw text kept, single quotes literal, adjacent strings joined", () => {
    const s = expr('"a\\tb\\n\\"q\\" \\\\ \\x41\\101 \\+ $rU"');
    assert.ok(s.kind === "str");
    if (s.kind !== "str") return;
    assert.equal(s.value, 'a\tb\n"q" \\ AA \\+ $rU');
    assert.equal(s.raw, 'a\\tb\\n\\"q\\" \\\\ \\x41\\101 \\+ $rU');
    const q = expr("'no \\n escapes'");
    assert.ok(q.kind === "str" && q.value === "no \\n escapes" && q.quote === "'");
    const joined = expr('"part1;"\n   "part2"');
    assert.ok(joined.kind === "str" && joined.value === "part1;part2");
  });
  test("a multi-line string keeps its line break; positions after it are right", () => {
    const stmts = body('xlog("line1\nline2");\nexit;');
    assert.equal(stmts[1]!.kind, "exit");
    assert.deepEqual(stmts[1]!.pos, { file: FILE, line: 4, column: 1 });
    const call = stmts[0]!;
    assert.ok(call.kind === "call" && call.args[0]!.kind === "str" && call.args[0]!.value === "line1\nline2");
  });
  test("IPv4 addresses, with a mask, and idents such as myself/uri/src_ip", () => {
    assert.equal(grouped("src_ip == 10.0.0.0/8 || src_ip != 127.0.0.1"), "((src_ip == 10.0.0.0/8) || (src_ip != 127.0.0.1))");
    assert.equal(grouped("uri == myself && from_uri != myself"), "((uri == myself) && (from_uri != myself))");
    const ip = expr("192.168.1.1");
    assert.equal(ip.kind, "ip");
  });
  test("selects are kept as text", () => {
    const e = expr("@via[1].branch");
    assert.ok(e.kind === "select" && e.text === "@via[1].branch");
  });
});

describe("pseudo-variables", () => {
  test("plain, with inner name, nested parentheses and => inside", () => {
    const pv = (t: string) => {
      const e = expr(t);
      assert.equal(e.kind, "pv");
      return e.kind === "pv" ? e : assert.fail();
    };
    assert.deepEqual([pv("$rU").name, pv("$rU").inner], ["rU", undefined]);
    assert.deepEqual([pv("$T_reply_code").name], ["T_reply_code"]);
    assert.deepEqual([pv("$var(x)").name, pv("$var(x)").inner], ["var", "x"]);
    assert.deepEqual([pv("$sht(tbl=>key)").name, pv("$sht(tbl=>key)").inner], ["sht", "tbl=>key"]);
    assert.deepEqual(pv("$sht(ipban=>$var(k))").inner, "ipban=>$var(k)");
    assert.deepEqual(pv("$xavp(a[0]=>b)").inner, "a[0]=>b");
    assert.deepEqual([pv("$T(id_index)").name, pv("$T(id_index)").inner], ["T", "id_index"]);
    assert.deepEqual(pv("$hdr(Via)").inner, "Via");
    assert.deepEqual(pv("$sht(t=>$(var(a){s.len}))").inner, "t=>$(var(a){s.len})");
  });
  test("transformations: $var(x){s.len}, chains with arguments, $(ru{s.tolower}), index", () => {
    const e = expr("$var(x){s.substr,0,3}{s.len}");
    assert.ok(e.kind === "pv");
    if (e.kind !== "pv") return;
    assert.deepEqual(e.transforms, [
      { name: "s.substr", args: ["0", "3"], text: "s.substr,0,3" },
      { name: "s.len", args: [], text: "s.len" },
    ]);
    assert.equal(e.braced, false);
    const b = expr("$(ru{s.tolower})");
    assert.ok(b.kind === "pv" && b.braced && b.name === "ru" && b.transforms[0]!.name === "s.tolower");
    const h = expr("$(hdr(Via)[0]{s.select,1,;})");
    assert.ok(h.kind === "pv" && h.inner === "Via" && h.index === "0" && h.transforms[0]!.args.join("|") === "1|;");
    const n = expr("$(avp(x)[*])");
    assert.ok(n.kind === "pv" && n.index === "*");
  });
  test("transformations nested in transformation arguments", () => {
    const e = expr("$(var(x){s.replace,$(var(a){s.len}),b})");
    assert.ok(e.kind === "pv" && e.transforms[0]!.args[0] === "$(var(a){s.len})");
  });
  test("a PV followed by a block brace is not a transformation", () => {
    const stmts = body("if ($var(a)){ exit; }");
    assert.equal(stmts[0]!.kind, "if");
  });
  test("scanPv works on string contents (for the binder)", () => {
    const s = "user=$rU@$(fd{s.tolower}) $sht(t=>$si)!";
    const found: string[] = [];
    for (let i = s.indexOf("$"); i >= 0; i = s.indexOf("$", i + 1)) {
      const r = scanPv(s, i);
      if (r.ok) {
        found.push(r.pv.text);
        i = r.end - 1;
      }
    }
    assert.deepEqual(found, ["$rU", "$(fd{s.tolower})", "$sht(t=>$si)"]);
  });
});

describe("statements", () => {
  test("if / else if / else chains, single statements without braces", () => {
    const s = body(`if (is_method("INVITE")) { exit; } else if (!t_check_trans()) drop; else return;`)[0]!;
    assert.equal(formatStmt(s).split("\n")[0], 'if is_method("INVITE") {');
    assert.ok(s.kind === "if" && s.else?.kind === "if" && s.else.else?.kind === "return" && s.else.then.kind === "drop");
  });
  test("switch: int and string cases, fallthrough (empty case bodies), default, regex case", () => {
    const s = body(`switch ($var(rc)) {
      case -1:
      case -3:
        send_reply("404", "Not Found");
        exit;
      case 2:
        break;
      case "abc":
        xlog("s\\n");
      case /"^x.*":
      default:
        exit;
    }`)[0]!;
    assert.ok(s.kind === "switch");
    if (s.kind !== "switch") return;
    assert.equal(formatExpr(s.subject), "$var(rc)");
    assert.deepEqual(
      s.clauses.map((c) => (c.kind === "default" ? `default:${c.body.length}` : `${c.regex ? "re " : ""}${formatExpr(c.value)}:${c.body.length}`)),
      ["-1:0", "-3:2", "2:1", '"abc":1', 're "^x.*":0', "default:1"],
    );
  });
  test("while with a block and with a single statement", () => {
    const [a, b] = body(`while ($var(i) < 10) { $var(i) = $var(i) + 1; }\nwhile ($var(j) > 0) $var(j) = $var(j) - 1;`);
    assert.ok(a!.kind === "while" && a.body.kind === "block" && b!.kind === "while" && b.body.kind === "assign");
  });
  test("return forms", () => {
    const s = body("return;\nreturn 1;\nreturn(-1);\nreturn $var(x);\nreturn (1 + 2);");
    assert.deepEqual(
      s.map((x) => (x.kind === "return" ? (x.value === undefined ? "-" : formatExpr(x.value)) : "?")),
      ["-", "1", "-1", "$var(x)", "(1 + 2)"],
    );
  });
  test("exit, drop, break, exit()", () => {
    const s = body("exit;\ndrop;\nexit();\ndrop(1);\nwhile(1) { break; }");
    assert.deepEqual(s.map((x) => x.kind), ["exit", "drop", "exit", "drop", "while"]);
    assert.ok(s[3]!.kind === "drop" && s[3]!.value?.kind === "int");
  });
  test("route calls: bare name, quoted name, number, dynamic", () => {
    const s = body('route(RELAY);\nroute("QUOTED");\nroute(1);\nroute($var(rn));\nroute($rU + "_x");');
    assert.deepEqual(
      s.map((x) => (x.kind === "route_call" ? `${x.name ?? "?"}|${x.target.kind}` : x.kind)),
      ["RELAY|ident", "QUOTED|str", "1|int", "?|pv", "?|binary"],
    );
  });
  test("assignment to any pseudo-variable", () => {
    const s = body('$var(a) = 1;\n$avp(b) = $null;\n$xavp(r=>f) = "v";\n$sht(t=>$si) = $var(a) + 1;\n$(avp(c)[0]) = 2;');
    assert.deepEqual(
      s.map((x) => (x.kind === "assign" ? `${x.target.text} ${x.op} ${formatExpr(x.value)}` : x.kind)),
      ["$var(a) = 1", "$avp(b) = $null", '$xavp(r=>f) = "v"', "$sht(t=>$si) = ($var(a) + 1)", "$(avp(c)[0]) = 2"],
    );
  });
  test("what Kamailio 5.6 refuses: :=, +=, !~, %, a bare block (errors with line, column and a hint)", () => {
    const r = parseCfgSource('request_route {\n$avp(b) := 1;\n$var(s) += "x";\nif ($ua !~ "x") exit;\n$var(m) = 7 % 3;\n{ exit; }\n}\n', FILE, {});
    assert.deepEqual(
      r.errors.map((e) => e.format().split("\n")[0]),
      [
        "inline.cfg:2:9: error SM_CFG_SYNTAX: ':=' is not an assignment of Kamailio 5.6",
        "inline.cfg:3:9: error SM_CFG_SYNTAX: '+=' is not an assignment of Kamailio 5.6",
        "inline.cfg:4:9: error SM_CFG_SYNTAX: Kamailio 5.6 has no '!~' operator",
        "inline.cfg:5:13: error SM_CFG_SYNTAX: '%' is not an operator of Kamailio 5.6",
        "inline.cfg:6:1: error SM_CFG_SYNTAX: a { } block on its own is not a statement (Kamailio 5.6 refuses it)",
      ],
    );
    assert.ok(r.errors.every((e) => e.format().includes("fix: ")));
  });
  test("function calls: string, int, negative, PV, bare identifier and unquoted address arguments; bare name", () => {
    const s = body('xlog("L_INFO", "hi $rU\\n");\nsetflag(5);\nt_set_fr(-1, 0x10);\nsl_send_reply($var(code), "x");\nxlog(L_ALERT, "a");\nforce_send_socket(udp:10.0.0.1:5060);\nt_relay;');
    assert.deepEqual(
      s.map((x) => (x.kind === "call" ? `${x.name}(${x.args.map((a) => `${a.kind}:${formatExpr(a)}`).join(",")})${x.parens ? "" : "!"}` : x.kind)),
      [
        'xlog(str:"L_INFO",str:"hi $rU\\n")',
        "setflag(int:5)",
        "t_set_fr(int:-1,int:0x10)",
        'sl_send_reply(pv:$var(code),str:"x")',
        'xlog(ident:L_ALERT,str:"a")',
        "force_send_socket(ident:udp:10.0.0.1:5060)",
        "t_relay()!",
      ],
    );
  });
  test("calls as expressions in conditions", () => {
    const s = body('if(!t_check_trans() && is_method("INVITE|BYE")) exit;')[0]!;
    assert.ok(s.kind === "if");
    if (s.kind === "if") assert.equal(formatExpr(s.cond), '((!t_check_trans()) && is_method("INVITE|BYE"))');
  });
  test("extra ';' are empty statements; blocks nest under if", () => {
    const s = body(";;if (1) { if (2) { exit; } ; }");
    assert.equal(s.length, 1);
    assert.ok(s[0]!.kind === "if" && s[0]!.then.kind === "block" && s[0]!.then.body[0]!.kind === "if");
  });
  test("positions of statements and expressions (1-based line and column)", () => {
    const s = body('\tif ($var(a) == 1) {\n\t\txlog("x");\n\t}');
    assert.deepEqual(s[0]!.pos, { file: FILE, line: 2, column: 2 });
    if (s[0]!.kind !== "if") return assert.fail();
    assert.deepEqual(s[0]!.cond.pos, { file: FILE, line: 2, column: 6 });
    const cond = s[0]!.cond;
    assert.ok(cond.kind === "binary");
    if (cond.kind === "binary") assert.deepEqual(cond.right.pos, { file: FILE, line: 2, column: 17 });
    const then = s[0]!.then;
    assert.ok(then.kind === "block");
    if (then.kind === "block") assert.deepEqual(then.body[0]!.pos, { file: FILE, line: 3, column: 3 });
  });
});

describe("route blocks", () => {
  test("every built-in block kind, quoted and bare names, generic module blocks", () => {
    const cfg = parseOk(`
route { exit; }
route[R1] { exit; }
route["R2"] { exit; }
reply_route { drop; }
onreply_route[REP] { exit; }
failure_route[FAIL] { exit; }
branch_route[BR] { exit; }
onsend_route { exit; }
event_route[core:pre-routing] { drop; }
event_route[tm:local-request] { exit; }
event_route [ tm:branch-failure:x ] { exit; }
xhttp_route[web] { exit; }
my_block { exit; }
`);
    assert.deepEqual(
      cfg.blocks.map((b) => `${b.type}:${b.keyword}:${b.name ?? ""}`),
      [
        "request:route:",
        "route:route:R1",
        "route:route:R2",
        "reply:reply_route:",
        "onreply:onreply_route:REP",
        "failure:failure_route:FAIL",
        "branch:branch_route:BR",
        "onsend:onsend_route:",
        "event:event_route:core:pre-routing",
        "event:event_route:tm:local-request",
        "event:event_route:tm:branch-failure:x",
        "generic:xhttp_route:web",
        "generic:my_block:",
      ],
    );
    assert.deepEqual(cfg.blocks[2]!.namePos, { file: FILE, line: 4, column: 7 });
  });
  test("onreply_route without a name is the core reply route", () => {
    const cfg = parseOk("onreply_route { exit; }");
    assert.equal(cfg.blocks[0]!.type, "reply");
  });
  test("a defined name in a route name is replaced", () => {
    const cfg = parseOk('#!define MAIN "REAL"\nroute[MAIN] { exit; }\nrequest_route { route(MAIN); }');
    assert.equal(cfg.blocks[0]!.name, "REAL");
    const call = cfg.blocks[1]!.body[0]!;
    assert.ok(call.kind === "route_call" && call.name === "REAL");
  });
});

describe("global parameters", () => {
  test("listen forms", () => {
    const cfg = parseOk(`listen=udp:127.0.0.1:5060
listen=tcp:[::1]:5061 advertise 1.2.3.4:5070 name "s1"
listen = 127.0.0.1
listen=udp:eth0:5062 virtual
listen="tls:10.0.0.1:5061"
alias=sip.example.com:5060
`);
    const ls = cfg.globals.flatMap((g) => (g.type === "param" && typeof g.value === "object" ? [g.value] : []));
    assert.deepEqual(
      ls.map((l) => [l.proto, l.host, l.port, l.advertise?.text, l.name, l.virtual, l.text]),
      [
        ["udp", "127.0.0.1", 5060, undefined, undefined, undefined, "udp:127.0.0.1:5060"],
        ["tcp", "::1", 5061, "1.2.3.4:5070", "s1", undefined, "tcp:[::1]:5061"],
        [undefined, "127.0.0.1", undefined, undefined, undefined, undefined, "127.0.0.1"],
        ["udp", "eth0", 5062, undefined, undefined, true, "udp:eth0:5062"],
        ["tls", "10.0.0.1", 5061, undefined, undefined, undefined, "tls:10.0.0.1:5061"],
        [undefined, "sip.example.com", 5060, undefined, undefined, undefined, "sip.example.com:5060"],
      ],
    );
    const adv = ls[1]!.advertise!;
    assert.deepEqual([adv.host, adv.port], ["1.2.3.4", 5070]);
  });
  test("numbers, booleans, strings, bare words, repeated names in order", () => {
    const p = params(`debug=-1
children=8
fork=yes
log_stderror=no
log_facility=LOG_LOCAL0
mhomed=0x1
user_agent_header="User-Agent: x"
async_workers_group="name=a;workers=1"
async_workers_group="name=b;workers=2";
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
`);
    assert.equal(p.get("debug"), -1);
    assert.equal(p.get("children"), 8);
    assert.equal(p.get("fork"), true);
    assert.equal(p.get("log_stderror"), false);
    assert.equal(p.get("log_facility"), "LOG_LOCAL0");
    assert.equal(p.get("mhomed"), 1);
    assert.equal(p.get("user_agent_header"), "User-Agent: x");
    const cfg = parseOk('async_workers_group="name=a;workers=1"\nasync_workers_group="name=b;workers=2"\n');
    assert.deepEqual(
      cfg.globals.map((g) => (g.type === "param" ? g.value : null)),
      ["name=a;workers=1", "name=b;workers=2"],
    );
  });
  test("unknown parameter names are kept for the loader to judge", () => {
    const p = params("no_such_param = 3\n");
    assert.equal(p.get("no_such_param"), 3);
  });
  test("loadmodule and modparam forms", () => {
    const cfg = parseOk(`loadmodule "tm.so"
loadmodule "/usr/lib/x86_64-linux-gnu/kamailio/modules/tm.so"
loadmodule "async"
modparam("async","workers",2)
modparam("htable", "htable", "a=>size=8;")
modparam("tm", "fr_timer", -1)
modparam("auth_db", "calculate_ha1", yes)
modparam("acc", "log_extra", "a=$fU;"
   "b=$tU")
modparam("ctl", "mode", 0600)
`);
    assert.deepEqual(
      cfg.globals.map((g) => (g.type === "loadmodule" ? g.path : g.type === "modparam" ? `${g.module}/${g.param}=${JSON.stringify(g.value)}` : g.type)),
      [
        "tm.so",
        "/usr/lib/x86_64-linux-gnu/kamailio/modules/tm.so",
        "async",
        "async/workers=2",
        'htable/htable="a=>size=8;"',
        "tm/fr_timer=-1",
        "auth_db/calculate_ha1=1",
        'acc/log_extra="a=$fU;b=$tU"',
        "ctl/mode=384",
      ],
    );
    const mp = cfg.globals[3]!;
    assert.ok(mp.type === "modparam");
    if (mp.type === "modparam") assert.deepEqual(mp.valuePos, { file: FILE, line: 4, column: 28 });
  });
  test("loadmodulex / modparamx mark values whose pseudo-variables are to be evaluated", () => {
    const cfg = parseOk('loadmodulex "$env(MODS)/tm.so"\nmodparamx("tm", "fr_timer", "$env(FR)")\nloadmodule "sl.so"\n');
    assert.deepEqual(
      cfg.globals.map((g) => (g.type === "loadmodule" || g.type === "modparam" ? g.expand : null)),
      [true, true, undefined],
    );
  });
  test("custom cfg variables", () => {
    const cfg = parseOk('pstn.gw_ip = "" desc "PSTN GW Address"\nvoicemail.srv_port = 5060 descr "port"\nmy.flag = 1\n');
    assert.deepEqual(
      cfg.globals.map((g) => (g.type === "cfgvar" ? [g.group, g.name, g.value, g.description] : [])),
      [
        ["pstn", "gw_ip", "", "PSTN GW Address"],
        ["voicemail", "srv_port", 5060, "port"],
        ["my", "flag", 1, undefined],
      ],
    );
  });
});

describe("preprocessor", () => {
  test("#!define with and without value, #!ifdef/#!ifndef/#!else nesting, -D style defines", () => {
    const text = `#!define WITH_A
#!ifdef WITH_A
  #!ifdef WITH_B
children=1
  #!else
children=2
    #!ifndef WITH_C
debug=3
    #!endif
  #!endif
#!else
children=99
#!endif
`;
    assert.deepEqual([...params(text)], [["children", 2], ["debug", 3]]);
    const withB = parseCfgSource(text, FILE, { defines: { WITH_B: "" } }).cfg.globals;
    assert.deepEqual(withB.map((g) => (g.type === "param" ? [g.name, g.value] : [])), [["children", 1]]);
  });
  test("skipped text may contain anything (unbalanced quotes, SQL)", () => {
    assert.deepEqual([...params("#!ifdef NOPE\nALTER TABLE x ADD 'broken;\n\" also\n#!endif\nchildren=3\n")], [["children", 3]]);
  });
  test("#!trydef, #!redefine, #!undef, !! prefix, multi-line define", () => {
    const text = `#!define A 1
#!trydef A 2
#!trydef B 3
!!redefine A 4
#!define C 5
#!undef C
#!define LONG 1 + \\
   2
a=A
b=B
#!ifdef C
c=1
#!endif
request_route { $var(x) = LONG * 2; }
`;
    const cfg = parseOk(text);
    assert.deepEqual(
      cfg.globals.map((g) => (g.type === "param" ? [g.name, g.value] : [])),
      [
        ["a", 4],
        ["b", 3],
      ],
    );
    const s = cfg.blocks[0]!.body[0]!;
    assert.ok(s.kind === "assign" && formatExpr(s.value) === "(1 + (2 * 2))");
    assert.equal(cfg.defines.get("A"), "4");
    assert.equal(cfg.defines.has("C"), false);
  });
  test("a define is replaced as an identifier only, never inside strings, and may expand to several tokens", () => {
    const cfg = parseOk('#!define DBURL "mysql://u:p@h/db"\n#!define FLAGS 1|2\nmodparam("acc", "db_url", DBURL)\nrequest_route { xlog("DBURL"); setflag(FLAGS); }');
    const mp = cfg.globals[0]!;
    assert.ok(mp.type === "modparam" && mp.value === "mysql://u:p@h/db");
    const [x, f] = cfg.blocks[0]!.body as [Stmt, Stmt];
    assert.ok(x.kind === "call" && x.args[0]!.kind === "str" && x.args[0]!.value === "DBURL");
    assert.ok(f.kind === "call" && formatExpr(f.args[0]!) === "(1 | 2)");
  });
  test("a define that refers to itself is expanded once, not forever", () => {
    const cfg = parseOk("#!define LOOP LOOP + 1\nrequest_route { $var(x) = LOOP; }");
    const s = cfg.blocks[0]!.body[0]!;
    assert.ok(s.kind === "assign" && formatExpr(s.value) === "(LOOP + 1)");
  });
  test("#!subst, #!substdef, #!substdefs apply to strings and define names", () => {
    const cfg = parseOk(`#!subst "/DBPASS/secret/g"
#!substdef "!MYIP!10.0.0.9!"
#!substdefs "/MYNAME/srv1/"
modparam("acc", "db_url", "mysql://u:DBPASS@h/db?DBPASS")
modparam("x", "ip", "MYIP")
request_route { xlog("MYNAME MYIP"); $var(n) = MYNAME; }
`);
    const mps = cfg.globals.flatMap((g) => (g.type === "modparam" ? [g.value] : []));
    assert.deepEqual(mps, ["mysql://u:secret@h/db?secret", "10.0.0.9"]);
    const [x, n] = cfg.blocks[0]!.body as [Stmt, Stmt];
    assert.ok(x.kind === "call" && x.args[0]!.kind === "str" && x.args[0]!.value === "srv1 10.0.0.9");
    assert.ok(n.kind === "assign" && n.value.kind === "str" && n.value.value === "srv1");
  });
  test("#!subst with groups and ignore-case", () => {
    const cfg = parseOk('#!subst "/(a+)B/[\\1]/gi"\nmodparam("m", "p", "aab xAB")\n');
    const mp = cfg.globals[0]!;
    assert.ok(mp.type === "modparam" && mp.value === "[aa] x[A]");
  });
  test("#!defenv / #!defenvs / #!trydefenv read the environment", () => {
    const env = { SIP_PORT: "5080", SIP_HOST: "example.org" };
    const r = parseCfgSource(
      "#!defenv PORT=SIP_PORT\n#!defenvs HOST=SIP_HOST\n#!trydefenv MISSING_VAR\nport=PORT\nalias=HOST\n#!ifdef MISSING_VAR\nx=1\n#!endif\n",
      FILE,
      { env },
    );
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.cfg.globals.map((g) => (g.type === "param" ? [g.name, typeof g.value === "object" ? g.value.text : g.value] : [])),
      [
        ["port", 5080],
        ["alias", "example.org"],
      ],
    );
  });
  test("comments: #, //, nested /* */, #!KAMAILIO, escaped line breaks", () => {
    const cfg = parseOk(`#!KAMAILIO
# comment with "quote
// another 'one
/* block /* nested */ still comment
   children=99 */
children=\\
4
request_route { exit; # trailing
}`);
    assert.deepEqual(cfg.globals.map((g) => (g.type === "param" ? g.value : null)), [4]);
  });
});

describe("input encodings", () => {
  test("CRLF line ends, a byte order mark, an empty file", () => {
    const cfg = parseOk('\ufeff#!define X 1\r\nchildren=X\r\nrequest_route {\r\n  xlog("a\\\r\nb");\r\n  exit;\r\n}\r\n');
    assert.deepEqual(cfg.globals[0]!.pos, { file: FILE, line: 2, column: 1 });
    const [x, e] = cfg.blocks[0]!.body as [Stmt, Stmt];
    assert.ok(x.kind === "call" && x.args[0]!.kind === "str" && x.args[0]!.value === "ab");
    assert.deepEqual(e.pos, { file: FILE, line: 6, column: 3 });
    const empty = parseOk("");
    assert.deepEqual([empty.globals.length, empty.blocks.length], [0, 0]);
  });
});

describe("Effect API", () => {
  test("parseCfgText succeeds with the tree and fails with all errors", () => {
    const ok = Effect.runSync(Effect.either(parseCfgText("children=2\nrequest_route { exit; }\n", FILE)));
    assert.ok(Either.isRight(ok) && ok.right.blocks.length === 1);
    const bad = Effect.runSync(Effect.either(parseCfgText("request_route { exit }\nroute[X] { foo bar; }\n", FILE)));
    assert.ok(Either.isLeft(bad));
    if (Either.isLeft(bad)) {
      assert.equal(bad.left._tag, "SipmodErrors");
      assert.equal(bad.left.errors.length, 2);
    }
  });
});
