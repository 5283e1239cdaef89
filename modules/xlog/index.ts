import { Effect } from "effect";
import { sipmodError } from "../../core/errors.ts";
import { defineModule, fn, type FixupSite } from "../../core/module/define-module.ts";
import { KAMAILIO_LEVELS, logAtLevel, parseKamailioLevel } from "../../core/script/log-level.ts";
import { CORE_MAJOR } from "../../core/version.ts";

/**
 * xlog: formatted logging from the config. The text may contain pseudo-variables (undefined ones
 * print as `<null>`); the message goes to the server's Effect logger at the level mapped from
 * Kamailio's (L_ALERT..L_CRIT -> Fatal, L_ERR -> Error, L_WARN -> Warning, L_NOTICE/L_INFO -> Info,
 * L_DBG -> Debug), with the Kamailio level name as the `level` annotation.
 */

const fmtParam = { name: "format", kind: "string-pv", doc: "Text with pseudo-variables." } as const;

const levelFixup = (site: FixupSite) => {
  const a = site.args[0];
  const text = a?.kind === "static" ? String(a.value) : "";
  const level = parseKamailioLevel(text);
  return level === undefined
    ? Effect.fail(
        sipmodError("SM_CFG_FIXUP", `xlog(): unknown log level "${a?.kind === "static" ? text : a?.text ?? ""}"`, {
          pos: site.pos,
          module: "xlog",
          hint: "Use L_ALERT, L_BUG, L_CRIT2, L_CRIT, L_ERR, L_WARN, L_NOTICE, L_INFO or L_DBG.",
        }),
      )
    : Effect.succeed(level);
};

const emit = (level: number, text: string) => logAtLevel(level, text).pipe(Effect.as(1));

const fixed = (name: string, level: number, doc: string) =>
  fn({
    name,
    params: [fmtParam] as const,
    routes: "any",
    doc,
    returns: "Always 1.",
    run: (_ctx, [text]) => emit(level, text),
  });

export default defineModule({
  name: "xlog",
  version: "0.1.0",
  core: CORE_MAJOR,
  doc: {
    overview:
      "Log formatted messages from the routing script: the text may contain pseudo-variables, which are replaced by " +
      "their values when the function runs (`xinfo(\"$rm from $si\\n\")`). xlog() takes an optional level; xinfo(), " +
      "xdbg(), xnotice(), xwarn(), xerr(), xalert() and xcrit() log at a fixed level.",
  },
  functions: [
    fn({
      name: "xlog",
      params: [fmtParam] as const,
      routes: "any",
      doc: "Log the formatted text at L_ERR.",
      returns: "Always 1.",
      run: (_ctx, [text]) => emit(KAMAILIO_LEVELS.L_ERR, text),
    }),
    fn({
      name: "xlog",
      params: [{ name: "level", kind: "string", doc: "L_ALERT, L_BUG, L_CRIT2, L_CRIT, L_ERR, L_WARN, L_NOTICE, L_INFO or L_DBG." }, fmtParam] as const,
      routes: "any",
      doc: "Log the formatted text at the given level.",
      returns: "Always 1.",
      fixup: levelFixup,
      run: (_ctx, [, text], level: number) => emit(level, text),
    }),
    fixed("xalert", KAMAILIO_LEVELS.L_ALERT, "Log the formatted text at L_ALERT."),
    fixed("xcrit", KAMAILIO_LEVELS.L_CRIT, "Log the formatted text at L_CRIT."),
    fixed("xerr", KAMAILIO_LEVELS.L_ERR, "Log the formatted text at L_ERR."),
    fixed("xwarn", KAMAILIO_LEVELS.L_WARN, "Log the formatted text at L_WARN."),
    fixed("xnotice", KAMAILIO_LEVELS.L_NOTICE, "Log the formatted text at L_NOTICE."),
    fixed("xinfo", KAMAILIO_LEVELS.L_INFO, "Log the formatted text at L_INFO."),
    fixed("xdbg", KAMAILIO_LEVELS.L_DBG, "Log the formatted text at L_DBG."),
  ],
});
