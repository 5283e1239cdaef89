import { Effect, Schema } from "effect";
import { defineModule } from "../../core/module/define-module.ts";
import { CORE_MAJOR } from "../../core/version.ts";
import { messagePvs } from "./pv-message.ts";
import { scriptPvs } from "./pv-script.ts";
import { applyShvset, attachSharedShv } from "./shv-init.ts";
import { timePvs } from "./pv-time.ts";

const PvParams = Schema.Struct({
  shvset: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }).annotations({
    description: 'Initial value of a shared variable: "name=i:<integer>" or "name=s:<text>"; repeat for more.',
  }),
});

/**
 * pv: the pseudo-variables of the message ($ru, $rU, $fu, $hdr(X) ...), of the script ($var,
 * $avp, $xavp, $shv, $rc) and of time ($Tf, $TV(s) ...). $shv values live in the server's shared
 * memory (SharedMemory segment "pv.shv"), so every worker thread sees the same values.
 */
export default defineModule({
  name: "pv",
  version: "0.1.0",
  core: CORE_MAJOR,
  doc: {
    overview:
      "Pseudo-variables: read parts of the message being routed ($ru, $rU, $rd, $fu, $tu, $ci, $hdr(Name), $si ...), " +
      "keep values in script variables ($var per process, $avp and $xavp per message, $shv shared) and read the time. " +
      "$ru, $rU, $rd, $rp, $du, $var, $avp, $xavp and $shv can be assigned.",
    params: {
      shvset: { doc: "Initial value of a shared variable; the parameter can be given several times.", example: '"maxcalls=i:10"' },
    },
    differences: [
      "$shv values live in one shared-memory segment of 1 MiB for all threads (up to 4096 names); a value that no " +
        "longer fits makes the assignment fail with a log.",
      "$pp is the process id, which every worker thread of the server shares.",
      "An index written $(name(inner)[i]) is accepted for $avp, $hdr and $xavp fields.",
      "$hdr of a folded header (a value continued on the next line) is unfolded; Kamailio gives the line break too.",
    ],
  },
  params: PvParams,
  pvs: [...messagePvs, ...scriptPvs, ...timePvs],
  // $shv lives in a shared-memory segment: the main thread lays it out and sets the shvset values
  // once in init; every process attaches the same segment in childInit.
  init: (p) => Effect.zipRight(attachSharedShv, applyShvset(p.shvset)),
  childInit: () => attachSharedShv,
});
