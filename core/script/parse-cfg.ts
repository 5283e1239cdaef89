import { Effect } from "effect";
import { sipmodError, SipmodErrors, type SipmodError } from "../errors.ts";
import type { CfgFile } from "./ast.ts";
import type { ErrorSink } from "./cfg-error.ts";
import { preprocessor, readFileFromDisk, type PreprocessOptions } from "./preprocess.ts";
import { parseProgram } from "./parser.ts";

export type { CfgFile, CfgGlobal, Pos, RouteBlock } from "./ast.ts";

/** Options of the cfg parser (see PreprocessOptions: `defines`, `env`, `readFile`). */
export type ParseCfgOptions = PreprocessOptions;

export interface CfgParseResult {
  /** The tree, complete as far as the input allowed (also when there are errors). */
  readonly cfg: CfgFile;
  /** Every error found, sorted by file (in reading order), line and column. */
  readonly errors: readonly SipmodError[];
}

const sortErrors = (errors: readonly SipmodError[], files: readonly string[]): SipmodError[] => {
  const fileRank = (e: SipmodError): number => {
    const i = e.pos === undefined ? -1 : files.indexOf(e.pos.file);
    return i < 0 ? files.length : i;
  };
  return errors
    .map((e, i) => ({ e, i }))
    .sort(
      (a, b) =>
        fileRank(a.e) - fileRank(b.e) ||
        (a.e.pos?.line ?? 0) - (b.e.pos?.line ?? 0) ||
        (a.e.pos?.column ?? 0) - (b.e.pos?.column ?? 0) ||
        a.i - b.i,
    )
    .map((x) => x.e);
};

/** Parse cfg text synchronously, collecting every recoverable error. Never throws. */
export const parseCfgSource = (text: string, file: string, opts: ParseCfgOptions = {}): CfgParseResult => {
  const sink: ErrorSink = { errors: [] };
  const pre = preprocessor(text, file, sink, opts);
  const program = parseProgram(pre, sink);
  const cfg: CfgFile = { file, globals: program.globals, blocks: program.blocks, files: pre.files, defines: pre.defines };
  return { cfg, errors: sortErrors(sink.errors, pre.files) };
};

/**
 * Parse cfg text named `file` (the name is used in positions and to resolve relative includes).
 * Fails with every error found (codes SM_CFG_SYNTAX, SM_CFG_INCLUDE, SM_CFG_DUPLICATE_ROUTE).
 */
export const parseCfgText = (text: string, file: string, opts: ParseCfgOptions = {}): Effect.Effect<CfgFile, SipmodErrors> =>
  Effect.suspend(() => {
    const r = parseCfgSource(text, file, opts);
    return r.errors.length > 0 ? Effect.fail(new SipmodErrors({ errors: r.errors })) : Effect.succeed(r.cfg);
  });

/** Read and parse a cfg file; a missing or unreadable file fails with SM_MANIFEST_NOT_FOUND. */
export const parseCfgFile = (path: string, opts: ParseCfgOptions = {}): Effect.Effect<CfgFile, SipmodErrors> =>
  Effect.suspend(() => {
    const r = (opts.readFile ?? readFileFromDisk)(path);
    if (!r.ok) {
      const e = sipmodError("SM_MANIFEST_NOT_FOUND", `cannot read config file ${path}: ${r.reason}`, { pos: { file: path } });
      return Effect.fail(new SipmodErrors({ errors: [e] }));
    }
    return parseCfgText(r.text, path, opts);
  });
