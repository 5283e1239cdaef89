/**
 * Parser micro-benchmark: messages per second for our `SipMessage.parse` plus reading what a
 * proxy needs (top Via branch, Call-ID, CSeq, From tag, To tag), against npm `sip` 0.0.6's
 * `parse` reading the same fields, on the same messages in the same run. Rounds alternate between
 * the two parsers and are timed in CPU time; the table shows medians of 5 rounds (--rounds).
 *
 *   node --import tsx bench/parser-bench.ts [--ms 400] [--rounds 5]
 *   node_modules/.bin/bun bench/parser-bench.ts
 *   node_modules/.bin/deno run -A bench/parser-bench.ts
 *
 * Messages: test/fixtures/sip/{invite,ok200,options,register}.sip. Prints a table and the ratios.
 */
import { readFileSync } from "node:fs";
import { isParseFailure, SipMessage } from "../core/sip/message.ts";
import { runtime } from "../core/runtime.ts";

interface NpmSipMessage {
  headers: {
    via?: { params?: Record<string, string | undefined> }[];
    "call-id"?: string;
    cseq?: { seq: number; method: string };
    from?: { params?: Record<string, string | undefined> };
    to?: { params?: Record<string, string | undefined> };
  };
}
// npm `sip` ships no types: load it by a non-literal specifier so it arrives as unknown, then narrow.
const sipSpecifier: string = "sip";
const sipModule = (await import(sipSpecifier)) as { default?: unknown; parse?: unknown };
const sipPkg = (sipModule.default ?? sipModule) as { parse: (b: Buffer) => NpmSipMessage | undefined };
const npmParse = sipPkg.parse;

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : dflt;
};
const roundMs = arg("ms", 400);
const rounds = arg("rounds", 5);

const fixture = (f: string): Buffer => readFileSync(new URL(`../test/fixtures/sip/${f}`, import.meta.url));
const messages: readonly (readonly [string, Buffer])[] = [
  ["INVITE", fixture("invite.sip")],
  ["200 OK", fixture("ok200.sip")],
  ["OPTIONS", fixture("options.sip")],
  ["REGISTER", fixture("register.sip")],
];

let sink = 0;

const ours = (b: Buffer): void => {
  const m = SipMessage.parse(b);
  if (isParseFailure(m)) throw new Error(`parse failed: ${m.reason}`);
  sink += (m.via().branch?.length ?? 0) + m.callId().length + m.cseq().seq + (m.from().tag?.length ?? 0) + (m.to().tag?.length ?? 1);
};

const theirs = (b: Buffer): void => {
  const m = npmParse(b);
  if (m === undefined) throw new Error("npm sip parse failed");
  const h = m.headers;
  sink += (h.via?.[0]?.params?.branch?.length ?? 0) + (h["call-id"]?.length ?? 0) + (h.cseq?.seq ?? 0) + (h.from?.params?.tag?.length ?? 0) + (h.to?.params?.tag?.length ?? 1);
};

/**
 * CPU time (process.cpuUsage: user + system) of `n` calls, in microseconds. CPU time rather than
 * wall time: this machine is shared, and a descheduled process would otherwise count the time
 * other processes ran.
 */
const cpuMicros = (fn: (b: Buffer) => void, b: Buffer, n: number): number => {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn(b);
  const c = process.cpuUsage(c0);
  return c.user + c.system;
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/**
 * Rounds alternate ours / theirs so both see the same machine load; each round runs for about
 * roundMs. Returns the median messages per CPU-second of each, and the median per-round ratio.
 */
const measurePair = (b: Buffer): { ours: number; theirs: number; ratio: number } => {
  // calibrate a batch size from a warm-up (about roundMs per round)
  let n = 2000;
  cpuMicros(ours, b, n);
  cpuMicros(theirs, b, n);
  const t = Math.max(1, cpuMicros(ours, b, n));
  n = Math.max(1000, Math.round((n * roundMs * 1000) / t));
  const a: number[] = [];
  const c: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const ua = cpuMicros(ours, b, n);
    const uc = cpuMicros(theirs, b, Math.max(1, Math.round(n / 3)));
    const ra = (n * 1e6) / ua;
    const rc = (Math.round(n / 3) * 1e6) / uc;
    a.push(ra);
    c.push(rc);
    r.push(ra / rc);
  }
  return { ours: median(a), theirs: median(c), ratio: median(r) };
};

const fmt = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);

const versions: Record<string, string | undefined> = {
  node: process.versions.node,
  bun: (process.versions as Record<string, string | undefined>).bun,
  deno: (globalThis as unknown as { Deno?: { version: { deno: string } } }).Deno?.version.deno,
};
console.log(`runtime: ${runtime} ${runtime === "node" ? versions.node : runtime === "bun" ? versions.bun : versions.deno} (node compat ${versions.node})`);
console.log(`rounds: ${rounds}, alternating, about ${roundMs} ms CPU each; median messages per CPU-second; ratio = median of per-round ratios`);
console.log("each message = parse + top Via branch + Call-ID + CSeq + From tag + To tag");
console.log("");
console.log("| message | bytes | sipmod | npm sip 0.0.6 | ratio |");
console.log("|---|---|---|---|---|");
const ratios: number[] = [];
for (const [name, b] of messages) {
  ours(b);
  theirs(b);
  const m = measurePair(b);
  ratios.push(m.ratio);
  console.log(`| ${name} | ${b.length} | ${fmt(m.ours)}/s | ${fmt(m.theirs)}/s | ${m.ratio.toFixed(2)}x |`);
}
console.log("");
console.log(`lowest ratio: ${Math.min(...ratios).toFixed(1)}x (sink ${sink % 10})`);
