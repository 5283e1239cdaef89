/**
 * The worker thread of bench/thread-protocol-bench.ts. `workerData.mode` picks the protocol; every
 * mode answers each message with a fresh 500-byte reply (replyBytes) and the swapped addresses.
 */
import * as WT from "node:worker_threads";
import * as WorkerRunner from "@effect/platform/WorkerRunner";
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner";
import { Effect, Layer, Schema } from "effect";
import {
  answerRcv, replyBytes, Requests, type RawSip, type WorkerMode, Wire, WireBatch,
} from "./thread-protocol-shared.ts";

const port = WT.parentPort as (WT.MessagePort & { close?: () => void }) | null;
if (port === null) throw new Error("thread-protocol-worker.ts runs as a worker thread");
const { mode } = WT.workerData as { readonly mode: WorkerMode };

const answer = (m: RawSip): RawSip => ({ t: "sip", id: m.id, bytes: replyBytes(m.bytes), rcv: answerRcv(m.rcv) });

const decodeWire = Schema.decodeUnknownSync(Wire);
const encodeWire = Schema.encodeSync(Wire);
const decodeBatch = Schema.decodeUnknownSync(WireBatch);
const encodeBatch = Schema.encodeSync(WireBatch);
const schemaAnswer = (m: Wire): Wire => {
  if (m._tag !== "sip") throw new Error(`unexpected ${m._tag}`);
  return { _tag: "send", id: m.id, bytes: replyBytes(m.bytes), rcv: answerRcv(m.rcv) };
};

switch (mode) {
  case "raw-copy":
    port.on("message", (m: RawSip) => port.postMessage(answer(m)));
    port.postMessage("ready");
    break;
  case "raw-transfer":
    port.on("message", (m: RawSip) => {
      const a = answer(m);
      port.postMessage(a, [a.bytes.buffer as ArrayBuffer]);
    });
    port.postMessage("ready");
    break;
  case "schema":
    port.on("message", (data: unknown) => port.postMessage(encodeWire(schemaAnswer(decodeWire(data)))));
    port.postMessage("ready");
    break;
  case "batch-raw":
    port.on("message", (ms: readonly RawSip[]) => port.postMessage(ms.map(answer)));
    port.postMessage("ready");
    break;
  case "batch-schema":
    port.on("message", (data: unknown) => port.postMessage(encodeBatch(decodeBatch(data).map(schemaAnswer))));
    port.postMessage("ready");
    break;
  case "effect": {
    // Deno's parentPort has no close(), which platform-node's runner calls at shutdown.
    if (typeof port.close !== "function") port.close = () => (globalThis as { close?: () => void }).close?.();
    const handlers = {
      Route: (r: { readonly id: number; readonly bytes: Uint8Array; readonly rcv: RawSip["rcv"] }) =>
        Effect.succeed({ _tag: "send" as const, id: r.id, bytes: replyBytes(r.bytes), rcv: answerRcv(r.rcv) }),
      RouteBatch: (r: { readonly msgs: readonly { readonly id: number; readonly bytes: Uint8Array; readonly rcv: RawSip["rcv"] }[] }) =>
        Effect.succeed(r.msgs.map((m) => ({ _tag: "send" as const, id: m.id, bytes: replyBytes(m.bytes), rcv: answerRcv(m.rcv) }))),
    };
    Effect.runFork(WorkerRunner.launch(Layer.provide(WorkerRunner.layerSerialized(Requests, handlers), NodeWorkerRunner.layer)));
    break;
  }
}
