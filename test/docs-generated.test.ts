import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Effect } from "effect";
import { generatedDocs } from "../core/server/module-docs.ts";

test("module READMEs, docs/errors.md and the plugins.json schema equal what `sipmod docs` generates", async () => {
  const docs = await Effect.runPromise(generatedDocs());
  assert.ok(docs.length >= 8);
  for (const d of docs) {
    let have = "";
    try {
      have = readFileSync(d.path, "utf8");
    } catch {
      have = "(missing)";
    }
    assert.equal(have, d.text, `${d.path} is stale: run \`npm run docs\``);
  }
});
