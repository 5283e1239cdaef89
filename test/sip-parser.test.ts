/** core/sip parser: header access, compact forms, folding, lists, limits, malformed input. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { isParseFailure, SipMessage, SipParseError, type ParseFailure } from "../core/sip/message.ts";
import { buildReply } from "../core/sip/reply.ts";

const CRLF = "\r\n";
const fixture = (f: string): Buffer => readFileSync(new URL(`./fixtures/sip/${f}`, import.meta.url));

const req = (headers: readonly string[], body = "", start = "OPTIONS sip:bob@example.com SIP/2.0"): Buffer =>
  Buffer.from([start, ...headers].join(CRLF) + CRLF + CRLF + body, "utf8");

const base = [
  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1",
  "From: <sip:alice@example.com>;tag=a1",
  "To: <sip:bob@example.com>",
  "Call-ID: c1@example.com",
  "CSeq: 1 OPTIONS",
  "Max-Forwards: 70",
];

const ok = (b: Uint8Array, limits?: Parameters<typeof SipMessage.parse>[1]): SipMessage => {
  const r = SipMessage.parse(b, limits);
  if (isParseFailure(r)) assert.fail(`expected a message: ${r.status} ${r.reason}`);
  return r;
};
const fail = (b: Uint8Array, limits?: Parameters<typeof SipMessage.parse>[1]): ParseFailure => {
  const r = SipMessage.parse(b, limits);
  if (!isParseFailure(r)) assert.fail("expected a failure");
  return r;
};

describe("SipMessage.parse: the fixtures", () => {
  test("INVITE: start line, core headers, body", () => {
    const m = ok(fixture("invite.sip"));
    assert.equal(m.isRequest, true);
    assert.equal(m.method, "INVITE");
    assert.equal(m.ruri, "sip:bob@biloxi.example.com");
    assert.equal(m.version, "SIP/2.0");
    assert.equal(m.status, 0);
    assert.equal(m.via().branch, "z9hG4bK776asdhds");
    assert.equal(m.via().rport, "");
    assert.equal(m.via().port, 5060);
    assert.equal(m.callId(), "a84b4c76e66710@pc33.atlanta.example.com");
    assert.deepEqual({ ...m.cseq() }, { seq: 314159, method: "INVITE" });
    assert.equal(m.from().tag, "1928301774");
    assert.equal(m.from().display, "Alice");
    assert.equal(m.to().tag, undefined);
    assert.equal(m.maxForwards(), 70);
    assert.equal(m.contentLength(), m.body.length);
    assert.ok(m.body.toString().startsWith("v=0\r\n"));
    assert.deepEqual(m.headerValues("allow"), ["INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "REFER", "NOTIFY", "INFO", "UPDATE"]);
  });

  test("200 OK: reply fields, three Vias, Record-Route list", () => {
    const m = ok(fixture("ok200.sip"));
    assert.equal(m.isRequest, false);
    assert.equal(m.status, 200);
    assert.equal(m.reason, "OK");
    assert.equal(m.method, "INVITE");
    assert.equal(m.ruri, "");
    assert.equal(m.vias().length, 3);
    assert.equal(m.via().received, "192.0.2.3");
    assert.equal(m.to().tag, "a6c85cf");
    assert.deepEqual(
      m.recordRoute().map((r) => r.uri),
      ["sip:server10.biloxi.example.com;lr", "sip:bigbox3.site3.atlanta.example.com;lr"],
    );
  });

  test("REGISTER: quoted commas and <> inside Contact params", () => {
    const m = ok(fixture("register.sip"));
    const [c] = m.contact();
    assert.equal(c?.uri, "sip:bob@192.0.2.4:5060;transport=udp");
    assert.equal(c?.params.get("+sip.instance"), '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"');
    assert.equal(c?.params.get("expires"), "7200");
    assert.equal(m.headerValues("authorization").length, 6);
  });
});

describe("header access", () => {
  test("names are case-insensitive and compact forms map both ways", () => {
    const m = ok(
      req([
        "v: SIP/2.0/UDP h1;branch=z9hG4bKa",
        "f: <sip:a@x>;tag=1",
        "t: <sip:b@x>",
        "i: cid",
        "CSEQ: 2 OPTIONS",
        "m: <sip:a@h1>",
        "l: 0",
        "c: text/plain",
        "k: 100rel",
        "s: hi",
        "e: gzip",
        "o: presence",
        "u: dialog",
        "r: <sip:c@x>",
        "b: <sip:d@x>",
        "X-Custom: one",
        "x-custom: two",
      ]),
    );
    assert.equal(m.header("Via"), "SIP/2.0/UDP h1;branch=z9hG4bKa");
    assert.equal(m.header("VIA"), m.header("v"));
    assert.equal(m.header("call-id"), "cid");
    assert.equal(m.header("I"), "cid");
    assert.equal(m.header("Contact"), "<sip:a@h1>");
    assert.equal(m.header("content-type"), "text/plain");
    assert.equal(m.header("Supported"), "100rel");
    assert.equal(m.header("Subject"), "hi");
    assert.equal(m.header("Content-Encoding"), "gzip");
    assert.equal(m.header("Event"), "presence");
    assert.equal(m.header("Allow-Events"), "dialog");
    assert.equal(m.header("Refer-To"), "<sip:c@x>");
    assert.equal(m.header("Referred-By"), "<sip:d@x>");
    assert.deepEqual(m.headers("X-CUSTOM"), ["one", "two"]);
    assert.equal(m.hasHeader("x-custom"), true);
    assert.equal(m.hasHeader("X-Other"), false);
    assert.equal(m.header("X-Other"), undefined);
    assert.deepEqual(m.headers("X-Other"), []);
    assert.equal(m.contentLength(), 0);
    assert.equal(m.headerNames()[0], "v");
    assert.equal(m.headerNames().length, 17);
  });

  test("folded lines are unfolded; empty values are empty strings", () => {
    const m = ok(req([...base, "Subject: a long", "  subject\tline", "X-Empty:", "X-Spaces:    ", "X-Folded-Empty:", "   starts here"]));
    assert.equal(m.header("subject"), "a long subject\tline");
    assert.equal(m.header("x-empty"), "");
    assert.equal(m.header("x-spaces"), "");
    assert.equal(m.header("x-folded-empty"), "starts here");
  });

  test("comma lists respect quotes and <>", () => {
    const m = ok(
      req([
        ...base,
        'Contact: "Doe, John" <sip:j@h;x=1,2>;q=0.5, <sip:k@h>, sip:l@h;expires=5',
        "Allow: INVITE,ACK , BYE",
        "Allow: OPTIONS",
        'X-List: a, "b, c", <d,e>, , f',
      ]),
    );
    assert.deepEqual(m.headerValues("allow"), ["INVITE", "ACK", "BYE", "OPTIONS"]);
    assert.deepEqual(m.headerValues("x-list"), ["a", '"b, c"', "<d,e>", "f"]);
    const cs = m.contact();
    assert.equal(cs.length, 3);
    assert.equal(cs[0]?.display, "Doe, John");
    assert.equal(cs[0]?.uri, "sip:j@h;x=1,2");
    assert.equal(cs[0]?.params.get("q"), "0.5");
    assert.equal(cs[2]?.uri, "sip:l@h");
    assert.equal(cs[2]?.params.get("expires"), "5");
    assert.equal(cs[2]?.bracketed, false);
  });

  test("Contact: * and params without values", () => {
    const headers = [...base.filter((h) => !h.startsWith("CSeq")), "CSeq: 1 REGISTER", "Contact: *", "Expires: 0", "X-P: <sip:a@h;lr>;flag;k=v"];
    const m = ok(req(headers, "", "REGISTER sip:example.com SIP/2.0"));
    const [c] = m.contact();
    assert.equal(c?.star, true);
    assert.equal(c?.uri, "*");
    const r = m.headerValues("x-p");
    assert.equal(r.length, 1);
  });

  test("multiple Via headers and Via lists in order; IPv6 sent-by", () => {
    const m = ok(
      req([
        "Via: SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKv6;received=[2001:db8::9];rport=5070, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKb",
        "Via: SIP/2.0/WSS edge.example.com;branch=z9hG4bKc;rport",
        ...base.slice(1),
      ]),
    );
    const v = m.vias();
    assert.equal(v.length, 3);
    assert.equal(v[0]?.host, "[2001:db8::1]");
    assert.equal(v[0]?.port, 5070);
    assert.equal(v[0]?.transport, "TCP");
    assert.equal(v[0]?.received, "[2001:db8::9]");
    assert.equal(v[0]?.rport, "5070");
    assert.equal(v[1]?.branch, "z9hG4bKb");
    assert.equal(v[1]?.rport, undefined);
    assert.equal(v[2]?.transport, "WSS");
    assert.equal(v[2]?.rport, "");
    assert.equal(m.via().host, "[2001:db8::1]");
    assert.deepEqual([...v[0]!.params.keys()], ["branch", "received", "rport"]);
  });

  test("IPv6 R-URI", () => {
    const m = ok(req(base, "", "OPTIONS sip:bob@[2001:db8::5]:5062;transport=tcp SIP/2.0"));
    const u = m.parsedRuri();
    assert.equal(u?.host, "[2001:db8::5]");
    assert.equal(u?.port, 5062);
    assert.equal(u?.params.get("transport"), "tcp");
  });

  test("lazy getters throw SipParseError on a malformed header", () => {
    const m = ok(req([...base, "Contact: <sip:a@h", "Route: not a uri", "Record-Route: <sip:rr@h;lr>, junk"]));
    for (const f of [() => m.contact(), () => m.route(), () => m.recordRoute()]) {
      assert.throws(f, (e: unknown) => e instanceof SipParseError && e.status === 400);
    }
  });

  test("bare LF line ends are accepted", () => {
    const text = ["OPTIONS sip:bob@example.com SIP/2.0", ...base, "Content-Length: 2", "", "hi"].join("\n");
    const m = ok(Buffer.from(text));
    assert.equal(m.callId(), "c1@example.com");
    assert.equal(m.body.toString(), "hi");
  });

  test("leading CRLFs are skipped; a body shorter than the datagram is cut at Content-Length", () => {
    const m = ok(Buffer.concat([Buffer.from("\r\n\r\n"), req([...base, "Content-Length: 3"], "abcdef")]));
    assert.equal(m.body.toString(), "abc");
    assert.ok(m.serialize().toString().startsWith("OPTIONS "));
  });

  test("a plain Uint8Array (not a Buffer) parses too", () => {
    const b = req(base);
    const u8 = new Uint8Array(b.length + 4).subarray(2, 2 + b.length);
    u8.set(b);
    const m = ok(u8);
    assert.equal(m.callId(), "c1@example.com");
    assert.ok(m.serialize().equals(b));
  });

  test("UTF-8 in values is decoded", () => {
    const m = ok(req([...base.filter((h) => !h.startsWith("From")), 'From: "Jürgen Ω" <sip:j@example.com>;tag=9', "Subject: ça va"]));
    assert.equal(m.from().display, "Jürgen Ω");
    assert.equal(m.header("subject"), "ça va");
  });

  test("UTF-8 is decoded value by value: an ASCII value beside a non-ASCII one is cut as is", () => {
    const lines = base.filter((h) => !h.startsWith("From") && !h.startsWith("Call-ID") && !h.startsWith("Via"));
    const m = ok(
      req([
        "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKutf8;x=\"für\"",
        'From: "Zoë" <sip:z@example.com>;x="ünï";tag=t9',
        "Call-ID: ñ1@example.com",
        ...lines,
      ]),
    );
    assert.equal(m.callId(), "ñ1@example.com");
    assert.equal(m.via().branch, "z9hG4bKutf8");
    assert.equal(m.via().params.get("x"), '"für"');
    assert.equal(m.from().display, "Zoë");
    assert.equal(m.from().tag, "t9");
    assert.equal(m.from().params.get("x"), '"ünï"');
    assert.equal(m.header("to"), base.find((h) => h.startsWith("To:"))!.slice(4));
  });
});

describe("failures and limits", () => {
  test("keep-alives and empty buffers are discarded", () => {
    assert.equal(fail(Buffer.from("\r\n\r\n")).status, 0);
    assert.equal(fail(Buffer.alloc(0)).status, 0);
  });

  test("binary garbage is discarded, never thrown", () => {
    const g = Buffer.alloc(1500);
    for (let i = 0; i < g.length; i++) g[i] = (i * 7919 + 13) & 0xff;
    assert.equal(fail(g).status, 0);
  });

  test("a request without Via cannot be answered: discard", () => {
    const r = fail(req(base.slice(1).filter((h) => !h.startsWith("Call-ID"))));
    assert.equal(r.status, 0);
    assert.equal(r.partial, undefined);
  });

  test("truncated message (no empty line) gets 400 with a partial message", () => {
    const full = req(base).toString();
    const r = fail(Buffer.from(full.slice(0, full.indexOf("Max-Forwards"))));
    assert.equal(r.status, 400);
    assert.ok(r.partial);
    assert.match(buildReply(r.partial, 400, "Bad Request").toString(), /^SIP\/2\.0 400 Bad Request\r\nVia: /);
  });

  test("Content-Length larger than the datagram: 400; malformed Content-Length: 400", () => {
    assert.equal(fail(req([...base, "Content-Length: 10"], "abc")).status, 400);
    assert.equal(fail(req([...base, "Content-Length: abc"])).status, 400);
    assert.equal(fail(req([...base, "Content-Length: 99999999999999999999"])).status, 400);
  });

  test("a response that fails to parse is always discarded", () => {
    const r = fail(Buffer.from(`SIP/2.0 200 OK${CRLF}Via: SIP/2.0/UDP h;branch=z9hG4bK1${CRLF}CSeq: x${CRLF}${CRLF}`));
    assert.equal(r.status, 0);
    assert.equal(fail(Buffer.from(`SIP/2.0 20 OK${CRLF}${CRLF}`)).status, 0);
  });

  test("NUL bytes: in a header value the message parses; in the start line it fails", () => {
    const m = ok(req([...base, "X-Nul: a\x00b"]));
    assert.equal(m.header("x-nul"), "a\x00b");
    assert.equal(fail(req(base, "", "OPT\x00IONS sip:bob@example.com SIP/2.0")).status, 400);
    assert.equal(fail(req(base, "", "OPTIONS sip:b\x00b@example.com SIP/2.0")).status, 400);
  });

  test("message size: exactly maxMessageSize parses, one byte more is 513", () => {
    const head = req([...base, "X-Pad: "]).toString();
    const make = (size: number): Buffer => {
      const pad = size - head.length;
      const lines = [...base];
      // fill with padding headers of at most 1000 bytes each
      let left = pad;
      const fill: string[] = [];
      while (left > 0) {
        const n = Math.min(left, 1000);
        // "X-Pad: " + v + CRLF = n bytes
        fill.push(`X-Pad: ${"p".repeat(Math.max(0, n - 9))}`);
        left -= Math.max(n, 9);
      }
      const b = req([...lines, ...fill]);
      const extra = size - b.length;
      assert.ok(extra >= 0, `padding overshot by ${-extra}`);
      return req([...lines, ...fill.slice(0, -1), `${fill[fill.length - 1]!}${"q".repeat(extra)}`]);
    };
    const at = make(65535);
    assert.equal(at.length, 65535);
    ok(at);
    const over = make(65536);
    assert.equal(over.length, 65536);
    const r = fail(over);
    assert.equal(r.status, 513);
    assert.ok(r.partial);
    const small = fail(req(base), { maxMessageSize: 100 });
    assert.equal(small.status, 513);
  });

  test("too many headers: 400 (with a partial message when a Via came first)", () => {
    const many = Array.from({ length: 300 }, (_, i) => `X-H${i}: ${i}`);
    const r = fail(req([...base, ...many]));
    assert.equal(r.status, 400);
    assert.ok(r.partial);
    ok(req([...base, ...many]), { maxHeaders: 400 });
    const first = fail(req([...many, ...base]));
    assert.equal(first.status, 0);
  });

  test("header longer than maxHeaderLength: 400", () => {
    assert.equal(fail(req([...base, `X-Long: ${"a".repeat(20000)}`])).status, 400);
    ok(req([...base, `X-Long: ${"a".repeat(20000)}`]), { maxHeaderLength: 30000 });
  });

  test("Request-URI over maxUriLength: 414", () => {
    const long = `sip:${"u".repeat(5000)}@example.com`;
    const r = fail(req(base, "", `OPTIONS ${long} SIP/2.0`));
    assert.equal(r.status, 414);
    assert.ok(r.partial);
    ok(req(base, "", `OPTIONS ${long} SIP/2.0`), { maxUriLength: 8000 });
  });

  test("list headers over maxListItems throw SipParseError", () => {
    const m = ok(req([...base, `Contact: ${Array.from({ length: 10 }, (_, i) => `<sip:c${i}@h>`).join(", ")}`]), { maxListItems: 5 });
    assert.throws(() => m.contact(), SipParseError);
    assert.throws(() => m.headerValues("contact"), SipParseError);
  });

  test("duplicated single-value headers: 400", () => {
    assert.equal(fail(req([...base, "Call-ID: again"])).status, 400);
    assert.equal(fail(req([...base, "l: 0", "Content-Length: 0"])).status, 400);
    assert.equal(fail(req([...base, "Max-Forwards: 5"])).status, 400);
  });

  test("SIP version other than 2.0: 505; not a version at all: 400", () => {
    assert.equal(fail(req(base, "", "OPTIONS sip:bob@example.com SIP/3.0")).status, 505);
    assert.equal(fail(req(base, "", "OPTIONS sip:bob@example.com HTTP/1.1")).status, 400);
  });

  test("a header line without a colon: 400", () => {
    assert.equal(fail(req([...base, "Garbage line"])).status, 400);
  });
});
