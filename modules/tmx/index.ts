import { defineModule } from "../../core/module/define-module.ts";
import { CORE_MAJOR } from "../../core/version.ts";
import { tmRef } from "../tm/api.ts";
import { tmxFunctions } from "./functions.ts";
import { precheckLayer } from "./precheck.ts";
import { tmxPvs } from "./pvs.ts";

/** tmx: transaction extensions on top of tm (t_suspend/t_continue, t_precheck_trans, the $T variables). */
export default defineModule({
  name: "tmx",
  version: "0.2.0",
  core: CORE_MAJOR,
  doc: {
    overview:
      "Extensions to the tm module for config files: t_suspend() and t_continue() (park a transaction and resume it " +
      "later, from another request: the park-and-wake pattern), t_precheck_trans(), t_reuse_branch(), and the transaction " +
      "pseudo-variables $T(...), $T_reply_code, $T_reply_reason and $T_branch_idx.",
    differences: [
      "$T_req(pv) and $T_rpl(pv) are not provided.",
      "t_continue() on a transaction whose suspension already ended (it timed out, or was resumed) returns 1 as in " +
        "Kamailio, without running the route.",
    ],
  },
  requires: [tmRef],
  functions: tmxFunctions,
  pvs: tmxPvs,
  services: () => precheckLayer,
});
