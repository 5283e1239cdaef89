/**
 * What bench/thread-protocol-bench.ts and its worker (thread-protocol-worker.ts) both use: the
 * message shapes, the Effect Schemas of the same messages, the @effect/platform requests, and the
 * worker's "routing" (copy the 500 request bytes into a fresh 500-byte reply).
 */
import { Schema } from "effect";

export const MSG_BYTES = 500;
export const BATCH = 32;

/** Which protocol the worker thread speaks. */
export type WorkerMode = "raw-copy" | "raw-transfer" | "schema" | "batch-raw" | "batch-schema" | "effect";

export interface Rcv {
  readonly proto: "udp" | "tcp" | "tls" | "ws" | "wss";
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
  readonly listenerId: number;
}

/** The raw message, both ways (main -> worker: a received request; worker -> main: the reply to send). */
export interface RawSip {
  readonly t: "sip";
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly rcv: Rcv;
}

export const RCV: Rcv = { proto: "udp", srcIp: "127.0.0.1", srcPort: 5061, dstIp: "127.0.0.1", dstPort: 5060, listenerId: 0 };

/** Where the reply goes: the request's source, from the listener it arrived on. */
export const answerRcv = (r: Rcv): Rcv => ({
  proto: r.proto, srcIp: r.dstIp, srcPort: r.dstPort, dstIp: r.srcIp, dstPort: r.srcPort, listenerId: r.listenerId,
});

/** The worker's stand-in for routing: a fresh reply buffer holding the request's bytes. */
export const replyBytes = (request: Uint8Array): Uint8Array => {
  const out = new Uint8Array(MSG_BYTES);
  out.set(request.length > MSG_BYTES ? request.subarray(0, MSG_BYTES) : request);
  return out;
};

// ---- The same messages as an Effect Schema (a union of tagged structs, as a real protocol would be).

const RcvSchema = Schema.Struct({
  proto: Schema.Literal("udp", "tcp", "tls", "ws", "wss"),
  srcIp: Schema.String,
  srcPort: Schema.Int,
  dstIp: Schema.String,
  dstPort: Schema.Int,
  listenerId: Schema.Int,
});
const SipFields = { id: Schema.Int, bytes: Schema.Uint8ArrayFromSelf, rcv: RcvSchema };
/** main -> worker: a received message. */
export const SipIn = Schema.TaggedStruct("sip", SipFields);
/** worker -> main: bytes to send. */
export const SipOut = Schema.TaggedStruct("send", SipFields);
const LogLine = Schema.TaggedStruct("log", { level: Schema.String, message: Schema.Array(Schema.String) });
const Done = Schema.TaggedStruct("done", { id: Schema.Int, error: Schema.optional(Schema.String) });
export const Wire = Schema.Union(SipIn, SipOut, LogLine, Done);
export type Wire = typeof Wire.Type;
export const WireBatch = Schema.Array(Wire);

// ---- @effect/platform Worker requests.

export class Route extends Schema.TaggedRequest<Route>()("Route", {
  failure: Schema.Never,
  success: SipOut,
  payload: SipFields,
}) {}

export class RouteBatch extends Schema.TaggedRequest<RouteBatch>()("RouteBatch", {
  failure: Schema.Never,
  success: Schema.Array(SipOut),
  payload: { msgs: Schema.Array(SipIn) },
}) {}

export const Requests = Schema.Union(Route, RouteBatch);
export type Requests = typeof Requests.Type;
