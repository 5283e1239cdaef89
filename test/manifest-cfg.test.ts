import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { coreGroups } from "../core/manifest/core-groups.ts";
import type { CfgGlobalInput } from "../core/manifest/cfg-input.ts";
import { parseCfgFile } from "../core/script/parse-cfg.ts";
import { fixture, load, loadErrors, tempDir, writeManifest } from "./fixtures/manifest/helpers.ts";

const tmp = tempDir();
after(() => tmp.cleanup());

let n = 0;
/** Write a cfg file into the temp folder; returns its path. */
const cfgFile = (text: string): string => {
  const file = join(tmp.dir, `k${++n}.cfg`);
  writeFileSync(file, text);
  return file;
};

const ALPHA = fixture("alpha.ts");

describe("cfg-only runs (no plugins.json)", () => {
  test("loadmodule with .so, a full path or mpath all map to the built-in; modparam names match case-insensitively", async () => {
    const file = cfgFile(`#!KAMAILIO
debug=3
log_stderror=yes
children=2
listen=udp:127.0.0.1:5070
listen=tcp:127.0.0.1:5070
auto_aliases=no
async_workers=2
async_workers_group="name=grpA;workers=1;nonblock=0;usleep=0"

mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "/usr/lib/x86_64-linux-gnu/kamailio/modules/tmx.so"
loadmodule "async"

modparam("ASYNC", "workers", 3)

request_route {
  exit;
}
`);
    const loaded = await load({ config: file, readCfg: (p) => parseCfgFile(p) });
    assert.deepEqual(loaded.modules.map((m) => [m.decl.name, m.spec]), [
      ["tm", "tm.so"],
      ["tmx", "/usr/lib/x86_64-linux-gnu/kamailio/modules/tmx.so"],
      ["async", "async"],
    ]);
    assert.deepEqual(loaded.modules[2]!.params, { workers: 3, ms_timer: 0, return: 0, sleep_resume: "block" });
    assert.deepEqual(loaded.modules[0]!.origin, { file, line: 12, column: 1 });
    assert.equal(loaded.file, file);
    assert.equal(loaded.baseDir, tmp.dir);
    assert.equal(loaded.config, file);
    assert.deepEqual(loaded.core.listen, ["udp:127.0.0.1:5070", "tcp:127.0.0.1:5070"]);
    assert.equal(loaded.core.children, 2);
    assert.equal(loaded.core.log_level, "debug");
    assert.deepEqual(coreGroups(loaded.core), [
      { name: "default", workers: 2, queue: 1024, concurrency: 64 },
      { name: "grpA", workers: 1, queue: 1024, concurrency: 64 },
    ]);
    assert.deepEqual(loaded.ignored.map((i) => [i.name, i.pos.line]), [
      ["log_stderror", 3],
      ["auto_aliases", 7],
    ]);
  });

  test("parsed globals can be passed in directly (cfg), and .ts paths load relative to the cfg", async () => {
    const pos = (line: number) => ({ file: "/virtual/k.cfg", line, column: 1 });
    const globals: CfgGlobalInput[] = [
      { type: "param", name: "listen", value: { text: "udp:127.0.0.1:0" }, pos: pos(1) },
      { type: "loadmodule", path: ALPHA, pos: pos(2) },
      { type: "modparam", module: "alpha", param: "names", value: "x", pos: pos(3) },
      { type: "modparam", module: "Alpha", param: "names", value: "y", pos: pos(4) },
      { type: "modparam", module: "alpha", param: "label", value: "p", pos: pos(5) },
      { type: "modparam", module: "alpha", param: "label", value: "q", pos: pos(6) },
      { type: "modparam", module: "alpha", param: "count", value: 4, pos: pos(7) },
      { type: "cfgvar", pos: pos(8) },
    ];
    const loaded = await load({ cfg: { file: "/virtual/k.cfg", globals } });
    assert.deepEqual(loaded.modules.map((m) => [m.decl.name, m.params]), [
      ["alpha", { count: 4, label: "q", names: ["x", "y"] }],
    ]);
    assert.deepEqual(loaded.core.listen, ["udp:127.0.0.1:0"]);
    assert.equal(loaded.baseDir, "/virtual");
  });

  test("a named group before async_workers: the default group already has 1 worker (Kamailio ignores async_workers)", async () => {
    const file = cfgFile(`async_workers_group="name=swk;workers=2"\nasync_workers=4\n`);
    const loaded = await load({ config: file, readCfg: (p) => parseCfgFile(p) });
    assert.deepEqual(coreGroups(loaded.core), [
      { name: "default", workers: 1, queue: 1024, concurrency: 64 },
      { name: "swk", workers: 2, queue: 1024, concurrency: 64 },
    ]);
    assert.equal(loaded.ignored.length, 1);
    assert.equal(loaded.ignored[0]!.name, "async_workers");
    assert.match(loaded.ignored[0]!.reason, /already has 1 worker/);
  });
});

describe("cfg errors", () => {
  test("modparam before its loadmodule, or for no loaded module: SM_MODPARAM_MODULE", async () => {
    const file = cfgFile(`modparam("alpha", "count", 2)
loadmodule "${ALPHA}"
modparam("alpah", "count", 2)
`);
    const errors = await loadErrors({ config: file, readCfg: (p) => parseCfgFile(p) });
    assert.deepEqual(
      errors.map((e) => [e.code, e.pos?.line, e.message]),
      [
        ["SM_MODPARAM_MODULE", 1, `modparam("alpha", "count", ...) comes before module "alpha" is loaded (${file}:2)`],
        ["SM_MODPARAM_MODULE", 3, `modparam("alpah", "count", ...): no module matching "alpah" is loaded (did you mean "alpha"?)`],
      ],
    );
    assert.match(errors[1]!.hint!, /^Add loadmodule "alpah.so" before this line; modparam matches the module name case-insensitively/);
  });

  test('modparam("async", "workers", "2"): a string for an int param is SM_PARAM_INVALID', async () => {
    const file = cfgFile(`loadmodule "tm.so"\nloadmodule "tmx.so"\nloadmodule "async.so"\nmodparam("async", "workers", "2")\n`);
    const errors = await loadErrors({ config: file, readCfg: (p) => parseCfgFile(p) });
    assert.equal(errors.length, 1);
    const e = errors[0]!;
    assert.equal(e.code, "SM_PARAM_INVALID");
    assert.equal(e.module, "async");
    assert.equal(e.message, 'parameter "workers" of module "async" expects int, got the string "2": Expected number, actual "2"');
    assert.deepEqual(e.pos, { file, line: 4, column: 1 });
    assert.match(e.format(), new RegExp(`^${file}:4:1: error SM_PARAM_INVALID \\[async\\]: parameter "workers"`));
  });

  test("unknown param by modparam: SM_PARAM_UNKNOWN", async () => {
    const file = cfgFile(`loadmodule "${ALPHA}"\nmodparam("alpha", "cont", 2)\n`);
    const errors = await loadErrors({ config: file, readCfg: (p) => parseCfgFile(p) });
    assert.deepEqual(errors.map((e) => [e.code, e.message]), [
      ["SM_PARAM_UNKNOWN", 'module "alpha" has no parameter "cont" (did you mean "count"?)'],
    ]);
  });

  test("loadmodule of a module sipmod does not have: SM_MODULE_UNKNOWN, and its modparams are not reported again", async () => {
    const file = cfgFile(`loadmodule "nosuch.so"\nmodparam("nosuch", "x", 1)\n`);
    const errors = await loadErrors({ config: file, readCfg: (p) => parseCfgFile(p) });
    assert.deepEqual(errors.map((e) => [e.code, e.message]), [
      [
        "SM_MODULE_UNKNOWN",
        'cannot find module "nosuch.so": loadmodule "nosuch.so" names the module "nosuch", which is not a built-in sipmod module',
      ],
    ]);
  });

  test("missing dependency in a cfg: the fix is a loadmodule line", async () => {
    const file = cfgFile(`loadmodule "tm.so"\nloadmodule "async.so"\n`);
    const errors = await loadErrors({ config: file, readCfg: (p) => parseCfgFile(p) });
    assert.deepEqual(errors.map((e) => [e.code, e.message, e.hint]), [
      [
        "SM_DEP_MISSING",
        'module "async" requires module "tmx", which is not enabled',
        `Add loadmodule "tmx.so" to k${n}.cfg.`,
      ],
    ]);
  });

  test("global parameters: unknown (did you mean), bad group string, advertise, bad value", async () => {
    const file = cfgFile(`chidlren=2
async_workers_group="name=g1;workers=0"
async_workers_group="workers=2"
listen=udp:127.0.0.1:5060 advertise 1.2.3.4:5060
debug="x"
tcp_connection_lifetime=0
`);
    const errors = await loadErrors({ config: file, readCfg: (p) => parseCfgFile(p) });
    assert.deepEqual(
      errors.map((e) => [e.code, e.pos?.line, e.message]),
      [
        ["SM_CORE_PARAM", 1, 'unknown or unsupported global parameter "chidlren" (did you mean "children"?)'],
        ["SM_GROUP_SPEC", 2, 'invalid async_workers_group "name=g1;workers=0": workers must be >= 1, got 0'],
        ["SM_GROUP_SPEC", 3, 'invalid async_workers_group "workers=2": it has no name='],
        ["SM_LISTEN", 4, 'listen=udp:127.0.0.1:5060: "advertise 1.2.3.4:5060" is not supported'],
        ["SM_CORE_PARAM", 5, 'debug must be an integer (-1 .. 3), got "x"'],
        ["SM_CORE_PARAM", 6, 'invalid core parameter "tcp_idle_timeout" = 0: Expected a positive number, actual 0'],
      ],
    );
  });

  test("a cfg syntax error is reported with the manifest's errors", async () => {
    const dir = join(tmp.dir, "with-syntax-error");
    const cfg = join(dir, "bad.cfg");
    const manifest = writeManifest(dir, { config: "bad.cfg", extra: 1, modules: [] });
    writeFileSync(cfg, 'loadmodule "tm.so"\nmodparam("tm", \n');
    const errors = await loadErrors({ manifest, readCfg: (p) => parseCfgFile(p) });
    assert.deepEqual(errors.map((e) => e.code), ["SM_MANIFEST_SCHEMA", "SM_CFG_SYNTAX"]);
  });
});

describe("plugins.json with a cfg", () => {
  test("the cfg's loadmodule, modparam and globals add to plugins.json", async () => {
    const dir = join(tmp.dir, "mixed");
    const manifest = writeManifest(dir, {
      config: "routes.cfg",
      core: { listen: ["udp:127.0.0.1:0"], children: 3 },
      modules: ["tm", { module: ALPHA, params: { names: ["j"] } }],
    });
    writeFileSync(
      join(dir, "routes.cfg"),
      `listen=tcp:127.0.0.1:0\nchildren=2\nloadmodule "tmx.so"\nloadmodule "async.so"\nmodparam("alpha", "names", "c")\nmodparam("async", "workers", 2)\n`,
    );
    const loaded = await load({ manifest, readCfg: (p) => parseCfgFile(p) });
    assert.equal(loaded.config, join(dir, "routes.cfg"));
    assert.equal(loaded.file, manifest);
    assert.deepEqual(loaded.modules.map((m) => [m.decl.name, m.params]).filter(([k]) => k !== "tm"), [
      ["alpha", { count: 1, label: "a", names: ["j", "c"] }],
      ["tmx", {}],
      ["async", { workers: 2, ms_timer: 0, return: 0, sleep_resume: "block" }],
    ]);
    assert.deepEqual(loaded.core.listen, ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"]);
    assert.equal(loaded.core.children, 2);
  });

  test("a module both in plugins.json and loadmodule: SM_MODULE_DUPLICATE; missing dep hint names both ways", async () => {
    const dir = join(tmp.dir, "dup");
    const manifest = writeManifest(dir, { config: "k.cfg", modules: ["tm"] });
    writeFileSync(join(dir, "k.cfg"), `loadmodule "tm.so"\nloadmodule "async.so"\n`);
    const errors = await loadErrors({ manifest, readCfg: (p) => parseCfgFile(p) });
    assert.deepEqual(errors.map((e) => [e.code, e.message, e.hint]), [
      ["SM_MODULE_DUPLICATE", `module "tm" is enabled twice: at ${manifest}:4 and at ${join(dir, "k.cfg")}:1`, undefined],
      [
        "SM_DEP_MISSING",
        'module "async" requires module "tmx", which is not enabled',
        'Add loadmodule "tmx.so" to k.cfg (or "tmx" to "modules" in plugins.json).',
      ],
    ]);
  });

  test("`config` overrides the manifest's cfg (sipmod run -f other.cfg)", async () => {
    const dir = join(tmp.dir, "override");
    const manifest = writeManifest(dir, { config: "missing.cfg", modules: [] });
    const other = join(dir, "other.cfg");
    writeFileSync(other, `loadmodule "${ALPHA}"\n`);
    const loaded = await load({ manifest, config: other, readCfg: (p) => parseCfgFile(p) });
    assert.equal(loaded.config, other);
    assert.deepEqual(loaded.modules.map((m) => m.decl.name), ["alpha"]);
  });
});
