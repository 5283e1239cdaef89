import { Data } from "effect";
import { errorCodes, type ErrorCode } from "./error-codes.ts";

/** Where in a file an error was found. */
export interface SourcePos {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

/**
 * The one error type sipmod reports to users: a stable code, a message, where it happened
 * (file, line, module) and how to fix it. Typed failures in Effects use this class.
 */
export class SipmodError extends Data.TaggedError("SipmodError")<{
  readonly code: ErrorCode;
  readonly message: string;
  readonly pos?: SourcePos | undefined;
  readonly module?: string | undefined;
  readonly hint?: string | undefined;
  readonly cause?: unknown;
}> {
  /** `file:line:col: error SM_X [module]: message` + `  fix: ...` (`warning` instead of `error` for a warning). */
  format(severity: "error" | "warning" = "error"): string {
    const where = this.pos
      ? `${this.pos.file}${this.pos.line !== undefined ? `:${this.pos.line}` : ""}${this.pos.column !== undefined ? `:${this.pos.column}` : ""}: `
      : "";
    const mod = this.module ? ` [${this.module}]` : "";
    const fix = this.hint ?? errorCodes[this.code].fix;
    let out = `${where}${severity} ${this.code}${mod}: ${this.message}\n  fix: ${fix}`;
    if (this.cause !== undefined) {
      const c = this.cause instanceof Error ? (this.cause.stack ?? this.cause.message) : String(this.cause);
      out += `\n  cause: ${c.split("\n").join("\n    ")}`;
    }
    return out;
  }
}

export const sipmodError = (
  code: ErrorCode,
  message: string,
  extra: { pos?: SourcePos; module?: string; hint?: string; cause?: unknown } = {},
): SipmodError => new SipmodError({ code, message, ...extra });

/** Several errors found in one pass (`sipmod check` reports all, not just the first). */
export class SipmodErrors extends Data.TaggedError("SipmodErrors")<{ readonly errors: readonly SipmodError[] }> {
  format(): string {
    return this.errors.map((e) => e.format()).join("\n");
  }
}
