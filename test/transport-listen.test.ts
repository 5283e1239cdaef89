import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Either } from "effect";
import { formatSocket, parseListen, parseListens } from "../core/transport/listen-spec.ts";

const ok = (s: string) => {
  const r = parseListen(s);
  if (Either.isLeft(r)) throw new Error(r.left.format());
  return r.right.map((x) => `${x.proto} ${x.ip} ${x.port} v${x.af}`);
};
const bad = (s: string) => {
  const r = parseListen(s);
  assert.ok(Either.isLeft(r), `expected "${s}" to be refused`);
  assert.equal(r.left.code, "SM_LISTEN");
  assert.match(r.left.format(), /fix: .*udp:127\.0\.0\.1:5060/);
  return r.left.message;
};

describe("listen specs", () => {
  test("proto:ip:port for IPv4 and IPv6", () => {
    assert.deepEqual(ok("udp:127.0.0.1:5060"), ["udp 127.0.0.1 5060 v4"]);
    assert.deepEqual(ok("tcp:[::1]:5070"), ["tcp ::1 5070 v6"]);
    assert.deepEqual(ok("TCP:10.0.0.1:0"), ["tcp 10.0.0.1 0 v4"]);
  });
  test("without a protocol: udp and tcp", () => {
    assert.deepEqual(ok("127.0.0.1:5060"), ["udp 127.0.0.1 5060 v4", "tcp 127.0.0.1 5060 v4"]);
    assert.deepEqual(ok("[::1]:5062"), ["udp ::1 5062 v6", "tcp ::1 5062 v6"]);
  });
  test("without a port: 5060; bare IPv6 literals", () => {
    assert.deepEqual(ok("udp:127.0.0.1"), ["udp 127.0.0.1 5060 v4"]);
    assert.deepEqual(ok("tcp:::1"), ["tcp ::1 5060 v6"]);
    assert.deepEqual(ok("fe80::1"), ["udp fe80::1 5060 v6", "tcp fe80::1 5060 v6"]);
    assert.deepEqual(ok("[2001:db8::5]"), ["udp 2001:db8::5 5060 v6", "tcp 2001:db8::5 5060 v6"]);
    assert.deepEqual(ok(" udp:0.0.0.0:5060 "), ["udp 0.0.0.0 5060 v4"]);
  });
  test("bad specs are SM_LISTEN with the fix", () => {
    assert.match(bad(""), /empty/);
    assert.match(bad("sctp:127.0.0.1:5060"), /not supported yet/);
    assert.match(bad("foo:127.0.0.1:5060"), /unknown protocol/);
    assert.match(bad("udp:localhost:5060"), /not an IP address/);
    assert.match(bad("udp:127.0.0.1:70000"), /above 65535/);
    assert.match(bad("udp:127.0.0.1:50x"), /not a number/);
    assert.match(bad("udp:[::1:5060"), /missing '\]'/);
    assert.match(bad("udp:[::1]5060"), /unexpected/);
    assert.match(bad("udp:[127.0.0.1]:5060"), /not an IPv6/);
    assert.match(bad("udp:1.2.3:5060"), /not an IP address/);
  });
  test("several specs; the first bad one is the error", () => {
    const r = parseListens(["udp:127.0.0.1:0", "tcp:[::1]:0"]);
    assert.ok(Either.isRight(r));
    assert.equal(r.right.length, 2);
    const e = parseListens(["udp:127.0.0.1:0", "udp:nope"]);
    assert.ok(Either.isLeft(e));
    assert.match(e.left.message, /"udp:nope"/);
  });
  test("formatSocket brackets IPv6", () => {
    assert.equal(formatSocket("udp", "::1", 5060), "udp:[::1]:5060");
    assert.equal(formatSocket("tcp", "127.0.0.1", 5), "tcp:127.0.0.1:5");
  });
});
