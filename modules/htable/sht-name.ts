import type { CallContext } from "../../core/module/call-context.ts";
import type { PvParseTools } from "../../core/script/bind-pv.ts";
import { scanPv } from "../../core/script/parse-pv.ts";

export type { PvParseTools };

/** Text that may hold pseudo-variables, evaluated for the message being processed. */
export type TextEval = (ctx: CallContext) => string;

/** `table=>key` as $sht, $shtex, $shtinc ... take it. */
export interface ShtName {
  readonly table: string;
  /** The key text as written. */
  readonly text: string;
  readonly key: TextEval;
  /** The key has pseudo-variables (evaluated per message). */
  readonly dynamic: boolean;
}

const TABLE = /^[A-Za-z0-9_.:-]+$/;

/** Does the text hold something that reads as a pseudo-variable (as string parameters are read)? */
const hasPv = (text: string): boolean => {
  for (let i = text.indexOf("$"); i >= 0; i = text.indexOf("$", i + 1)) if (scanPv(text, i).ok) return true;
  return false;
};

/**
 * Split `table=>rest` and compile `rest`: fixed text, or text with pseudo-variables compiled by
 * the binder's `tools` (`$sht(a=>$ci::count)`). `what` names the pseudo-variable in messages.
 */
export const parseTableAndText = (
  inner: string | undefined,
  what: string,
  tools: PvParseTools | undefined,
): ShtName | { readonly error: string } => {
  const t = (inner ?? "").trim();
  const arrow = t.indexOf("=>");
  if (arrow < 0) return { error: `write $${what}(table=>key): "=>" is missing in "${t}"` };
  const table = t.slice(0, arrow).trim();
  if (!TABLE.test(table)) return { error: `"${table}" is not a table name (letters, digits and _ . : -)` };
  const text = t.slice(arrow + 2).trim();
  if (text === "") return { error: `$${what}(${table}=>...) needs a key after "=>"` };
  if (!hasPv(text)) return { table, text, key: () => text, dynamic: false };
  if (tools === undefined) return { error: `the key "${text}" has pseudo-variables, which cannot be compiled here` };
  const f = tools.format(text);
  if (typeof f !== "function") return { error: `key "${text}": ${f.error}` };
  return { table, text, key: f, dynamic: true };
};
