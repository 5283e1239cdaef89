/**
 * The rate ladder both SIPp benchmarks (run-stateless.ts, run-stateful.ts) climb: their shared
 * options, the steps with retries, the rounds in a scratch directory, the SIPp-side verdict of a
 * step, and the summary of a target over the rounds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { csv, median, serverSpec, setAutogroupNice, sleep } from "./harness.ts";
import type { SippTotals } from "./sipp-run.ts";

/** The options both SIPp rate ladders (run-stateless.ts, run-stateful.ts) take. */
export interface LadderOptions {
  rates: number[];
  seconds: number;
  retries: number;
  nice: number;
  rounds: number;
  kamailio: number[];
  kamailioBuffer: number;
  sippBuffer: number;
  servers: { label: string; command: string }[];
  json: string | undefined;
}

/** Take one of the LadderOptions into `o`; false for any other option. */
export const ladderOption = (o: LadderOptions, a: string, v: () => string): boolean => {
  if (a === "--rates") o.rates = csv(v()).map(Number);
  else if (a === "--seconds") o.seconds = Number(v());
  else if (a === "--retries") o.retries = Number(v());
  else if (a === "--nice") o.nice = Number(v());
  else if (a === "--rounds") o.rounds = Number(v());
  else if (a === "--kamailio") o.kamailio = csv(v()).map(Number);
  else if (a === "--kamailio-buffer") o.kamailioBuffer = Number(v());
  else if (a === "--sipp-buffer") o.sippBuffer = Number(v());
  else if (a === "--server") o.servers.push(serverSpec(v()));
  else if (a === "--json") o.json = v();
  else return false;
  return true;
};

/** Throw on LadderOptions out of range. */
export const checkLadder = (o: LadderOptions): void => {
  if (o.rates.length === 0 || o.rates.some((r) => !(r > 0))) throw new Error("--rates: positive numbers");
  if (!(o.seconds > 0 && o.seconds <= 60)) throw new Error("--seconds: between 0 and 60");
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1 && o.rounds <= 10)) throw new Error("--rounds: 1 to 10");
  if (!(Number.isInteger(o.nice) && o.nice >= -20 && o.nice <= 19)) throw new Error("--nice: -20 to 19");
};

/**
 * Run every target `count` times; rounds alternate the order (drift in machine load evens out).
 * result[i][k]: round i, target k in list order, whatever order it ran in.
 */
const runRounds = async <T, R>(list: readonly T[], count: number, run: (t: T) => Promise<R>): Promise<R[][]> => {
  const rounds: R[][] = [];
  for (let i = 0; i < count; i++) {
    process.stderr.write(`\n#### round ${i + 1} of ${count}\n`);
    const order = list.map((_, k) => k);
    if (i % 2 === 1) order.reverse();
    const round: R[] = new Array(list.length);
    for (const k of order) round[k] = await run(list[k]!);
    rounds.push(round);
  }
  return rounds;
};

/** The best passing rate of one target's run (0 when none passed). */
const bestRate = (r: { readonly best: { readonly rate: number } | undefined } | undefined): number => r?.best?.rate ?? 0;

/** Median over the rounds of target k's best rate / target `ref`'s ("-" without a reference). */
export const ratioToRef = (rounds: readonly (readonly { readonly best: { readonly rate: number } | undefined }[])[], k: number, ref: number): string => {
  if (ref < 0) return "-";
  const rs = rounds.map((r) => (bestRate(r[ref]) > 0 ? bestRate(r[k]) / bestRate(r[ref]) : NaN)).filter((x) => !Number.isNaN(x));
  return rs.length === 0 ? "-" : median(rs).toFixed(2);
};

/** What went wrong with the SIPp UAC's side of a step at `rate` (empty: nothing). */
export const sippProblems = (rate: number, t: SippTotals): string[] => {
  const why: string[] = [];
  if (t.failed > 0) why.push(`${t.failed} failed`);
  if (t.retransmissions > 0) why.push(`${t.retransmissions} retrans`);
  if (t.unexpected > 0 || t.outOfCall > 0 || t.deadCall > 0) why.push(`${t.unexpected + t.outOfCall + t.deadCall} unexpected`);
  if (t.successful < t.created || t.created === 0) why.push(`${t.created - t.successful} unanswered`);
  if (t.callRate < rate * 0.95) why.push(`sipp reached ${Math.round(t.callRate)}/s`);
  return why;
};

/** A step's verdict from its list of problems. */
export const verdict = (why: readonly string[]): { pass: boolean; why: string } => ({ pass: why.length === 0, why: why.join(", ") || "ok" });

/**
 * Climb the rates in increasing order: each step is measured up to 1 + o.retries times (a second
 * apart) until it passes; the climb stops at the first step that never passes.
 */
export const climb = async <S extends { readonly rate: number; readonly pass: boolean }>(
  o: LadderOptions,
  measure: (rate: number, attempt: number) => Promise<S>,
): Promise<{ steps: S[]; best: S | undefined }> => {
  const steps: S[] = [];
  let best: S | undefined;
  for (const rate of [...o.rates].sort((a, b) => a - b)) {
    let r: S | undefined;
    for (let attempt = 0; attempt <= o.retries; attempt++) {
      r = await measure(rate, attempt);
      steps.push(r);
      await sleep(1000);
      if (r.pass) break;
    }
    if (r === undefined || !r.pass) break;
    best = r;
  }
  return { steps, best };
};

/**
 * Run every target o.rounds times (runRounds) at o.nice, each run given a scratch directory that
 * is removed afterwards. Also returns when it started and the load average then.
 */
export const runLadderRounds = async <T, R>(
  o: LadderOptions,
  workPrefix: string,
  list: readonly T[],
  run: (t: T, work: string) => Promise<R>,
): Promise<{ rounds: R[][]; stamp: string; load0: number }> => {
  const restoreNice = o.nice !== 0 ? setAutogroupNice(o.nice) : () => {};
  const work = mkdtempSync(join(tmpdir(), workPrefix));
  const stamp = new Date().toISOString();
  const load0 = loadavg()[0]!;
  try {
    return { rounds: await runRounds(list, o.rounds, (t) => run(t, work)), stamp, load0 };
  } finally {
    restoreNice();
    rmSync(work, { recursive: true, force: true });
  }
};

/** The line under a table's title: cores and the load average at start and now. */
export const machineLine = (load0: number, warnAbove?: number): string =>
  `${cpus().length} cores, load average ${load0.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end` +
  (warnAbove !== undefined && load0 > warnAbove ? " (other work was running: figures are pessimistic)" : "");

/**
 * Target k over the rounds: the round whose best rate is the median (lower middle) speaks for CPU,
 * memory and failure; `rateCell` is the median best rate with each round's, or the error.
 */
export const targetSummary = <
  S extends { readonly rate: number; readonly pass: boolean },
  R extends { readonly steps: readonly S[]; readonly best: S | undefined; readonly error?: string },
>(
  rounds: readonly (readonly R[])[],
  k: number,
): { mid: R; best: S | undefined; failStep: S | undefined; rateCell: string } => {
  const runs = rounds.map((r) => r[k]!);
  const rates = runs.map(bestRate);
  const mid = [...runs].sort((x, y) => bestRate(x) - bestRate(y))[Math.floor((runs.length - 1) / 2)]!;
  const best = mid.best;
  const lastStep = mid.steps[mid.steps.length - 1];
  const failStep = lastStep !== undefined && !lastStep.pass ? lastStep : undefined;
  const rateCell = best ? `${median(rates)}/s${runs.length > 1 ? ` (${rates.join(", ")})` : ""}` : (mid.error ?? "none");
  return { mid, best, failStep, rateCell };
};

/**
 * Run a benchmark's main when its file is the program (`url`: its import.meta.url), not when
 * another benchmark imports it for its pieces: an error is printed as one line and exits 2.
 */
export const runMain = (main: () => Promise<void>, url: string): void => {
  if (process.argv[1] === undefined || resolve(process.argv[1]) !== fileURLToPath(url)) return;
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  });
};
