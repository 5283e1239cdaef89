import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Either } from "effect";
import {
  foldAsyncGroups,
  parseAsyncWorkersGroup,
  type AsyncGroupSpec,
  type GroupDirective,
} from "../core/process/group-spec.ts";

const ok = (text: string): AsyncGroupSpec => {
  const r = parseAsyncWorkersGroup(text);
  if (Either.isLeft(r)) assert.fail(`expected ${JSON.stringify(text)} to parse, got: ${r.left.message}`);
  return r.right;
};

const T = { timeout: 10_000 };

describe("async_workers_group parsing", () => {
  test("valid strings", T, () => {
    assert.deepEqual(ok("name=grp;workers=2;nonblock=0;usleep=0"), { name: "grp", size: 2, nonblock: 0, usleep: 0 });
    assert.deepEqual(ok("name=grp;workers=2"), { name: "grp", size: 2, nonblock: 0, usleep: 0 });
    assert.deepEqual(ok("name=grp;workers=2;"), { name: "grp", size: 2, nonblock: 0, usleep: 0 }, "one trailing ';'");
    assert.deepEqual(ok("NAME=Grp;Workers=3;NonBlock=1;USLEEP=100"), { name: "Grp", size: 3, nonblock: 1, usleep: 100 });
    assert.deepEqual(ok(" name = grp ; workers = 4 "), { name: "grp", size: 4, nonblock: 0, usleep: 0 });
    assert.deepEqual(ok('name="quoted";workers=+1'), { name: "quoted", size: 1, nonblock: 0, usleep: 0 });
    assert.deepEqual(ok("workers=1;color=blue;flag;name=x"), { name: "x", size: 1, nonblock: 0, usleep: 0 }, "unknown keys ignored");
    assert.deepEqual(ok("name=a;workers=1;name=b;workers=5"), { name: "b", size: 5, nonblock: 0, usleep: 0 }, "last one wins");
  });

  const invalid: [string, RegExp, RegExp][] = [
    ["", /it is empty/, /name=grp;workers=2/],
    [";", /it is empty/, /name=grp;workers=2/],
    ["workers=2", /it has no name=/, /async_workers_group="name=grp;workers=2"/],
    ["name=;workers=2", /the name is empty/, /Give the group a name/],
    ["name;workers=2", /the name is empty/, /Give the group a name/],
    ['name="";workers=2', /the name is empty/, /Give the group a name/],
    ["name=grp", /it has no workers=/, /async_workers_group="name=grp;workers=2"/],
    ["name=grp;workers=0", /workers must be >= 1, got 0/, /integer >= 1: async_workers_group="name=grp;workers=2"/],
    ["name=grp;workers=-3", /workers must be >= 1, got -3/, /integer >= 1/],
    ["name=grp;workers=two", /workers="two" is not an integer/, /integer >= 1/],
    ["name=grp;workers=2.5", /workers="2.5" is not an integer/, /integer >= 1/],
    ["name=grp;workers=", /workers="" is not an integer/, /integer >= 1/],
    ["name=grp;workers=2;;", /empty parameter/, /single ';'/],
    ["name=grp;;workers=2", /empty parameter/, /single ';'/],
    [";name=grp;workers=2", /empty parameter/, /single ';'/],
    ["=x;name=grp;workers=2", /parameter "=x" has no name before '='/, /key=value/],
    ["name=grp;workers=2;nonblock=yes", /nonblock="yes" is not an integer/, /nonblock=0 or nonblock=1/],
    ["name=grp;workers=2;usleep=-1", /usleep must be >= 0, got -1/, /microseconds/],
  ];
  for (const [text, message, fix] of invalid) {
    test(`invalid: ${JSON.stringify(text)}`, T, () => {
      const r = parseAsyncWorkersGroup(text, { file: "kamailio.cfg", line: 12 });
      assert.ok(Either.isLeft(r), "refused");
      const e = r.left;
      assert.equal(e.code, "SM_GROUP_SPEC");
      assert.match(e.message, message);
      assert.ok(e.message.startsWith(`invalid async_workers_group ${JSON.stringify(text)}: `));
      assert.match(e.hint ?? "", fix);
      assert.deepEqual(e.pos, { file: "kamailio.cfg", line: 12 });
      assert.match(e.format(), /^kamailio\.cfg:12: error SM_GROUP_SPEC: invalid async_workers_group/);
      assert.match(e.format(), /\n {2}fix: /);
    });
  }
});

describe("async_workers / async_workers_group folding (Kamailio rules)", () => {
  const fold = (ds: readonly GroupDirective[]) => {
    const r = foldAsyncGroups(ds);
    if (Either.isLeft(r)) assert.fail(r.left.message);
    return r.right;
  };
  const sizes = (ds: readonly GroupDirective[]) => fold(ds).groups.map((g) => [g.name, g.size]);

  test("nothing configured: no groups", T, () => {
    assert.deepEqual(fold([]), { groups: [], warnings: [] });
    assert.deepEqual(sizes([{ param: "async_workers", value: 0 }]), []);
    assert.deepEqual(sizes([{ param: "async_workers", value: -2 }]), []);
  });

  test("async_workers=N makes group default with N workers", T, () => {
    assert.deepEqual(sizes([{ param: "async_workers", value: 4 }]), [["default", 4]]);
  });

  test("a named group without a default group creates default with 1 worker, first", T, () => {
    assert.deepEqual(
      sizes([
        { param: "async_workers_group", value: "name=reg;workers=2" },
        { param: "async_workers_group", value: "name=acc;workers=3" },
      ]),
      [["default", 1], ["reg", 2], ["acc", 3]],
    );
  });

  test("async_workers before a named group sizes the default group", T, () => {
    assert.deepEqual(
      sizes([
        { param: "async_workers", value: 4 },
        { param: "async_workers_group", value: "name=reg;workers=2" },
      ]),
      [["default", 4], ["reg", 2]],
    );
  });

  test("async_workers after the default group exists is ignored with a warning", T, () => {
    const r = fold([
      { param: "async_workers_group", value: "name=reg;workers=2" },
      { param: "async_workers", value: 4, pos: { file: "k.cfg", line: 3 } },
    ]);
    assert.deepEqual(r.groups.map((g) => [g.name, g.size]), [["default", 1], ["reg", 2]]);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!.message, /async_workers=4 ignored: the default group already has 1 worker/);
    assert.deepEqual(r.warnings[0]!.pos, { file: "k.cfg", line: 3 });
  });

  test("a group string named default sets the default group", T, () => {
    assert.deepEqual(
      fold([
        { param: "async_workers", value: 2 },
        { param: "async_workers_group", value: "name=reg;workers=1" },
        { param: "async_workers_group", value: "name=default;workers=6;usleep=10" },
      ]).groups,
      [
        { name: "default", size: 6, nonblock: 0, usleep: 10 },
        { name: "reg", size: 1, nonblock: 0, usleep: 0 },
      ],
    );
  });

  test("errors: invalid string, same name twice, non-integer async_workers", T, () => {
    const bad = foldAsyncGroups([
      { param: "async_workers", value: 1 },
      { param: "async_workers_group", value: "name=x;workers=0", pos: { file: "k.cfg", line: 9 } },
    ]);
    assert.ok(Either.isLeft(bad));
    assert.equal(bad.left.code, "SM_GROUP_SPEC");
    assert.deepEqual(bad.left.pos, { file: "k.cfg", line: 9 });

    const twice = foldAsyncGroups([
      { param: "async_workers_group", value: "name=x;workers=1" },
      { param: "async_workers_group", value: "name=x;workers=2" },
    ]);
    assert.ok(Either.isLeft(twice));
    assert.match(twice.left.message, /group "x" is defined twice/);

    const frac = foldAsyncGroups([{ param: "async_workers", value: 1.5 }]);
    assert.ok(Either.isLeft(frac));
    assert.match(frac.left.message, /async_workers=1.5 is not an integer/);
  });
});
