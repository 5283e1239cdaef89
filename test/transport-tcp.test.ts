import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { isParseFailure, SipMessage } from "../core/sip/message.ts";
import { buildReply } from "../core/sip/reply.ts";
import { fixTopVia } from "../core/transport/fix-top-via.ts";
import type { MessageHandler } from "../core/transport/message-handler.ts";
import type { ReceiveInfo } from "../core/transport/receive-info.ts";
import type { TransportApi } from "../core/transport/transport.ts";
import { hasIpv6Loopback, options, run, sleep, tcpClient, until } from "./transport-helpers.ts";

interface Seen {
  readonly buf: Buffer;
  readonly rcv: ReceiveInfo;
}

/** Records every message; replies 200 to requests on the connection they came on. */
const responder = (seen: Seen[], ref: { current?: TransportApi }): MessageHandler => (buf, rcv) => {
  seen.push({ buf: Buffer.from(buf), rcv });
  const m = SipMessage.parse(buf);
  if (isParseFailure(m) || !m.isRequest) return;
  fixTopVia(m, rcv);
  ref.current!.reply(m, rcv, buildReply(m, 200, "OK", { toTag: "srv" }));
};

const start = async (params: Parameters<typeof run>[2] = {}, listen = "tcp:127.0.0.1:0") => {
  const seen: Seen[] = [];
  const ref: { current?: TransportApi } = {};
  const t = await run([listen], responder(seen, ref), params);
  ref.current = t.api;
  return { t, seen, port: t.api.listeners[0]!.port };
};

const tcpOptions = (callId: string, body = "") =>
  options({ host: "127.0.0.1", port: 5060, via: `SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-${callId}`, callId, body });

const count = (data: Buffer, re: RegExp) => (data.toString("latin1").match(re) ?? []).length;

describe("TCP transport", () => {
  test("round trip: the reply goes back on the same connection", async () => {
    const { t, seen, port } = await start();
    const c = await tcpClient(port);
    try {
      assert.equal(t.api.listeners[0]!.name, `tcp:127.0.0.1:${port}`);
      await c.write(tcpOptions("rt1"));
      await until(() => count(c.state.data, /SIP\/2\.0 200 OK/g) === 1, 3000, "200 OK");
      const reply = c.state.data.toString("latin1");
      assert.match(reply, /Via: SIP\/2\.0\/TCP 127\.0\.0\.1:5060;branch=z9hG4bK-rt1\r\n/);
      assert.match(reply, /Content-Length: 0\r\n\r\n$/);
      const r = seen[0]!.rcv;
      assert.equal(r.proto, "tcp");
      assert.equal(r.srcPort, c.localPort);
      assert.equal(r.dstPort, port);
      assert.equal(r.listenerId, 0);
      assert.ok(r.connId > 0);
      assert.deepEqual(t.api.connections().map((x) => x.connId), [r.connId]);
      assert.equal(t.api.stats().tcpOpen, 1);
      assert.equal(t.api.stats().tcpAccepted, 1);
    } finally {
      await c.close();
      await t.close();
    }
  });

  test("two messages in one write, with bodies", async () => {
    const { t, seen, port } = await start();
    const c = await tcpClient(port);
    try {
      const a = tcpOptions("two-a", "hello");
      const b = tcpOptions("two-b", "second body\r\n");
      await c.write(a + b);
      await until(() => count(c.state.data, /SIP\/2\.0 200 OK/g) === 2, 3000, "two replies");
      assert.equal(seen.length, 2);
      assert.equal(seen[0]!.buf.toString("latin1"), a);
      assert.equal(seen[1]!.buf.toString("latin1"), b);
      assert.equal(seen[0]!.rcv.connId, seen[1]!.rcv.connId);
    } finally {
      await c.close();
      await t.close();
    }
  });

  test("one message split across many writes (headers and body)", async () => {
    const { t, seen, port } = await start();
    const c = await tcpClient(port);
    try {
      const m = tcpOptions("split", "0123456789abcdef");
      const cuts = [1, 10, 30, m.indexOf("\r\n\r\n") + 1, m.indexOf("\r\n\r\n") + 3, m.length - 5, m.length];
      let from = 0;
      for (const cut of cuts) {
        await c.write(m.slice(from, cut));
        from = cut;
        await sleep(15);
      }
      await until(() => seen.length === 1, 3000, "the split message");
      assert.equal(seen[0]!.buf.toString("latin1"), m);
      await until(() => count(c.state.data, /SIP\/2\.0 200 OK/g) === 1, 3000, "reply");
      // A second message right after, split in the middle of a header name.
      const n = tcpOptions("split2");
      await c.write(n.slice(0, 50));
      await sleep(15);
      await c.write(n.slice(50));
      await until(() => seen.length === 2, 3000, "second message");
      assert.equal(seen[1]!.buf.toString("latin1"), n);
    } finally {
      await c.close();
      await t.close();
    }
  });

  test("a message without Content-Length closes the connection", async () => {
    const { t, seen, port } = await start();
    const c = await tcpClient(port);
    try {
      await c.write(options({ host: "127.0.0.1", port: 5060, contentLength: false }));
      await until(() => c.state.closed, 3000, "server closes");
      assert.equal(seen.length, 0);
      const st = t.api.stats();
      assert.equal(st.tcpFramingErrors, 1);
      await until(() => t.api.stats().tcpOpen === 0, 2000, "table emptied");
      assert.ok(t.logs.some((l) => /no Content-Length/.test(l)), t.logs.join("\n"));
    } finally {
      await c.close();
      await t.close();
    }
  });

  test("over tcp_max_message closes: a big body, and endless headers", async () => {
    const { t, seen, port } = await start({ tcp_max_message: 2048 });
    const c1 = await tcpClient(port);
    const c2 = await tcpClient(port);
    try {
      await c1.write(tcpOptions("big", "x".repeat(4000)));
      await until(() => c1.state.closed, 3000, "close on big body");
      await c2.write(`OPTIONS sip:x@y SIP/2.0\r\n${"X-Pad: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n".repeat(80)}`);
      await until(() => c2.state.closed, 3000, "close on endless headers");
      assert.equal(seen.length, 0);
      assert.equal(t.api.stats().tcpOversize, 2);
    } finally {
      await c1.close();
      await c2.close();
      await t.close();
    }
  });

  test("idle timeout closes a silent connection, traffic keeps it open", async () => {
    const { t, port } = await start({ tcp_idle_timeout: 0.4 });
    const busy = await tcpClient(port);
    const idle = await tcpClient(port);
    try {
      for (let i = 0; i < 4; i++) {
        await sleep(150);
        await busy.write("\r\n");
      }
      await until(() => idle.state.closed, 3000, "idle close");
      assert.equal(busy.state.closed, false);
      assert.equal(t.api.stats().tcpIdleClosed, 1);
      await until(() => busy.state.closed, 3000, "busy one goes idle too");
    } finally {
      await busy.close();
      await idle.close();
      await t.close();
    }
  });

  test("CRLF keep-alive: CRLFCRLF ping gets a CRLF pong (also split); a lone CRLF before a message does not", async () => {
    const { t, seen, port } = await start();
    const c = await tcpClient(port);
    try {
      await c.write("\r\n\r\n");
      await until(() => c.state.data.length === 2, 2000, "pong");
      assert.equal(c.state.data.toString("latin1"), "\r\n");
      await c.write("\r\n");
      await sleep(30);
      await c.write("\r\n");
      await until(() => c.state.data.length === 4, 2000, "second pong");
      await c.write(`\r\n${tcpOptions("after-crlf")}`);
      await until(() => seen.length === 1, 2000, "message after CRLF");
      assert.ok(seen[0]!.buf.toString("latin1").startsWith("OPTIONS "));
      await until(() => count(c.state.data, /SIP\/2\.0 200 OK/g) === 1, 2000, "reply");
      assert.ok(c.state.data.toString("latin1").startsWith("\r\n\r\nSIP/2.0 200 OK"));
      assert.equal(t.api.stats().tcpKeepalivePongs, 2);
    } finally {
      await c.close();
      await t.close();
    }
  });

  test("sending to a TCP destination without a connection opens one, keeps it, and frames what comes back", async () => {
    const { t, seen } = await start();
    const peerGot: string[] = [];
    const peerSockets: net.Socket[] = [];
    const peer = net.createServer((s) => {
      peerSockets.push(s);
      s.on("data", (d: Buffer) => peerGot.push(d.toString("latin1")));
    });
    await new Promise<void>((r) => peer.listen(0, "127.0.0.1", () => r()));
    const peerPort = (peer.address() as net.AddressInfo).port;
    try {
      const req = tcpOptions("out-1");
      assert.equal(t.api.send({ proto: "tcp", ip: "127.0.0.1", port: peerPort }, Buffer.from(req)), true);
      await until(() => peerGot.join("").length === req.length, 3000, "peer receives");
      assert.equal(t.api.stats().tcpConnected, 1);
      const out = t.api.connections().find((x) => x.outgoing)!;
      assert.equal(out.port, peerPort);
      // A second send reuses the connection; the peer answers on it.
      assert.equal(t.api.send({ proto: "tcp", ip: "127.0.0.1", port: peerPort }, Buffer.from(tcpOptions("out-2"))), true);
      await until(() => peerGot.join("").includes("out-2"), 3000, "second request");
      assert.equal(peerSockets.length, 1);
      const reply = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-out-1\r\nCall-ID: out-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
      peerSockets[0]!.write(reply);
      await until(() => seen.length === 1, 3000, "reply framed");
      assert.equal(seen[0]!.buf.toString("latin1"), reply);
      assert.equal(seen[0]!.rcv.connId, out.connId);
      assert.equal(seen[0]!.rcv.srcPort, peerPort);
      // Sending by connId after the peer closed: falls back to a new connection.
      peerSockets[0]!.destroy();
      await until(() => t.api.stats().tcpOpen === 0, 3000, "connection gone");
      assert.equal(t.api.send({ proto: "tcp", ip: "127.0.0.1", port: peerPort, connId: out.connId }, Buffer.from(tcpOptions("out-3"))), true);
      await until(() => peerSockets.length === 2, 3000, "reconnect");
      // Connect to a closed port: the send is accepted, the failure is logged and the entry dropped.
      const dead = net.createServer();
      await new Promise<void>((r) => dead.listen(0, "127.0.0.1", () => r()));
      const deadPort = (dead.address() as net.AddressInfo).port;
      await new Promise<void>((r) => dead.close(() => r()));
      assert.equal(t.api.send({ proto: "tcp", ip: "127.0.0.1", port: deadPort }, Buffer.from("x")), true);
      await until(() => t.logs.some((l) => l.includes(`127.0.0.1:${deadPort}`)), 3000, "connect error logged");
      await until(() => !t.api.connections().some((x) => x.port === deadPort), 3000, "dead entry removed");
    } finally {
      for (const s of peerSockets) s.destroy();
      await new Promise<void>((r) => peer.close(() => r()));
      await t.close();
    }
  });

  test("IPv6 on [::1]", async (tc) => {
    if (!(await hasIpv6Loopback())) {
      tc.skip("this machine has no ::1");
      return;
    }
    const { t, seen, port } = await start({}, "tcp:[::1]:0");
    const c = await tcpClient(port, "::1");
    try {
      await c.write(options({ host: "[::1]", port: 5060, via: "SIP/2.0/TCP [::1]:5060;branch=z9hG4bK-v6", callId: "v6" }));
      await until(() => count(c.state.data, /SIP\/2\.0 200 OK/g) === 1, 3000, "200 OK over IPv6");
      assert.equal(seen[0]!.rcv.af, 6);
      assert.equal(seen[0]!.rcv.srcIp, "::1");
      assert.equal(t.api.listeners[0]!.name, `tcp:[::1]:${port}`);
    } finally {
      await c.close();
      await t.close();
    }
  });

  test("closing the scope closes open connections", async () => {
    const { t, port } = await start();
    const c = await tcpClient(port);
    await until(() => t.api.stats().tcpOpen === 1, 2000, "accepted");
    await t.close();
    await until(() => c.state.closed, 3000, "client sees close");
    await c.close();
  });
});
