import { Schema } from "effect";
import type { FromWorker, ToWorker } from "./protocol.ts";

/**
 * The thread protocol (protocol.ts) as Effect Schemas: the contract of every message between the
 * main thread and a worker. Production code sends plain typed objects and does not decode them:
 * both ends are this code base, and a Schema decode on both sides doubles the cost of a hand-off
 * (bench/RESULTS.md, "Thread hand-off": ~9 µs a message raw in batches, ~25 µs with Schema).
 * With SIPMOD_CHECK_PROTOCOL=1 every received message is decoded with these Schemas and a message
 * that does not conform is logged and dropped; the thread tests run with it on.
 */

const TaskData: Schema.Schema<unknown> = Schema.Unknown;
const Bytes = Schema.Uint8ArrayFromSelf;

const WireError = Schema.Struct({
  code: Schema.optional(Schema.String),
  message: Schema.String,
  detail: Schema.optional(Schema.String),
  hint: Schema.optional(Schema.String),
  module: Schema.optional(Schema.String),
});

const ReceiveInfo = Schema.Struct({
  proto: Schema.Literal("udp", "tcp", "tls", "ws", "wss"),
  srcIp: Schema.String,
  srcPort: Schema.Int,
  dstIp: Schema.String,
  dstPort: Schema.Int,
  af: Schema.Literal(4, 6),
  listenerId: Schema.Int,
  connId: Schema.Int,
  time: Schema.Number,
});

const SipHandOff = Schema.Struct({ bytes: Bytes, rcv: ReceiveInfo, flags: Schema.Int });
const Id = Schema.Int;

const Answer = Schema.Union(
  Schema.Struct({ t: Schema.Literal("res"), id: Id, ok: Schema.Literal(true), data: TaskData }),
  Schema.Struct({ t: Schema.Literal("res"), id: Id, ok: Schema.Literal(false), error: WireError }),
);

const careful = Schema.optional(Schema.Literal(true));

const ToWorkerOne = Schema.Union(
  Schema.Struct({ t: Schema.Literal("task"), id: Id, task: Schema.String, data: TaskData, careful }),
  Schema.Struct({ t: Schema.Literal("sip"), id: Id, sip: SipHandOff, careful }),
  Schema.Struct({ t: Schema.Literal("req"), id: Id, from: Schema.Int, op: Schema.String, data: TaskData }),
  Answer,
  Schema.Struct({ t: Schema.Literal("shutdown") }),
);
export const ToWorkerSchema = Schema.Union(
  ToWorkerOne,
  Schema.Struct({ t: Schema.Literal("batch"), msgs: Schema.Array(ToWorkerOne) }),
);

const FromWorkerOne = Schema.Union(
  Schema.Struct({ t: Schema.Literal("ready"), threadId: Schema.Int }),
  Schema.Struct({ t: Schema.Literal("boot-failed"), error: WireError }),
  Schema.Struct({
    t: Schema.Literal("done"),
    ids: Schema.Array(Id),
    failed: Schema.optional(Schema.Array(Schema.Struct({ id: Id, error: WireError }))),
  }),
  Schema.Struct({
    t: Schema.Literal("log"),
    level: Schema.String,
    message: Schema.Array(Schema.String),
    annotations: Schema.Record({ key: Schema.String, value: Schema.String }),
  }),
  Schema.Struct({ t: Schema.Literal("stopped"), error: Schema.optional(WireError) }),
  Schema.Struct({ t: Schema.Literal("call"), name: Schema.String, data: TaskData }),
  Schema.Struct({ t: Schema.Literal("req"), id: Id, to: Schema.Int, op: Schema.String, data: TaskData }),
  Answer,
  Schema.Struct({ t: Schema.Literal("sip"), to: Schema.Int, sip: SipHandOff }),
);
export const FromWorkerSchema = Schema.Union(
  FromWorkerOne,
  Schema.Struct({ t: Schema.Literal("batch"), msgs: Schema.Array(FromWorkerOne) }),
);

/** True when SIPMOD_CHECK_PROTOCOL=1: received messages are decoded with the Schemas. */
export const checkProtocol = (): boolean => process.env["SIPMOD_CHECK_PROTOCOL"] === "1";

const decodeTo = Schema.decodeUnknownEither(ToWorkerSchema);
const decodeFrom = Schema.decodeUnknownEither(FromWorkerSchema);

/** The message if it conforms, else the reason (only called with the check on). */
export const checkToWorker = (m: unknown): ToWorker | string => {
  const r = decodeTo(m);
  return r._tag === "Right" ? (m as ToWorker) : `a message to a worker does not conform to the protocol: ${String(r.left)}`;
};
export const checkFromWorker = (m: unknown): FromWorker | string => {
  const r = decodeFrom(m);
  return r._tag === "Right" ? (m as FromWorker) : `a message from a worker does not conform to the protocol: ${String(r.left)}`;
};
