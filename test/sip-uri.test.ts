/** core/sip URI and name-addr parsers. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { formatUri, makeUri, parseUri, unescapeUri } from "../core/sip/uri.ts";
import { formatNameAddr, parseNameAddr } from "../core/sip/name-addr.ts";
import { editViaParams, formatVia, parseVia, parseViaList } from "../core/sip/via.ts";
import { parseCSeq } from "../core/sip/cseq.ts";
import { headerIdOf, normalizeHeaderName, compactNameOf } from "../core/sip/header-names.ts";

describe("parseUri", () => {
  test("sip URI with every part", () => {
    const u = parseUri("sip:alice:secret@atlanta.example.com:5061;transport=TCP;lr;Maddr=10.0.0.1?subject=project%20x&priority=urgent");
    assert.ok(u);
    assert.equal(u.scheme, "sip");
    assert.equal(u.user, "alice");
    assert.equal(u.password, "secret");
    assert.equal(u.host, "atlanta.example.com");
    assert.equal(u.port, 5061);
    assert.deepEqual([...u.params], [["transport", "TCP"], ["lr", ""], ["maddr", "10.0.0.1"]]);
    assert.deepEqual([...u.headers], [["subject", "project x"], ["priority", "urgent"]]);
  });

  test("sips, IPv6, no user, tel", () => {
    assert.equal(parseUri("sips:[2001:db8::1]:5061")?.host, "[2001:db8::1]");
    assert.equal(parseUri("SIPS:[2001:db8::1]")?.scheme, "sips");
    assert.equal(parseUri("sip:example.com")?.user, undefined);
    const t = parseUri("tel:+1-201-555-0123;phone-context=example.com");
    assert.equal(t?.scheme, "tel");
    assert.equal(t?.user, "+1-201-555-0123");
    assert.equal(t?.params.get("phone-context"), "example.com");
  });

  test("malformed and other schemes are undefined", () => {
    for (const s of ["", "sip:", "sip:@host", "sip:user@", "sip:host:99999", "sip:host:", "sip:[::1", "sip:a b@c", "sip:u@h;=x", "sip:u@h;x=", "sip:u@h?x", "sip:u%4@h", "sip:u%GG@h", "http://x", "mailto:a@b", "sip:u@[zz]", "tel:"]) {
      assert.equal(parseUri(s), undefined, s);
    }
  });

  test("escapes: decoded, and formatUri writes them back", () => {
    const u = parseUri("sip:sips%3Auser%40example.com@example.net;n%61me=v%61lue%25");
    assert.equal(u?.user, "sips:user@example.com");
    assert.equal(u?.params.get("name"), "value%");
    assert.equal(formatUri(u!), "sip:sips%3Auser%40example.com@example.net;name=value%25");
    assert.equal(unescapeUri("%E2%82%AC"), "€");
    assert.equal(unescapeUri("%FF"), "\xff");
    assert.equal(unescapeUri("%"), undefined);
  });

  test("formatUri round trip and makeUri", () => {
    for (const s of ["sip:bob@biloxi.example.com", "sip:bob:pw@[::1]:5060;transport=tcp;lr", "sips:h.example.com?Route=%3Csip:x%3E", "tel:+123;ext=4"]) {
      assert.equal(formatUri(parseUri(s)!), s);
    }
    assert.equal(formatUri(makeUri({ user: "a b", host: "h", port: 5070, params: [["Transport", "udp"]] })), "sip:a%20b@h:5070;transport=udp");
  });
});

describe("parseNameAddr", () => {
  test("forms", () => {
    const a = parseNameAddr('"A \\"quoted\\" name" <sip:a@h>;tag=1;x');
    assert.equal(a?.display, 'A "quoted" name');
    assert.equal(a?.uri, "sip:a@h");
    assert.equal(a?.tag, "1");
    assert.equal(a?.params.get("x"), "");
    const b = parseNameAddr("Bob Smith <sip:b@h>");
    assert.equal(b?.display, "Bob Smith");
    const c = parseNameAddr("sip:c@h;tag=9");
    assert.equal(c?.uri, "sip:c@h");
    assert.equal(c?.tag, "9");
    assert.equal(c?.bracketed, false);
    const d = parseNameAddr("<sip:d@h;lr>");
    assert.equal(d?.uri, "sip:d@h;lr");
    assert.equal(d?.params.size, 0);
    assert.equal(parseNameAddr("*")?.star, true);
    assert.equal(parseNameAddr("  <tel:+1234>  ;  tag = x ")?.tag, "x");
  });

  test("malformed", () => {
    for (const s of ['"open <sip:a@h>', "<sip:a@h", "< sip:a@h>", "Bell, Alexander <sip:a@h>", "sip:a@h?x=y", "noscheme", "<sip:a@h> junk", "<sip:a@h>;", "<sip:a@h>;=v", "", "<>", "sip:a@h, sip:b@h"]) {
      assert.equal(parseNameAddr(s), undefined, s);
    }
  });

  test("formatNameAddr", () => {
    assert.equal(formatNameAddr({ display: "Bob", uri: "sip:b@h", params: new Map([["tag", "1"]]) }), "Bob <sip:b@h>;tag=1");
    assert.equal(formatNameAddr({ display: 'A, "B"', uri: "sip:b@h" }), '"A, \\"B\\"" <sip:b@h>');
    assert.equal(formatNameAddr({ uri: "*" }), "*");
  });
});

describe("Via, CSeq, header names", () => {
  test("parseVia and lists", () => {
    const v = parseVia("SIP / 2.0 / tcp  host.example.com : 5070 ; branch = z9hG4bK1 ; rport ; received=1.2.3.4");
    assert.equal(v?.transport, "TCP");
    assert.equal(v?.host, "host.example.com");
    assert.equal(v?.port, 5070);
    assert.equal(v?.branch, "z9hG4bK1");
    assert.equal(v?.rport, "");
    assert.equal(v?.received, "1.2.3.4");
    assert.equal(v?.protocol, "SIP/2.0");
    assert.equal(parseViaList("SIP/2.0/UDP a, SIP/2.0/UDP b;branch=x", 10)?.length, 2);
    for (const s of ["SIP/2.0/UDP", "SIP/2.0 UDP h", "SIP/2.0/UDPh", "SIP/2.0/UDP h;", "SIP/2.0/UDP h:70000", "SIP/2.0/UDP [::1"]) {
      assert.equal(parseVia(s), undefined, s);
    }
    assert.equal(parseViaList("SIP/2.0/UDP a,,SIP/2.0/UDP b", 10), undefined);
    assert.equal(parseViaList("SIP/2.0/UDP a, SIP/2.0/UDP b", 1), undefined);
  });

  test("editViaParams keeps the text, replaces in place and appends", () => {
    const m = new Map<string, string | null>([["received", "9.9.9.9"], ["rport", "1234"]]);
    assert.equal(editViaParams("SIP/2.0/UDP h;branch=z9hG4bK1;rport", m), "SIP/2.0/UDP h;branch=z9hG4bK1;rport=1234;received=9.9.9.9");
    assert.equal(editViaParams("SIP/2.0/UDP h", m), "SIP/2.0/UDP h;received=9.9.9.9;rport=1234");
    assert.equal(editViaParams("SIP/2.0/UDP h;rport;x=1", new Map([["rport", null]])), "SIP/2.0/UDP h;x=1");
    assert.equal(formatVia({ transport: "udp", host: "h", port: 5060, params: [["branch", "z9hG4bKa"], ["rport", ""]] }), "SIP/2.0/UDP h:5060;branch=z9hG4bKa;rport");
  });

  test("parseCSeq", () => {
    assert.deepEqual({ ...parseCSeq(" 0009 \t INVITE ") }, { seq: 9, method: "INVITE" });
    assert.equal(parseCSeq("4294967295 ACK")?.seq, 4294967295);
    for (const s of ["4294967296 ACK", "1", "x INVITE", "1 IN VITE", "1INVITE", ""]) assert.equal(parseCSeq(s), undefined, s);
  });

  test("header names", () => {
    assert.equal(headerIdOf("v"), headerIdOf("VIA"));
    assert.equal(normalizeHeaderName("i"), "Call-ID");
    assert.equal(normalizeHeaderName("content-LENGTH"), "Content-Length");
    assert.equal(normalizeHeaderName("X-Mine"), "X-Mine");
    assert.equal(compactNameOf("Contact"), "m");
    assert.equal(compactNameOf("CSeq"), undefined);
  });
});
