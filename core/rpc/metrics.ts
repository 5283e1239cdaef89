import type { Json } from "../module/values.ts";
import { runtime, runtimeVersion } from "../runtime.ts";
import type { TransportStats } from "../transport/transport-counters.ts";
import { CORE_VERSION } from "../version.ts";
import { readMemory, readNow, type CoreRpcSource } from "./core-source.ts";
import { runEntry, type DispatchOptions } from "./dispatch.ts";
import { metricNamePart, type MetricFamily, type MetricSample, type MetricType } from "./prometheus-text.ts";

/** What /metrics reads besides the CoreRpcSource (process groups, memory, uptime come from there). */
export interface MetricsSource {
  /** Transport counters (TransportApi.stats); undefined or absent before the transport is up. */
  readonly transport?: () => TransportStats | undefined;
  /**
   * Module RPC methods called with no parameters on every scrape; every number in their result
   * (nested objects flattened with "_") becomes an untyped sample `sipmod_<module>_<field>`.
   * Default: every module method whose name ends in ".stats" (sl.stats, tm.stats ...).
   */
  readonly moduleStats?: readonly string[];
}

const fam = (name: string, type: MetricType, help: string, samples: readonly MetricSample[]): MetricFamily => ({
  name,
  type,
  help,
  samples,
});
const single = (name: string, type: MetricType, help: string, value: number): MetricFamily =>
  fam(name, type, help, [{ value }]);

const TRANSPORT_COUNTERS: readonly (readonly [keyof TransportStats, string, string])[] = [
  ["received", "sipmod_transport_received_messages_total", "SIP messages received (UDP datagrams, framed TCP messages)."],
  ["receivedBytes", "sipmod_transport_received_bytes_total", "Bytes of the SIP messages received."],
  ["sent", "sipmod_transport_sent_messages_total", "SIP messages handed to a socket."],
  ["sentBytes", "sipmod_transport_sent_bytes_total", "Bytes of the SIP messages handed to a socket."],
  ["sendErrors", "sipmod_transport_send_errors_total", "Sends that failed (no socket for the family, closed connection, socket error)."],
  ["dropped", "sipmod_transport_dropped_total", "Received data thrown away: framing errors, over-size messages, empty datagrams."],
  ["parseErrors", "sipmod_transport_parse_errors_total", "Received messages that could not be parsed."],
  ["handOffDrops", "sipmod_receive_queue_drops_total", "Received messages dropped because the routing thread's queue was full."],
  ["tcpAccepted", "sipmod_transport_tcp_accepted_total", "TCP connections accepted."],
  ["tcpConnected", "sipmod_transport_tcp_connected_total", "TCP connections opened by the server."],
  ["tcpClosed", "sipmod_transport_tcp_closed_total", "TCP connections closed, for any reason."],
  ["tcpFramingErrors", "sipmod_transport_tcp_framing_errors_total", "TCP connections closed for a bad frame."],
  ["tcpOversize", "sipmod_transport_tcp_oversize_total", "TCP connections closed for a too large message."],
  ["tcpIdleClosed", "sipmod_transport_tcp_idle_closed_total", "TCP connections closed for idleness."],
  ["tcpKeepalivePongs", "sipmod_transport_tcp_keepalive_pongs_total", "Double-CRLF keepalive pings answered."],
];

const transportFamilies = (t: TransportStats): MetricFamily[] => {
  const out: MetricFamily[] = TRANSPORT_COUNTERS.map(([key, name, help]) => single(name, "counter", help, t[key] as number));
  out.push(single("sipmod_transport_tcp_open_connections", "gauge", "TCP connections open now.", t.tcpOpen));
  const rcv: MetricSample[] = [];
  const snd: MetricSample[] = [];
  const drops: MetricSample[] = [];
  for (const u of t.udp) {
    const labels = { listener: u.name };
    if (u.recvBufferGranted !== null) rcv.push({ labels, value: u.recvBufferGranted });
    if (u.sendBufferGranted !== null) snd.push({ labels, value: u.sendBufferGranted });
    if (u.kernelDrops !== undefined) drops.push({ labels, value: u.kernelDrops });
  }
  if (rcv.length > 0)
    out.push(fam("sipmod_udp_recv_buffer_bytes", "gauge", "UDP socket receive buffer the kernel granted, per listener.", rcv));
  if (snd.length > 0)
    out.push(fam("sipmod_udp_send_buffer_bytes", "gauge", "UDP socket send buffer the kernel granted, per listener.", snd));
  if (drops.length > 0)
    out.push(fam("sipmod_udp_kernel_drops_total", "counter", "Datagrams the kernel dropped on the socket (Linux), per listener.", drops));
  return out;
};

const groupFamilies = (src: CoreRpcSource): MetricFamily[] => {
  const groups = src.groups();
  if (groups.length === 0) return [];
  const perGroup = (f: (g: (typeof groups)[number]) => number): MetricSample[] =>
    groups.map((g) => ({ labels: { group: g.name }, value: f(g) }));
  const perWorker = (f: (w: (typeof groups)[number]["workers"][number]) => number): MetricSample[] =>
    groups.flatMap((g) => g.workers.map((w) => ({ labels: { group: g.name, rank: String(w.rank) }, value: f(w) })));
  return [
    fam("sipmod_group_workers", "gauge", "Worker threads per process group.", perGroup((g) => g.size)),
    fam("sipmod_group_queue_capacity", "gauge", "Tasks each worker of the group may have queued.", perGroup((g) => g.queue)),
    fam("sipmod_worker_up", "gauge", "1 when the worker thread is ready, 0 while it boots, restarts or stops.", perWorker((w) => (w.state === "ready" ? 1 : 0))),
    fam("sipmod_worker_queued_tasks", "gauge", "Tasks queued on the worker and not yet finished.", perWorker((w) => w.queued)),
    fam("sipmod_worker_tasks_done_total", "counter", "Tasks the worker finished without error.", perWorker((w) => w.done)),
    fam("sipmod_worker_tasks_failed_total", "counter", "Tasks whose handler failed.", perWorker((w) => w.failed)),
    fam("sipmod_worker_tasks_lost_total", "counter", "Tasks lost to a worker crash or to shutdown.", perWorker((w) => w.lost)),
    fam("sipmod_worker_tasks_redelivered_total", "counter", "Unacknowledged tasks handed to the replacement of a crashed worker.", perWorker((w) => w.redelivered)),
    fam("sipmod_worker_restarts_total", "counter", "Times the worker thread was restarted after a crash.", perWorker((w) => w.restarts)),
  ];
};

const processFamilies = (src: CoreRpcSource): MetricFamily[] => {
  const m = readMemory(src);
  const now = readNow(src);
  return [
    fam("sipmod_build_info", "gauge", "Always 1; the labels say which sipmod and runtime run.", [
      { labels: { version: CORE_VERSION, runtime, runtime_version: runtimeVersion }, value: 1 },
    ]),
    single("sipmod_start_time_seconds", "gauge", "Start time of the server, seconds since the epoch.", src.startedAt / 1000),
    single("sipmod_uptime_seconds", "gauge", "Seconds since the server started.", Math.max(0, (now - src.startedAt) / 1000)),
    single("sipmod_process_resident_memory_bytes", "gauge", "Resident set size of the process.", m.rss),
    single("sipmod_heap_total_bytes", "gauge", "JavaScript heap of the main thread, allocated.", m.heapTotal),
    single("sipmod_heap_used_bytes", "gauge", "JavaScript heap of the main thread, in use.", m.heapUsed),
    single("sipmod_external_memory_bytes", "gauge", "Memory of C++ objects bound to JavaScript objects (main thread).", m.external),
    single("sipmod_array_buffers_bytes", "gauge", "Memory of ArrayBuffers and Buffers (main thread).", m.arrayBuffers),
    fam(
      "sipmod_module_info",
      "gauge",
      "Always 1, one sample per loaded module.",
      src.modules().map((x) => ({ labels: { module: x.name, version: x.version }, value: 1 })),
    ),
  ];
};

/** Every number in a stats result, with its path ("a_b" for { a: { b: 1 } }). */
const numericLeaves = (v: Json, path: string, out: [string, number][]): void => {
  if (typeof v === "number") {
    if (path !== "") out.push([path, v]);
  } else if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v as { readonly [k: string]: Json })) numericLeaves(x, path === "" ? k : `${path}_${k}`, out);
  }
};

const moduleStatsFamilies = async (
  metrics: MetricsSource,
  opts: DispatchOptions,
  taken: Set<string>,
): Promise<MetricFamily[]> => {
  const names =
    metrics.moduleStats ??
    [...opts.table.values()].filter((e) => e.module !== "core" && e.module !== "system" && e.name.endsWith(".stats")).map((e) => e.name);
  const up: MetricSample[] = [];
  const out: MetricFamily[] = [];
  const results = await Promise.all(
    names.map(async (name) => {
      const entry = opts.table.get(name);
      return { name, res: entry === undefined ? undefined : await runEntry(entry, [], null, opts) };
    }),
  );
  for (const { name, res } of results) {
    const ok = res !== undefined && "result" in res;
    up.push({ labels: { method: name }, value: ok ? 1 : 0 });
    if (!ok) continue;
    const prefix = `sipmod_${metricNamePart(name.endsWith(".stats") ? name.slice(0, -".stats".length) : name)}`;
    const leaves: [string, number][] = [];
    numericLeaves(res.result, "", leaves);
    for (const [path, value] of leaves) {
      const metric = `${prefix}_${metricNamePart(path)}`;
      if (taken.has(metric)) continue;
      taken.add(metric);
      out.push(single(metric, "untyped", `Field "${path}" of the ${name} RPC method.`, value));
    }
  }
  if (names.length > 0)
    out.unshift(fam("sipmod_module_stats_up", "gauge", "1 when the module stats method answered on this scrape, 0 when it failed or is unknown.", up));
  return out;
};

/** A module stats method that has not answered after this long counts as failed for the scrape. */
export const SCRAPE_METHOD_TIMEOUT_MS = 5000;

/** All metric families for one scrape. */
export const collectMetrics = async (
  core: CoreRpcSource,
  metrics: MetricsSource,
  dispatch: DispatchOptions,
): Promise<readonly MetricFamily[]> => {
  const opts = { ...dispatch, timeoutMs: Math.min(dispatch.timeoutMs ?? SCRAPE_METHOD_TIMEOUT_MS, SCRAPE_METHOD_TIMEOUT_MS) };
  const transport = metrics.transport?.();
  const fixed = [...processFamilies(core), ...(transport !== undefined ? transportFamilies(transport) : []), ...groupFamilies(core)];
  const taken = new Set(fixed.map((f) => f.name));
  taken.add("sipmod_module_stats_up");
  return [...fixed, ...(await moduleStatsFamilies(metrics, opts, taken))];
};
