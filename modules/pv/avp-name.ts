import type { StackIndex } from "../../core/script/script-stores.ts";

/** `$avp(name)`, `$(avp(name)[i])`, `$(avp(name)[*])`; Kamailio's `s:`/`i:` prefixes are accepted. */
export interface AvpName {
  readonly name: string;
  /** undefined: no index written (top value; assignment adds). */
  readonly index: StackIndex | undefined;
}

export const parseAvpName = (inner: string | undefined): AvpName | { readonly error: string } => {
  const t = (inner ?? "").trim();
  const m = /^(?:[si]:)?([^[\]\s]+)(?:\[\s*(\*|-?[0-9]+)\s*\])?$/.exec(t);
  if (m === null) return { error: `"${t}" is not an AVP name (write $avp(name) or $(avp(name)[n]))` };
  const idx = m[2];
  return { name: m[1]!, index: idx === undefined ? undefined : idx === "*" ? "all" : Number(idx) };
};
