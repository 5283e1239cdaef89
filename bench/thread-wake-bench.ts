/**
 * What a thread wake-up costs on this machine, the floor under any main-thread hand-off
 * (children=N, async resumes). Three measurements, CPU from /proc/self/task/<tid>/stat:
 *
 *   sleep      a thread that only sleeps 1 ms and wakes (`await setTimeout(1)`), N times:
 *              CPU per wake of the main thread.
 *   post       postMessage of a SIP-sized hand-off ({t, id, bytes: Uint8Array(500), rcv}) to a
 *              worker that is idle (waits in its event loop) and to one that is busy (spinning):
 *              time spent inside the postMessage call, µs.
 *   roundtrip  main sends one 500-byte message every ~1.1 ms; the worker works SPIN ms (spins),
 *              answers 400 bytes; per message CPU of main, the worker and the rest, for
 *              (a) postMessage both ways, (b) a SharedArrayBuffer ring both ways with
 *              Atomics.waitAsync / Atomics.notify (notify only when the other side sleeps).
 *
 *   node --import tsx bench/thread-wake-bench.ts [--n 3000] [--spin 0.5]
 *   node_modules/.bin/bun bench/thread-wake-bench.ts
 *   node_modules/.bin/deno run -A bench/thread-wake-bench.ts
 */
import { readdirSync, readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg("n", 3000);
const SPIN = arg("spin", 0.5);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** CPU ticks (1/100 s) of every thread of this process, by thread id. */
const taskTicks = (): Map<string, number> => {
  const out = new Map<string, number>();
  for (const t of readdirSync("/proc/self/task")) {
    try {
      const f = readFileSync(`/proc/self/task/${t}/stat`, "utf8").split(") ")[1]!.split(" ");
      out.set(t, Number(f[11]) + Number(f[12]));
    } catch {
      // the thread ended
    }
  }
  return out;
};
const mainTid = String(process.pid);
const usPer = (a: Map<string, number>, b: Map<string, number>, n: number) => {
  let main = 0;
  let rest = 0;
  const per: number[] = [];
  for (const [t, v] of b) {
    const d = v - (a.get(t) ?? 0);
    if (t === mainTid) main += d;
    else {
      rest += d;
      per.push(d);
    }
  }
  const us = (ticks: number) => Math.round((ticks * 10_000) / n);
  return { main: us(main), others: us(rest), busiestOther: us(Math.max(0, ...per)) };
};

const workerCode = `
const { parentPort, workerData } = require("node:worker_threads");
const work = (ms) => { const e = performance.now() + ms; while (performance.now() < e); };
if (workerData.mode === "pm") {
  parentPort.on("message", (m) => {
    if (m.spin) work(m.spin);
    if (m.reply) parentPort.postMessage({ t: "sip", id: m.id, bytes: new Uint8Array(400) });
  });
} else {
  // [0] in seq (main writes), [2] worker sleeping, [3] out seq (worker writes), [4] main sleeping
  const ctl = new Int32Array(workerData.ctl);
  const inBuf = new Uint8Array(workerData.inBuf);
  const outBuf = new Uint8Array(workerData.outBuf);
  let readSeq = 0;
  parentPort.on("message", () => {}); // keeps the thread alive
  const drain = () => {
    while (Atomics.load(ctl, 0) !== readSeq) {
      readSeq++;
      const s = (readSeq % 64) * 1024;
      const len = inBuf[s] | (inBuf[s + 1] << 8);
      inBuf.slice(s + 2, s + 2 + len);
      work(workerData.spin);
      const o = Atomics.load(ctl, 3) + 1;
      const os = (o % 64) * 1024;
      outBuf[os] = 400 & 255; outBuf[os + 1] = 400 >> 8; outBuf.fill(7, os + 2, os + 402);
      Atomics.store(ctl, 3, o);
      if (Atomics.load(ctl, 4) === 1) Atomics.notify(ctl, 3);
    }
  };
  const wait = () => {
    Atomics.store(ctl, 2, 1);
    if (Atomics.load(ctl, 0) !== readSeq) { Atomics.store(ctl, 2, 0); drain(); return wait(); }
    const r = Atomics.waitAsync(ctl, 0, readSeq);
    const go = () => { Atomics.store(ctl, 2, 0); drain(); wait(); };
    if (r.async) r.value.then(go); else go();
  };
  wait();
}`;

/** Atomics.waitAsync (ES2024; the project's lib predates it). */
const waitAsync = (Atomics as unknown as {
  waitAsync: (a: Int32Array, i: number, v: number) => { readonly async: boolean; readonly value: Promise<string> | string };
}).waitAsync;

const rcv = { proto: "udp", srcIp: "127.0.0.1", srcPort: 5060, dstIp: "127.0.0.1", dstPort: 5060, af: 4, listenerId: 0, connId: 0, time: 0 };

const measureSleep = async (): Promise<number> => {
  const a = taskTicks();
  for (let i = 0; i < N; i++) await sleep(1);
  return usPer(a, taskTicks(), N).main;
};

const measurePost = async (): Promise<{ idle: number; busy: number }> => {
  const w = new Worker(workerCode, { eval: true, workerData: { mode: "pm" } });
  await sleep(300);
  const timed = async (spin: number, gap: number, n: number) => {
    let t = 0;
    for (let i = 0; i < n; i++) {
      const m = { t: "sip", id: i, sip: { bytes: new Uint8Array(500), rcv, flags: 2 }, spin, reply: false };
      const s = performance.now();
      w.postMessage(m);
      t += performance.now() - s;
      await sleep(gap);
    }
    return Math.round((t / n) * 1000 * 10) / 10;
  };
  const idle = await timed(0, 2, Math.min(N, 1000));
  const busy = await timed(5, 1, Math.min(N, 1000));
  await w.terminate();
  return { idle, busy };
};

const measureRoundTrip = async (mode: "pm" | "sab") => {
  const ctlSab = new SharedArrayBuffer(64);
  const inSab = new SharedArrayBuffer(64 * 1024);
  const outSab = new SharedArrayBuffer(64 * 1024);
  const w = new Worker(workerCode, { eval: true, workerData: { mode, spin: SPIN, ctl: ctlSab, inBuf: inSab, outBuf: outSab } });
  const ctl = new Int32Array(ctlSab);
  const inBuf = new Uint8Array(inSab);
  const outBuf = new Uint8Array(outSab);
  let got = 0;
  let outRead = 0;
  let stopped = false;
  if (mode === "pm") w.on("message", () => got++);
  else {
    const drain = () => {
      while (Atomics.load(ctl, 3) !== outRead) {
        outRead++;
        const s = (outRead % 64) * 1024;
        outBuf.slice(s + 2, s + 2 + (outBuf[s]! | (outBuf[s + 1]! << 8)));
        got++;
      }
    };
    const wait = (): void => {
      if (stopped) return;
      Atomics.store(ctl, 4, 1);
      if (Atomics.load(ctl, 3) !== outRead) {
        Atomics.store(ctl, 4, 0);
        drain();
        return wait();
      }
      const r = waitAsync(ctl, 3, outRead);
      const go = () => {
        Atomics.store(ctl, 4, 0);
        drain();
        wait();
      };
      if (r.async) void (r.value as Promise<string>).then(go);
      else go();
    };
    wait();
  }
  const msg = new Uint8Array(500).fill(65);
  let seq = 0;
  const send = (i: number) => {
    if (mode === "pm") w.postMessage({ t: "sip", id: i, sip: { bytes: new Uint8Array(msg), rcv, flags: 2 }, spin: SPIN, reply: true });
    else {
      seq++;
      const s = (seq % 64) * 1024;
      inBuf[s] = 500 & 255;
      inBuf[s + 1] = 500 >> 8;
      inBuf.set(msg, s + 2);
      Atomics.store(ctl, 0, seq);
      if (Atomics.load(ctl, 2) === 1) Atomics.notify(ctl, 0);
    }
  };
  await sleep(300);
  for (let i = 0; i < 300; i++) {
    send(i);
    await sleep(1);
  }
  const a = taskTicks();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    send(i);
    await sleep(1);
  }
  while (got < N + 300) await sleep(1);
  const b = taskTicks();
  const rate = Math.round((N / (performance.now() - t0)) * 1000);
  stopped = true;
  await w.terminate();
  return { rate, ...usPer(a, b, N) };
};

const main = async () => {
  console.log(`thread wake-ups, ${N} each, worker spin ${SPIN} ms; ${process.versions.bun ? `Bun ${process.versions.bun}` : process.versions.deno ? `Deno ${process.versions.deno}` : `Node ${process.version}`}`);
  console.log(`sleep 1 ms and wake: main thread CPU ${await measureSleep()} µs per wake`);
  const p = await measurePost();
  console.log(`postMessage call: ${p.idle} µs to an idle worker, ${p.busy} µs to a busy one`);
  for (const mode of ["pm", "sab"] as const) {
    const r = await measureRoundTrip(mode);
    console.log(
      `round trip ${mode === "pm" ? "postMessage" : "SAB ring + waitAsync"}: ${r.rate}/s; CPU µs per message: main ${r.main} (incl. its sleep/wake), worker ${r.busiestOther} (incl. ${SPIN * 1000} of work), all threads but main ${r.others}`,
    );
  }
  process.exit(0);
};
void main();
