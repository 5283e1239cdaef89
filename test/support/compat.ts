import { createSocket, type Socket } from "node:dgram";
import { fileURLToPath } from "node:url";
import { withKamailio } from "./kamailio.ts";
import { withServer } from "./with-server.ts";
import { runtime } from "../../core/runtime.ts";

/**
 * Kamailio compatibility runs: the same cfg file runs under real Kamailio and under sipmod, the
 * same requests go to both from the same socket, and the replies are compared (status code, reason
 * phrase, To tag present, Via received/rport). Each case also states what Kamailio 5.6 answers, so
 * a test documents the behaviour it checks.
 *
 * Writing a cfg for it: load its modules with `loadmodule "x.so"` (no mpath: the Kamailio side adds
 * the module folder, listen address and logging); no `listen=`. Kamailio gets probe OPTIONS to
 * sip:kamailio-probe@127.0.0.1 while it starts, so select cases by $rU and count nothing else.
 * Kamailio 5.6 formats a reply reason that starts with a pseudo-variable as that variable alone:
 * start reasons with text ("r=$var(r)"). COMPAT_SHOW=1 prints every answer of both servers.
 */

/** A request of a case. Defaults give a plain OPTIONS to sip:service@127.0.0.1. */
export interface CompatRequest {
  readonly method?: string;
  readonly ruri?: string;
  /** From header value (default `<sip:tester@127.0.0.1>;tag=t1`). */
  readonly from?: string;
  /** To header value (default `<sip:service@127.0.0.1>`). */
  readonly to?: string;
  /** Extra header lines, written after Max-Forwards. */
  readonly headers?: readonly string[];
  /** Max-Forwards value; null leaves the header out. Default 70. */
  readonly maxForwards?: number | null;
  /** Host written in the Via (default 127.0.0.1, the real source: no `received` is needed then). */
  readonly viaHost?: string;
  /** Put `;rport` in the Via (default true). */
  readonly rport?: boolean;
  readonly body?: string;
  /** Headers of the default set to leave out (Call-ID, CSeq, From, To, Content-Length, ...). */
  readonly omit?: readonly string[];
  /** Values replacing those of default headers, by name: `{ CSeq: "abc OPTIONS" }`. */
  readonly set?: Readonly<Record<string, string>>;
  /** The request line's version (default SIP/2.0). */
  readonly version?: string;
}

/** What a server answered, reduced to what the tests compare. */
export interface Reply {
  readonly code: number;
  readonly reason: string;
  readonly toTag: boolean;
  /** Value of the top Via's `received` parameter, if any. */
  readonly received: string | undefined;
  /** Value of the top Via's `rport` parameter: "" when present without value; undefined when absent. */
  readonly rport: string | undefined;
}
export type Outcome = Reply | "no reply";

/** What a case expects: "no reply", or the fields given (the others are not checked against it). */
export type Expected =
  | "no reply"
  | {
      readonly code: number;
      readonly reason?: string;
      readonly toTag?: boolean;
      readonly received?: string | undefined;
      /** true: the top Via has `rport=<the client's port>`; false: it has no rport. */
      readonly rport?: boolean;
    };

export interface CompatCase {
  /** Short label, also used to build a unique Call-ID. */
  readonly name: string;
  readonly req: CompatRequest;
  /** What Kamailio 5.6 answers (checked against the real one), and so what sipmod must answer. */
  readonly kamailio: Expected;
  /**
   * Where sipmod answers differently on purpose (DESIGN.md "Where we differ"): what sipmod answers.
   * The comparison with Kamailio is then skipped for this case.
   */
  readonly sipmod?: Expected;
  /**
   * The Call-ID to use instead of one of its own: cases that must meet the same thread (a $var
   * kept by the process, with children=2 where a Call-ID picks the receiver) share one.
   */
  readonly callId?: string;
  /** How long to wait for a reply (ms). Default 5000; a case expecting no reply waits 1000. */
  readonly waitMs?: number;
}

/** A cfg file of test/fixtures/compat. */
export const compatCfg = (name: string): string => fileURLToPath(new URL(`../fixtures/compat/${name}`, import.meta.url));

const CRLF = "\r\n";

export const buildRequest = (req: CompatRequest, clientPort: number, callId: string, branch: string): string => {
  const method = req.method ?? "OPTIONS";
  const body = req.body ?? "";
  const defaults: [string, string | undefined][] = [
    ["Via", `SIP/2.0/UDP ${req.viaHost ?? "127.0.0.1"}:${clientPort};branch=${branch}${req.rport === false ? "" : ";rport"}`],
    ["From", req.from ?? "<sip:tester@127.0.0.1>;tag=t1"],
    ["To", req.to ?? "<sip:service@127.0.0.1>"],
    ["Call-ID", callId],
    ["CSeq", `1 ${method}`],
    ["Max-Forwards", req.maxForwards === null ? undefined : String(req.maxForwards ?? 70)],
  ];
  const line = ([name, value]: [string, string | undefined]): string[] =>
    value === undefined || (req.omit ?? []).includes(name) ? [] : [`${name}: ${req.set?.[name] ?? value}`];
  const lines = [
    `${method} ${req.ruri ?? "sip:service@127.0.0.1"} ${req.version ?? "SIP/2.0"}`,
    ...defaults.flatMap(line),
    ...(req.headers ?? []),
    ...line(["Content-Length", String(Buffer.byteLength(body, "latin1"))]),
  ];
  return lines.join(CRLF) + CRLF + CRLF + body;
};

const headerValue = (msg: string, names: readonly string[]): string | undefined => {
  for (const line of msg.split(CRLF)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    if (names.includes(line.slice(0, colon).trim().toLowerCase())) return line.slice(colon + 1).trim();
  }
  return undefined;
};

/** The parameters of the top Via header, names in lower case ("" for a parameter without value). */
const topViaParams = (msg: string): Map<string, string> => {
  const via = (headerValue(msg, ["via", "v"]) ?? "").split(",")[0]!;
  const params = new Map<string, string>();
  for (const p of via.split(";").slice(1)) {
    const eq = p.indexOf("=");
    params.set((eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase(), eq < 0 ? "" : p.slice(eq + 1).trim());
  }
  return params;
};

/** The compared fields of a reply. */
export const reduceReply = (msg: string): Reply => {
  const m = /^SIP\/2\.0 (\d{3}) ([^\r\n]*)/.exec(msg);
  if (m === null) throw new Error(`not a SIP reply: ${msg.slice(0, 120)}`);
  const to = headerValue(msg, ["to", "t"]) ?? "";
  const params = topViaParams(msg);
  return {
    code: Number(m[1]),
    reason: m[2]!,
    toTag: /;\s*tag=/i.test(to),
    received: params.get("received"),
    rport: params.get("rport"),
  };
};

/** One UDP socket on 127.0.0.1 that sends cases and matches replies by Via branch and source port. */
class CaseClient {
  private readonly got: { from: number; text: string }[] = [];
  private readonly waiters = new Set<() => void>();
  private constructor(private readonly sock: Socket) {
    sock.on("message", (m, rinfo) => {
      this.got.push({ from: rinfo.port, text: m.toString("latin1") });
      for (const w of this.waiters) w();
    });
  }
  static async open(): Promise<CaseClient> {
    const sock = createSocket("udp4");
    await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", resolve));
    return new CaseClient(sock);
  }
  get port(): number {
    return this.sock.address().port;
  }
  /** Send `text` to `port`; the first reply from that port whose top Via has `branch`, or undefined after `ms`. */
  async exchange(port: number, text: string, branch: string, ms: number): Promise<string | undefined> {
    this.sock.send(Buffer.from(text, "latin1"), port, "127.0.0.1");
    const until = Date.now() + ms;
    for (;;) {
      const i = this.got.findIndex((g) => g.from === port && topViaParams(g.text).get("branch") === branch);
      if (i >= 0) return this.got.splice(i, 1)[0]!.text;
      const left = until - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const w = () => {
          clearTimeout(t);
          this.waiters.delete(w);
          resolve();
        };
        const t = setTimeout(w, left);
        this.waiters.add(w);
      });
    }
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.sock.close(() => resolve()));
  }
}

const show = (o: Outcome | Expected): string => (typeof o === "string" ? o : JSON.stringify(o));

/** Fields of `expected` that `got` does not match, as text; empty when it matches. */
export const unmet = (got: Outcome, expected: Expected, clientPort: number): string[] => {
  if (expected === "no reply" || got === "no reply")
    return expected === got ? [] : [`expected ${show(expected)}, got ${show(got)}`];
  const out: string[] = [];
  for (const k of ["code", "reason", "toTag", "received"] as const) {
    if (!(k in expected)) continue;
    if (got[k] !== expected[k]) out.push(`${k}: expected ${JSON.stringify(expected[k])}, got ${JSON.stringify(got[k])}`);
  }
  if (expected.rport !== undefined) {
    const want = expected.rport ? String(clientPort) : undefined;
    if (got.rport !== want) out.push(`rport: expected ${JSON.stringify(want)}, got ${JSON.stringify(got.rport)}`);
  }
  return out;
};

/** Differences between Kamailio's and sipmod's answers (all compared fields). */
export const differences = (kam: Outcome, sip: Outcome): string[] => {
  if (kam === "no reply" || sip === "no reply") return kam === sip ? [] : [`Kamailio: ${show(kam)}; sipmod: ${show(sip)}`];
  return (["code", "reason", "toTag", "received", "rport"] as const)
    .filter((k) => kam[k] !== sip[k])
    .map((k) => `${k}: Kamailio ${JSON.stringify(kam[k])}, sipmod ${JSON.stringify(sip[k])}`);
};

export interface CaseResult {
  readonly name: string;
  readonly kamailio: Outcome;
  readonly sipmod: Outcome;
  /** What sipmod answered with `children=2` (two receiver threads). */
  readonly sipmod2: Outcome;
  /** Problems found: Kamailio not as the case says, sipmod not as Kamailio (or as its documented difference). */
  readonly problems: readonly string[];
}

/** Call-ID `<cfg name>-<case index>@compat.test`, so a case can show its own Call-ID. */
const caseIds = (file: string, n: number) => {
  const base = file.split("/").pop()!.replace(/\.cfg$/, "").replace(/[^\w.-]/g, "_");
  return { callId: `${base}-${n}@compat.test`, branch: `z9hG4bK-${base}-${n}` };
};

/**
 * Start Kamailio and sipmod on the cfg, send every case to both (one case at a time, the same
 * bytes from the same socket) and return what each answered. Both servers are stopped afterwards.
 */
/**
 * Whether the cases also run against sipmod with children=2: always on Bun (its worker threads
 * boot in about a second), on Node and Deno with SIPMOD_COMPAT_BOTH_MODES=1 (under tsx a
 * children=2 server takes ~5 s to boot per cfg, which would double the CI's compat time).
 */
/** A flow's result with its measured times (`ms`) set to 0, to compare children=1 with children=2. */
export const withoutTimes = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(withoutTimes)
    : typeof v === "object" && v !== null
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === "ms" && typeof x === "number" ? 0 : withoutTimes(x)]))
      : v;

export const compatBothModes = runtime === "bun" || process.env["SIPMOD_COMPAT_BOTH_MODES"] === "1";

export const runCompat = async (cfgFile: string, cases: readonly CompatCase[]): Promise<CaseResult[]> => {
  const texts = (clientPort: number) =>
    cases.map((c, n) => {
      const ids = caseIds(cfgFile, n);
      const branch = ids.branch;
      return { c, branch, text: buildRequest(c.req, clientPort, c.callId ?? ids.callId, branch), ms: c.waitMs ?? (c.kamailio === "no reply" ? 1000 : 5000) };
    });
  const client = await CaseClient.open();
  const ask = async (port: number, text: string, branch: string, ms: number): Promise<Outcome> => {
    const r = await client.exchange(port, text, branch, ms);
    return r === undefined ? "no reply" : reduceReply(r);
  };
  const serverOpts = (children: number) => ({ file: cfgFile, listen: ["udp:127.0.0.1:0"], rpcListen: "127.0.0.1:0", children });
  const udpPort = (s: { readonly listeners: readonly { readonly proto: string; readonly port: number }[] }) => s.listeners.find((l) => l.proto === "udp")!.port;
  try {
    // Pass 1: Kamailio and sipmod (children=1) get each case at the same time.
    const first = await withKamailio({ file: cfgFile }, (kam) =>
      withServer(serverOpts(1), async (s) => {
        const out: { kamailio: Outcome; sipmod: Outcome }[] = [];
        for (const { branch, text, ms } of texts(client.port)) {
          const [kamailio, sipmod] = await Promise.all([ask(kam.port, text, branch, ms), ask(udpPort(s), text, branch, ms)]);
          out.push({ kamailio, sipmod });
        }
        return out;
      }),
    );
    // Pass 2: the same cases, from a fresh start, to sipmod with two receiver threads (a second
    // server in this process at the same time would share the modules' process-wide state).
    const second = compatBothModes
      ? await withServer(serverOpts(2), async (s) => {
          const out: Outcome[] = [];
          for (const { branch, text, ms } of texts(client.port)) out.push(await ask(udpPort(s), text, branch, ms));
          return out;
        })
      : first.map((f) => f.sipmod);
    return cases.map((c, i) => {
      const { kamailio, sipmod } = first[i]!;
      const sipmod2 = second[i]!;
      const kamProblems = unmet(kamailio, c.kamailio, client.port);
      const against = (got: Outcome): string[] => (c.sipmod !== undefined ? unmet(got, c.sipmod, client.port) : differences(kamailio, got));
      const sipProblems = against(sipmod);
      const sip2Problems = compatBothModes ? against(sipmod2) : [];
      const what = c.sipmod !== undefined ? "its documented answer" : "Kamailio";
      const problems = [
        ...(kamProblems.length > 0 ? [`Kamailio differs from the case (${kamProblems.join("; ")})`] : []),
        ...(sipProblems.length > 0 ? [`sipmod differs from ${what} (${sipProblems.join("; ")})`] : []),
        ...(sip2Problems.length > 0 ? [`sipmod children=2 differs from ${what} (${sip2Problems.join("; ")})`] : []),
      ];
      return { name: c.name, kamailio, sipmod, sipmod2, problems };
    });
  } finally {
    await client.close();
  }
};

/** Problems of all cases as one readable text ("" when none). */
export const problemReport = (results: readonly CaseResult[]): string =>
  results
    .filter((r) => r.problems.length > 0)
    .map((r) => `- ${r.name}: ${r.problems.join("; ")}\n    Kamailio ${show(r.kamailio)}\n    sipmod   ${show(r.sipmod)}\n    sipmod/2 ${show(r.sipmod2)}`)
    .join("\n");

/** Run the cases and fail with every problem listed. */
export const assertCompat = async (cfgFile: string, cases: readonly CompatCase[]): Promise<void> => {
  const results = await runCompat(cfgFile, cases);
  // COMPAT_SHOW=1 prints every answer (handy when writing a new case).
  if (process.env["COMPAT_SHOW"] === "1")
    for (const r of results) console.log(`${r.name}\n  Kamailio ${show(r.kamailio)}\n  sipmod   ${show(r.sipmod)}\n  sipmod/2 ${show(r.sipmod2)}`);
  const report = problemReport(results);
  if (report !== "") throw new Error(`Kamailio/sipmod compatibility problems with ${cfgFile.split("/").pop()}:\n${report}`);
};
