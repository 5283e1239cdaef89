import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Either, Logger } from "effect";
import { SipmodErrors } from "../core/errors.ts";
import { builtinModuleNames, builtinModuleUrl } from "../core/manifest/builtin-modules.ts";
import type { AnyModule, ArgSpec } from "../core/module/define-module.ts";
import { checkConfig } from "../core/server/check-config.ts";
import { kamailioBinary, kamailioCfgText, kamailioMissing, kamailioModuleDir, kamailioStarts } from "./support/kamailio.ts";
import { startErrors } from "./support/with-server.ts";

// Where a function may be called, under real Kamailio 5.6 and under sipmod: Kamailio checks every
// module function against the kind of block it is written in when it loads the config ("Command
// cannot be used in the block"); sipmod must refuse exactly the same calls, in `sipmod check` and
// at start-up. Part 1 puts every function of every built-in module in every kind of block and
// compares `kamailio -c` with `sipmod check`; part 2 starts both on a few cfgs.

const T = { timeout: 300_000, skip: kamailioMissing };

/** Modules owned elsewhere: their differences are printed as diagnostics, not asserted. */
const REPORTED_ONLY = new Set(["tm", "tmx"]);

/** Every kind of block, as a cfg wrapping the calls `b` (which start on the block's second line). */
const BLOCKS: Readonly<Record<string, (b: string) => string>> = {
  request_route: (b) => `request_route {\n${b}\n}\n`,
  "route[P]": (b) => `request_route { route(P); }\nroute[P] {\n${b}\n}\n`,
  "failure_route[P]": (b) => `request_route { exit; }\nfailure_route[P] {\n${b}\n}\n`,
  "onreply_route[P]": (b) => `request_route { exit; }\nonreply_route[P] {\n${b}\n}\n`,
  reply_route: (b) => `request_route { exit; }\nreply_route {\n${b}\n}\n`,
  "branch_route[P]": (b) => `request_route { exit; }\nbranch_route[P] {\n${b}\n}\n`,
  onsend_route: (b) => `request_route { exit; }\nonsend_route {\n${b}\n}\n`,
  "event_route[core:pre-routing]": (b) => `request_route { exit; }\nevent_route[core:pre-routing] {\n${b}\n}\n`,
  "event_route[tm:branch-failure:P]": (b) => `request_route { exit; }\nevent_route[tm:branch-failure:P] {\n${b}\n}\n`,
};

/** A call with plausible static arguments (Kamailio's `-c` and sipmod's route check do not run fixups). */
const callText = (name: string, params: readonly ArgSpec[]): string =>
  `${name}(${params.map((p, i) => (p.kind === "int" || p.kind === "int-pv" ? '"1"' : i === 0 && name.startsWith("sht_") ? '"a"' : '"x"')).join(", ")});`;

interface Call {
  readonly module: string;
  readonly text: string;
}

const loadModules = async (): Promise<{ readonly names: readonly string[]; readonly calls: readonly Call[] }> => {
  const names: string[] = [];
  const calls: Call[] = [];
  for (const name of builtinModuleNames()) {
    if (!existsSync(join(kamailioModuleDir!, `${name}.so`))) continue; // sworker: not in Debian's 5.6 packages
    names.push(name);
    const decl = ((await import(builtinModuleUrl(name)!.href)) as { default: AnyModule }).default;
    for (const f of decl.functions ?? []) calls.push({ module: name, text: callText(f.name, f.params) });
  }
  return { names, calls };
};

const header = (names: readonly string[]): string =>
  [...names.map((n) => `loadmodule "${n}.so"`), 'modparam("htable", "htable", "a=>size=4;")', ""].join("\n");

/** The 1-based lines of `text` that Kamailio's output names with `what`. */
const kamailioLines = (out: string, what: RegExp): Set<number> => {
  const lines = new Set<number>();
  for (const m of out.matchAll(/parse error in config file [^,]+, line (\d+), column [\d-]+: (.*)/g)) if (what.test(m[2]!)) lines.add(Number(m[1]));
  return lines;
};

/** `kamailio -c` on the cfg: the calls it refuses for the block ("Command cannot be used in the block") and those it does not know. */
const kamailioCheck = (dir: string, cfg: string): { readonly refused: Set<string>; readonly unknown: Set<string>; readonly out: string } => {
  const text = kamailioCfgText(cfg, 5999, 2, kamailioModuleDir!);
  const file = join(dir, "k.cfg");
  writeFileSync(file, text);
  const r = spawnSync(kamailioBinary!, ["-c", "-f", file], { encoding: "utf8", timeout: 30_000 });
  const out = `${r.stdout}${r.stderr}`;
  const lines = text.split("\n");
  const at = (set: Set<number>) => new Set([...set].map((n) => lines[n - 1]!.trim()));
  return { refused: at(kamailioLines(out, /Command cannot be used in the block/)), unknown: at(kamailioLines(out, /unknown command/)), out };
};

/** `sipmod check` on the cfg: the calls it refuses with SM_CFG_ROUTE_TYPE, and its other binding errors. */
const sipmodCheck = async (dir: string, cfg: string): Promise<{ readonly refused: Set<string>; readonly other: readonly string[] }> => {
  const file = join(dir, "s.cfg");
  writeFileSync(file, cfg);
  const lines = cfg.split("\n");
  const r = await Effect.runPromise(Effect.either(checkConfig(file)).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, Logger.none))));
  if (Either.isRight(r)) return { refused: new Set(), other: [] };
  const errs = r.left instanceof SipmodErrors ? r.left.errors : [];
  const refused = new Set(errs.filter((e) => e.code === "SM_CFG_ROUTE_TYPE").map((e) => lines[(e.pos?.line ?? 0) - 1]!.trim()));
  const other = errs.filter((e) => e.code !== "SM_CFG_ROUTE_TYPE" && e.code !== "SM_CFG_FIXUP" && e.code !== "SM_CFG_UNKNOWN_ROUTE").map((e) => e.format());
  return { refused, other };
};

const matrix = async (t: TestContext): Promise<void> => {
  const { names, calls } = await loadModules();
  const dir = mkdtempSync(join(tmpdir(), "sipmod-compat-routes-"));
  const problems: string[] = [];
  const reported: string[] = [];
  try {
    for (const [block, wrap] of Object.entries(BLOCKS)) {
      const cfg = header(names) + wrap(calls.map((c) => `  ${c.text}`).join("\n"));
      const kam = kamailioCheck(dir, cfg);
      const sip = await sipmodCheck(dir, cfg);
      if (sip.other.length > 0) problems.push(`${block}: sipmod check failed otherwise:\n${sip.other.join("\n")}`);
      for (const c of calls) {
        if (kam.unknown.has(c.text)) {
          t.diagnostic(`${c.text} (${c.module}): Kamailio 5.6 has no such function; not compared`);
          continue;
        }
        const k = kam.refused.has(c.text);
        const s = sip.refused.has(c.text);
        if (k === s) continue;
        const line = `${c.module}: ${c.text} in ${block}: Kamailio ${k ? "refuses" : "accepts"}, sipmod ${s ? "refuses" : "accepts"}`;
        (REPORTED_ONLY.has(c.module) ? reported : problems).push(line);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const r of reported) t.diagnostic(r);
  assert.equal(problems.join("\n"), "", "route-type differences from Kamailio 5.6");
};

// ------------------------------------------------------------------------------------------------
// Part 2: real starts

interface StartCase {
  readonly name: string;
  readonly cfg: string;
  readonly kamailio: "starts" | "refuses";
}

const MODULES = ["tm", "tmx", "sl", "pv", "xlog", "maxfwd", "textops"].map((m) => `loadmodule "${m}.so"`).join("\n") + "\n";
const REQUEST = 'request_route {\n    sl_send_reply("200", "OK");\n    exit;\n}\n';
const inBlock = (block: string, body: string) => `${REQUEST}${block} {\n    ${body}\n}\n`;

const cases: readonly StartCase[] = [
  { name: "sl_send_reply in event_route[core:pre-routing]", cfg: inBlock("event_route[core:pre-routing]", 'sl_send_reply("200", "OK");\n    drop;'), kamailio: "starts" },
  { name: "t_newtran in event_route[core:pre-routing]", cfg: inBlock("event_route[core:pre-routing]", 'if (is_method("MESSAGE")) { t_newtran(); }'), kamailio: "starts" },
  { name: "sl_send_reply in event_route[tm:branch-failure:B]", cfg: inBlock("event_route[tm:branch-failure:B]", 'sl_send_reply("500", "x");'), kamailio: "starts" },
  { name: "sl_send_reply in reply_route", cfg: inBlock("reply_route", 'sl_send_reply("200", "OK");'), kamailio: "refuses" },
  { name: "send_reply in reply_route", cfg: inBlock("reply_route", 'send_reply("200", "OK");'), kamailio: "starts" },
  { name: "t_newtran in failure_route", cfg: inBlock("failure_route[F]", "t_newtran();"), kamailio: "refuses" },
  { name: "mf_process_maxfwd_header in failure_route", cfg: inBlock("failure_route[F]", 'mf_process_maxfwd_header("10");'), kamailio: "refuses" },
  { name: "is_maxfwd_lt in failure_route", cfg: inBlock("failure_route[F]", 'if (is_maxfwd_lt("10")) { exit; }'), kamailio: "starts" },
  { name: "t_relay in onreply_route", cfg: inBlock("onreply_route[R]", "t_relay();"), kamailio: "refuses" },
  { name: "append_hf in onreply_route", cfg: inBlock("onreply_route[R]", 'append_hf("X-A: 1\\r\\n");'), kamailio: "starts" },
  { name: "send_reply in branch_route", cfg: inBlock("branch_route[B]", 'send_reply("500", "x");'), kamailio: "refuses" },
  { name: "remove_hf in branch_route", cfg: inBlock("branch_route[B]", 'remove_hf("X-A");'), kamailio: "starts" },
  { name: "append_hf in onsend_route", cfg: inBlock("onsend_route", 'append_hf("X-A: 1\\r\\n");'), kamailio: "starts" },
  { name: "subst_uri in onsend_route", cfg: inBlock("onsend_route", 'subst_uri("/a/b/");'), kamailio: "refuses" },
];

/** What sipmod says about the cfg: `check`, then a real start (stopped at once). */
const sipmodSays = async (dir: string, text: string): Promise<{ readonly check: boolean; readonly start: boolean; readonly errors: string }> => {
  const file = join(dir, "start.cfg");
  writeFileSync(file, text);
  const r = await Effect.runPromise(Effect.either(checkConfig(file)).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, Logger.none))));
  const errors = Either.isLeft(r) ? r.left.format() : "";
  try {
    const errs = await startErrors({ file, listen: ["udp:127.0.0.1:0"], rpcListen: "127.0.0.1:0" });
    return { check: Either.isRight(r), start: false, errors: errors || errs.format() };
  } catch (e) {
    if (e instanceof Error && e.message === "the server started") return { check: Either.isRight(r), start: true, errors };
    throw e;
  }
};

const starts = async (): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), "sipmod-compat-routes-start-"));
  const problems: string[] = [];
  try {
    for (const c of cases) {
      const text = MODULES + c.cfg;
      const kam = await kamailioStarts(text);
      const kamSays = kam.started ? "starts" : "refuses";
      if (kamSays !== c.kamailio) problems.push(`- ${c.name}: Kamailio ${kamSays}, the case says ${c.kamailio}\n${kam.log}`);
      if (!kam.started && !/Command cannot be used in the block/.test(kam.log)) problems.push(`- ${c.name}: Kamailio refused for another reason\n${kam.log}`);
      const sip = await sipmodSays(dir, text);
      const said = (ok: boolean) => (ok ? "starts" : "refuses");
      if (said(sip.check) !== kamSays || said(sip.start) !== kamSays)
        problems.push(`- ${c.name}: Kamailio ${kamSays}, sipmod check ${said(sip.check)}, start ${said(sip.start)}\n${sip.errors}`);
      if (!sip.check && !/error SM_CFG_ROUTE_TYPE/.test(sip.errors)) problems.push(`- ${c.name}: sipmod refused for another reason\n${sip.errors}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(problems.join("\n"), "", "start-up differences");
};

describe("compat: where a function may be called (route types at load)", () => {
  test("every function of every built-in module, in every kind of block: kamailio -c and sipmod check refuse the same calls", T, (t) => matrix(t));
  test("real starts in pre-routing, branch-failure, reply, failure, onreply, branch and onsend routes", T, () => starts());
});
