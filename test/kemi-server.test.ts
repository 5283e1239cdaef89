import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { RunningServer } from "../core/server/start-server.ts";
import { sipRequest, statusOf, UdpClient } from "./support/sip-client.ts";
import { startErrors, withServer } from "./support/with-server.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/kemi/${name}`, import.meta.url));
const T = { timeout: 60_000 };
const udpPort = (s: RunningServer) => s.listeners.find((l) => l.proto === "udp")!.port;

/** Send each request on its own and collect "code reason" of each reply, in order. */
const ask = async (s: RunningServer, reqs: readonly ((port: number) => string)[]): Promise<string[]> => {
  const c = await UdpClient.open();
  try {
    const out: string[] = [];
    for (const r of reqs) {
      c.send(udpPort(s), r(c.port));
      const got = await c.waitFor(out.length + 1);
      const st = statusOf(got[out.length]!);
      out.push(`${st.code} ${st.reason}`);
    }
    return out;
  } finally {
    await c.close();
  }
};

const twinRequests: readonly ((port: number) => string)[] = [
  (port) => sipRequest({ port }),
  (port) => sipRequest({ port, maxForwards: 0 }),
  (port) => sipRequest({ port, method: "MESSAGE" }),
  (port) => sipRequest({ port, method: "INVITE", maxForwards: null }),
  (port) => sipRequest({ port, method: "OPTIONS", maxForwards: 0 }),
];

describe("the same routing as .cfg and as .ts", () => {
  test("gives the same replies through the real server", T, async () => {
    const cfg = await withServer({ file: fixture("cfg-twin.json") }, (s) => ask(s, twinRequests));
    const ts = await withServer({ file: fixture("ts-twin.json") }, (s, logs) =>
      ask(s, twinRequests).then((r) => {
        assert.ok(logs.some((l) => l.includes("no handler for MESSAGE from 127.0.0.1:")), "xinfo with values read by ksr.pv");
        return r;
      }),
    );
    assert.deepEqual(cfg, ["200 OK", "483 Too Many Hops", "404 Not Found", "404 Not Found", "483 Too Many Hops"]);
    assert.deepEqual(ts, cfg);
  });
});

describe("a TypeScript script in the server", () => {
  test("return codes, pseudo-variables, an async route, reply_route kind check, pre-routing drop", T, () =>
    withServer({ file: fixture("rules.json") }, async (s, logs) => {
      const replies = await ask(s, [
        (port) => sipRequest({ port, ruri: "sip:stop@127.0.0.1", maxForwards: 0 }),
        (port) => sipRequest({ port, ruri: "sip:pv@127.0.0.1" }),
        (port) => sipRequest({ port, ruri: "sip:async@127.0.0.1" }),
        (port) => sipRequest({ port, ruri: "sip:other@127.0.0.1" }),
      ]);
      assert.deepEqual(replies, ["200 mf=-1", "200 var=$rU ru=sip:pv@127.0.0.1", "202 Later", "404 Not Found"]);

      const c = await UdpClient.open();
      try {
        // dropped in event_route[core:pre-routing]: no reply; the next request is answered
        c.send(udpPort(s), sipRequest({ port: c.port, ruri: "sip:drop@127.0.0.1" }));
        c.send(udpPort(s), sipRequest({ port: c.port, ruri: "sip:after@127.0.0.1" }));
        const [first] = await c.waitFor(1);
        assert.equal(statusOf(first!).code, 404);
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(c.received.length, 1, "the dropped request got no reply");

        // a reply runs reply_route, where sl_send_reply is not allowed
        c.send(
          udpPort(s),
          "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-x\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\n" +
            "To: <sip:b@127.0.0.1>;tag=2\r\nCall-ID: r1@127.0.0.1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
        );
        const until = Date.now() + 5000;
        while (!logs.some((l) => l.includes("reply_route sl_send_reply gave -1")) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
        assert.ok(logs.some((l) => l.includes("reply_route sl_send_reply gave -1")), logs.join("\n"));
        assert.ok(logs.some((l) => l.includes("ksr.sl.sl_send_reply() cannot be used in reply_route (route kind core_onreply")));
      } finally {
        await c.close();
      }
    }),
  );

  test("an export that is not a route kind stops the start", T, async () => {
    const errs = await startErrors({ file: fixture("bad-export.json") });
    assert.equal(errs.errors.length, 1);
    assert.equal(errs.errors[0]!.code, "SM_CFG_SYNTAX");
    assert.match(errs.errors[0]!.message, /export "requst_route" is not a route kind \(did you mean "request_route"\?\)|export "requst_route" is not a route kind.*request_route/);
  });

  test("a .ts file alone is refused with a hint to name it in plugins.json", T, async () => {
    const errs = await startErrors({ file: fixture("rules.ts") });
    assert.equal(errs.errors[0]!.code, "SM_MANIFEST_NOT_FOUND");
    assert.match(errs.errors[0]!.hint ?? "", /plugins\.json/);
  });
});

describe("the async module from a TypeScript script", () => {
  test("ksr.async.async_route runs the exported route a second later on an async thread; async_sleep has no next action (-1)", T, () =>
    withServer({ file: fixture("async-routes.json") }, async (s) => {
      const c = await UdpClient.open();
      try {
        const t0 = Date.now();
        c.send(udpPort(s), sipRequest({ port: c.port, method: "MESSAGE", ruri: "sip:route@127.0.0.1" }));
        await c.waitFor(1, 5000);
        const took = Date.now() - t0;
        assert.equal(`${statusOf(c.received[0]!).code} ${statusOf(c.received[0]!).reason}`, "404 resumed ts");
        assert.ok(took >= 990 && took < 1500, `took ${took}`);
        c.send(udpPort(s), sipRequest({ port: c.port, method: "MESSAGE", ruri: "sip:sleep@127.0.0.1" }));
        await c.waitFor(2, 5000);
        assert.equal(`${statusOf(c.received[1]!).code} ${statusOf(c.received[1]!).reason}`, "400 sleep rc=-1");
      } finally {
        await c.close();
      }
    }),
  );
});
