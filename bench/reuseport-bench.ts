/**
 * UDP across worker threads: does `dgram` honour `reusePort: true`, and on a runtime where it
 * does, is an echo server whose workers each bind the port faster than one whose main thread owns
 * the socket and hands every datagram to a worker?
 *
 *   node --import tsx bench/reuseport-bench.ts --probe-only
 *   node_modules/.bin/deno run -A bench/reuseport-bench.ts --probe-only
 *   node_modules/.bin/bun bench/reuseport-bench.ts
 *
 * Probe: two udp4 sockets on the same 127.0.0.1 port with `reusePort: true` (then `reuseAddr:
 * true`): does the second bind succeed, and how are 80 datagrams from 8 client sockets spread?
 *
 * Benchmark (skipped with --probe-only), each server in its own process with WORKERS (2) worker threads:
 *   (a) reuseport: every worker binds its own reusePort socket on the port and answers itself
 *       (run only when the probe shows reusePort spreading datagrams on this runtime);
 *   (b) handoff:   the main thread binds the socket and posts each datagram to a worker (picked by
 *       a hash of the source port) as { t: "sip", id, bytes, rcv }, the worker posts the 500-byte
 *       answer back the same way and main sends it;
 *   one:   baseline, the main thread binds the socket and answers itself (no worker thread).
 * Each answers ~500 bytes to each ~500-byte datagram from 127.0.0.1 (others are dropped). The load
 * generator is another process of the same runtime: SOCKETS (8) client sockets, each keeping
 * WINDOW datagrams in flight (a lost datagram is written off after 50 ms of silence on its socket),
 * WARM ms of warm-up, then DURATION ms measured, at most MAX datagrams, then it stops by itself.
 * Server CPU comes from /proc/<pid>/stat (every thread) over the measured window. Every
 * (mode, window) pair runs ROUNDS times, interleaved; the table gives the best round and the spread.
 *
 * Options (environment): WORKERS=2 SOCKETS=8 WINDOWS=8,32 WARM=500 DURATION=3000 ROUNDS=3 MAX=3000000 MODES=a,b,one
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as dgram from "node:dgram";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import * as WT from "node:worker_threads";
import { spawnThread } from "../core/process/spawn.ts";
import { runtime, runtimeVersion } from "../core/runtime.ts";
import { cpuTicks, ticksPerSecond } from "./proc-sample.ts";
import { answerRcv, MSG_BYTES, type RawSip, replyBytes } from "./thread-protocol-shared.ts";

const env = (name: string, dflt: number): number => {
  const v = process.env[name];
  return v === undefined || v === "" ? dflt : Number(v);
};
const WORKERS = env("WORKERS", 2);
const SOCKETS = env("SOCKETS", 8);
const WINDOWS = (process.env["WINDOWS"] ?? "8,32").split(",").map(Number);
const WARM = env("WARM", 500);
const DURATION = env("DURATION", 3000);
const ROUNDS = env("ROUNDS", 3);
const MAX = env("MAX", 3_000_000);
const MODES = (process.env["MODES"] ?? "a,b,one").split(",") as Mode[];
const HOST = "127.0.0.1";

type Mode = "a" | "b" | "one";
type WorkerRole = { readonly role: "reuse"; readonly port: number } | { readonly role: "handoff" };
/** From a server worker to its main thread. */
type FromServerWorker = { readonly t: "bound" } | { readonly t: "ready" } | { readonly t: "count"; readonly n: number } | RawSip;

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** The command that runs this file again on the same runtime. */
const selfCommand = (args: readonly string[]): [string, string[]] => {
  const script = fileURLToPath(import.meta.url);
  if (runtime === "deno") return [process.execPath, ["run", "-A", script, ...args]];
  if (runtime === "bun") return [process.execPath, [script, ...args]];
  return [process.execPath, [...process.execArgv, script, ...args]];
};

const bindSocket = (s: dgram.Socket, port: number): Promise<string> =>
  new Promise((resolve) => {
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)));
    s.bind(port, HOST, () => resolve("ok"));
  });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- probe

interface ProbeResult {
  readonly option: string;
  readonly secondBind: string;
  readonly spread: readonly number[];
}

const probeOne = async (option: "reusePort" | "reuseAddr"): Promise<ProbeResult> => {
  const a = dgram.createSocket({ type: "udp4", [option]: true } as dgram.SocketOptions);
  await bindSocket(a, 0);
  const port = a.address().port;
  const b = dgram.createSocket({ type: "udp4", [option]: true } as dgram.SocketOptions);
  const secondBind = await bindSocket(b, port);
  const got = [0, 0];
  a.on("message", () => got[0]!++);
  b.on("message", () => got[1]!++);
  const clients: dgram.Socket[] = [];
  for (let i = 0; i < 8; i++) {
    const c = dgram.createSocket("udp4");
    await bindSocket(c, 0);
    clients.push(c);
  }
  for (let k = 0; k < 10; k++) for (const c of clients) c.send(Buffer.alloc(100), port, HOST);
  await sleep(300);
  for (const s of [a, b, ...clients]) {
    try {
      s.close();
    } catch {
      // never bound
    }
  }
  return { option, secondBind, spread: got };
};

const probe = async (): Promise<boolean> => {
  const results = [await probeOne("reusePort"), await probeOne("reuseAddr")];
  for (const r of results) {
    process.stdout.write(
      `probe ${runtime} ${runtimeVersion}: ${r.option}: true -> second bind ${r.secondBind}, 80 datagrams from 8 clients received ${r.spread[0]} / ${r.spread[1]}\n`,
    );
  }
  const rp = results[0]!;
  return rp.secondBind === "ok" && rp.spread[0]! > 0 && rp.spread[1]! > 0;
};

// ---------------------------------------------------------------- server worker threads

const reuseWorker = async (port: number): Promise<void> => {
  const parent = WT.parentPort!;
  const sock = dgram.createSocket({ type: "udp4", reusePort: true } as dgram.SocketOptions);
  let n = 0;
  sock.on("message", (msg, rinfo) => {
    if (rinfo.address !== HOST) return;
    n++;
    sock.send(replyBytes(msg), rinfo.port, rinfo.address);
  });
  const r = await bindSocket(sock, port);
  if (r !== "ok") throw new Error(`worker bind ${port}: ${r}`);
  sock.setRecvBufferSize(4 << 20);
  sock.setSendBufferSize(4 << 20);
  parent.on("message", (m: string) => {
    if (m === "count") parent.postMessage({ t: "count", n } satisfies FromServerWorker);
  });
  parent.postMessage({ t: "bound" } satisfies FromServerWorker);
};

const handoffWorker = (): void => {
  const parent = WT.parentPort!;
  let n = 0;
  parent.on("message", (m: RawSip | "count") => {
    if (m === "count") return parent.postMessage({ t: "count", n } satisfies FromServerWorker);
    n++;
    parent.postMessage({ t: "sip", id: m.id, bytes: replyBytes(m.bytes), rcv: answerRcv(m.rcv) } satisfies FromServerWorker);
  });
  parent.postMessage({ t: "ready" } satisfies FromServerWorker);
};

// ---------------------------------------------------------------- server process

const hashPort = (port: number, n: number): number => (Math.imul(port, 0x9e3779b1) >>> 16) % n;

const server = async (mode: Mode, port: number): Promise<void> => {
  const workers: WT.Worker[] = [];
  const waiting: Promise<void>[] = [];
  if (mode === "one") {
    const sock = dgram.createSocket("udp4");
    let n = 0;
    sock.on("message", (msg, rinfo) => {
      if (rinfo.address !== HOST) return;
      n++;
      sock.send(replyBytes(msg), rinfo.port, rinfo.address);
    });
    const r = await bindSocket(sock, port);
    if (r !== "ok") throw new Error(`bind ${port}: ${r}`);
    sock.setRecvBufferSize(4 << 20);
    sock.setSendBufferSize(4 << 20);
    createInterface({ input: process.stdin }).on("line", (line) => {
      if (line.trim() === "stats") process.stdout.write(`stats ${JSON.stringify([n])}\n`);
    });
    process.on("SIGTERM", () => process.exit(0));
    process.stdout.write("ready\n");
    return;
  }
  for (let i = 0; i < WORKERS; i++) {
    const role: WorkerRole = mode === "a" ? { role: "reuse", port } : { role: "handoff" };
    const w = spawnThread(new URL(import.meta.url), { workerData: role });
    w.on("error", (e) => {
      process.stderr.write(`worker ${i}: ${String(e)}\n`);
      process.exit(1);
    });
    workers.push(w);
    waiting.push(new Promise<void>((resolve) => w.once("message", () => resolve())));
  }
  await Promise.all(waiting);
  if (mode === "b") {
    const sock = dgram.createSocket("udp4");
    let id = 0;
    sock.on("message", (msg, rinfo) => {
      if (rinfo.address !== HOST) return;
      // A Buffer that is a view on a larger ArrayBuffer (Deno: 64 KiB) would be cloned whole.
      const bytes = msg.byteLength === msg.buffer.byteLength ? msg : new Uint8Array(msg);
      const m: RawSip = {
        t: "sip", id: id++, bytes,
        rcv: { proto: "udp", srcIp: rinfo.address, srcPort: rinfo.port, dstIp: HOST, dstPort: port, listenerId: 0 },
      };
      workers[hashPort(rinfo.port, WORKERS)]!.postMessage(m);
    });
    for (const w of workers) {
      w.on("message", (m: FromServerWorker) => {
        if (m.t === "sip") sock.send(m.bytes, m.rcv.dstPort, m.rcv.dstIp);
      });
    }
    const r = await bindSocket(sock, port);
    if (r !== "ok") throw new Error(`bind ${port}: ${r}`);
    sock.setRecvBufferSize(4 << 20);
    sock.setSendBufferSize(4 << 20);
  }
  // "stats" on stdin: how many datagrams each worker answered.
  createInterface({ input: process.stdin }).on("line", (line) => {
    if (line.trim() !== "stats") return;
    void Promise.all(
      workers.map((w) =>
        new Promise<number>((resolve) => {
          const on = (m: FromServerWorker): void => {
            if (m.t !== "count") return;
            w.off("message", on);
            resolve(m.n);
          };
          w.on("message", on);
          w.postMessage("count");
        })),
    ).then((counts) => process.stdout.write(`stats ${JSON.stringify(counts)}\n`));
  });
  process.on("SIGTERM", () => process.exit(0));
  process.stdout.write("ready\n");
};

// ---------------------------------------------------------------- load generator

interface ClientResult {
  readonly answered: number;
  readonly sent: number;
  readonly lost: number;
  readonly ms: number;
  readonly cpuUs: number;
}

const client = async (port: number, window: number): Promise<void> => {
  const hardStop = setTimeout(() => process.exit(2), WARM + DURATION + 5000);
  const payload = Buffer.alloc(MSG_BYTES, "x");
  Buffer.from(`OPTIONS sip:bench@${HOST}:${port} SIP/2.0\r\n`).copy(payload);
  let sent = 0;
  let answered = 0;
  let lost = 0;
  let sending = true;
  const socks: { s: dgram.Socket; inFlight: number; heard: boolean }[] = [];
  const sendOne = (c: (typeof socks)[number]): void => {
    if (!sending || sent >= MAX) return;
    sent++;
    c.inFlight++;
    c.s.send(payload, port, HOST);
  };
  for (let i = 0; i < SOCKETS; i++) {
    const s = dgram.createSocket("udp4");
    const c = { s, inFlight: 0, heard: false };
    s.on("message", () => {
      answered++;
      c.inFlight--;
      c.heard = true;
      sendOne(c);
    });
    await bindSocket(s, 0);
    s.setRecvBufferSize(4 << 20);
    socks.push(c);
  }
  const lossTimer = setInterval(() => {
    for (const c of socks) {
      if (!c.heard && c.inFlight > 0) {
        lost += c.inFlight;
        c.inFlight = 0;
        for (let k = 0; k < window; k++) sendOne(c);
      }
      c.heard = false;
    }
  }, 50);
  for (const c of socks) for (let k = 0; k < window; k++) sendOne(c);
  await sleep(WARM);
  const a0 = answered;
  const s0 = sent;
  const l0 = lost;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  process.stdout.write("start\n");
  await sleep(DURATION);
  const res: ClientResult = {
    answered: answered - a0, sent: sent - s0, lost: lost - l0, ms: performance.now() - t0,
    cpuUs: (() => {
      const c = process.cpuUsage(c0);
      return c.user + c.system;
    })(),
  };
  process.stdout.write(`end ${JSON.stringify(res)}\n`);
  sending = false;
  await sleep(200);
  clearInterval(lossTimer);
  for (const c of socks) c.s.close();
  clearTimeout(hardStop);
  process.exit(0);
};

// ---------------------------------------------------------------- orchestrator

const freePort = async (): Promise<number> => {
  const s = dgram.createSocket("udp4");
  await bindSocket(s, 0);
  const p = s.address().port;
  s.close();
  return p;
};

const lines = (child: ChildProcess, on: (line: string) => void): void => {
  createInterface({ input: child.stdout! }).on("line", on);
};

interface RunResult {
  readonly rate: number;
  readonly serverUsPerMsg: number;
  readonly clientUsPerMsg: number;
  readonly lost: number;
  readonly perWorker: readonly number[];
}

const runOnce = async (mode: Mode, window: number): Promise<RunResult> => {
  const port = await freePort();
  const [cmd, args] = selfCommand(["--server", mode, "--port", String(port)]);
  const srv = spawn(cmd, args, { stdio: ["pipe", "pipe", "inherit"] });
  const killer = setTimeout(() => srv.kill("SIGKILL"), WARM + DURATION + 60_000);
  try {
    let onStats: ((counts: number[]) => void) | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      srv.once("exit", (code) => reject(new Error(`server exited ${code}`)));
      lines(srv, (l) => {
        if (l === "ready") resolve();
        else if (l.startsWith("stats ")) onStats?.(JSON.parse(l.slice(6)) as number[]);
      });
    });
    await ready;
    const [ccmd, cargs] = selfCommand(["--client", "--port", String(port), "--window", String(window)]);
    const cli = spawn(ccmd, cargs, { stdio: ["ignore", "pipe", "inherit"] });
    let ticks0 = 0;
    let ticks1 = 0;
    const result = await new Promise<ClientResult>((resolve, reject) => {
      cli.once("exit", (code) => reject(new Error(`client exited ${code} before its result`)));
      lines(cli, (l) => {
        if (l === "start") ticks0 = cpuTicks([srv.pid!]);
        else if (l.startsWith("end ")) {
          ticks1 = cpuTicks([srv.pid!]);
          resolve(JSON.parse(l.slice(4)) as ClientResult);
        }
      });
    });
    await new Promise<void>((r) => (cli.exitCode !== null ? r() : cli.once("exit", () => r())));
    const perWorker = await new Promise<number[]>((resolve) => {
      onStats = resolve;
      srv.stdin!.write("stats\n");
    });
    const serverUs = ((ticks1 - ticks0) * 1e6) / ticksPerSecond();
    return {
      rate: (result.answered * 1000) / result.ms,
      serverUsPerMsg: serverUs / result.answered,
      clientUsPerMsg: result.cpuUs / result.answered,
      lost: result.lost,
      perWorker,
    };
  } finally {
    clearTimeout(killer);
    if (srv.exitCode === null) {
      srv.kill("SIGTERM");
      await new Promise<void>((r) => srv.once("exit", () => r()));
    }
  }
};

const MODE_NAME: Record<Mode, string> = {
  a: `(a) reusePort: ${WORKERS} workers, a socket each`,
  b: `(b) main socket -> ${WORKERS} workers -> main sends`,
  one: "(baseline) main thread alone, no worker",
};

const orchestrate = async (probeOnly: boolean): Promise<void> => {
  const reusePortWorks = await probe();
  if (probeOnly) return;
  const modes = MODES.filter((m) => m !== "a" || reusePortWorks);
  if (modes.length < MODES.length) process.stdout.write(`(a) skipped: reusePort does not spread datagrams on ${runtime}\n`);
  const load0 = loadavg();
  const started = new Date();
  const runs = new Map<string, RunResult[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const window of WINDOWS) {
      for (const mode of round % 2 === 1 ? modes : [...modes].reverse()) {
        const r = await runOnce(mode, window);
        const key = `${mode}|${window}`;
        (runs.get(key) ?? runs.set(key, []).get(key)!).push(r);
        process.stderr.write(
          `round ${round} ${MODE_NAME[mode]}, ${SOCKETS}x${window} in flight: ${Math.round(r.rate)} answers/s, ` +
            `server ${r.serverUsPerMsg.toFixed(1)} us/msg, client ${r.clientUsPerMsg.toFixed(1)} us/msg, lost ${r.lost}, per worker ${r.perWorker.join("/")}\n`,
        );
      }
    }
  }
  const load1 = loadavg();
  const k = (n: number): string => `${(n / 1000).toFixed(1)}k`;
  process.stdout.write(
    `\n${runtime} ${runtimeVersion}, ${started.toISOString()}, UDP echo 500 B -> 500 B on ${HOST}, ${SOCKETS} client sockets, ` +
      `best of ${ROUNDS} (${DURATION} ms after ${WARM} ms warm-up), load average ${load0[0]!.toFixed(2)} -> ${load1[0]!.toFixed(2)}\n\n` +
      `| server | in flight | answers/s best (rounds) | server CPU us/msg best (rounds) | client CPU us/msg | lost | answers per worker (last round) |\n` +
      `|---|---|---|---|---|---|---|\n`,
  );
  for (const mode of modes) {
    for (const window of WINDOWS) {
      const rs = runs.get(`${mode}|${window}`)!;
      const rates = rs.map((r) => r.rate);
      const cpus = rs.map((r) => r.serverUsPerMsg);
      process.stdout.write(
        `| ${MODE_NAME[mode]} | ${SOCKETS}x${window} | ${k(Math.max(...rates))} (${rates.map(k).join(", ")}) | ` +
          `${Math.min(...cpus).toFixed(1)} (${cpus.map((c) => c.toFixed(1)).join(", ")}) | ` +
          `${Math.min(...rs.map((r) => r.clientUsPerMsg)).toFixed(1)} | ${rs.map((r) => r.lost).join(", ")} | ${rs.at(-1)!.perWorker.join(" / ")} |\n`,
      );
    }
  }
};

// ---------------------------------------------------------------- entry

if (!WT.isMainThread) {
  const role = WT.workerData as WorkerRole;
  if (role.role === "reuse") await reuseWorker(role.port);
  else handoffWorker();
} else if (process.argv.includes("--server")) {
  await server(argValue("--server") as Mode, Number(argValue("--port")));
} else if (process.argv.includes("--client")) {
  await client(Number(argValue("--port")), Number(argValue("--window")));
} else {
  await orchestrate(process.argv.includes("--probe-only"));
}
