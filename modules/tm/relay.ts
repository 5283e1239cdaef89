import { Effect } from "effect";
import type { CallContext } from "../../core/module/call-context.ts";
import type { SipSender } from "../../core/module/core-services.ts";
import type { FunctionResult } from "../../core/module/define-module.ts";
import { forwardRequest } from "../../core/script/builtins/forward.ts";
import { Forwarding } from "../../core/script/builtins/forwarding.ts";
import { resolveHost, type NextHop } from "../../core/script/builtins/forward-target.ts";
import { literalIp, type TmCore } from "./tm-core.ts";
import { remoteOf, remoteRelay } from "./remote.ts";

/**
 * t_relay: relay the request statefully. In a request route the transaction is created when the
 * request has none (a retransmission gets the last reply again and stops the script; an ACK for a
 * negative reply is absorbed; any other ACK and a CANCEL with no INVITE transaction are relayed
 * like Kamailio does: the ACK statelessly, the CANCEL statefully); a CANCEL that matches an INVITE
 * transaction cancels it. In a failure route it adds a branch (serial forking).
 */
export const relayRequest = (tm: TmCore, ctx: CallContext, explicit: NextHop | undefined): FunctionResult<SipSender> => {
  const msg = ctx.msg;
  if (!msg.isRequest) return -1;
  const remote = remoteOf(tm, ctx);
  if (remote !== undefined) return remoteRelay(tm, tm.deps.calls, remote, ctx, explicit);
  let t = tm.current(ctx);
  let created = false;
  if (ctx.route !== "failure" || t === undefined) {
    if (ctx.route === "failure") return -1;
    if (msg.method === "ACK") {
      const l = tm.lookup(msg);
      if (l.kind === "ack-absorbed") return 0;
      // An ACK for a 2xx (end to end) goes on statelessly, as forward() would send it.
      const fw = ctx.serviceIfLoaded(Forwarding);
      return fw === undefined ? -1 : Effect.provideService(forwardRequest(ctx, explicit), Forwarding, fw);
    }
    if (msg.method === "CANCEL") {
      const r = tm.cancelInvite(ctx);
      if (r !== undefined) return r;
    }
    if (t === undefined) {
      const l = tm.lookup(msg);
      if (l.kind === "retransmission") return 0;
      t = tm.create(ctx);
      created = true;
    }
  }
  const tr = t;
  if (tr.isInvite && ctx.route === "request" && tm.params.auto_inv_100 === 1 && tr.uasStatus === 0) {
    tm.localReply(tr, 100, tm.params.auto_inv_100_reason);
  }
  const failed = (why: string): number => {
    Effect.runSync(Effect.logWarning(`t_relay: ${why}`));
    if (created && tr.branches.length === 0 && tr.uasStatus < 200) tm.localReply(tr, 500, "I'm terribly sorry, server error occurred (1/TM)");
    return -1;
  };
  const hop = tm.nextHop(ctx, explicit);
  if ("error" in hop) return failed(hop.error);
  const done = (r: number): number => (r < 0 && created && tr.branches.length === 0 && tr.uasStatus < 200 ? failed("the request was not sent") : r);
  const ip = literalIp(hop.host);
  if (ip !== undefined) {
    const r = tm.sendBranch(tr, ctx, hop, ip);
    return r instanceof Promise ? Effect.promise(() => r.then(done)) : done(r);
  }
  return Effect.gen(function* () {
    const resolved = yield* Effect.either(resolveHost(hop.host));
    if (resolved._tag === "Left") return failed(resolved.left);
    const r = tm.sendBranch(tr, ctx, hop, resolved.right);
    return done(r instanceof Promise ? yield* Effect.promise(() => r) : r);
  });
};

