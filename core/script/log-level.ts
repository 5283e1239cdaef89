import { Effect, LogLevel } from "effect";

/**
 * Kamailio's log levels (the numbers its `debug=` parameter and `log(level, ...)` use) and how they
 * map onto Effect's: L_ALERT, L_BUG, L_CRIT2, L_CRIT -> Fatal; L_ERR -> Error; L_WARN -> Warning;
 * L_NOTICE, L_INFO -> Info; L_DBG -> Debug; anything more verbose (4: `log("text")`) -> Trace.
 */
export const KAMAILIO_LEVELS = {
  L_ALERT: -5,
  L_BUG: -4,
  L_CRIT2: -3,
  L_CRIT: -2,
  L_ERR: -1,
  L_WARN: 0,
  L_NOTICE: 1,
  L_INFO: 2,
  L_DBG: 3,
} as const;

export type KamailioLevelName = keyof typeof KAMAILIO_LEVELS;

/** `L_INFO` or a number (`2`, `-1`) to the numeric level; undefined when it is neither. */
export const parseKamailioLevel = (text: string): number | undefined => {
  const t = text.trim();
  if (Object.prototype.hasOwnProperty.call(KAMAILIO_LEVELS, t)) return KAMAILIO_LEVELS[t as KamailioLevelName];
  return /^-?[0-9]+$/.test(t) ? Number(t) : undefined;
};

export const kamailioLevelName = (n: number): string => {
  for (const [k, v] of Object.entries(KAMAILIO_LEVELS)) if (v === n) return k;
  return n > KAMAILIO_LEVELS.L_DBG ? "L_DBG" : "L_ALERT";
};

export const effectLogLevel = (n: number): LogLevel.LogLevel =>
  n <= KAMAILIO_LEVELS.L_CRIT
    ? LogLevel.Fatal
    : n === KAMAILIO_LEVELS.L_ERR
      ? LogLevel.Error
      : n === KAMAILIO_LEVELS.L_WARN
        ? LogLevel.Warning
        : n <= KAMAILIO_LEVELS.L_INFO
          ? LogLevel.Info
          : n === KAMAILIO_LEVELS.L_DBG
            ? LogLevel.Debug
            : LogLevel.Trace;

/** Log `text` (a trailing newline is dropped) at a Kamailio level through the Effect logger. */
export const logAtLevel = (level: number, text: string): Effect.Effect<void> =>
  Effect.logWithLevel(effectLogLevel(level), text.endsWith("\n") ? text.slice(0, -1) : text).pipe(
    Effect.annotateLogs("level", kamailioLevelName(level)),
  );
