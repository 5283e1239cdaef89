/**
 * is_method() names: one method, or a list separated by `|` (or `,`). Kamailio compares the
 * methods it knows by their id and other ones by name, ignoring case; a list may only hold known
 * methods.
 */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  "INVITE",
  "CANCEL",
  "ACK",
  "BYE",
  "INFO",
  "REGISTER",
  "SUBSCRIBE",
  "NOTIFY",
  "MESSAGE",
  "OPTIONS",
  "PRACK",
  "UPDATE",
  "REFER",
  "PUBLISH",
  "KDMQ",
  "GET",
  "POST",
  "PUT",
  "DELETE",
]);

/** The upper-cased names to accept, or why the text is not a method list. */
export const parseMethodList = (text: string): ReadonlySet<string> | { readonly error: string } => {
  const names = text.split(/[|,]/).map((s) => s.trim());
  if (names.some((n) => n.length === 0)) return { error: `"${text}" has an empty method name` };
  for (const n of names) if (!/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(n)) return { error: `"${n}" is not a method name` };
  if (names.length > 1) {
    const unknown = names.find((n) => !KNOWN_METHODS.has(n.toUpperCase()));
    if (unknown !== undefined) {
      return { error: `"${unknown}" is not a method Kamailio knows, and a list may only hold known methods (${[...KNOWN_METHODS].join(", ")})` };
    }
  }
  return new Set(names.map((n) => n.toUpperCase()));
};
