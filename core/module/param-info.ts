import { Option, Schema, SchemaAST } from "effect";
import type { AnyModule } from "./define-module.ts";

/** A module parameter as documentation and `sipmod modules` show it. */
export interface ParamInfo {
  readonly name: string;
  /** "int", "string", "list of string" ... from the Schema. */
  readonly type: string;
  /** The default, as JSON text, or undefined when the param is required. */
  readonly defaultValue: string | undefined;
  readonly description: string;
}

const typeLabel = (ast: SchemaAST.AST): string => {
  switch (ast._tag) {
    case "StringKeyword":
      return "string";
    case "NumberKeyword":
      return "number";
    case "BooleanKeyword":
      return "boolean";
    case "Refinement": {
      const id = SchemaAST.getIdentifierAnnotation(ast);
      return Option.isSome(id) && id.value === "Int" ? "int" : typeLabel(ast.from);
    }
    case "TupleType":
      return ast.rest.length > 0 ? `list of ${typeLabel(ast.rest[0]!.type)}` : "tuple";
    case "Union":
      return ast.types.map(typeLabel).join(" | ");
    case "Literal":
      return JSON.stringify(ast.literal);
    default:
      return ast._tag;
  }
};

/**
 * Defaults of a Struct's properties, read from the AST: `optionalWith(..., { default })` is a
 * property transformation whose decode turns "missing" into the default.
 */
const defaultsOf = (ast: SchemaAST.AST): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  if (ast._tag !== "Transformation" || ast.transformation._tag !== "TypeLiteralTransformation") return out;
  for (const t of ast.transformation.propertySignatureTransformations) {
    const d = t.decode(Option.none());
    if (Option.isSome(d)) out[String(t.to)] = d.value;
  }
  return out;
};

/** The parameters a module declares, with type, default and description, from its Schema. */
export const paramInfo = (m: AnyModule): readonly ParamInfo[] => {
  const schema = m.params as Schema.Schema<unknown, unknown> | undefined;
  if (schema === undefined) return [];
  const typeSide = SchemaAST.typeAST(schema.ast);
  if (typeSide._tag !== "TypeLiteral") return [];
  const defObj = defaultsOf(schema.ast);
  return typeSide.propertySignatures.map((p) => {
    const name = String(p.name);
    const descAnn = SchemaAST.getDescriptionAnnotation(p);
    const fromDoc = m.doc.params?.[name]?.doc;
    return {
      name,
      type: typeLabel(p.type),
      defaultValue: name in defObj ? JSON.stringify(defObj[name]) : undefined,
      description: fromDoc ?? (Option.isSome(descAnn) ? descAnn.value : ""),
    };
  });
};

/** The params a module gets when none are set (every param has a default), else undefined. */
export const defaultParams = (m: AnyModule): unknown => {
  const schema = m.params as Schema.Schema<unknown, unknown> | undefined;
  if (schema === undefined) return {};
  const r = Schema.decodeUnknownEither(schema)({});
  return r._tag === "Right" ? r.right : undefined;
};
