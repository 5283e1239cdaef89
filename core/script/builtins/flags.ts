import { Effect } from "effect";
import { sipmodError } from "../../errors.ts";
import { fn, type FixupSite } from "../../module/define-module.ts";

/**
 * Message flags: 32 bits per message (bit i = flag i), set in any route, visible to every module
 * through CallContext.flags and kept by tm with the transaction.
 */

const flagParam = [{ name: "flag", kind: "int", doc: "Flag number, 0 to 31." }] as const;

const checkFlag = (site: FixupSite) => {
  const a = site.args[0];
  const n = a?.kind === "static" ? a.value : undefined;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 31
    ? Effect.succeed(n)
    : Effect.fail(
        sipmodError("SM_CFG_FIXUP", `bad flag value ${a?.kind === "static" ? String(a.value) : "?"}: flags are 0 to 31`, {
          pos: site.pos,
          module: "core",
          hint: "Use a flag number from 0 to 31.",
        }),
      );
};

export const setflag = fn({
  name: "setflag",
  params: flagParam,
  routes: "any",
  doc: "Set message flag `flag` (0..31).",
  returns: "Always 1.",
  fixup: checkFlag,
  run: (ctx, _args, bit: number) => {
    ctx.flags |= 1 << bit;
    return 1;
  },
});

export const resetflag = fn({
  name: "resetflag",
  params: flagParam,
  routes: "any",
  doc: "Clear message flag `flag` (0..31).",
  returns: "Always 1.",
  fixup: checkFlag,
  run: (ctx, _args, bit: number) => {
    ctx.flags &= ~(1 << bit);
    return 1;
  },
});

export const isflagset = fn({
  name: "isflagset",
  params: flagParam,
  routes: "any",
  doc: "Test message flag `flag` (0..31).",
  returns: "1 (true) when the flag is set, -1 (false) when not.",
  fixup: checkFlag,
  run: (ctx, _args, bit: number) => ((ctx.flags & (1 << bit)) !== 0 ? 1 : -1),
});
