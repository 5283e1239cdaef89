/** core/sip/framing: finding message ends in a TCP byte stream. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { findMessageEnd, leadingCrlf, type Frame } from "../core/sip/framing.ts";
import { isParseFailure, SipMessage } from "../core/sip/message.ts";

const msg = (body: string, cl: string | null = String(Buffer.byteLength(body)), name = "Content-Length"): string =>
  "OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n" +
  (cl === null ? "" : `${name}: ${cl}\r\n`) +
  "\r\n" +
  body;

const frame = (r: ReturnType<typeof findMessageEnd>): Frame => {
  if (r === "incomplete" || "error" in r) assert.fail(`expected a frame, got ${JSON.stringify(r)}`);
  return r;
};

describe("findMessageEnd", () => {
  test("one whole message", () => {
    const b = Buffer.from(msg("hello"));
    const f = frame(findMessageEnd(b, 0));
    assert.equal(f.total, b.length);
    assert.equal(f.skipped, 0);
    assert.equal(b.subarray(f.headerEnd, f.total).toString(), "hello");
  });

  test("two messages back to back, compact l, leading CRLF keep-alives", () => {
    const a = msg("abc", "3", "l");
    const c = msg("", "0", "content-length");
    const b = Buffer.from(`\r\n\r\n${a}${c}`);
    const f1 = frame(findMessageEnd(b, 0));
    assert.equal(f1.skipped, 4);
    assert.equal(f1.total, 4 + a.length);
    const m1 = SipMessage.parse(b.subarray(0, f1.total));
    assert.ok(!isParseFailure(m1) && m1.body.toString() === "abc");
    const f2 = frame(findMessageEnd(b, f1.total));
    assert.equal(f1.total + f2.total, b.length);
  });

  test("every prefix is incomplete, never wrong", () => {
    const b = Buffer.from(msg("0123456789"));
    for (let n = 0; n < b.length; n++) assert.equal(findMessageEnd(b.subarray(0, n), 0), "incomplete", `prefix ${n}`);
    assert.equal(frame(findMessageEnd(b, 0)).total, b.length);
  });

  test("only CRLFs: incomplete, and leadingCrlf counts them", () => {
    const b = Buffer.from("\r\n\r\n");
    assert.equal(findMessageEnd(b, 0), "incomplete");
    assert.equal(leadingCrlf(b, 0), 4);
  });

  test("errors: no Content-Length, malformed, conflicting, too large", () => {
    assert.deepEqual(findMessageEnd(Buffer.from(msg("", null)), 0), { error: "no Content-Length on a stream transport" });
    assert.ok("error" in (findMessageEnd(Buffer.from(msg("", "x1")), 0) as object));
    assert.ok("error" in (findMessageEnd(Buffer.from(msg("", "-1")), 0) as object));
    const two = msg("ab", "2").replace("\r\n\r\n", "\r\nl: 3\r\n\r\n");
    assert.ok("error" in (findMessageEnd(Buffer.from(two), 0) as object));
    assert.ok("error" in (findMessageEnd(Buffer.from(msg("", "70000")), 0) as object));
    const endless = Buffer.from(`OPTIONS sip:b@h SIP/2.0\r\nX: ${"a".repeat(70000)}`);
    assert.ok("error" in (findMessageEnd(endless, 0) as object));
    assert.equal(findMessageEnd(endless, 0, 100000), "incomplete");
  });

  test("a Content-Length header value split over the chunk boundary waits", () => {
    const b = Buffer.from(msg("x".repeat(12)));
    const cut = b.indexOf("Content-Length") + 17;
    assert.equal(findMessageEnd(b.subarray(0, cut), 0), "incomplete");
  });
});
