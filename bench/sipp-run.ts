/**
 * Run SIPp load generators for one rate step and read their final statistics
 * (the last line of each `-trace_stat` CSV file).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface SippTotals {
  readonly created: number;
  readonly successful: number;
  readonly failed: number;
  readonly retransmissions: number;
  readonly unexpected: number;
  readonly outOfCall: number;
  readonly deadCall: number;
  readonly timeouts: number;
  /** Sum over the SIPp processes of their cumulative call rate. */
  readonly callRate: number;
  /** Exit codes of the SIPp processes (0: every call succeeded). */
  readonly exitCodes: readonly (number | null)[];
  /** Wall time of the step, seconds. */
  readonly wall: number;
}

export interface SippStep {
  /** Scenario file (-sf), or a SIPp built-in scenario as `sn:<name>` (-sn, e.g. `sn:uac`). */
  readonly scenario: string;
  readonly serverPort: number;
  /** One local port per SIPp process. */
  readonly localPorts: readonly number[];
  /** Calls per second, total (split evenly over the SIPp processes). */
  readonly rate: number;
  readonly seconds: number;
  readonly workDir: string;
  readonly tag: string;
  /** SIPp socket buffer size (-buff_size), bytes. */
  readonly sippBuffer: number;
  /** Scheduling priority for SIPp (`nice -n`), 0 = unchanged. */
  readonly nice: number;
}

const lastStats = (file: string): Map<string, string> => {
  const lines = readFileSync(file, "latin1").trim().split("\n");
  const head = lines[0]!.split(";");
  const last = lines[lines.length - 1]!.split(";");
  const m = new Map<string, string>();
  head.forEach((h, i) => m.set(h, last[i] ?? ""));
  return m;
};

const num = (m: Map<string, string>, k: string): number => Number(m.get(k) ?? "0") || 0;

/**
 * Start one SIPp per local port, each at rate/n calls per second for `seconds`, with a bounded
 * call count (-m), a 2 s receive timeout per call and a global timeout; wait for all to exit.
 */
export const runSippStep = async (step: SippStep): Promise<SippTotals> => {
  const n = step.localPorts.length;
  const each = step.rate / n;
  const count = Math.max(1, Math.round(each * step.seconds));
  const started = performance.now();
  const runs = step.localPorts.map((lport, i) => {
    const stf = join(step.workDir, `${step.tag}-${i}.csv`);
    const args = [
      ...(step.scenario.startsWith("sn:") ? ["-sn", step.scenario.slice(3)] : ["-sf", step.scenario]),
      `127.0.0.1:${step.serverPort}`,
      "-i", "127.0.0.1",
      "-p", String(lport),
      "-t", "u1",
      "-r", String(Math.round(each)),
      "-rp", "1000",
      "-m", String(count),
      "-l", String(Math.max(1000, Math.round(each * 3))),
      "-recv_timeout", "2000",
      "-timeout", `${Math.ceil(step.seconds) + 10}s`,
      "-buff_size", String(step.sippBuffer),
      "-nostdin",
      "-trace_stat", "-stf", stf, "-fd", "1",
    ];
    return new Promise<{ code: number | null; stf: string }>((resolve) => {
      const [cmd, argv] = step.nice !== 0 ? ["nice", ["-n", String(step.nice), "sipp", ...args]] : ["sipp", args];
      const p = spawn(cmd, argv, { cwd: step.workDir, stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      p.stderr.on("data", (d: Buffer) => {
        if (err.length < 4000) err += d.toString();
      });
      const killer = setTimeout(() => p.kill("SIGKILL"), (step.seconds + 20) * 1000);
      p.on("exit", (code) => {
        clearTimeout(killer);
        if (code !== 0 && code !== 1 && err.trim() !== "") process.stderr.write(`sipp[${i}] exit ${code}: ${err.trim()}\n`);
        resolve({ code, stf });
      });
    });
  });
  const done = await Promise.all(runs);
  const wall = (performance.now() - started) / 1000;
  let created = 0, successful = 0, failed = 0, retrans = 0, unexpected = 0, outOfCall = 0, dead = 0, timeouts = 0, rate = 0;
  for (const d of done) {
    let m: Map<string, string>;
    try {
      m = lastStats(d.stf);
    } catch {
      failed += count; // no statistics: count the whole share as failed
      continue;
    }
    created += num(m, "TotalCallCreated");
    successful += num(m, "SuccessfulCall(C)");
    failed += num(m, "FailedCall(C)");
    retrans += num(m, "Retransmissions(C)");
    unexpected += num(m, "FailedUnexpectedMessage(C)");
    outOfCall += num(m, "OutOfCallMsgs(C)");
    dead += num(m, "DeadCallMsgs(C)");
    timeouts += num(m, "FailedTimeoutOnRecv(C)");
    rate += num(m, "CallRate(C)");
  }
  return {
    created,
    successful,
    failed,
    retransmissions: retrans,
    unexpected,
    outOfCall,
    deadCall: dead,
    timeouts,
    callRate: rate,
    exitCodes: done.map((d) => d.code),
    wall,
  };
};
