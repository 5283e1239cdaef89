import { describe, test } from "node:test";
import { assertCompat, compatCfg, type CompatCase } from "./support/compat.ts";
import { kamailioMissing } from "./support/kamailio.ts";

// Control flow under real Kamailio 5.6 and under sipmod: the same cfg, the same requests, the
// same replies. Each case states Kamailio's answer (checked against the real one).

const T = { timeout: 120_000, skip: kamailioMissing };
const u = (user: string) => `sip:${user}@127.0.0.1`;
const ok = (reason: string) => ({ code: 200, reason });

const ifelse: readonly CompatCase[] = [
  { name: "invite", req: { method: "INVITE", ruri: u("alice") }, kamailio: { code: 488, reason: "invite" } },
  { name: "message alice (&&)", req: { method: "MESSAGE", ruri: u("alice") }, kamailio: ok("message for alice") },
  { name: "message zed (||)", req: { method: "MESSAGE", ruri: u("zed") }, kamailio: { code: 202, reason: "message or bob" } },
  { name: "options bob (||)", req: { ruri: u("bob") }, kamailio: { code: 202, reason: "message or bob" } },
  { name: "x (&& binds tighter than ||)", req: { ruri: u("x") }, kamailio: ok("x, or y with INFO") },
  { name: "y without INFO", req: { ruri: u("y") }, kamailio: ok("else OPTIONS y") },
  { name: "y with INFO", req: { method: "INFO", ruri: u("y") }, kamailio: ok("x, or y with INFO") },
  { name: "nested if without braces", req: { ruri: u("nested") }, kamailio: ok("nested options") },
  { name: "nested else without braces", req: { method: "INFO", ruri: u("nested") }, kamailio: ok("nested other") },
  { name: "and keyword", req: { method: "INFO", ruri: u("and") }, kamailio: ok("and keyword") },
  { name: "and keyword false", req: { ruri: u("and") }, kamailio: ok("else OPTIONS and") },
  { name: "else", req: { ruri: u("zed") }, kamailio: ok("else OPTIONS zed") },
];

const switches: readonly CompatCase[] = [
  { name: "case a falls into b", req: { ruri: u("a") }, kamailio: ok("out=AB n=1 m=one") },
  { name: "case b breaks", req: { ruri: u("b") }, kamailio: ok("out=B n=1 m=one") },
  { name: "case c falls into default", req: { ruri: u("c") }, kamailio: ok("out=CD n=1 m=one") },
  { name: "default; int cases 2 and 3 share a body", req: { ruri: u("zz") }, kamailio: ok("out=D n=2 m=two-or-three") },
  { name: "last int case without break", req: { ruri: u("four") }, kamailio: ok("out=D n=4 m=four") },
  { name: "no int case matches, no default", req: { ruri: u("fiver") }, kamailio: ok("out=D n=5 m=") },
  { name: "exit inside a case", req: { method: "MESSAGE", ruri: u("a") }, kamailio: ok("message out=AB m=one") },
];

const loops: readonly CompatCase[] = [
  { name: "0 rounds", req: { ruri: u("0") }, kamailio: ok("i=0 s=") },
  { name: "5 rounds", req: { ruri: u("5") }, kamailio: ok("i=5 s=01234") },
  { name: "12 rounds", req: { ruri: u("12") }, kamailio: ok("i=12 s=01234567891011") },
  { name: "break", req: { ruri: u("break") }, kamailio: ok("i=4 s=123") },
  { name: "nested loops", req: { ruri: u("nested") }, kamailio: ok("i=3 s=10,20,21,") },
  { name: "limit not a number ({s.int} gives 0)", req: { ruri: u("abc") }, kamailio: ok("i=0 s=") },
  {
    // max_while_loops (default 100) ends the loop, and the script goes on.
    name: "150 rounds stop at 100",
    req: { ruri: u("150") },
    kamailio: ok(`i=100 s=${Array.from({ length: 100 }, (_, i) => i).join("")}`),
  },
];

const returns: readonly CompatCase[] = [
  { name: "return -1", req: { ruri: u("neg") }, kamailio: ok("after NEG rc=-1") },
  { name: "return 5", req: { ruri: u("pos") }, kamailio: ok("after POS rc=5") },
  { name: "return 0 stops the script", req: { ruri: u("zero") }, kamailio: "no reply" },
  { name: "route without return", req: { ruri: u("noret") }, kamailio: ok("after NORET rc=1") },
  { name: "bare return", req: { ruri: u("bare") }, kamailio: ok("after BARE rc=1") },
  { name: "return $var", req: { ruri: u("retvar") }, kamailio: ok("after RETVAR rc=7") },
  { name: "if (route) with -1", req: { ruri: u("ifneg") }, kamailio: ok("NEG false rc=-1") },
  { name: "if (route) with 5", req: { ruri: u("ifpos") }, kamailio: ok("POS true rc=5") },
  { name: "if (!route) with -1", req: { ruri: u("notneg") }, kamailio: ok("not NEG true") },
  { name: "if (route) with 0 stops the script", req: { ruri: u("ifzero") }, kamailio: "no reply" },
  { name: "exit in a route", req: { ruri: u("exit") }, kamailio: "no reply" },
  { name: "drop in a route", req: { ruri: u("drop") }, kamailio: "no reply" },
  { name: "reply then drop", req: { ruri: u("replydrop") }, kamailio: ok("replied then dropped") },
  { name: "return at top level", req: { ruri: u("toplevelreturn") }, kamailio: "no reply" },
  { name: "return -1 at top level", req: { ruri: u("toplevelneg") }, kamailio: "no reply" },
  { name: "nested routes", req: { ruri: u("nested") }, kamailio: ok("after OUTER rc=3 v=4") },
  { name: "$rc at the start", req: { ruri: u("rcinit") }, kamailio: ok("rc at start=0") },
  {
    name: "$rc after module functions",
    req: { ruri: u("rcmodule") },
    kamailio: ok("is_maxfwd_lt rc=-1 mf_process_maxfwd_header rc=1"),
  },
  {
    name: "$rc after a module function in an expression",
    req: { ruri: u("rcmoduleexpr") },
    kamailio: ok("in if rc=-1 as value v=-1 rc=-1"),
  },
  { name: "$rc after route() in an expression", req: { ruri: u("rcrouteexpr") }, kamailio: ok("rc=5 as value v=-1 rc=-1") },
  {
    name: "$rc after if, while, switch blocks",
    req: { ruri: u("rcblocks") },
    kamailio: ok("after if rc=-1 after while rc=-1 after switch rc=-1"),
  },
  { name: "assignment keeps $rc", req: { ruri: u("rcassign") }, kamailio: ok("rc after assignment=-1") },
  { name: "if on $rc", req: { ruri: u("rcif") }, kamailio: ok("rc is -1 rc=-1") },
  { name: "$retcode", req: { ruri: u("retcode") }, kamailio: ok("retcode=5") },
  { name: "end of request_route without reply", req: { ruri: u("fallthrough") }, kamailio: "no reply" },
  { name: "two replies: only the first is read", req: { ruri: u("slrc") }, kamailio: { code: 180, reason: "ringing" } },
  { name: "no case at all", req: { ruri: u("nothing") }, kamailio: "no reply" },
];

// Kamailio 5.6 sets $rc only for module functions and route(); its core functions (setflag,
// resetflag, isflagset, prefix, seturi, ...) leave $rc alone as statements, and leave it 0 when
// called inside an expression (checked with the real binary for every core function sipmod has).
const rcCore: readonly CompatCase[] = [
  {
    name: "$rc after core functions as statements",
    req: { ruri: u("rccore") },
    kamailio: ok("isflagset rc=5 setflag rc=5 prefix rc=5"),
  },
  {
    name: "$rc after a core function in an expression",
    req: { ruri: u("rccoreexpr") },
    kamailio: ok("false rc=0 true rc=0 as value v=-1 rc=0"),
  },
  {
    name: "$rc with core functions, module functions and route() in one expression",
    req: { ruri: u("rccoremix") },
    kamailio: ok("rc=0 1 5 0 0 5 0 v=3"),
  },
];

describe("compat: control flow", () => {
  test("if / else if / else", T, () => assertCompat(compatCfg("ifelse.cfg"), ifelse));
  test("switch", T, () => assertCompat(compatCfg("switch.cfg"), switches));
  test("while", T, () => assertCompat(compatCfg("while.cfg"), loops));
  test("return codes, $rc, exit, drop", T, () => assertCompat(compatCfg("return.cfg"), returns));
  test("$rc after core functions", T, () => assertCompat(compatCfg("return.cfg"), rcCore));
});
