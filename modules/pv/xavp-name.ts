/**
 * `$xavp(root)`, `$xavp(root[i])`, `$xavp(root=>field)`, `$xavp(root[i]=>field[j])`: indexes are
 * integers (negative from the end) or `*`.
 */
export interface XavpName {
  readonly root: string;
  readonly rootIndex: number | "all" | undefined;
  readonly field: string | undefined;
  readonly fieldIndex: number | "all" | undefined;
}

const part = /^([A-Za-z0-9_.\-]+)(?:\[\s*(\*|-?[0-9]+)\s*\])?$/;

const idx = (s: string | undefined): number | "all" | undefined => (s === undefined ? undefined : s === "*" ? "all" : Number(s));

export const parseXavpName = (inner: string | undefined): XavpName | { readonly error: string } => {
  const t = (inner ?? "").trim();
  const arrow = t.indexOf("=>");
  const rootText = arrow < 0 ? t : t.slice(0, arrow).trim();
  const fieldText = arrow < 0 ? undefined : t.slice(arrow + 2).trim();
  const r = part.exec(rootText);
  const f = fieldText === undefined ? undefined : part.exec(fieldText);
  if (r === null || f === null) return { error: `"${t}" is not an xavp name (write $xavp(root=>field) or $xavp(root[i]=>field[j]))` };
  return { root: r[1]!, rootIndex: idx(r[2]), field: f?.[1], fieldIndex: idx(f?.[2]) };
};
