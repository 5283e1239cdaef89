/**
 * children=N receiver threads: the same cfg run by sipmod with children=1 (the main thread routes)
 * and children=2 (the main thread parses, hands each message to the receiver thread its Call-ID
 * hashes to, and sends the reply bytes that come back), and by Kamailio children=1 and 2 as the
 * reference, all in one invocation, rounds alternating the order. Three parts:
 *
 *   cpu        bench/kamailio/cpu.cfg: LOOPS x 40 rounds of $var string work per request (about
 *              1 ms on sipmod children=1 at LOOPS 26), then sl_send_reply 200. Highest rate with
 *              zero failures; children=2 / children=1 of the same runtime (target: >= 1.6).
 *   stateless  bench/kamailio/stateless.cfg: OPTIONS -> sl_send_reply 200. Highest rate, and server
 *              CPU µs per request at the --fixed rates (steps of the same ladder), so the hand-off
 *              cost per message is children=2's figure minus children=1's (per round, median).
 *   call       bench/kamailio/stateful.cfg: SIPp uac -> t_relay -> SIPp uas (INVITE/100/180/200/ACK/
 *              BYE/200). Highest call rate, and children=2's step at the rate children=1 held in the
 *              same round (failures, retransmissions on both SIPp sides and by tm).
 *
 * The cpu and stateless parts run bench/run-stateless.ts's target (server start, readiness, warm-up,
 * ladder, CPU and drops from /proc); the call part runs bench/run-stateful.ts's. sipmod runs from the
 * TypeScript sources (tsx on Node; Bun directly), children set by a `#!define CHILDREN` written into
 * the cfg copy (sipmod has no -A); Kamailio gets the same copy with -A CHILDREN=N.
 *
 *   node --import tsx bench/run-children.ts [options]
 *     --parts cpu,stateless,call           which parts, in this order
 *     --runtimes node[,bun]                sipmod runtimes (each with children=1 and 2)
 *     --kamailio 1,2                       Kamailio children counts ("" for none)
 *     --loops 26                           LOOPS of cpu.cfg
 *     --cpu-rates 50,100,...               the cpu ladder (requests/s)
 *     --stateless-rates 2000,5000,10000,.. the stateless ladder
 *     --fixed 2000,5000                    stateless rates whose CPU µs per request is reported (in the ladder)
 *     --call-rates 500,750,...             the call ladder (calls/s)
 *     --seconds 4  --rounds 2  --retries 1  --nice 0  --kamailio-buffer 4194304  --kamailio-shm 1024
 *     --sipp-buffer 4194304  --json file
 *
 * Only 127.0.0.1 is used. Run as root for Kamailio.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cfgWithDefines, csv, eachOption, median, version } from "./harness.ts";
import { checkLadder, ladderOption, type LadderOptions, machineLine, ratioToRef, runLadderRounds, runMain, targetSummary } from "./ladder.ts";
import * as stateful from "./run-stateful.ts";
import * as stateless from "./run-stateless.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BUN = join(ROOT, "node_modules/.bin/bun");
const PARTS = ["cpu", "stateless", "call"] as const;
type Part = (typeof PARTS)[number];

interface Options extends LadderOptions {
  parts: Part[];
  runtimes: string[];
  loops: number;
  cpuRates: number[];
  statelessRates: number[];
  fixed: number[];
  callRates: number[];
  kamailioShm: number;
}

const parseArgs = (argv: readonly string[]): Options => {
  const o: Options = {
    parts: [...PARTS],
    runtimes: ["node"],
    loops: 26,
    cpuRates: [50, 100, 150, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500, 1600, 1700, 1800, 2000],
    statelessRates: [2000, 5000, 10000, 15000, 20000, 25000, 30000, 35000, 40000],
    fixed: [2000, 5000],
    callRates: [250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 2750, 3000],
    rates: [],
    seconds: 4,
    retries: 1,
    nice: 0,
    rounds: 2,
    kamailio: [1, 2],
    kamailioBuffer: 4 * 1024 * 1024,
    kamailioShm: 1024,
    sippBuffer: 4 * 1024 * 1024,
    servers: [],
    json: undefined,
  };
  eachOption(argv, (a, v) => {
    if (a === "--parts") o.parts = csv(v()) as Part[];
    else if (a === "--runtimes") o.runtimes = csv(v());
    else if (a === "--loops") o.loops = Number(v());
    else if (a === "--cpu-rates") o.cpuRates = csv(v()).map(Number);
    else if (a === "--stateless-rates") o.statelessRates = csv(v()).map(Number);
    else if (a === "--fixed") o.fixed = csv(v()).map(Number);
    else if (a === "--call-rates") o.callRates = csv(v()).map(Number);
    else if (a === "--kamailio-shm") o.kamailioShm = Number(v());
    else return a !== "--rates" && a !== "--server" && ladderOption(o, a, v);
    return true;
  });
  for (const rates of [o.cpuRates, o.statelessRates, o.callRates]) checkLadder({ ...o, rates });
  for (const p of o.parts) if (!PARTS.includes(p)) throw new Error(`--parts: ${PARTS.join(", ")}, not ${p}`);
  for (const r of o.runtimes) if (r !== "node" && r !== "bun") throw new Error(`--runtimes: node or bun, not ${r}`);
  if (!(Number.isInteger(o.loops) && o.loops >= 1 && o.loops < 100)) throw new Error("--loops: 1 to 99 (Kamailio's max_while_loops is 100)");
  for (const f of o.fixed) if (!o.statelessRates.includes(f)) throw new Error(`--fixed ${f} is not a step of --stateless-rates`);
  return o;
};

const runtimeName = (rt: string): string => (rt === "node" ? "Node" : "Bun");

/** How a runtime starts sipmod's cli on a file; `file` may be {cfg} or {manifest}. */
const sipmodCommand = (rt: string, file: string): string =>
  `${rt === "node" ? `${process.execPath} --import tsx` : BUN} ${join(ROOT, "core/cli.ts")} run -f ${file} -l udp:127.0.0.1:{port}`;

/** A target of any part: which runtime ("kamailio" too) with how many children. */
interface Who {
  readonly runtime: string;
  readonly children: number;
}

/** For each target, the index of the same runtime's children=1 target (-1 when there is none). */
const refIndex = (who: readonly Who[]): number[] =>
  who.map((w) => who.findIndex((x) => x.runtime === w.runtime && x.children === 1));

const fmtRatio = (s: string): string => (s === "-" ? "-" : `${s}x`);

// ------------------------------------------------------------------------------------------
// cpu and stateless: run-stateless.ts's target on a cfg copy

/**
 * The sipmod targets (each runtime, children 1 and 2, on copies of `cfg` in `dir`) and Kamailio's
 * (run-stateless.ts's own, on the children=1 copy, -A CHILDREN=N), with who is who.
 */
const slTargets = (o: Options, so: stateless.Options, cfg: string, defines: Record<string, string>, dir: string, tag: string) => {
  const copy = (c: number): string => {
    const file = join(dir, `${tag}-c${c}.cfg`);
    writeFileSync(file, cfgWithDefines(cfg, { ...defines, CHILDREN: String(c) }));
    return file;
  };
  const files = [copy(1), copy(2)];
  const sipmod: Who[] = o.runtimes.flatMap((runtime) => [1, 2].map((children) => ({ runtime, children })));
  const servers = sipmod.map((w) => ({ label: `sipmod (${runtimeName(w.runtime)}) children=${w.children}`, command: sipmodCommand(w.runtime, files[w.children - 1]!) }));
  const list = stateless.targets({ ...so, floor: [], transport: [], kamailio: o.kamailio, kamailioCfg: files[0]!, servers });
  let next = 0;
  const who: Who[] = list.map((t) => (t.kind === "kamailio" ? { runtime: "kamailio", children: t.kamChildren! } : sipmod[next++]!));
  return { list, who, files };
};

/** Server CPU µs per answered request at `rate` (its last attempt), undefined when not reached. */
const usPerRequest = (r: { readonly steps: readonly { rate: number; pass: boolean; cpuSeconds: number; sipp: { successful: number } }[] }, rate: number): number | undefined => {
  const at = r.steps.filter((s) => s.rate === rate);
  const s = at[at.length - 1];
  return s === undefined || s.sipp.successful === 0 ? undefined : (s.cpuSeconds * 1e6) / s.sipp.successful;
};

const us = (x: number | undefined): string => (x === undefined ? "-" : x.toFixed(0));

/** The lines of one part run with run-stateless.ts's target. */
const slPart = async (o: Options, part: "cpu" | "stateless", dir: string): Promise<{ lines: string[]; json: unknown }> => {
  const rates = part === "cpu" ? o.cpuRates : o.statelessRates;
  const so: stateless.Options = { ...stateless.parseArgs([]), rates, seconds: o.seconds, retries: o.retries, nice: o.nice, rounds: o.rounds, kamailioBuffer: o.kamailioBuffer, sippBuffer: o.sippBuffer };
  const { list, who, files } =
    part === "cpu"
      ? slTargets(o, so, "bench/kamailio/cpu.cfg", { LOOPS: String(o.loops) }, dir, "cpu")
      : slTargets(o, so, "bench/kamailio/stateless.cfg", {}, dir, "stateless");
  const { rounds, stamp, load0 } = await runLadderRounds(so, `sipmod-children-${part}-`, list, (t, work) => stateless.runTarget(t, so, work));
  const refs = refIndex(who);
  const fixed = part === "cpu" ? [] : o.fixed;
  const lines = [
    part === "cpu"
      ? `cpu: bench/kamailio/cpu.cfg with LOOPS ${o.loops} (copies: ${files.join(", ")}), SIPp OPTIONS UAC, ${o.seconds} s per step, ${o.rounds} round(s), ${stamp}`
      : `stateless: bench/kamailio/stateless.cfg (copies: ${files.join(", ")}), SIPp OPTIONS UAC, ${o.seconds} s per step, ${o.rounds} round(s), ${stamp}`,
    `${machineLine(load0)}${o.nice !== 0 ? `; servers and SIPp at nice ${o.nice}` : ""}`,
    "",
    `| server | max rate, zero failures (median; each round) | CPU at that rate (µs/request) | ${fixed.map((f) => `CPU µs/request at ${f}/s (each round) | `).join("")}next step failed with (kernel drops server/sipp) | vs same server children=1 (median of rounds) |`,
    `|---|---|---|${fixed.map(() => "---|").join("")}---|---|`,
  ];
  list.forEach((t, k) => {
    const { mid, best, failStep, rateCell } = targetSummary<stateless.StepResult, stateless.TargetResult>(rounds, k);
    const cells = fixed.map((f) => {
      const each = rounds.map((r) => usPerRequest(r[k]!, f));
      const got = each.filter((x): x is number => x !== undefined);
      return got.length === 0 ? "-" : `${us(median(got))} (${each.map(us).join(", ")})`;
    });
    lines.push(
      `| ${t.label} | ${rateCell} | ${best ? `${best.cpuPercent}% (${us(usPerRequest(mid, best.rate))})` : "-"} | ${cells.map((c) => `${c} | `).join("")}` +
        `${failStep ? `${failStep.rate}/s: ${failStep.why} (${failStep.serverDrops ?? "?"}/${failStep.sippDrops ?? "?"})` : "none (ladder top)"} | ` +
        `${refs[k] === k ? "1.00x" : fmtRatio(ratioToRef(rounds, k, refs[k]!))} |`,
    );
  });
  if (part === "stateless") {
    lines.push("");
    who.forEach((w, k) => {
      if (w.children !== 2 || refs[k]! < 0) return;
      const diffs = o.fixed.map((f) => {
        const d = rounds.map((r) => {
          const a = usPerRequest(r[k]!, f);
          const b = usPerRequest(r[refs[k]!]!, f);
          return a === undefined || b === undefined ? undefined : a - b;
        });
        const got = d.filter((x): x is number => x !== undefined);
        return `${f}/s ${got.length === 0 ? "-" : `${us(median(got))} µs`} (${d.map(us).join(", ")})`;
      });
      lines.push(`hand-off ${list[k]!.label} minus children=1, CPU µs per request: ${diffs.join("; ")}`);
    });
  }
  return { lines, json: { part, date: stamp, options: so, targets: list, rounds } };
};

// ------------------------------------------------------------------------------------------
// call: run-stateful.ts's target

const callPart = async (o: Options): Promise<{ lines: string[]; json: unknown }> => {
  const fo: stateful.Options = {
    ...stateful.parseArgs([]),
    scenario: "call",
    rates: o.callRates,
    seconds: o.seconds,
    retries: o.retries,
    nice: o.nice,
    rounds: o.rounds,
    kamailio: o.kamailio,
    kamailioBuffer: o.kamailioBuffer,
    kamailioShm: o.kamailioShm,
    sippBuffer: o.sippBuffer,
    sipmod: o.runtimes,
  };
  // run-stateful.ts's targets: Kamailio's, then sipmod's in o.runtimes order; each sipmod twice.
  const who: Who[] = [];
  let next = 0;
  const list: stateful.Target[] = stateful.targets(fo).flatMap((t) => {
    if (t.kind !== "sipmod") {
      who.push({ runtime: "kamailio", children: t.kamChildren! });
      return [t];
    }
    const runtime = o.runtimes[next++]!;
    return [1, 2].map((children) => {
      who.push({ runtime, children });
      return { ...t, label: `${t.label} children=${children}`, defines: { CHILDREN: String(children) } };
    });
  });
  const { rounds, stamp, load0 } = await runLadderRounds(fo, "sipmod-children-call-", list, (t, work) => stateful.runTarget(t, fo, work));
  const refs = refIndex(who);
  const lines = [
    `call: bench/kamailio/stateful.cfg (t_relay to a SIPp uas), SIPp uac INVITE/100/180/200/ACK/BYE/200, ${o.seconds} s per step, ${o.rounds} round(s), ${stamp}`,
    `${machineLine(load0)}${o.nice !== 0 ? `; servers and SIPp at nice ${o.nice}` : ""}`,
    "",
    "| server | max call rate, zero failures and retransmissions (median; each round) | server CPU at that rate | CPU µs/call at the lowest step (each round) | next step failed with (kernel drops at server) | vs same server children=1 | at children=1's best rate of the round |",
    "|---|---|---|---|---|---|---|",
  ];
  const lowest = Math.min(...o.callRates);
  list.forEach((t, k) => {
    const { best, failStep, rateCell } = targetSummary<stateful.StepResult, stateful.TargetResult>(rounds, k);
    const each = rounds.map((r) => usPerRequest(r[k]!, lowest));
    const got = each.filter((x): x is number => x !== undefined);
    const ref = refs[k]!;
    const atRef =
      ref < 0 || ref === k
        ? "-"
        : rounds
            .map((r) => {
              const rate = r[ref]!.best?.rate;
              if (rate === undefined) return "c=1 passed none";
              const steps = r[k]!.steps.filter((s) => s.rate === rate);
              if (steps.length === 0) return `${rate}/s: not reached`;
              return `${rate}/s: ${steps.map((s) => (s.pass ? "PASS" : `FAIL (${s.why})`)).join(", then ")}`;
            })
            .join("; ");
    lines.push(
      `| ${t.label} | ${rateCell} | ${best ? `${best.cpuPercent}%` : "-"} | ${got.length === 0 ? "-" : `${us(median(got))} (${each.map(us).join(", ")})`} | ` +
        `${failStep ? `${failStep.rate}/s: ${failStep.why} (${failStep.serverDrops ?? "?"})` : "none (ladder top)"} | ` +
        `${ref === k ? "1.00x" : fmtRatio(ratioToRef(rounds, k, ref))} | ${atRef} |`,
    );
  });
  return { lines, json: { part: "call", date: stamp, options: fo, targets: list, rounds } };
};

// ------------------------------------------------------------------------------------------
// main

const main = async () => {
  const o = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), "sipmod-children-cfg-"));
  const out: string[] = [
    `children=N receiver threads, ${new Date().toISOString()}: Node ${process.versions.node}` +
      (o.runtimes.includes("bun") ? `, Bun ${version(BUN, ["--version"])}` : "") +
      (o.kamailio.length > 0 ? `, Kamailio ${version("kamailio", ["-v"]).replace(/^version:\s*/, "")}` : "") +
      ", SIPp 3.6.1",
  ];
  const json: unknown[] = [];
  try {
    for (const part of o.parts) {
      const r = part === "call" ? await callPart(o) : await slPart(o, part, dir);
      out.push("", ...r.lines);
      json.push(r.json);
      process.stderr.write(`\n${r.lines.join("\n")}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${out.join("\n")}\n`);
  if (o.json !== undefined) writeFileSync(o.json, JSON.stringify(json, null, 2));
};

runMain(main, import.meta.url);
