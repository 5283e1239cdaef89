import type { Expr, Stmt } from "./ast.ts";

/**
 * Render the tree back to cfg-like text with every binary and unary expression in parentheses,
 * so the grouping the parser chose is visible (`(($a == 1) || (($b > 2) && (!defined $c)))`).
 * For diagnostics and tests; the output parses to the same tree.
 */
export const formatExpr = (e: Expr): string => {
  switch (e.kind) {
    case "int":
      return e.text;
    case "str":
      return `${e.quote}${e.raw}${e.quote}`;
    case "pv":
      return e.text;
    case "select":
      return e.text;
    case "ident":
      return e.name;
    case "ip":
      return e.text;
    case "unary":
      return `(${e.op}${formatExpr(e.operand)})`;
    case "binary":
      return `(${formatExpr(e.left)} ${e.op} ${formatExpr(e.right)})`;
    case "defined":
      return `(defined ${formatExpr(e.operand)})`;
    case "strlen":
    case "strempty":
      return `${e.kind}(${formatExpr(e.operand)})`;
    case "cast":
      return `((${e.to})${formatExpr(e.operand)})`;
    case "call":
      return e.parens ? `${e.name}(${e.args.map(formatExpr).join(", ")})` : e.name;
  }
};

/** One statement per line, nested blocks indented by two spaces. */
export const formatStmt = (s: Stmt, indent = ""): string => {
  const inner = indent + "  ";
  const body = (b: Stmt): string => (b.kind === "block" ? formatStmt(b, indent) : `\n${formatStmt(b, inner)}`);
  switch (s.kind) {
    case "block":
      return `{\n${s.body.map((x) => formatStmt(x, inner) + "\n").join("")}${indent}}`;
    case "if":
      return `${indent}if ${formatExpr(s.cond)} ${body(s.then).trimStart()}${
        s.else === undefined ? "" : ` else ${s.else.kind === "if" ? formatStmt(s.else, indent).trimStart() : body(s.else).trimStart()}`
      }`;
    case "while":
      return `${indent}while ${formatExpr(s.cond)} ${body(s.body).trimStart()}`;
    case "switch":
      return (
        `${indent}switch ${formatExpr(s.subject)} {\n` +
        s.clauses
          .map(
            (c) =>
              `${inner}${c.kind === "default" ? "default" : `case ${c.regex ? "/" : ""}${formatExpr(c.value)}`}:\n` +
              c.body.map((x) => formatStmt(x, inner + "  ") + "\n").join(""),
          )
          .join("") +
        `${indent}}`
      );
    case "return":
    case "exit":
    case "drop":
      return `${indent}${s.kind}${s.value === undefined ? "" : ` ${formatExpr(s.value)}`};`;
    case "break":
      return `${indent}break;`;
    case "route_call":
      return `${indent}route(${formatExpr(s.target)});`;
    case "assign":
      return `${indent}${s.target.text} ${s.op} ${formatExpr(s.value)};`;
    case "call":
      return `${indent}${formatExpr(s)};`;
  }
};
