import { describe, test } from "node:test";
import { assertCompat, compatCfg, type CompatCase } from "./support/compat.ts";
import { kamailioMissing } from "./support/kamailio.ts";

// Default-style stateless routing under real Kamailio 5.6 and under sipmod: the same cfg
// (test/fixtures/compat/default.cfg), the same requests from the same socket, the same replies
// (code, reason, To tag, Via received/rport). Each case states Kamailio's answer.

const T = { timeout: 120_000, skip: kamailioMissing };

const cases: readonly CompatCase[] = [
  { name: "options", req: {}, kamailio: { code: 200, reason: "OK", toTag: true, rport: true, received: "127.0.0.1" } },
  { name: "message", req: { method: "MESSAGE" }, kamailio: { code: 404, reason: "Not Found", toTag: true } },
  { name: "maxfwd 0", req: { maxForwards: 0 }, kamailio: { code: 483, reason: "Too Many Hops" } },
  { name: "maxfwd 1", req: { maxForwards: 1 }, kamailio: { code: 200, reason: "OK" } },
  { name: "no maxfwd", req: { maxForwards: null }, kamailio: { code: 200, reason: "OK" } },
  { name: "message maxfwd 3", req: { method: "MESSAGE", maxForwards: 3 }, kamailio: { code: 200, reason: "low max-forwards" } },
  { name: "message maxfwd 100", req: { method: "MESSAGE", maxForwards: 100 }, kamailio: { code: 404 } },
  { name: "ack", req: { method: "ACK" }, kamailio: "no reply" },
  { name: "via other host", req: { viaHost: "192.0.2.7" }, kamailio: { code: 200, received: "127.0.0.1" } },
  { name: "via no rport", req: { rport: false }, kamailio: { code: 200, rport: false, received: undefined } },
];

const malformed: readonly CompatCase[] = [
  { name: "no Content-Length", req: { omit: ["Content-Length"] }, kamailio: { code: 200, reason: "OK" } },
  { name: "From without tag", req: { set: { From: "<sip:a@example.com>" } }, kamailio: { code: 200, reason: "OK" } },
];

// Kamailio 5.6 without the sanity module drops a request without Call-ID, CSeq, From or To, with
// two Call-IDs, or with another SIP version, and routes the other oddities below as usual. sipmod
// checks them before routing, as a Kamailio config with sanity_check() does, and answers 400 (505
// for the version) with received/rport on the top Via: a documented difference
// (docs/architecture.md, "Where sipmod differs").
const bad = (code: number) => ({ code, rport: true, received: "127.0.0.1" });
const malformedChecked: readonly CompatCase[] = [
  { name: "no Call-ID", req: { omit: ["Call-ID"] }, kamailio: "no reply", sipmod: bad(400) },
  { name: "no CSeq", req: { omit: ["CSeq"] }, kamailio: "no reply", sipmod: bad(400) },
  { name: "no From", req: { omit: ["From"] }, kamailio: "no reply", sipmod: bad(400) },
  { name: "no To", req: { omit: ["To"] }, kamailio: "no reply", sipmod: bad(400) },
  { name: "two Call-IDs", req: { headers: ["Call-ID: second@compat.test"] }, kamailio: "no reply", sipmod: bad(400) },
  { name: "SIP/3.0", req: { version: "SIP/3.0" }, kamailio: "no reply", sipmod: bad(505) },
  { name: "CSeq method differs", req: { set: { CSeq: "1 INVITE" } }, kamailio: { code: 200, reason: "OK" }, sipmod: bad(400) },
  { name: "CSeq not a number", req: { set: { CSeq: "abc OPTIONS" } }, kamailio: { code: 200, reason: "OK" }, sipmod: bad(400) },
  { name: "Content-Length too big", req: { set: { "Content-Length": "50" } }, kamailio: { code: 200, reason: "OK" }, sipmod: bad(400) },
  { name: "R-URI not a URI", req: { ruri: "nonsense" }, kamailio: { code: 200, reason: "OK" }, sipmod: bad(400) },
  { name: "From garbage", req: { set: { From: "garbage<<" } }, kamailio: { code: 200, reason: "OK" }, sipmod: bad(400) },
  // mf_process_maxfwd_header fails on it, so the cfg answers 483
  { name: "Max-Forwards not a number", req: { set: { "Max-Forwards": "abc" } }, kamailio: { code: 483, reason: "Too Many Hops" }, sipmod: bad(400) },
];

describe("compat: default-style routing (maxfwd, 483, OPTIONS, 404)", () => {
  test("Kamailio and sipmod answer the same", T, () => assertCompat(compatCfg("default.cfg"), cases));
  test("odd but routable requests", T, () => assertCompat(compatCfg("default.cfg"), malformed));
  test("malformed requests: sipmod answers 400/505 (documented difference)", T, () =>
    assertCompat(compatCfg("default.cfg"), malformedChecked),
  );
});
