import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ctime } from "../modules/pv/pv-time.ts";
import { fakeRcv, runRoute, seen, sipMsg } from "./script-helpers.ts";

const REPLY =
  "SIP/2.0 200 OK Fine\r\n" +
  "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\n" +
  "To: <sip:alice@example.com>;tag=a6c85cf\r\n" +
  "From: <sip:bob@biloxi.com>;tag=1928301774\r\n" +
  "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n" +
  "CSeq: 314159 INVITE\r\n" +
  "Content-Length: 0\r\n\r\n";

describe("pv: message pseudo-variables", () => {
  test("request line, From, To, headers, body, source", async () => {
    const r = await runRoute(
      't_log("$ru|$rU|$rd|$rp|$rm|$rs|$rr");\n' +
        't_log("$ci|$cs|$fu|$fU|$fd|$ft|$fn");\n' +
        't_log("$tu|$tU|$td|$tt|$tn|$ua");\n' +
        't_log("$hdr(Call-ID)|$hdr(call-id)|$hdr(X-Multi)|$(hdr(X-Multi)[1])|$(hdr(X-Multi)[-1])|$(hdr(X-Multi)[*])|$hdr(X-None)|$(hdr(X-Multi)[5])");\n' +
        't_log("$rb|$ml|$si|$sp|$Ri|$Rp|$pr|$du|$null");\n' +
        '$var(cs) = $cs + 1; $var(sp) = $sp + 1; $var(rp) = $rp + 1;',
    );
    assert.deepEqual(seen.logs, [
      "sip:alice@example.com:5070;transport=udp|alice|example.com|5070|INVITE|<null>|<null>",
      // $fn and $tn keep the quotes, as in Kamailio 5.6
      'a84b4c76e66710@pc33.atlanta.com|314159|sip:bob@biloxi.com|bob|biloxi.com|1928301774|"Bob"',
      'sip:alice@example.com|alice|example.com|<null>|"Alice"|test-ua/1.0',
      "a84b4c76e66710@pc33.atlanta.com|a84b4c76e66710@pc33.atlanta.com|one|two|two|one,two|<null>|<null>",
      `hello|${r.ctx.msg.buf.length}|10.0.0.1|5060|127.0.0.1|5080|udp|<null>|<null>`,
    ]);
    // numeric pseudo-variables are ints
    assert.equal(r.engine.vars.get("cs"), 314160);
    assert.equal(r.engine.vars.get("sp"), 5061);
    assert.equal(r.engine.vars.get("rp"), 5071);
  });

  test("a reply: status, reason, method from CSeq, no R-URI", async () => {
    await runRoute('t_log("$rs|$rr|$rm|$ru|$rU|$tt");', "", { msg: sipMsg(REPLY) });
    assert.deepEqual(seen.logs, ["200|OK Fine|INVITE|<null>|<null>|a6c85cf"]);
  });

  test("$ru, $rU, $rd, $rp, $du are writable; the message sent carries the change", async () => {
    const r = await runRoute(
      '$rU = "carol"; t_log("$ru");\n' +
        '$rd = "x.org"; $rp = 5080; t_log("$ru|$rU|$rd|$rp");\n' +
        '$rp = $null; t_log("$ru|$rp");\n' +
        '$rU = $null; t_log("$ru");\n' +
        '$ru = "sip:dave@y.net;lr"; t_log("$ru|$rU");\n' +
        '$ru = "not a uri"; t_log("rc after bad assignment: $ru");\n' +
        '$du = "sip:10.1.1.1:5090;transport=tcp"; t_log("$du");\n' +
        '$du = $null; t_log("$du");',
    );
    assert.deepEqual(seen.logs, [
      "sip:carol@example.com:5070;transport=udp",
      "sip:carol@x.org:5080;transport=udp|carol|x.org|5080",
      "sip:carol@x.org;transport=udp|5060",
      "sip:x.org;transport=udp",
      "sip:dave@y.net;lr|dave",
      "rc after bad assignment: sip:dave@y.net;lr",
      "sip:10.1.1.1:5090;transport=tcp",
      "<null>",
    ]);
    assert.ok(r.ctx.msg.serialize().toString().startsWith("INVITE sip:dave@y.net;lr SIP/2.0\r\n"));
    assert.ok(r.lines.some((l) => /assignment to \$ru .* failed: \$ru: "not a uri"/.test(l)));
  });

  test("time: receive time as $Ts and $Tf, current time as $TV", async () => {
    const rcv = fakeRcv();
    const r = await runRoute('$var(ts) = $Ts; t_log("$Tf"); $var(s1) = $TV(s); $var(u1) = $TV(u); $var(u2) = $TV(u); t_log("$TV(Sn)"); $var(sn) = $TV(sn);');
    assert.equal(r.engine.vars.get("ts"), Math.floor(rcv.time / 1000));
    assert.deepEqual(seen.logs[0], ctime(rcv.time));
    assert.match(seen.logs[0]!, /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 1-3][0-9] \d\d:\d\d:\d\d \d{4}$/);
    const now = Math.floor(Date.now() / 1000);
    const s1 = r.engine.vars.get("s1") as number;
    assert.ok(Math.abs(s1 - now) <= 2);
    assert.equal(r.engine.vars.get("u1"), r.engine.vars.get("u2"));
    assert.match(seen.logs[1]!, /^\d{10}\.\d{6}$/);
    assert.ok(Math.abs((r.engine.vars.get("sn") as number) - now) <= 2);
  });

  test("a pseudo-variable whose name holds pseudo-variables (parse tools from the binder)", async () => {
    await runRoute('t_log("$tfmt(user=$rU from $(fu{s.len}))");');
    assert.deepEqual(seen.logs, ["user=alice from 18"]);
  });

  test("ctime pads the day with a space", () => {
    const d = new Date(2026, 0, 5, 7, 8, 9);
    assert.equal(ctime(d.getTime()), `${["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getDay()]} Jan  5 07:08:09 2026`);
  });
});
