import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Effect } from "effect";
import { checkConfig } from "../core/server/check-config.ts";

const cfg = fileURLToPath(new URL("./fixtures/check/handoff.cfg", import.meta.url));

test("sipmod check warns about success paths of a must-drop function (sworker_task) that end without drop", async () => {
  const r = await Effect.runPromise(checkConfig(cfg));
  const lines = r.warnings.filter((w) => w.includes("hand_off()")).map((w) => Number(/handoff\.cfg:(\d+):/.exec(w)![1]));
  // d (line 18): success path only logs; e (line 21): exit without drop; f (line 25): else branch exits
  assert.deepEqual(lines, [18, 21, 25]);
  assert.match(r.warnings.find((w) => w.includes(":18:"))!, /hand_off\(\) in event_route\[core:pre-routing\] can succeed without a drop after it: the message would be processed twice; end its success path with drop;/);
});
