import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { rpcCall } from "../core/rpc/client.ts";
import { sipRequest, UdpClient } from "./support/sip-client.ts";
import { withServer } from "./support/with-server.ts";

const fixture = fileURLToPath(new URL("./fixtures/server/rpc.json", import.meta.url));

test("the server's management endpoint: core methods, a module's stats after traffic, /metrics", { timeout: 60_000 }, () =>
  withServer({ file: fixture }, async (s) => {
    assert.ok(s.rpcUrl !== undefined);
    const mods = (await rpcCall(s.rpcUrl, "core.modules")) as readonly { name: string }[];
    assert.deepEqual(mods.map((m) => m.name), ["sl", "pv", "xlog", "maxfwd"]);
    // sl counts per thread (module state, like Kamailio's per-process stats): compare before and after
    const before = (await rpcCall(s.rpcUrl, "sl.stats")) as { readonly "2xx_replies": number };
    const c = await UdpClient.open();
    try {
      c.send(s.listeners[0]!.port, sipRequest({ port: c.port }));
      await c.waitFor(1);
    } finally {
      await c.close();
    }
    const sl = (await rpcCall(s.rpcUrl, "sl.stats")) as { readonly "2xx_replies": number };
    assert.equal(sl["2xx_replies"] - before["2xx_replies"], 1);
    const metrics = await (await fetch(s.rpcUrl.replace(/\/RPC$/, "/metrics"))).text();
    assert.match(metrics, new RegExp(`^sipmod_sl_2xx_replies(\\{[^}]*\\})? ${sl["2xx_replies"]}$`, "m"));
  }),
);
