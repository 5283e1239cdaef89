import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { withServer } from "./support/with-server.ts";

const scenario = fileURLToPath(new URL("../bench/sipp/options-uac.xml", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/server/basic.json", import.meta.url));
const haveSipp = spawnSync("sipp", ["-v"], { encoding: "utf8" }).error === undefined;

/** Run SIPp against 127.0.0.1:port (bounded in calls and time); resolves with its exit code and output. */
const sipp = (port: number, calls: number, rate: number): Promise<{ code: number | null; out: string }> =>
  new Promise((resolve) => {
    const p = spawn(
      "sipp",
      [`127.0.0.1:${port}`, "-sf", scenario, "-m", String(calls), "-r", String(rate), "-i", "127.0.0.1", "-p", "0",
        "-timeout", "45s", "-recv_timeout", "10000", "-nostdin", "-trace_stat", "-stf", "/dev/null"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    p.stdout.on("data", (d) => (out += String(d)));
    p.stderr.on("data", (d) => (out += String(d)));
    p.on("close", (code) => resolve({ code, out }));
  });

// A functional check with a real SIPp (retransmissions allowed: a loaded CI machine may be slow);
// rates with zero retransmissions are measured by bench/run-stateless.ts.
test("SIPp: 300 OPTIONS at 100/s over UDP all get 200, no failed call", { timeout: 90_000, skip: haveSipp ? false : "sipp is not installed" }, () =>
  withServer({ file: fixture }, async (s) => {
    const r = await sipp(s.listeners[0]!.port, 300, 100);
    assert.equal(r.code, 0, r.out.slice(-2000));
    assert.match(r.out, /Successful call\s+\|\s+\d+\s+\|\s+300\s/);
  }),
);
