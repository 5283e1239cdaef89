/**
 * POSIX extended regular expressions (what Kamailio's `=~` and `case /"re":` use, through regcomp)
 * translated to JavaScript RegExp:
 * - bracket expressions: `[[:alpha:]]`-style classes become ranges, a backslash inside brackets is
 *   a literal backslash, a `]` right after `[` or `[^` is a literal `]`;
 * - outside brackets, glibc's `\w \W \s \S \b \B` keep their meaning, `\<` `\>` become `\b`,
 *   `\1`..`\9` stay back-references, any other `\x` is the literal x;
 * - `.` also matches a newline (no REG_NEWLINE), `^`/`$` anchor the whole subject.
 * Matching is a search (not anchored) and, for `=~`, ignores case (REG_ICASE).
 */

const CLASSES: Readonly<Record<string, string>> = {
  alpha: "a-zA-Z",
  digit: "0-9",
  alnum: "a-zA-Z0-9",
  upper: "A-Z",
  lower: "a-z",
  space: " \\t\\n\\r\\f\\v",
  blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~",
  xdigit: "0-9A-Fa-f",
  cntrl: "\\x00-\\x1f\\x7f",
  print: "\\x20-\\x7e",
  graph: "\\x21-\\x7e",
  word: "a-zA-Z0-9_",
};

const escapeForClass = (c: string): string => (/[\\\]^-]/.test(c) ? `\\${c}` : c);

/** Translate a POSIX ERE to JavaScript RegExp source; throws SyntaxError for an invalid expression. */
export const posixToJs = (re: string): string => {
  let out = "";
  let i = 0;
  const n = re.length;
  while (i < n) {
    const c = re[i]!;
    if (c === "\\") {
      const d = re[i + 1];
      if (d === undefined) throw new SyntaxError("trailing backslash");
      if ("wWsSbB".includes(d) || (d >= "1" && d <= "9")) out += `\\${d}`;
      else if (d === "<" || d === ">") out += "\\b";
      else if (d === "`") out += "^";
      else if (d === "'") out += "$";
      else out += /[A-Za-z0-9]/.test(d) ? d : `\\${d}`;
      i += 2;
      continue;
    }
    if (c === "[") {
      let j = i + 1;
      let cls = "[";
      if (re[j] === "^") {
        cls += "^";
        j++;
      }
      if (re[j] === "]") {
        cls += "\\]";
        j++;
      }
      let closed = false;
      while (j < n) {
        const e = re[j]!;
        if (e === "]") {
          closed = true;
          j++;
          break;
        }
        if (e === "[" && (re[j + 1] === ":" || re[j + 1] === "=" || re[j + 1] === ".")) {
          const kind = re[j + 1]!;
          const end = re.indexOf(`${kind}]`, j + 2);
          if (end < 0) throw new SyntaxError("unterminated [: :] in a bracket expression");
          const name = re.slice(j + 2, end);
          if (kind === ":") {
            const r = CLASSES[name];
            if (r === undefined) throw new SyntaxError(`unknown character class [:${name}:]`);
            cls += r;
          } else cls += [...name].map(escapeForClass).join("");
          j = end + 2;
          continue;
        }
        cls += e === "\\" ? "\\\\" : e;
        j++;
      }
      if (!closed) throw new SyntaxError("unterminated bracket expression");
      out += `${cls}]`;
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  // Let the JavaScript engine check the rest (unbalanced parentheses, bad repetition).
  new RegExp(out, "s");
  return out;
};

const cache = new Map<string, RegExp | SyntaxError>();
const CACHE_MAX = 1024;

/** Compile (cached) a POSIX ERE; `icase` as REG_ICASE. Throws SyntaxError when invalid. */
export const compilePosix = (re: string, icase: boolean): RegExp => {
  const key = (icase ? "i:" : "c:") + re;
  let r = cache.get(key);
  if (r === undefined) {
    try {
      r = new RegExp(posixToJs(re), icase ? "is" : "s");
    } catch (e) {
      r = e instanceof SyntaxError ? e : new SyntaxError(String(e));
    }
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, r);
  }
  if (r instanceof SyntaxError) throw r;
  return r;
};
