import { defineModule } from "../../core/module/define-module.ts";
import { CORE_MAJOR } from "../../core/version.ts";

/** tmx: transaction extensions on top of tm (t_suspend/t_continue, $T(...) variables, tm RPC). */
export default defineModule({
  name: "tmx",
  version: "0.1.0",
  core: CORE_MAJOR,
  doc: {
    overview:
      "Extensions to the tm module: t_suspend() and t_continue() for config files, the $T(...) transaction " +
      "pseudo-variables and the tm statistics RPC commands.",
  },
  requires: ["tm"],
});
