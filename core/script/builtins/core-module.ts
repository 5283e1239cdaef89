import { defineModule, fn } from "../../module/define-module.ts";
import { CORE_MAJOR, CORE_VERSION } from "../../version.ts";
import { isflagset, resetflag, setflag } from "./flags.ts";
import { forwardRequest } from "./forward.ts";
import type { Forwarding } from "./forwarding.ts";
import { log1, log2 } from "./log.ts";
import { ruriFunctions } from "./ruri.ts";

/**
 * The core's own config functions, as a module named "core" that is always there. `drop`,
 * `exit`, `return`, `break` and `route()` are statements of the language, not functions.
 * forward() needs the Forwarding service (core/script/builtins/forwarding.ts) in the engine's
 * Runtime besides SipSender.
 */
export const coreModule = defineModule<"core", readonly [], {}, Forwarding>({
  name: "core",
  version: CORE_VERSION,
  core: CORE_MAJOR,
  doc: {
    overview:
      "Functions built into the routing engine: message flags, plain logging, Request-URI rewriting and stateless " +
      "forwarding. They are always available, whatever modules are loaded. As in Kamailio, a core function's return " +
      "code does not become `$rc`: as a statement it leaves `$rc` as it was, inside an expression (or as an " +
      "assignment's value) it sets `$rc` to 0; module functions and `route()` set `$rc` to their code.",
    differences: [
      "forward() resolves a host name to an address (A/AAAA) but does no NAPTR/SRV lookups.",
      "log() prints its text as written; pseudo-variables in it are a load error (use xlog).",
    ],
  },
  functions: [
    setflag,
    resetflag,
    isflagset,
    log1,
    log2,
    fn({
      name: "forward",
      params: [] as const,
      routes: ["request", "failure", "branch"],
      doc: "Forward the request statelessly to $du when set, else to the R-URI (host, port and transport from the URI).",
      returns: "1 when the request was sent, -1 otherwise.",
      run: (ctx) => forwardRequest(ctx, undefined),
    }),
    ...ruriFunctions,
    fn({
      name: "forward",
      params: [{ name: "host", kind: "string-pv", doc: "Host name or IP address." }] as const,
      routes: ["request", "failure", "branch"],
      doc: "Forward the request statelessly over UDP to host, port 5060.",
      returns: "1 when the request was sent, -1 otherwise.",
      run: (ctx, [host]) => forwardRequest(ctx, { proto: "udp", host, port: 5060 }),
    }),
    fn({
      name: "forward",
      params: [
        { name: "host", kind: "string-pv", doc: "Host name or IP address." },
        { name: "port", kind: "int-pv", doc: "Port." },
      ] as const,
      routes: ["request", "failure", "branch"],
      doc: "Forward the request statelessly over UDP to host:port.",
      returns: "1 when the request was sent, -1 otherwise.",
      run: (ctx, [host, port]) => forwardRequest(ctx, { proto: "udp", host, port }),
    }),
  ],
});
