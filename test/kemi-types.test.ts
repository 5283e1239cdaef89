import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { builtinDeclarations, generateKsrTypes, KSR_TYPES_FILE } from "../core/script/kemi/gen-ksr-types.ts";

test("core/script/kemi/ksr-types.ts is generated from the current built-in declarations", { timeout: 30_000 }, async () => {
  const expected = generateKsrTypes(await builtinDeclarations());
  const actual = readFileSync(KSR_TYPES_FILE, "utf8");
  assert.ok(actual === expected, "ksr-types.ts is out of date: run `npx tsx core/script/kemi/gen-ksr-types.ts`");
});

test("every built-in function is typed under its module, with one signature per parameter count", async () => {
  const text = readFileSync(KSR_TYPES_FILE, "utf8");
  assert.match(text, /export interface KsrModuleSl \{[\s\S]*?sl_send_reply\(code: number, reason: string\): number;/);
  assert.match(text, /export interface KsrModuleMaxfwd \{[\s\S]*?mf_process_maxfwd_header\(max_value: number\): number;/);
  assert.match(text, /forward\(host: string, port: number\): number \| Promise<number>;/);
  assert.match(text, /export type Ksr = KsrRoot & \{ readonly \[module: string\]: KsrAnyModule \};/);
});
