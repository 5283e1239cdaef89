/**
 * Stateful relay benchmark (tm): SIPp UAC -> server -> SIPp UAS, all on 127.0.0.1, for each
 * server in one run so the ratios compare like with like on this machine.
 *
 * The server runs bench/kamailio/stateful.cfg (a copy with the UAS address written in): every
 * request goes through t_relay() to the UAS set in $du (ACK and BYE too). Scenarios:
 *   options  bench/sipp/options-uac.xml -> bench/sipp/options-uas.xml (OPTIONS, 200)
 *   call     SIPp's built-in `uac` -> built-in `uas` (INVITE, 180, 200, ACK, BYE, 200; the
 *            server adds its own 100 Trying)
 *
 * For every target it starts a SIPp UAS on a free port (kept for the whole ladder), the server on
 * another, waits until the server answers an OPTIONS to `ready@`, warms it up, then climbs the
 * rate ladder (bounded in calls and time). A step passes with, on the UAC side, zero failed calls,
 * zero retransmissions, no unexpected message, every call answered and 95% of the asked rate; on
 * the UAS side (its statistics before and after the step) zero retransmissions, zero failed calls,
 * zero unexpected/dead-call/out-of-call messages (a request the server retransmitted after the UAS
 * answered shows up there); and for sipmod, zero request retransmissions by tm (RPC tm.stats).
 * CPU and memory are the server's process tree (100% = one core), from /proc.
 *
 *   node --import tsx bench/run-stateful.ts --scenario call [options]
 *     --scenario options|call
 *     --rates 500,1000,2000                 calls/s ladder (stops at the first failing rate)
 *     --seconds 5                           length of each step (1-60)
 *     --retries 1                           run a failing step again this many times
 *     --nice 0                              servers and SIPp under `nice -n N` (and the session's
 *                                           autogroup, as run-stateless.ts)
 *     --rounds 1                            every target this many times, order alternating
 *     --kamailio 1                          Kamailio children counts ("" for none)
 *     --kamailio-buffer 0                   Kamailio's -b (receive buffer autoprobe limit)
 *     --kamailio-shm 1024                   Kamailio's -m (shared memory, MiB): transactions live
 *                                           there for wt_timer after their final reply, and the
 *                                           64 MiB default runs out near 3 000 OPTIONS/s
 *     --sipmod node[,bun]                   sipmod `core/cli.ts run` on these runtimes ("" for none)
 *     --server 'label=command'              another server (repeatable); {port}, {cfg} (the cfg
 *                                           copy), {manifest} (plugins.json naming it, with an
 *                                           RPC port) and {dir} are replaced
 *     --sipp-buffer 4194304                 SIPp socket buffers
 *     --json file                           also write the results as JSON
 *
 * Only 127.0.0.1 is used. Run as root for Kamailio.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { udpKernelDrops } from "../core/transport/udp-kernel-drops.ts";
import { csv, eachOption, freeTcpPort, freeUdpPort, sipmodRpc, sleep, statefulCfg, stopTree, version, waitQuiet, waitReady } from "./harness.ts";
import { checkLadder, climb, ladderOption, type LadderOptions, machineLine, ratioToRef, runLadderRounds, runMain, sippProblems, targetSummary, verdict } from "./ladder.ts";
import { cpuTicks, machineJiffies, machinePercent, memoryKiB, mib, processTree, ticksPerSecond } from "./proc-sample.ts";
import { runSippStep, type SippTotals } from "./sipp-run.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

type Scenario = "options" | "call";
const UAC: Record<Scenario, string> = { options: join(ROOT, "bench/sipp/options-uac.xml"), call: "sn:uac" };
const UAS: Record<Scenario, string[]> = { options: ["-sf", join(ROOT, "bench/sipp/options-uas.xml")], call: ["-sn", "uas"] };

export interface Options extends LadderOptions {
  scenario: Scenario;
  kamailioShm: number;
  sipmod: string[];
}

export const parseArgs = (argv: readonly string[]): Options => {
  const o: Options = {
    scenario: "call",
    rates: [500, 1000, 2000, 3000, 4000, 5000],
    seconds: 5,
    retries: 1,
    nice: 0,
    rounds: 1,
    kamailio: [1],
    kamailioBuffer: 0,
    kamailioShm: 1024,
    sipmod: ["node"],
    servers: [],
    sippBuffer: 4 * 1024 * 1024,
    json: undefined,
  };
  eachOption(argv, (a, v) => {
    if (a === "--scenario") {
      const s = v();
      if (s !== "options" && s !== "call") throw new Error("--scenario: options or call");
      o.scenario = s;
    } else if (a === "--kamailio-shm") o.kamailioShm = Number(v());
    else if (a === "--sipmod") o.sipmod = csv(v());
    else return ladderOption(o, a, v);
    return true;
  });
  checkLadder(o);
  for (const r of o.sipmod) if (r !== "node" && r !== "bun") throw new Error(`--sipmod: node or bun, not ${r}`);
  return o;
};

// ------------------------------------------------------------------------------------------
// targets

export interface Target {
  readonly label: string;
  readonly kind: "kamailio" | "sipmod" | "server";
  readonly kamChildren?: number;
  readonly versionText: string;
  /** Shell command with {port}, {cfg}, {manifest}, {dir} still in it. */
  readonly command: string;
  /** More defines written into the cfg copy (e.g. CHILDREN for sipmod, which has no -A). */
  readonly defines?: Readonly<Record<string, string>>;
}

export const targets = (o: Options): Target[] => {
  const out: Target[] = [];
  const kamVersion = version("kamailio", ["-v"]).replace(/^version:\s*/, "");
  for (const c of o.kamailio) {
    const b = o.kamailioBuffer > 0 ? ` -b ${o.kamailioBuffer}` : "";
    out.push({
      label: `Kamailio children=${c}${b !== "" ? ` maxbuffer=${o.kamailioBuffer}` : ""}`,
      kind: "kamailio",
      kamChildren: c,
      versionText: kamVersion,
      command: `kamailio -f {cfg} -DD -E -A CHILDREN=${c}${b} -m ${o.kamailioShm} -l udp:127.0.0.1:{port} -Y {dir} -w {dir}`,
    });
  }
  const bun = join(ROOT, "node_modules/.bin/bun");
  for (const rt of o.sipmod) {
    out.push({
      label: `sipmod (${rt === "node" ? "Node" : "Bun"})`,
      kind: "sipmod",
      versionText: rt === "node" ? `Node ${process.versions.node}` : `Bun ${version(bun, ["--version"])}`,
      command:
        rt === "node"
          ? `${process.execPath} --import tsx ${join(ROOT, "core/cli.ts")} run -f {manifest} -l udp:127.0.0.1:{port}`
          : `${bun} ${join(ROOT, "core/cli.ts")} run -f {manifest} -l udp:127.0.0.1:{port}`,
    });
  }
  for (const s of o.servers) out.push({ label: s.label, kind: "server", versionText: "", command: s.command });
  return out;
};

// ------------------------------------------------------------------------------------------
// the SIPp UAS

interface UasCounters {
  created: number;
  successful: number;
  failed: number;
  retransmissions: number;
  unexpected: number;
  outOfCall: number;
  deadCall: number;
}

const ZERO: UasCounters = { created: 0, successful: 0, failed: 0, retransmissions: 0, unexpected: 0, outOfCall: 0, deadCall: 0 };

/** Cumulative counters from the last line SIPp wrote to its -trace_stat file. */
const readCounters = (file: string): UasCounters => {
  let lines: string[];
  try {
    lines = readFileSync(file, "latin1").trim().split("\n");
  } catch {
    return ZERO;
  }
  if (lines.length < 2) return ZERO;
  const head = lines[0]!.split(";");
  const last = lines[lines.length - 1]!.split(";");
  const n = (k: string): number => Number(last[head.indexOf(k)] ?? "0") || 0;
  return {
    created: n("TotalCallCreated"),
    successful: n("SuccessfulCall(C)"),
    failed: n("FailedCall(C)"),
    retransmissions: n("Retransmissions(C)"),
    unexpected: n("FailedUnexpectedMessage(C)"),
    outOfCall: n("OutOfCallMsgs(C)"),
    deadCall: n("DeadCallMsgs(C)"),
  };
};

const minus = (a: UasCounters, b: UasCounters): UasCounters => ({
  created: a.created - b.created,
  successful: a.successful - b.successful,
  failed: a.failed - b.failed,
  retransmissions: a.retransmissions - b.retransmissions,
  unexpected: a.unexpected - b.unexpected,
  outOfCall: a.outOfCall - b.outOfCall,
  deadCall: a.deadCall - b.deadCall,
});

const startUas = (o: Options, port: number, dir: string): { proc: ChildProcess; stats: string } => {
  const stats = join(dir, "uas.csv");
  const args = [
    ...UAS[o.scenario],
    "-i", "127.0.0.1",
    "-p", String(port),
    "-t", "u1",
    "-buff_size", String(o.sippBuffer),
    "-timeout", "1800s",
    "-nostdin",
    "-trace_stat", "-stf", stats, "-fd", "1",
  ];
  const [cmd, argv] = o.nice !== 0 ? ["nice", ["-n", String(o.nice), "sipp", ...args]] : ["sipp", args];
  const log = openSync(join(dir, "uas.log"), "w");
  const proc = spawn(cmd, argv, { cwd: dir, stdio: ["ignore", "ignore", log] });
  return { proc, stats };
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
  readonly uasCpuPercent: number;
  readonly pssMiB: number;
  readonly rssMiB: number;
  readonly serverDrops: number | undefined;
  readonly machinePercent: number;
  readonly attempt: number;
  readonly sipp: SippTotals;
  readonly uas: UasCounters;
  /** Requests tm retransmitted during the step (sipmod only, RPC tm.stats). */
  readonly tmRetransmissions: number | undefined;
}

export interface TargetResult {
  readonly label: string;
  readonly version: string;
  readonly command: string;
  readonly steps: readonly StepResult[];
  readonly best: StepResult | undefined;
  readonly idlePssMiB: number;
  readonly idleRssMiB: number;
  readonly error?: string;
}

const judge = (rate: number, t: SippTotals, u: UasCounters, tmRetr: number | undefined): { pass: boolean; why: string } => {
  const why = sippProblems(rate, t);
  if (u.failed > 0) why.push(`UAS ${u.failed} failed`);
  if (u.retransmissions > 0) why.push(`UAS ${u.retransmissions} retrans`);
  if (u.unexpected + u.outOfCall + u.deadCall > 0) why.push(`UAS ${u.unexpected + u.outOfCall + u.deadCall} unexpected/dead`);
  if (tmRetr !== undefined && tmRetr > 0) why.push(`tm ${tmRetr} request retrans`);
  return verdict(why);
};

const tmRetransmissions = async (rpcPort: number | undefined): Promise<number | undefined> => {
  if (rpcPort === undefined) return undefined;
  try {
    const s = (await sipmodRpc(rpcPort, "tm.stats")) as { request_retransmissions?: number };
    return s.request_retransmissions;
  } catch {
    return undefined;
  }
};

export const runTarget = async (target: Target, o: Options, work: string): Promise<TargetResult> => {
  const port = await freeUdpPort();
  const uasPort = await freeUdpPort();
  const dir = mkdtempSync(join(work, "srv-"));
  const cfg = join(dir, "stateful.cfg");
  writeFileSync(cfg, statefulCfg({ ...target.defines, UAS_URI: `"sip:127.0.0.1:${uasPort}"` }));
  const usesManifest = target.command.includes("{manifest}");
  const rpcPort = usesManifest ? await freeTcpPort() : undefined;
  const manifest = join(dir, "plugins.json");
  writeFileSync(manifest, JSON.stringify({ config: cfg, core: { rpc: { listen: `127.0.0.1:${rpcPort ?? 0}` } } }, null, 2));
  const command = target.command
    .replaceAll("{port}", String(port))
    .replaceAll("{cfg}", cfg)
    .replaceAll("{manifest}", manifest)
    .replaceAll("{dir}", dir);
  const logFile = join(dir, "server.log");
  const log = openSync(logFile, "w");
  process.stderr.write(`\n== ${target.label}: ${command} (UAS on ${uasPort})\n`);
  const uas = startUas(o, uasPort, dir);
  const niced = o.nice !== 0 ? `nice -n ${o.nice} ${command}` : command;
  const proc = spawn("sh", ["-c", `exec ${niced}`], { cwd: ROOT, stdio: ["ignore", log, log] });
  const stopAll = async () => {
    await stopTree(proc);
    await stopTree(uas.proc);
  };
  if (!(await waitReady(port, 30000, "ready"))) {
    await stopAll();
    const error = "server did not answer OPTIONS within 30 s";
    process.stderr.write(`   ${error}\n${readFileSync(logFile, "utf8").slice(-2000)}\n`);
    return { label: target.label, version: target.versionText, command, steps: [], best: undefined, idlePssMiB: 0, idleRssMiB: 0, error };
  }
  const pid = proc.pid!;
  process.stderr.write(`   quiet after ${(await waitQuiet(pid)).toFixed(1)} s\n`);
  const idle = memoryKiB(processTree(pid));
  const lowest = Math.min(...o.rates);
  await runSippStep({ scenario: UAC[o.scenario], serverPort: port, localPorts: [await freeUdpPort()], rate: lowest, seconds: 2, workDir: dir, tag: "warm", sippBuffer: o.sippBuffer, nice: o.nice });
  await sleep(2000);

  const { steps, best } = await climb(o, (rate, attempt) => measureStep(o, pid, port, uas, rpcPort, dir, rate, attempt));
  await stopAll();
  return { label: target.label, version: target.versionText, command, steps, best, idlePssMiB: mib(idle.pss), idleRssMiB: mib(idle.rss) };
};

const measureStep = async (
  o: Options,
  pid: number,
  port: number,
  uas: { proc: ChildProcess; stats: string },
  rpcPort: number | undefined,
  dir: string,
  rate: number,
  attempt: number,
): Promise<StepResult> => {
  const uac = await freeUdpPort();
  const tree = processTree(pid);
  const t0 = cpuTicks(tree);
  const u0 = cpuTicks([uas.proc.pid!]);
  const m0 = machineJiffies();
  const w0 = performance.now();
  const uas0 = readCounters(uas.stats);
  const retr0 = await tmRetransmissions(rpcPort);
  const drops0 = udpKernelDrops("127.0.0.1", port, 4);
  let peak = { rss: 0, pss: 0 };
  const sampler = setInterval(() => {
    const m = memoryKiB(processTree(pid));
    if (m.pss > peak.pss) peak = m;
  }, 250);
  const sipp = await runSippStep({ scenario: UAC[o.scenario], serverPort: port, localPorts: [uac], rate, seconds: o.seconds, workDir: dir, tag: `r${rate}-${attempt}`, sippBuffer: o.sippBuffer, nice: o.nice });
  clearInterval(sampler);
  const wall = (performance.now() - w0) / 1000;
  const cpuSeconds = (cpuTicks(processTree(pid)) - t0) / ticksPerSecond();
  const cpu = (cpuSeconds / wall) * 100;
  const uasCpu = ((cpuTicks([uas.proc.pid!]) - u0) / ticksPerSecond() / wall) * 100;
  const machine = machinePercent(m0, machineJiffies());
  const drops1 = udpKernelDrops("127.0.0.1", port, 4);
  const end = memoryKiB(processTree(pid));
  if (end.pss > peak.pss) peak = end;
  // The UAS writes its statistics every second: wait for the line that covers the step's end.
  await sleep(2200);
  const uasD = minus(readCounters(uas.stats), uas0);
  const retr1 = await tmRetransmissions(rpcPort);
  const tmRetr = retr0 !== undefined && retr1 !== undefined ? retr1 - retr0 : undefined;
  const j = judge(rate, sipp, uasD, tmRetr);
  const r: StepResult = {
    rate,
    pass: j.pass,
    why: j.why,
    achieved: Math.round(sipp.callRate),
    cpuPercent: Math.round(cpu),
    cpuSeconds,
    uasCpuPercent: Math.round(uasCpu),
    pssMiB: mib(peak.pss),
    rssMiB: mib(peak.rss),
    serverDrops: drops0 !== undefined && drops1 !== undefined ? drops1 - drops0 : undefined,
    machinePercent: Math.round(machine),
    attempt,
    sipp,
    uas: uasD,
    tmRetransmissions: tmRetr,
  };
  process.stderr.write(
    `   ${String(rate).padStart(6)}/s: ${j.pass ? "PASS" : "FAIL"} (${j.why}) achieved ${r.achieved}/s ok ${sipp.successful}/${sipp.created} ` +
      `UAS calls ${uasD.created} cpu ${r.cpuPercent}% (UAS sipp ${r.uasCpuPercent}%) pss ${r.pssMiB} MiB rss ${r.rssMiB} MiB ` +
      `kernel drops server ${r.serverDrops ?? "?"} machine ${r.machinePercent}%${tmRetr !== undefined ? ` tm retrans ${tmRetr}` : ""}` +
      `${attempt > 0 ? ` (retry ${attempt})` : ""}\n`,
  );
  return r;
};

// ------------------------------------------------------------------------------------------
// main

const main = async () => {
  const o = parseArgs(process.argv.slice(2));
  const list = targets(o);
  const { rounds, stamp, load0 } = await runLadderRounds(o, "sipmod-bench-sf-", list, (t, work) => runTarget(t, o, work));
  const k1 = list.findIndex((t) => t.kind === "kamailio" && t.kamChildren === 1);
  const what = o.scenario === "options" ? "OPTIONS -> 200" : "calls INVITE/100/180/200/ACK/BYE/200";
  const lines = [
    `Stateful relay (t_relay to a SIPp UAS), ${what}, SIPp UAC and UAS on 127.0.0.1, ${o.seconds} s per step, ${o.rounds} round(s), ${stamp}` +
      (o.nice !== 0 ? `, servers and SIPp at nice ${o.nice}` : ""),
    machineLine(load0),
    "",
    "| server | version | max rate, zero failures and retransmissions (median; each round) | server CPU at that rate | UAS SIPp CPU | memory PSS idle -> at rate (RSS at rate) | next step failed with (kernel drops at server) | vs Kamailio c=1 |",
    "|---|---|---|---|---|---|---|---|",
  ];
  list.forEach((t, k) => {
    const { mid, best: b, failStep, rateCell } = targetSummary<StepResult, TargetResult>(rounds, k);
    lines.push(
      `| ${t.label} | ${mid.version} | ${rateCell} | ${b ? `${b.cpuPercent}%` : "-"} | ${b ? `${b.uasCpuPercent}%` : "-"} | ` +
        `${mid.idlePssMiB} -> ${b ? b.pssMiB : "-"} MiB (${b ? b.rssMiB : "-"} MiB) | ` +
        `${failStep ? `${failStep.rate}/s: ${failStep.why} (${failStep.serverDrops ?? "?"})` : "none (ladder top)"} | ${ratioToRef(rounds, k, k1)} |`,
    );
  });
  process.stdout.write(`${lines.join("\n")}\n`);
  if (o.json !== undefined) writeFileSync(o.json, JSON.stringify({ date: stamp, options: o, targets: list, rounds }, null, 2));
};

runMain(main, import.meta.url);
