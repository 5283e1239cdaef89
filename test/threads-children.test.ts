import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { keyRank } from "../core/process/key-hash.ts";
import { rpcCall } from "../core/rpc/client.ts";
import { replyTo, withCfg as withCfgUnchecked } from "./support/cfg-server.ts";
import { sipRequest, statusOf, tcpExchange, UdpClient } from "./support/sip-client.ts";
import { startErrors } from "./support/with-server.ts";
import { tempDir, writeManifest } from "./fixtures/manifest/helpers.ts";

/**
 * children=2: two receiver threads route what the main thread receives. Call-IDs are chosen so
 * that each test reaches the receiver it means (rank r = process id r + 1).
 */
const T = { timeout: 90_000 };
// Every message between the threads of these servers is decoded with the protocol's Schemas; one
// that does not conform is logged as SM_THREAD_PROTOCOL (checked at the end of each server below).
process.env["SIPMOD_CHECK_PROTOCOL"] = "1";
const probe = fileURLToPath(new URL("./fixtures/threads/threadprobe.ts", import.meta.url));
/** withCfg, failing when any thread logged a message that broke the thread protocol. */
const withCfg: typeof withCfgUnchecked = (cfg, body, listen) =>
  withCfgUnchecked(
    cfg,
    async (s, logs, port) => {
      const r = await body(s, logs, port);
      const bad = logs.filter((l) => l.includes("SM_THREAD_PROTOCOL"));
      assert.deepEqual(bad, [], "thread protocol violations");
      return r;
    },
    listen,
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Call-ID that the main thread hands to receiver `rank` of 2. */
const callIdFor = (rank: number, prefix: string): string => {
  for (let i = 0; ; i++) {
    const c = `${prefix}-${i}@127.0.0.1`;
    if (keyRank(c, 2) === rank) return c;
  }
};
const sipCallId = (c: string) => c.replace(/@127\.0\.0\.1$/, "");

const codes = (msgs: readonly string[]) => msgs.filter((m) => m.startsWith("SIP/2.0")).map((m) => statusOf(m).code);
const requestsIn = (msgs: readonly string[], method: string) => msgs.filter((m) => m.startsWith(`${method} `));

/** Two receivers, sl, pv and the probe module. */
const slHead = `
children=2
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "${probe}"`;

/** Two receivers, tm with short timers, the probe module. */
const tmHead = `
children=2
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "${probe}"
modparam("tm", "fr_timer", 3000)
modparam("tm", "retr_timer1", 200)
`;

const relayCfg = (uas: number) => `${tmHead}
modparam("tm", "fr_inv_timer", 4000)
modparam("tm", "wt_timer", 500)
modparam("tm", "retr_timer2", 800)
request_route {
  if (!t_check_trans()) { if (is_method("CANCEL")) exit; }
  if ($rU == "park") {
    t_suspend();
    $shv(idx) = $T(id_index);
    $shv(lbl) = $T(id_label);
    $shv(owner) = $proc;
    exit;
  }
  if ($rU == "wake") {
    t_continue("$shv(idx)", "$shv(lbl)", "RESUME");
    sl_send_reply("200", "woke $rc on $proc");
    exit;
  }
  $du = "sip:127.0.0.1:${uas}";
  t_relay();
}
route[RESUME] {
  $var(r) = "resumed on " + $proc;
  t_reply("404", "$var(r)");
}
`;

const invite = (port: number, callId: string, user = "bob", branch = `z9hG4bK-${Math.random().toString(36).slice(2)}`) =>
  sipRequest({ method: "INVITE", port, ruri: `sip:${user}@127.0.0.1`, branch, callId: sipCallId(callId) });

const cancelOf = (inv: string): string =>
  inv
    .replace(/^INVITE /, "CANCEL ")
    .replace(/CSeq: 1 INVITE/, "CSeq: 1 CANCEL");

const withRelay = async (body: (uac: UdpClient, uas: UdpClient, port: number, rpcUrl: string) => Promise<void>) => {
  const uas = await UdpClient.open();
  const uac = await UdpClient.open();
  try {
    await withCfg(relayCfg(uas.port), (s, _logs, port) => body(uac, uas, port, s.rpcUrl ?? ""));
  } finally {
    await uas.close();
    await uac.close();
  }
};

describe("children=2: receiver threads", () => {
  test("UDP and TCP requests are routed by both receivers with the packet's $si/$sp/$Ri/$Rp/$pr; one Call-ID meets one thread", T, async () => {
    const cfg = `${slHead}
request_route {
  sl_send_reply("200", "p=$proc si=$si sp=$sp ri=$Ri rp=$Rp pr=$pr");
}
`;
    await withCfg(
      cfg,
      async (s, _logs, port) => {
        const tcpPort = s.listeners.find((l) => l.proto === "tcp")!.port;
        const c = await UdpClient.open();
        try {
          for (const rank of [0, 1]) for (let i = 0; i < 3; i++) c.send(port, sipRequest({ port: c.port, callId: sipCallId(callIdFor(rank, `u${i}`)) }));
          const got = await c.waitFor(6);
          const procs = got.map((r) => /p=(\d+)/.exec(statusOf(r).reason)![1]).sort();
          assert.deepEqual(procs, ["1", "1", "1", "2", "2", "2"]);
          for (const r of got) assert.match(statusOf(r).reason, new RegExp(`si=127\\.0\\.0\\.1 sp=${c.port} ri=127\\.0\\.0\\.1 rp=${port} pr=udp`));
          // Every message of one Call-ID goes to the same receiver.
          const same = callIdFor(1, "same");
          for (let i = 0; i < 4; i++) c.send(port, sipRequest({ port: c.port, callId: sipCallId(same) }));
          await c.waitFor(10);
          assert.deepEqual(new Set(c.received.slice(6).map((r) => /p=(\d+)/.exec(statusOf(r).reason)![1])), new Set(["2"]));
        } finally {
          await c.close();
        }
        for (const rank of [0, 1]) {
          const req = sipRequest({ port: 5999, transport: "TCP", callId: sipCallId(callIdFor(rank, "tcp")) });
          const reply = await tcpExchange(tcpPort, req, (got) => got.includes("\r\n\r\n"));
          assert.match(statusOf(reply).reason, new RegExp(`p=${rank + 1} si=127\\.0\\.0\\.1 sp=\\d+ ri=127\\.0\\.0\\.1 rp=${tcpPort} pr=tcp`));
        }
        const receivers = s.groups.stats().find((g) => g.name === "receiver")!;
        assert.equal(receivers.size, 2);
        for (const w of receivers.workers) assert.ok(w.done >= 4, `receiver ${w.rank} routed ${w.done}`);
      },
      ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"],
    );
  });

  test("relayed INVITEs owned by each receiver: replies (even with a Call-ID of the other thread) reach the owner, 180/200 go upstream, retransmissions are absorbed", T, async () => {
    await withRelay(async (uac, uas, port, rpcUrl) => {
      for (const rank of [0, 1]) {
        uac.received.length = 0;
        uas.received.length = 0;
        const callId = callIdFor(rank, "inv");
        const inv = invite(uac.port, callId);
        uac.send(port, inv);
        const [req] = await uas.waitFor(1);
        uas.send(port, replyTo(req!, 100, "Trying")); // no INVITE retransmissions downstream from here on
        await uac.waitFor(1);
        // the transaction lives on receiver `rank`
        const list = (await rpcCall(rpcUrl, "tm.list")) as { proc: number; call_id: string }[];
        assert.equal(list.find((t) => t.call_id === sipCallId(callId) + "@127.0.0.1")?.proc, rank + 1);
        // a retransmitted INVITE is absorbed by the owner: no second INVITE downstream
        uac.send(port, inv);
        await sleep(150);
        assert.equal(requestsIn(uas.received, "INVITE").length, 1);
        // replies carrying the other thread's Call-ID still find the transaction by tm's branch
        const other = callIdFor(1 - rank, "foreign");
        uas.send(port, replyTo(req!, 180, "Ringing").replace(/^Call-ID: .*$/m, `Call-ID: ${other}`));
        uas.send(port, replyTo(req!, 200, "OK"));
        await uac.waitFor(4);
        const c = codes(uac.received);
        assert.deepEqual(c.filter((x) => x !== 100), [180, 200], `codes at the UAC: ${c.join(",")}`);
      }
    });
  });

  test("CANCEL reaches the INVITE on its receiver: 200 canceling, CANCEL downstream, 487 upstream, the ACK absorbed", T, async () => {
    await withRelay(async (uac, uas, port) => {
      for (const rank of [0, 1]) {
        uac.received.length = 0;
        uas.received.length = 0;
        const inv = invite(uac.port, callIdFor(rank, "cxl"));
        uac.send(port, inv);
        const [req] = await uas.waitFor(1);
        uas.send(port, replyTo(req!, 180, "Ringing"));
        await uac.waitFor(2);
        uac.send(port, cancelOf(inv));
        await uas.waitFor(2);
        const cancel = requestsIn(uas.received, "CANCEL")[0]!;
        uas.send(port, replyTo(cancel, 200, "OK"));
        uas.send(port, replyTo(req!, 487, "Request Terminated"));
        await uac.waitFor(4);
        assert.ok(codes(uac.received).includes(487), `codes: ${codes(uac.received).join(",")}`);
        assert.ok(uac.received.some((m) => /^SIP\/2\.0 200 .*\r\n[\s\S]*CSeq: 1 CANCEL/.test(m)));
        // tm ACKs the 487 itself; the UAC's ACK for the 487 upstream is absorbed by the owner
        await uas.waitFor(3);
        const r487 = uac.received.find((m) => m.startsWith("SIP/2.0 487"))!;
        const to = r487.split("\r\n").find((l) => /^To:/i.test(l))!;
        const ack = inv.replace(/^INVITE /, "ACK ").replace("CSeq: 1 INVITE", "CSeq: 1 ACK").replace(/^To: .*$/m, to);
        uac.send(port, ack);
        await sleep(300);
        assert.equal(requestsIn(uas.received, "ACK").length, 1);
        assert.equal(requestsIn(uas.received, "INVITE").length, 1);
      }
    });
  });

  test("t_continue on one receiver resumes a transaction suspended on the other, which runs the route and answers", T, async () => {
    await withRelay(async (uac, _uas, port) => {
      const inv = invite(uac.port, callIdFor(0, "park"), "park");
      uac.send(port, inv);
      await uac.waitFor(1); // the automatic 100
      uac.send(port, sipRequest({ port: uac.port, method: "MESSAGE", ruri: "sip:wake@127.0.0.1", callId: sipCallId(callIdFor(1, "wake")) }));
      await uac.waitFor(3);
      const reasons = uac.received.map((m) => `${statusOf(m).code} ${statusOf(m).reason}`);
      assert.ok(reasons.includes("404 resumed on 1"), reasons.join(" | "));
      assert.ok(reasons.includes("200 woke 1 on 2"), reasons.join(" | "));
    });
  });

  test("tm.reply over RPC (main thread) is sent by the receiver that owns the transaction", T, async () => {
    await withRelay(async (uac, _uas, port, rpcUrl) => {
      const callId = callIdFor(1, "rpc");
      uac.send(port, invite(uac.port, callId, "park"));
      await uac.waitFor(1);
      const list = (await rpcCall(rpcUrl, "tm.list")) as { proc: number; call_id: string; index: number; label: number }[];
      const t = list.find((x) => x.call_id === callId)!;
      assert.equal(t.proc, 2);
      assert.deepEqual(await rpcCall(rpcUrl, "tm.reply", [404, "From RPC", t.index, t.label]), { sent: true, owner: 2 });
      await uac.waitFor(2);
      assert.equal(`${statusOf(uac.received[1]!).code} ${statusOf(uac.received[1]!).reason}`, "404 From RPC");
      await assert.rejects(rpcCall(rpcUrl, "tm.reply", [404, "again", t.index, t.label]));
    });
  });

  test("a receiver that crashes under load is restarted and the messages queued for it are routed by its replacement", { timeout: 120_000 }, async () => {
    const cfg = `${slHead}
request_route {
  if ($rU == "crash") crash_thread();
  sl_send_reply("200", "ok");
}
`;
    await withCfg(cfg, async (s, logs, port) => {
      const c = await UdpClient.open();
      try {
        const ids: string[] = [];
        for (let i = 0; i < 200; i++) {
          if (i % 10 === 0) await sleep(5); // paced: Deno's UDP socket drops a 200-datagram burst
          if (i === 50) c.send(port, sipRequest({ port: c.port, ruri: "sip:crash@127.0.0.1", callId: sipCallId(callIdFor(0, "crash")) }));
          const id = callIdFor(0, `load${i}`);
          ids.push(id);
          c.send(port, sipRequest({ port: c.port, callId: sipCallId(id) }));
        }
        const until = Date.now() + 60_000;
        const answered = () => new Set(c.received.map((m) => /^Call-ID: (.*)$/m.exec(m)?.[1]));
        while (ids.some((id) => !answered().has(id)) && Date.now() < until) await sleep(100);
        const missing = ids.filter((id) => !answered().has(id));
        assert.deepEqual(missing, [], `not answered: ${missing.length}; ${logs.filter((l) => /crash|restart/i.test(l)).join(" // ")}`);
        const w = s.groups.stats().find((g) => g.name === "receiver")!.workers[0]!;
        assert.ok(w.restarts >= 1, `restarts ${w.restarts}`);
        assert.ok(logs.some((l) => l.includes("SM_GROUP_WORKER_CRASHED")));
      } finally {
        await c.close();
      }
    });
  });

  test("more threads than transaction identities can name stop start-up with SM_THREAD_LIMIT", T, async () => {
    const tmp = tempDir();
    try {
      const file = writeManifest(tmp.dir, `children=200\nasync_workers=100\nloadmodule "sl.so"\nrequest_route { sl_send_reply("200","ok"); }\n`, "limit.cfg");
      const errs = await startErrors({ file, listen: ["udp:127.0.0.1:0"] });
      assert.equal(errs.errors[0]!.code, "SM_THREAD_LIMIT");
      assert.match(errs.errors[0]!.message, /300 worker threads.*at most 255/);
    } finally {
      tmp.cleanup();
    }
  });
});

const contCfg = (uas: number) => `${tmHead}
request_route {
  if ($rU == "cont") {
    $avp(a) = "kept";
    $var(v) = "set-by-" + $proc;
    setflag(3);
    $du = "sip:d@127.0.0.1:9";
    $var(from) = $proc;
    $var(other) = 3 - $proc;
    continue_on("$var(other)");
    if (isflagset(3)) $var(f) = "yes"; else $var(f) = "no";
    $var(r) = "on " + $proc + " avp=" + $avp(a) + " var=" + $var(v) + " flag=" + $var(f) + " du=" + $du;
    sl_send_reply("200", "r=$var(r)");
    exit;
  }
  if ($rU =~ "^res") {
    $avp(a) = "kept";
    $var(other) = 3 - $proc;
    resume_on("$var(other)", "$rU");
    exit;
  }
  exit;
}
route[resreply] {
  $var(r) = "t_reply on " + $proc + " avp=" + $avp(a);
  t_reply("404", "$var(r)");
}
route[ressend] {
  $var(r) = "send_reply on " + $proc;
  send_reply("486", "$var(r)");
}
route[resrelay] {
  $du = "sip:127.0.0.1:${uas}";
  t_relay();
}
route[resnone] {
  $var(x) = 1;
}
`;

describe("continuations as data, transactions by identity (children=2)", () => {
  const withCont = async (body: (uac: UdpClient, uas: UdpClient, port: number, logs: readonly string[]) => Promise<void>) => {
    const uas = await UdpClient.open();
    const uac = await UdpClient.open();
    try {
      await withCfg(contCfg(uas.port), (_s, logs, port) => body(uac, uas, port, logs));
    } finally {
      await uas.close();
      await uac.close();
    }
  };

  test("the rest of a route runs on the other receiver with the message, flags, $du and AVPs, and that thread's own $var", T, async () => {
    await withCont(async (uac, _uas, port, logs) => {
      for (const rank of [0, 1]) {
        uac.received.length = 0;
        uac.send(port, sipRequest({ port: uac.port, ruri: "sip:cont@127.0.0.1", callId: sipCallId(callIdFor(rank, "cont")) }));
        const [r] = await uac.waitFor(1);
        // The receiver (rank + 1) set $var(v) and went on in the other one (2 - rank), whose $var
        // values are its own: never "set-by-<the receiver>".
        const m = /^r=on (\d) avp=kept var=(\S+) flag=yes du=sip:d@127\.0\.0\.1:9$/.exec(statusOf(r!).reason);
        assert.ok(m, `${statusOf(r!).reason}\n${logs.filter((l) => l.includes("continu")).join("\n")}`);
        assert.equal(m[1], String(2 - rank));
        assert.notEqual(m[2], `set-by-${rank + 1}`);
      }
    });
  });

  test("a route resumed on another thread replies through the owner: t_reply and send_reply by identity", T, async () => {
    await withCont(async (uac, _uas, port) => {
      uac.send(port, invite(uac.port, callIdFor(0, "rr"), "resreply"));
      await uac.waitFor(2);
      assert.deepEqual(uac.received.map((m) => `${statusOf(m).code} ${statusOf(m).reason}`).slice(0, 2), [
        "100 trying -- your call is important to us",
        "404 t_reply on 2 avp=kept",
      ]);
      // (the 404 is retransmitted until an ACK that never comes: look at the second call's replies only)
      const rs = callIdFor(1, "rs");
      uac.send(port, invite(uac.port, rs, "ressend"));
      const ofRs = () => uac.received.filter((m) => m.includes(`Call-ID: ${rs}`)).map((m) => `${statusOf(m).code} ${statusOf(m).reason}`);
      const until = Date.now() + 10_000;
      while (!ofRs().some((r) => r.startsWith("486")) && Date.now() < until) await sleep(20);
      assert.ok(ofRs().includes("486 send_reply on 1"), ofRs().join(" | "));
    });
  });

  test("a route resumed on another thread relays through the owner; the UAS's 200 comes back; nothing done gives tm's 500", T, async () => {
    await withCont(async (uac, uas, port) => {
      uac.send(port, invite(uac.port, callIdFor(1, "rl"), "resrelay"));
      const [req] = await uas.waitFor(1);
      assert.match(req!, /^INVITE sip:resrelay@127\.0\.0\.1 SIP\/2\.0\r\nVia: SIP\/2\.0\/UDP [^;]+;branch=z9hG4bKsmt/);
      uas.send(port, replyTo(req!, 200, "OK"));
      await uac.waitFor(2);
      assert.deepEqual(codes(uac.received), [100, 200]);
      const rn = callIdFor(0, "rn");
      uac.send(port, invite(uac.port, rn, "resnone"));
      const ofRn = () => uac.received.filter((m) => m.includes(`Call-ID: ${rn}`)).map((m) => `${statusOf(m).code} ${statusOf(m).reason}`);
      const until = Date.now() + 10_000;
      while (!ofRn().some((r) => r.startsWith("500")) && Date.now() < until) await sleep(20);
      assert.ok(ofRn().includes("500 I'm terribly sorry, server error occurred (1/TM)"), ofRn().join(" | "));
    });
  });
});
