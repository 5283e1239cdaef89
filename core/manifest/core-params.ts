import { Either, Schema } from "effect";
import { parseListen } from "../transport/listen-spec.ts";
import { TransportParams } from "../transport/transport-params.ts";

/**
 * The core parameters: what plugins.json's `core` object holds and what a cfg file's global
 * parameters (`listen=`, `children=`, `async_workers=` ...) map to. The names are Kamailio's
 * where Kamailio has the same parameter; the descriptions are what editors show for
 * plugins.json (through core/manifest/plugins.schema.json).
 */

const LISTEN_DESCRIPTION =
  'A socket to listen on: `[proto:]ip[:port]`, proto `udp` or `tcp` (both when omitted), port 5060 when omitted, 0 for any free port. Examples: "udp:127.0.0.1:5060", "tcp:[::1]:5060".';

/** A listen address, checked with the transport's own parser (core/transport/listen-spec.ts). */
export const ListenAddress = Schema.String.pipe(
  Schema.filter((s) => {
    const r = parseListen(s);
    return Either.isRight(r) || r.left.message;
  }),
).annotations({
  identifier: "ListenAddress",
  description: LISTEN_DESCRIPTION,
  jsonSchema: { type: "string", description: LISTEN_DESCRIPTION },
});

export const LogLevel = Schema.Literal("error", "warn", "notice", "info", "debug").annotations({
  description:
    "Least severe message written to the log. Kamailio's `debug=N` maps to it: -1 error, 0 warn, 1 notice, 2 info, 3 debug.",
});
export type LogLevel = typeof LogLevel.Type;

const positiveInt = Schema.Int.pipe(Schema.greaterThanOrEqualTo(1));

export const DEFAULT_GROUP_QUEUE = 1024;
/** Tasks a group worker runs at once (a task that waits lets the next one start). */
export const DEFAULT_GROUP_CONCURRENCY = 64;
/** SIP messages queued per receiver thread (children > 1) before the main thread drops one. */
export const DEFAULT_RECEIVER_QUEUE = 4096;

export const GroupParams = Schema.Struct({
  name: Schema.String.pipe(
    Schema.pattern(/^[A-Za-z0-9_.-]+$/, {
      message: (issue) => `invalid group name ${JSON.stringify(issue.actual)}: use letters, digits, "_", "." or "-"`,
    }),
  ).annotations({
    description: 'Group name, as used by `async_task_group_route(route, "name")` and `sworker_task("name")`. "default" sizes the default group.',
  }),
  workers: positiveInt.annotations({ description: "Number of worker threads in the group (at least 1)." }),
  queue: Schema.optionalWith(positiveInt, { default: () => DEFAULT_GROUP_QUEUE }).annotations({
    description: "Tasks queued per worker before a push is refused at once (default 1024).",
    default: DEFAULT_GROUP_QUEUE,
  }),
  concurrency: Schema.optionalWith(positiveInt, { default: () => DEFAULT_GROUP_CONCURRENCY }).annotations({
    description: "Tasks a worker runs at once; one that waits (a timer, DNS, another thread) lets the next start (default 64).",
    default: DEFAULT_GROUP_CONCURRENCY,
  }),
}).annotations({
  description: 'A process group, like Kamailio\'s `async_workers_group="name=NAME;workers=N"`.',
});
export type GroupParams = typeof GroupParams.Type;

export const DEFAULT_RPC_LISTEN = "127.0.0.1:5071";

export const RpcParams = Schema.Struct({
  listen: Schema.optionalWith(Schema.String, { default: () => DEFAULT_RPC_LISTEN }).annotations({
    description: "host:port of the JSON-RPC management server (`sipmod ctl`); port 0 picks a free port.",
    default: DEFAULT_RPC_LISTEN,
  }),
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }).annotations({
    description: "false: run without the management server.",
    default: true,
  }),
}).annotations({ description: "The management server (JSON-RPC 2.0 over HTTP, like Kamailio's jsonrpcs + kamcmd)." });
export type RpcParams = typeof RpcParams.Type;

export const DEFAULT_LISTEN: readonly string[] = ["udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"];

export const CoreParamsSchema = Schema.Struct({
  listen: Schema.optionalWith(Schema.Array(ListenAddress), { default: () => [...DEFAULT_LISTEN] }).annotations({
    description:
      'Sockets to listen on (Kamailio `listen=`, one line each). Default: ["udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"].',
    default: [...DEFAULT_LISTEN],
  }),
  children: Schema.optionalWith(positiveInt, { default: () => 1 }).annotations({
    description:
      "Number of threads that route received SIP messages (Kamailio `children=`). 1: the main thread routes; N > 1: the main " +
      "thread hands each message to one of N receiver threads by its Call-ID.",
    default: 1,
  }),
  receiver_queue: Schema.optionalWith(positiveInt, { default: () => DEFAULT_RECEIVER_QUEUE }).annotations({
    description: "With children > 1: SIP messages queued per receiver thread before the main thread drops one (default 4096).",
    default: DEFAULT_RECEIVER_QUEUE,
  }),
  async_workers: Schema.optionalWith(Schema.Int.pipe(Schema.greaterThanOrEqualTo(0)), { default: () => 0 }).annotations({
    description:
      'Workers of the core\'s "default" async group (Kamailio `async_workers=`); 0 = none unless other groups exist (then 1, as in Kamailio).',
    default: 0,
  }),
  groups: Schema.optionalWith(Schema.Array(GroupParams), { default: () => [] }).annotations({
    description: "Named process groups (Kamailio `async_workers_group=`, one line each).",
    default: [],
  }),
  udp_recv_buffer: TransportParams.fields.udp_recv_buffer.annotations({
    description:
      "UDP socket receive buffer asked for, in bytes (SO_RCVBUF; the kernel caps it at net.core.rmem_max). cfg: `maxbuffer=`.",
    default: 4 * 1024 * 1024,
  }),
  udp_send_buffer: TransportParams.fields.udp_send_buffer.annotations({
    description:
      "UDP socket send buffer asked for, in bytes (SO_SNDBUF; the kernel caps it at net.core.wmem_max). cfg: `maxsndbuffer=`.",
    default: 4 * 1024 * 1024,
  }),
  disable_tcp: Schema.optionalWith(Schema.Boolean, { default: () => false }).annotations({
    description:
      "Do not listen on TCP (Kamailio `disable_tcp=yes`): listen addresses without a protocol open UDP only, and tcp: ones are refused.",
    default: false,
  }),
  rpc: Schema.optionalWith(RpcParams, { default: () => ({ listen: DEFAULT_RPC_LISTEN, enabled: true }) }).annotations({
    description: "The JSON-RPC management server.",
    default: { listen: DEFAULT_RPC_LISTEN, enabled: true },
  }),
  log_level: Schema.optionalWith(LogLevel, { default: () => "info" as const }).annotations({
    description:
      "Least severe message written to the log: error, warn, notice, info or debug (cfg: `debug=N`, 2 = info).",
    default: "info",
  }),
  tcp_max_message: TransportParams.fields.tcp_max_message.annotations({
    description: "Largest SIP message accepted on a TCP connection, in bytes (1024 .. 64 MiB); a larger one closes the connection.",
    default: 256 * 1024,
  }),
  tcp_idle_timeout: TransportParams.fields.tcp_idle_timeout.annotations({
    description: "Seconds a TCP connection may stay idle before it is closed (cfg: `tcp_connection_lifetime=`).",
    default: 120,
  }),
  tcp_connect_timeout: TransportParams.fields.tcp_connect_timeout.annotations({
    description: "Seconds an outgoing TCP connect may take before it is abandoned.",
    default: 10,
  }),
}).annotations({ description: "Core parameters (Kamailio's global parameters)." });

export type CoreParams = typeof CoreParamsSchema.Type;
export type CoreParamsInput = typeof CoreParamsSchema.Encoded;

/** Names of the core parameters plugins.json accepts in `core`. */
export const coreParamNames: readonly string[] = Object.keys(CoreParamsSchema.fields);
