import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { errorCodes } from "../core/error-codes.ts";
import { ERRORS_DOC_PATH, renderErrorsDoc } from "../core/manifest/gen-errors-doc.ts";

test("docs/errors.md is generated from core/error-codes.ts (run `tsx core/manifest/gen-errors-doc.ts`)", () => {
  assert.equal(readFileSync(ERRORS_DOC_PATH, "utf8"), renderErrorsDoc());
});

test("every code has a section with its title and fix", () => {
  const doc = renderErrorsDoc();
  for (const [code, info] of Object.entries(errorCodes)) {
    assert.ok(doc.includes(`## ${code}\n\n${info.title}\n\n**Fix:** ${info.fix}\n`), code);
    assert.ok(doc.includes(`| [${code}](#${code.toLowerCase()}) |`), code);
  }
});
