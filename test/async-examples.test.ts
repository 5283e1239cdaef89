import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { sipRequest, statusOf, tcpExchange, UdpClient } from "./support/sip-client.ts";
import { withServer } from "./support/with-server.ts";

/**
 * The async module's documented examples (1.1 workers=2, 1.2 async_route("RESUME", "4"), 1.3
 * async_sleep("4")) as written in examples/async/async.cfg, over UDP and TCP: each request is
 * answered `404 Not found` four seconds after it arrived (an INVITE gets `100 Trying` at once).
 */
const T = { timeout: 60_000 };
const file = fileURLToPath(new URL("../examples/async/async.cfg", import.meta.url));
const listen = ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"];

const withExample = <A>(body: (udp: number, tcp: number) => Promise<A>): Promise<A> =>
  withServer({ file, listen }, (s) =>
    body(s.listeners.find((l) => l.proto === "udp")!.port, s.listeners.find((l) => l.proto === "tcp")!.port),
  );

const firstLines = (msgs: readonly string[]) => msgs.map((m) => m.split("\r\n")[0]);

describe("examples/async/async.cfg (the seed's examples 1.1-1.3)", () => {
  test("UDP and TCP: async_route and async_sleep answer 404 after 4 s; an INVITE gets 100 at once", T, async () => {
    await withExample(async (port, tcpPort) => {
      const c = await UdpClient.open();
      try {
        const t0 = Date.now();
        const overTcp = Promise.all([
          tcpExchange(tcpPort, sipRequest({ method: "MESSAGE", port: tcpPort, transport: "TCP", ruri: "sip:route@127.0.0.1" }), (g) => /SIP\/2\.0 404/.test(g)),
          tcpExchange(tcpPort, sipRequest({ method: "MESSAGE", port: tcpPort, transport: "TCP", ruri: "sip:sleep@127.0.0.1" }), (g) => /SIP\/2\.0 404/.test(g)),
        ]).then((r) => ({ r, took: Date.now() - t0 }));
        c.send(port, sipRequest({ method: "MESSAGE", port: c.port, ruri: "sip:route@127.0.0.1", callId: "ex-route" }));
        c.send(port, sipRequest({ method: "INVITE", port: c.port, ruri: "sip:sleep@127.0.0.1", callId: "ex-sleep" }));
        await c.waitFor(1, 3000);
        assert.equal(statusOf(c.received[0]!).code, 100, `first: ${firstLines(c.received)}`);
        assert.ok(Date.now() - t0 < 1500, "the 100 comes at once");
        await c.waitFor(3, 8000);
        const took = Date.now() - t0;
        const finals = c.received.filter((m) => statusOf(m).code >= 200);
        assert.deepEqual(finals.map((m) => `${statusOf(m).code} ${statusOf(m).reason}`), ["404 Not found", "404 Not found"]);
        assert.ok(took >= 3900 && took < 5500, `UDP: answered after ${took} ms`);
        const tcp = await overTcp;
        for (const got of tcp.r) assert.match(got, /^SIP\/2\.0 404 Not found/m);
        assert.ok(tcp.took >= 3900 && tcp.took < 5500, `TCP: answered after ${tcp.took} ms`);
      } finally {
        await c.close();
      }
    });
  });
});
