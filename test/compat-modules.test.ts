import { describe, test } from "node:test";
import { assertCompat, compatCfg, type CompatCase } from "./support/compat.ts";
import { kamailioMissing } from "./support/kamailio.ts";

// The textops and htable modules under real Kamailio 5.6 and under sipmod: the same cfg, the same
// requests, the same replies.

const T = { timeout: 120_000, skip: kamailioMissing };
const u = (user: string) => `sip:${user}@127.0.0.1`;
const ok = (reason: string) => ({ code: 200, reason });

const textops: readonly CompatCase[] = [
  { name: "is_method OPTIONS", req: { ruri: u("method") }, kamailio: ok("r=options lower ") },
  { name: "is_method MESSAGE", req: { ruri: u("method"), method: "MESSAGE" }, kamailio: ok("r=invite-or-message ") },
  {
    name: "has_body, search_body",
    req: { ruri: u("body"), method: "MESSAGE", headers: ["Content-Type: text/plain"], body: "helllo" },
    kamailio: ok("r=body text hello "),
  },
  { name: "no body", req: { ruri: u("body") }, kamailio: ok("r=nobody ") },
  {
    name: "search, search_hf first, search_str",
    req: { ruri: u("search"), from: "<sip:a@example.com>;tag=1", headers: ["X-Foo: bar", "X-Foo: baz"] },
    kamailio: ok("r=xfoo icase hf-a hf-f str "),
  },
  { name: "search_hf last", req: { ruri: u("search"), headers: ["X-Foo: qux", "X-Foo: bar"] }, kamailio: ok("r=xfoo icase hf-a hf-l ") },
  { name: "is_present_hf*", req: { ruri: u("present"), headers: ["X-Foo: 1"] }, kamailio: ok("r=xfoo lower re pv ") },
  { name: "nothing present", req: { ruri: u("present") }, kamailio: ok("r=") },
  // Added headers go to what is sent on: $hdr and is_present_hf still see the received message.
  { name: "append_hf, insert_hf", req: { ruri: u("append") }, kamailio: ok("added=[0] inserted=[0] absent") },
  { name: "remove_hf", req: { ruri: u("remove"), headers: ["X-Foo: gone"] }, kamailio: ok("foo=[gone] rc=1 none rc=-1") },
  {
    name: "subst_uri",
    req: { ruri: "sip:substuri@example.com" },
    kamailio: ok("ru=sip:new-substuri@example.com;orig=substuri rU=new-substuri"),
  },
  { name: "subst_user", req: { ruri: "sip:substuser@example.com" }, kamailio: ok("ru=sip:xuser-ext@example.com rc=1 nomatch rc=-1") },
];

const textopsBadUri: readonly CompatCase[] = [
  // subst_uri makes "sip:new-substbad@example.com;orig=sip:substbad@example.com" (an '@' in a
  // parameter value): Kamailio cannot parse it and $ru is <null> (sipmod too).
  { name: "$ru after subst_uri made an invalid URI", req: { ruri: "sip:substbad@example.com" }, kamailio: ok("ru=<null> rU=<null>") },
];

const htable: readonly CompatCase[] = [
  { name: "empty table, initval", req: { ruri: u("show") }, kamailio: ok("name=<null> num=<null> c=10") },
  { name: "set", req: { ruri: u("set"), from: "<sip:nina@example.com>;tag=1" }, kamailio: ok("name=nina num=5 missing=<null>") },
  { name: "kept across messages", req: { ruri: u("show") }, kamailio: ok("name=nina num=5 c=10") },
  { name: "$shtinc, $shtdec", req: { ruri: u("inc") }, kamailio: ok("x=11 y=12 z=11 k=11 n=0") },
  { name: "$shtinc again", req: { ruri: u("inc") }, kamailio: ok("x=12 y=13 z=12 k=12 n=0") },
  { name: "$shtcn, $shtcv", req: { ruri: u("count") }, kamailio: ok("names=2 values=1 all=3") },
  { name: "arithmetic on items", req: { ruri: u("arith") }, kamailio: ok("num=15 str=nina!") },
  { name: "sht_rm, $null", req: { ruri: u("rm") }, kamailio: ok("other=<null> num=<null> name=nina") },
  { name: "sht_rm_name_re", req: { ruri: u("rmre") }, kamailio: ok("name=<null> str=nina!") },
  { name: "counts after removal", req: { ruri: u("count") }, kamailio: ok("names=0 values=0 all=1") },
];

describe("compat: modules", () => {
  test("textops", T, () => assertCompat(compatCfg("textops.cfg"), textops));
  test("textops: an R-URI made invalid", T, () => assertCompat(compatCfg("textops.cfg"), textopsBadUri));
  test("htable", T, () => assertCompat(compatCfg("htable.cfg"), htable));
});
