/**
 * A strict JSON parser (RFC 8259) that also records where every value starts, so errors about
 * plugins.json can name a line and column. JSON.parse cannot: its messages differ between V8
 * and JavaScriptCore and only some carry a position.
 */

/** 1-based line and column. */
export interface TextPos {
  readonly line: number;
  readonly column: number;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type JsonParseResult =
  | { readonly ok: true; readonly value: JsonValue; readonly positions: ReadonlyMap<string, TextPos> }
  | { readonly ok: false; readonly message: string; readonly pos: TextPos };

/** The key under which `positions` stores a value at `path` (`["modules", 2, "params"]` -> "/modules/2/params"). */
export const pointer = (path: readonly (string | number)[]): string =>
  path.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

export const parseJsonWithPositions = (text: string): JsonParseResult => {
  // Line starts, so an offset turns into line:column by binary search.
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const posOf = (offset: number): TextPos => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };

  const positions = new Map<string, TextPos>();
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const fail = (message: string, at = i): never => {
    throw new JsonSyntaxError(message, at);
  };
  const describe = (at: number): string =>
    at >= text.length ? "end of file" : `'${text[at]}'`;
  const ws = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const expect = (ch: string, what: string): void => {
    if (text[i] !== ch) fail(`expected ${what}, found ${describe(i)}`);
    i++;
  };

  const parseString = (): string => {
    const start = i;
    i++; // opening quote
    let out = "";
    let chunk = i;
    for (;;) {
      if (i >= text.length) fail("unterminated string", start);
      const c = text.charCodeAt(i);
      if (c === 34) {
        out += text.slice(chunk, i);
        i++;
        return out;
      }
      if (c < 0x20) fail("control character in string (write it as an escape such as \\n)");
      if (c === 92) {
        out += text.slice(chunk, i);
        const e = text[i + 1];
        switch (e) {
          case '"':
          case "\\":
          case "/":
            out += e;
            i += 2;
            break;
          case "b":
            out += "\b";
            i += 2;
            break;
          case "f":
            out += "\f";
            i += 2;
            break;
          case "n":
            out += "\n";
            i += 2;
            break;
          case "r":
            out += "\r";
            i += 2;
            break;
          case "t":
            out += "\t";
            i += 2;
            break;
          case "u": {
            const hex = text.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("invalid \\u escape in string");
            out += String.fromCharCode(parseInt(hex, 16));
            i += 6;
            break;
          }
          default:
            fail(`invalid escape '\\${e ?? ""}' in string`);
        }
        chunk = i;
        continue;
      }
      i++;
    }
  };

  const parseNumber = (): number => {
    const start = i;
    if (text[i] === "-") i++;
    if (text[i] === "0") i++;
    else if (isDigit(text.charCodeAt(i))) while (isDigit(text.charCodeAt(i))) i++;
    else fail(`invalid number`, start);
    if (text[i] === ".") {
      i++;
      if (!isDigit(text.charCodeAt(i))) fail("invalid number: digits expected after '.'");
      while (isDigit(text.charCodeAt(i))) i++;
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      if (!isDigit(text.charCodeAt(i))) fail("invalid number: digits expected in exponent");
      while (isDigit(text.charCodeAt(i))) i++;
    }
    return Number(text.slice(start, i));
  };

  const parseWord = (word: string, value: JsonValue): JsonValue => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return value;
    }
    return fail(`unexpected ${describe(i)}`);
  };

  const parseValue = (path: string, depth: number): JsonValue => {
    ws();
    if (depth > 512) fail("nesting too deep");
    positions.set(path, posOf(i));
    const c = text[i];
    switch (c) {
      case "{": {
        i++;
        const obj: { [key: string]: JsonValue } = {};
        ws();
        if (text[i] === "}") {
          i++;
          return obj;
        }
        for (;;) {
          ws();
          if (text[i] !== '"') fail(text[i] === "}" ? "trailing comma before '}'" : `expected a property name in double quotes, found ${describe(i)}`);
          const keyAt = i;
          const key = parseString();
          const keyPath = path + pointer([key]);
          if (Object.prototype.hasOwnProperty.call(obj, key)) fail(`duplicate key "${key}"`, keyAt);
          ws();
          expect(":", "':' after the property name");
          const v = parseValue(keyPath, depth + 1);
          Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
          ws();
          if (text[i] === ",") {
            i++;
            continue;
          }
          if (text[i] === "}") {
            i++;
            return obj;
          }
          fail(`expected ',' or '}' after a property value, found ${describe(i)}`);
        }
      }
      case "[": {
        i++;
        const arr: JsonValue[] = [];
        ws();
        if (text[i] === "]") {
          i++;
          return arr;
        }
        for (;;) {
          ws();
          if (text[i] === "]") fail("trailing comma before ']'");
          arr.push(parseValue(path + pointer([arr.length]), depth + 1));
          ws();
          if (text[i] === ",") {
            i++;
            continue;
          }
          if (text[i] === "]") {
            i++;
            return arr;
          }
          fail(`expected ',' or ']' after an array element, found ${describe(i)}`);
        }
      }
      case '"':
        return parseString();
      case "t":
        return parseWord("true", true);
      case "f":
        return parseWord("false", false);
      case "n":
        return parseWord("null", null);
      default:
        if (c === "-" || isDigit(text.charCodeAt(i))) return parseNumber();
        return fail(`unexpected ${describe(i)}`);
    }
  };

  try {
    const value = parseValue("", 0);
    ws();
    if (i < text.length) fail(`unexpected ${describe(i)} after the end of the JSON value`);
    return { ok: true, value, positions };
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { ok: false, message: e.message, pos: posOf(e.offset) };
    throw e;
  }
};
