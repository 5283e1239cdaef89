import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as dgram from "node:dgram";
import { Effect, Layer, Logger, LogLevel, Runtime } from "effect";
import { SipSender } from "../core/module/core-services.ts";
import { forwardReply } from "../core/script/builtins/forward-reply.ts";
import { Forwarding } from "../core/script/builtins/forwarding.ts";
import { statelessBranch } from "../core/script/builtins/via-branch.ts";
import { makeEngine } from "../core/script/engine.ts";
import { parseOrThrow } from "../core/sip/message.ts";
import { bindText, fakeRcv, sipMsg } from "./script-helpers.ts";

/** Real UDP sockets on 127.0.0.1: `out` sends for the server, `peer` is the next hop. */
const setup = async () => {
  const bind = (s: dgram.Socket) => new Promise<number>((res) => s.bind(0, "127.0.0.1", () => res(s.address().port)));
  const out = dgram.createSocket("udp4");
  const peer = dgram.createSocket("udp4");
  const outPort = await bind(out);
  const peerPort = await bind(peer);
  const received: Buffer[] = [];
  const waiters: (() => void)[] = [];
  peer.on("message", (b) => {
    received.push(b);
    waiters.splice(0).forEach((w) => w());
  });
  const lines: string[] = [];
  const layer = Layer.mergeAll(
    Layer.succeed(SipSender, {
      reply: () => false,
      send: (to, bytes) => {
        if (to.proto !== "udp") return false;
        out.send(bytes, to.port, to.ip);
        return true;
      },
    }),
    Layer.succeed(Forwarding, {
      viaFor: (proto, af) => (proto === "udp" && af === 4 ? { host: "127.0.0.1", port: outPort } : undefined),
      isLocal: (host, port, proto) => proto === "udp" && host === "127.0.0.1" && port === outPort,
    }),
    Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => lines.push(String(message)))),
    Logger.minimumLogLevel(LogLevel.All),
  );
  const runtime = Effect.runSync(Effect.scoped(Layer.toRuntime(layer))) as Runtime.Runtime<unknown>;
  const next = async (): Promise<string> => {
    if (received.length === 0) {
      await new Promise<void>((res, rej) => {
        const t = setTimeout(() => rej(new Error("nothing received")), 2000);
        waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
    return received.shift()!.toString();
  };
  const close = async () => {
    await Promise.all([new Promise<void>((r) => out.close(() => r())), new Promise<void>((r) => peer.close(() => r()))]);
  };
  return { outPort, peerPort, runtime, next, close, lines };
};

const viaOf = (text: string, i: number): string => text.split("\r\n").filter((l) => l.startsWith("Via: "))[i]!.slice(5);

describe("core forward() and forwardReply()", () => {
  test("forward() to $du adds our Via with a stateless branch; the message itself is unchanged", async () => {
    const s = await setup();
    try {
      const cfg = `request_route {\n  $du = "sip:127.0.0.1:${s.peerPort}";\n  $rU = "carol";\n  if (!forward()) exit;\n  forward();\n}\n`;
      const engine = makeEngine(await bindText(cfg), s.runtime);
      const msg = sipMsg();
      const o = await engine.run("request_route", engine.newContext(msg, fakeRcv()));
      assert.deepEqual(o, { code: 1, dropped: false, exited: false });
      const a = await s.next();
      const b = await s.next();
      assert.ok(a.startsWith("INVITE sip:carol@example.com:5070;transport=udp SIP/2.0\r\n"), a);
      const branch = statelessBranch(msg);
      assert.equal(viaOf(a, 0), `SIP/2.0/UDP 127.0.0.1:${s.outPort};branch=${branch}`);
      assert.equal(viaOf(a, 1), "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;rport");
      assert.equal(a, b, "forwarding twice sends the same bytes (one Via each time)");
      assert.equal(msg.serialize().toString().split("\r\n").filter((l) => l.startsWith("Via:")).length, 1);
    } finally {
      await s.close();
    }
  });

  test("the branch is stable for retransmissions and CANCEL, different for another request", () => {
    const inv = sipMsg();
    const cancel = parseOrThrow(sipMsg().toString().replace("INVITE sip", "CANCEL sip").replace("CSeq: 314159 INVITE", "CSeq: 314159 CANCEL"));
    const other = parseOrThrow(sipMsg().toString().replace("z9hG4bK776asdhds", "z9hG4bKother"));
    const rfc2543 = parseOrThrow(sipMsg().toString().replace("branch=z9hG4bK776asdhds;", ""));
    assert.equal(statelessBranch(inv), statelessBranch(sipMsg()));
    assert.equal(statelessBranch(cancel), statelessBranch(inv));
    assert.notEqual(statelessBranch(other), statelessBranch(inv));
    assert.match(statelessBranch(rfc2543), /^z9hG4bK/);
    assert.notEqual(statelessBranch(rfc2543), statelessBranch(inv));
  });

  test("forward(host, port) and failures (no listener, not a SIP URI)", async () => {
    const s = await setup();
    try {
      const cfg =
        // forward() is a core function: its code is read as a value ($rc keeps what it was, as in Kamailio).
        `request_route {\n  $var(r) = forward("127.0.0.1", ${s.peerPort});\n  t_log("rc=$var(r)");\n` +
        `  $du = "sip:127.0.0.1:${s.peerPort};transport=tcp"; $var(r) = forward(); t_log("tcp rc=$var(r)");\n` +
        `  $du = $null; $ru = "tel:+1234"; $var(r) = forward(); t_log("tel rc=$var(r)");\n}\n`;
      const { seen } = await import("./script-helpers.ts");
      seen.reset();
      const engine = makeEngine(await bindText(cfg), s.runtime);
      await engine.run("request_route", engine.newContext(sipMsg(), fakeRcv()));
      const a = await s.next();
      assert.ok(a.startsWith("INVITE sip:alice@example.com:5070;transport=udp SIP/2.0"));
      assert.deepEqual(seen.logs, ["rc=1", "tcp rc=-1", "tel rc=-1"]);
      assert.ok(s.lines.some((l) => /no listening socket for tcp/.test(l)));
      assert.ok(s.lines.some((l) => /not a sip: or sips: URI/.test(l)));
    } finally {
      await s.close();
    }
  });

  test("forwardReply: removes our Via and sends to the next one (received/rport); foreign replies are refused", async () => {
    const s = await setup();
    try {
      const reply = (topHost: string, topPort: number) =>
        parseOrThrow(
          "SIP/2.0 180 Ringing\r\n" +
            `Via: SIP/2.0/UDP ${topHost}:${topPort};branch=z9hG4bKsmabc\r\n` +
            `Via: SIP/2.0/UDP client.invalid:5999;branch=z9hG4bK776asdhds;rport=${s.peerPort};received=127.0.0.1\r\n` +
            "To: <sip:alice@example.com>;tag=x\r\nFrom: <sip:bob@biloxi.com>;tag=1928301774\r\n" +
            "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\nCSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n",
        );
      const ok = await Runtime.runPromise(s.runtime)(forwardReply(reply("127.0.0.1", s.outPort)));
      assert.equal(ok, true);
      const got = await s.next();
      assert.ok(got.startsWith("SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP client.invalid:5999;"), got);
      assert.equal(got.split("\r\n").filter((l) => l.startsWith("Via:")).length, 1);
      const foreign = await Runtime.runPromise(s.runtime)(forwardReply(reply("10.9.9.9", 5060)));
      assert.equal(foreign, false);
      assert.ok(s.lines.some((l) => /does not name this server/.test(l)));
    } finally {
      await s.close();
    }
  });
});
