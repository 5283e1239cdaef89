import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Effect } from "effect";
import { readCounter } from "./fixtures/server/shm-module.ts";
import { sipRequest, statusOf, tcpExchange, UdpClient } from "./support/sip-client.ts";
import { startErrors, withServer } from "./support/with-server.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/server/${name}`, import.meta.url));
const T = { timeout: 60_000 };

const udpPort = (s: { listeners: readonly { proto: string; port: number }[] }) => s.listeners.find((l) => l.proto === "udp")!.port;

describe("the server on the default config", () => {
  test("answers OPTIONS with 200 over UDP, with received/rport and a To tag", T, () =>
    withServer({ file: fixture("basic.json") }, async (s) => {
      const c = await UdpClient.open();
      try {
        c.send(udpPort(s), sipRequest({ port: c.port }));
        const [reply] = await c.waitFor(1);
        assert.deepEqual(statusOf(reply!), { code: 200, reason: "OK" });
        assert.match(reply!, new RegExp(`Via: SIP/2.0/UDP 127.0.0.1:${c.port};branch=[^;\\r\\n]+;rport=${c.port}`));
        assert.match(reply!, /To: <sip:service@127.0.0.1>;tag=[0-9a-f]+-[0-9a-f]{8}\r\n/);
      } finally {
        await c.close();
      }
    }),
  );

  test("answers over TCP on the same connection", T, () =>
    withServer({ file: fixture("basic.json"), listen: ["tcp:127.0.0.1:0"] }, async (s) => {
      const port = s.listeners.find((l) => l.proto === "tcp")!.port;
      const reply = await tcpExchange(port, sipRequest({ port: 5999, transport: "TCP" }), (g) => g.includes("\r\n\r\n"));
      assert.equal(statusOf(reply).code, 200);
    }),
  );

  test("Max-Forwards 0 gets 483; other methods 404", T, () =>
    withServer({ file: fixture("basic.json") }, async (s) => {
      const c = await UdpClient.open();
      try {
        c.send(udpPort(s), sipRequest({ port: c.port, maxForwards: 0 }));
        c.send(udpPort(s), sipRequest({ port: c.port, method: "MESSAGE" }));
        const replies = (await c.waitFor(2)).map((r) => statusOf(r).code).sort();
        assert.deepEqual(replies, [404, 483]);
      } finally {
        await c.close();
      }
    }),
  );

  test("a malformed-message storm leaves the server answering", T, () =>
    withServer({ file: fixture("basic.json") }, async (s, logs) => {
      // the storm comes from one socket, the check from another, so the storm's 400s cannot crowd it out
      const storm = await UdpClient.open();
      const c = await UdpClient.open();
      try {
        const good = sipRequest({ port: storm.port });
        let seed = 7;
        const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
        for (let i = 0; i < 500; i++) {
          const b = Buffer.from(good, "latin1");
          for (let k = 0; k < 1 + (rnd() % 8); k++) b[rnd() % b.length] = rnd() % 256;
          storm.send(udpPort(s), i % 50 === 0 ? Buffer.alloc(rnd() % 2000, rnd() % 256) : b.subarray(0, b.length - (rnd() % 40)));
        }
        await new Promise((r) => setTimeout(r, 300));
        c.send(udpPort(s), sipRequest({ port: c.port }));
        const [reply] = await c.waitFor(1);
        assert.equal(statusOf(reply!).code, 200);
        assert.ok(s.transport.counters.parseErrors > 0, "malformed messages were counted");
        assert.ok(!logs.some((l) => l.startsWith("Fatal")), "nothing fatal was logged");
      } finally {
        await storm.close();
        await c.close();
      }
    }),
  );
});

describe("start-up checks", () => {
  test("async without tmx does not start and names the fix", T, async () => {
    const errs = await startErrors({ file: fixture("async-no-tmx.json") });
    const e = errs.errors.find((x) => x.code === "SM_DEP_MISSING");
    assert.ok(e, errs.format());
    assert.match(e.message, /tmx/);
    assert.match(e.format(), /"tmx"/);
  });

  test("process groups start: core groups and the async module's workers", T, () =>
    withServer({ file: fixture("groups.json") }, async (s) => {
      const stats = s.groups.stats();
      assert.deepEqual(
        stats.map((g) => [g.name, g.size]),
        [
          ["default", 1],
          ["swk", 2],
          ["async", 2],
        ],
      );
      for (const g of stats) for (const w of g.workers) assert.equal(w.state, "ready", `${g.name}#${w.rank}`);
    }),
  );

  test("childInit runs in the main thread and in every worker; shared memory made in init reaches them", T, () =>
    withServer({ file: fixture("shm.json") }, async (s) => {
      const counter = await Effect.runPromise(readCounter().pipe(Effect.provide(s.services)));
      // main adds 100, each of the 3 workers (default group 1 + g 2) adds 1
      assert.equal(counter, 103);
    }),
  );
});
