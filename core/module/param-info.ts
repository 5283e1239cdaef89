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

/** The parameters a module declares, with type, default and description, from its Schema. */
export const paramInfo = (m: AnyModule): readonly ParamInfo[] => {
  const schema = m.params as Schema.Schema<unknown, unknown> | undefined;
  if (schema === undefined) return [];
  const typeSide = SchemaAST.typeAST(schema.ast);
  if (typeSide._tag !== "TypeLiteral") return [];
  const defaults = Schema.decodeUnknownEither(schema)({});
  const defObj = defaults._tag === "Right" ? (defaults.right as Record<string, unknown>) : {};
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
