/**
 * Per-message cost of the main thread <-> worker thread hand-off (a ~500-byte SIP message and
 * its receive info to a worker, the 500-byte reply and its target back), by protocol:
 *
 *   raw copy / raw transfer   node:worker_threads postMessage of a plain object, the buffer copied
 *                             (structured clone) or transferred (both directions)
 *   schema                    the same object through an Effect Schema union of tagged structs,
 *                             encodeSync before and decodeUnknownSync after each postMessage, both sides
 *   effect serialized         @effect/platform Worker.makeSerialized + WorkerRunner.layerSerialized
 *                             (Schema.TaggedRequest, NodeWorker.layer / NodeWorkerRunner.layer)
 *   effect pool(1)            the same through Worker.makePoolSerialized({ size: 1, concurrency: 64 })
 *   batch x32 (raw, schema, effect)  32 messages per postMessage / per request, cost per message
 *
 * each one at a time (the next message when the answer is back) and pipelined (WINDOW messages in
 * flight, default 64; a batch row keeps WINDOW/32 batches in flight). One worker thread. A run
 * warms up for WARM ms, then counts answered messages and process.cpuUsage (every thread of the
 * process) for DURATION ms. ROUNDS rounds (default 3) of every case, interleaved; the table gives
 * the best round (highest rate, lowest CPU per message) and the spread over rounds.
 *
 *   node --import tsx bench/thread-protocol-bench.ts
 *   node_modules/.bin/bun bench/thread-protocol-bench.ts
 *   node_modules/.bin/deno run -A bench/thread-protocol-bench.ts
 *
 * Options (environment): DURATION=2000 WARM=1000 ROUNDS=3 WINDOW=64 ONLY=<substring of a case name>.
 */
import { loadavg } from "node:os";
import type * as WT from "node:worker_threads";
import * as Worker from "@effect/platform/Worker";
import * as NodeWorker from "@effect/platform-node/NodeWorker";
import { Effect, Schema } from "effect";
import { spawnThread } from "../core/process/spawn.ts";
import { runtime, runtimeVersion } from "../core/runtime.ts";
import {
  BATCH, MSG_BYTES, RCV, type RawSip, Route, RouteBatch, SipIn, type Wire, Wire as WireSchema, WireBatch,
  type WorkerMode,
} from "./thread-protocol-shared.ts";

const env = (name: string, dflt: number): number => {
  const v = process.env[name];
  return v === undefined || v === "" ? dflt : Number(v);
};
const DURATION = env("DURATION", 2000);
const WARM = env("WARM", 1000);
const ROUNDS = env("ROUNDS", 3);
const WINDOW = env("WINDOW", 64);
const ONLY = process.env["ONLY"] ?? "";

const WORKER_URL = new URL(`./thread-protocol-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

interface Case {
  readonly name: string;
  readonly kind: "raw" | "effect";
  readonly mode: WorkerMode;
  /** Messages per postMessage / request. */
  readonly unit: number;
  /** Messages in flight. */
  readonly window: number;
  readonly pool?: boolean;
}

interface Run {
  readonly rate: number;
  readonly cpuUs: number;
  readonly errors: number;
}

const cpuNow = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

const freshRequest = (id: number): RawSip => ({ t: "sip", id, bytes: new Uint8Array(MSG_BYTES), rcv: RCV });

/** A node:worker_threads worker speaking one of the plain protocols. */
const runRaw = (c: Case): Promise<Run> =>
  new Promise<Run>((resolve, reject) => {
    const worker: WT.Worker = spawnThread(WORKER_URL, { workerData: { mode: c.mode } });
    const encode = Schema.encodeSync(WireSchema);
    const decode = Schema.decodeUnknownSync(WireSchema);
    const encodeBatch = Schema.encodeSync(WireBatch);
    const decodeBatch = Schema.decodeUnknownSync(WireBatch);
    let nextId = 0;
    let expected = 0;
    let errors = 0;
    let inFlight = 0;
    let answered = 0;
    let phase: "boot" | "warm" | "measure" | "drain" = "boot";
    let warmEnd = 0;
    let measureEnd = 0;
    let t0 = 0;
    let cpu0 = 0;
    let n0 = 0;
    let result: Run | undefined;

    const schemaRequest = (id: number): Wire => ({ _tag: "sip", id, bytes: new Uint8Array(MSG_BYTES), rcv: RCV });
    const post = (): void => {
      switch (c.mode) {
        case "raw-copy":
          worker.postMessage(freshRequest(nextId++));
          break;
        case "raw-transfer": {
          const m = freshRequest(nextId++);
          worker.postMessage(m, [m.bytes.buffer as ArrayBuffer]);
          break;
        }
        case "schema":
          worker.postMessage(encode(schemaRequest(nextId++)));
          break;
        case "batch-raw": {
          const ms: RawSip[] = [];
          for (let i = 0; i < BATCH; i++) ms.push(freshRequest(nextId++));
          worker.postMessage(ms);
          break;
        }
        case "batch-schema": {
          const ms: Wire[] = [];
          for (let i = 0; i < BATCH; i++) ms.push(schemaRequest(nextId++));
          worker.postMessage(encodeBatch(ms));
          break;
        }
        case "effect":
          throw new Error("not a raw mode");
      }
      inFlight += c.unit;
    };
    const check = (id: number, bytes: Uint8Array): void => {
      if (id !== expected++ || bytes.length !== MSG_BYTES) errors++;
    };
    const onAnswer = (data: unknown): void => {
      switch (c.mode) {
        case "raw-copy":
        case "raw-transfer": {
          const m = data as RawSip;
          check(m.id, m.bytes);
          break;
        }
        case "schema": {
          const m = decode(data);
          if (m._tag === "send") check(m.id, m.bytes);
          else errors++;
          break;
        }
        case "batch-raw":
          for (const m of data as readonly RawSip[]) check(m.id, m.bytes);
          break;
        case "batch-schema":
          for (const m of decodeBatch(data)) {
            if (m._tag === "send") check(m.id, m.bytes);
            else errors++;
          }
          break;
        case "effect":
          break;
      }
      inFlight -= c.unit;
      answered += c.unit;
    };
    const fill = (): void => {
      while (inFlight + c.unit <= c.window) post();
    };

    worker.on("error", reject);
    worker.on("message", (data: unknown) => {
      if (phase === "boot") {
        if (data !== "ready") return reject(new Error(`unexpected first message ${String(data)}`));
        phase = "warm";
        warmEnd = performance.now() + WARM;
        fill();
        return;
      }
      onAnswer(data);
      const now = performance.now();
      if (phase === "warm" && now >= warmEnd) {
        phase = "measure";
        t0 = now;
        cpu0 = cpuNow();
        n0 = answered;
        measureEnd = now + DURATION;
      } else if (phase === "measure" && now >= measureEnd) {
        const cpu = cpuNow() - cpu0;
        const n = answered - n0;
        result = { rate: (n * 1000) / (now - t0), cpuUs: cpu / n, errors };
        phase = "drain";
      }
      if (phase !== "drain") fill();
      else if (inFlight === 0) {
        worker.removeAllListeners("message");
        void worker.terminate().then(() => resolve({ ...result!, errors }));
      }
    });
  });

const requestFor = (id: number) => new Route({ id, bytes: new Uint8Array(MSG_BYTES), rcv: RCV });

/** @effect/platform's Worker: one serialized worker, or a pool of one. */
const runEffect = (c: Case): Promise<Run> => {
  const spawn = (_id: number): WT.Worker => spawnThread(WORKER_URL, { workerData: { mode: "effect" } });
  const program = Effect.gen(function* () {
    const worker = c.pool === true
      ? yield* Worker.makePoolSerialized<Route | RouteBatch>({ size: 1, concurrency: c.window })
      : yield* Worker.makeSerialized<Route | RouteBatch>({});
    let nextId = 0;
    let answered = 0;
    let errors = 0;
    const one = c.unit === 1
      ? Effect.suspend(() => worker.executeEffect(requestFor(nextId++))).pipe(
          Effect.map((a) => {
            if (a.bytes.length !== MSG_BYTES) errors++;
            answered += 1;
          }),
        )
      : Effect.suspend(() => {
          const msgs: (typeof SipIn.Type)[] = [];
          for (let i = 0; i < BATCH; i++) msgs.push({ _tag: "sip", id: nextId++, bytes: new Uint8Array(MSG_BYTES), rcv: RCV });
          return worker.executeEffect(new RouteBatch({ msgs }));
        }).pipe(
          Effect.map((as) => {
            for (const a of as) if (a.bytes.length !== MSG_BYTES) errors++;
            answered += as.length;
          }),
        );
    const lanes = Math.max(1, Math.floor(c.window / c.unit));
    const runUntil = (end: number) =>
      Effect.forEach(
        Array.from({ length: lanes }, (_, i) => i),
        () => Effect.whileLoop({ while: () => performance.now() < end, body: () => one, step: () => {} }),
        { concurrency: "unbounded", discard: true },
      );
    yield* one; // the worker is up
    yield* runUntil(performance.now() + WARM);
    const t0 = performance.now();
    const cpu0 = cpuNow();
    const n0 = answered;
    yield* runUntil(t0 + DURATION);
    const t1 = performance.now();
    const cpu = cpuNow() - cpu0;
    const n = answered - n0;
    return { rate: (n * 1000) / (t1 - t0), cpuUs: cpu / n, errors };
  });
  return Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeWorker.layer(spawn))));
};

const cases: Case[] = [];
const both = (name: string, kind: Case["kind"], mode: WorkerMode, unit: number, pool?: boolean): void => {
  cases.push({ name: `${name}, 1 at a time`, kind, mode, unit, window: unit, ...(pool ? { pool } : {}) });
  cases.push({ name: `${name}, ${WINDOW} in flight`, kind, mode, unit, window: Math.max(WINDOW, unit), ...(pool ? { pool } : {}) });
};
both("raw postMessage, copy", "raw", "raw-copy", 1);
both("raw postMessage, transfer", "raw", "raw-transfer", 1);
both("Schema encode/decode + postMessage", "raw", "schema", 1);
both("@effect/platform makeSerialized", "effect", "effect", 1);
both("@effect/platform makePoolSerialized(1)", "effect", "effect", 1, true);
both("batch x32: raw postMessage", "raw", "batch-raw", BATCH);
both("batch x32: Schema + postMessage", "raw", "batch-schema", BATCH);
both("batch x32: @effect/platform makeSerialized", "effect", "effect", BATCH);
const selected = cases.filter((c) => c.name.includes(ONLY));

const load0 = loadavg();
const started = new Date();
const runs = new Map<string, Run[]>();
for (let round = 1; round <= ROUNDS; round++) {
  for (const c of selected) {
    const r = await (c.kind === "raw" ? runRaw(c) : runEffect(c));
    if (r.errors > 0) throw new Error(`${c.name}: ${r.errors} wrong answers`);
    (runs.get(c.name) ?? runs.set(c.name, []).get(c.name)!).push(r);
    process.stderr.write(`round ${round} ${c.name}: ${Math.round(r.rate)} msg/s, ${r.cpuUs.toFixed(2)} cpu us/msg\n`);
  }
}
const load1 = loadavg();

const k = (n: number): string => `${(n / 1000).toFixed(1)}k`;
process.stdout.write(
  `\n${runtime} ${runtimeVersion}, ${started.toISOString()}, best of ${ROUNDS} (${DURATION} ms each after ${WARM} ms warm-up), ` +
    `load average ${load0[0]!.toFixed(2)} -> ${load1[0]!.toFixed(2)}\n\n` +
    `| case | msg/s best (rounds) | CPU us/msg best (rounds) |\n|---|---|---|\n`,
);
for (const c of selected) {
  const rs = runs.get(c.name)!;
  const rates = rs.map((r) => r.rate);
  const cpus = rs.map((r) => r.cpuUs);
  process.stdout.write(
    `| ${c.name} | ${k(Math.max(...rates))} (${rates.map(k).join(", ")}) | ` +
      `${Math.min(...cpus).toFixed(2)} (${cpus.map((x) => x.toFixed(2)).join(", ")}) |\n`,
  );
}
