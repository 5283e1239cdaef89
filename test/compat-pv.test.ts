import { describe, test } from "node:test";
import { assertCompat, compatCfg, type CompatCase } from "./support/compat.ts";
import { kamailioMissing } from "./support/kamailio.ts";

// Pseudo-variables, headers, R-URI rewriting, flags, shared variables and transformations under
// real Kamailio 5.6 and under sipmod. The reply reason shows the values.

const T = { timeout: 120_000, skip: kamailioMissing };
const u = (user: string) => `sip:${user}@127.0.0.1`;
const ok = (reason: string) => ({ code: 200, reason });

const replies: readonly CompatCase[] = [
  { name: "code from an int var", req: { ruri: u("code"), method: "INVITE" }, kamailio: { code: 486, reason: "Busy code via INVITE" } },
  { name: "100 has no To tag", req: { ruri: u("trying"), method: "INVITE" }, kamailio: { code: 100, reason: "Trying", toTag: false } },
  {
    name: "Call-ID, CSeq, method, length",
    req: { ruri: u("ids") },
    kamailio: ok("ci=reply-pv-2@compat.test cs=1 rm=OPTIONS ml=256"),
  },
  {
    name: "From without display name",
    req: { ruri: u("from"), from: "sip:bob@example.org;tag=xyz" },
    kamailio: ok("fu=sip:bob@example.org fU=bob fd=example.org ft=xyz fn=<null>"),
  },
  {
    name: "To with display name and tag",
    req: { ruri: u("to"), to: "Carol <sip:carol@example.net>;tag=totag1" },
    kamailio: ok("tu=sip:carol@example.net tU=carol td=example.net tt=totag1 tn=Carol"),
  },
  { name: "User-Agent", req: { ruri: u("ua"), headers: ["User-Agent: compat-tester/1.0 (test)"] }, kamailio: ok("ua=compat-tester/1.0 (test)") },
  { name: "no User-Agent", req: { ruri: u("ua") }, kamailio: ok("ua=<null>") },
  { name: "source", req: { ruri: u("src") }, kamailio: ok("si=127.0.0.1 pr=udp Ri=127.0.0.1") },
  { name: "R-URI parts", req: { ruri: "sip:ruri@example.com" }, kamailio: ok("ru=sip:ruri@example.com rU=ruri rd=example.com rp=5060") },
  { name: "undefined values", req: { ruri: u("nulls") }, kamailio: ok("du=[<null>] tt=[<null>] rb=[] ua=[<null>] var=[0]") },
  {
    name: "body",
    req: { ruri: u("body"), method: "MESSAGE", headers: ["Content-Type: text/plain"], body: "hello there" },
    kamailio: ok("rb=[hello there]"),
  },
  { name: "reason without variables", req: { ruri: u("literal") }, kamailio: ok("no pv here: 100% plain") },
  { name: "reason that is one variable", req: { ruri: u("pvonly") }, kamailio: ok("reason from a var") },
  { name: "not handled", req: { ruri: u("who"), method: "SUBSCRIBE" }, kamailio: { code: 404, reason: "not handled: SUBSCRIBE to who" } },
];

const replyEdges: readonly CompatCase[] = [
  // Kamailio: a code variable holding a string is not converted; sl_send_reply sends 500 with the
  // given reason (sipmod too).
  { name: "code from a string var", req: { ruri: u("strcode") }, kamailio: { code: 500, reason: "from a string var" } },
  // Kamailio sends any code, even "099", without a To tag below 180 (sipmod too).
  { name: "code 99", req: { ruri: u("lowcode") }, kamailio: { code: 99, reason: "too low", toTag: false } },
  { name: "code 101", req: { ruri: u("code101") }, kamailio: { code: 101, reason: "early", toTag: false } },
  { name: "code 1486 (last three digits)", req: { ruri: u("code1486") }, kamailio: { code: 486, reason: "last three digits", toTag: true } },
  // Kamailio's $fn keeps the quotes of a quoted display name.
  {
    name: "From with a quoted display name",
    req: { ruri: u("from"), from: '"Alice Smith" <sip:alice@example.com:5061;transport=udp>;tag=abc123' },
    kamailio: ok('fu=sip:alice@example.com:5061;transport=udp fU=alice fd=example.com ft=abc123 fn="Alice Smith"'),
  },
  // Kamailio 5.6: a reason starting with a pseudo-variable is that variable alone.
  { name: "reason that starts with a variable", req: { ruri: u("pvfirst") }, kamailio: ok("pvfirst") },
  { name: "reason that starts with an unset variable", req: { ruri: u("pvnull") }, kamailio: ok("Internal Server Error") },
];

const FOO3 = ["X-Foo: one", "x-foo: two", "X-FOO: three"];
const headers: readonly CompatCase[] = [
  { name: "first of three, any case of the name", req: { ruri: u("foo"), headers: FOO3 }, kamailio: ok("foo=[one] lower=[one]") },
  { name: "n-th and last", req: { ruri: u("nth"), headers: FOO3 }, kamailio: ok("0=[one] 1=[two] last=[three]") },
  { name: "all", req: { ruri: u("all"), headers: ["X-Foo: one", "x-foo: two, 2b", "X-FOO: three"] }, kamailio: ok("all=[one,two, 2b,three]") },
  { name: "missing", req: { ruri: u("missing") }, kamailio: ok("none=[<null>] ua=[<null>]") },
  {
    name: "Call-ID, From, To",
    req: { ruri: u("ids"), from: "Alice <sip:alice@a.example>;tag=f1", to: "<sip:bob@b.example>" },
    kamailio: ok("ci=[hdr-4@compat.test] fu=[sip:alice@a.example] tu=[sip:bob@b.example] fU=[alice] tU=[bob]"),
  },
  { name: "standard headers", req: { ruri: u("std"), headers: ["Content-Type: text/plain"] }, kamailio: ok("cseq=[1 OPTIONS] mf=[70] ct=[text/plain]") },
  { name: "into a variable", req: { ruri: u("var"), headers: ["X-Foo: v1"] }, kamailio: ok("var=[v1]") },
  { name: "missing into a variable", req: { ruri: u("var") }, kamailio: ok("var=[0]") },
];

const headerSpaces: readonly CompatCase[] = [
  // Kamailio keeps the trailing white space of a header value (sipmod too).
  { name: "trailing spaces of User-Agent", req: { ruri: u("ua"), headers: ["User-Agent:   spaced agent  "] }, kamailio: ok("ua=[spaced agent  ] hdr=[spaced agent  ]") },
  { name: "trailing spaces of a header", req: { ruri: u("spaces"), headers: ["X-Spaces:    a  b   "] }, kamailio: ok("sp=[a  b   ]") },
  { name: "trailing tab and spaces", req: { ruri: u("spaces"), headers: ["X-Spaces:\t a  b \t "] }, kamailio: ok("sp=[a  b \t ]") },
  {
    name: "n-th and all, each with its spaces",
    req: { ruri: u("nth"), headers: ["X-Foo: one  ", "x-foo:  two  ", "X-FOO: three   "] },
    kamailio: ok("0=[one  ] 1=[two  ] last=[three   ]"),
  },
  { name: "all joined", req: { ruri: u("all"), headers: ["X-Foo: one  ", "x-foo:  two, 2b ", "X-FOO: three"] }, kamailio: ok("all=[one  ,two, 2b ,three]") },
  {
    name: "standard headers",
    req: { ruri: u("std"), headers: ["Content-Type: text/plain  "], set: { CSeq: "1 OPTIONS  " } },
    kamailio: ok("cseq=[1 OPTIONS  ] mf=[70] ct=[text/plain  ]"),
  },
];

const ruri: readonly CompatCase[] = [
  { name: "$ru =", req: { ruri: u("ru") }, kamailio: ok("ru=sip:bob@example.com:5080;transport=udp rU=bob rd=example.com rp=5080") },
  { name: "$rU =", req: { ruri: u("user") }, kamailio: ok("ru=sip:carol@127.0.0.1") },
  { name: "$rd =", req: { ruri: u("domain") }, kamailio: ok("ru=sip:domain@example.net") },
  { name: "$rp =", req: { ruri: u("port") }, kamailio: ok("ru=sip:port@127.0.0.1:5090 rp=5090") },
  { name: "seturi", req: { ruri: u("seturi") }, kamailio: ok("ru=sip:dave@example.org rU=dave") },
  { name: "setuser", req: { ruri: u("setuser") }, kamailio: ok("ru=sip:erin@127.0.0.1") },
  { name: "sethost", req: { ruri: u("sethost") }, kamailio: ok("ru=sip:sethost@example.com") },
  { name: "sethostport", req: { ruri: u("sethostport") }, kamailio: ok("ru=sip:sethostport@example.com:6000") },
  { name: "setport", req: { ruri: u("setport") }, kamailio: ok("ru=sip:setport@127.0.0.1:7000") },
  { name: "prefix", req: { ruri: u("prefix") }, kamailio: ok("ru=sip:00prefix@127.0.0.1 rU=00prefix") },
  { name: "strip", req: { ruri: u("strip123") }, kamailio: ok("ru=sip:ip123@127.0.0.1 rU=ip123") },
  { name: "strip_tail", req: { ruri: u("striptail") }, kamailio: ok("ru=sip:strip@127.0.0.1") },
  { name: "revert_uri", req: { ruri: u("revert") }, kamailio: ok("ru=sip:revert@127.0.0.1") },
  { name: "$rU twice", req: { ruri: u("twice") }, kamailio: ok("ru=sip:second@127.0.0.1 rU=second") },
  { name: "rewriteuser, rewritehost", req: { ruri: u("rewrite") }, kamailio: ok("ru=sip:frank@example.com") },
  { name: "$rU = keeps port and params", req: { ruri: "sip:user@example.com:5070;transport=udp" }, kamailio: ok("ru=sip:carol@example.com:5070;transport=udp") },
  { name: "$rU = keeps lr and maddr", req: { ruri: "sip:user@example.com;lr;maddr=192.0.2.1" }, kamailio: ok("ru=sip:carol@example.com;lr;maddr=192.0.2.1") },
  { name: "no case", req: { ruri: "sip:nobody@example.com" }, kamailio: { code: 404, reason: "no case ru=sip:nobody@example.com" } },
];

const ruriHeaders: readonly CompatCase[] = [
  // Kamailio routes a request whose R-URI carries headers (?X=1); so does sipmod.
  { name: "R-URI with headers", req: { ruri: "sip:user@example.com?X=1" }, kamailio: ok("ru=sip:carol@example.com?X=1") },
  {
    name: "R-URI with params and headers",
    req: { ruri: "sip:user@example.com:5070;transport=udp;lr?Subject=x&Y=2" },
    kamailio: ok("ru=sip:carol@example.com:5070;transport=udp;lr?Subject=x&Y=2"),
  },
];

const flags: readonly CompatCase[] = [
  { name: "set 2, set and reset 7", req: { ruri: u("set") }, kamailio: ok("r=2 not7") },
  { name: "flags start cleared", req: { ruri: u("plain") }, kamailio: ok("r=not2 not7") },
  { name: "flag 31", req: { ruri: u("high") }, kamailio: ok("r=31 not2 not7") },
  { name: "set again", req: { ruri: u("set") }, kamailio: ok("r=2 not7") },
  { name: "cleared again", req: { ruri: u("plain") }, kamailio: ok("r=not2 not7") },
];

const shv: readonly CompatCase[] = [
  { name: "initial values", req: { ruri: u("show") }, kamailio: ok("cnt=5 greet=hello unset=0") },
  { name: "increment", req: { ruri: u("inc") }, kamailio: ok("cnt=6 greet=hello unset=0") },
  { name: "increment again", req: { ruri: u("inc") }, kamailio: ok("cnt=7 greet=hello unset=0") },
  { name: "kept across messages", req: { ruri: u("show") }, kamailio: ok("cnt=7 greet=hello unset=0") },
  { name: "string", req: { ruri: u("set"), from: "<sip:zoe@example.com>;tag=z" }, kamailio: ok("cnt=7 greet=hi zoe unset=0") },
  { name: "increment after string", req: { ruri: u("inc") }, kamailio: ok("cnt=8 greet=hi zoe unset=0") },
  // One Call-ID: with children=2 both meet the same receiver thread, whose $var it is.
  { name: "$var kept by the process", req: { ruri: u("var") }, kamailio: ok("var=1"), callId: "var-kept@compat.test" },
  { name: "$var kept by the process again", req: { ruri: u("var") }, kamailio: ok("var=2"), callId: "var-kept@compat.test" },
  { name: "$avp, $xavp per message", req: { ruri: u("avp") }, kamailio: ok("r=before=/ after=again/set/field") },
  { name: "$avp, $xavp gone with the message", req: { ruri: u("avp") }, kamailio: ok("r=before=/ after=again/set/field") },
];

const shvNull: readonly CompatCase[] = [
  // Kamailio: $shv(x) = $null leaves a value printed as an empty string (sipmod stores "").
  { name: "$null assigned", req: { ruri: u("null") }, kamailio: ok("cnt=5 greet= unset=0") },
  { name: "$null kept", req: { ruri: u("show") }, kamailio: ok("cnt=5 greet= unset=0") },
];

const transforms: readonly CompatCase[] = [
  { name: "s.len s.tolower s.toupper", req: { ruri: u("basic") }, kamailio: ok("len=11 lower=hello world upper=HELLO WORLD") },
  { name: "s.substr", req: { ruri: u("substr") }, kamailio: ok("a=bcd b=abcdefgh c=fgh d=fg e=fgh") },
  {
    name: "s.select",
    req: { ruri: u("select"), from: "<sip:alice@example.com>;tag=1", headers: ["X-List: a,b,c,d"] },
    kamailio: ok("a=sip:alice b=example.com c=c d=d"),
  },
  { name: "s.strip", req: { ruri: u("strip") }, kamailio: ok("a=4912345 b=[] c=+4912345") },
  { name: "s.int", req: { ruri: u("int") }, kamailio: ok("n=43 m=0") },
  {
    name: "chained",
    req: { ruri: u("chain"), from: "<sip:alice@mail.example.com>;tag=1", headers: ["X-Name: BobSmith"] },
    kamailio: ok("a=8 b=BOB c=mail"),
  },
  { name: "variable arguments", req: { ruri: u("vararg") }, kamailio: ok("a=2345") },
  { name: "on an int", req: { ruri: u("intlen") }, kamailio: ok("len=5 sub=23") },
  { name: "assigned", req: { ruri: u("assign") }, kamailio: ok("x=ASSIGN y=12") },
];

const transformEdges: readonly CompatCase[] = [
  // Kamailio: out-of-range s.substr is cut to the end of the string or gives "", out-of-range
  // s.select gives "", and a string transformation of an undefined value gives "" (sipmod matches).
  { name: "s.substr out of range", req: { ruri: u("substrout") }, kamailio: ok("a=[gh] b=[] c=[]") },
  { name: "s.select out of range", req: { ruri: u("selectout"), headers: ["X-List: a,b,c,d"] }, kamailio: ok("a=[] b=[]") },
  { name: "of an undefined value", req: { ruri: u("null") }, kamailio: ok("len=[] lower=[]") },
];

describe("compat: pseudo-variables", () => {
  test("replies built from pseudo-variables", T, () => assertCompat(compatCfg("reply-pv.cfg"), replies));
  test("replies: code and reason edges, quoted display names", T, () => assertCompat(compatCfg("reply-pv.cfg"), replyEdges));
  test("headers", T, () => assertCompat(compatCfg("hdr.cfg"), headers));
  test("headers: trailing white space", T, () => assertCompat(compatCfg("hdr.cfg"), headerSpaces));
  test("R-URI rewriting", T, () => assertCompat(compatCfg("ruri.cfg"), ruri));
  test("R-URI with URI headers", T, () => assertCompat(compatCfg("ruri.cfg"), ruriHeaders));
  test("flags", T, () => assertCompat(compatCfg("flags.cfg"), flags));
  test("shared variables", T, () => assertCompat(compatCfg("shv.cfg"), shv));
  test("shared variables set to $null", T, () => assertCompat(compatCfg("shv.cfg"), shvNull));
  test("transformations", T, () => assertCompat(compatCfg("transform.cfg"), transforms));
  test("transformations out of range and of undefined values", T, () => assertCompat(compatCfg("transform.cfg"), transformEdges));
});
