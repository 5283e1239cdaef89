import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runRoute, seen, sipMsg } from "./script-helpers.ts";

const REPLY = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nTo: <sip:a@b>;tag=x\r\nFrom: <sip:c@d>;tag=y\r\nCall-ID: 1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

describe("core built-ins: R-URI rewriting", () => {
  test("setuser, sethost, setport, sethostport, prefix, strip, strip_tail, seturi, revert_uri", async () => {
    const r = await runRoute(
      'setuser("bob"); t_log("$ru");\n' +
        'rewritehost("h.example.org"); t_log("$ru");\n' +
        'setport("5090"); t_log("$ru");\n' +
        'setport(""); t_log("$ru");\n' +
        'sethostport("10.1.2.3:5062"); t_log("$ru");\n' +
        'prefix("00"); t_log("$rU");\n' +
        "strip(1); t_log(\"$rU\");\n" +
        "strip_tail(2); t_log(\"$rU\");\n" +
        'seturi("sip:carol@c.net;lr"); t_log("$ru");\n' +
        "revert_uri(); t_log(\"$ru\");\n" +
        'setport("99999"); t_log("rc=$rc $ru");\n' +
        '$var(r) = setport("99999"); t_log("r=$var(r) rc=$rc");',
    );
    assert.deepEqual(seen.logs, [
      "sip:bob@example.com:5070;transport=udp",
      "sip:bob@h.example.org:5070;transport=udp",
      "sip:bob@h.example.org:5090;transport=udp",
      "sip:bob@h.example.org;transport=udp",
      "sip:bob@10.1.2.3:5062;transport=udp",
      "00bob",
      "0bob",
      "0b",
      "sip:carol@c.net;lr",
      "sip:alice@example.com:5070;transport=udp",
      // A core function leaves $rc as it was (1, from t_log), as in Kamailio 5.6; as a value it is -1.
      "rc=1 sip:alice@example.com:5070;transport=udp",
      "r=-1 rc=0",
    ]);
    assert.ok(r.lines.some((l) => /setport\(\): "99999" is not a port/.test(l)));
  });

  test("on a reply they return -1", async () => {
    await runRoute('$var(r) = setuser("x"); t_log("r=$var(r)");', "", { msg: sipMsg(REPLY), block: "request_route" });
    assert.deepEqual(seen.logs, ["r=-1"]);
  });
});
