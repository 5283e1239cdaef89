import { Effect, Either } from "effect";
import { threadId } from "node:worker_threads";
import type { Json } from "../module/values.ts";
import type { GroupStats } from "../process/stats.ts";
import type { ListenerInfo } from "../transport/listener-info.ts";
import { runtime, runtimeVersion } from "../runtime.ts";
import { CORE_VERSION } from "../version.ts";
import { readMemory, readNow, type CoreRpcSource } from "./core-source.ts";
import { noParams } from "./rpc-params.ts";
import type { RpcEntry } from "./rpc-method.ts";

/** A core method whose result is computed synchronously from the source after a check of its params. */
const plain = (name: string, doc: string, compute: () => Json): RpcEntry => ({
  name,
  doc,
  module: "core",
  run: (params) =>
    Either.match(noParams(name, params), {
      onLeft: (e) => Effect.fail(e),
      onRight: () => Effect.sync(compute),
    }),
});

/** One row per process: the main thread first, then every worker of every group. */
const processRows = (groups: readonly GroupStats[], extended: boolean): Json[] => {
  const rows: Json[] = [];
  const main = { index: 0, pid: process.pid, thread_id: threadId, description: "main: SIP receiver, timers, RPC" };
  rows.push(extended ? { ...main, group: null, rank: 0, state: "running" } : main);
  let index = 1;
  for (const g of groups) {
    for (const w of g.workers) {
      const base = {
        index: index++,
        pid: process.pid,
        thread_id: w.threadId,
        description: `group ${g.name} worker ${w.rank}`,
      };
      rows.push(
        extended
          ? {
              ...base,
              group: g.name,
              rank: w.rank,
              state: w.state,
              queued: w.queued,
              done: w.done,
              failed: w.failed,
              lost: w.lost,
              redelivered: w.redelivered,
              restarts: w.restarts,
            }
          : base,
      );
    }
  }
  return rows;
};

const listenerRow = (l: ListenerInfo): Json => {
  const row: { [k: string]: Json } = { id: l.id, name: l.name, proto: l.proto, ip: l.ip, port: l.port, af: l.af };
  if (l.recvBufferRequested !== undefined) row["recv_buffer_requested"] = l.recvBufferRequested;
  if (l.recvBufferGranted !== undefined) row["recv_buffer_granted"] = l.recvBufferGranted;
  if (l.sendBufferRequested !== undefined) row["send_buffer_requested"] = l.sendBufferRequested;
  if (l.sendBufferGranted !== undefined) row["send_buffer_granted"] = l.sendBufferGranted;
  return row;
};

/**
 * The core's methods. Names follow Kamailio where it has the method; the results are JSON
 * objects with snake_case fields rather than Kamailio's exact layout.
 */
export const coreMethods = (src: CoreRpcSource): readonly RpcEntry[] => [
  plain("core.version", "Server name and version, and the JavaScript runtime it runs on.", () => ({
    name: "sipmod",
    version: CORE_VERSION,
    runtime,
    runtime_version: runtimeVersion,
  })),
  plain("core.uptime", "Current time, start time (ISO 8601) and seconds since start.", () => {
    const now = readNow(src);
    return {
      now: new Date(now).toISOString(),
      up_since: new Date(src.startedAt).toISOString(),
      uptime: Math.max(0, Math.floor((now - src.startedAt) / 1000)),
    };
  }),
  plain("core.modules", "Loaded modules in initialisation order, with their versions.", () =>
    src.modules().map((m) => ({ name: m.name, version: m.version })),
  ),
  plain("core.ps", "Processes: the main thread and every process-group worker thread, one line each.", () =>
    processRows(src.groups(), false),
  ),
  plain(
    "core.psx",
    "Processes with details: group, rank, thread id, state and task counters (queued, done, failed, lost, restarts).",
    () => processRows(src.groups(), true),
  ),
  plain(
    "core.sockets_list",
    "SIP listeners: protocol, address, port, family, and for UDP the socket buffer sizes asked for and granted.",
    () => src.listeners().map(listenerRow),
  ),
  plain(
    "core.shmmem",
    "Memory of the process in bytes. sipmod has no shared-memory pool: this is the resident set and the main thread's JavaScript heap.",
    () => {
      const m = readMemory(src);
      return {
        rss: m.rss,
        heap_total: m.heapTotal,
        heap_used: m.heapUsed,
        heap_free: Math.max(0, m.heapTotal - m.heapUsed),
        external: m.external,
        array_buffers: m.arrayBuffers,
      };
    },
  ),
  {
    name: "core.echo",
    doc: "Returns its parameters as a list (a connectivity check).",
    params: ["values..."],
    module: "core",
    run: (params) => Effect.succeed(params),
  },
];
