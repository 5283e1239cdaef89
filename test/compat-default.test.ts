import { describe, test } from "node:test";
import { assertCompat, compatCfg, type CompatCase } from "./support/compat.ts";
import { kamailioMissing } from "./support/kamailio.ts";

const T = { timeout: 60_000, skip: kamailioMissing };

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

describe("compat: default-style routing (maxfwd, 483, OPTIONS, 404)", () => {
  test("Kamailio and sipmod answer the same", T, () => assertCompat(compatCfg("default.cfg"), cases));
});
