import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { parseGroupSpec } from "../core/manifest/group-spec.ts";

const ok = (text: string) => {
  const r = parseGroupSpec(text);
  if ("error" in r) assert.fail(`expected ${JSON.stringify(text)} to parse, got: ${r.error}`);
  return r.group;
};

describe("async_workers_group parsing", () => {
  test("valid strings (Kamailio's syntax, keys case-insensitive, one trailing ';')", () => {
    assert.deepEqual(ok("name=grp;workers=2;nonblock=0;usleep=0"), { name: "grp", workers: 2, queue: 1024, concurrency: 64 });
    assert.deepEqual(ok("name=grp;workers=2;"), { name: "grp", workers: 2, queue: 1024, concurrency: 64 });
    assert.deepEqual(ok("NAME=Grp;Workers=3;NonBlock=1;USLEEP=100"), { name: "Grp", workers: 3, queue: 1024, concurrency: 64 });
    assert.deepEqual(ok(" name = grp ; workers = 4 "), { name: "grp", workers: 4, queue: 1024, concurrency: 64 });
    assert.deepEqual(ok('name="quoted";workers=+1'), { name: "quoted", workers: 1, queue: 1024, concurrency: 64 });
    assert.deepEqual(ok("workers=1;color=blue;name=x"), { name: "x", workers: 1, queue: 1024, concurrency: 64 }, "unknown keys ignored");
    assert.deepEqual(ok("name=a;workers=1;name=b;workers=5"), { name: "b", workers: 5, queue: 1024, concurrency: 64 }, "last one wins");
    assert.deepEqual(ok("name=q;workers=2;queue=8"), { name: "q", workers: 2, queue: 8, concurrency: 64 });
    assert.deepEqual(ok("name=q;workers=2;concurrency=1"), { name: "q", workers: 2, queue: 1024, concurrency: 1 });
  });

  const invalid: [string, RegExp][] = [
    ["", /it is empty/],
    [";", /it is empty/],
    ["workers=2", /it has no name=/],
    ["name=;workers=2", /the name is empty/],
    ["name=grp", /it has no workers=/],
    ["name=grp;workers=0", /workers must be >= 1, got 0/],
    ["name=grp;workers=1;concurrency=0", /concurrency must be >= 1, got 0/],
    ["name=grp;workers=-3", /workers must be >= 1, got -3/],
    ["name=grp;workers=two", /workers="two" is not an integer/],
    ["name=grp;workers=2.5", /workers="2.5" is not an integer/],
    ["name=grp;;workers=2", /empty parameter/],
    ["=x;name=grp;workers=2", /has no name before '='/],
    ["name=grp;workers=2;nonblock=yes", /nonblock="yes" is not an integer/],
    ["name=grp;workers=2;usleep=-1", /usleep must be >= 0, got -1/],
    ["name=g r p;workers=2", /invalid group name/],
  ];
  for (const [text, message] of invalid) {
    test(`invalid: ${JSON.stringify(text)}`, () => {
      const r = parseGroupSpec(text);
      assert.ok("error" in r, "refused");
      assert.match(r.error, message);
      assert.match(r.fix, /async_workers_group="name=/);
    });
  }
});
