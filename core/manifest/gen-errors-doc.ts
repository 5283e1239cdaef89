import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { errorCodes, type ErrorCodeInfo } from "../error-codes.ts";

/** docs/errors.md, generated from the code table in core/error-codes.ts. */
export const renderErrorsDoc = (): string => {
  const codes = Object.entries(errorCodes as Record<string, ErrorCodeInfo>);
  const lines = [
    "# Error codes",
    "",
    "<!-- Generated from core/error-codes.ts by `tsx core/manifest/gen-errors-doc.ts`. Do not edit by hand. -->",
    "",
    "Every error sipmod reports carries a stable code from this list. Codes are never renamed or reused.",
    "An error is printed as",
    "",
    "```",
    "file:line:column: error SM_CODE [module]: what is wrong",
    "  fix: how to fix it",
    "```",
    "",
    "where the fix is specific to the case when sipmod knows it, and otherwise the general fix below.",
    "`sipmod check` prints every error it finds, not only the first.",
    "",
    "| code | meaning |",
    "|---|---|",
    ...codes.map(([code, info]) => `| [${code}](#${code.toLowerCase()}) | ${info.title.replace(/\|/g, "\\|")} |`),
    "",
  ];
  for (const [code, info] of codes) lines.push(`## ${code}`, "", info.title, "", `**Fix:** ${info.fix}`, "");
  return lines.join("\n");
};

export const ERRORS_DOC_PATH = fileURLToPath(new URL("../../docs/errors.md", import.meta.url));

// `tsx core/manifest/gen-errors-doc.ts` (re)writes docs/errors.md.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(ERRORS_DOC_PATH, renderErrorsDoc());
  console.log(`wrote ${ERRORS_DOC_PATH}`);
}
