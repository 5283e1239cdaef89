/**
 * The typed syntax tree of a Kamailio-style cfg file, as produced by `parseCfgText`/`parseCfgFile`.
 * Every node has a `kind` (or `type` for globals) and the position of its first token.
 * The parser keeps source facts only: names are not resolved, string literals are not searched
 * for pseudo-variables, parameters are not validated. The binder does that on this tree.
 */

/** 1-based position of a token; compatible with `SourcePos` in core/errors.ts. */
export interface Pos {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

// ---------------------------------------------------------------------------------------------
// Global section
// ---------------------------------------------------------------------------------------------

/** `host[:port]` as written after `advertise`. */
export interface AdvertiseAddress {
  readonly host: string;
  readonly port?: number | undefined;
  /** The text as written, e.g. `1.2.3.4:5060`. */
  readonly text: string;
}

/**
 * An unquoted socket address: `listen=udp:127.0.0.1:5060`, `listen=tcp:[::1]:5060 advertise 1.2.3.4:5060`,
 * `listen=127.0.0.1`, `alias=example.com:5060`. Only the syntax is checked here; `host` may be an IP
 * literal, a bracketed IPv6 address (brackets removed), a name or `*`.
 */
export interface ListenValue {
  readonly kind: "listen";
  /** Lower-cased protocol when given (`udp`, `tcp`, `tls`, `sctp`, `ws`, `wss`). */
  readonly proto?: string | undefined;
  readonly host: string;
  readonly port?: number | undefined;
  readonly advertise?: AdvertiseAddress | undefined;
  /** `listen=... name "sock1"` */
  readonly name?: string | undefined;
  /** `listen=... virtual` (a floating address) */
  readonly virtual?: boolean | undefined;
  /** The address as written, without `advertise`/`name` parts (`udp:127.0.0.1:5060`). */
  readonly text: string;
}

export interface LoadModuleGlobal {
  readonly type: "loadmodule";
  /** The string as written: `tm.so`, `/usr/lib/.../tm.so`, `tm`. */
  readonly path: string;
  readonly pos: Pos;
  /** Written `loadmodulex`: pseudo-variables in the path are to be evaluated (`$env(NAME)`). */
  readonly expand?: boolean | undefined;
}

export interface ModParamGlobal {
  readonly type: "modparam";
  /** The module name as written (Kamailio allows a regex such as `nathelper|registrar`). */
  readonly module: string;
  readonly param: string;
  /** A string or an integer; `yes`/`no` (and `on`/`off`, `true`/`false`, `enable`/`disable`) give 1/0. */
  readonly value: string | number;
  readonly pos: Pos;
  readonly valuePos: Pos;
  /** Written `modparamx`: pseudo-variables in the value are to be evaluated (`$env(NAME)`). */
  readonly expand?: boolean | undefined;
}

/**
 * A core parameter `name = value` (`listen=`, `children=`, `async_workers_group=`, ...). Kept in file
 * order; names are not checked here. Values: a quoted string, an integer (negative and hex/octal/binary
 * allowed), a boolean for `yes|no|on|off|true|false|enable|disable`, a ListenValue for `listen`/`alias`,
 * and otherwise the unquoted text as a string (`log_facility=LOG_LOCAL0`, `alias=sip.example.com`).
 */
export interface ParamGlobal {
  readonly type: "param";
  readonly name: string;
  readonly value: string | number | boolean | ListenValue;
  readonly pos: Pos;
  readonly valuePos: Pos;
}

/** A custom config variable `group.name = value [desc "text"]` (Kamailio's cfg framework). */
export interface CfgVarGlobal {
  readonly type: "cfgvar";
  readonly group: string;
  readonly name: string;
  readonly value: string | number;
  readonly description?: string | undefined;
  readonly pos: Pos;
  readonly valuePos: Pos;
}

export type CfgGlobal = LoadModuleGlobal | ModParamGlobal | ParamGlobal | CfgVarGlobal;

// ---------------------------------------------------------------------------------------------
// Route blocks
// ---------------------------------------------------------------------------------------------

/**
 * What a block keyword means:
 * - `request`: `request_route {}` or `route {}` (no name)
 * - `route`: `route[NAME] {}`
 * - `reply`: core reply route, `reply_route {}` or `onreply_route {}` (no name)
 * - `onreply`: tm reply route `onreply_route[NAME] {}`
 * - `failure`, `branch`: `failure_route[NAME]`, `branch_route[NAME]`
 * - `onsend`: `onsend_route {}`
 * - `event`: `event_route[group:name] {}`
 * - `generic`: any other `keyword[name] {}` / `keyword {}` (a module may add block kinds; the binder checks)
 */
export type RouteBlockType =
  | "request"
  | "route"
  | "reply"
  | "onreply"
  | "failure"
  | "branch"
  | "onsend"
  | "event"
  | "generic";

export interface RouteBlock {
  readonly kind: "route_block";
  readonly type: RouteBlockType;
  /** The keyword as written (`request_route`, `route`, `onreply_route`, `my_module_route`, ...). */
  readonly keyword: string;
  /** The name inside `[...]`, unquoted (`MANAGE_FAILURE`, `core:pre-routing`); absent when none. */
  readonly name?: string | undefined;
  readonly body: readonly Stmt[];
  readonly pos: Pos;
  readonly namePos?: Pos | undefined;
}

export interface CfgFile {
  /** The top-level file as passed to the parser. */
  readonly file: string;
  readonly globals: readonly CfgGlobal[];
  readonly blocks: readonly RouteBlock[];
  /** Every file read, top-level first, then includes in the order they were read. */
  readonly files: readonly string[];
  /** The preprocessor defines in force at the end of the file (name -> value, "" when none). */
  readonly defines: ReadonlyMap<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------

export interface BlockStmt {
  readonly kind: "block";
  readonly body: readonly Stmt[];
  readonly pos: Pos;
}

export interface IfStmt {
  readonly kind: "if";
  readonly cond: Expr;
  readonly then: Stmt;
  readonly else?: Stmt | undefined;
  readonly pos: Pos;
}

/** `case VALUE:`; `regex` is set for `case /"re":`. The value is an expression the binder must find constant. */
export interface CaseClause {
  readonly kind: "case";
  readonly value: Expr;
  readonly regex: boolean;
  /** Empty when the case falls through to the next one. */
  readonly body: readonly Stmt[];
  readonly pos: Pos;
}

export interface DefaultClause {
  readonly kind: "default";
  readonly body: readonly Stmt[];
  readonly pos: Pos;
}

export type SwitchClause = CaseClause | DefaultClause;

/** `switch (expr) { case ...: ... }`: C semantics, cases fall through until `break`. */
export interface SwitchStmt {
  readonly kind: "switch";
  readonly subject: Expr;
  readonly clauses: readonly SwitchClause[];
  readonly pos: Pos;
}

export interface WhileStmt {
  readonly kind: "while";
  readonly cond: Expr;
  readonly body: Stmt;
  readonly pos: Pos;
}

/** `return;`, `return 1;`, `return(-1);`, `return $var(x);` */
export interface ReturnStmt {
  readonly kind: "return";
  readonly value?: Expr | undefined;
  readonly pos: Pos;
}

/** `exit;` (also `exit();`, `exit(expr);`: the value is kept for the binder). */
export interface ExitStmt {
  readonly kind: "exit";
  readonly value?: Expr | undefined;
  readonly pos: Pos;
}

/** `drop;` (also `drop();`, `drop(expr);`). */
export interface DropStmt {
  readonly kind: "drop";
  readonly value?: Expr | undefined;
  readonly pos: Pos;
}

export interface BreakStmt {
  readonly kind: "break";
  readonly pos: Pos;
}

/**
 * `route(NAME);`. `name` is set when the target is static (`route(NAME)`, `route("NAME")`, `route(1)`);
 * `target` is the argument as an expression either way (an `ident`, `str`, `int`, `pv`, ...).
 */
export interface RouteCallStmt {
  readonly kind: "route_call";
  readonly target: Expr;
  readonly name?: string | undefined;
  readonly pos: Pos;
}

/** `$pv = expr;`, `$pv := expr;` (`:=` assigns and clears the previous values of an avp/xavp), `$pv += expr;`. */
export interface AssignStmt {
  readonly kind: "assign";
  readonly op: "=" | ":=" | "+=";
  readonly target: PvRef;
  readonly value: Expr;
  readonly pos: Pos;
}

/** A statement is a control statement, an assignment or a function call (`CallExpr` used as a statement). */
export type Stmt =
  | BlockStmt
  | IfStmt
  | SwitchStmt
  | WhileStmt
  | ReturnStmt
  | ExitStmt
  | DropStmt
  | BreakStmt
  | RouteCallStmt
  | AssignStmt
  | CallExpr;

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

/** Integer literal. `text` is as written (`0x1F`, `010` is octal 8, `101b` is binary, `-1`, `yes`). */
export interface IntLit {
  readonly kind: "int";
  readonly value: number;
  readonly text: string;
  readonly pos: Pos;
}

/**
 * String literal. `value` has escapes applied (`\n \r \t \a \" \\ \xHH \ooo`; other backslashes are kept),
 * adjacent double-quoted strings concatenated and `#!subst` rules applied: it is the string the program
 * sees. `raw` is the content as written between the quotes. Pseudo-variables inside are not parsed
 * (`"$rU@$fd"` stays a string; the binder decides, see `scanPv`).
 */
export interface StrLit {
  readonly kind: "str";
  readonly value: string;
  readonly raw: string;
  readonly quote: '"' | "'";
  readonly pos: Pos;
}

/** One transformation `{s.substr,0,3}`: name `s.substr`, args `["0","3"]` (split on top-level commas). */
export interface PvTransform {
  readonly name: string;
  readonly args: readonly string[];
  /** The text between the braces, for transformations with their own syntax (`{re.subst,/a/b/}`). */
  readonly text: string;
}

/**
 * A pseudo-variable reference: `$rU` (name `rU`), `$var(x)` (inner `x`), `$sht(t=>$si)` (inner `t=>$si`),
 * `$(hdr(Via)[0])` (index `0`), `$(ru{s.tolower})` / `$var(x){s.len}` (transforms). `inner` is raw text.
 */
export interface PvRef {
  readonly kind: "pv";
  readonly name: string;
  readonly inner?: string | undefined;
  readonly index?: string | undefined;
  readonly transforms: readonly PvTransform[];
  /** Written in the `$( ... )` form. */
  readonly braced: boolean;
  /** The whole reference as written. */
  readonly text: string;
  readonly pos: Pos;
}

/** A select `@via[1].branch`, `@cfg_get.pstn.gw_ip` (kept as text). */
export interface SelectRef {
  readonly kind: "select";
  readonly text: string;
  readonly pos: Pos;
}

/** A bare word in an expression: `myself`, `uri`, `src_ip`, `method`, `status`, `INET`, `L_INFO`, a flag name. */
export interface Ident {
  readonly kind: "ident";
  readonly name: string;
  readonly pos: Pos;
}

/** An IPv4 literal in an expression, optionally with a mask: `127.0.0.1`, `10.0.0.0/8`. */
export interface IpLit {
  readonly kind: "ip";
  readonly text: string;
  readonly pos: Pos;
}

export type UnaryOp = "!" | "-" | "~";

export interface UnaryExpr {
  readonly kind: "unary";
  readonly op: UnaryOp;
  readonly operand: Expr;
  readonly pos: Pos;
}

/** `and`/`or`/`mod` are normalised to `&&`/`||`/`%`. `eq ne` compare as strings, `ieq ine` as integers. */
export type BinaryOp =
  | "||"
  | "&&"
  | "|"
  | "&"
  | "^"
  | "<<"
  | ">>"
  | "=="
  | "!="
  | "=~"
  | "!~"
  | "eq"
  | "ne"
  | "ieq"
  | "ine"
  | "<"
  | ">"
  | "<="
  | ">="
  | "+"
  | "-"
  | "*"
  | "/"
  | "%";

export interface BinaryExpr {
  readonly kind: "binary";
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly pos: Pos;
}

/** `defined $x` / `defined($x)` */
export interface DefinedExpr {
  readonly kind: "defined";
  readonly operand: Expr;
  readonly pos: Pos;
}

/** `strlen(expr)` */
export interface StrlenExpr {
  readonly kind: "strlen";
  readonly operand: Expr;
  readonly pos: Pos;
}

/** `strempty(expr)` */
export interface StrEmptyExpr {
  readonly kind: "strempty";
  readonly operand: Expr;
  readonly pos: Pos;
}

/** `(int)expr`, `(str)expr` */
export interface CastExpr {
  readonly kind: "cast";
  readonly to: "int" | "str";
  readonly operand: Expr;
  readonly pos: Pos;
}

/**
 * A function call `name(args)` (or a bare `name;` statement, `parens: false`). Arguments are kept as
 * expressions: usually `str`, `int` (negatives folded), `pv` or `ident` nodes; the binder applies
 * each function's parameter rules.
 */
export interface CallExpr {
  readonly kind: "call";
  readonly name: string;
  readonly args: readonly Expr[];
  readonly parens: boolean;
  readonly pos: Pos;
}

export type Expr =
  | IntLit
  | StrLit
  | PvRef
  | SelectRef
  | Ident
  | IpLit
  | UnaryExpr
  | BinaryExpr
  | DefinedExpr
  | StrlenExpr
  | StrEmptyExpr
  | CastExpr
  | CallExpr;
