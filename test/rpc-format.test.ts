import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Effect, Either, Runtime } from "effect";
import type { Json } from "../core/module/values.ts";
import { endpointUrl, RpcCallError } from "../core/rpc/client.ts";
import { formatResult, formatRpcError, parseCtlParam, parseCtlParams } from "../core/rpc/ctl.ts";
import { handleRpcBody } from "../core/rpc/dispatch.ts";
import { buildMethodTable } from "../core/rpc/method-table.ts";
import { escapeLabelValue, metricNamePart, renderPrometheus } from "../core/rpc/prometheus-text.ts";
import { parseRpcListen, rpcBaseUrl, rpcUrlFromListen } from "../core/rpc/rpc-listen.ts";
import type { RpcEntry } from "../core/rpc/rpc-method.ts";
import { positionalParams } from "../core/rpc/rpc-params.ts";

const right = <A, E>(e: Either.Either<A, E>): A => {
  assert.ok(Either.isRight(e), `expected Right, got ${JSON.stringify(e)}`);
  return e.right;
};

describe("Prometheus text rendering", () => {
  test("HELP, TYPE and samples; escapes in HELP and label values; special values", () => {
    const text = renderPrometheus([
      { name: "sipmod_a_total", help: 'line one\nback\\slash "q"', type: "counter", samples: [{ value: 3 }] },
      {
        name: "sipmod_b",
        help: "b",
        type: "gauge",
        samples: [
          { labels: { l: 'q"uote\\back\nnl' }, value: 1.5 },
          { labels: { l: "x", m: "y" }, value: NaN },
          { labels: {}, value: Infinity },
          { value: -Infinity },
        ],
      },
      { name: "sipmod_c", help: "no samples", type: "untyped", samples: [] },
    ]);
    assert.equal(
      text,
      [
        '# HELP sipmod_a_total line one\\nback\\\\slash "q"',
        "# TYPE sipmod_a_total counter",
        "sipmod_a_total 3",
        "# HELP sipmod_b b",
        "# TYPE sipmod_b gauge",
        'sipmod_b{l="q\\"uote\\\\back\\nnl"} 1.5',
        'sipmod_b{l="x",m="y"} NaN',
        "sipmod_b +Inf",
        "sipmod_b -Inf",
        "# HELP sipmod_c no samples",
        "# TYPE sipmod_c untyped",
        "",
      ].join("\n"),
    );
  });

  test("invalid names and repeated families are refused", () => {
    assert.throws(() => renderPrometheus([{ name: "9bad", help: "x", type: "gauge", samples: [] }]), /metric name/);
    assert.throws(
      () => renderPrometheus([{ name: "sipmod_x", help: "x", type: "gauge", samples: [{ labels: { "a-b": "1" }, value: 1 } ] }]),
      /label name/,
    );
    assert.throws(
      () => renderPrometheus([{ name: "sipmod_x", help: "x", type: "gauge", samples: [{ labels: { __name__: "1" }, value: 1 }] }]),
      /label name/,
    );
    const f = { name: "sipmod_x", help: "x", type: "gauge" as const, samples: [] };
    assert.throws(() => renderPrometheus([f, f]), /twice/);
  });

  test("name parts and label escaping helpers", () => {
    assert.equal(metricNamePart("tm.stats-2xx"), "tm_stats_2xx");
    assert.equal(escapeLabelValue("a\\b\"c\nd"), 'a\\\\b\\"c\\nd');
  });
});

describe("sipmod ctl parameters", () => {
  test("numbers in JSON syntax become numbers; prefixes force the type; the rest are strings", () => {
    const cases: [string, Json][] = [
      ["1", 1],
      ["-2.5", -2.5],
      ["1e3", 1000],
      ["0", 0],
      ["007", "007"],
      ["1.", "1."],
      ["0x10", "0x10"],
      ["+1", "+1"],
      ["true", "true"],
      ["null", "null"],
      ["a b", "a b"],
      ["", ""],
      ["s:1", "1"],
      ["s:", ""],
      ["s:s:x", "s:x"],
      ["i:42", 42],
      ["i:-7", -7],
      ["j:true", true],
      ["j:null", null],
      ['j:{"a":[1,"x"]}', { a: [1, "x"] }],
      ["x:1", "x:1"],
    ];
    for (const [arg, want] of cases) assert.deepEqual(right(parseCtlParam(arg)), want, arg);
  });

  test("bad i: and j: values are SM_RPC errors that state the rule", () => {
    for (const arg of ["i:1.5", "i:abc", "i:", "i:99999999999999999999", "j:{bad", "j:"]) {
      const r = parseCtlParam(arg);
      assert.ok(Either.isLeft(r), arg);
      assert.equal(r.left.code, "SM_RPC");
      assert.match(r.left.hint ?? "", /s:TEXT/);
    }
    assert.ok(Either.isLeft(parseCtlParams(["1", "i:x"])));
    assert.deepEqual(right(parseCtlParams(["1", "s:2"])), [1, "2"]);
  });

  test("output formatting", () => {
    assert.equal(formatResult({ a: [1] }), '{\n  "a": [\n    1\n  ]\n}');
    assert.equal(formatResult("x"), '"x"');
    assert.equal(
      formatRpcError(new RpcCallError("m.x", { code: -32602, message: "Invalid params", data: "m.x takes no parameters" })),
      "error -32602 from m.x: Invalid params: m.x takes no parameters",
    );
    assert.equal(formatRpcError(new RpcCallError("m.x", { code: -32603, message: "Internal error" })), "error -32603 from m.x: Internal error");
    assert.equal(
      formatRpcError(new RpcCallError("m.x", { code: 1, message: "odd", data: { k: 1 } })),
      'error 1 from m.x: odd\n{\n  "k": 1\n}',
    );
    assert.equal(
      formatRpcError(new RpcCallError("m.x", { code: -32000, message: "failed", data: { code: "SM_RPC", hint: "do this" } })),
      "error SM_RPC: failed (JSON-RPC error -32000 from m.x)\n  fix: do this",
    );
  });

  test("endpoint URLs", () => {
    assert.equal(endpointUrl("http://127.0.0.1:5071"), "http://127.0.0.1:5071/RPC");
    assert.equal(endpointUrl("http://127.0.0.1:5071/"), "http://127.0.0.1:5071/RPC");
    assert.equal(endpointUrl("http://127.0.0.1:5071/jsonrpc"), "http://127.0.0.1:5071/jsonrpc");
  });
});

describe("RPC listen address", () => {
  test("ip:port and [ipv6]:port", () => {
    assert.deepEqual(right(parseRpcListen("127.0.0.1:5071")), { host: "127.0.0.1", port: 5071, af: 4 });
    assert.deepEqual(right(parseRpcListen(" [::1]:0 ")), { host: "::1", port: 0, af: 6 });
    assert.deepEqual(right(parseRpcListen("0.0.0.0:80")), { host: "0.0.0.0", port: 80, af: 4 });
    for (const bad of ["", "5071", "localhost:5071", "127.0.0.1:", "127.0.0.1:x", "[::1]5071", "[::1", "[1.2.3.4]:1", "::1:5071", "1.2.3.4:65536"]) {
      const r = parseRpcListen(bad);
      assert.ok(Either.isLeft(r), bad);
      assert.equal(r.left.code, "SM_LISTEN");
      assert.match(r.left.hint ?? "", /core\.rpc\.listen/);
    }
  });

  test("client URLs: a wildcard bind is reached on loopback", () => {
    assert.equal(rpcBaseUrl("127.0.0.1", 5071), "http://127.0.0.1:5071");
    assert.equal(rpcBaseUrl("0.0.0.0", 5071), "http://127.0.0.1:5071");
    assert.equal(rpcBaseUrl("::", 5071), "http://[::1]:5071");
    assert.equal(rpcBaseUrl("::1", 5071), "http://[::1]:5071");
    assert.equal(right(rpcUrlFromListen("[::1]:5071")), "http://[::1]:5071/RPC");
    assert.equal(right(rpcUrlFromListen("127.0.0.1:5071")), "http://127.0.0.1:5071/RPC");
  });
});

describe("params and dispatch without HTTP", () => {
  const entry = (name: string, params: readonly string[] | undefined, run: RpcEntry["run"]): RpcEntry => ({
    name,
    doc: "x",
    module: "m",
    ...(params !== undefined ? { params } : {}),
    run,
  });

  test("named params map through the declared names; gaps become null; '?' marks optional names", () => {
    const e = entry("m.f", ["a", "b?", "c"], () => Effect.succeed(null));
    assert.deepEqual(right(positionalParams(e, { c: 3, a: 1 })), [1, null, 3]);
    assert.deepEqual(right(positionalParams(e, { b: 2 })), [null, 2]);
    assert.deepEqual(right(positionalParams(e, [9, 8, 7, 6])), [9, 8, 7, 6]);
    assert.deepEqual(right(positionalParams(e, {})), []);
    assert.ok(Either.isLeft(positionalParams(e, { d: 1 })));
    assert.ok(Either.isLeft(positionalParams(entry("m.g", undefined, () => Effect.succeed(null)), { a: 1 })));
  });

  const modules = new Map([
    ["m.slow", { name: "m.slow", doc: "x", module: "m", run: () => Effect.as(Effect.sleep("60 millis"), "slow" as Json) }],
    ["m.fast", { name: "m.fast", doc: "x", module: "m", run: () => Effect.succeed("fast" as Json) }],
    ["m.big", { name: "m.big", doc: "x", module: "m", run: () => Effect.succeed({ n: 1n } as unknown as Json) }],
  ]);
  const core = { startedAt: 0, modules: () => [], groups: () => [], listeners: () => [] };
  const table = right(buildMethodTable(modules, core));
  const opts = { table, runtime: Runtime.defaultRuntime as Runtime.Runtime<unknown> };

  test("a batch keeps its order even when later members finish first", async () => {
    const out = await handleRpcBody(
      JSON.stringify([
        { jsonrpc: "2.0", id: "a", method: "m.slow" },
        { jsonrpc: "2.0", id: "b", method: "m.fast" },
      ]),
      opts,
    );
    assert.deepEqual(JSON.parse(out!), [
      { jsonrpc: "2.0", id: "a", result: "slow" },
      { jsonrpc: "2.0", id: "b", result: "fast" },
    ]);
  });

  test("a result that cannot be serialized is an internal error for that request only", async () => {
    const out = await handleRpcBody(
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "m.big" },
        { jsonrpc: "2.0", id: 2, method: "m.fast" },
      ]),
      opts,
    );
    const arr = JSON.parse(out!) as { id: number; error?: { code: number }; result?: Json }[];
    assert.equal(arr[0]!.error!.code, -32603);
    assert.equal(arr[1]!.result, "fast");
  });

  test("ids: strings, numbers (also fractional) and null are echoed; the response keeps the type", async () => {
    for (const id of ["x", 0, 1.5, -3, null]) {
      const out = await handleRpcBody(JSON.stringify({ jsonrpc: "2.0", id, method: "m.fast" }), opts);
      assert.deepEqual(JSON.parse(out!), { jsonrpc: "2.0", id, result: "fast" });
    }
  });
});
