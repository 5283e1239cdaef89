/**
 * Helpers shared by the SIPp benchmarks (run-stateless.ts, run-stateful.ts, tm-memory.ts):
 * free ports, readiness probe, process tree stop, session nice, medians.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import * as dgram from "node:dgram";
import { readFileSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cpuTicks, processTree, ticksPerSecond } from "./proc-sample.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A UDP port nobody holds right now on 127.0.0.1 (the kernel picks it). */
export const freeUdpPort = (): Promise<number> =>
  new Promise((res, rej) => {
    const s = dgram.createSocket("udp4");
    s.once("error", rej);
    s.bind(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });

/** A TCP port nobody holds right now on 127.0.0.1 (for an RPC listener). */
export const freeTcpPort = (): Promise<number> =>
  new Promise((res, rej) => {
    const s = net.createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const p = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => res(p));
    });
  });

/**
 * Send OPTIONS to the server until a 200 comes back (or the time is up). `user` is the R-URI user
 * (a relaying cfg answers `ready` itself).
 */
export const waitReady = async (port: number, ms: number, user = "ping"): Promise<boolean> => {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const lp = s.address().port;
  let ok = false;
  s.on("message", (m) => {
    if (m.toString("latin1").startsWith("SIP/2.0 200")) ok = true;
  });
  const deadline = Date.now() + ms;
  for (let n = 1; !ok && Date.now() < deadline; n++) {
    const req =
      `OPTIONS sip:${user}@127.0.0.1:${port} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK-ready-${n}-${lp}\r\n` +
      `Max-Forwards: 70\r\nFrom: <sip:bench@127.0.0.1>;tag=r${n}\r\nTo: <sip:${user}@127.0.0.1>\r\n` +
      `Call-ID: ready-${n}-${lp}\r\nCSeq: ${n} OPTIONS\r\nContent-Length: 0\r\n\r\n`;
    s.send(req, port, "127.0.0.1");
    await sleep(200);
  }
  s.close();
  return ok;
};

/** First line of `cmd args` output, "?" when it cannot run. */
export const version = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).split("\n")[0]!.trim();
  } catch {
    return "?";
  }
};

/** SIGTERM the process, wait up to 5 s, then SIGKILL whatever of its process tree is still there. */
export const stopTree = async (p: ChildProcess): Promise<void> => {
  if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
  const pids = processTree(p.pid);
  const exited = new Promise<void>((r) => p.once("exit", () => r()));
  p.kill("SIGTERM");
  await Promise.race([exited, sleep(5000)]);
  await sleep(200);
  for (const pid of pids) {
    if (processTree(pid).length === 0) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
};

/**
 * Wait until the process tree of `pid` is quiet (under 5% of one core over a 1 s window) after
 * its start: threads that load and compile code after the server already answers (a worker per
 * receiver thread under tsx) would otherwise be counted in the first steps. Returns the seconds
 * waited (at most `ms`).
 */
export const waitQuiet = async (pid: number, ms = 30000): Promise<number> => {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const tree = processTree(pid);
    const c0 = cpuTicks(tree);
    const w0 = performance.now();
    await sleep(1000);
    const used = (cpuTicks(tree) - c0) / ticksPerSecond() / ((performance.now() - w0) / 1000);
    if (used < 0.05) break;
  }
  return (performance.now() - t0) / 1000;
};

/**
 * Linux schedules each session (autogroup) fairly against the others, so `nice` alone does not
 * shield the benchmark from other sessions' work: set the session's autogroup nice too.
 * Returns a function that puts the old value back.
 */
export const setAutogroupNice = (nice: number): (() => void) => {
  const file = "/proc/self/autogroup";
  try {
    const old = /nice\s+(-?\d+)/.exec(readFileSync(file, "utf8"))?.[1];
    writeFileSync(file, String(nice));
    process.stderr.write(`autogroup nice set to ${nice} (was ${old})\n`);
    return () => {
      try {
        writeFileSync(file, old ?? "0");
      } catch {
        /* left as is */
      }
    };
  } catch (e) {
    process.stderr.write(`autogroup nice not set: ${e instanceof Error ? e.message : String(e)}\n`);
    return () => {};
  }
};

export const median = (xs: readonly number[]): number => {
  const v = [...xs].sort((x, y) => x - y);
  return v.length === 0 ? 0 : v.length % 2 === 1 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};

/** JSON-RPC 2.0 call to sipmod's management endpoint (`http://127.0.0.1:<port>/RPC`). */
export const sipmodRpc = async (port: number, method: string, params: unknown[] = []): Promise<unknown> => {
  const r = await fetch(`http://127.0.0.1:${port}/RPC`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await r.json()) as { result?: unknown; error?: { message?: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message ?? "error"}`);
  return body.result;
};

/**
 * A cfg under bench/ (e.g. `bench/kamailio/cpu.cfg`) with our values for its defines: each
 * `#!define NAME ...` line is rewritten, a define the file lacks is added on top.
 */
export const cfgWithDefines = (file: string, defines: Readonly<Record<string, string>>): string => {
  let text = readFileSync(join(ROOT, file), "utf8");
  for (const [name, value] of Object.entries(defines)) {
    const re = new RegExp(`^#!define ${name} .*$`, "m");
    text = re.test(text) ? text.replace(re, `#!define ${name} ${value}`) : `#!define ${name} ${value}\n${text}`;
  }
  return text;
};

/** The stateful cfg with our values for its defines (UAS address, and more for tm-memory.ts). */
export const statefulCfg = (defines: Readonly<Record<string, string>>): string => cfgWithDefines("bench/kamailio/stateful.cfg", defines);

/**
 * Walk `--name value` command-line options: `take(name, value)` handles one option and returns
 * false for a name it does not know; `value()` reads the option's value. Throws on an unknown
 * option or a missing value.
 */
export const eachOption = (argv: readonly string[], take: (name: string, value: () => string) => boolean): void => {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (!take(a, value)) throw new Error(`unknown option ${a}`);
  }
};

/** A comma-separated option value as a list (blanks dropped). */
export const csv = (s: string): string[] => s.split(",").map((x) => x.trim()).filter((x) => x !== "");

/** `--server 'label=command ... {port} ...'`. */
export const serverSpec = (s: string): { readonly label: string; readonly command: string } => {
  const eq = s.indexOf("=");
  if (eq <= 0 || !s.includes("{port}")) throw new Error(`--server wants 'label=command ... {port} ...', got "${s}"`);
  return { label: s.slice(0, eq), command: s.slice(eq + 1) };
};
