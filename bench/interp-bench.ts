/**
 * Interpreter micro-benchmark: a 30-statement request_route (ifs on $rm/$rU, $var assignments,
 * string concatenation, a regex match, a switch, a sub-route, flag functions and two cheap module
 * functions) run for one parsed INVITE, each run with a fresh message context, for a fixed time.
 *
 *   node --import tsx bench/interp-bench.ts
 *   node_modules/.bin/bun bench/interp-bench.ts
 *   node_modules/.bin/deno run -A bench/interp-bench.ts
 *
 * Options: --seconds N (default 5; rounds of one second). Prints one JSON line.
 */
import { Effect, Logger, type Runtime } from "effect";
import { buildRegistry } from "../core/manifest/build-registry.ts";
import { defineModule, erase, fn } from "../core/module/define-module.ts";
import { bindProgram } from "../core/script/bind-program.ts";
import { makeEngine } from "../core/script/engine.ts";
import { parseCfgText } from "../core/script/parse-cfg.ts";
import { parseOrThrow } from "../core/sip/message.ts";
import type { ReceiveInfo } from "../core/transport/receive-info.ts";
import { runtime as runtimeName, runtimeVersion } from "../core/runtime.ts";
import { CORE_MAJOR } from "../core/version.ts";
import pvModule from "../modules/pv/index.ts";

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf("--seconds") + 1] ?? 5) || 5;

let sink = 0;
const benchModule = defineModule({
  name: "b",
  version: "0.0.1",
  core: CORE_MAJOR,
  doc: { overview: "Cheap functions for the interpreter benchmark." },
  functions: [
    fn({ name: "b_ok", params: [] as const, routes: "any", doc: "Return 1.", run: () => 1 }),
    fn({
      name: "b_arg",
      params: [{ name: "text", kind: "string-pv" }] as const,
      routes: "any",
      doc: "Take a formatted string, return 1.",
      run: (_c, [t]) => {
        sink += t.length;
        return 1;
      },
    }),
  ],
});

const CFG = `
request_route {
  $var(n) = 0;
  if ($rm == "OPTIONS") { exit; }
  if ($rm == "INVITE") { $var(n) = $var(n) + 1; }
  if ($rU =~ "^alice") { $var(u) = "user:" + $rU; }
  $var(from) = $fU + "@" + $fd;
  setflag(1);
  if (isflagset(1)) { $var(n) = $var(n) + 1; }
  b_ok();
  if (b_ok()) { $var(n) = $var(n) + 1; }
  b_arg("from $fu to $ru");
  $var(s) = $var(from) + ";" + $ci;
  switch ($rm) { case "INVITE": $var(k) = 1; break; default: $var(k) = 2; }
  route(SUB);
  if ($rc == 2) { $var(n) = $var(n) + 1; }
  $avp(callid) = $ci;
  $var(len) = strlen($hdr(Call-ID));
  if ($var(len) > 10 && $sp == 5060) { $var(n) = $var(n) + 1; }
  $var(rl) = $(ru{s.len});
  if ($rU == "bob") { $var(n) = 0; } else { $var(n) = $var(n) + 1; }
  if (!is_request_line_ok()) { exit; }
  $var(tag) = $ft;
  if ($var(tag) == "") { exit; }
  resetflag(1);
  if ($si == "10.0.0.1") { $var(n) = $var(n) + 1; }
  $var(ua) = "ua=" + $ua;
  if ($var(n) >= 6) { b_ok(); }
  $var(total) = $var(n) * 2 + $var(k);
  b_arg("n=$var(n) total=$var(total)");
  $var(last) = $var(total) - 1;
  exit;
}
route[SUB] { $var(x) = $var(x) + 1; return 2; }
route[OK] { return 1; }
`.replace("is_request_line_ok()", "route(OK)");

const MSG =
  "INVITE sip:alice@example.com SIP/2.0\r\n" +
  "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;rport\r\n" +
  "Max-Forwards: 70\r\n" +
  "To: <sip:alice@example.com>\r\n" +
  "From: \"Bob\" <sip:bob@biloxi.com>;tag=1928301774\r\n" +
  "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n" +
  "CSeq: 314159 INVITE\r\n" +
  "Contact: <sip:bob@10.0.0.1>\r\n" +
  "User-Agent: bench/1.0\r\n" +
  "Content-Length: 0\r\n\r\n";

const rcv: ReceiveInfo = {
  proto: "udp",
  srcIp: "10.0.0.1",
  srcPort: 5060,
  dstIp: "127.0.0.1",
  dstPort: 5060,
  af: 4,
  listenerId: 0,
  connId: 0,
  time: Date.now(),
};

const { registry, errors } = buildRegistry(
  [erase(pvModule), erase(benchModule)].map((decl) => ({ decl, origin: { file: "bench", line: 1 } })),
  () => undefined,
);
if (errors.length > 0) throw new Error(errors.map((e) => e.format()).join("\n"));
const program = Effect.runSync(Effect.flatMap(parseCfgText(CFG, "bench.cfg"), (cfg) => bindProgram(cfg, registry)));
const rt = Effect.runSync(Effect.scoped(Effect.runtime<never>().pipe(Effect.provide(Logger.remove(Logger.defaultLogger)))));
const engine = makeEngine(program, rt as Runtime.Runtime<never>);
const msg = parseOrThrow(MSG);

const statements = program.request!.body.stmts.length;
const once = (): void => {
  const ctx = engine.newContext(msg, rcv);
  const o = engine.run("request_route", ctx);
  if (o instanceof Promise || o.code !== 1) throw new Error(`unexpected outcome ${JSON.stringify(o)}`);
};

// Warm up, then rounds of about one second each. Rates are given per CPU-second (process.cpuUsage,
// user + system) as well as per wall-second: on a shared machine wall time also counts the time
// the process was descheduled. The median round is reported.
for (let i = 0; i < 50_000; i++) once();
const rounds: { runs: number; wallMs: number; cpuMs: number }[] = [];
const endAll = performance.now() + seconds * 1000;
while (performance.now() < endAll || rounds.length < 3) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let runs = 0;
  while (performance.now() - t0 < 1000) {
    for (let i = 0; i < 5_000; i++) once();
    runs += 5_000;
  }
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  rounds.push({ runs, wallMs, cpuMs: (c.user + c.system) / 1000 });
}
if (engine.vars.get("total") !== 15) throw new Error(`script did not run as expected: total=${String(engine.vars.get("total"))}`);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const perCpuSec = median(rounds.map((r) => (r.runs / r.cpuMs) * 1000));
const perWallSec = median(rounds.map((r) => (r.runs / r.wallMs) * 1000));
console.log(
  JSON.stringify({
    bench: "interp",
    runtime: runtimeName,
    version: runtimeVersion,
    statements,
    rounds: rounds.length,
    runsPerCpuSec: Math.round(perCpuSec),
    usPerRunCpu: Math.round((1e6 / perCpuSec) * 100) / 100,
    runsPerWallSec: Math.round(perWallSec),
    nsPerStatementCpu: Math.round(1e9 / perCpuSec / statements),
    sink: sink > 0,
  }),
);
