import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { replyTo, withCfg } from "./support/cfg-server.ts";
import { sipRequest, statusOf, UdpClient } from "./support/sip-client.ts";

const T = { timeout: 60_000 };

const cfg = (uas: number, extra = "") => `
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "tmx.so"
loadmodule "textops.so"
modparam("tm", "fr_timer", 800)
modparam("tm", "fr_inv_timer", 1500)
modparam("tm", "wt_timer", 300)
modparam("tm", "retr_timer1", 100)
modparam("tm", "retr_timer2", 400)
request_route {
  if (!t_check_trans()) { if (is_method("CANCEL")) exit; }
  if ($rU == "fail") t_on_failure("F");
  $du = "sip:127.0.0.1:${uas}";
  ${extra}
  t_relay();
}
failure_route[F] {
  if (t_is_canceled()) exit;
  if ($T_reply_code == 404) {
    $du = "sip:127.0.0.1:${uas}";
    $ru = "sip:second@127.0.0.1";
    t_relay();
    exit;
  }
  t_reply(599, "from failure");
}
`;

describe("tm: stateful relay", () => {
  test("OPTIONS is relayed with tm's Via branch and the 200 comes back with our Via removed", T, async () => {
    const uas = await UdpClient.open();
    const uac = await UdpClient.open();
    try {
      await withCfg(cfg(uas.port), async (_s, _logs, port) => {
        uac.send(port, sipRequest({ port: uac.port, ruri: "sip:bob@127.0.0.1" }));
        const [req] = await uas.waitFor(1);
        assert.match(req!, /^OPTIONS sip:bob@127.0.0.1 SIP\/2.0\r\nVia: SIP\/2.0\/UDP 127.0.0.1:\d+;branch=z9hG4bKsmt[0-9a-f]+\.[0-9a-f]+\.0\r\n/);
        uas.send(port, replyTo(req!, 200, "OK"));
        const [rpl] = await uac.waitFor(1);
        assert.deepEqual(statusOf(rpl!), { code: 200, reason: "OK" });
        assert.equal((rpl!.match(/^Via:/gm) ?? []).length, 1);
      });
    } finally {
      await uas.close();
      await uac.close();
    }
  });
});
