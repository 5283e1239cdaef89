import { readFileSync } from "node:fs";
import * as path from "node:path";
import { env as processEnv } from "node:process";
import type { Pos } from "./ast.ts";
import { cfgError, fmtPos, report, type ErrorSink } from "./cfg-error.ts";
import { applySubsts, parseSubst, type SubstRule } from "./cfg-subst.ts";
import { Lexer, makeToken, type Token } from "./lexer.ts";
import { scanPv } from "./parse-pv.ts";

/**
 * The cfg preprocessor, run while lexing (as Kamailio does): `#!define`/`#!trydef`/`#!redefine`/`#!undef`,
 * `#!ifdef`/`#!ifndef`/`#!else`/`#!endif` (nested), `#!subst`/`#!substdef`/`#!substdefs`,
 * `#!defenv`/`#!defenvs`/`#!trydefenv`/`#!trydefenvs`, `include_file`/`import_file` (also as `#!` directives),
 * and replacement of defined identifiers by their value. `!!` may be written for `#!`.
 * The parser pulls the program's tokens one at a time (`next()`); every token keeps the file/line/column
 * it came from (a define's expansion gets the position where the name was used).
 */

export type ReadResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly missing: boolean; readonly reason: string };

export interface PreprocessOptions {
  /** Names defined before the file is read (like `kamailio -A NAME=VALUE`); "" defines without a value. */
  readonly defines?: Readonly<Record<string, string>> | undefined;
  /** Environment for `#!defenv`; defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** How included files are read; defaults to the file system. */
  readonly readFile?: ((file: string) => ReadResult) | undefined;
}

/** Includes nested deeper than this are refused (Kamailio's limit is the same). */
export const MAX_INCLUDE_DEPTH = 10;

export const readFileFromDisk = (file: string): ReadResult => {
  try {
    return { ok: true, text: readFileSync(file, "utf8") };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return {
      ok: false,
      missing: code === "ENOENT" || code === "ENOTDIR",
      reason: e instanceof Error ? e.message : String(e),
    };
  }
};

interface IfFrame {
  readonly directive: "ifdef" | "ifndef" | "ifexp";
  readonly name: string;
  readonly pos: Pos;
  /** The condition held. */
  readonly cond: boolean;
  /** Every enclosing branch is taken. */
  readonly parentTaking: boolean;
  taking: boolean;
  elsePos: Pos | undefined;
}

const ID_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

const isCommentText = (s: string): boolean => s === "" || s.startsWith("#") || s.startsWith("//") || s.startsWith("/*");

/** A source being read: a file, or the value of a define being expanded. */
interface Frame {
  readonly lx: Lexer;
  /** Open #!ifdef sections of this file. */
  readonly ifs: IfFrame[];
  /** The define whose value this is; undefined for a file. */
  readonly macro: string | undefined;
}

export class Preprocessor {
  readonly files: string[] = [];
  readonly defines = new Map<string, string>();
  private readonly substs: SubstRule[] = [];
  /** Resolved paths of the files being read, outermost first (for cycle detection). */
  private readonly stack: string[] = [];
  /** Display paths matching `stack`. */
  private readonly stackNames: string[] = [];
  private readonly expanding = new Set<string>();
  private readonly frames: Frame[] = [];
  /** The end of the top-level file, once reached. */
  private eof: Token | undefined;
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly readFile: (file: string) => ReadResult;

  constructor(
    private readonly sink: ErrorSink,
    opts: PreprocessOptions,
  ) {
    for (const [k, v] of Object.entries(opts.defines ?? {})) this.defines.set(k, v);
    this.env = opts.env ?? processEnv;
    this.readFile = opts.readFile ?? readFileFromDisk;
  }

  private error(message: string, pos: Pos, hint?: string): void {
    report(this.sink, cfgError("SM_CFG_SYNTAX", message, pos, hint));
  }

  /** Start reading a file (the top-level one, or an include at the point it is named). */
  pushFile(text: string, file: string): void {
    this.files.push(file);
    this.stack.push(path.resolve(file));
    this.stackNames.push(file);
    this.frames.push({ lx: new Lexer(text, file, this.sink), ifs: [], macro: undefined });
  }

  /**
   * The next token of the program: directives are applied, includes and defines are followed,
   * `#!subst` rules applied. After the top-level file ends, every call returns its eof token.
   */
  next(): Token {
    for (;;) {
      const f = this.frames[this.frames.length - 1];
      if (f === undefined) return this.eof!;
      const top = f.ifs[f.ifs.length - 1];
      const t = top !== undefined && !top.taking ? f.lx.nextInSkip() : f.lx.next();
      if (t.kind === "eof") {
        this.frames.pop();
        if (f.macro !== undefined) {
          this.expanding.delete(f.macro);
          continue;
        }
        for (const u of f.ifs) {
          this.error(`#!${u.directive} ${u.name} has no matching #!endif`, u.pos, "Add #!endif at the end of the conditional part.");
        }
        this.stack.pop();
        this.stackNames.pop();
        if (this.frames.length === 0) this.eof = t;
        continue;
      }
      if (t.kind === "directive") {
        this.directive(t, f.ifs);
        continue;
      }
      if (t.kind === "id") {
        if (t.text === "include_file" || t.text === "import_file") {
          this.includeFrom(t, f.lx.next(), t.text === "import_file");
          continue;
        }
        const v = this.defines.get(t.text);
        if (v !== undefined && v !== "" && !this.expanding.has(t.text)) {
          this.expanding.add(t.text);
          const lx = new Lexer(v, t.pos.file, this.sink, { fixedPos: t.pos, macro: true, initialSpace: t.spaceBefore });
          this.frames.push({ lx, ifs: [], macro: t.text });
          continue;
        }
      }
      return this.substituted(t);
    }
  }

  private substituted(t: Token): Token {
    if (this.substs.length === 0) return t;
    if (t.kind === "str") {
      const value = applySubsts(this.substs, t.value ?? t.text);
      return value === t.value ? t : makeToken(t.kind, t.text, t.pos, t.spaceBefore, value, t.quote, t.pv, t.restPos, t.broken);
    }
    if (t.kind === "pv") {
      const text = applySubsts(this.substs, t.text);
      if (text === t.text) return t;
      const r = scanPv(text, 0);
      if (!r.ok || r.end !== text.length) {
        this.error(`#!subst turned ${t.text} into "${text}", which is not a pseudo-variable`, t.pos);
        return t;
      }
      return makeToken(t.kind, text, t.pos, t.spaceBefore, t.value, t.quote, r.pv, t.restPos, t.broken);
    }
    return t;
  }

  // -------------------------------------------------------------------------------------------
  // directives

  private directive(t: Token, ifs: IfFrame[]): void {
    const name = t.text;
    const rest = t.value ?? "";
    const restPos = t.restPos ?? t.pos;
    switch (name) {
      case "ifdef":
      case "ifndef":
      case "ifexp": {
        const top = ifs[ifs.length - 1];
        const parentTaking = top === undefined || top.taking;
        let cond = false;
        if (name === "ifexp") {
          if (parentTaking) {
            this.error("#!ifexp is not supported by sipmod (it is a Kamailio 5.7+ directive)", t.pos, "Use #!ifdef NAME / #!ifndef NAME.");
          }
        } else {
          const id = this.directiveId(name, rest, restPos, parentTaking);
          const defined = id !== undefined && this.defines.has(id);
          cond = name === "ifdef" ? defined : !defined;
        }
        ifs.push({ directive: name, name: rest, pos: t.pos, cond, parentTaking, taking: parentTaking && cond, elsePos: undefined });
        return;
      }
      case "else": {
        this.noTrailing(name, rest, restPos);
        const top = ifs[ifs.length - 1];
        if (top === undefined) {
          this.error("#!else without #!ifdef/#!ifndef", t.pos, "Remove it, or add the #!ifdef it belongs to.");
          return;
        }
        if (top.elsePos !== undefined) {
          this.error(`second #!else for #!${top.directive} ${top.name} (first #!else at ${fmtPos(top.elsePos)})`, t.pos, "Use #!endif to close the first #!else.");
          return;
        }
        top.elsePos = t.pos;
        top.taking = top.parentTaking && !top.cond;
        return;
      }
      case "endif": {
        this.noTrailing(name, rest, restPos);
        if (ifs.pop() === undefined) this.error("#!endif without #!ifdef/#!ifndef", t.pos, "Remove it, or add the #!ifdef it closes.");
        return;
      }
      case "define":
      case "trydef":
      case "redef":
      case "defexp":
      case "defexps": {
        if (name === "defexp" || name === "defexps") {
          this.error(`#!${name} is not supported by sipmod (it is a Kamailio 5.7+ directive)`, t.pos, "Use #!define NAME value.");
          return;
        }
        const m = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
        if (m === null) {
          this.error(`#!${name} needs a name`, restPos, `Write #!${name} NAME [value].`);
          return;
        }
        const id = m[1]!;
        const after = rest.slice(id.length);
        if (after.startsWith("-")) {
          this.error(`'-' is not allowed in the define name "${id}${after.split(/\s/)[0]}"`, restPos, "Use letters, digits and '_' only.");
          return;
        }
        this.define(name, id, after.trim(), t.pos);
        return;
      }
      case "undef": {
        const id = this.directiveId(name, rest, restPos, true);
        if (id !== undefined) this.defines.delete(id);
        return;
      }
      case "defenv":
      case "defenvs":
      case "trydefenv":
      case "trydefenvs": {
        // NAME=ENVVAR or ENVVAR
        const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(\S+))?$/.exec(rest);
        if (m === null) {
          this.error(`#!${name} expects NAME=ENV_VAR or ENV_VAR, found "${rest}"`, restPos, `Write #!${name} NAME=ENV_VAR.`);
          return;
        }
        const id = m[1]!;
        const envName = m[2] ?? id;
        const v = this.env[envName];
        if (v === undefined) {
          if (name === "defenv" || name === "defenvs") {
            this.error(`#!${name}: environment variable ${envName} is not set`, restPos, `Set ${envName}, or use #!try${name} to skip it when unset.`);
          }
          return;
        }
        const quoted = name.endsWith("s");
        this.define("define", id, quoted ? `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : v, t.pos);
        return;
      }
      case "subst":
      case "substdef":
      case "substdefs": {
        const spec = this.quotedArg(name, rest, restPos);
        if (spec === undefined) return;
        const r = parseSubst(spec);
        if (!r.ok) {
          this.error(`#!${name}: ${r.message}`, restPos, `Write #!${name} "/regex/replacement/flags".`);
          return;
        }
        this.substs.push(r.rule);
        if (name !== "subst") {
          if (!ID_RE.test(r.rule.pattern)) {
            this.error(`#!${name}: "${r.rule.pattern}" cannot be a define name`, restPos, "The regex of #!substdef must be a plain name (letters, digits, '_').");
            return;
          }
          const v = name === "substdefs" ? `"${r.rule.replacement.replace(/"/g, '\\"')}"` : r.rule.replacement;
          this.define("define", r.rule.pattern, v, t.pos);
        }
        return;
      }
      case "include_file":
      case "import_file": {
        const file = this.quotedArg(name, rest, restPos);
        if (file !== undefined) this.include(t.pos, file, name === "import_file");
        return;
      }
      default:
        this.error(`unknown directive #!${name}`, t.pos);
    }
  }

  private noTrailing(name: string, rest: string, pos: Pos): void {
    if (!isCommentText(rest)) this.error(`unexpected text after #!${name}: "${rest}"`, pos, `Put #!${name} alone on its line.`);
  }

  private directiveId(name: string, rest: string, pos: Pos, reportErrors: boolean): string | undefined {
    const id = rest.split(/\s+/)[0] ?? "";
    if (!ID_RE.test(id)) {
      if (reportErrors) this.error(`#!${name} needs one name (letters, digits, '_'), found "${rest}"`, pos, `Write #!${name} NAME.`);
      return undefined;
    }
    const trailing = rest.slice(id.length).trim();
    if (reportErrors && !isCommentText(trailing)) {
      this.error(`unexpected text after #!${name} ${id}: "${trailing}"`, pos, `Put one name after #!${name}.`);
    }
    return id;
  }

  private define(kind: "define" | "trydef" | "redef", id: string, value: string, pos: Pos): void {
    if (this.defines.has(id)) {
      if (kind === "trydef") return;
      if (kind === "define") {
        this.error(`"${id}" is already defined`, pos, "Use #!redefine to change its value, or #!trydef to define it only when it is not defined yet.");
        return;
      }
    }
    this.defines.set(id, value);
  }

  /** The value of a double-quoted string argument (escapes applied). */
  private quotedArg(name: string, rest: string, pos: Pos): string | undefined {
    const tokens: Token[] = [];
    const lx = new Lexer(rest, pos.file, this.sink, { fixedPos: pos, macro: true });
    for (let t = lx.next(); t.kind !== "eof"; t = lx.next()) tokens.push(t);
    const t = tokens[0];
    if (tokens.length !== 1 || t === undefined || t.kind !== "str") {
      this.error(`#!${name} expects one quoted string, found "${rest}"`, pos, `Write #!${name} "...".`);
      return undefined;
    }
    return t.value ?? t.text;
  }

  // -------------------------------------------------------------------------------------------
  // include_file / import_file

  private includeFrom(kw: Token, arg: Token, optional: boolean): void {
    if (arg.kind !== "str") {
      // the unquoted argument is dropped with the error, so the parser does not report it again
      this.error(`${kw.text} must be followed by a quoted file name`, arg.kind === "eof" ? kw.pos : arg.pos, `Write ${kw.text} "file.cfg".`);
      return;
    }
    this.include(kw.pos, applySubsts(this.substs, arg.value ?? arg.text), optional);
  }

  private include(at: Pos, name: string, optional: boolean): void {
    const what = optional ? "import_file" : "include_file";
    if (name === "") {
      report(this.sink, cfgError("SM_CFG_INCLUDE", `${what} with an empty file name`, at, "Give the file name between the quotes."));
      return;
    }
    const base = path.dirname(at.file);
    const candidates = path.isAbsolute(name) ? [name] : [path.join(base, name), name];
    let lastReason = "";
    for (const cand of candidates) {
      const resolved = path.resolve(cand);
      const r = this.readFile(cand);
      if (!r.ok) {
        if (r.missing) continue;
        lastReason = r.reason;
        break;
      }
      const cycleAt = this.stack.indexOf(resolved);
      if (cycleAt >= 0) {
        const chain = [...this.stackNames.slice(cycleAt), cand].join(" -> ");
        report(this.sink, cfgError("SM_CFG_INCLUDE", `include cycle: ${chain}`, at, "Remove the include that leads back to a file already being read."));
        return;
      }
      if (this.stack.length >= MAX_INCLUDE_DEPTH) {
        report(this.sink, cfgError("SM_CFG_INCLUDE", `includes nested more than ${MAX_INCLUDE_DEPTH} deep at "${name}"`, at, "Flatten the include chain."));
        return;
      }
      this.pushFile(r.text, cand);
      return;
    }
    if (lastReason === "" && optional) return; // import_file ignores a missing file
    const looked = candidates.map((c) => path.resolve(c)).filter((c, i, a) => a.indexOf(c) === i).join(", ");
    report(
      this.sink,
      cfgError(
        "SM_CFG_INCLUDE",
        lastReason !== "" ? `cannot read ${what} "${name}": ${lastReason}` : `${what} "${name}" not found (looked for ${looked})`,
        at,
        optional ? undefined : 'Check the path (relative paths start from the including file\'s folder), or use import_file to ignore a missing file.',
      ),
    );
  }
}

/** A preprocessor over a top-level cfg text; pull tokens with `next()`. Errors go to `sink`; never throws. */
export const preprocessor = (text: string, file: string, sink: ErrorSink, opts: PreprocessOptions = {}): Preprocessor => {
  const p = new Preprocessor(sink, opts);
  p.pushFile(text, file);
  return p;
};
