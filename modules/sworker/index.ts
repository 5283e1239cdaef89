import { defineModule } from "../../core/module/define-module.ts";
import { CORE_MAJOR } from "../../core/version.ts";

/**
 * sworker: delegate the processing of a received SIP message to a group of async workers from
 * event_route[core:pre-routing]. The groups are the core's (async_workers, async_workers_group).
 */
export default defineModule({
  name: "sworker",
  version: "0.1.0",
  core: CORE_MAJOR,
  doc: {
    overview:
      "Delegates the processing of SIP messages to a group of workers from `event_route[core:pre-routing]`. The " +
      "worker groups are defined with the core parameters `async_workers` and `async_workers_group` (or `core.groups` " +
      "in plugins.json). The worker that receives the message runs request_route or reply_route as usual. Unlike the " +
      "async module it creates no transaction and suspends nothing, and nothing set in the event_route (flags, AVPs) " +
      "travels with the message: the worker processes it as if freshly received from the network.",
  },
});
