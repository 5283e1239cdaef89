/** core/sip edits (lumps) applied by serialize(), and buildReply. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { isParseFailure, SipMessage } from "../core/sip/message.ts";
import { buildReply } from "../core/sip/reply.ts";

const fixture = (f: string): Buffer => readFileSync(new URL(`./fixtures/sip/${f}`, import.meta.url));
const parse = (b: Uint8Array): SipMessage => {
  const r = SipMessage.parse(b);
  if (isParseFailure(r)) assert.fail(`${r.status} ${r.reason}`);
  return r;
};
const invite = (): SipMessage => parse(fixture("invite.sip"));

describe("edits applied at serialize", () => {
  test("no edits: serialize returns the original bytes", () => {
    const b = fixture("invite.sip");
    const m = parse(b);
    assert.equal(m.edited, false);
    assert.ok(m.serialize().equals(b));
  });

  test("add headers first and last, remove and replace", () => {
    const m = invite();
    m.addHeader("X-Last-1", "one");
    m.addHeader("X-Last-2", "two", "last");
    m.addHeader("X-First-1", "a", "first");
    m.addHeader("X-First-2", "b", "first");
    assert.equal(m.removeHeader("user-agent"), 1);
    assert.equal(m.removeHeader("X-Nope"), 0);
    m.replaceHeader("Supported", "timer");
    m.replaceHeader("X-New", "added because absent");
    assert.equal(m.edited, true);
    // getters keep showing the received message
    assert.equal(m.header("user-agent"), "sipmod-bench/1.0");
    assert.equal(m.header("x-last-1"), undefined);
    const out = m.serialize().toString();
    const lines = out.split("\r\n");
    assert.equal(lines[1], "X-First-2: b");
    assert.equal(lines[2], "X-First-1: a");
    const r = parse(m.serialize());
    assert.equal(r.header("X-Last-1"), "one");
    assert.equal(r.header("X-Last-2"), "two");
    assert.equal(r.header("user-agent"), undefined);
    assert.equal(r.header("supported"), "timer");
    assert.equal(r.header("x-new"), "added because absent");
    assert.ok(r.body.equals(m.body));
    assert.equal(r.headerNames().indexOf("X-Last-1") < r.headerNames().indexOf("X-Last-2"), true);
  });

  test("removeHeaderAt removes one occurrence; replaceHeader collapses duplicates", () => {
    const b = Buffer.from(
      fixture("options.sip")
        .toString()
        .replace("Accept: application/sdp\r\n", "Accept: application/sdp\r\nX-D: 1\r\nX-D: 2\r\nX-D: 3\r\n"),
    );
    const m1 = parse(b);
    assert.equal(m1.removeHeaderAt("x-d", 1), true);
    assert.equal(m1.removeHeaderAt("x-d", 7), false);
    assert.deepEqual(parse(m1.serialize()).headers("x-d"), ["1", "3"]);
    const m2 = parse(b);
    m2.replaceHeader("X-D", "only");
    assert.deepEqual(parse(m2.serialize()).headers("x-d"), ["only"]);
  });

  test("R-URI rewrite is visible through currentRuri()", () => {
    const m = invite();
    m.setRuri("sip:bob@192.0.2.99:5080;transport=tcp");
    assert.equal(m.ruri, "sip:bob@biloxi.example.com");
    assert.equal(m.currentRuri(), "sip:bob@192.0.2.99:5080;transport=tcp");
    const r = parse(m.serialize());
    assert.equal(r.ruri, "sip:bob@192.0.2.99:5080;transport=tcp");
    assert.equal(r.method, "INVITE");
    assert.throws(() => m.setRuri("sip:a b"), RangeError);
    assert.throws(() => m.setRuri("sip:a\r\nX: y"), RangeError);
  });

  test("prepend Via, received/rport on the top Via, remove the top Via", () => {
    const m = invite();
    m.setTopViaParam("received", "198.51.100.7");
    m.setTopViaParam("rport", "40123");
    m.prependVia("SIP/2.0/UDP proxy.example.net;branch=z9hG4bKproxy1");
    m.prependVia("SIP/2.0/UDP proxy2.example.net;branch=z9hG4bKproxy2");
    assert.equal(m.via().received, undefined);
    const r = parse(m.serialize());
    const v = r.vias();
    assert.deepEqual(
      v.map((x) => x.branch),
      ["z9hG4bKproxy2", "z9hG4bKproxy1", "z9hG4bK776asdhds"],
    );
    assert.equal(v[2]?.received, "198.51.100.7");
    assert.equal(v[2]?.rport, "40123");
    assert.equal(v[2]?.port, 5060);
    // replies built from the request carry the edited top Via, without the prepended ones
    const reply = parse(buildReply(m, 200, "OK", { toTag: "t1" }));
    assert.equal(reply.vias().length, 1);
    assert.equal(reply.via().received, "198.51.100.7");
    assert.equal(reply.via().rport, "40123");
  });

  test("rport without value is replaced in place; a param can be removed", () => {
    const m = invite();
    m.setTopViaParam("rport", "5099");
    const raw = parse(m.serialize()).header("via");
    assert.equal(raw, "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport=5099");
    const m2 = invite();
    m2.setTopViaParam("rport", null);
    m2.setTopViaParam("received", "10.0.0.1");
    assert.equal(parse(m2.serialize()).header("via"), "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;received=10.0.0.1");
    assert.throws(() => m2.setTopViaParam("received", "1.2.3.4;evil=1"), RangeError);
  });

  test("removeTopVia on a reply takes only the first value of a Via list", () => {
    const b = Buffer.from(
      fixture("ok200.sip")
        .toString()
        .replace(
          "Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3\r\n",
          "Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3, SIP/2.0/UDP x.example.com;branch=z9hG4bKx\r\n",
        ),
    );
    const m = parse(b);
    m.removeTopVia();
    const r = parse(m.serialize());
    assert.deepEqual(
      r.vias().map((v) => v.host),
      ["x.example.com", "bigbox3.site3.atlanta.example.com", "pc33.atlanta.example.com"],
    );
    const m2 = parse(fixture("ok200.sip"));
    m2.removeTopVia();
    assert.equal(parse(m2.serialize()).vias().length, 2);
  });

  test("setBody rewrites Content-Length and Content-Type", () => {
    const m = invite();
    m.setBody("hello world", "text/plain");
    const r = parse(m.serialize());
    assert.equal(r.body.toString(), "hello world");
    assert.equal(r.contentLength(), 11);
    assert.equal(r.contentType(), "text/plain");
    assert.equal(r.headers("content-length").length, 1);
    const m2 = invite();
    m2.setBody(new Uint8Array(0));
    const r2 = parse(m2.serialize());
    assert.equal(r2.body.length, 0);
    assert.equal(r2.contentLength(), 0);
    assert.equal(r2.contentType(), undefined);
    const m3 = invite();
    m3.setBody(Buffer.from([0, 1, 2, 255]));
    const r3 = parse(m3.serialize());
    assert.deepEqual([...r3.body], [0, 1, 2, 255]);
    assert.equal(r3.contentType(), "application/sdp");
  });

  test("serialize({ contentLength: 'always' }) adds Content-Length where there was none", () => {
    const b = Buffer.from(fixture("options.sip").toString().replace("Content-Length: 0\r\n", ""));
    const m = parse(b);
    assert.equal(m.serialize().toString().includes("Content-Length"), false);
    const s = m.serialize({ contentLength: "always" }).toString();
    assert.match(s, /\r\nContent-Length: 0\r\n\r\n$/);
  });

  test("compact and folded headers survive edits elsewhere; invalid edits are refused", () => {
    const text = fixture("options.sip").toString().replace("Accept: application/sdp\r\n", "s: folded\r\n  subject\r\nv: SIP/2.0/UDP second;branch=z9hG4bK2\r\n");
    const m = parse(Buffer.from(text));
    m.addHeader("X-A", "1");
    const r = parse(m.serialize());
    assert.equal(r.header("subject"), "folded subject");
    assert.equal(r.vias().length, 2);
    assert.throws(() => m.addHeader("Bad Name", "x"), RangeError);
    assert.throws(() => m.addHeader("X-Inject", "a\r\nVia: evil"), RangeError);
    assert.throws(() => m.replaceHeader("X", "a\nb"), RangeError);
  });
});

describe("buildReply", () => {
  test("a request's reply", () => {
    const m = invite();
    const out = buildReply(m, 486, "Busy Here", { toTag: "abc", headers: [["Retry-After", "30"]] }).toString();
    assert.equal(
      out,
      "SIP/2.0 486 Busy Here\r\n" +
        "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n" +
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
        "To: Bob <sip:bob@biloxi.example.com>;tag=abc\r\n" +
        "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Retry-After: 30\r\n" +
        "Content-Length: 0\r\n\r\n",
    );
    const r = parse(Buffer.from(out));
    assert.equal(r.status, 486);
    assert.equal(r.to().tag, "abc");
  });

  test("no To tag on 100; an existing To tag is kept; Timestamp is echoed on 100", () => {
    const m = parse(Buffer.from(fixture("options.sip").toString().replace("To: <sip:carol@chicago.example.com>", "To: <sip:carol@chicago.example.com>;tag=have").replace("Accept:", "Timestamp: 54\r\nAccept:")));
    const t100 = buildReply(m, 100, "Trying", { toTag: "new" }).toString();
    assert.match(t100, /\r\nTo: <sip:carol@chicago\.example\.com>;tag=have\r\n/);
    assert.match(t100, /\r\nTimestamp: 54\r\n/);
    const i = invite();
    assert.match(buildReply(i, 100, "Trying", { toTag: "new" }).toString(), /\r\nTo: Bob <sip:bob@biloxi\.example\.com>\r\n/);
    assert.match(buildReply(m, 200, "OK", { toTag: "new" }).toString(), /;tag=have\r\n/);
  });

  test("body and content type", () => {
    const out = buildReply(invite(), 200, "OK", { toTag: "x", body: "v=0\r\n", contentType: "application/sdp" });
    const r = parse(out);
    assert.equal(r.body.toString(), "v=0\r\n");
    assert.equal(r.contentType(), "application/sdp");
    assert.throws(() => buildReply(invite(), 1000, "Nope"), RangeError);
    assert.throws(() => buildReply(invite(), 2.5, "Nope"), RangeError);
    // Kamailio's sl_send_reply sends codes below 100 too, as three digits.
    assert.match(buildReply(invite(), 99, "Low").toString("latin1"), /^SIP\/2\.0 099 Low\r\n/);
  });
});
