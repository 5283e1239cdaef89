import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { checkFromWorker, checkToWorker } from "../core/process/protocol-schema.ts";
import type { FromWorker, ToWorker } from "../core/process/protocol.ts";

const rcv = { proto: "udp", srcIp: "127.0.0.1", srcPort: 5060, dstIp: "127.0.0.1", dstPort: 5070, af: 4, listenerId: 0, connId: 0, time: 1 } as const;
const sip = { bytes: new Uint8Array([79, 80]), rcv, flags: 2 };

describe("thread protocol: the Schemas accept every message kind and refuse what does not conform", () => {
  test("to a worker", () => {
    const ok: ToWorker[] = [
      { t: "task", id: 1, task: "m.t", data: { a: [1, "x", null] } },
      { t: "sip", id: 2, sip, careful: true },
      { t: "req", id: -3, from: 1, op: "tm.reply", data: { index: 1 } },
      { t: "res", id: 4, ok: true, data: 1 },
      { t: "res", id: 5, ok: false, error: { code: "SM_THREAD_GONE", message: "gone" } },
      { t: "shutdown" },
      { t: "batch", msgs: [{ t: "sip", id: 6, sip }, { t: "shutdown" }] },
    ];
    for (const m of ok) assert.equal(checkToWorker(m), m);
    for (const bad of [{ t: "sip", id: 1 }, { t: "nope" }, { t: "sip", id: 1, sip: { ...sip, rcv: { ...rcv, proto: "sctp" } } }, { t: "batch", msgs: [{ t: "x" }] }])
      assert.equal(typeof checkToWorker(bad), "string", JSON.stringify(bad));
  });

  test("from a worker", () => {
    const ok: FromWorker[] = [
      { t: "ready", threadId: 3 },
      { t: "boot-failed", error: { message: "no" } },
      { t: "done", ids: [1, 2], failed: [{ id: 2, error: { message: "x" } }] },
      { t: "log", level: "INFO", message: ["a"], annotations: { k: "v" } },
      { t: "stopped" },
      { t: "call", name: "sip.send", data: { bytes: new Uint8Array(1) } },
      { t: "req", id: 1, to: 0, op: "core.resume", data: null },
      { t: "res", id: -1, ok: true, data: "x" },
      { t: "sip", to: 2, sip },
      { t: "batch", msgs: [{ t: "done", ids: [] }, { t: "sip", to: 1, sip }] },
    ];
    for (const m of ok) assert.equal(checkFromWorker(m), m);
    for (const bad of [{ t: "done" }, { t: "sip", to: "2", sip }, { t: "req", id: 1, op: "x" }])
      assert.equal(typeof checkFromWorker(bad), "string", JSON.stringify(bad));
  });
});
