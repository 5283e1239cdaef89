import { defineModule } from "../../core/module/define-module.ts";
import { CORE_MAJOR } from "../../core/version.ts";
import { TmParams } from "./params.ts";

/**
 * tm: RFC 3261 transactions. This declaration carries the parameters and the route blocks tm
 * owns; config functions are registered as they are implemented (a function either works as
 * documented or is not registered).
 */
export default defineModule({
  name: "tm",
  version: "0.1.0",
  core: CORE_MAJOR,
  doc: {
    overview:
      "Transaction management: RFC 3261 server and client transactions, stateful relaying, failure and reply routes, " +
      "and the suspend/continue API that the async module builds on.",
    params: {
      fr_timer: { doc: "Final response timer for non-INVITE requests, and the limit of a suspended transaction.", example: "10000" },
      fr_inv_timer: { doc: "Final response timer for INVITE once a provisional reply arrived.", example: "60000" },
      wt_timer: { doc: "Time a completed transaction is kept to absorb retransmissions.", example: "5000" },
      retr_timer1: { doc: "First retransmission interval over UDP (T1).", example: "500" },
      retr_timer2: { doc: "Maximum retransmission interval over UDP (T2).", example: "4000" },
      max_inv_lifetime: { doc: "Maximum lifetime of an INVITE transaction.", example: "180000" },
      max_noninv_lifetime: { doc: "Maximum lifetime of a non-INVITE transaction.", example: "32000" },
      auto_inv_100: { doc: "Send `100 Trying` automatically for a new INVITE transaction.", example: "0" },
      auto_inv_100_reason: { doc: "Reason phrase of the automatic 100.", example: '"Trying"' },
    },
  },
  params: TmParams,
  blocks: [
    { keyword: "failure_route", kind: "failure", named: true },
    { keyword: "onreply_route", kind: "onreply", named: true },
    { keyword: "branch_route", kind: "branch", named: true },
  ],
});
