import { HashMap, Layer, Logger, LogLevel } from "effect";
import type { LogLevel as CoreLogLevel } from "../manifest/core-params.ts";

/** Effect's minimum level for the core `log_level` param (Kamailio's debug= values map onto these). */
export const effectLogLevel = (l: CoreLogLevel): LogLevel.LogLevel =>
  ({ error: LogLevel.Error, warn: LogLevel.Warning, notice: LogLevel.Info, info: LogLevel.Info, debug: LogLevel.Debug })[l];

/**
 * The server's log line: `2026-11-23T17:00:00.000Z INFO [main] message key=value ...` on stderr,
 * one line per entry, annotations (group, rank, module ...) appended.
 */
export const serverLogger = Logger.make(({ logLevel, message, annotations, date, cause }) => {
  const parts = Array.isArray(message) ? (message as unknown[]) : [message];
  const text = parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join(" ");
  const ann = HashMap.toEntries(annotations);
  const proc = ann.find(([k]) => k === "group");
  const rank = ann.find(([k]) => k === "rank");
  const where = proc !== undefined ? `${String(proc[1])}#${String(rank?.[1] ?? "?")}` : "main";
  const extra = ann
    .filter(([k]) => k !== "group" && k !== "rank")
    .map(([k, v]) => ` ${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join("");
  const causeText = cause._tag === "Empty" ? "" : `\n  ${String(cause).split("\n").join("\n  ")}`;
  process.stderr.write(`${date.toISOString()} ${logLevel.label} [${where}] ${text.replace(/\n+$/, "")}${extra}${causeText}\n`);
});

export const serverLoggerLayer = (level: CoreLogLevel): Layer.Layer<never> =>
  Layer.merge(Logger.replace(Logger.defaultLogger, serverLogger), Logger.minimumLogLevel(effectLogLevel(level)));
