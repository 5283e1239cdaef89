import { Either, ParseResult, Schema, SchemaAST } from "effect";
import { sipmodError, type SipmodError, type SourcePos } from "../errors.ts";
import type { AnyModule } from "../module/define-module.ts";
import { paramInfo } from "../module/param-info.ts";
import { didYouMeanSuffix } from "./did-you-mean.ts";
import { summarizeIssues } from "./issue-text.ts";

/** The parameter names a module's params Schema accepts, and which of them take a list. */
export interface ParamShape {
  /** undefined when the Schema accepts any key (a Record). */
  readonly names: readonly string[] | undefined;
  /** Params whose value is an array: repeated modparam lines append to them. */
  readonly lists: ReadonlySet<string>;
}

const isArrayAst = (ast: SchemaAST.AST): boolean => {
  switch (ast._tag) {
    case "TupleType":
      return ast.rest.length > 0;
    case "Refinement":
      return isArrayAst(ast.from);
    case "Transformation":
      return isArrayAst(ast.from);
    case "Suspend":
      return isArrayAst(ast.f());
    case "Union":
      return ast.types.some((t) => t._tag !== "UndefinedKeyword" && isArrayAst(t));
    default:
      return false;
  }
};

/** The encoded (input) side's object shape. */
const inputShape = (ast: SchemaAST.AST): ParamShape | undefined => {
  switch (ast._tag) {
    case "Transformation":
    case "Refinement":
      return inputShape(ast.from);
    case "Suspend":
      return inputShape(ast.f());
    case "TypeLiteral":
      return {
        names: ast.indexSignatures.length > 0 ? undefined : ast.propertySignatures.map((p) => String(p.name)),
        lists: new Set(ast.propertySignatures.filter((p) => isArrayAst(p.type)).map((p) => String(p.name))),
      };
    default:
      return undefined;
  }
};

export const paramShape = (m: AnyModule): ParamShape => {
  const schema = m.params as Schema.Schema<unknown, unknown> | undefined;
  if (schema === undefined) return { names: [], lists: new Set() };
  return inputShape(schema.ast) ?? { names: undefined, lists: new Set() };
};

/** One parameter value as set in plugins.json or by a modparam line. */
export interface ParamSetting {
  readonly name: string;
  readonly value: unknown;
  readonly pos: SourcePos;
  /** From a modparam line (repeats append to list params) or from plugins.json. */
  readonly from: "json" | "modparam";
}

const given = (v: unknown): string => {
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  if (Array.isArray(v)) return `the list ${JSON.stringify(v)}`;
  return JSON.stringify(v) ?? String(v);
};

/**
 * Merge the settings (plugins.json first, then modparam lines in file order) and decode them
 * with the module's Schema. A modparam for a list param appends; for another param the last line
 * wins, as in Kamailio. Every unknown or invalid parameter is an error of its own.
 */
export const decodeModuleParams = (
  m: AnyModule,
  settings: readonly ParamSetting[],
  fallbackPos: SourcePos,
): Either.Either<unknown, readonly SipmodError[]> => {
  const shape = paramShape(m);
  const errors: SipmodError[] = [];
  const raw: Record<string, unknown> = {};
  const posOf = new Map<string, SourcePos>();
  for (const s of settings) {
    if (shape.names !== undefined && !shape.names.includes(s.name)) {
      const known = shape.names.length > 0 ? shape.names.join(", ") : "none";
      errors.push(
        sipmodError(
          "SM_PARAM_UNKNOWN",
          `module "${m.name}" has no parameter "${s.name}"${didYouMeanSuffix(s.name, shape.names)}`,
          { pos: s.pos, module: m.name, hint: `Parameters of ${m.name}: ${known} (names are case-sensitive).` },
        ),
      );
      continue;
    }
    if (s.from === "modparam" && shape.lists.has(s.name)) {
      const prev = raw[s.name];
      raw[s.name] = Array.isArray(prev) ? [...(prev as unknown[]), s.value] : [s.value];
    } else {
      Object.defineProperty(raw, s.name, { value: s.value, enumerable: true, writable: true, configurable: true });
    }
    posOf.set(s.name, s.pos);
  }
  const schema = m.params as Schema.Schema<unknown, unknown> | undefined;
  if (schema === undefined) return errors.length > 0 ? Either.left(errors) : Either.right({});
  const decoded = Schema.decodeUnknownEither(schema)(raw, { errors: "all", onExcessProperty: "ignore" });
  if (Either.isLeft(decoded)) {
    const types = new Map(paramInfo(m).map((p) => [p.name, p.type]));
    const byParam = new Map<string, string[]>();
    for (const issue of ParseResult.ArrayFormatter.formatErrorSync(decoded.left)) {
      const key = issue.path.length > 0 ? String(issue.path[0]) : "";
      const rest = issue.path.slice(1);
      const msg = (rest.length > 0 ? `at ${rest.map((p) => `[${String(p)}]`).join("")}: ` : "") + issue.message;
      const list = byParam.get(key) ?? [];
      list.push(issue._tag === "Missing" ? "it is required" : msg);
      byParam.set(key, list);
    }
    for (const [key, msgs] of byParam) {
      const detail = summarizeIssues(msgs);
      if (key === "") {
        errors.push(sipmodError("SM_PARAM_INVALID", `module "${m.name}" parameters are invalid: ${detail}`, { pos: fallbackPos, module: m.name }));
        continue;
      }
      const type = types.get(key) ?? "another type";
      const value = Object.prototype.hasOwnProperty.call(raw, key) ? raw[key] : undefined;
      const text =
        value === undefined
          ? `parameter "${key}" of module "${m.name}" is required (${type})`
          : `parameter "${key}" of module "${m.name}" expects ${type}, got ${given(value)}: ${detail}`;
      errors.push(sipmodError("SM_PARAM_INVALID", text, { pos: posOf.get(key) ?? fallbackPos, module: m.name }));
    }
  }
  return errors.length > 0 ? Either.left(errors) : Either.right(Either.isRight(decoded) ? decoded.right : undefined);
};
