/**
 * Parser micro-benchmark: messages per second for our `SipMessage.parse` plus reading what a
 * proxy needs (top Via branch, Call-ID, CSeq, From tag, To tag), against npm `sip` 0.0.6's
 * `parse` reading the same fields, on the same messages in the same run. Median of 5 rounds.
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

/** Messages per second over one round of about roundMs. */
const round = (fn: (b: Buffer) => void, b: Buffer): number => {
  const batch = 1000;
  const t0 = performance.now();
  let n = 0;
  let t = t0;
  while (t - t0 < roundMs) {
    for (let i = 0; i < batch; i++) fn(b);
    n += batch;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

const measure = (fn: (b: Buffer) => void, b: Buffer): number => {
  round(fn, b); // warm-up
  const rs: number[] = [];
  for (let i = 0; i < rounds; i++) rs.push(round(fn, b));
  return median(rs);
};

const fmt = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);

const versions: Record<string, string | undefined> = {
  node: process.versions.node,
  bun: (process.versions as Record<string, string | undefined>).bun,
  deno: (globalThis as unknown as { Deno?: { version: { deno: string } } }).Deno?.version.deno,
};
console.log(`runtime: ${runtime} ${runtime === "node" ? versions.node : runtime === "bun" ? versions.bun : versions.deno} (node compat ${versions.node})`);
console.log(`rounds: ${rounds} x ${roundMs} ms, median; each message = parse + Via branch + Call-ID + CSeq + From tag + To tag`);
console.log("");
console.log("| message | bytes | sipmod | npm sip 0.0.6 | ratio |");
console.log("|---|---|---|---|---|");
const ratios: number[] = [];
for (const [name, b] of messages) {
  ours(b);
  theirs(b);
  const a = measure(ours, b);
  const c = measure(theirs, b);
  ratios.push(a / c);
  console.log(`| ${name} | ${b.length} | ${fmt(a)}/s | ${fmt(c)}/s | ${(a / c).toFixed(1)}x |`);
}
console.log("");
console.log(`lowest ratio: ${Math.min(...ratios).toFixed(1)}x (sink ${sink % 10})`);
