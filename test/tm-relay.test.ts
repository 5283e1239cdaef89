import { describe, test } from "node:test";
import { lookup } from "node:dns/promises";
import { createServer, type Socket } from "node:net";
import assert from "node:assert/strict";
import { rpcCall } from "../core/rpc/client.ts";
import { replyTo, withCfg } from "./support/cfg-server.ts";
import { sipRequest, statusOf, tcpExchange, UdpClient } from "./support/sip-client.ts";

const T = { timeout: 60_000 };
const localhostIp = (await lookup("localhost")).address;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A cfg relaying everything to the UAS, with short timers; user "fail" arms failure_route[F]. */
const cfg = (uas: number, extra = "") => `
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "xlog.so"
modparam("tm", "fr_timer", 800)
modparam("tm", "fr_inv_timer", 1200)
modparam("tm", "wt_timer", 300)
modparam("tm", "retr_timer1", 100)
modparam("tm", "retr_timer2", 400)
request_route {
  if (!t_check_trans()) { if (is_method("CANCEL")) exit; }
  if ($rU == "fail") t_on_failure("F");
  if ($rU == "reply") t_on_failure("R");
  if ($rU == "flow") t_on_branch_failure("BF");
  $du = "sip:127.0.0.1:${uas}";
  ${extra}
  t_relay();
}
failure_route[F] {
  if (t_is_canceled()) exit;
  if ($T_reply_code == 404) {
    $ru = "sip:second@127.0.0.1";
    $du = "sip:127.0.0.1:${uas}";
    t_relay();
    exit;
  }
}
event_route[tm:branch-failure:BF] {
  xlog("L_INFO", "branch $T_branch_idx failed with $T_reply_code\n");
  if ($T_reply_code == 430) t_reuse_branch();
}
failure_route[R] {
  $var(r) = "from failure " + $T_reply_code;
  t_reply(599, "$var(r)");
}
`;

/** Two UDP peers (UAC, UAS) and a server on `cfg(uas.port)`. */
const relayCase = (make: (uas: number) => string, body: (uac: UdpClient, uas: UdpClient, port: number, url: string) => Promise<void>) =>
  async () => {
    const uas = await UdpClient.open();
    const uac = await UdpClient.open();
    try {
      await withCfg(make(uas.port), (s, _logs, port) => body(uac, uas, port, s.rpcUrl ?? ""));
    } finally {
      await uas.close();
      await uac.close();
    }
  };

const invite = (port: number, user = "bob", branch = `z9hG4bK-${Math.random().toString(36).slice(2)}`) =>
  sipRequest({ method: "INVITE", port, ruri: `sip:${user}@127.0.0.1`, branch, callId: `inv-${branch}` });

/** The ACK a UAC sends for a negative final reply (same branch as the INVITE, To tag of the reply). */
const ackFor = (inv: string, reply: string): string => {
  const to = reply.split("\r\n").find((l) => /^To:/i.test(l))!;
  const lines = inv.split("\r\n");
  const keep = (re: RegExp) => lines.filter((l) => re.test(l));
  const ruri = lines[0]!.split(" ")[1];
  return [
    `ACK ${ruri} SIP/2.0`,
    ...keep(/^Via:/i),
    ...keep(/^From:/i),
    to,
    ...keep(/^Call-ID:/i),
    keep(/^CSeq:/i)[0]!.replace("INVITE", "ACK"),
    "Max-Forwards: 70",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
};

const codes = (msgs: readonly string[]) => msgs.filter((m) => m.startsWith("SIP/2.0")).map((m) => statusOf(m).code);
const requestsIn = (msgs: readonly string[], method: string) => msgs.filter((m) => m.startsWith(`${method} `));

describe("tm: stateful relay", () => {
  test(
    "OPTIONS is relayed with tm's Via branch and the 200 comes back with our Via removed",
    T,
    relayCase(cfg, async (uac, uas, port) => {
      uac.send(port, sipRequest({ port: uac.port, ruri: "sip:bob@127.0.0.1" }));
      const [req] = await uas.waitFor(1);
      assert.match(req!, /^OPTIONS sip:bob@127.0.0.1 SIP\/2.0\r\nVia: SIP\/2.0\/UDP 127.0.0.1:\d+;branch=z9hG4bKsmt[0-9a-f]+\.[0-9a-f]+\.0\r\n/);
      uas.send(port, replyTo(req!, 200, "OK"));
      const [rpl] = await uac.waitFor(1);
      assert.deepEqual(statusOf(rpl!), { code: 200, reason: "OK" });
      assert.equal((rpl!.match(/^Via:/gm) ?? []).length, 1);
    }),
  );

  test(
    "INVITE: automatic 100, the UAS's 100 stays hop by hop, 180 and 200 relayed, the ACK for 2xx goes on end to end",
    T,
    relayCase(cfg, async (uac, uas, port) => {
      const inv = invite(uac.port);
      uac.send(port, inv);
      const [r100] = await uac.waitFor(1);
      assert.deepEqual(statusOf(r100!), { code: 100, reason: "trying -- your call is important to us" });
      const [req] = await uas.waitFor(1);
      uas.send(port, replyTo(req!, 100, "Trying"));
      uas.send(port, replyTo(req!, 180, "Ringing"));
      uas.send(port, replyTo(req!, 200, "OK"));
      await uac.waitFor(3);
      await sleep(100);
      assert.deepEqual(codes(uac.received), [100, 180, 200]);
      const ok = uac.received[2]!;
      // the end-to-end ACK (new branch) is relayed statelessly
      const ack = ackFor(inv, ok).replace(/branch=[^;\r\n]+/, "branch=z9hG4bK-e2e-ack");
      uac.send(port, ack);
      await uas.waitFor(2);
      assert.equal(requestsIn(uas.received, "ACK").length, 1);
    }),
  );

  test(
    "a silent UAS: the non-INVITE is retransmitted with T1 doubling to T2, then 408 after fr_timer",
    T,
    relayCase(cfg, async (uac, uas, port) => {
      uac.send(port, sipRequest({ port: uac.port, method: "MESSAGE", ruri: "sip:bob@127.0.0.1" }));
      const [r] = await uac.waitFor(1, 5000);
      assert.deepEqual(statusOf(r!), { code: 408, reason: "Request Timeout" });
      // 800 ms with T1=100, T2=400: sent at 0, 100, 300, 700 => 4 copies
      const n = requestsIn(uas.received, "MESSAGE").length;
      assert.ok(n >= 3 && n <= 5, `the UAS got ${n} copies`);
      const branches = new Set(requestsIn(uas.received, "MESSAGE").map((m) => /branch=([^;\r\n]+)/.exec(m)![1]));
      assert.equal(branches.size, 1);
    }),
  );

  test(
    "a silent UAS: the INVITE is retransmitted (timer A) until fr_timer, then 408, and no CANCEL (nothing to cancel)",
    T,
    relayCase(cfg, async (uac, uas, port) => {
      uac.send(port, invite(uac.port));
      await uac.waitFor(2, 5000);
      assert.deepEqual(codes(uac.received), [100, 408]);
      const n = requestsIn(uas.received, "INVITE").length;
      assert.ok(n >= 3 && n <= 5, `the UAS got ${n} copies`);
      assert.equal(requestsIn(uas.received, "CANCEL").length, 0);
    }),
  );

  test(
    "a request that came over TCP: relayed over UDP, the reply goes back on the TCP connection",
    T,
    async () => {
      const uas = await UdpClient.open();
      try {
        await withCfg(
          cfg(uas.port),
          async (s) => {
            const tcp = s.listeners.find((l) => l.proto === "tcp")!.port;
            const answer = (async () => {
              const [req] = await uas.waitFor(1);
              uas.send(s.listeners.find((l) => l.proto === "udp")!.port, replyTo(req!, 200, "OK"));
            })();
            const got = await tcpExchange(tcp, sipRequest({ port: 5999, transport: "TCP", ruri: "sip:bob@127.0.0.1" }), (g) => g.includes("\r\n\r\n"));
            await answer;
            assert.equal(statusOf(got).code, 200);
            assert.match(uas.received[0]!, /^OPTIONS sip:bob@127.0.0.1 SIP\/2.0\r\nVia: SIP\/2.0\/UDP /);
          },
          ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"],
        );
      } finally {
        await uas.close();
      }
    },
  );

  test(
    "INVITE with a 180 and no final reply: CANCEL downstream after fr_inv_timer, 408 upstream",
    T,
    relayCase(cfg, async (uac, uas, port) => {
      uac.send(port, invite(uac.port));
      const [req] = await uas.waitFor(1);
      uas.send(port, replyTo(req!, 180, "Ringing"));
      await uac.waitFor(3, 5000);
      assert.deepEqual(codes(uac.received), [100, 180, 408]);
      await uas.waitFor(2, 3000);
      const cancel = requestsIn(uas.received, "CANCEL")[0];
      assert.ok(cancel !== undefined, "a CANCEL reached the UAS");
      assert.equal(/branch=([^;\r\n]+)/.exec(cancel)![1], /branch=([^;\r\n]+)/.exec(req!)![1]);
      assert.match(cancel, /CSeq: 1 CANCEL\r\n/);
    }),
  );

  test(
    "failure_route serial forking: 404 on the first branch (ACKed hop by hop), the second branch's 200 goes upstream",
    T,
    relayCase(cfg, async (uac, uas, port) => {
      uac.send(port, invite(uac.port, "fail"));
      const [first] = await uas.waitFor(1);
      uas.send(port, replyTo(first!, 404, "Not Here", "u1"));
      await uas.waitFor(3); // ACK for the 404, then the second INVITE
      const ack = requestsIn(uas.received, "ACK")[0]!;
      assert.match(ack, /To: <sip:service@127.0.0.1>;tag=u1/);
      const second = requestsIn(uas.received, "INVITE")[1]!;
      assert.match(second, /^INVITE sip:second@127.0.0.1 SIP\/2.0/);
      assert.match(second, /branch=z9hG4bKsmt[0-9a-f]+\.[0-9a-f]+\.1\r\n/);
      uas.send(port, replyTo(second, 200, "OK", "u2"));
      await uac.waitFor(2);
      assert.deepEqual(codes(uac.received), [100, 200]);
    }),
  );

  test(
    "event_route[tm:branch-failure]: t_reuse_branch sends a new branch to the same place after a 430",
    T,
    relayCase(cfg, async (uac, uas, port) => {
      uac.send(port, invite(uac.port, "flow"));
      const [first] = await uas.waitFor(1);
      uas.send(port, replyTo(first!, 430, "Flow Failed", "u1"));
      await uas.waitFor(3);
      const second = requestsIn(uas.received, "INVITE")[1]!;
      assert.match(second, /^INVITE sip:flow@127.0.0.1 SIP\/2.0/);
      assert.match(second, /branch=z9hG4bKsmt[0-9a-f]+\.[0-9a-f]+\.1\r\n/);
      uas.send(port, replyTo(second, 200, "OK", "u2"));
      await uac.waitFor(2);
      assert.deepEqual(codes(uac.received), [100, 200]);
    }),
  );

  test(
    "a failure_route that replies: its reply goes upstream and the negative reply is resent until the ACK",
    T,
    relayCase(cfg, async (uac, uas, port) => {
      const inv = invite(uac.port, "reply");
      uac.send(port, inv);
      const [req] = await uas.waitFor(1);
      uas.send(port, replyTo(req!, 486, "Busy Here"));
      await uac.waitFor(3, 3000); // 100, 599, and at least one retransmission of the 599
      const finals = uac.received.filter((m) => statusOf(m).code === 599);
      assert.ok(finals.length >= 2);
      assert.equal(statusOf(finals[0]!).reason, "from failure 486");
      uac.send(port, ackFor(inv, finals[0]!));
      await sleep(500);
      const before = uac.received.length;
      await sleep(600);
      assert.equal(uac.received.length, before, "no more retransmissions after the ACK");
      assert.equal(requestsIn(uas.received, "ACK").length, 1, "only tm's own ACK for the 486 reached the UAS");
    }),
  );

  test(
    "CANCEL of a ringing INVITE: CANCEL on the branch, 200 canceling, the UAS's 487 relayed and its ACK absorbed",
    T,
    relayCase(cfg, async (uac, uas, port) => {
      const inv = invite(uac.port);
      uac.send(port, inv);
      const [req] = await uas.waitFor(1);
      uas.send(port, replyTo(req!, 180, "Ringing"));
      await uac.waitFor(2);
      const cancel = inv.replace(/^INVITE /, "CANCEL ").replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL");
      uac.send(port, cancel);
      await uas.waitFor(2);
      const down = requestsIn(uas.received, "CANCEL")[0]!;
      uac.received.length >= 3 || (await uac.waitFor(3));
      assert.deepEqual(statusOf(uac.received[2]!), { code: 200, reason: "canceling" });
      uas.send(port, replyTo(down, 200, "OK"));
      uas.send(port, replyTo(req!, 487, "Request Terminated"));
      await uac.waitFor(4);
      assert.deepEqual(codes(uac.received), [100, 180, 200, 487]);
      uac.send(port, ackFor(inv, uac.received[3]!));
      await sleep(300);
      assert.equal(requestsIn(uas.received, "ACK").length, 1, "the UAS got tm's ACK for its 487 only");
    }),
  );

  test(
    "CANCEL before any reply from the UAS: the branch ends with 487 Request Terminated, the CANCEL gets 200 canceling",
    T,
    relayCase(cfg, async (uac, uas, port) => {
      const inv = invite(uac.port);
      uac.send(port, inv);
      await uas.waitFor(1);
      await uac.waitFor(1);
      uac.send(port, inv.replace(/^INVITE /, "CANCEL ").replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL"));
      await uac.waitFor(3);
      const got = uac.received.map((m) => `${statusOf(m).code} ${statusOf(m).reason}`);
      assert.deepEqual(got, ["100 trying -- your call is important to us", "487 Request Terminated", "200 canceling"]);
    }),
  );

  test(
    "a retransmitted request is absorbed by t_check_trans: the UAS sees tm's copies only, the UAC gets the final again",
    T,
    relayCase(cfg, async (uac, uas, port) => {
      const req = sipRequest({ port: uac.port, method: "MESSAGE", ruri: "sip:bob@127.0.0.1", branch: "z9hG4bK-retr-1" });
      uac.send(port, req);
      const [down] = await uas.waitFor(1);
      uac.send(port, req);
      await sleep(50);
      uas.send(port, replyTo(down!, 202, "Accepted"));
      await uac.waitFor(1);
      uac.send(port, req);
      await uac.waitFor(2);
      assert.deepEqual(codes(uac.received), [202, 202]);
      const branches = new Set(requestsIn(uas.received, "MESSAGE").map((m) => /branch=([^;\r\n]+)/.exec(m)![1]));
      assert.equal(branches.size, 1);
    }),
  );

  test(
    "an RFC 2543 client (no magic cookie in its branch): its retransmission still matches the transaction",
    T,
    relayCase(cfg, async (uac, uas, port) => {
      const req = sipRequest({ port: uac.port, method: "MESSAGE", ruri: "sip:bob@127.0.0.1", branch: "old-2543-1" });
      uac.send(port, req);
      const [down] = await uas.waitFor(1);
      uas.send(port, replyTo(down!, 200, "OK"));
      await uac.waitFor(1);
      uac.send(port, req);
      await uac.waitFor(2);
      assert.deepEqual(codes(uac.received), [200, 200]);
      assert.equal(requestsIn(uas.received, "MESSAGE").length, 1, "the retransmission was answered from the transaction");
    }),
  );

  test(
    "a branch over TCP: relayed with a TCP Via, no retransmissions on the stream, the reply comes back on the connection",
    T,
    async () => {
      const got: string[] = [];
      const conns: Socket[] = [];
      let answer = true;
      const server = createServer((c) => {
        conns.push(c);
        let buf = "";
        c.on("data", (d) => {
          buf += d.toString("latin1");
          let end: number;
          while ((end = buf.indexOf("\r\n\r\n")) >= 0) {
            const msg = buf.slice(0, end + 4);
            buf = buf.slice(end + 4);
            got.push(msg);
            if (answer) c.write(replyTo(msg, 200, "OK"));
          }
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const tcpUas = (server.address() as { port: number }).port;
      const uac = await UdpClient.open();
      try {
        await withCfg(cfg(0).replace('$du = "sip:127.0.0.1:0";', `$du = "sip:127.0.0.1:${tcpUas};transport=tcp";`), async (_s, _l, port) => {
          uac.send(port, sipRequest({ port: uac.port, ruri: "sip:bob@127.0.0.1" }));
          await uac.waitFor(1);
          assert.equal(statusOf(uac.received[0]!).code, 200);
          assert.match(got[0]!, /^OPTIONS sip:bob@127.0.0.1 SIP\/2.0\r\nVia: SIP\/2.0\/TCP 127.0.0.1:\d+;branch=z9hG4bKsmt/);
          // a silent TCP peer: one copy only (no retransmission on a stream), 408 after fr_timer
          answer = false;
          uac.send(port, sipRequest({ port: uac.port, method: "MESSAGE", ruri: "sip:bob@127.0.0.1" }));
          await uac.waitFor(2, 5000);
          assert.deepEqual(statusOf(uac.received[1]!), { code: 408, reason: "Request Timeout" });
          assert.equal(got.filter((m) => m.startsWith("MESSAGE ")).length, 1);
        }, ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"]);
      } finally {
        for (const c of conns) c.destroy();
        await new Promise<void>((r) => server.close(() => r()));
        await uac.close();
      }
    },
  );

  test(
    "t_precheck_trans: a copy that arrives while the first is still being routed (waiting for DNS) is told apart",
    // the first copy waits for the resolver on "localhost", which must give the UAS's address
    { ...T, skip: localhostIp === "127.0.0.1" ? false : "localhost does not resolve to 127.0.0.1 here" },
    relayCase(
      (uas) => `
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "pv.so"
request_route {
  if (t_precheck_trans()) {
    sl_send_reply(482, "Copy In Progress");
    exit;
  }
  $du = "sip:localhost:${uas}";
  t_relay();
}
`,
      async (uac, uas, port) => {
        const req = sipRequest({ port: uac.port, method: "MESSAGE", ruri: "sip:bob@127.0.0.1", branch: "z9hG4bK-pre-1" });
        uac.send(port, req);
        uac.send(port, req);
        const [down] = await uas.waitFor(1);
        await uac.waitFor(1);
        assert.deepEqual(statusOf(uac.received[0]!), { code: 482, reason: "Copy In Progress" });
        uas.send(port, replyTo(down!, 200, "OK"));
        await uac.waitFor(2);
        assert.equal(statusOf(uac.received[1]!).code, 200);
        assert.equal(requestsIn(uas.received, "MESSAGE").length, 1);
      },
    ),
  );

  test(
    "tm.stats counts transactions and replies by class",
    T,
    relayCase(cfg, async (uac, uas, port, url) => {
      uac.send(port, sipRequest({ port: uac.port, ruri: "sip:bob@127.0.0.1" }));
      const [req] = await uas.waitFor(1);
      uas.send(port, replyTo(req!, 200, "OK"));
      await uac.waitFor(1);
      const st = (await rpcCall(url, "tm.stats")) as Record<string, number>;
      assert.equal(st.total, 1);
      assert.equal(st["2xx"], 1);
      assert.equal(st.rpl_relayed, 1);
      const list = (await rpcCall(url, "tm.list")) as readonly { method: string }[];
      assert.ok(list.length <= 1);
    }),
  );
});

const localCfg = `
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "htable.so"
modparam("htable", "htable", "p=>size=4")
modparam("tm", "fr_timer", 1000)
modparam("tm", "wt_timer", 300)
modparam("tm", "retr_timer1", 100)
modparam("tm", "retr_timer2", 400)
request_route {
  if ($rU == "newtran") { t_newtran(); exit; }
  if ($rU == "stateful") { t_newtran(); send_reply(404, "Stateful"); exit; }
  if ($rU == "park") {
    t_on_failure("PF");
    t_suspend();
    $sht(p=>idx) = $T(id_index);
    $sht(p=>lbl) = $T(id_label);
    exit;
  }
  if ($rU == "short") {
    t_set_fr(0, 300);
    t_on_failure("PF");
    t_suspend();
    exit;
  }
  if ($rU == "wake") {
    if (t_continue("$sht(p=>idx)", "$sht(p=>lbl)", "RESUME")) { send_reply(200, "woken"); } else { send_reply(500, "not woken"); }
    exit;
  }
  if ($rU == "wakesilent") {
    t_continue("$sht(p=>idx)", "$sht(p=>lbl)", "SILENT");
    send_reply(200, "woken");
    exit;
  }
  sl_send_reply(404, "Not here");
}
route[RESUME] {
  xlog("L_INFO", "resumed in $rm $rU type\n");
  t_reply(480, "Woken Up");
}
route[SILENT] {
  xlog("L_INFO", "resumed and said nothing\n");
}
failure_route[PF] {
  xlog("L_INFO", "failure route code=$T_reply_code\n");
}
`;

describe("tm: local transactions, suspend and continue", () => {
  const local = (body: (c: UdpClient, port: number) => Promise<void>) => async () => {
    const c = await UdpClient.open();
    try {
      await withCfg(`loadmodule "xlog.so"\n${localCfg}`, (_s, _l, port) => body(c, port));
    } finally {
      await c.close();
    }
  };

  test(
    "a transaction left without a reply by request_route gets 500 (1/TM)",
    T,
    local(async (c, port) => {
      c.send(port, sipRequest({ port: c.port, method: "MESSAGE", ruri: "sip:newtran@127.0.0.1" }));
      const [r] = await c.waitFor(1);
      assert.deepEqual(statusOf(r!), { code: 500, reason: "I'm terribly sorry, server error occurred (1/TM)" });
    }),
  );

  test(
    "send_reply is stateful with a transaction: a retransmission gets the same reply from tm",
    T,
    local(async (c, port) => {
      const req = sipRequest({ port: c.port, method: "MESSAGE", ruri: "sip:stateful@127.0.0.1", branch: "z9hG4bK-st-1" });
      c.send(port, req);
      await c.waitFor(1);
      c.send(port, req);
      await c.waitFor(2);
      assert.equal(c.received[0], c.received[1]);
      assert.deepEqual(statusOf(c.received[0]!), { code: 404, reason: "Stateful" });
    }),
  );

  test(
    "park and wake: t_suspend in an INVITE, t_continue from a MESSAGE runs RESUME; the parked INVITE's retransmission is absorbed",
    T,
    local(async (c, port) => {
      const park = sipRequest({ port: c.port, method: "INVITE", ruri: "sip:park@127.0.0.1", branch: "z9hG4bK-park-1" });
      c.send(port, park);
      await c.waitFor(1);
      assert.deepEqual(statusOf(c.received[0]!), { code: 100, reason: "trying -- your call is important to us" });
      c.send(port, park); // retransmission while suspended: the 100 again, no second suspend
      await c.waitFor(2);
      assert.equal(statusOf(c.received[1]!).code, 100);
      c.send(port, sipRequest({ port: c.port, method: "MESSAGE", ruri: "sip:wake@127.0.0.1" }));
      await c.waitFor(4);
      const got = c.received.slice(2).map((m) => `${statusOf(m).code} ${statusOf(m).reason}`);
      assert.deepEqual(got, ["480 Woken Up", "200 woken"]);
    }),
  );

  test(
    "a resumed route that does not reply: 500 (1/TM) for the parked request",
    T,
    local(async (c, port) => {
      c.send(port, sipRequest({ port: c.port, method: "MESSAGE", ruri: "sip:park@127.0.0.1" }));
      await sleep(100);
      c.send(port, sipRequest({ port: c.port, method: "MESSAGE", ruri: "sip:wakesilent@127.0.0.1" }));
      await c.waitFor(2);
      const got = c.received.map((m) => `${statusOf(m).code} ${statusOf(m).reason}`);
      assert.deepEqual(got, ["500 I'm terribly sorry, server error occurred (1/TM)", "200 woken"]);
    }),
  );

  test(
    "a suspension ends at fr_timer (t_set_fr): failure_route runs, 408 upstream, a later t_continue does not resume",
    T,
    local(async (c, port) => {
      c.send(port, sipRequest({ port: c.port, method: "INVITE", ruri: "sip:short@127.0.0.1" }));
      await c.waitFor(2, 3000);
      assert.deepEqual(
        c.received.map((m) => statusOf(m).code),
        [100, 408],
      );
    }),
  );
});

