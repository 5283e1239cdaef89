import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/server/${name}`, import.meta.url));

/** Run the sipmod CLI with node + tsx (whatever runtime runs the test) and collect its output. */
const sipmod = (...args: string[]) => {
  const r = spawnSync("node", ["--import", "tsx", "core/cli.ts", ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe("sipmod check", { timeout: 120_000 }, () => {
  test("the default plugins.json passes", () => {
    const r = sipmod("check");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /plugins\.json: ok/);
  });

  test("the tm proxy example passes on its own (its loadmodule lines are the manifest)", () => {
    const r = sipmod("check", "-f", "examples/proxy.cfg");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /examples\/proxy\.cfg: ok \(7 modules: tm, tmx, sl, pv, textops, maxfwd, xlog\)/);
  });

  test("async without tmx: exit 1, names the missing module and the line to add", () => {
    const r = sipmod("check", "-f", fixture("async-no-tmx.json"));
    assert.equal(r.code, 1);
    assert.match(r.err, /error SM_DEP_MISSING \[async\]/);
    assert.match(r.err, /tmx/);
    assert.match(r.err, /fix: .*"tmx"/);
  });

  test("sipmod modules lists the built-ins and shows one module", () => {
    const list = sipmod("modules");
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /^async 0\.2\.0 \(requires tm, tmx\)/m);
    const one = sipmod("modules", "async");
    assert.equal(one.code, 0, one.err);
    assert.match(one.out, /### 3\.1\. workers \(int\)/);
    assert.match(one.out, /Default value is 1\./);
  });
});
