// sipmod's default routing written as a TypeScript routing script: the twin of examples/default.cfg
// (OPTIONS -> 200, Max-Forwards 0 -> 483, anything else -> 404). examples/ts-routes.json runs it.
// Outside this repository the type comes from the package: import type { Ksr } from "sipmod/ksr".
import type { Ksr } from "../core/script/kemi/ksr-types.ts";

export function request_route(ksr: Ksr) {
  // stop forwarding loops: a request whose Max-Forwards reached 0 gets 483
  if (ksr.maxfwd.mf_process_maxfwd_header(10) < 0) {
    ksr.sl.sl_send_reply(483, "Too Many Hops");
    return ksr.x.exit();
  }
  const method = ksr.pv.get("$rm");
  // ACKs to our stateless replies end here
  if (method === "ACK") return ksr.x.exit();
  if (method === "OPTIONS") {
    ksr.sl.sl_send_reply(200, "OK");
    return ksr.x.exit();
  }
  // pseudo-variables are not expanded in ksr strings: read them with ksr.pv.get
  ksr.xlog.xinfo(`no handler for ${ksr.pv.gete("$rm")} from ${ksr.pv.gete("$si")}:${ksr.pv.gete("$sp")} (Call-ID ${ksr.pv.gete("$ci")})\n`);
  ksr.sl.sl_send_reply(404, "Not Found");
  return ksr.x.exit();
}
