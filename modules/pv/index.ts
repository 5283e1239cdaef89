import { Effect, Schema } from "effect";
import { defineModule } from "../../core/module/define-module.ts";
import { CORE_MAJOR } from "../../core/version.ts";
import { messagePvs } from "./pv-message.ts";
import { scriptPvs } from "./pv-script.ts";
import { applyShvset } from "./shv-init.ts";
import { SharedShvStore } from "./shv-shared.ts";
import { shvStore } from "./shv-store.ts";
import { timePvs } from "./pv-time.ts";

const PvParams = Schema.Struct({
  shvset: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }).annotations({
    description: 'Initial value of a shared variable: "name=i:<integer>" or "name=s:<text>"; repeat for more.',
  }),
});

/**
 * pv: the pseudo-variables of the message ($ru, $rU, $fu, $hdr(X) ...), of the script ($var,
 * $avp, $xavp, $shv, $rc) and of time ($Tf, $TV(s) ...).
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
      "$shv values are shared by the worker threads once the server installs a SharedShvStore (one SharedArrayBuffer " +
        "for all threads); until then each thread has its own values.",
      "$pp is the process id, which every worker thread of the server shares.",
      "An index written $(name(inner)[i]) is accepted for $avp, $hdr and $xavp fields.",
    ],
  },
  params: PvParams,
  pvs: [...messagePvs, ...scriptPvs, ...timePvs],
  // Initial $shv values: once in the main thread; again in each worker only while the store is the
  // per-thread one (a worker starting later must not reset values in a store shared by all threads).
  init: (p) => applyShvset(p.shvset),
  childInit: (p) => (shvStore() instanceof SharedShvStore ? Effect.void : applyShvset(p.shvset)),
});
