import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { withCfg } from "./support/cfg-server.ts";
import { freeUdpPort } from "./support/kamailio.ts";

const haveSipp = spawnSync("sipp", ["-v"], { encoding: "utf8" }).error === undefined;
// Deno's node:dgram delivers datagrams with latency spikes of 0.2-1.4 s on this machine (measured on
// the stateless path too: sl_send_reply round trips of 8, 3, 560, 314, 1366 ms at 20/s), so SIPp's
// 500 ms retransmission timer fires and calls fail; the same flows run on Deno in tm-relay.test.ts.
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

const run = (args: readonly string[]): { proc: ChildProcess; done: Promise<{ code: number | null; out: string }> } => {
  const proc = spawn("sipp", [...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d) => (out += String(d)));
  proc.stderr!.on("data", (d) => (out += String(d)));
  return { proc, done: new Promise((resolve) => proc.on("close", (code) => resolve({ code, out }))) };
};

const cfg = (uas: number) => `
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
request_route {
  if (!t_check_trans()) { if (is_method("CANCEL")) exit; }
  $du = "sip:127.0.0.1:${uas}";
  t_relay();
}
`;

// Real SIPp on both sides: uac -> sipmod (t_relay) -> uas, full calls (INVITE/180/200/ACK/BYE/200).
test(
  "SIPp: 60 calls relayed statefully between a SIPp UAC and a SIPp UAS, none failed",
  { timeout: 120_000, skip: !haveSipp ? "sipp is not installed" : isDeno ? "Deno's UDP latency spikes exceed SIPp's T1 (see above)" : false },
  async () => {
    const uasPort = await freeUdpPort();
    const uas = run(["-sn", "uas", "-i", "127.0.0.1", "-p", String(uasPort), "-m", "60", "-timeout", "60s", "-nostdin", "-trace_stat", "-stf", "/dev/null"]);
    try {
      await withCfg(cfg(uasPort), async (_s, _logs, port) => {
        const uac = run([
          `127.0.0.1:${port}`, "-sn", "uac", "-i", "127.0.0.1", "-p", "0", "-m", "60", "-r", "30", "-d", "100",
          "-timeout", "60s", "-recv_timeout", "10000", "-nostdin", "-trace_stat", "-stf", "/dev/null",
          ...(process.env.SIPP_ERR ? ["-trace_err", "-error_file", process.env.SIPP_ERR, "-trace_msg", "-message_file", `${process.env.SIPP_ERR}.msg`] : []),
        ]);
        const r = await uac.done;
        assert.equal(r.code, 0, r.out.slice(-2500));
        assert.match(r.out, /Successful call\s+\|\s+\d+\s+\|\s+60\s/);
      });
      const u = await uas.done;
      assert.equal(u.code, 0, u.out.slice(-2500));
    } finally {
      uas.proc.kill("SIGKILL");
    }
  },
);
