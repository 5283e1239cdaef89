import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { assertCompat, type CompatCase } from "./support/compat.ts";
import { kamailioMissing } from "./support/kamailio.ts";

/** The same cfg under real Kamailio 5.6 and sipmod: textops results are compared through the reason phrase. */

const T = { timeout: 90_000, skip: kamailioMissing };
const cfg = fileURLToPath(new URL("./fixtures/textops/compat.cfg", import.meta.url));
const u = (user: string) => `sip:${user}@127.0.0.1;transport=udp`;

const cases: readonly CompatCase[] = [
  { name: "method options", req: { ruri: u("method") }, kamailio: { code: 200, reason: "m 1 1 -1 -1" } },
  { name: "method message", req: { ruri: u("method"), method: "MESSAGE" }, kamailio: { code: 200, reason: "m -1 -1 1 -1" } },
  { name: "method other", req: { ruri: u("method"), method: "FOO" }, kamailio: { code: 200, reason: "m -1 -1 -1 1" } },
  {
    name: "headers",
    req: {
      ruri: u("hdr"),
      headers: ["X-Test: a", "x-test: b", "X-Other: 1", "X-Idx: 1", "X-Idx: 2", "X-Kill: 1", "X-Keep-Me: 2"],
    },
    // remove_hf* return 1 (not a count) when something was removed
    kamailio: { code: 200, reason: "h 1 1 -1 1 -1 1 1 1 1" },
  },
  {
    name: "search",
    req: { ruri: u("search"), headers: ["X-Test: a", "X-Test: b", "Content-Type: text/plain"], body: "hello\r\nthere" },
    // REG_NEWLINE: only LF ends a line (a CR is an ordinary character), [^a] does not match LF
    kamailio: { code: 200, reason: "s 1 1 -1 1 1 1 -1 1 1 -1 -1 1" },
  },
  { name: "body text", req: { ruri: u("body"), headers: ["Content-Type: text/plain; charset=utf-8"], body: "x" }, kamailio: { code: 200, reason: "b 1 1 -1" } },
  { name: "body no type", req: { ruri: u("body"), body: "x" }, kamailio: { code: 200, reason: "b 1 -1 1" } },
  { name: "no body", req: { ruri: u("body") }, kamailio: { code: 200, reason: "b -1 -1 -1" } },
  { name: "subst", req: { ruri: u("subst") }, kamailio: { code: 200, reason: "u 1 -1 1 -1 sip:subst-u@127.0.0.1;x=subst;transport=udp" } },
  { name: "subst pv", req: { ruri: u("substpv"), method: "MESSAGE" }, kamailio: { code: 200, reason: "v 1 sip:pv-MESSAGE@127.0.0.1;transport=udp" } },
  {
    name: "remove_hf_idx past the last header",
    req: { ruri: u("idx"), headers: ["X-Idx: 1"] },
    kamailio: { code: 200, reason: "i 2" },
    sipmod: { code: 200, reason: "i -1" },
  },
  { name: "edits", req: { ruri: u("edit"), headers: ["Content-Type: text/plain"], body: "old" }, kamailio: { code: 200, reason: "e 1 1 1 -1 1" } },
];

describe("compat: textops", () => {
  test("Kamailio and sipmod give the same results", T, () => assertCompat(cfg, cases));
});
