import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { tableNamed } from "../modules/htable/tables.ts";
import { sipRequest, statusOf, UdpClient } from "./support/sip-client.ts";
import { withServer } from "./support/with-server.ts";

const manifest = fileURLToPath(new URL("./fixtures/htable/plugins.json", import.meta.url));
const T = { timeout: 60_000 };

describe("htable in the running server", () => {
  test("counters and an expiring ban list; the group workers boot on the shared tables", T, () =>
    withServer({ file: manifest }, async (s, logs) => {
      const port = s.listeners.find((l) => l.proto === "udp")!.port;
      const c = await UdpClient.open();
      const ask = async (opts: Parameters<typeof sipRequest>[0]) => {
        const n = c.received.length;
        c.send(port, sipRequest(opts));
        return statusOf((await c.waitFor(n + 1))[n]!);
      };
      try {
        assert.deepEqual(await ask({ port: c.port }), { code: 200, reason: "method OPTIONS number 1 of 1 method(s)" });
        assert.deepEqual(await ask({ port: c.port }), { code: 200, reason: "method OPTIONS number 2 of 1 method(s)" });
        assert.deepEqual(await ask({ port: c.port, method: "INFO" }), { code: 200, reason: "method INFO number 1 of 2 method(s)" });
        assert.deepEqual(await ask({ port: c.port, ruri: "sip:ban@127.0.0.1" }), { code: 200, reason: "banned" });
        assert.deepEqual(await ask({ port: c.port }), { code: 403, reason: "banned for 1 s" });
        // the ban expires after 1 s; the sweep (every second) then removes the item
        await new Promise((r) => setTimeout(r, 2500));
        assert.deepEqual(await ask({ port: c.port }), { code: 200, reason: "method OPTIONS number 3 of 2 method(s)" });
        assert.equal(tableNamed("ipban")!.stats().items, 0);
        assert.equal(tableNamed("calls")!.get("OPTIONS"), 3);
        // both workers of group "hw" attached the tables in childInit (a failure stops start-up)
        assert.ok(!logs.some((l) => /htable/.test(l) && /ERROR|WARN/.test(l)), logs.join("\n"));
      } finally {
        await c.close();
      }
    }),
  );
});
