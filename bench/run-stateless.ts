/**
 * Stateless OPTIONS -> 200 benchmark: SIPp against each server on 127.0.0.1, in one run, so the
 * ratios compare like with like on this machine.
 *
 * For every target it starts the server on its own free port, waits until it answers an OPTIONS,
 * warms it up, then runs SIPp at each rate of the ladder (bounded in calls and time) and keeps the
 * highest rate with zero failed calls, zero retransmissions, no unexpected messages and SIPp
 * reaching at least 95% of the asked rate. It samples the server's CPU (/proc/<pid>/stat, the
 * whole process tree) and memory (PSS and RSS), stops the server, and goes on with the next
 * target. At the end it prints a table with each target's ratio to Kamailio.
 *
 *   node --import tsx bench/run-stateless.ts [options]
 *     --rates 5000,10000,20000,30000,40000   calls/s ladder (stops at the first failing rate)
 *     --seconds 5                            length of each step
 *     --per-sipp 20000                       most calls/s one SIPp process is asked for
 *     --sipp-buffer 4194304                  SIPp socket buffers (-buff_size), bytes
 *     --nice 0                               run the servers and SIPp under `nice -n N` and, on Linux
 *                                            with autogroup scheduling, give this session's autogroup
 *                                            the same nice for the run (root may use a negative N so
 *                                            other work on the machine takes less of their CPU; every
 *                                            target gets the same; restored at the end)
 *     --retries 1                            run a failing step again this many times before
 *                                            calling it failed (other work on a shared machine)
 *     --kamailio 1,2                         Kamailio children counts to run ("" for none)
 *     --floor node[,bun,deno]                raw node:dgram responder runtimes ("" for none)
 *     --transport node[,bun,deno]            core/transport + core/sip responder (no routing) ("" for none)
 *     --server 'label=command {port}'        another server (repeatable); {port} is replaced
 *     --rounds 1                             run every target this many times (order alternating);
 *                                            the table gives the median and every round's figure
 *     --kamailio-buffer 0                    Kamailio's -b (most UDP receive buffer its autoprobe
 *                                            may reach, bytes); 0 keeps its default (256 KiB)
 *     --kamailio-cfg file                    the cfg Kamailio runs (bench/kamailio/stateless.cfg)
 *     --json file                            also write the results as JSON
 *
 * Only 127.0.0.1 is used. Run as root for Kamailio (it runs in the foreground with -DD -E).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { udpKernelDrops } from "../core/transport/udp-kernel-drops.ts";
import { csv, eachOption, freeUdpPort, sleep, stopTree, version, waitQuiet, waitReady } from "./harness.ts";
import { checkLadder, climb, ladderOption, type LadderOptions, machineLine, ratioToRef, runLadderRounds, runMain, sippProblems, targetSummary, verdict } from "./ladder.ts";
import { cpuTicks, machineJiffies, machinePercent, memoryKiB, mib, processTree, ticksPerSecond } from "./proc-sample.ts";
import { runSippStep, type SippTotals } from "./sipp-run.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SCENARIO = join(ROOT, "bench/sipp/options-uac.xml");
const KAM_CFG = join(ROOT, "bench/kamailio/stateless.cfg");

// ------------------------------------------------------------------------------------------
// options

export interface Options extends LadderOptions {
  perSipp: number;
  floor: string[];
  transport: string[];
  /** The cfg Kamailio runs (`--kamailio-cfg`). */
  kamailioCfg: string;
}

export const parseArgs = (argv: readonly string[]): Options => {
  const o: Options = {
    rates: [5000, 10000, 20000, 30000, 40000],
    seconds: 5,
    perSipp: 20000,
    sippBuffer: 4 * 1024 * 1024,
    retries: 1,
    nice: 0,
    rounds: 1,
    kamailioBuffer: 0,
    kamailio: [1, 2],
    floor: ["node"],
    transport: [],
    kamailioCfg: KAM_CFG,
    servers: [],
    json: undefined,
  };
  eachOption(argv, (a, v) => {
    if (a === "--per-sipp") o.perSipp = Number(v());
    else if (a === "--floor") o.floor = csv(v());
    else if (a === "--transport") o.transport = csv(v());
    else if (a === "--kamailio-cfg") o.kamailioCfg = resolve(v());
    else return ladderOption(o, a, v);
    return true;
  });
  checkLadder(o);
  if (!(o.perSipp > 0)) throw new Error("--per-sipp: positive");
  for (const f of [...o.floor, ...o.transport])
    if (!["node", "bun", "deno"].includes(f)) throw new Error(`--floor/--transport: node, bun or deno, not ${f}`);
  return o;
};

// ------------------------------------------------------------------------------------------
// targets

export interface Target {
  readonly label: string;
  readonly kind: "floor" | "transport" | "kamailio" | "server";
  readonly kamChildren?: number;
  readonly versionText: string;
  /** The shell command, with {port} and {dir} still in it. */
  readonly command: string;
}

export const targets = (o: Options): Target[] => {
  const out: Target[] = [];
  const runtimeCmd: Record<string, string> = {
    node: `${process.execPath} --import tsx`,
    bun: join(ROOT, "node_modules/.bin/bun"),
    deno: `${join(ROOT, "node_modules/.bin/deno")} run -A`,
  };
  const runtimeVersion: Record<string, () => string> = {
    node: () => `Node ${process.versions.node}`,
    bun: () => `Bun ${version(join(ROOT, "node_modules/.bin/bun"), ["--version"])}`,
    deno: () => version(join(ROOT, "node_modules/.bin/deno"), ["--version"]),
  };
  for (const rt of o.floor) {
    out.push({
      label: `raw node:dgram floor (${rt})`,
      kind: "floor",
      versionText: runtimeVersion[rt]!(),
      command: `${runtimeCmd[rt]} ${join(ROOT, "bench/raw-responder.ts")} --port {port}`,
    });
  }
  for (const rt of o.transport) {
    out.push({
      label: `sipmod transport+parser, no routing (${rt})`,
      kind: "transport",
      versionText: runtimeVersion[rt]!(),
      command: `${runtimeCmd[rt]} ${join(ROOT, "bench/transport-responder.ts")} --port {port}`,
    });
  }
  const kamVersion = version("kamailio", ["-v"]).replace(/^version:\s*/, "");
  for (const c of o.kamailio) {
    const b = o.kamailioBuffer > 0 ? ` -b ${o.kamailioBuffer}` : "";
    out.push({
      label: `Kamailio children=${c}${b !== "" ? ` maxbuffer=${o.kamailioBuffer}` : ""}`,
      kind: "kamailio",
      kamChildren: c,
      versionText: kamVersion,
      command: `kamailio -f ${o.kamailioCfg} -DD -E -A CHILDREN=${c}${b} -l udp:127.0.0.1:{port} -Y {dir} -w {dir}`,
    });
  }
  for (const s of o.servers) out.push({ label: s.label, kind: "server", versionText: "", command: s.command });
  return out;
};

// ------------------------------------------------------------------------------------------
// one target

export interface StepResult {
  readonly rate: number;
  readonly pass: boolean;
  readonly why: string;
  readonly achieved: number;
  readonly cpuPercent: number;
  /** Server CPU (user + system, every thread) over the step, seconds. */
  readonly cpuSeconds: number;
  readonly pssMiB: number;
  readonly rssMiB: number;
  /** Datagrams the kernel dropped on the server's socket / on the SIPp sockets during the step. */
  readonly serverDrops: number | undefined;
  readonly sippDrops: number | undefined;
  /** Whole machine CPU busy during the step, percent of one core (2 cores = 200%). */
  readonly machinePercent: number;
  /** Which attempt this was (0 = first). */
  readonly attempt: number;
  readonly sipp: SippTotals;
}

export interface TargetResult {
  readonly label: string;
  readonly version: string;
  readonly command: string;
  readonly steps: readonly StepResult[];
  readonly best: StepResult | undefined;
  readonly idlePssMiB: number;
  readonly error?: string;
}

/** One SIPp step against the running server, with CPU, memory, drops and machine load. */
const measureStep = async (
  o: Options,
  pid: number,
  port: number,
  dir: string,
  rate: number,
  attempt: number,
): Promise<StepResult> => {
  const n = Math.ceil(rate / o.perSipp);
  const ports: number[] = [];
  for (let i = 0; i < n; i++) ports.push(await freeUdpPort());
  const tree = processTree(pid);
  const t0 = cpuTicks(tree);
  const m0 = machineJiffies();
  const w0 = performance.now();
  let peak = { rss: 0, pss: 0 };
  const drops0 = udpKernelDrops("127.0.0.1", port, 4);
  const sippDrops = new Map<number, number>();
  const sampler = setInterval(() => {
    const m = memoryKiB(processTree(pid));
    if (m.pss > peak.pss) peak = m;
    for (const p of ports) {
      const d = udpKernelDrops("127.0.0.1", p, 4);
      if (d !== undefined) sippDrops.set(p, Math.max(d, sippDrops.get(p) ?? 0));
    }
  }, 250);
  const sipp = await runSippStep({ scenario: SCENARIO, serverPort: port, localPorts: ports, rate, seconds: o.seconds, workDir: dir, tag: `r${rate}`, sippBuffer: o.sippBuffer, nice: o.nice });
  clearInterval(sampler);
  const drops1 = udpKernelDrops("127.0.0.1", port, 4);
  const wall = (performance.now() - w0) / 1000;
  const cpuSeconds = (cpuTicks(processTree(pid)) - t0) / ticksPerSecond();
  const cpu = (cpuSeconds / wall) * 100;
  const machine = machinePercent(m0, machineJiffies());
  const end = memoryKiB(processTree(pid));
  if (end.pss > peak.pss) peak = end;
  const j = verdict(sippProblems(rate, sipp));
  const r: StepResult = {
    rate,
    pass: j.pass,
    why: j.why,
    achieved: Math.round(sipp.callRate),
    cpuPercent: Math.round(cpu),
    cpuSeconds,
    pssMiB: mib(peak.pss),
    rssMiB: mib(peak.rss),
    serverDrops: drops0 !== undefined && drops1 !== undefined ? drops1 - drops0 : undefined,
    sippDrops: sippDrops.size > 0 ? [...sippDrops.values()].reduce((a, b) => a + b, 0) : undefined,
    machinePercent: Math.round(machine),
    attempt,
    sipp,
  };
  process.stderr.write(
    `   ${String(rate).padStart(6)}/s x${n} sipp: ${j.pass ? "PASS" : "FAIL"} (${j.why}) achieved ${r.achieved}/s ` +
      `ok ${sipp.successful}/${sipp.created} cpu ${r.cpuPercent}% pss ${r.pssMiB} MiB rss ${r.rssMiB} MiB ` +
      `kernel drops server ${r.serverDrops ?? "?"} sipp ${r.sippDrops ?? "?"} machine ${r.machinePercent}%` +
      `${attempt > 0 ? ` (retry ${attempt})` : ""}\n`,
  );
  return r;
};

export const runTarget = async (target: Target, o: Options, work: string): Promise<TargetResult> => {
  const port = await freeUdpPort();
  const dir = mkdtempSync(join(work, "srv-"));
  const command = target.command.replaceAll("{port}", String(port)).replaceAll("{dir}", dir);
  const logFile = join(dir, "server.log");
  const log = openSync(logFile, "w");
  process.stderr.write(`\n== ${target.label}: ${command}\n`);
  const niced = o.nice !== 0 ? `nice -n ${o.nice} ${command}` : command;
  const proc = spawn("sh", ["-c", `exec ${niced}`], { cwd: ROOT, stdio: ["ignore", log, log] });
  const fail = async (error: string): Promise<TargetResult> => {
    await stopTree(proc);
    process.stderr.write(`   ${error}\n${readFileSync(logFile, "utf8").slice(-2000)}\n`);
    return { label: target.label, version: target.versionText, command, steps: [], best: undefined, idlePssMiB: 0, error };
  };
  if (!(await waitReady(port, 20000))) return fail("server did not answer OPTIONS within 20 s");
  const pid = proc.pid!;
  process.stderr.write(`   quiet after ${(await waitQuiet(pid)).toFixed(1)} s\n`);
  const idle = memoryKiB(processTree(pid));
  // Warm-up (JIT, buffers): two seconds at the lowest rate, not judged.
  const lowest = Math.min(...o.rates);
  const warmPorts = [await freeUdpPort()];
  await runSippStep({ scenario: SCENARIO, serverPort: port, localPorts: warmPorts, rate: lowest, seconds: 2, workDir: dir, tag: "warm", sippBuffer: o.sippBuffer, nice: o.nice });
  await sleep(500);

  const { steps, best } = await climb(o, (rate, attempt) => measureStep(o, pid, port, dir, rate, attempt));
  await stopTree(proc);
  return { label: target.label, version: target.versionText, command, steps, best, idlePssMiB: mib(idle.pss) };
};

// ------------------------------------------------------------------------------------------
// main

const main = async () => {
  const o = parseArgs(process.argv.slice(2));
  const list = targets(o);
  const { rounds, stamp, load0 } = await runLadderRounds(o, "sipmod-bench-", list, (t, work) => runTarget(t, o, work));
  const kamIndex = (c: number) => list.findIndex((t) => t.kind === "kamailio" && t.kamChildren === c);
  const k1 = kamIndex(1);
  const k2 = kamIndex(2);
  const lines = [
    `Stateless OPTIONS -> 200, SIPp 3.6.1 UAC on 127.0.0.1, ${o.seconds} s per step, ${o.rounds} round(s), ${stamp}` +
      (o.nice !== 0 ? `, servers and SIPp at nice ${o.nice}` : ""),
    machineLine(load0, 0.5),
    "",
    "| server | version | max rate, zero failures (median; each round) | CPU at that rate | memory PSS (idle -> at rate) | next step failed with (kernel drops server/sipp) | vs Kamailio c=1 | vs Kamailio c=2 |",
    "|---|---|---|---|---|---|---|---|",
  ];
  list.forEach((t, k) => {
    const { mid, best: b, failStep, rateCell } = targetSummary<StepResult, TargetResult>(rounds, k);
    lines.push(
      `| ${t.label} | ${mid.version} | ${rateCell} | ${b ? `${b.cpuPercent}%` : "-"} | ` +
        `${mid.idlePssMiB} -> ${b ? b.pssMiB : "-"} MiB | ` +
        `${failStep ? `${failStep.rate}/s: ${failStep.why} (${failStep.serverDrops ?? "?"}/${failStep.sippDrops ?? "?"})` : "none (ladder top)"} | ` +
        `${ratioToRef(rounds, k, k1)} | ${ratioToRef(rounds, k, k2)} |`,
    );
  });
  process.stdout.write(`${lines.join("\n")}\n`);
  if (o.json !== undefined) writeFileSync(o.json, JSON.stringify({ date: stamp, options: o, targets: list, rounds }, null, 2));
};

runMain(main, import.meta.url);
