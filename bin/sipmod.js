#!/usr/bin/env node
// The `sipmod` command. Runs the compiled CLI when `npm run build` has made dist/, otherwise the
// TypeScript sources through tsx (a dependency), so `npx sipmod ...` works on a fresh clone.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const built = `${root}dist/core/cli.js`;
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(`${root}core/cli.ts`).href);
}
