/**
 * Memory per active transaction: hold N INVITE transactions open in the server and compare its
 * memory before and after.
 *
 * The server runs bench/kamailio/stateful.cfg (t_relay to a UAS in $du) with fr_timer,
 * fr_inv_timer and max_inv_lifetime raised to 15 minutes. This script is both ends, on 127.0.0.1:
 * a UAC socket sends N INVITEs (each its own Call-ID and branch, a small SDP body) at --rate per
 * second, and a UAS socket answers every INVITE it receives with 180 Ringing and never with a final
 * reply. So each transaction stays in the server with its request, its relayed branch (no longer
 * retransmitted after the 180) and the last reply sent upstream, until its timers fire (after
 * the run). An INVITE that got neither 100 nor 180 back within 2 s is sent again (same branch).
 *
 * Memory is read at 0, at each checkpoint (N/2 and N by default) and again after --linger seconds:
 * RSS and PSS of the server's process tree (/proc), Kamailio's shared memory in use (kamcmd
 * core.shmmem through a ctl socket), and the live transaction count (sipmod RPC tm.stats, Kamailio
 * kamcmd tm.stats). Per transaction = delta / transactions; the slope between the two checkpoints
 * leaves out one-off costs (code warming up, the first pages of pools).
 *
 *   node --import tsx bench/tm-memory.ts [--n 100000] [--rate 5000] [--targets kamailio,node,bun]
 *     [--kamailio-shm 2048] [--kamailio-args '-x tlsf'] [--linger 10] [--nice 0] [--json file]
 *
 * --kamailio-args is added to Kamailio's command line (e.g. `-x tlsf` or `-x fm` for another
 * shared memory manager than the default qm).
 *
 * Bounded: at most N INVITEs plus their retransmissions, then the servers are stopped.
 */
import { execFileSync, spawn } from "node:child_process";
import * as dgram from "node:dgram";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { csv, eachOption, freeTcpPort, freeUdpPort, setAutogroupNice, sipmodRpc, sleep, statefulCfg, stopTree, version, waitReady } from "./harness.ts";
import { memoryKiB, processTree } from "./proc-sample.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const LONG = "900000"; // 15 minutes: no tm timer fires during the run

interface Options {
  n: number;
  rate: number;
  targets: string[];
  kamailioShm: number;
  kamailioArgs: string;
  linger: number;
  nice: number;
  json: string | undefined;
}

const parseArgs = (argv: readonly string[]): Options => {
  const o: Options = { n: 100000, rate: 5000, targets: ["kamailio", "node"], kamailioShm: 2048, kamailioArgs: "", linger: 10, nice: 0, json: undefined };
  eachOption(argv, (a, v) => {
    if (a === "--n") o.n = Number(v());
    else if (a === "--rate") o.rate = Number(v());
    else if (a === "--targets") o.targets = csv(v());
    else if (a === "--kamailio-shm") o.kamailioShm = Number(v());
    else if (a === "--kamailio-args") o.kamailioArgs = v();
    else if (a === "--linger") o.linger = Number(v());
    else if (a === "--nice") o.nice = Number(v());
    else if (a === "--json") o.json = v();
    else return false;
    return true;
  });
  if (!(Number.isInteger(o.n) && o.n >= 2 && o.n <= 1_000_000)) throw new Error("--n: 2 to 1 000 000");
  if (!(o.rate > 0 && o.rate <= 50000)) throw new Error("--rate: up to 50 000/s");
  for (const t of o.targets) if (!["kamailio", "node", "bun"].includes(t)) throw new Error(`--targets: kamailio, node, bun; not ${t}`);
  return o;
};

// ------------------------------------------------------------------------------------------
// the UAC and UAS sockets

const SDP =
  "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
  "m=audio 6000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";

const invite = (i: number, serverPort: number, uacPort: number, run: string): Buffer =>
  Buffer.from(
    `INVITE sip:callee${i}@127.0.0.1:${serverPort} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.1:${uacPort};branch=z9hG4bK-${run}-${i};rport\r\n` +
      `Max-Forwards: 70\r\n` +
      `From: "caller" <sip:caller@127.0.0.1:${uacPort}>;tag=${run}t${i}\r\n` +
      `To: <sip:callee${i}@127.0.0.1:${serverPort}>\r\n` +
      `Call-ID: ${run}-${i}@127.0.0.1\r\n` +
      `CSeq: 1 INVITE\r\n` +
      `Contact: <sip:caller@127.0.0.1:${uacPort}>\r\n` +
      `User-Agent: sipmod-tm-memory\r\n` +
      `Content-Type: application/sdp\r\n` +
      `Content-Length: ${SDP.length}\r\n\r\n${SDP}`,
    "latin1",
  );

/** Index of our call from a Call-ID header value `<run>-<i>@127.0.0.1`. */
const callIndex = (text: string): number => {
  const m = /\r\n(?:Call-ID|i):\s*[^-\r\n]+-(\d+)@/i.exec(text);
  return m ? Number(m[1]) : -1;
};

/** 180 Ringing for a request text: Vias, From, Call-ID, CSeq copied, a To tag added. */
const ringing = (req: string): string => {
  const lines = req.slice(0, req.indexOf("\r\n\r\n")).split("\r\n");
  const keep = (re: RegExp) => lines.filter((l) => re.test(l));
  const to = keep(/^(To|t)\s*:/i)[0] ?? "To: <sip:x@127.0.0.1>";
  return [
    "SIP/2.0 180 Ringing",
    ...keep(/^(Via|v)\s*:/i),
    ...keep(/^(From|f)\s*:/i),
    /;tag=/.test(to) ? to : `${to};tag=uas`,
    ...keep(/^(Call-ID|i)\s*:/i),
    ...keep(/^CSeq\s*:/i),
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
};

const bindSocket = async (): Promise<dgram.Socket> => {
  const s = dgram.createSocket({ type: "udp4", recvBufferSize: 8 * 1024 * 1024, sendBufferSize: 8 * 1024 * 1024 });
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  return s;
};

// ------------------------------------------------------------------------------------------
// one server

interface Sample {
  readonly label: string;
  readonly sent: number;
  readonly answered: number;
  /** Live transactions reported by the server, when it can tell. */
  readonly live: number | undefined;
  readonly rssKiB: number;
  readonly pssKiB: number;
  /** Kamailio: shared memory in use (real_used), KiB. */
  readonly shmKiB: number | undefined;
}

interface TargetResult {
  readonly label: string;
  readonly version: string;
  readonly command: string;
  readonly samples: readonly Sample[];
  readonly retransmitted: number;
  readonly inviteBytes: number;
  readonly error?: string;
}

const kamcmd = (sock: string, cmd: string): string | undefined => {
  try {
    return execFileSync("kamcmd", ["-s", sock, cmd], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10000 });
  } catch {
    return undefined;
  }
};

const kamField = (text: string | undefined, name: string): number | undefined => {
  if (text === undefined) return undefined;
  const m = new RegExp(`\\b${name}:\\s*(\\d+)`).exec(text);
  return m ? Number(m[1]) : undefined;
};

const runTarget = async (kind: string, o: Options, work: string): Promise<TargetResult> => {
  const dir = mkdtempSync(join(work, `${kind}-`));
  const uac = await bindSocket();
  const uas = await bindSocket();
  const port = await freeUdpPort();
  const ctlSock = `unix:${join(dir, "ctl.sock")}`;
  const defines: Record<string, string> = {
    UAS_URI: `"sip:127.0.0.1:${uas.address().port}"`,
    FR_TIMER: LONG,
    FR_INV_TIMER: LONG,
    MAX_INV_LIFETIME: LONG,
  };
  if (kind === "kamailio") {
    defines.WITH_CTL = "";
    defines.CTL_SOCKET = `"${ctlSock}"`;
  }
  const cfg = join(dir, "stateful.cfg");
  writeFileSync(cfg, statefulCfg(defines));
  const rpcPort = kind === "kamailio" ? undefined : await freeTcpPort();
  const manifest = join(dir, "plugins.json");
  writeFileSync(manifest, JSON.stringify({ config: cfg, core: { rpc: { listen: `127.0.0.1:${rpcPort ?? 0}` } } }, null, 2));
  const bun = join(ROOT, "node_modules/.bin/bun");
  const command =
    kind === "kamailio"
      ? `kamailio -f ${cfg} -DD -E -A CHILDREN=1 -m ${o.kamailioShm}${o.kamailioArgs !== "" ? ` ${o.kamailioArgs}` : ""} -l udp:127.0.0.1:${port} -Y ${dir} -w ${dir}`
      : kind === "node"
        ? `${process.execPath} --import tsx ${join(ROOT, "core/cli.ts")} run -f ${manifest} -l udp:127.0.0.1:${port}`
        : `${bun} ${join(ROOT, "core/cli.ts")} run -f ${manifest} -l udp:127.0.0.1:${port}`;
  const label =
    kind === "kamailio"
      ? `Kamailio children=1 (-m ${o.kamailioShm}${o.kamailioArgs !== "" ? ` ${o.kamailioArgs}` : ""})`
      : kind === "node"
        ? "sipmod (Node)"
        : "sipmod (Bun)";
  const versionText =
    kind === "kamailio"
      ? version("kamailio", ["-v"]).replace(/^version:\s*/, "")
      : kind === "node"
        ? `Node ${process.versions.node}`
        : `Bun ${version(bun, ["--version"])}`;
  process.stderr.write(`\n== ${label}: ${command}\n`);
  const logFile = join(dir, "server.log");
  const log = openSync(logFile, "w");
  const niced = o.nice !== 0 ? `nice -n ${o.nice} ${command}` : command;
  const proc = spawn("sh", ["-c", `exec ${niced}`], { cwd: ROOT, stdio: ["ignore", log, log] });

  const inviteBytes = invite(o.n - 1, port, uac.address().port, `m${Date.now().toString(36)}`).length;
  const done = async (samples: Sample[], retransmitted: number, error?: string): Promise<TargetResult> => {
    await stopTree(proc);
    uac.close();
    uas.close();
    if (error !== undefined) process.stderr.write(`   ${error}\n${readFileSync(logFile, "utf8").slice(-1500)}\n`);
    return { label, version: versionText, command, samples, retransmitted, inviteBytes, ...(error !== undefined ? { error } : {}) };
  };
  if (!(await waitReady(port, 30000, "ready"))) return done([], 0, "server did not answer OPTIONS within 30 s");

  // The UAS: 180 to every INVITE (a retransmission too), nothing else.
  let uasInvites = 0;
  uas.on("message", (m, rinfo) => {
    const text = m.toString("latin1");
    if (!text.startsWith("INVITE ")) return;
    uasInvites++;
    uas.send(ringing(text), rinfo.port, rinfo.address);
  });
  // The UAC: a call counts as answered once a 100 or a 180 came back.
  const answered = new Uint8Array(o.n);
  const ringingSeen = new Uint8Array(o.n);
  let answeredCount = 0;
  let ringingCount = 0;
  let other = 0;
  uac.on("message", (m) => {
    const text = m.toString("latin1");
    const i = callIndex(text);
    if (i < 0 || i >= o.n) return;
    if (!text.startsWith("SIP/2.0 1")) {
      other++;
      return;
    }
    if (answered[i] === 0) {
      answered[i] = 1;
      answeredCount++;
    }
    if (text.startsWith("SIP/2.0 180") && ringingSeen[i] === 0) {
      ringingSeen[i] = 1;
      ringingCount++;
    }
  });
  const run = `m${Date.now().toString(36)}`;
  const uacPort = uac.address().port;
  const sendInvite = (i: number) => uac.send(invite(i, port, uacPort, run), port, "127.0.0.1");

  const samples: Sample[] = [];
  const sample = async (name: string, sent: number): Promise<Sample> => {
    const mem = memoryKiB(processTree(proc.pid!));
    let live: number | undefined;
    let shm: number | undefined;
    if (kind === "kamailio") {
      live = kamField(kamcmd(ctlSock, "tm.stats"), "current");
      const used = kamField(kamcmd(ctlSock, "core.shmmem"), "real_used");
      shm = used !== undefined ? Math.round(used / 1024) : undefined;
    } else if (rpcPort !== undefined) {
      try {
        live = ((await sipmodRpc(rpcPort, "tm.stats")) as { current?: number }).current;
      } catch {
        live = undefined;
      }
    }
    const s: Sample = { label: name, sent, answered: ringingCount, live, rssKiB: mem.rss, pssKiB: mem.pss, shmKiB: shm };
    process.stderr.write(
      `   ${name}: sent ${sent}, 180 back ${ringingCount} (100 or 180 back ${answeredCount}), live ${live ?? "?"}, ` +
        `RSS ${(mem.rss / 1024).toFixed(1)} MiB, PSS ${(mem.pss / 1024).toFixed(1)} MiB` +
        `${shm !== undefined ? `, shm used ${(shm / 1024).toFixed(1)} MiB` : ""}, UAS got ${uasInvites} INVITEs, other replies ${other}\n`,
    );
    samples.push(s);
    return s;
  };

  await sleep(2000);
  await sample("start", 0);
  const checkpoints = [Math.floor(o.n / 2), o.n];
  let sent = 0;
  let retransmitted = 0;
  const lastSend = new Float64Array(o.n);
  for (const cp of checkpoints) {
    const t0 = performance.now();
    const from = sent;
    while (sent < cp) {
      const due = Math.min(cp, from + Math.floor(((performance.now() - t0) / 1000) * o.rate));
      for (; sent < due; sent++) {
        sendInvite(sent);
        lastSend[sent] = performance.now();
      }
      await sleep(5);
    }
    // Wait for every call up to here to be answered; resend the INVITE of a silent one after 2 s.
    const deadline = performance.now() + 30000;
    while (performance.now() < deadline) {
      let missing = 0;
      const now = performance.now();
      for (let i = 0; i < sent; i++) {
        if (ringingSeen[i] === 1) continue;
        missing++;
        if (answered[i] === 0 && now - lastSend[i]! > 2000) {
          sendInvite(i);
          lastSend[i] = now;
          retransmitted++;
        }
      }
      if (missing === 0) break;
      await sleep(250);
    }
    await sleep(3000);
    await sample(`${cp} sent`, sent);
  }
  await sleep(o.linger * 1000);
  await sample(`${o.n} sent, ${o.linger} s later`, sent);
  return done(samples, retransmitted);
};

// ------------------------------------------------------------------------------------------
// main

const main = async () => {
  const o = parseArgs(process.argv.slice(2));
  const restoreNice = o.nice !== 0 ? setAutogroupNice(o.nice) : () => {};
  const work = mkdtempSync(join(tmpdir(), "sipmod-tm-memory-"));
  const stamp = new Date().toISOString();
  const load0 = loadavg()[0]!;
  const results: TargetResult[] = [];
  try {
    for (const t of o.targets) results.push(await runTarget(t, o, work));
  } finally {
    restoreNice();
    rmSync(work, { recursive: true, force: true });
  }
  const mib = (k: number) => (k / 1024).toFixed(1);
  const per = (kib: number, n: number) => (n > 0 ? `${((kib * 1024) / n).toFixed(0)} B` : "-");
  const lines = [
    `Memory per INVITE transaction held open (relayed, 180 received and relayed, no final reply), N = ${o.n}, ` +
      `sent at ${o.rate}/s, ${stamp}`,
    `${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${load0.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end; ` +
      `INVITE ${results[0]?.inviteBytes ?? "?"} bytes`,
    "",
    "| server | version | live transactions at N | RSS start -> N/2 -> N -> later (MiB) | PSS start -> N (MiB) | RSS / tx (0 -> N) | PSS / tx (0 -> N) | RSS / tx (N/2 -> N) | shm used / tx (0 -> N) | INVITEs sent again |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    if (r.error !== undefined || r.samples.length < 4) {
      lines.push(`| ${r.label} | ${r.version} | ${r.error ?? "incomplete"} | | | | | | | |`);
      continue;
    }
    const [s0, s1, s2, s3] = r.samples as [Sample, Sample, Sample, Sample];
    const n = s2.live ?? s2.answered;
    const half = (s2.live ?? s2.answered) - (s1.live ?? s1.answered);
    lines.push(
      `| ${r.label} | ${r.version} | ${s2.live ?? "?"} (180 back for ${s2.answered}) | ` +
        `${mib(s0.rssKiB)} -> ${mib(s1.rssKiB)} -> ${mib(s2.rssKiB)} -> ${mib(s3.rssKiB)} | ${mib(s0.pssKiB)} -> ${mib(s2.pssKiB)} | ` +
        `${per(s2.rssKiB - s0.rssKiB, n)} | ${per(s2.pssKiB - s0.pssKiB, n)} | ${per(s2.rssKiB - s1.rssKiB, half)} | ` +
        `${s0.shmKiB !== undefined && s2.shmKiB !== undefined ? per(s2.shmKiB - s0.shmKiB, n) : "-"} | ${r.retransmitted} |`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  if (o.json !== undefined) writeFileSync(o.json, JSON.stringify({ date: stamp, options: o, results }, null, 2));
};

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
