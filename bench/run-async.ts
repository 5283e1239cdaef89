/**
 * async module benchmark: suspended transactions (async_sleep) and CPU-heavy resumed routes
 * (async_route), sipmod and Kamailio 5.6 in one invocation, on the same cfg
 * (bench/kamailio/async.cfg, a copy with the harness's defines). Two parts:
 *
 *   sleep  --calls N INVITEs (default 10 000), each its own Call-ID, sent as fast as this script's
 *          sender can (--sockets UDP sockets, round robin; --send-rate R to pace instead) to
 *            request_route { ...; t_check_trans(); async_sleep("1"); send_reply("404","Not found"); exit; }
 *          with tm's fr_timer 30 000 ms and async workers 1. The sender acts as a UAC: an INVITE
 *          without any reply is sent again after 500 ms, 1 s, 2 s, ... (RFC 3261 timer A) and
 *          given up after 32 s (timer B); every final reply is ACKed (same branch). Measured: 404s
 *          received (first one per call), other finals and calls without a final; lateness of each
 *          404 against its INVITE's first send + the sleep (min, p50, p99, max); INVITEs sent again
 *          and 404s received twice; datagrams the kernel dropped at the server socket; server CPU per
 *          call; and memory per suspended transaction: PSS of the server's whole process tree
 *          (/proc/<pid>/smaps_rollup; Kamailio's forked processes summed) while the calls wait,
 *          minus its idle PSS (after a warm-up of --warmup calls and a quiet period), divided by
 *          the calls suspended then. That sample is taken when all N calls got their 100 Trying and
 *          none its 404 yet (all N suspended); when the first 404 comes earlier, the 100 ms sample
 *          with the most calls suspended speaks (the table says how many). Goal: p99 lateness under
 *          20 ms; memory per suspended transaction against Kamailio's.
 *   cpu    SIPp (bench/sipp/async-invite-uac.xml: INVITE, 100, 404, ACK) at steady rates against
 *            async_route("WORK","1")  ->  route[WORK]: LOOPS x 40 rounds of $var string work
 *            (the loop of bench/kamailio/cpu.cfg, ~1 ms on sipmod at LOOPS 26), send_reply 404
 *          with `modparam("async","workers",W)` for each W of --workers (sipmod) and
 *          --kamailio-workers (Kamailio, the reference). Highest rate with zero failures (ladder.ts's
 *          rule: no failed call, no retransmission, no unexpected message, every call answered, and
 *          95% of the rate, counted here as calls created / (step wall time - the 1 s sleep), so a
 *          backlog of more than ~5% of the step on the async workers fails the step), server CPU
 *          µs per request. Target: sipmod workers=2 / workers=1 >= 1.6.
 *
 * sipmod runs from the TypeScript sources (`node --import tsx core/cli.ts run`, with a plugins.json
 * naming the cfg copy and an RPC port: async.stats and tm.stats are read after each sleep run);
 * children=1. Kamailio: `kamailio -f <copy> -DD -E -A CHILDREN=c -A WORKERS=w -m 1024 -b 4194304`.
 *
 *   node --import tsx bench/run-async.ts [options]
 *     --parts sleep,cpu                which parts, in this order
 *     --runtimes node[,bun]            sipmod runtimes ("" for none)
 *     --kamailio yes|no                Kamailio rows (default yes)
 *     sleep part:
 *     --calls 10000                    INVITEs (1 to 100 000)
 *     --sleep 1                        async_sleep seconds (1 to 10)
 *     --sockets 16                     sender sockets (1 to 256)
 *     --send-rate 0                    INVITEs/s; 0 = as fast as the sender can
 *     --warmup 500                     calls sent (paced, 2 000/s) and answered before the idle PSS
 *     cpu part:
 *     --workers 1,2                    sipmod async workers
 *     --kamailio-workers 1,2           Kamailio async workers ("" for none)
 *     --loops 26                       LOOPS of route[WORK]
 *     --cpu-rates 50,100,...           the ladder (requests/s)
 *     --fixed 100                      a ladder rate whose CPU µs/request is reported for every row
 *     --seconds 4  --rounds 2  --retries 1  --sipp-buffer 4194304
 *     both:
 *     --kamailio-children 1            Kamailio's children (sipmod: children=1)
 *     --kamailio-shm 1024  --kamailio-buffer 4194304
 *     --nice 0                         servers and SIPp under `nice -n N`, and this session's autogroup
 *     --max-minutes 45                 stop everything and exit 3 after this long
 *     --json file                      also write the results as JSON
 *
 * Bounded: N calls (plus their retransmissions, at most 7 each) per sleep target, each ladder step
 * -m rate*seconds calls, a watchdog over the whole run. Everything this script started (servers,
 * SIPp) is killed on exit, SIGINT and SIGTERM. Only 127.0.0.1 is used. Run as root for Kamailio.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as dgram from "node:dgram";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, setPriority, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { udpKernelDrops } from "../core/transport/udp-kernel-drops.ts";
import {
  cfgWithDefines,
  csv,
  eachOption,
  freeTcpPort,
  freeUdpPort,
  median,
  setAutogroupNice,
  sipmodRpc,
  sleep,
  stopTree,
  version,
  waitQuiet,
  waitReady,
} from "./harness.ts";
import { climb, type LadderOptions, machineLine, ratioToRef, runLadderRounds, runMain, sippProblems, targetSummary, verdict } from "./ladder.ts";
import { cpuTicks, machineJiffies, machinePercent, memoryKiB, mib, processTree, ticksPerSecond } from "./proc-sample.ts";
import { runSippStep, type SippTotals } from "./sipp-run.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CFG = "bench/kamailio/async.cfg";
const SCENARIO = join(ROOT, "bench/sipp/async-invite-uac.xml");
const BUN = join(ROOT, "node_modules/.bin/bun");
const PARTS = ["sleep", "cpu"] as const;
type Part = (typeof PARTS)[number];

// ------------------------------------------------------------------------------------------
// options

interface Options {
  parts: Part[];
  runtimes: string[];
  kamailio: boolean;
  calls: number;
  sleepSeconds: number;
  sockets: number;
  sendRate: number;
  warmup: number;
  workers: number[];
  kamailioWorkers: number[];
  loops: number;
  cpuRates: number[];
  fixed: number;
  seconds: number;
  rounds: number;
  retries: number;
  sippBuffer: number;
  kamailioChildren: number;
  kamailioShm: number;
  kamailioBuffer: number;
  nice: number;
  maxMinutes: number;
  json: string | undefined;
}

const parseArgs = (argv: readonly string[]): Options => {
  const o: Options = {
    parts: [...PARTS],
    runtimes: ["node"],
    kamailio: true,
    calls: 10000,
    sleepSeconds: 1,
    sockets: 16,
    sendRate: 0,
    warmup: 500,
    workers: [1, 2],
    kamailioWorkers: [1, 2],
    loops: 26,
    cpuRates: [50, 100, 150, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500, 1600, 1800, 2000],
    fixed: 100,
    seconds: 4,
    rounds: 2,
    retries: 1,
    sippBuffer: 4 * 1024 * 1024,
    kamailioChildren: 1,
    kamailioShm: 1024,
    kamailioBuffer: 4 * 1024 * 1024,
    nice: 0,
    maxMinutes: 45,
    json: undefined,
  };
  eachOption(argv, (a, v) => {
    if (a === "--parts") o.parts = csv(v()) as Part[];
    else if (a === "--runtimes") o.runtimes = csv(v());
    else if (a === "--kamailio") o.kamailio = v() !== "no";
    else if (a === "--calls") o.calls = Number(v());
    else if (a === "--sleep") o.sleepSeconds = Number(v());
    else if (a === "--sockets") o.sockets = Number(v());
    else if (a === "--send-rate") o.sendRate = Number(v());
    else if (a === "--warmup") o.warmup = Number(v());
    else if (a === "--workers") o.workers = csv(v()).map(Number);
    else if (a === "--kamailio-workers") o.kamailioWorkers = csv(v()).map(Number);
    else if (a === "--loops") o.loops = Number(v());
    else if (a === "--cpu-rates") o.cpuRates = csv(v()).map(Number);
    else if (a === "--fixed") o.fixed = Number(v());
    else if (a === "--seconds") o.seconds = Number(v());
    else if (a === "--rounds") o.rounds = Number(v());
    else if (a === "--retries") o.retries = Number(v());
    else if (a === "--sipp-buffer") o.sippBuffer = Number(v());
    else if (a === "--kamailio-children") o.kamailioChildren = Number(v());
    else if (a === "--kamailio-shm") o.kamailioShm = Number(v());
    else if (a === "--kamailio-buffer") o.kamailioBuffer = Number(v());
    else if (a === "--nice") o.nice = Number(v());
    else if (a === "--max-minutes") o.maxMinutes = Number(v());
    else if (a === "--json") o.json = v();
    else return false;
    return true;
  });
  const int = (x: number, lo: number, hi: number) => Number.isInteger(x) && x >= lo && x <= hi;
  for (const p of o.parts) if (!PARTS.includes(p)) throw new Error(`--parts: ${PARTS.join(", ")}, not ${p}`);
  for (const r of o.runtimes) if (r !== "node" && r !== "bun") throw new Error(`--runtimes: node or bun, not ${r}`);
  if (!int(o.calls, 1, 100000)) throw new Error("--calls: 1 to 100 000");
  if (!int(o.sleepSeconds, 1, 10)) throw new Error("--sleep: 1 to 10 (seconds)");
  if (!int(o.sockets, 1, 256)) throw new Error("--sockets: 1 to 256");
  if (!(o.sendRate >= 0 && o.sendRate <= 1e6)) throw new Error("--send-rate: 0 (as fast as possible) to 1 000 000");
  if (!int(o.warmup, 0, 10000)) throw new Error("--warmup: 0 to 10 000");
  for (const w of [...o.workers, ...o.kamailioWorkers]) if (!int(w, 1, 16)) throw new Error("--workers/--kamailio-workers: 1 to 16");
  if (!int(o.loops, 1, 99)) throw new Error("--loops: 1 to 99 (Kamailio's max_while_loops is 100)");
  if (o.cpuRates.length === 0 || o.cpuRates.some((r) => !(r > 0 && r <= 20000))) throw new Error("--cpu-rates: 1 to 20 000");
  if (!(o.seconds >= 1 && o.seconds <= 30)) throw new Error("--seconds: 1 to 30");
  if (!int(o.rounds, 1, 10)) throw new Error("--rounds: 1 to 10");
  if (!int(o.retries, 0, 5)) throw new Error("--retries: 0 to 5");
  if (!int(o.kamailioChildren, 1, 16)) throw new Error("--kamailio-children: 1 to 16");
  if (!int(o.nice, -20, 19)) throw new Error("--nice: -20 to 19");
  if (!(o.maxMinutes > 0 && o.maxMinutes <= 240)) throw new Error("--max-minutes: up to 240");
  return o;
};

// ------------------------------------------------------------------------------------------
// what this script started, killed on the way out

const started = new Set<ChildProcess>();

/** SIGKILL every live descendant of this process (servers, their forks, SIPp). Synchronous. */
const killEverything = (): void => {
  for (const pid of processTree(process.pid)) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
};

const installExitHandlers = (maxMinutes: number): void => {
  process.on("exit", killEverything);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      process.stderr.write(`\n${sig}: stopping everything this benchmark started\n`);
      killEverything();
      process.exit(130);
    });
  }
  const watchdog = setTimeout(() => {
    process.stderr.write(`\n--max-minutes ${maxMinutes} reached: stopping everything\n`);
    killEverything();
    process.exit(3);
  }, maxMinutes * 60_000);
  watchdog.unref();
};

// ------------------------------------------------------------------------------------------
// targets and servers

interface Target {
  readonly label: string;
  readonly kind: "sipmod" | "kamailio";
  readonly runtime: string;
  readonly workers: number;
  readonly versionText: string;
}

const runtimeName = (rt: string): string => (rt === "node" ? "Node" : rt === "bun" ? "Bun" : "Kamailio");

const sipmodTarget = (rt: string, workers: number): Target => ({
  label: `sipmod (${runtimeName(rt)}) workers=${workers}`,
  kind: "sipmod",
  runtime: rt,
  workers,
  versionText: rt === "node" ? `Node ${process.versions.node}` : `Bun ${version(BUN, ["--version"])}`,
});

const kamailioTarget = (workers: number, children: number): Target => ({
  label: `Kamailio children=${children} workers=${workers}`,
  kind: "kamailio",
  runtime: "kamailio",
  workers,
  versionText: version("kamailio", ["-v"]).replace(/^version:\s*/, ""),
});

interface Server {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly rpcPort: number | undefined;
  readonly command: string;
  readonly logFile: string;
}

/**
 * Write the cfg copy (and, for sipmod, a plugins.json naming it with an RPC port), start the server
 * in `dir`, wait for its OPTIONS 200 and for its process tree to be quiet. Undefined (server stopped,
 * log tail printed) when it does not answer within 30 s.
 */
const startServer = async (t: Target, o: Options, defines: Record<string, string>, dir: string): Promise<Server | undefined> => {
  const port = await freeUdpPort();
  const cfg = join(dir, "async.cfg");
  writeFileSync(cfg, cfgWithDefines(CFG, { ...defines, WORKERS: String(t.workers), CHILDREN: String(t.kind === "kamailio" ? o.kamailioChildren : 1) }));
  let rpcPort: number | undefined;
  let command: string;
  if (t.kind === "kamailio") {
    command =
      `kamailio -f ${cfg} -DD -E -A CHILDREN=${o.kamailioChildren} -A WORKERS=${t.workers} -m ${o.kamailioShm}` +
      `${o.kamailioBuffer > 0 ? ` -b ${o.kamailioBuffer}` : ""} -l udp:127.0.0.1:${port} -Y ${dir} -w ${dir}`;
  } else {
    rpcPort = await freeTcpPort();
    const manifest = join(dir, "plugins.json");
    writeFileSync(manifest, JSON.stringify({ config: cfg, core: { rpc: { listen: `127.0.0.1:${rpcPort}` } } }, null, 2));
    const rt = t.runtime === "node" ? `${process.execPath} --import tsx` : BUN;
    command = `${rt} ${join(ROOT, "core/cli.ts")} run -f ${manifest} -l udp:127.0.0.1:${port}`;
  }
  const logFile = join(dir, "server.log");
  const log = openSync(logFile, "w");
  process.stderr.write(`\n== ${t.label}: ${command}\n`);
  const niced = o.nice !== 0 ? `nice -n ${o.nice} ${command}` : command;
  const proc = spawn("sh", ["-c", `exec ${niced}`], { cwd: ROOT, stdio: ["ignore", log, log] });
  started.add(proc);
  proc.once("exit", () => started.delete(proc));
  if (!(await waitReady(port, 30000))) {
    await stopTree(proc);
    process.stderr.write(`   server did not answer OPTIONS within 30 s\n${readFileSync(logFile, "utf8").slice(-2000)}\n`);
    return undefined;
  }
  process.stderr.write(`   quiet after ${(await waitQuiet(proc.pid!)).toFixed(1)} s\n`);
  return { proc, pid: proc.pid!, port, rpcPort, command, logFile };
};

const rpcOr = async (s: Server, method: string): Promise<Record<string, unknown> | undefined> => {
  if (s.rpcPort === undefined) return undefined;
  try {
    return (await sipmodRpc(s.rpcPort, method)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

// ------------------------------------------------------------------------------------------
// sleep part: the UAC

interface SendStats {
  readonly n: number;
  /** ms from the first INVITE sent to the last (first sends). */
  readonly sendMs: number;
  readonly ok404: number;
  /** Final replies other than 404, by code. */
  readonly otherFinals: Record<string, number>;
  /** Calls without any final reply at the end (timer B or the deadline). */
  readonly noFinal: number;
  readonly retransmitted: number;
  /** Final replies received again (the server retransmitting, e.g. an ACK it did not match). */
  readonly dupFinals: number;
  /** Lateness of each 404 (ms): received - (first send + sleep). */
  readonly lateness: Float64Array;
  /** Lateness of each 404 that followed a 100 (ms): received - (100 received + sleep): the timer and
   * resume alone, without the time the INVITE waited before the server handled it. */
  readonly latenessAfter100: Float64Array;
  /** The memory sample taken while calls waited. */
  readonly mem: { readonly pssKiB: number; readonly rssKiB: number; readonly suspended: number; readonly atMs: number } | undefined;
  /** sipmod: the main thread's JS heap in use (RPC core.shmmem heap_used, bytes) asked for when all
   * N calls were suspended, and the calls suspended when it answered. */
  readonly heap: { readonly used: number; readonly suspended: number } | undefined;
  readonly firstFinalMs: number | undefined;
  readonly allProvisionalMs: number | undefined;
}

const bindSocket = async (): Promise<dgram.Socket> => {
  const s = dgram.createSocket({ type: "udp4", recvBufferSize: 4 * 1024 * 1024, sendBufferSize: 4 * 1024 * 1024 });
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  return s;
};

const inviteText = (run: string, i: number, port: number, lport: number): string =>
  `INVITE sip:async${i}@127.0.0.1:${port} SIP/2.0\r\n` +
  `Via: SIP/2.0/UDP 127.0.0.1:${lport};branch=z9hG4bK-${run}-${i}\r\n` +
  `Max-Forwards: 70\r\n` +
  `From: "bench" <sip:bench@127.0.0.1:${lport}>;tag=${run}f${i}\r\n` +
  `To: <sip:async${i}@127.0.0.1:${port}>\r\n` +
  `Call-ID: ${run}-${i}@127.0.0.1\r\n` +
  `CSeq: 1 INVITE\r\n` +
  `Contact: <sip:bench@127.0.0.1:${lport}>\r\n` +
  `User-Agent: sipmod-run-async\r\n` +
  `Content-Length: 0\r\n\r\n`;

/** The ACK of a non-2xx final reply: the INVITE's branch, the reply's To (with its tag). */
const ackText = (run: string, i: number, port: number, lport: number, reply: string): string => {
  const to = /\r\n(?:To|t)\s*:[^\r\n]*/i.exec(reply)?.[0] ?? `\r\nTo: <sip:async${i}@127.0.0.1:${port}>`;
  return (
    `ACK sip:async${i}@127.0.0.1:${port} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 127.0.0.1:${lport};branch=z9hG4bK-${run}-${i}\r\n` +
    `Max-Forwards: 70\r\n` +
    `From: "bench" <sip:bench@127.0.0.1:${lport}>;tag=${run}f${i}` +
    `${to}\r\n` +
    `Call-ID: ${run}-${i}@127.0.0.1\r\n` +
    `CSeq: 1 ACK\r\n` +
    `Content-Length: 0\r\n\r\n`
  );
};

/**
 * Send n INVITEs (as fast as possible, or at `rate`/s), act as their UAC until every call has a
 * final reply or the deadline, and sample the server's memory (`memPid`) while the calls wait.
 */
const runCalls = async (
  port: number,
  n: number,
  opts: { sockets: number; rate: number; sleepMs: number; memPid: number | undefined; tag: string; heapProbe?: () => Promise<number | undefined> },
): Promise<SendStats> => {
  const socks: dgram.Socket[] = [];
  for (let k = 0; k < opts.sockets; k++) socks.push(await bindSocket());
  const lports = socks.map((s) => s.address().port);
  const run = `${opts.tag}${Date.now().toString(36)}`;
  const firstSend = new Float64Array(n).fill(NaN);
  const lastSend = new Float64Array(n);
  const nextGap = new Float64Array(n).fill(500);
  const sends = new Uint8Array(n);
  const provisional = new Uint8Array(n);
  const provisionalAt = new Float64Array(n).fill(NaN);
  const finalAt = new Float64Array(n).fill(NaN);
  const finalCode = new Uint16Array(n);
  let provisionals = 0;
  let finals = 0;
  let suspendedNow = 0; // a 100 and no final yet
  let retransmitted = 0;
  let dupFinals = 0;
  let firstFinal: number | undefined;
  let allProvisional: number | undefined;
  let mem: SendStats["mem"];
  let heap: SendStats["heap"];
  const t0 = performance.now();

  const takeMemory = () => {
    if (opts.memPid === undefined || firstFinal !== undefined) return;
    const m = memoryKiB(processTree(opts.memPid));
    if (mem === undefined || suspendedNow > mem.suspended) mem = { pssKiB: m.pss, rssKiB: m.rss, suspended: suspendedNow, atMs: performance.now() - t0 };
  };

  const callOf = (text: string): number => {
    const m = /\r\n(?:Call-ID|i)\s*:\s*([^\r\n]+)/i.exec(text);
    if (!m || !m[1]!.startsWith(`${run}-`)) return -1;
    const i = Number.parseInt(m[1]!.slice(run.length + 1), 10);
    return Number.isInteger(i) && i >= 0 && i < n ? i : -1;
  };

  socks.forEach((s, k) => {
    s.on("message", (buf) => {
      const now = performance.now();
      const text = buf.toString("latin1");
      if (!text.startsWith("SIP/2.0 ")) return;
      const i = callOf(text);
      if (i < 0) return;
      const code = Number(text.slice(8, 11));
      if (code < 200) {
        if (provisional[i] === 0 && Number.isNaN(finalAt[i]!)) {
          provisional[i] = 1;
          provisionalAt[i] = now;
          provisionals++;
          suspendedNow++;
          if (provisionals === n && finals === 0 && allProvisional === undefined) {
            allProvisional = now - t0;
            takeMemory(); // every call suspended, none resumed yet
            void opts.heapProbe?.().then((used) => {
              if (used !== undefined) heap = { used, suspended: suspendedNow };
            });
          }
        }
        return;
      }
      s.send(ackText(run, i, port, lports[k]!, text), port, "127.0.0.1");
      if (!Number.isNaN(finalAt[i]!)) {
        dupFinals++;
        return;
      }
      finalAt[i] = now;
      finalCode[i] = code;
      finals++;
      if (provisional[i] === 1) suspendedNow--;
      if (firstFinal === undefined) firstFinal = now - t0;
    });
  });

  const send = (i: number) => {
    const k = i % socks.length;
    const now = performance.now();
    if (Number.isNaN(firstSend[i]!)) firstSend[i] = now;
    lastSend[i] = now;
    sends[i]!++;
    socks[k]!.send(inviteText(run, i, port, lports[k]!), port, "127.0.0.1");
  };

  // Timer A / timer B for calls without any reply; memory while nothing has resumed.
  let sent = 0;
  const timerA = setInterval(() => {
    const now = performance.now();
    for (let i = 0; i < sent; i++) {
      if (provisional[i] === 1 || !Number.isNaN(finalAt[i]!)) continue;
      if (now - firstSend[i]! >= 32000) continue; // timer B: given up
      if (now - lastSend[i]! >= nextGap[i]!) {
        nextGap[i] = nextGap[i]! * 2;
        retransmitted++;
        send(i);
      }
    }
  }, 20);
  const memTimer = opts.memPid !== undefined ? setInterval(takeMemory, 100) : undefined;
  if (opts.memPid !== undefined) takeMemory();

  // First sends: as fast as possible (chunks, yielding to the receive side), or paced.
  const chunk = 256;
  while (sent < n) {
    const due = opts.rate > 0 ? Math.min(n, Math.floor(((performance.now() - t0) / 1000) * opts.rate) + 1) : Math.min(n, sent + chunk);
    for (; sent < due; sent++) send(sent);
    await new Promise<void>((r) => (opts.rate > 0 ? setTimeout(r, 1) : setImmediate(r)));
  }
  const sendMs = firstSend[n - 1]! - firstSend[0]!;
  // Until every call has its final or timer B ran out for the last silent one.
  const deadline = performance.now() + opts.sleepMs + 34000;
  while (finals < n && performance.now() < deadline) {
    await sleep(20);
    if (firstFinal !== undefined && memTimer !== undefined) clearInterval(memTimer);
  }
  if (memTimer !== undefined) clearInterval(memTimer);
  clearInterval(timerA);
  await sleep(1500); // a final sent again (no ACK matched) shows up here
  for (const s of socks) s.close();

  let ok404 = 0;
  const otherFinals: Record<string, number> = {};
  const late: number[] = [];
  const late100: number[] = [];
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(finalAt[i]!)) continue;
    if (finalCode[i] === 404) {
      ok404++;
      late.push(finalAt[i]! - firstSend[i]! - opts.sleepMs);
      if (!Number.isNaN(provisionalAt[i]!)) late100.push(finalAt[i]! - provisionalAt[i]! - opts.sleepMs);
    } else otherFinals[String(finalCode[i])] = (otherFinals[String(finalCode[i])] ?? 0) + 1;
  }
  return {
    n,
    sendMs,
    ok404,
    otherFinals,
    noFinal: n - finals,
    retransmitted,
    dupFinals,
    lateness: Float64Array.from(late).sort(),
    latenessAfter100: Float64Array.from(late100).sort(),
    mem,
    heap,
    firstFinalMs: firstFinal,
    allProvisionalMs: allProvisional,
  };
};

const pct = (v: Float64Array, q: number): number => (v.length === 0 ? NaN : v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))]!);

interface Spread {
  readonly min: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly count: number;
}

const spread = (v: Float64Array): Spread => ({ min: pct(v, 0), p50: pct(v, 0.5), p99: pct(v, 0.99), max: pct(v, 1), count: v.length });

interface SleepResult {
  readonly label: string;
  readonly version: string;
  readonly command: string;
  readonly error?: string;
  readonly idlePssKiB?: number;
  readonly idleRssKiB?: number;
  /** sipmod: main thread heap in use at idle (bytes). */
  readonly idleHeap?: number | undefined;
  readonly stats?: Omit<SendStats, "lateness" | "latenessAfter100"> & { readonly lateness: Spread; readonly latenessAfter100: Spread };
  readonly serverDrops?: number | undefined;
  readonly cpuUsPerCall?: number;
  readonly warmup?: { readonly ok404: number; readonly noFinal: number };
  readonly asyncStats?: Record<string, unknown>;
  readonly tmStats?: Record<string, unknown>;
}

const sleepTarget = async (t: Target, o: Options, work: string): Promise<SleepResult> => {
  const dir = mkdtempSync(join(work, "sleep-"));
  const base = { label: t.label, version: t.versionText, command: "" };
  const s = await startServer(t, o, { SLEEP: `"${o.sleepSeconds}"` }, dir);
  if (s === undefined) return { ...base, error: "server did not answer OPTIONS within 30 s" };
  try {
    const sleepMs = o.sleepSeconds * 1000;
    let warm: SendStats | undefined;
    if (o.warmup > 0) {
      warm = await runCalls(s.port, o.warmup, { sockets: Math.min(4, o.sockets), rate: 2000, sleepMs, memPid: undefined, tag: "w" });
      process.stderr.write(`   warm-up: ${warm.ok404}/${o.warmup} answered 404, p99 lateness ${pct(warm.lateness, 0.99).toFixed(1)} ms\n`);
      await sleep(1000);
      process.stderr.write(`   quiet after ${(await waitQuiet(s.pid)).toFixed(1)} s\n`);
    }
    const heapProbe = async (): Promise<number | undefined> => {
      const m = await rpcOr(s, "core.shmmem");
      return typeof m?.["heap_used"] === "number" ? m["heap_used"] : undefined;
    };
    const idleHeap = await heapProbe();
    const idle = memoryKiB(processTree(s.pid));
    const drops0 = udpKernelDrops("127.0.0.1", s.port, 4);
    const c0 = cpuTicks(processTree(s.pid));
    const st = await runCalls(s.port, o.calls, { sockets: o.sockets, rate: o.sendRate, sleepMs, memPid: s.pid, tag: "s", heapProbe });
    const cpuSeconds = (cpuTicks(processTree(s.pid)) - c0) / ticksPerSecond();
    const drops1 = udpKernelDrops("127.0.0.1", s.port, 4);
    const asyncStats = await rpcOr(s, "async.stats");
    const tmStats = await rpcOr(s, "tm.stats");
    const stats = { ...st, lateness: spread(st.lateness), latenessAfter100: spread(st.latenessAfter100) };
    const r: SleepResult = {
      ...base,
      command: s.command,
      idlePssKiB: idle.pss,
      idleRssKiB: idle.rss,
      idleHeap,
      stats,
      serverDrops: drops0 !== undefined && drops1 !== undefined ? drops1 - drops0 : undefined,
      cpuUsPerCall: (cpuSeconds * 1e6) / o.calls,
      ...(warm !== undefined ? { warmup: { ok404: warm.ok404, noFinal: warm.noFinal } } : {}),
      ...(asyncStats !== undefined ? { asyncStats } : {}),
      ...(tmStats !== undefined ? { tmStats } : {}),
    };
    const m = st.mem;
    process.stderr.write(
      `   ${o.calls} INVITEs in ${st.sendMs.toFixed(0)} ms: 404 ${st.ok404}, other finals ${JSON.stringify(st.otherFinals)}, no final ${st.noFinal}, ` +
        `INVITEs sent again ${st.retransmitted}, finals twice ${st.dupFinals}, kernel drops ${r.serverDrops ?? "?"}; ` +
        `lateness min ${stats.lateness.min.toFixed(1)} p50 ${stats.lateness.p50.toFixed(1)} p99 ${stats.lateness.p99.toFixed(1)} max ${stats.lateness.max.toFixed(1)} ms ` +
        `(after the 100: min ${stats.latenessAfter100.min.toFixed(1)} p50 ${stats.latenessAfter100.p50.toFixed(1)} p99 ${stats.latenessAfter100.p99.toFixed(1)} max ${stats.latenessAfter100.max.toFixed(1)} ms); ` +
        `` +
        `all 100s at ${st.allProvisionalMs?.toFixed(0) ?? "-"} ms, first 404 at ${st.firstFinalMs?.toFixed(0) ?? "-"} ms; ` +
        `PSS idle ${mib(idle.pss)} MiB, ${m ? `${mib(m.pssKiB)} MiB with ${m.suspended} suspended (${(((m.pssKiB - idle.pss) * 1024) / Math.max(1, m.suspended) / 1024).toFixed(1)} KiB each)` : "no sample"}; ` +
        `${st.heap && idleHeap !== undefined ? `JS heap (main) ${(idleHeap / 2 ** 20).toFixed(1)} -> ${(st.heap.used / 2 ** 20).toFixed(1)} MiB with ${st.heap.suspended} suspended (${((st.heap.used - idleHeap) / st.heap.suspended / 1024).toFixed(1)} KiB each); ` : ""}` +
        `CPU ${r.cpuUsPerCall!.toFixed(0)} µs/call` +
        `${asyncStats ? `; async.stats ${JSON.stringify(asyncStats)}` : ""}\n`,
    );
    return r;
  } finally {
    await stopTree(s.proc);
  }
};

const sleepPart = async (o: Options, work: string): Promise<{ lines: string[]; json: unknown }> => {
  const list: Target[] = [...o.runtimes.map((rt) => sipmodTarget(rt, 1)), ...(o.kamailio ? [kamailioTarget(1, o.kamailioChildren)] : [])];
  const restore = o.nice !== 0 ? setAutogroupNice(o.nice) : () => {};
  const stamp = new Date().toISOString();
  const load0 = loadavg()[0]!;
  const results: SleepResult[] = [];
  try {
    for (const t of list) results.push(await sleepTarget(t, o, work));
  } finally {
    restore();
  }
  const f1 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "-" : x.toFixed(1));
  const perTx = (r: SleepResult): number | undefined =>
    r.stats?.mem !== undefined && r.idlePssKiB !== undefined && r.stats.mem.suspended > 0 ? (r.stats.mem.pssKiB - r.idlePssKiB) / r.stats.mem.suspended : undefined;
  const kam = results.find((r, k) => list[k]!.kind === "kamailio" && r.stats !== undefined);
  const lines = [
    `sleep: ${CFG} (async_sleep("${o.sleepSeconds}"), then send_reply 404), tm fr_timer 30000, async workers 1, sipmod children=1, ` +
      `Kamailio children=${o.kamailioChildren} -m ${o.kamailioShm} -b ${o.kamailioBuffer}; ${o.calls} INVITEs ` +
      `${o.sendRate > 0 ? `at ${o.sendRate}/s` : "as fast as the sender can"} from ${o.sockets} sockets; warm-up ${o.warmup} calls; ${stamp}`,
    `${machineLine(load0)}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB${o.nice !== 0 ? `; servers at nice ${o.nice}` : ""}`,
    "",
    "| server | 404s / INVITEs (sent in) | other finals; no final | INVITEs sent again; 404s twice; kernel drops at server | lateness of the 404 vs send + sleep, ms: min / p50 / p99 / max | vs its 100 + sleep, ms: min / p50 / p99 / max | suspended at the memory sample (all 100s at; first 404 at) | PSS idle -> then (MiB) | PSS per suspended transaction | sipmod main-thread JS heap per suspended transaction (RPC core.shmmem) | server CPU per call |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  results.forEach((r) => {
    if (r.stats === undefined) {
      lines.push(`| ${r.label} | ${r.error ?? "failed"} | | | | | | | | | |`);
      return;
    }
    const s = r.stats;
    const l = s.lateness;
    const m = s.mem;
    const other = Object.entries(s.otherFinals).map(([c, k]) => `${k} x ${c}`).join(", ") || "0";
    lines.push(
      `| ${r.label} | ${s.ok404} / ${s.n} (${s.sendMs.toFixed(0)} ms) | ${other}; ${s.noFinal} | ${s.retransmitted}; ${s.dupFinals}; ${r.serverDrops ?? "?"} | ` +
        `${f1(l.min)} / ${f1(l.p50)} / **${f1(l.p99)}** / ${f1(l.max)} | ` +
        `${f1(s.latenessAfter100.min)} / ${f1(s.latenessAfter100.p50)} / **${f1(s.latenessAfter100.p99)}** / ${f1(s.latenessAfter100.max)} (${s.latenessAfter100.count}) | ` +
        `${m ? `${m.suspended}${m.suspended === s.n ? " (all)" : ""} at ${m.atMs.toFixed(0)} ms` : "-"} (${s.allProvisionalMs !== undefined ? `${s.allProvisionalMs.toFixed(0)} ms` : "never"}; ${s.firstFinalMs !== undefined ? `${s.firstFinalMs.toFixed(0)} ms` : "-"}) | ` +
        `${mib(r.idlePssKiB!)} -> ${m ? mib(m.pssKiB) : "-"} | ${perTx(r) !== undefined ? `**${f1(perTx(r))} KiB**` : "-"} | ` +
        `${s.heap !== undefined && r.idleHeap !== undefined ? `${f1((s.heap.used - r.idleHeap) / s.heap.suspended / 1024)} KiB (${s.heap.suspended} suspended)` : "-"} | ${r.cpuUsPerCall!.toFixed(0)} µs |`,
    );
  });
  if (kam !== undefined) {
    const kt = perTx(kam);
    lines.push("", "| ratio to Kamailio | p99 lateness vs send | p99 lateness vs the 100 | memory per suspended transaction | CPU per call |", "|---|---|---|---|---|");
    results.forEach((r, k) => {
      if (list[k]!.kind === "kamailio" || r.stats === undefined) return;
      const q = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !(b > 0) || Number.isNaN(a) ? "-" : `${(a / b).toFixed(2)}x`);
      lines.push(`| ${r.label} | ${q(r.stats.lateness.p99, kam.stats!.lateness.p99)} | ${q(r.stats.latenessAfter100.p99, kam.stats!.latenessAfter100.p99)} | ${q(perTx(r), kt)} | ${q(r.cpuUsPerCall, kam.cpuUsPerCall)} |`);
    });
  }
  const goal = results
    .map((r, k) =>
      list[k]!.kind === "sipmod" && r.stats
        ? `${r.label}: p99 lateness ${f1(r.stats.lateness.p99)} ms after the send (${r.stats.lateness.p99 < 20 ? "MET" : "NOT MET"}, goal < 20 ms), ` +
          `${f1(r.stats.latenessAfter100.p99)} ms after the 100 (${r.stats.latenessAfter100.p99 < 20 ? "MET" : "NOT MET"})`
        : "",
    )
    .filter((x) => x !== "");
  if (goal.length > 0) lines.push("", ...goal);
  return { lines, json: { part: "sleep", date: stamp, options: o, targets: list, results } };
};

// ------------------------------------------------------------------------------------------
// cpu part: a SIPp ladder against async_route with a CPU-heavy route

interface CpuStep {
  readonly rate: number;
  readonly pass: boolean;
  readonly why: string;
  /** Calls created / (wall - sleep). */
  readonly achieved: number;
  readonly cpuPercent: number;
  readonly cpuSeconds: number;
  readonly usPerRequest: number | undefined;
  readonly pssMiB: number;
  readonly serverDrops: number | undefined;
  readonly machinePercent: number;
  readonly attempt: number;
  readonly sipp: SippTotals;
}

interface CpuResult {
  readonly label: string;
  readonly version: string;
  readonly command: string;
  readonly steps: readonly CpuStep[];
  readonly best: CpuStep | undefined;
  readonly idlePssMiB: number;
  readonly error?: string;
}

const cpuStep = async (o: Options, s: Server, dir: string, rate: number, attempt: number): Promise<CpuStep> => {
  const tree = processTree(s.pid);
  const t0 = cpuTicks(tree);
  const m0 = machineJiffies();
  const w0 = performance.now();
  const drops0 = udpKernelDrops("127.0.0.1", s.port, 4);
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, memoryKiB(processTree(s.pid)).pss);
  }, 500);
  const sipp = await runSippStep({ scenario: SCENARIO, serverPort: s.port, localPorts: [await freeUdpPort()], rate, seconds: o.seconds, workDir: dir, tag: `r${rate}-${attempt}`, sippBuffer: o.sippBuffer, nice: o.nice });
  clearInterval(sampler);
  const wall = (performance.now() - w0) / 1000;
  const cpuSeconds = (cpuTicks(processTree(s.pid)) - t0) / ticksPerSecond();
  const drops1 = udpKernelDrops("127.0.0.1", s.port, 4);
  const machine = machinePercent(m0, machineJiffies());
  peak = Math.max(peak, memoryKiB(processTree(s.pid)).pss);
  // SIPp's own CallRate(C) divides by its whole run, which ends a sleep after the last call started.
  const achieved = sipp.created / Math.max(0.001, sipp.wall - 1);
  const j = verdict(sippProblems(rate, { ...sipp, callRate: achieved }));
  const r: CpuStep = {
    rate,
    pass: j.pass,
    why: j.why,
    achieved: Math.round(achieved),
    cpuPercent: Math.round((cpuSeconds / wall) * 100),
    cpuSeconds,
    usPerRequest: sipp.successful > 0 ? (cpuSeconds * 1e6) / sipp.successful : undefined,
    pssMiB: mib(peak),
    serverDrops: drops0 !== undefined && drops1 !== undefined ? drops1 - drops0 : undefined,
    machinePercent: Math.round(machine),
    attempt,
    sipp,
  };
  process.stderr.write(
    `   ${String(rate).padStart(5)}/s: ${j.pass ? "PASS" : "FAIL"} (${j.why}) achieved ${r.achieved}/s ok ${sipp.successful}/${sipp.created} ` +
      `timeouts ${sipp.timeouts} cpu ${r.cpuPercent}% (${r.usPerRequest?.toFixed(0) ?? "-"} µs/req) pss ${r.pssMiB} MiB ` +
      `kernel drops ${r.serverDrops ?? "?"} machine ${r.machinePercent}%${attempt > 0 ? ` (retry ${attempt})` : ""}\n`,
  );
  return r;
};

const cpuTarget = async (t: Target, o: Options, lo: LadderOptions, work: string): Promise<CpuResult> => {
  const dir = mkdtempSync(join(work, "cpu-"));
  const s = await startServer(t, o, { WITH_CPU: "", LOOPS: String(o.loops), SLEEP: '"1"' }, dir);
  if (s === undefined) return { label: t.label, version: t.versionText, command: "", steps: [], best: undefined, idlePssMiB: 0, error: "server did not answer OPTIONS within 30 s" };
  try {
    const idle = memoryKiB(processTree(s.pid));
    const lowest = Math.min(...o.cpuRates);
    await runSippStep({ scenario: SCENARIO, serverPort: s.port, localPorts: [await freeUdpPort()], rate: lowest, seconds: 2, workDir: dir, tag: "warm", sippBuffer: o.sippBuffer, nice: o.nice });
    await sleep(1000);
    const { steps, best } = await climb(lo, (rate, attempt) => cpuStep(o, s, dir, rate, attempt));
    return { label: t.label, version: t.versionText, command: s.command, steps, best, idlePssMiB: mib(idle.pss) };
  } finally {
    await stopTree(s.proc);
  }
};

const cpuPart = async (o: Options): Promise<{ lines: string[]; json: unknown }> => {
  const list: Target[] = [
    ...o.runtimes.flatMap((rt) => o.workers.map((w) => sipmodTarget(rt, w))),
    ...(o.kamailio ? o.kamailioWorkers.map((w) => kamailioTarget(w, o.kamailioChildren)) : []),
  ];
  const lo: LadderOptions = {
    rates: o.cpuRates,
    seconds: o.seconds,
    retries: o.retries,
    nice: o.nice,
    rounds: o.rounds,
    kamailio: [],
    kamailioBuffer: o.kamailioBuffer,
    sippBuffer: o.sippBuffer,
    servers: [],
    json: undefined,
  };
  const { rounds, stamp, load0 } = await runLadderRounds(lo, "sipmod-async-cpu-", list, (t, work) => cpuTarget(t, o, lo, work));
  const refs = list.map((t) => list.findIndex((x) => x.runtime === t.runtime && x.workers === 1));
  const us = (x: number | undefined) => (x === undefined ? "-" : x.toFixed(0));
  const atFixed = (r: CpuResult): number | undefined => {
    const at = r.steps.filter((x) => x.rate === o.fixed);
    return at[at.length - 1]?.usPerRequest;
  };
  const lines = [
    `cpu: ${CFG} with WITH_CPU (async_route("WORK","1"), route[WORK] LOOPS ${o.loops} x 40 rounds of $var string work, send_reply 404), ` +
      `SIPp INVITE/100/404/ACK, ${o.seconds} s per step, ${o.rounds} round(s), sipmod children=1, Kamailio children=${o.kamailioChildren}, ${stamp}`,
    `${machineLine(load0)}${o.nice !== 0 ? `; servers and SIPp at nice ${o.nice}` : ""}`,
    "",
    `| server | max rate, zero failures (median; each round) | CPU at that rate (µs/request) | CPU µs/request at ${o.fixed}/s (each round) | next step failed with (kernel drops) | vs same server workers=1 (median of rounds) |`,
    "|---|---|---|---|---|---|",
  ];
  list.forEach((t, k) => {
    const { best, failStep, rateCell } = targetSummary<CpuStep, CpuResult>(rounds, k);
    const each = rounds.map((r) => atFixed(r[k]!));
    const got = each.filter((x): x is number => x !== undefined);
    lines.push(
      `| ${t.label} | ${rateCell} | ${best ? `${best.cpuPercent}% (${us(best.usPerRequest)})` : "-"} | ${got.length === 0 ? "-" : `${us(median(got))} (${each.map(us).join(", ")})`} | ` +
        `${failStep ? `${failStep.rate}/s: ${failStep.why} (${failStep.serverDrops ?? "?"})` : "none (ladder top)"} | ` +
        `${refs[k] === k ? "1.00x" : refs[k]! < 0 ? "-" : ((x) => (x === "-" ? "-" : `${x}x`))(ratioToRef(rounds, k, refs[k]!))} |`,
    );
  });
  const goal = list
    .map((t, k) => (t.kind === "sipmod" && t.workers === 2 && refs[k]! >= 0 ? `${t.label} / workers=1: ${ratioToRef(rounds, k, refs[k]!)} (target >= 1.6)` : ""))
    .filter((x) => x !== "");
  if (goal.length > 0) lines.push("", ...goal);
  return { lines, json: { part: "cpu", date: stamp, options: o, targets: list, rounds } };
};

// ------------------------------------------------------------------------------------------
// main

/** "SIPp v3.6.1" from `sipp -v` (its first line is blank). */
const sippVersion = (): string => {
  try {
    // sipp -v exits non-zero: read its output whatever the status.
    return /SIPp v[\d.]+/.exec(spawnSync("sipp", ["-v"], { encoding: "utf8" }).stdout ?? "")?.[0] ?? "SIPp";
  } catch {
    return "SIPp";
  }
};

const main = async () => {
  const o = parseArgs(process.argv.slice(2));
  installExitHandlers(o.maxMinutes);
  // The sender and SIPp's parent (this process) get the servers' nice too: the sender's clock is
  // the measurement.
  if (o.nice !== 0) setPriority(process.pid, o.nice);
  const work = mkdtempSync(join(tmpdir(), "sipmod-async-"));
  const out: string[] = [
    `async module, ${new Date().toISOString()}: ${o.runtimes.map((rt) => sipmodTarget(rt, 1).versionText).join(", ")}` +
      (o.kamailio ? `, ${kamailioTarget(1, 1).versionText.replace(/^kamailio/, "Kamailio")}` : "") +
      `, ${sippVersion()}; ${cpus().length} cores (${cpus()[0]?.model ?? "?"})`,
  ];
  const json: unknown[] = [];
  try {
    for (const part of o.parts) {
      const r = part === "sleep" ? await sleepPart(o, work) : await cpuPart(o);
      out.push("", ...r.lines);
      json.push(r.json);
      process.stderr.write(`\n${r.lines.join("\n")}\n`);
    }
  } finally {
    for (const p of started) await stopTree(p);
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`${out.join("\n")}\n`);
  if (o.json !== undefined) writeFileSync(o.json, JSON.stringify(json, null, 2));
};

runMain(main, import.meta.url);
