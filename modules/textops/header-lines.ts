/**
 * Header text as append_hf/insert_hf take it: one or more `Name: value` lines, each ended by CRLF
 * (as in Kamailio: `append_hf("X-Foo: $rU\r\n")`). A line starting with a space or tab continues
 * the previous one (it is unfolded into it). A bare LF is accepted as a line end too.
 */

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export interface HeaderLine {
  readonly name: string;
  readonly value: string;
}

export const parseHeaderText = (text: string): readonly HeaderLine[] | { readonly error: string } => {
  if (text.length === 0) return { error: "the header text is empty" };
  if (!text.endsWith("\n")) return { error: `the header text must end with \\r\\n: "${text}"` };
  const lines = text.slice(0, text.endsWith("\r\n") ? -2 : -1).split(/\r?\n/);
  const out: { name: string; value: string }[] = [];
  for (const line of lines) {
    if (line.length === 0) return { error: "the header text has an empty line (it would end the header section)" };
    const c = line.charCodeAt(0);
    if (c === 32 || c === 9) {
      const last = out[out.length - 1];
      if (last === undefined) return { error: `the header text starts with a continuation line: "${line}"` };
      last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(":");
    const name = colon < 0 ? "" : line.slice(0, colon).trim();
    if (!TOKEN.test(name)) return { error: `"${line}" is not a header line (Name: value)` };
    const value = line.slice(colon + 1).trim();
    if (value.includes("\r") || value.includes("\0")) return { error: `the value of ${name} has a CR or NUL character` };
    out.push({ name, value });
  }
  return out;
};
