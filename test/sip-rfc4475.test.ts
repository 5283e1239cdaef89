/**
 * RFC 4475 torture messages (test/fixtures/rfc4475/*.dat): every message gives exactly the
 * outcome the table in test/fixtures/rfc4475/expected.ts records, never an exception.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { isParseFailure, SipMessage, SipParseError } from "../core/sip/message.ts";
import { buildReply } from "../core/sip/reply.ts";
import { parseUri } from "../core/sip/uri.ts";
import { uriSchemeOf } from "../core/sip/uri.ts";
import { rfc4475Cases, type Rfc4475Case } from "./fixtures/rfc4475/expected.ts";

const load = (name: string): Buffer => readFileSync(new URL(`./fixtures/rfc4475/${name}.dat`, import.meta.url));

const parseOk = (name: string): SipMessage => {
  const r = SipMessage.parse(load(name));
  if (isParseFailure(r)) assert.fail(`${name}: expected a message, got failure ${r.status} ${r.reason}`);
  return r;
};

const checkCase = (c: Rfc4475Case): void => {
  const buf = load(c.name);
  const r = SipMessage.parse(buf);
  if (c.outcome === "ok") {
    if (isParseFailure(r)) assert.fail(`${c.name}: expected a message, got failure ${r.status} ${r.reason}`);
    const k = c.checks ?? {};
    if (k.method !== undefined) assert.equal(r.method, k.method);
    if (k.ruri !== undefined) assert.equal(r.ruri, k.ruri);
    if (k.status !== undefined) assert.equal(r.status, k.status);
    if (k.reason !== undefined) assert.equal(r.reason, k.reason);
    if (k.callId !== undefined) assert.equal(r.callId(), k.callId);
    if (k.cseq !== undefined) assert.deepEqual([r.cseq().seq, r.cseq().method], [...k.cseq]);
    if (k.branch !== undefined) assert.equal(r.via().branch, k.branch ?? undefined);
    if (k.fromTag !== undefined) assert.equal(r.from().tag, k.fromTag ?? undefined);
    if (k.toTag !== undefined) assert.equal(r.to().tag, k.toTag ?? undefined);
    if (k.viaCount !== undefined) assert.equal(r.vias().length, k.viaCount);
    if (k.contactCount !== undefined) assert.equal(r.contact().length, k.contactCount);
    if (k.maxForwards !== undefined) assert.equal(r.maxForwards(), k.maxForwards);
    if (k.bodyLength !== undefined) assert.equal(r.body.length, k.bodyLength);
    if (k.contactThrows) {
      assert.throws(
        () => r.contact(),
        (e: unknown) => e instanceof SipParseError && e.status === 400,
      );
    }
    if (k.ruriScheme !== undefined) assert.equal(uriSchemeOf(r.ruri), k.ruriScheme);
    if (k.ruriParsed !== undefined) assert.equal(r.parsedRuri() !== undefined, k.ruriParsed);
    // an unedited message serializes back to its own bytes (up to the end of its body)
    assert.ok(r.serialize().equals(buf.subarray(0, r.bodyEnd)), `${c.name}: serialize() is not the original`);
    return;
  }
  if (!isParseFailure(r)) assert.fail(`${c.name}: expected failure ${c.outcome.status}, got a message`);
  assert.equal(r.status, c.outcome.status, `${c.name}: ${r.reason}`);
  assert.equal(typeof r.reason, "string");
  if (r.status !== 0) {
    assert.ok(r.partial, `${c.name}: a failure with a reply status carries the partial message`);
    const reply = buildReply(r.partial, r.status, "Bad Request", { toTag: "x1" }).toString("utf8");
    assert.ok(reply.startsWith(`SIP/2.0 ${r.status} `), reply);
    assert.match(reply, /\r\nVia: /);
    assert.match(reply, /\r\nContent-Length: 0\r\n\r\n$/);
  } else assert.equal(r.partial, undefined);
};

describe("RFC 4475 torture messages", () => {
  for (const c of rfc4475Cases) {
    test(`${c.section} ${c.name}: ${c.title} -> ${c.outcome === "ok" ? "parsed" : `status ${c.outcome.status}`}`, () => checkCase(c));
  }

  test("the table covers all 49 messages of the RFC", () => {
    assert.equal(rfc4475Cases.length, 49);
    assert.equal(new Set(rfc4475Cases.map((c) => c.name)).size, 49);
  });

  test("wsinv: folded and spaced values come out unfolded and trimmed", () => {
    const m = parseOk("wsinv");
    assert.equal(m.from().display, 'J Rosenberg \\"');
    assert.equal(m.from().uri, "sip:jdrosen@example.com");
    assert.equal(m.to().uri, "sip:vivekg@chair-dnrc.example.com");
    assert.equal(m.header("subject"), "");
    assert.equal(m.header("s"), "");
    assert.equal(m.header("NewFangledHeader"), "newfangled value continued newfangled value");
    assert.equal(m.header("UnknownHeaderWithUnusualValue"), ";;,,;;,;");
    const vias = m.vias();
    assert.deepEqual(
      vias.map((v) => [v.transport, v.host, v.branch]),
      [
        ["UDP", "192.0.2.2", "390skdjuw"],
        ["TCP", "spindle.example.com", "z9hG4bK9ikj8"],
        ["UDP", "192.168.255.111", "z9hG4bK30239"],
      ],
    );
    const [ct] = m.contact();
    assert.equal(ct?.display, 'Quoted string ""');
    assert.equal(ct?.params.get("newparam"), "newvalue");
    assert.equal(ct?.params.get("secondparam"), "");
    assert.equal(ct?.params.get("q"), "0.33");
    const [rt] = m.route();
    assert.equal(rt?.uri, "sip:services.example.com;lr;unknownwith=value;unknown-no-value");
    const ru = m.parsedRuri();
    assert.equal(ru?.params.get("unknownparam"), "");
    assert.equal(m.contentType(), "application/sdp");
  });

  test("intmeth: quoted control characters and UTF-8 values", () => {
    const m = parseOk("intmeth");
    assert.equal(m.to().display, "BEL:\x07 NUL:\x00 DEL:\x7F");
    assert.equal(m.from().display, "token1~` token2'+_ token3*%!.-");
    assert.equal(m.from().params.get("fromparam''~+*_!.-%"), '"работающий"');
    assert.equal(m.header("extensionHeader-!.%*+_`'~"), "\uFEFF大停電");
    const u = m.parsedRuri();
    assert.equal(u?.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(u?.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(u?.host, "example.com");
  });

  test("esc01 / escnull / semiuri: escapes decode in URIs", () => {
    const e = parseOk("esc01");
    assert.equal(e.parsedRuri()?.user, "sips:user@example.com");
    assert.equal(e.parsedRuri()?.host, "example.net");
    assert.equal(parseUri(e.to().uri)?.user, "user");
    assert.equal(parseUri(e.from().uri)?.user, "I have spaces");
    const c = parseUri(e.contact()[0]!.uri);
    assert.equal(c?.user, "caller");
    assert.deepEqual([...(c?.params ?? [])], [["lr", ""], ["name", "value%41"]]);
    const n = parseOk("escnull");
    assert.equal(parseUri(n.to().uri)?.user, "null-\x00-null");
    assert.deepEqual(
      n.contact().map((x) => parseUri(x.uri)?.user),
      ["\x00", "\x00\x00"],
    );
    const s = parseOk("semiuri");
    assert.equal(s.parsedRuri()?.user, "user;par=u@example.net");
    assert.equal(s.parsedRuri()?.host, "example.com");
    assert.deepEqual(s.headerValues("accept"), [
      "application/sdp",
      "application/pkcs7-mime",
      "multipart/mixed",
      "multipart/signed",
      "message/sip",
      "message/sipfrag",
    ]);
  });

  test("esc02: % is not an escape in methods, display names and header names", () => {
    const m = parseOk("esc02");
    assert.equal(m.to().display, "%Z%45");
    assert.equal(m.header("C%6Fntact"), "<sip:alias2@host2.example.com>");
    assert.deepEqual(
      m.contact().map((c) => c.uri),
      ["sip:alias1@host1.example.com", "sip:alias3@host3.example.com"],
    );
  });

  test("longreq: long values, 34 Vias under every spelling of Via", () => {
    const m = parseOk("longreq");
    const vias = m.vias();
    assert.equal(vias[0]?.host, "sip33.example.com");
    assert.equal(vias[33]?.host, "host.example.com");
    assert.equal(vias[33]?.received, "192.0.2.5");
    assert.ok((vias[33]?.branch ?? "").startsWith("verylonglong"));
    assert.equal(m.to().display, `I have a user name of ${"extreme".repeat(10)} proportion`);
    assert.equal(parseUri(m.to().uri)?.port, 6000);
    assert.equal(m.from().tag, `12${"982".repeat(50)}424`);
    assert.equal(m.headers("via").length, 34);
  });

  test("dblreq: only the first message of the datagram is used", () => {
    const m = parseOk("dblreq");
    assert.equal(m.body.length, 0);
    assert.equal(m.serialize().toString("latin1").includes("INVITE"), false);
  });

  test("transports, mpart01, unreason, noreason", () => {
    assert.deepEqual(
      parseOk("transports").vias().map((v) => v.transport),
      ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"],
    );
    const mp = parseOk("mpart01");
    assert.ok(mp.body.includes(0));
    assert.ok(mp.body.toString("latin1").endsWith("--7a9cbec02ceef655--\r\n"));
    assert.equal(mp.via().rport, "");
    assert.equal(mp.header("identity")?.length, 172);
    assert.equal(parseOk("unreason").isRequest, false);
    assert.equal(parseOk("noreason").reason, "");
  });

  test("unksm2, cparam01, cparam02, regescrt: where parameters and headers belong", () => {
    const u = parseOk("unksm2");
    assert.equal(u.to().uri, "isbn:2983792873");
    assert.equal(u.from().uri, "http://www.example.com");
    assert.equal(u.contact()[0]?.uri, "name:John_Smith");
    const c1 = parseOk("cparam01").contact()[0]!;
    assert.equal(c1.uri, "sip:+19725552222@gw1.example.net");
    assert.equal(c1.params.get("unknownparam"), "");
    const c2 = parseOk("cparam02").contact()[0]!;
    assert.equal(c2.params.size, 0);
    assert.equal(parseUri(c2.uri)?.params.get("unknownparam"), "");
    const r = parseOk("regescrt").contact()[0]!;
    assert.equal(parseUri(r.uri)?.headers.get("Route"), "<sip:sip.example.com>");
  });

  test("inv2543: no Content-Length means the body is the rest of the datagram", () => {
    const m = parseOk("inv2543");
    assert.equal(m.contentLength(), undefined);
    assert.ok(m.body.toString().startsWith("v=0\r\n"));
    assert.equal(m.recordRoute()[0]?.uri, "sip:UserB@example.com;maddr=ss1.example.com");
  });

  test("insuf: the 400 copies what exists", () => {
    const r = SipMessage.parse(load("insuf"));
    assert.ok(isParseFailure(r) && r.partial);
    const reply = buildReply(r.partial, 400, "Missing Headers").toString();
    assert.match(reply, /^SIP\/2\.0 400 Missing Headers\r\nVia: SIP\/2\.0\/UDP 192\.0\.2\.95;branch=z9hG4bKkdj\.insuf\r\nCSeq: 193942 INVITE\r\n/);
  });

  test("badvers: the 505 can be built", () => {
    const r = SipMessage.parse(load("badvers"));
    assert.ok(isParseFailure(r) && r.partial);
    assert.match(buildReply(r.partial, 505, "Version Not Supported").toString(), /^SIP\/2\.0 505 /);
  });
});
