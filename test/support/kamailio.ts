import { spawn, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { processTree } from "../../bench/proc-sample.ts";
import { udpSocketRows } from "../../core/transport/udp-kernel-drops.ts";

/**
 * Real Kamailio for compatibility tests: find the binary and its module folder, start an instance
 * on a free UDP port of 127.0.0.1 with a test's cfg, wait until it answers, and stop it (with all
 * the processes it forked) whatever happens to the test.
 */

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const findBinary = (): string | undefined => {
  const fromEnv = process.env["KAMAILIO_BIN"];
  if (fromEnv !== undefined && fromEnv !== "") return isExecutable(fromEnv) ? fromEnv : undefined;
  const dirs = [...(process.env["PATH"] ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin", "/sbin"];
  for (const d of dirs) {
    if (d === "") continue;
    const p = join(d, "kamailio");
    if (isExecutable(p)) return p;
  }
  return undefined;
};

const MODULE_DIRS = [
  "/usr/lib/x86_64-linux-gnu/kamailio/modules",
  "/usr/lib/aarch64-linux-gnu/kamailio/modules",
  "/usr/lib/kamailio/modules",
  "/usr/lib64/kamailio/modules",
  "/usr/local/lib64/kamailio/modules",
  "/usr/local/lib/kamailio/modules",
];

const findModuleDir = (): string | undefined => {
  const fromEnv = process.env["KAMAILIO_MPATH"];
  const dirs = fromEnv !== undefined && fromEnv !== "" ? [fromEnv] : MODULE_DIRS;
  return dirs.find((d) => existsSync(join(d, "sl.so")));
};

/** The kamailio executable (KAMAILIO_BIN, else searched in PATH and the sbin folders). */
export const kamailioBinary: string | undefined = findBinary();

/** The folder holding Kamailio's modules (KAMAILIO_MPATH, else the distributions' usual places). */
export const kamailioModuleDir: string | undefined = findModuleDir();

/** Why Kamailio cannot be used here (a test's `skip` text), or undefined when it can. */
export const kamailioMissing: string | undefined =
  kamailioBinary === undefined
    ? "kamailio is not installed (apt-get install kamailio, or set KAMAILIO_BIN): Kamailio compatibility tests skipped"
    : kamailioModuleDir === undefined
      ? "kamailio's modules (sl.so) were not found (set KAMAILIO_MPATH): Kamailio compatibility tests skipped"
      : undefined;

/** A UDP port of 127.0.0.1 that was free a moment ago (bound with port 0, then released). */
export const freeUdpPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** A running Kamailio. */
export interface KamailioInstance {
  /** Its UDP port on 127.0.0.1. */
  readonly port: number;
  /** What it wrote to stdout and stderr so far. */
  log(): string;
  /** Stop it and every process it forked; remove its folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface KamailioOptions {
  /** Longest time to wait for the first answer (ms). Default 15000. */
  readonly startTimeoutMs?: number;
  /** Hard limit on the instance's life (s): `timeout` kills it even if this process dies. Default 180. */
  readonly maxLifeSeconds?: number;
  /** Kamailio's `debug=` level. Default 2. */
  readonly debug?: number;
}

/**
 * Process groups of the instances alive now. They are killed when this process exits or gets
 * SIGINT/SIGTERM/SIGHUP (the handlers are there only while an instance lives), and `timeout`
 * kills each one after its maximum life even if this process is killed with SIGKILL.
 */
const live = new Set<number>();
const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
const killGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
};
const killAll = (): void => {
  for (const pid of live) killGroup(pid, "SIGKILL");
  live.clear();
};
const onSignal = (signal: NodeJS.Signals): void => {
  killAll();
  process.removeListener("exit", killAll);
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  // Nobody else handles it: end the process the way the signal would have.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
};
const track = (pid: number): void => {
  if (live.size === 0) {
    process.on("exit", killAll);
    for (const s of SIGNALS) process.on(s, onSignal);
  }
  live.add(pid);
};
const untrack = (pid: number): void => {
  if (!live.delete(pid) || live.size > 0) return;
  process.removeListener("exit", killAll);
  for (const s of SIGNALS) process.removeListener(s, onSignal);
};

/**
 * The cfg Kamailio runs: the test's cfg after a header that sets the socket, one receiving process,
 * logging to stderr, no DNS and no TCP, and `mpath` to the module folder (so the cfg's own
 * `loadmodule "sl.so"` lines work on both Kamailio and sipmod).
 */
export const kamailioCfgText = (cfg: string, port: number, debug: number, moduleDir: string): string =>
  [
    "#!KAMAILIO",
    "# header written by test/support/kamailio.ts",
    `debug=${debug}`,
    "log_stderror=yes",
    "children=1",
    `listen=udp:127.0.0.1:${port}`,
    "auto_aliases=no",
    "dns=no",
    "rev_dns=no",
    "disable_tcp=yes",
    "disable_sctp=yes",
    `mpath="${moduleDir}/"`,
    "# the test's cfg",
    cfg.replace(/^#!KAMAILIO[^\n]*\n/, ""),
  ].join("\n");

const probeRequest = (port: number, n: number): Buffer =>
  Buffer.from(
    [
      "OPTIONS sip:kamailio-probe@127.0.0.1 SIP/2.0",
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-probe-${n};rport`,
      "From: <sip:probe@127.0.0.1>;tag=probe",
      "To: <sip:kamailio-probe@127.0.0.1>",
      `Call-ID: probe-${n}@127.0.0.1`,
      "CSeq: 1 OPTIONS",
      "Max-Forwards: 70",
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n"),
    "latin1",
  );

/**
 * True when a UDP socket of 127.0.0.1 bound to `port` belongs to `root` or one of its descendants
 * (Linux /proc): Kamailio binds its sockets before it forks the receiving processes, and datagrams
 * sent from then on wait in the socket's buffer until a receiver reads them. The owner is checked
 * because the port was only free a moment ago: another process may hold it now, and its socket
 * must not count as Kamailio's.
 */
const udpBoundBy = (port: number, root: number): boolean => {
  const inodes = new Set((udpSocketRows("127.0.0.1", port, 4) ?? []).map((cols) => `socket:[${cols[9]}]`));
  if (inodes.size === 0) return false;
  for (const pid of processTree(root)) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return true;
    } catch {
      // the process ended meanwhile, or its fds are not ours to read
    }
  }
  return false;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves when the child process has exited (at once if it has). */
const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));

const startOnce = async (cfgText: string, opts: KamailioOptions): Promise<KamailioInstance> => {
  if (kamailioBinary === undefined || kamailioModuleDir === undefined) throw new Error(kamailioMissing);
  const dir = mkdtempSync(join(tmpdir(), "sipmod-kamailio-"));
  const port = await freeUdpPort();
  const cfgPath = join(dir, "kamailio.cfg");
  writeFileSync(cfgPath, kamailioCfgText(cfgText, port, opts.debug ?? 2, kamailioModuleDir));
  // `timeout` leads its own process group and kills the whole group when the time is up, so even a
  // test runner killed with SIGKILL leaves nothing running for long.
  const child = spawn(
    "timeout",
    ["-k", "2", String(opts.maxLifeSeconds ?? 180), kamailioBinary, "-f", cfgPath, "-DD", "-E", "-w", dir, "-Y", dir],
    { detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  const pid = child.pid;
  if (pid === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error("could not spawn kamailio");
  }
  track(pid);
  let out = "";
  const keep = (d: Buffer) => {
    if (out.length < 1_000_000) out += d.toString("utf8");
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const done = exited(child);
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return done;
    stopped = true;
    killGroup(pid, "SIGTERM");
    const t = setTimeout(() => killGroup(pid, "SIGKILL"), 3000);
    await done;
    clearTimeout(t);
    // The group leader is gone; anything left in the group (a stuck child) goes now.
    killGroup(pid, "SIGKILL");
    untrack(pid);
    child.stdout!.destroy();
    child.stderr!.destroy();
    rmSync(dir, { recursive: true, force: true });
  };

  // Ready once it answers anything to an OPTIONS; a cfg that answers nothing to it counts as ready
  // once its socket has been bound for half a second.
  const sock = createSocket("udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once("error", reject);
      sock.bind(0, "127.0.0.1", () => resolve());
    });
    let answered = false;
    sock.on("message", () => {
      answered = true;
    });
    const until = Date.now() + (opts.startTimeoutMs ?? 15_000);
    let n = 0;
    let boundAt: number | undefined;
    while (!answered && (boundAt === undefined || Date.now() - boundAt < 500)) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`kamailio exited (code ${child.exitCode ?? child.signalCode}) before answering:\n${out}`);
      if (Date.now() > until) throw new Error(`kamailio did not answer an OPTIONS within ${opts.startTimeoutMs ?? 15_000} ms:\n${out}`);
      sock.send(probeRequest(sock.address().port, n++), port, "127.0.0.1");
      await sleep(100);
      if (boundAt === undefined && udpBoundBy(port, pid)) boundAt = Date.now();
    }
  } catch (e) {
    await stop();
    throw e;
  } finally {
    await new Promise<void>((resolve) => sock.close(() => resolve()));
  }
  return { port, log: () => out, stop };
};

/**
 * Start Kamailio with a cfg (file path or text) on a free port; retried on a new port if another
 * process took the port in the meantime. While it starts it gets `OPTIONS
 * sip:kamailio-probe@127.0.0.1` every 100 ms (a cfg that counts messages must leave those out).
 */
export const startKamailio = async (cfg: { readonly file: string } | { readonly text: string }, opts: KamailioOptions = {}): Promise<KamailioInstance> => {
  const text = "file" in cfg ? readFileSync(cfg.file, "utf8") : cfg.text;
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(text, opts);
    } catch (e) {
      last = e;
      if (!(e instanceof Error) || !/Address already in use/i.test(e.message)) throw e;
    }
  }
  throw last;
};

/**
 * Whether Kamailio starts with this cfg text: false with its log when it exits during start-up
 * (a parse or fixup error), true once it answers or has bound its socket (it is stopped then).
 */
export const kamailioStarts = async (text: string, opts: KamailioOptions = {}): Promise<{ readonly started: boolean; readonly log: string }> => {
  try {
    const k = await startKamailio({ text }, opts);
    const log = k.log();
    await k.stop();
    return { started: true, log };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/^kamailio exited/.test(message)) return { started: false, log: message };
    throw e;
  }
};

/** Run `body` with a Kamailio started on `cfg`; it is stopped afterwards whatever happens. */
export const withKamailio = async <A>(
  cfg: { readonly file: string } | { readonly text: string },
  body: (k: KamailioInstance) => Promise<A>,
  opts: KamailioOptions = {},
): Promise<A> => {
  const k = await startKamailio(cfg, opts);
  try {
    return await body(k);
  } finally {
    await k.stop();
  }
};
