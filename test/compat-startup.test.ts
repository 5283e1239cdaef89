import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kamailioMissing, kamailioStarts } from "./support/kamailio.ts";
import { startErrors } from "./support/with-server.ts";

// Start-up checks under real Kamailio 5.6 and under sipmod: a cfg that Kamailio refuses to start
// with (parse or fixup error) must stop sipmod too, and one that Kamailio runs must run under
// sipmod. Each case states what Kamailio does (checked against the real one).

const T = { timeout: 120_000, skip: kamailioMissing };

interface StartCase {
  readonly name: string;
  /** The cfg after the loadmodule lines of sl, pv, maxfwd and textops. */
  readonly cfg: string;
  readonly kamailio: "starts" | "refuses";
}

const MODULES = ['loadmodule "sl.so"', 'loadmodule "pv.so"', 'loadmodule "maxfwd.so"', 'loadmodule "textops.so"', ""].join("\n");
const route = (body: string) => `request_route {\n${body}\n    exit;\n}\n`;

/** Whether sipmod starts on the cfg text (the server is stopped at once), with its errors. */
const sipmodStarts = async (text: string): Promise<{ readonly started: boolean; readonly errors: string }> => {
  const dir = mkdtempSync(join(tmpdir(), "sipmod-compat-start-"));
  try {
    const file = join(dir, "start.cfg");
    writeFileSync(file, text);
    try {
      const errs = await startErrors({ file, listen: ["udp:127.0.0.1:0"], rpcListen: "127.0.0.1:0" });
      return { started: false, errors: errs.format() };
    } catch (e) {
      if (e instanceof Error && e.message === "the server started") return { started: true, errors: "" };
      throw e;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const check = async (cases: readonly StartCase[]): Promise<void> => {
  const problems: string[] = [];
  for (const c of cases) {
    const text = MODULES + c.cfg;
    const kam = await kamailioStarts(text);
    const sip = await sipmodStarts(text);
    const kamSays = kam.started ? "starts" : "refuses";
    const sipSays = sip.started ? "starts" : "refuses";
    if (kamSays !== c.kamailio) problems.push(`- ${c.name}: Kamailio ${kamSays}, the case says ${c.kamailio}\n${kam.log}`);
    if (sipSays !== kamSays) problems.push(`- ${c.name}: Kamailio ${kamSays}, sipmod ${sipSays}${sip.errors !== "" ? `\n${sip.errors}` : ""}`);
  }
  assert.equal(problems.join("\n"), "", "start-up differences");
};

const cases: readonly StartCase[] = [
  { name: "a valid cfg", cfg: route('    sl_send_reply("200", "OK");'), kamailio: "starts" },
  { name: "int + string constant", cfg: route('    $var(b) = 1 + "2";'), kamailio: "refuses" },
  { name: "< on string constants", cfg: route('    if ("abc" < "abd") { $var(x) = 1; }'), kamailio: "refuses" },
  { name: "unknown function", cfg: route("    no_such_function();"), kamailio: "refuses" },
  { name: "wrong number of parameters", cfg: route('    sl_send_reply("200");'), kamailio: "refuses" },
  { name: "missing semicolon", cfg: route('    $var(x) = 1\n    sl_send_reply("200", "OK");'), kamailio: "refuses" },
  { name: "duplicate route block", cfg: route("") + "route[A] { exit; }\nroute[A] { exit; }\n", kamailio: "refuses" },
  { name: "sl_send_reply in reply_route", cfg: route("") + 'reply_route {\n    sl_send_reply("200", "OK");\n}\n', kamailio: "refuses" },
  { name: "modparam of an unknown parameter", cfg: 'modparam("pv", "no_such_param", 1)\n' + route(""), kamailio: "refuses" },
  { name: "modparam before loadmodule", cfg: 'modparam("htable", "htable", "a=>size=4;")\n' + route(""), kamailio: "refuses" },
  { name: "unknown module", cfg: 'loadmodule "no_such_module.so"\n' + route(""), kamailio: "refuses" },
  { name: "flag 32", cfg: route("    setflag(32);"), kamailio: "refuses" },
  { name: "unknown transformation", cfg: route('    $var(x) = $(rU{s.nosuch});'), kamailio: "refuses" },
  { name: "unknown pseudo-variable", cfg: route('    $var(x) = $nosuchpv;'), kamailio: "refuses" },
  { name: "mod as the modulo operator", cfg: route("    $var(x) = 7 mod 3;"), kamailio: "starts" },
  { name: "eq and or keywords", cfg: route('    if ($rU eq "a" or $rU == "b") { $var(x) = 1; }'), kamailio: "starts" },
  { name: "; after a block", cfg: route('    if ($rU == "a") { $var(x) = 1; } else { $var(x) = 2; };'), kamailio: "starts" },
  { name: ". is not concatenation", cfg: route('    $var(x) = "a" . "b";'), kamailio: "refuses" },
];

// Kamailio 5.6 refuses these (parse or fixup error; the lone $ passes `kamailio -c` and fails at
// the real start); sipmod refuses them at load with the line and a hint.
const refused: readonly StartCase[] = [
  { name: "!~ operator (Kamailio has none)", cfg: route('    if ($rU !~ "a") { $var(x) = 1; }'), kamailio: "refuses" },
  { name: "% operator (Kamailio writes mod)", cfg: route("    $var(x) = 7 % 3;"), kamailio: "refuses" },
  {
    // A '$' that starts no pseudo-variable in a parameter that may hold pseudo-variables.
    name: "lone $ in a format parameter",
    cfg: route('    if (search_str("$fu", "example\\.com$")) { $var(x) = 1; }'),
    kamailio: "refuses",
  },
  { name: "+= assignment", cfg: route("    $var(x) = 1;\n    $var(x) += 1;"), kamailio: "refuses" },
  { name: ":= assignment", cfg: route("    $avp(x) := 1;"), kamailio: "refuses" },
  { name: "bare block", cfg: route("    { $var(x) = 1; }"), kamailio: "refuses" },
  { name: "lone $ in a reply reason", cfg: route('    sl_send_reply("200", "cost 5$");'), kamailio: "refuses" },
  { name: "$ before a digit in a header", cfg: route('    append_hf("X-Cost: $5\r\n");'), kamailio: "refuses" },
  { name: "$$ is a literal $", cfg: route('    sl_send_reply("200", "cost 5$$");'), kamailio: "starts" },
];

describe("compat: start-up checks", () => {
  test("Kamailio and sipmod refuse and accept the same cfgs", T, () => check(cases));
  test("operators, assignments, bare blocks and lone $ that Kamailio 5.6 refuses", T, () => check(refused));
});
