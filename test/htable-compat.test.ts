import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { assertCompat, type CompatCase } from "./support/compat.ts";
import { kamailioMissing } from "./support/kamailio.ts";

/** The same cfg under real Kamailio 5.6 and sipmod: $sht & co compared through the reason phrase, case after case. */

const T = { timeout: 90_000, skip: kamailioMissing };
const cfg = fileURLToPath(new URL("./fixtures/htable/compat.cfg", import.meta.url));
const u = (user: string) => `sip:${user}@127.0.0.1`;

const cases: readonly CompatCase[] = [
  // $shtinc on a table without initval is $null, which a $var stores as 0
  { name: "inc 1", req: { ruri: u("inc") }, kamailio: { code: 200, reason: "inc 1 1 0" } },
  { name: "inc 2", req: { ruri: u("inc") }, kamailio: { code: 200, reason: "inc 2 2 0" } },
  { name: "dec", req: { ruri: u("dec") }, kamailio: { code: 200, reason: "dec 1 1" } },
  { name: "types", req: { ruri: u("types") }, kamailio: { code: 200, reason: "t 6 51 <null> 0 0 5" } },
  // ~% is "ends with", %~ "starts with"; $shtcv's ** counts integer items too
  { name: "count", req: { ruri: u("count") }, kamailio: { code: 200, reason: "c 2 2 0 0 1 4 1 4" } },
  { name: "rm", req: { ruri: u("rm") }, kamailio: { code: 200, reason: "r 3 1 1 1 -1 5" } },
  { name: "expire", req: { ruri: u("ex") }, kamailio: { code: 200, reason: "x 100 30 0 0 v 0 0 w 40" } },
  {
    name: "sht_setxi ends the script in Kamailio",
    req: { ruri: u("setxi") },
    kamailio: "no reply",
    sipmod: { code: 200, reason: "xi 7 50" },
  },
  { name: "match operators", req: { ruri: u("ops") }, kamailio: { code: 200, reason: "o 1 1 1 1 -1 -1 0 1 5" } },
  { name: "null", req: { ruri: u("null") }, kamailio: { code: 200, reason: "n <null> 0" } },
  { name: "reset", req: { ruri: u("reset") }, kamailio: { code: 200, reason: "z 0 1" } },
];

describe("compat: htable", () => {
  test("Kamailio and sipmod give the same values", T, () => assertCompat(cfg, cases));
});
