import { defineModule } from "../../core/module/define-module.ts";
import { CORE_MAJOR } from "../../core/version.ts";
import { AsyncParams } from "./params.ts";

/** The group of worker threads that runs the continuations, like Kamailio's ASYNC MOD TIMER processes. */
export const ASYNC_GROUP = "async";

/**
 * async: asynchronous operations in the config (async_route, async_sleep). It suspends the
 * transaction through tm and resumes it later in a worker of the "async" group.
 */
export default defineModule({
  name: "async",
  version: "0.1.0",
  core: CORE_MAJOR,
  doc: {
    overview:
      "Asynchronous operations for handling SIP requests in the config file. async uses tm's suspend and continue " +
      "(t_suspend()/t_continue() from tm and tmx). After an asynchronous operation the processing continues later in " +
      "another process (a worker thread of the `async` group), so variables in private memory (`$var(...)`) are lost; " +
      "keep values that must survive in `$avp(...)`, `$xavp(...)`, `$shv(...)` or `$sht(...)`.",
    params: {
      workers: {
        doc:
          "Number of worker processes to be started to handle the asynchronous tasks. A value of 0 or less starts none.",
        example: "2",
      },
    },
  },
  requires: ["tm", "tmx"],
  params: AsyncParams,
  groups: (p) => (p.workers > 0 ? [{ name: ASYNC_GROUP, size: p.workers }] : []),
});
