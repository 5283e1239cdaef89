import { Effect } from "effect";
import { sipmodError } from "../../errors.ts";
import { fn, type FixupSite } from "../../module/define-module.ts";
import { logAtLevel } from "../log-level.ts";

/**
 * The core's `log([level,] text)`: prints a fixed text (pseudo-variables are not expanded; use
 * xlog for that). Without a level it logs at Kamailio's level 4 (more verbose than L_DBG), which
 * maps to Trace; with one it takes the numeric Kamailio level (-5 L_ALERT .. 3 L_DBG).
 */

const textOf = (site: FixupSite, i: number): string => {
  const a = site.args[i];
  return a?.kind === "static" ? String(a.value) : "";
};

export const log1 = fn({
  name: "log",
  params: [{ name: "text", kind: "string", doc: "Text to log, printed as written." }] as const,
  routes: "any",
  doc: "Log a fixed text at debug level 4 (Trace).",
  returns: "Always 1.",
  fixup: (site) => Effect.succeed(logAtLevel(4, textOf(site, 0)).pipe(Effect.as(1))),
  run: (_ctx, _args, eff: Effect.Effect<number>) => eff,
});

export const log2 = fn({
  name: "log",
  params: [
    { name: "level", kind: "int", doc: "Kamailio log level: -5 (L_ALERT) .. 3 (L_DBG)." },
    { name: "text", kind: "string", doc: "Text to log, printed as written." },
  ] as const,
  routes: "any",
  doc: "Log a fixed text at the given Kamailio level.",
  returns: "Always 1.",
  fixup: (site) => {
    const a = site.args[0];
    const level = a?.kind === "static" && typeof a.value === "number" ? a.value : NaN;
    if (!Number.isInteger(level) || level < -5 || level > 4)
      return Effect.fail(
        sipmodError("SM_CFG_FIXUP", `log(): level ${String(a?.kind === "static" ? a.value : "?")} is not a Kamailio log level`, {
          pos: site.pos,
          module: "core",
          hint: "Use -5 (alert), -1 (error), 0 (warning), 1 (notice), 2 (info) or 3 (debug).",
        }),
      );
    return Effect.succeed(logAtLevel(level, textOf(site, 1)).pipe(Effect.as(1)));
  },
  run: (_ctx, _args, eff: Effect.Effect<number>) => eff,
});
