import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isParseFailure, SipMessage } from "../core/sip/message.ts";
import { buildReply } from "../core/sip/reply.ts";
import { fixTopVia } from "../core/transport/fix-top-via.ts";
import { sameIp } from "../core/transport/ip-address.ts";
import type { Proto, ReceiveInfo } from "../core/transport/receive-info.ts";
import { replyTarget } from "../core/transport/reply-target.ts";

const req = (via: string): SipMessage => {
  const text =
    `OPTIONS sip:x@example.com SIP/2.0\r\nVia: ${via}\r\nVia: SIP/2.0/UDP 10.9.9.9;branch=z9hG4bK-second\r\n` +
    `From: <sip:a@example.com>;tag=1\r\nTo: <sip:x@example.com>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n` +
    `Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
  const m = SipMessage.parse(Buffer.from(text));
  if (isParseFailure(m)) throw new Error(m.reason);
  return m;
};

const rcv = (srcIp: string, srcPort: number, proto: Proto = "udp", connId = 0): ReceiveInfo => ({
  proto,
  srcIp,
  srcPort,
  dstIp: "127.0.0.1",
  dstPort: 5060,
  af: srcIp.includes(":") ? 6 : 4,
  listenerId: 3,
  connId,
  time: 0,
});

/** The top Via line of the reply built from the (edited) request. */
const topViaOfReply = (m: SipMessage): string => {
  const r = buildReply(m, 200, "OK").toString("latin1");
  return /^Via: (.*)$/m.exec(r)![1]!;
};

describe("fixTopVia (RFC 3261 §18.2.1, RFC 3581)", () => {
  test("sent-by equal to the source, no rport: nothing added", () => {
    const m = req("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-a");
    assert.equal(fixTopVia(m, rcv("192.0.2.1", 5060)), false);
    assert.equal(topViaOfReply(m), "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-a");
  });
  test("sent-by differs from the source: received added", () => {
    const m = req("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-a");
    assert.equal(fixTopVia(m, rcv("198.51.100.7", 40000)), true);
    assert.equal(topViaOfReply(m), "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-a;received=198.51.100.7");
  });
  test("a host name always gets received", () => {
    const m = req("SIP/2.0/UDP pc33.example.com;branch=z9hG4bK-a");
    assert.equal(fixTopVia(m, rcv("192.0.2.1", 5060)), true);
    assert.match(topViaOfReply(m), /;received=192\.0\.2\.1$/);
  });
  test("rport without value: filled with the source port, received added even for the same host", () => {
    const m = req("SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK-a");
    assert.equal(fixTopVia(m, rcv("192.0.2.1", 34567)), true);
    assert.equal(topViaOfReply(m), "SIP/2.0/UDP 192.0.2.1:5060;rport=34567;branch=z9hG4bK-a;received=192.0.2.1");
  });
  test("rport with a value is left alone", () => {
    const m = req("SIP/2.0/UDP 192.0.2.1:5060;rport=7;branch=z9hG4bK-a");
    assert.equal(fixTopVia(m, rcv("192.0.2.1", 34567)), false);
  });
  test("IPv6: [::1] equals ::1 and 0:0::1; a different address gets received without brackets", () => {
    const same = req("SIP/2.0/UDP [::1]:5060;branch=z9hG4bK-a");
    assert.equal(fixTopVia(same, rcv("0:0:0:0:0:0:0:1", 5060)), false);
    const other = req("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK-a");
    assert.equal(fixTopVia(other, rcv("2001:db8::2", 5060)), true);
    assert.match(topViaOfReply(other), /;received=2001:db8::2$/);
  });
  test("only the top Via changes; the message serializes with the edit; replies are left alone", () => {
    const m = req("SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK-a;rport");
    fixTopVia(m, rcv("203.0.113.5", 5555, "tcp", 9));
    const s = m.serialize().toString("latin1");
    assert.match(s, /Via: SIP\/2\.0\/TCP 192\.0\.2\.1;branch=z9hG4bK-a;rport=5555;received=203\.0\.113\.5\r\n/);
    assert.match(s, /Via: SIP\/2\.0\/UDP 10\.9\.9\.9;branch=z9hG4bK-second\r\n/);
    const reply = SipMessage.parse(Buffer.from(buildReply(m, 200, "OK")));
    if (isParseFailure(reply)) throw new Error(reply.reason);
    assert.equal(fixTopVia(reply, rcv("1.1.1.1", 1)), false);
  });
  test("sameIp", () => {
    assert.ok(sameIp("127.0.0.1", "127.0.0.1"));
    assert.ok(sameIp("::ffff:127.0.0.1", "127.0.0.1"));
    assert.ok(sameIp("[::1]", "::1"));
    assert.ok(sameIp("2001:db8:0:0::1", "2001:db8::1"));
    assert.ok(!sameIp("2001:db8::1", "2001:db8::2"));
    assert.ok(!sameIp("example.com", "example.com"));
    assert.ok(!sameIp("127.0.0.1", "::1"));
  });
});

describe("replyTarget (RFC 3261 §18.2.2, RFC 3581 §4)", () => {
  test("UDP: received + rport -> source address and port", () => {
    const m = req("SIP/2.0/UDP 192.0.2.1:5070;rport;branch=z9hG4bK-a");
    fixTopVia(m, rcv("198.51.100.7", 40000));
    assert.deepEqual(replyTarget(m, rcv("198.51.100.7", 40000)), {
      proto: "udp", ip: "198.51.100.7", port: 40000, listenerId: 3,
    });
    // Same answer without fixTopVia having run first.
    assert.deepEqual(replyTarget(req("SIP/2.0/UDP 192.0.2.1:5070;rport;branch=z9hG4bK-a"), rcv("198.51.100.7", 40000)), {
      proto: "udp", ip: "198.51.100.7", port: 40000, listenerId: 3,
    });
  });
  test("UDP: received without rport -> received address, sent-by port (default 5060)", () => {
    assert.deepEqual(replyTarget(req("SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-a"), rcv("198.51.100.7", 40000)), {
      proto: "udp", ip: "198.51.100.7", port: 5070, listenerId: 3,
    });
    assert.deepEqual(replyTarget(req("SIP/2.0/UDP host.example.com;branch=z9hG4bK-a"), rcv("198.51.100.7", 40000)), {
      proto: "udp", ip: "198.51.100.7", port: 5060, listenerId: 3,
    });
  });
  test("UDP: a received parameter already in the Via and an rport value are used", () => {
    assert.deepEqual(
      replyTarget(req("SIP/2.0/UDP 192.0.2.1;received=[2001:db8::9];rport=6000;branch=z9hG4bK-a"), rcv("198.51.100.7", 40000)),
      { proto: "udp", ip: "2001:db8::9", port: 6000, listenerId: 3 },
    );
  });
  test("UDP: maddr wins over received/rport, with the sent-by port", () => {
    assert.deepEqual(
      replyTarget(req("SIP/2.0/UDP 192.0.2.1:5080;maddr=239.1.1.1;ttl=1;rport;branch=z9hG4bK-a"), rcv("198.51.100.7", 40000)),
      { proto: "udp", ip: "239.1.1.1", port: 5080, listenerId: 3 },
    );
    assert.equal(replyTarget(req("SIP/2.0/UDP 192.0.2.1;maddr=239.1.1.1;branch=z9hG4bK-a"), rcv("198.51.100.7", 1)).port, 5060);
  });
  test("TCP: the same connection; fallback address is the source and the sent-by port", () => {
    assert.deepEqual(replyTarget(req("SIP/2.0/TCP 192.0.2.1:5090;rport;branch=z9hG4bK-a"), rcv("198.51.100.7", 40000, "tcp", 12)), {
      proto: "tcp", ip: "198.51.100.7", port: 5090, connId: 12, listenerId: 3,
    });
    assert.equal(replyTarget(req("SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK-a"), rcv("198.51.100.7", 1, "tcp", 1)).port, 5060);
    assert.equal(replyTarget(req("SIP/2.0/TLS 192.0.2.1;branch=z9hG4bK-a"), rcv("198.51.100.7", 1, "tls", 1)).port, 5061);
  });
  test("a missing or malformed top Via throws SipParseError", () => {
    const text =
      "OPTIONS sip:x@example.com SIP/2.0\r\nVia: garbage\r\nFrom: <sip:a@example.com>;tag=1\r\n" +
      "To: <sip:x@example.com>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    const f = SipMessage.parse(Buffer.from(text));
    assert.ok(isParseFailure(f) && f.partial !== undefined, "the parser keeps the partial message");
    const m = f.partial;
    assert.throws(() => replyTarget(m, rcv("1.1.1.1", 1)), { name: "SipParseError" });
    assert.throws(() => fixTopVia(m, rcv("1.1.1.1", 1)), { name: "SipParseError" });
  });
});
