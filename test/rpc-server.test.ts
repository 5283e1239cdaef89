import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { Context, Effect, Exit, Layer, Runtime, Scope } from "effect";
import { sipmodError, SipmodError } from "../core/errors.ts";
import { DEFAULT_RPC_LISTEN } from "../core/manifest/core-params.ts";
import { defineModule, type RpcMethod } from "../core/module/define-module.ts";
import type { Json } from "../core/module/values.ts";
import type { GroupStats } from "../core/process/stats.ts";
import { rpcCall, RpcCallError } from "../core/rpc/client.ts";
import type { CoreRpcSource } from "../core/rpc/core-source.ts";
import { runCtl } from "../core/rpc/ctl.ts";
import type { ModuleRpcMethods } from "../core/rpc/method-table.ts";
import type { MetricsSource } from "../core/rpc/metrics.ts";
import { parseRpcListen } from "../core/rpc/rpc-listen.ts";
import { startRpcServer, type RpcServerInfo, type RpcServerOptions } from "../core/rpc/server.ts";
import { runtime as runtimeName } from "../core/runtime.ts";
import { TransportCounters, type TransportStats } from "../core/transport/transport-counters.ts";
import { CORE_VERSION } from "../core/version.ts";

// ---- fixture: a module with RPC methods that need a service, built by hand -----------------------

class Counter extends Context.Tag("test/rpc/Counter")<Counter, { readonly hits: () => number }>() {}

const counterLayer = Layer.succeed(Counter, { hits: () => 40 });

const acme = defineModule({
  name: "acme",
  version: "2.3.4",
  core: 1,
  doc: { overview: "RPC test fixture." },
  services: () => counterLayer,
  rpc: [
    {
      name: "acme.stats",
      doc: "Counters of acme.",
      run: () => Effect.map(Counter, (c) => ({ hits: c.hits(), "2xx_replies": 5, nested: { depth: 2 }, label: "not a number" })),
    },
    {
      name: "acme.add",
      doc: "Adds a and b to the hit counter.",
      params: ["a", "b"],
      run: (params) =>
        Effect.flatMap(Counter, (c) => {
          const [a, b] = params;
          if (typeof a !== "number" || typeof b !== "number")
            return Effect.fail(sipmodError("SM_RPC", "acme.add takes two numbers", { module: "acme" }));
          return Effect.succeed(c.hits() + a + b);
        }),
    },
    {
      name: "acme.fail",
      doc: "Always fails with a SipmodError.",
      run: () =>
        Effect.fail(
          sipmodError("SM_GROUP_QUEUE_FULL", "the acme queue is full", { module: "acme", hint: "Add acme workers." }),
        ),
    },
    { name: "acme.die", doc: "Throws.", run: () => Effect.die(new Error("acme bug")) },
    { name: "acme.slow", doc: "Never answers.", run: () => Effect.never },
  ],
});

const methods: ModuleRpcMethods = new Map(
  (acme.rpc ?? []).map((m) => [m.name, { ...(m as RpcMethod<unknown>), module: acme.name }] as const),
);

const rt = Effect.runSync(
  Effect.runtime<Counter>().pipe(Effect.provide(counterLayer)),
) as unknown as Runtime.Runtime<unknown>;

const groups: readonly GroupStats[] = [
  {
    name: "default",
    size: 2,
    queue: 1024,
    workers: [
      { rank: 0, state: "ready", threadId: 7, queued: 1, done: 10, failed: 2, lost: 0, redelivered: 0, restarts: 0 },
      { rank: 1, state: "restarting", threadId: null, queued: 0, done: 3, failed: 0, lost: 1, redelivered: 0, restarts: 1 },
    ],
  },
];

const startedAt = Date.UTC(2026, 0, 1, 0, 0, 0);
const core: CoreRpcSource = {
  startedAt,
  now: () => startedAt + 90_500,
  modules: () => [{ name: "acme", version: "2.3.4" }],
  groups: () => groups,
  listeners: () => [
    {
      id: 0,
      proto: "udp",
      ip: "127.0.0.1",
      port: 5060,
      af: 4,
      name: "udp:127.0.0.1:5060",
      recvBufferRequested: 4194304,
      recvBufferGranted: 425984,
      sendBufferRequested: 4194304,
      sendBufferGranted: 425984,
    },
    { id: 1, proto: "tcp", ip: "127.0.0.1", port: 5060, af: 4, name: "tcp:127.0.0.1:5060" },
  ],
  memory: () => ({ rss: 100, heapTotal: 80, heapUsed: 60, external: 5, arrayBuffers: 2 }),
};

const counters = new TransportCounters();
counters.received = 12;
counters.receivedBytes = 3456;
counters.parseErrors = 1;
const transportStats = (): TransportStats => ({
  ...counters,
  tcpOpen: 2,
  udp: [{ name: 'udp:127.0.0.1:5060 "x"\\', recvBufferGranted: 425984, sendBufferGranted: null, kernelDrops: 4 }],
});
const metrics: MetricsSource = { transport: transportStats };

/** Start a server, run `body`, close the scope whatever happens. */
const withServer = async <A>(
  body: (info: RpcServerInfo) => Promise<A>,
  overrides: Partial<RpcServerOptions> = {},
): Promise<A> => {
  const scope = Effect.runSync(Scope.make());
  try {
    const info = await Effect.runPromise(
      Scope.extend(
        startRpcServer({ listen: "127.0.0.1:0", methods, core, runtime: rt, metrics, ...overrides }),
        scope,
      ),
    );
    return await body(info);
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void));
  }
};

const post = async (url: string, body: string): Promise<{ status: number; json: unknown; text: string }> => {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const text = await res.text();
  return { status: res.status, text, json: text === "" ? undefined : (JSON.parse(text) as unknown) };
};

const call = async (url: string, method: string, params?: unknown, id: unknown = 1): Promise<Record<string, unknown>> => {
  const r = await post(url, JSON.stringify({ jsonrpc: "2.0", id, method, ...(params !== undefined ? { params } : {}) }));
  assert.equal(r.status, 200);
  return r.json as Record<string, unknown>;
};

const errorOf = (r: Record<string, unknown>): { code: number; message: string; data?: unknown } =>
  r["error"] as { code: number; message: string; data?: unknown };

// ---- JSON-RPC ----------------------------------------------------------------------------------

describe("JSON-RPC over HTTP", () => {
  test("a single call answers with result and the request id, on /RPC and /jsonrpc", () =>
    withServer(async ({ url, port }) => {
      assert.ok(port > 0);
      assert.equal(url, `http://127.0.0.1:${port}/RPC`);
      const r = await call(url, "core.version", undefined, "abc");
      assert.equal(r["jsonrpc"], "2.0");
      assert.equal(r["id"], "abc");
      const v = r["result"] as Record<string, Json>;
      assert.deepEqual(Object.keys(v), ["name", "version", "runtime", "runtime_version"]);
      assert.equal(v["name"], "sipmod");
      assert.equal(v["version"], CORE_VERSION);
      assert.equal(v["runtime"], runtimeName);
      assert.match(String(v["runtime_version"]), /^\d+\.\d+/);
      const r2 = await call(url.replace(/\/RPC$/, "/jsonrpc"), "core.echo", ["a", 1, { x: [true, null] }], 7);
      assert.deepEqual(r2, { jsonrpc: "2.0", id: 7, result: ["a", 1, { x: [true, null] }] });
    }));

  test("a batch answers each request in order; notifications get no entry", () =>
    withServer(async ({ url }) => {
      const r = await post(
        url,
        JSON.stringify([
          { jsonrpc: "2.0", id: 1, method: "core.echo", params: [1] },
          { jsonrpc: "2.0", method: "core.echo", params: ["notified"] },
          { jsonrpc: "2.0", id: 2, method: "no.such" },
          { foo: "bar" },
          { jsonrpc: "2.0", id: 3, method: "acme.add", params: [1, 2] },
        ]),
      );
      assert.equal(r.status, 200);
      const arr = r.json as Record<string, unknown>[];
      assert.equal(arr.length, 4);
      assert.deepEqual(arr[0], { jsonrpc: "2.0", id: 1, result: [1] });
      assert.equal(arr[1]!["id"], 2);
      assert.equal(errorOf(arr[1]!).code, -32601);
      assert.equal(arr[2]!["id"], null);
      assert.equal(errorOf(arr[2]!).code, -32600);
      assert.deepEqual(arr[3], { jsonrpc: "2.0", id: 3, result: 43 });
    }));

  test("notifications (no id) run but get no response: HTTP 204, empty body", () =>
    withServer(async ({ url }) => {
      const single = await post(url, JSON.stringify({ jsonrpc: "2.0", method: "core.echo", params: [1] }));
      assert.equal(single.status, 204);
      assert.equal(single.text, "");
      const batch = await post(
        url,
        JSON.stringify([
          { jsonrpc: "2.0", method: "core.echo" },
          { jsonrpc: "2.0", method: "no.such" },
        ]),
      );
      assert.equal(batch.status, 204);
      assert.equal(batch.text, "");
      // id: null is a request, not a notification
      const withNull = await call(url, "core.echo", [], null);
      assert.deepEqual(withNull, { jsonrpc: "2.0", id: null, result: [] });
    }));

  test("-32700 parse error, with id null", () =>
    withServer(async ({ url }) => {
      const r = await post(url, '{"jsonrpc": "2.0", "method": "core.echo", "params": [1,');
      assert.equal(r.status, 200);
      const j = r.json as Record<string, unknown>;
      assert.equal(j["id"], null);
      assert.equal(errorOf(j).code, -32700);
      assert.equal(errorOf(j).message, "Parse error");
    }));

  test("-32600 invalid request: wrong version, non-string method, bad params, bad id, empty batch, scalar body", () =>
    withServer(async ({ url }) => {
      const cases: [unknown, unknown][] = [
        [{ jsonrpc: "1.0", id: 1, method: "core.echo" }, 1],
        [{ jsonrpc: "2.0", id: 2, method: 5 }, 2],
        [{ jsonrpc: "2.0", id: 3, method: "core.echo", params: "x" }, 3],
        [{ jsonrpc: "2.0", id: 4, method: "core.echo", params: null }, 4],
        [{ jsonrpc: "2.0", id: { no: 1 }, method: "core.echo" }, null],
        [[], null],
        [42, null],
      ];
      for (const [body, id] of cases) {
        const r = await post(url, JSON.stringify(body));
        const j = r.json as Record<string, unknown>;
        assert.equal(errorOf(j).code, -32600, JSON.stringify(body));
        assert.equal(errorOf(j).message, "Invalid Request");
        assert.equal(j["id"], id, JSON.stringify(body));
      }
      const batch = (await post(url, "[1, 2]")).json as Record<string, unknown>[];
      assert.deepEqual(
        batch.map((x) => errorOf(x).code),
        [-32600, -32600],
      );
    }));

  test("-32601 method not found", () =>
    withServer(async ({ url }) => {
      const r = await call(url, "tm.nothing");
      assert.equal(errorOf(r).code, -32601);
      assert.equal(errorOf(r).message, "Method not found");
      assert.match(String(errorOf(r).data), /tm\.nothing/);
    }));

  test("-32602 invalid params: core methods check them; named params map through declared names", () =>
    withServer(async ({ url }) => {
      assert.equal(errorOf(await call(url, "core.uptime", [1])).code, -32602);
      assert.equal(errorOf(await call(url, "system.methodHelp", [])).code, -32602);
      assert.equal(errorOf(await call(url, "system.methodHelp", [3])).code, -32602);
      assert.equal(errorOf(await call(url, "system.methodHelp", ["no.such"])).code, -32602);
      // named params: unknown name, and a method without declared names
      const unknown = await call(url, "acme.add", { a: 1, c: 2 });
      assert.equal(errorOf(unknown).code, -32602);
      assert.match(String(errorOf(unknown).data), /"c"/);
      assert.equal(errorOf(await call(url, "acme.stats", { x: 1 })).code, -32602);
      // named params that fit
      assert.deepEqual((await call(url, "acme.add", { b: 2, a: 1 }))["result"], 43);
      assert.deepEqual((await call(url, "system.methodHelp", { method: "core.echo" }))["result"], (await call(url, "system.methodHelp", ["core.echo"]))["result"]);
      // an empty object is no params
      assert.equal(typeof (await call(url, "core.uptime", {}))["result"], "object");
    }));

  test("-32000 for a SipmodError from a method: message, code and fix in data", () =>
    withServer(async ({ url }) => {
      const r = await call(url, "acme.fail");
      assert.deepEqual(r["error"], {
        code: -32000,
        message: "the acme queue is full",
        data: { code: "SM_GROUP_QUEUE_FULL", hint: "Add acme workers.", module: "acme" },
      });
      // without a hint, the code's standard fix
      const r2 = await call(url, "acme.add", ["x", 1]);
      assert.equal(errorOf(r2).code, -32000);
      assert.equal((errorOf(r2).data as Record<string, unknown>)["code"], "SM_RPC");
      assert.match(String((errorOf(r2).data as Record<string, unknown>)["hint"]), /system\.listMethods/);
    }));

  test("-32603 internal error for a defect; a method that never answers times out with SM_RPC", () =>
    withServer(
      async ({ url }) => {
        const r = await call(url, "acme.die");
        assert.equal(errorOf(r).code, -32603);
        assert.match(String(errorOf(r).data), /acme bug/);
        const t0 = Date.now();
        const s = await call(url, "acme.slow");
        assert.equal(errorOf(s).code, -32000);
        assert.equal((errorOf(s).data as Record<string, unknown>)["code"], "SM_RPC");
        assert.match(errorOf(s).message, /did not answer within 150 ms/);
        assert.ok(Date.now() - t0 < 5000);
      },
      { methodTimeoutMs: 150 },
    ));

  test("module methods run with the services of the runtime given", () =>
    withServer(async ({ url }) => {
      const r = await call(url, "acme.stats");
      assert.deepEqual(r["result"], { hits: 40, "2xx_replies": 5, nested: { depth: 2 }, label: "not a number" });
    }));

  test("system.listMethods and system.methodHelp", () =>
    withServer(async ({ url }) => {
      const list = (await call(url, "system.listMethods"))["result"] as string[];
      for (const m of [
        "core.version",
        "core.uptime",
        "core.modules",
        "core.ps",
        "core.psx",
        "core.sockets_list",
        "core.shmmem",
        "core.echo",
        "system.listMethods",
        "system.methodHelp",
        "acme.stats",
        "acme.add",
      ])
        assert.ok(list.includes(m), m);
      assert.deepEqual(list, [...list].sort());
      const help = (await call(url, "system.methodHelp", ["acme.add"]))["result"];
      assert.equal(help, "acme.add(a, b): Adds a and b to the hit counter. [acme]");
    }));

  test("core methods read the CoreRpcSource", () =>
    withServer(async ({ url }) => {
      assert.deepEqual((await call(url, "core.uptime"))["result"], {
        now: "2026-01-01T00:01:30.500Z",
        up_since: "2026-01-01T00:00:00.000Z",
        uptime: 90,
      });
      assert.deepEqual((await call(url, "core.modules"))["result"], [{ name: "acme", version: "2.3.4" }]);
      const psx = (await call(url, "core.psx"))["result"] as Record<string, Json>[];
      assert.equal(psx.length, 3);
      assert.equal(psx[0]!["description"], "main: SIP receiver, timers, RPC");
      assert.deepEqual(
        { ...psx[2]!, pid: 0 },
        {
          index: 2,
          pid: 0,
          thread_id: null,
          description: "group default worker 1",
          group: "default",
          rank: 1,
          state: "restarting",
          queued: 0,
          done: 3,
          failed: 0,
          lost: 1,
      redelivered: 0,
          restarts: 1,
        },
      );
      const ps = (await call(url, "core.ps"))["result"] as Record<string, Json>[];
      assert.deepEqual(Object.keys(ps[1]!).sort(), ["description", "index", "pid", "thread_id"]);
      assert.equal(ps[1]!["thread_id"], 7);
      const sockets = (await call(url, "core.sockets_list"))["result"] as Record<string, Json>[];
      assert.deepEqual(sockets[0], {
        id: 0,
        name: "udp:127.0.0.1:5060",
        proto: "udp",
        ip: "127.0.0.1",
        port: 5060,
        af: 4,
        recv_buffer_requested: 4194304,
        recv_buffer_granted: 425984,
        send_buffer_requested: 4194304,
        send_buffer_granted: 425984,
      });
      assert.deepEqual(sockets[1], { id: 1, name: "tcp:127.0.0.1:5060", proto: "tcp", ip: "127.0.0.1", port: 5060, af: 4 });
      assert.deepEqual((await call(url, "core.shmmem"))["result"], {
        rss: 100,
        heap_total: 80,
        heap_used: 60,
        heap_free: 20,
        external: 5,
        array_buffers: 2,
      });
    }));

  test("without a memory function, core.shmmem reports the real process", () =>
    withServer(
      async ({ url }) => {
        const m = (await call(url, "core.shmmem"))["result"] as Record<string, number>;
        assert.deepEqual(Object.keys(m), ["rss", "heap_total", "heap_used", "heap_free", "external", "array_buffers"]);
        assert.ok(m["rss"]! > 0 && m["heap_used"]! > 0 && m["heap_total"]! > 0, JSON.stringify(m));
      },
      { core: { ...core, memory: undefined } as CoreRpcSource },
    ));

  test("other HTTP methods and paths: 405 and 404", () =>
    withServer(async ({ url, port }) => {
      const get = await fetch(url);
      await get.text();
      assert.equal(get.status, 405);
      assert.equal(get.headers.get("allow"), "POST");
      const nf = await fetch(`http://127.0.0.1:${port}/nothing`, { method: "POST", body: "{}" });
      await nf.text();
      assert.equal(nf.status, 404);
    }));
});

// ---- /metrics --------------------------------------------------------------------------------

interface ParsedFamily {
  help?: string;
  type?: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/** A strict reader of the text format: HELP/TYPE before samples, families not interleaved. */
const parsePrometheus = (text: string): Map<string, ParsedFamily> => {
  assert.ok(text.endsWith("\n"), "ends with a line feed");
  const families = new Map<string, ParsedFamily>();
  let current: string | undefined;
  const closed = new Set<string>();
  const open = (name: string): ParsedFamily => {
    if (current !== name) {
      assert.ok(!closed.has(name), `family ${name} interleaved`);
      if (current !== undefined) closed.add(current);
      current = name;
    }
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { samples: [] }));
    return f;
  };
  for (const line of text.slice(0, -1).split("\n")) {
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m !== null) {
      const f = open(m[1]!);
      assert.equal(f.help, undefined, `two HELP lines for ${m[1]}`);
      assert.equal(f.samples.length, 0);
      f.help = m[2]!.replace(/\\(\\|n)/g, (_, c: string) => (c === "n" ? "\n" : "\\"));
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|untyped|summary|histogram)$/.exec(line);
    if (m !== null) {
      const f = open(m[1]!);
      assert.equal(f.type, undefined, `two TYPE lines for ${m[1]}`);
      assert.equal(f.samples.length, 0, `TYPE after samples for ${m[1]}`);
      f.type = m[2]!;
      continue;
    }
    assert.ok(!line.startsWith("#"), `unexpected comment: ${line}`);
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m !== null, `bad sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2] !== undefined && m[2] !== "") {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
      let lm: RegExpExecArray | null;
      let consumed = 0;
      while ((lm = re.exec(m[2])) !== null) {
        labels[lm[1]!] = lm[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
        consumed = re.lastIndex;
      }
      assert.equal(consumed, m[2].length, `bad labels: ${m[2]}`);
    }
    const v = m[3]!;
    const value = v === "+Inf" ? Infinity : v === "-Inf" ? -Infinity : Number(v);
    assert.ok(v === "NaN" || !Number.isNaN(value), `bad value ${v}`);
    open(m[1]!).samples.push({ name: m[1]!, labels, value });
  }
  for (const [name, f] of families) {
    assert.ok(f.help !== undefined && f.type !== undefined, `HELP and TYPE for ${name}`);
    assert.match(name, /^sipmod_/);
  }
  return families;
};

describe("GET /metrics", () => {
  test("Prometheus text 0.0.4 with HELP/TYPE and samples from every source", () =>
    withServer(async ({ metricsUrl }) => {
      const res = await fetch(metricsUrl);
      const text = await res.text();
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      const f = parsePrometheus(text);
      const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
        f.get(name)?.samples.find((s) => JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
      // process
      assert.equal(f.get("sipmod_build_info")!.type, "gauge");
      assert.equal(f.get("sipmod_build_info")!.samples[0]!.labels["version"], CORE_VERSION);
      assert.equal(value("sipmod_uptime_seconds"), 90.5);
      assert.equal(value("sipmod_start_time_seconds"), startedAt / 1000);
      assert.equal(value("sipmod_process_resident_memory_bytes"), 100);
      assert.equal(value("sipmod_module_info", { module: "acme", version: "2.3.4" }), 1);
      // transport
      assert.equal(f.get("sipmod_transport_received_messages_total")!.type, "counter");
      assert.equal(value("sipmod_transport_received_messages_total"), 12);
      assert.equal(value("sipmod_transport_received_bytes_total"), 3456);
      assert.equal(value("sipmod_transport_parse_errors_total"), 1);
      assert.equal(value("sipmod_transport_tcp_open_connections"), 2);
      // the label value with a quote and a backslash round-trips
      assert.equal(value("sipmod_udp_kernel_drops_total", { listener: 'udp:127.0.0.1:5060 "x"\\' }), 4);
      assert.equal(f.get("sipmod_udp_send_buffer_bytes"), undefined, "null buffers are left out");
      // groups
      assert.equal(value("sipmod_group_workers", { group: "default" }), 2);
      assert.equal(value("sipmod_worker_up", { group: "default", rank: "0" }), 1);
      assert.equal(value("sipmod_worker_up", { group: "default", rank: "1" }), 0);
      assert.equal(value("sipmod_worker_tasks_done_total", { group: "default", rank: "0" }), 10);
      assert.equal(value("sipmod_worker_restarts_total", { group: "default", rank: "1" }), 1);
      // module stats from acme.stats (numbers only, nested flattened)
      assert.equal(value("sipmod_module_stats_up", { method: "acme.stats" }), 1);
      assert.equal(f.get("sipmod_acme_hits")!.type, "untyped");
      assert.equal(value("sipmod_acme_hits"), 40);
      assert.equal(value("sipmod_acme_2xx_replies"), 5);
      assert.equal(value("sipmod_acme_nested_depth"), 2);
      assert.equal(f.get("sipmod_acme_label"), undefined);
    }));

  test("a failing stats method is reported as down; no transport means no transport families", () =>
    withServer(
      async ({ metricsUrl }) => {
        const res = await fetch(metricsUrl);
        const f = parsePrometheus(await res.text());
        const up = f.get("sipmod_module_stats_up")!.samples;
        assert.deepEqual(
          up.map((s) => [s.labels["method"], s.value]),
          [
            ["acme.fail", 0],
            ["acme.slow", 0],
            ["no.such", 0],
            ["acme.stats", 1],
          ],
        );
        assert.equal(f.get("sipmod_transport_received_messages_total"), undefined);
        assert.ok(f.has("sipmod_acme_hits"));
      },
      { metrics: { moduleStats: ["acme.fail", "acme.slow", "no.such", "acme.stats"] }, methodTimeoutMs: 100 },
    ));
});

// ---- client and ctl ----------------------------------------------------------------------------

describe("client (sipmod ctl)", () => {
  test("rpcCall returns results, accepts the base URL, and throws RpcCallError for error answers", () =>
    withServer(async ({ url, port }) => {
      assert.deepEqual(await rpcCall(url, "core.echo", ["a", 1]), ["a", 1]);
      assert.deepEqual(await rpcCall(`http://127.0.0.1:${port}`, "acme.add", { a: 1, b: 1 }), 42);
      await assert.rejects(rpcCall(url, "no.such"), (e: unknown) => {
        assert.ok(e instanceof RpcCallError);
        assert.equal(e.code, -32601);
        return true;
      });
    }));

  test("runCtl: numbers become numbers, s: keeps strings, output is indented JSON, exit 0", () =>
    withServer(async ({ url }) => {
      const out = await runCtl(url, "core.echo", ["a", "1", "s:1", "007", "j:{\"k\":[true]}", "i:-3"]);
      assert.equal(out.exitCode, 0);
      assert.equal(out.stderr, "");
      assert.equal(out.stdout, `${JSON.stringify(["a", 1, "1", "007", { k: [true] }, -3], null, 2)}\n`);
    }));

  test("runCtl: JSON-RPC errors go to stderr with exit 1", () =>
    withServer(async ({ url }) => {
      const nf = await runCtl(url, "tm.stats", []);
      assert.equal(nf.exitCode, 1);
      assert.equal(nf.stdout, "");
      assert.match(nf.stderr, /^error -32601 from tm\.stats: Method not found: no method "tm\.stats"/);
      const failed = await runCtl(url, "acme.fail", []);
      assert.equal(failed.exitCode, 1);
      assert.equal(
        failed.stderr,
        "error SM_GROUP_QUEUE_FULL [acme]: the acme queue is full (JSON-RPC error -32000 from acme.fail)\n  fix: Add acme workers.\n",
      );
      const bad = await runCtl(url, "core.echo", ["i:x"]);
      assert.equal(bad.exitCode, 1);
      assert.match(bad.stderr, /error SM_RPC: bad parameter "i:x"/);
    }));

  test("no server: SM_RPC with a hint, exit 1", async () => {
    // Take a free port, then release it so nothing listens there.
    const port = await withServer(async ({ port }) => port);
    const out = await runCtl(`http://127.0.0.1:${port}/RPC`, "core.version", [], { timeoutMs: 5000 });
    assert.equal(out.exitCode, 1);
    assert.match(out.stderr, /error SM_RPC: cannot reach the management server at http:\/\/127\.0\.0\.1:\d+\/RPC/);
    assert.match(out.stderr, /fix: Is sipmod running\?/);
    await assert.rejects(rpcCall(`http://127.0.0.1:${port}/RPC`, "core.version"), (e: unknown) => {
      assert.ok(e instanceof SipmodError);
      assert.equal(e.code, "SM_RPC");
      return true;
    });
  });
});

// ---- lifecycle and binding ---------------------------------------------------------------------

const tcpConnects = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 2000);
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });

describe("server lifecycle", () => {
  test("the default listen address is loopback only", () => {
    const l = parseRpcListen(DEFAULT_RPC_LISTEN);
    assert.equal(l._tag, "Right");
    if (l._tag === "Right") assert.deepEqual(l.right, { host: "127.0.0.1", port: 5071, af: 4 });
  });

  test("bound to 127.0.0.1 only: another loopback address gets no connection", () =>
    withServer(async ({ port, host }) => {
      assert.equal(host, "127.0.0.1");
      assert.equal(await tcpConnects("127.0.0.1", port), true);
      // 127.0.0.2 is on the loopback interface too, but not the address bound
      assert.equal(await tcpConnects("127.0.0.2", port), false);
    }));

  test("closing the scope closes the server", async () => {
    const port = await withServer(async ({ url, port }) => {
      assert.deepEqual(await rpcCall(url, "core.echo", []), []);
      return port;
    });
    assert.equal(await tcpConnects("127.0.0.1", port), false);
  });

  test("a port in use is SM_LISTEN with the fix", () =>
    withServer(async ({ port }) => {
      const exit = await Effect.runPromiseExit(
        Effect.scoped(startRpcServer({ listen: `127.0.0.1:${port}`, methods, core, runtime: rt, metrics })),
      );
      assert.ok(Exit.isFailure(exit));
      const err = exit.cause._tag === "Fail" ? exit.cause.error : undefined;
      assert.ok(err instanceof SipmodError);
      assert.equal(err.code, "SM_LISTEN");
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}: the address is in use`));
      assert.match(err.hint ?? "", /core\.rpc\.listen/);
    }));

  test("an invalid listen address is SM_LISTEN; a module taking a core name is SM_NAME_DUPLICATE", async () => {
    for (const listen of ["localhost:5071", "127.0.0.1", "::1:5071", "[::1]", "127.0.0.1:70000"]) {
      const exit = await Effect.runPromiseExit(
        Effect.scoped(startRpcServer({ listen, methods, core, runtime: rt, metrics })),
      );
      assert.ok(Exit.isFailure(exit) && exit.cause._tag === "Fail", listen);
      assert.equal((exit.cause.error as SipmodError).code, "SM_LISTEN", listen);
    }
    const clash: ModuleRpcMethods = new Map([
      ["core.echo", { name: "core.echo", doc: "x", module: "evil", run: () => Effect.succeed(1) }],
    ]);
    const exit = await Effect.runPromiseExit(
      Effect.scoped(startRpcServer({ listen: "127.0.0.1:0", methods: clash, core, runtime: rt, metrics })),
    );
    assert.ok(Exit.isFailure(exit) && exit.cause._tag === "Fail");
    assert.equal((exit.cause.error as SipmodError).code, "SM_NAME_DUPLICATE");
  });
});
