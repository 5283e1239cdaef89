import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Effect, Either } from "effect";
import { SipmodErrors } from "../core/errors.ts";
import { parseJsonWithPositions } from "../core/manifest/json-positions.ts";
import { readManifest } from "../core/manifest/read-manifest.ts";
import { PLUGINS_SCHEMA_PATH, renderPluginsJsonSchema } from "../core/manifest/gen-json-schema.ts";
import { coreGroups } from "../core/manifest/core-groups.ts";
import { fixture, load, loadErrors, tempDir, writeManifest } from "./fixtures/manifest/helpers.ts";

const tmp = tempDir();
after(() => tmp.cleanup());

const readErrors = async (file: string) => {
  const r = await Effect.runPromise(Effect.either(readManifest(file)));
  assert.ok(Either.isLeft(r), "expected readManifest to fail");
  assert.ok(r.left instanceof SipmodErrors);
  return r.left.errors;
};

describe("JSON parser with positions", () => {
  test("records line:column of every value", () => {
    const r = parseJsonWithPositions('{\n  "a": [1,\n    {"b": true}],\n  "c": "x"\n}');
    assert.ok(r.ok);
    assert.deepEqual(r.value, { a: [1, { b: true }], c: "x" });
    assert.deepEqual(r.positions.get("/a"), { line: 2, column: 8 });
    assert.deepEqual(r.positions.get("/a/1/b"), { line: 3, column: 11 });
    assert.deepEqual(r.positions.get("/c"), { line: 4, column: 8 });
  });

  test("syntax errors carry line and column", () => {
    const cases: [string, string, number, number][] = [
      ['{\n  "modules": ["tm",]\n}', "trailing comma before ']'", 2, 20],
      ['{\n  "a": 1,\n}', "trailing comma before '}'", 3, 1],
      ['{\n  "a": "x\n}', "control character in string", 2, 10],
      ['{"a": 1 "b": 2}', "expected ',' or '}'", 1, 9],
      ['{"a": 1, "a": 2}', 'duplicate key "a"', 1, 10],
      ["{\n  modules: []\n}", "expected a property name in double quotes", 2, 3],
      ['{"a": [1, 2}', "expected ',' or ']'", 1, 12],
      ['{"a": 01}', "expected ',' or '}'", 1, 8],
      ['{"a": tru}', "unexpected 't'", 1, 7],
      ["", "unexpected end of file", 1, 1],
      ['{"a": 1} x', "after the end of the JSON value", 1, 10],
    ];
    for (const [text, msg, line, column] of cases) {
      const r = parseJsonWithPositions(text);
      assert.ok(!r.ok, `should fail: ${text}`);
      assert.ok(r.message.includes(msg), `${JSON.stringify(text)}: "${r.message}" should include "${msg}"`);
      assert.deepEqual(r.pos, { line, column }, `${JSON.stringify(text)}: ${r.message}`);
    }
  });

  test("escapes, numbers and a __proto__ key parse like JSON.parse", () => {
    const text = '{"s": "a\\n\\u00e9\\"", "n": -1.5e3, "z": 0, "__proto__": {"x": 1}, "l": [null, false]}';
    const r = parseJsonWithPositions(text);
    assert.ok(r.ok);
    assert.deepEqual(r.value, JSON.parse(text));
    assert.equal(Object.getPrototypeOf(r.value), Object.prototype);
  });
});

describe("readManifest", () => {
  test("a JSON syntax error is SM_MANIFEST_JSON at file:line:column", async () => {
    const file = writeManifest(tmp.dir, '{\n  "modules": [\n    "tm",\n  ]\n}', "bad-syntax.json");
    const errors = await readErrors(file);
    assert.equal(errors.length, 1);
    const e = errors[0]!;
    assert.equal(e.code, "SM_MANIFEST_JSON");
    assert.equal(e.message, "invalid JSON: trailing comma before ']'");
    assert.deepEqual(e.pos, { file, line: 4, column: 3 });
    assert.ok(e.format().startsWith(`${file}:4:3: error SM_MANIFEST_JSON: invalid JSON`), e.format());
  });

  test("a missing file is SM_MANIFEST_NOT_FOUND", async () => {
    const errors = await readErrors(`${tmp.dir}/nope/plugins.json`);
    assert.equal(errors[0]!.code, "SM_MANIFEST_NOT_FOUND");
    assert.match(errors[0]!.message, /^cannot read .*nope\/plugins\.json/);
  });

  test("unknown fields and malformed module entries: every one reported with its position", async () => {
    const file = writeManifest(
      tmp.dir,
      '{\n  "module": ["tm"],\n  "modules": [\n    "tm",\n    { "modul": "tmx" },\n    42\n  ],\n  "config": 7\n}',
      "bad-schema.json",
    );
    const errors = await readErrors(file);
    assert.deepEqual(
      errors.map((e) => [e.code, e.pos?.line]),
      [
        ["SM_MANIFEST_SCHEMA", 2],
        ["SM_MANIFEST_SCHEMA", 8],
        ["SM_MANIFEST_SCHEMA", 5],
        ["SM_MANIFEST_SCHEMA", 6],
      ],
    );
    assert.equal(errors[0]!.message, 'unknown field "module" (did you mean "modules"?)');
    assert.equal(errors[1]!.message, '"config" must be the path of a cfg file');
    assert.match(errors[2]!.message, /^modules\[1\] must be a module name or \{ "module": \.\.\., "params"/);
    assert.match(errors[2]!.message, /modul/);
    assert.match(errors[3]!.message, /^modules\[2\] must be a module name/);
  });

  test("module entries: string, object with params, disabled", async () => {
    const file = writeManifest(
      tmp.dir,
      { config: "x.cfg", modules: ["tm", { module: "async", params: { workers: 2 } }, { module: "tmx", enabled: false }] },
      "good.json",
    );
    const m = await Effect.runPromise(readManifest(file));
    assert.equal(m.config, `${tmp.dir}/x.cfg`);
    assert.equal(m.baseDir, tmp.dir);
    assert.deepEqual(
      m.modules.map((e) => [e.spec, e.params, e.enabled, e.index]),
      [
        ["tm", undefined, true, 0],
        ["async", { workers: 2 }, true, 1],
        ["tmx", undefined, false, 2],
      ],
    );
    assert.deepEqual(m.modules[1]!.paramPos("workers"), { file, line: 8, column: 20 });
  });
});

describe("core parameters", () => {
  test("defaults when plugins.json has no core", async () => {
    const file = writeManifest(tmp.dir, { modules: [] }, "empty.json");
    const loaded = await load({ manifest: file });
    assert.deepEqual(loaded.core, {
      listen: ["udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"],
      children: 1,
      receiver_queue: 4096,
      async_workers: 0,
      groups: [],
      udp_recv_buffer: 4194304,
      udp_send_buffer: 4194304,
      disable_tcp: false,
      rpc: { listen: "127.0.0.1:5071", enabled: true },
      log_level: "info",
      tcp_max_message: 262144,
      tcp_idle_timeout: 120,
      tcp_connect_timeout: 10,
    });
    assert.deepEqual(coreGroups(loaded.core), []);
    assert.equal(loaded.file, file);
    assert.equal(loaded.baseDir, tmp.dir);
    assert.equal(loaded.config, undefined);
    assert.deepEqual(loaded.modules, []);
  });

  test("values as written, groups with the default group first", async () => {
    const file = writeManifest(
      tmp.dir,
      {
        core: {
          listen: ["udp:127.0.0.1:0"],
          children: 4,
          async_workers: 2,
          groups: [{ name: "swk", workers: 3, queue: 16 }],
          log_level: "debug",
          rpc: { listen: "127.0.0.1:0" },
        },
      },
      "core.json",
    );
    const loaded = await load({ manifest: file });
    assert.deepEqual(loaded.core.listen, ["udp:127.0.0.1:0"]);
    assert.equal(loaded.core.children, 4);
    assert.deepEqual(loaded.core.rpc, { listen: "127.0.0.1:0", enabled: true });
    assert.deepEqual(coreGroups(loaded.core), [
      { name: "default", workers: 2, queue: 1024, concurrency: 64 },
      { name: "swk", workers: 3, queue: 16, concurrency: 64 },
    ]);
  });

  test("a named group without async_workers brings a default group of 1 (as Kamailio)", async () => {
    const file = writeManifest(tmp.dir, { core: { groups: [{ name: "g1", workers: 2 }] } }, "grp.json");
    const loaded = await load({ manifest: file });
    assert.deepEqual(coreGroups(loaded.core), [
      { name: "default", workers: 1, queue: 1024, concurrency: 64 },
      { name: "g1", workers: 2, queue: 1024, concurrency: 64 },
    ]);
  });

  test("unknown and invalid core parameters are SM_CORE_PARAM, all reported", async () => {
    const file = writeManifest(
      tmp.dir,
      '{\n  "core": {\n    "chidren": 2,\n    "listen": ["udp:localhost:5060"],\n    "async_workers": -1,\n    "log_level": "verbose"\n  }\n}',
      "core-bad.json",
    );
    const errors = await loadErrors({ manifest: file });
    assert.deepEqual(
      errors.map((e) => [e.code, e.pos?.line]),
      [
        ["SM_CORE_PARAM", 3],
        ["SM_CORE_PARAM", 4],
        ["SM_CORE_PARAM", 5],
        ["SM_CORE_PARAM", 6],
      ],
    );
    assert.equal(errors[0]!.message, 'unknown core parameter "chidren" (did you mean "children"?)');
    assert.match(errors[0]!.hint!, /^Core parameters: listen, children, receiver_queue, async_workers/);
    assert.match(
      errors[1]!.message,
      /^invalid core parameter "listen" = \["udp:localhost:5060"\]: 0: invalid listen address "udp:localhost:5060": "localhost" is not an IP address/,
    );
    assert.match(errors[2]!.message, /^invalid core parameter "async_workers" = -1: Expected a non-negative number, actual -1/);
    assert.match(errors[3]!.message, /^invalid core parameter "log_level" = "verbose": Expected "error" \| "warn" \| "notice" \| "info" \| "debug", actual "verbose"$/);
  });

  test("duplicate group names are SM_GROUP_SPEC", async () => {
    const file = writeManifest(
      tmp.dir,
      { core: { groups: [{ name: "g", workers: 1 }, { name: "g", workers: 2 }] } },
      "grp-dup.json",
    );
    const errors = await loadErrors({ manifest: file });
    assert.deepEqual(errors.map((e) => [e.code, e.message]), [["SM_GROUP_SPEC", 'process group "g" is defined twice']]);
  });

  test("errors in core, modules and fields are collected together", async () => {
    const file = writeManifest(
      tmp.dir,
      { core: { childern: 1 }, extra: true, modules: [fixture("not-a-module.ts"), "no_such_module_xyz"] },
      "many.json",
    );
    const errors = await loadErrors({ manifest: file });
    assert.deepEqual(
      errors.map((e) => e.code).sort(),
      ["SM_CORE_PARAM", "SM_MANIFEST_SCHEMA", "SM_MODULE_INVALID", "SM_MODULE_UNKNOWN"],
    );
  });
});

describe("plugins.schema.json", () => {
  test("is generated from the Effect Schema (run `tsx core/manifest/gen-json-schema.ts` after changing it)", () => {
    assert.equal(readFileSync(PLUGINS_SCHEMA_PATH, "utf8"), renderPluginsJsonSchema());
  });

  test("documents every core parameter", () => {
    const schema = JSON.parse(renderPluginsJsonSchema()) as {
      properties: { core: { properties: Record<string, { description?: string }> } };
    };
    for (const [name, p] of Object.entries(schema.properties.core.properties))
      assert.ok((p.description ?? "").length > 10, `core.${name} has no description`);
  });
});
