import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Effect, Either, Exit, Scope } from "effect";
import { SipmodError } from "../core/errors.ts";
import { runtime } from "../core/runtime.ts";
import { isParseFailure, SipMessage } from "../core/sip/message.ts";
import { buildReply } from "../core/sip/reply.ts";
import { fixTopVia } from "../core/transport/fix-top-via.ts";
import { parseListens } from "../core/transport/listen-spec.ts";
import type { MessageHandler } from "../core/transport/message-handler.ts";
import type { ReceiveInfo } from "../core/transport/receive-info.ts";
import { startTransport, type TransportApi } from "../core/transport/transport.ts";
import { hasIpv6Loopback, options, run, udpClient, until } from "./transport-helpers.ts";

/** A stateless responder: parse, fix the Via, reply 200 where RFC 3261/3581 say. */
const responder = (seen: ReceiveInfo[], api: { current?: TransportApi }): MessageHandler => (buf, rcv) => {
  seen.push(rcv);
  const m = SipMessage.parse(buf);
  if (isParseFailure(m)) {
    api.current!.counters.parseErrors++;
    return;
  }
  fixTopVia(m, rcv);
  api.current!.reply(m, rcv, buildReply(m, 200, "OK", { toTag: "srv" }));
};

describe("UDP transport", () => {
  test("round trip: received/rport added, reply to the source port, ReceiveInfo filled", async () => {
    const seen: ReceiveInfo[] = [];
    const ref: { current?: TransportApi } = {};
    const t = await run(["udp:127.0.0.1:0"], responder(seen, ref));
    ref.current = t.api;
    const c = await udpClient();
    try {
      const l = t.api.listeners[0]!;
      assert.equal(l.proto, "udp");
      assert.ok(l.port > 0);
      assert.equal(l.name, `udp:127.0.0.1:${l.port}`);
      // Via says another host and port 5999: the reply must still come to the real source (rport).
      c.send(options({ host: "192.0.2.1", port: 5999 }), l.port);
      await until(() => c.got.length === 1, 3000, "200 OK");
      const reply = c.got[0]!.toString("latin1");
      assert.match(reply, /^SIP\/2\.0 200 OK\r\n/);
      assert.match(reply, new RegExp(`Via: SIP/2\\.0/UDP 192\\.0\\.2\\.1:5999;branch=z9hG4bK-1;rport=${c.port};received=127\\.0\\.0\\.1\\r\\n`));
      assert.match(reply, /To: <sip:test@example\.com>;tag=srv\r\n/);
      const r = seen[0]!;
      assert.deepEqual({ ...r, time: 0 }, {
        proto: "udp", srcIp: "127.0.0.1", srcPort: c.port, dstIp: "127.0.0.1", dstPort: l.port,
        af: 4, listenerId: 0, connId: 0, time: 0,
      });
      assert.ok(Math.abs(r.time - Date.now()) < 5000);
      const st = t.api.stats();
      assert.equal(st.received, 1);
      assert.equal(st.sent, 1);
      assert.equal(st.sendErrors, 0);
    } finally {
      await c.close();
      await t.close();
    }
  });

  test("one datagram is one message; keep-alive datagrams and junk are not replied to", async () => {
    const seen: ReceiveInfo[] = [];
    const ref: { current?: TransportApi } = {};
    const t = await run(["udp:127.0.0.1:0"], responder(seen, ref));
    ref.current = t.api;
    const c = await udpClient();
    try {
      const port = t.api.listeners[0]!.port;
      c.send("\r\n\r\n", port);
      c.send("\r\n", port);
      c.send("this is not SIP", port);
      for (let i = 0; i < 20; i++) c.send(options({ host: "127.0.0.1", port: c.port, branch: `z9hG4bK-${i}`, callId: `c${i}` }), port);
      await until(() => c.got.length === 20, 3000, "20 replies");
      await until(() => t.api.counters.parseErrors === 1, 1000, "parse error count");
      assert.equal(seen.length, 21);
      assert.equal(t.api.stats().received, 21);
      const ids = new Set(c.got.map((b) => /Call-ID: (\S+)/.exec(b.toString("latin1"))![1]));
      assert.equal(ids.size, 20);
    } finally {
      await c.close();
      await t.close();
    }
  });

  test("socket buffer sizes: asked, granted by the kernel, logged and in stats", async () => {
    const ask = 1024 * 1024;
    const t = await run(["udp:127.0.0.1:0"], () => {}, { udp_recv_buffer: ask, udp_send_buffer: ask });
    try {
      const l = t.api.listeners[0]!;
      assert.equal(l.recvBufferRequested, ask);
      const st = t.api.stats().udp[0]!;
      assert.equal(st.name, l.name);
      if (runtime === "deno") {
        assert.equal(l.recvBufferGranted, null);
        assert.ok(t.logs.some((m) => m.includes("does not apply UDP socket buffer sizes")), t.logs.join("\n"));
      } else {
        assert.equal(typeof l.recvBufferGranted, "number");
        let max = Infinity;
        try {
          max = Number(readFileSync("/proc/sys/net/core/rmem_max", "utf8"));
        } catch {
          /* not Linux */
        }
        // Linux grants twice what was asked (bookkeeping), capped by rmem_max.
        if (max >= ask) assert.ok(l.recvBufferGranted! >= ask, `granted ${l.recvBufferGranted}`);
        assert.equal(st.recvBufferGranted, l.recvBufferGranted);
        assert.ok(t.logs.some((m) => m.includes(`receive buffer ${l.recvBufferGranted} bytes`)), t.logs.join("\n"));
      }
      if (process.platform === "linux") assert.equal(st.kernelDrops, 0);
      process.stderr.write(`# ${runtime}: udp buffers granted recv=${l.recvBufferGranted} send=${l.sendBufferGranted}\n`);
    } finally {
      await t.close();
    }
  });

  test("send: no listener for the address family, unsupported protocol -> false and counted", async () => {
    const t = await run(["udp:127.0.0.1:0"], () => {});
    try {
      assert.equal(t.api.send({ proto: "udp", ip: "::1", port: 5060 }, Buffer.from("x")), false);
      assert.equal(t.api.send({ proto: "tcp", ip: "127.0.0.1", port: 5060 }, Buffer.from("x")), false);
      assert.equal(t.api.send({ proto: "ws", ip: "127.0.0.1", port: 5060 }, Buffer.from("x")), false);
      assert.equal(t.api.stats().sendErrors, 3);
      assert.equal(t.logs.filter((l) => l.startsWith("warn")).length, 3);
    } finally {
      await t.close();
    }
  });

  test("a port already in use: SM_LISTEN, and listeners already bound are closed again", async () => {
    const first = await run(["udp:127.0.0.1:0"], () => {});
    const taken = first.api.listeners[0]!.port;
    try {
      const specs = parseListens(["udp:127.0.0.1:0", `udp:127.0.0.1:${taken}`]);
      assert.ok(Either.isRight(specs));
      const scope = Effect.runSync(Scope.make());
      const exit = await Effect.runPromiseExit(
        startTransport(specs.right, () => {}, { log: () => {} }).pipe(Scope.extend(scope)),
      );
      await Effect.runPromise(Scope.close(scope, Exit.void));
      assert.ok(Exit.isFailure(exit));
      const err = exit.cause._tag === "Fail" ? exit.cause.error : undefined;
      assert.ok(err instanceof SipmodError);
      assert.equal(err.code, "SM_LISTEN");
      assert.match(err.message, new RegExp(`cannot bind udp:127\\.0\\.0\\.1:${taken}`));
    } finally {
      await first.close();
    }
  });

  test("IPv6 on ::1", async (t) => {
    if (!(await hasIpv6Loopback())) {
      t.skip("this machine has no ::1");
      return;
    }
    const seen: ReceiveInfo[] = [];
    const ref: { current?: TransportApi } = {};
    const tr = await run(["udp:[::1]:0"], responder(seen, ref));
    ref.current = tr.api;
    const c = await udpClient("::1");
    try {
      const l = tr.api.listeners[0]!;
      assert.equal(l.af, 6);
      assert.equal(l.name, `udp:[::1]:${l.port}`);
      c.send(options({ host: "[::1]", port: c.port }), l.port);
      await until(() => c.got.length === 1, 3000, "200 OK over IPv6");
      assert.match(c.got[0]!.toString("latin1"), new RegExp(`Via: SIP/2\\.0/UDP \\[::1\\]:${c.port};branch=z9hG4bK-1;rport=${c.port};received=::1\\r\\n`));
      assert.equal(seen[0]!.af, 6);
      assert.equal(seen[0]!.srcIp, "::1");
    } finally {
      await c.close();
      await tr.close();
    }
  });
});
