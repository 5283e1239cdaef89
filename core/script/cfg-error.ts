import type { ErrorCode } from "../error-codes.ts";
import { sipmodError, type SipmodError } from "../errors.ts";
import type { Pos } from "./ast.ts";

/** A config error at a position, with a hint how to fix it. */
export const cfgError = (code: ErrorCode, message: string, pos: Pos, hint?: string): SipmodError =>
  sipmodError(code, message, hint === undefined ? { pos } : { pos, hint });

/** Where errors are collected while a config is read: every recoverable error is reported, not only the first. */
export interface ErrorSink {
  readonly errors: SipmodError[];
}

/** More than this many errors in one file means the parser lost track; stop adding. */
export const MAX_CFG_ERRORS = 200;

export const report = (sink: ErrorSink, e: SipmodError): void => {
  if (sink.errors.length < MAX_CFG_ERRORS) sink.errors.push(e);
};

export const fmtPos = (p: Pos): string => `${p.file}:${p.line}:${p.column}`;
