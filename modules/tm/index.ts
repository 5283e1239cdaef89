import { Effect, Layer, LogLevel, Runtime } from "effect";
import { defineModule } from "../../core/module/define-module.ts";
import type { SipmodError } from "../../core/errors.ts";
import { CoreInfo, MessageHooks, ProcessCalls, RouteRunner, SharedMemory, SipSender, type CoreServices } from "../../core/module/core-services.ts";
import { attachThreads } from "./threads.ts";
import { attachRemote } from "./remote.ts";
import { CORE_MAJOR } from "../../core/version.ts";
import { Tm } from "./api.ts";
import { tmFunctions } from "./functions.ts";
import { TmParams } from "./params.ts";
import { tmRpc } from "./rpc.ts";
import { TmCore, type TmLog } from "./tm-core.ts";

const LEVELS = { Debug: LogLevel.Debug, Info: LogLevel.Info, Warning: LogLevel.Warning, Error: LogLevel.Error } as const;

/** This process's transactions: the Tm service, with tm's hooks in the receive path. */
const tmServices = (params: TmParams): Layer.Layer<Tm, SipmodError, CoreServices> =>
  Layer.scoped(
    Tm,
    Effect.gen(function* () {
      const info = yield* CoreInfo;
      const sender = yield* SipSender;
      const routes = yield* RouteRunner;
      const hooks = yield* MessageHooks;
      const shared = yield* SharedMemory;
      const rt = yield* Effect.runtime<never>();
      const runLog = Runtime.runSync(rt);
      const log: TmLog = (level, text) => {
        try {
          runLog(Effect.logWithLevel(LEVELS[level], text).pipe(Effect.annotateLogs("module", "tm")));
        } catch {
          // logging must never break transaction processing
        }
      };
      const calls = yield* ProcessCalls;
      const core = new TmCore({ params, sender, routes, procId: info.proc.id, log, calls });
      hooks.onRequest((msg) => core.onRequest(msg));
      hooks.onReply((msg, rcv) => core.onReply(msg, rcv));
      hooks.onRequestDone((ctx) => core.requestDone(ctx));
      yield* attachThreads(core, calls, hooks, shared);
      attachRemote(core, calls, routes);
      yield* Effect.addFinalizer(() => Effect.sync(() => core.stop()));
      return core;
    }),
  );

/**
 * tm: RFC 3261 transactions. Each process has its own transactions (the owner is encoded in
 * their identity and in the Via branch of what they relay); tm takes the replies of its
 * transactions from the receive path, absorbs retransmissions of suspended requests, and answers
 * a transaction that request_route left without a reply.
 */
export default defineModule({
  name: "tm",
  version: "0.2.0",
  core: CORE_MAJOR,
  doc: {
    overview:
      "Transaction management: RFC 3261 server and client transactions (INVITE and non-INVITE) with their " +
      "retransmission and final-response timers, stateful relaying with serial forking from failure routes, " +
      "reply and branch routes, CANCEL, and the suspend/continue API that tmx and async build on. A transaction " +
      "is owned by the process that created it; its identity ($T(id_index), $T(id_label)) and the Via branch of " +
      "the requests it relays name that process.",
    params: {
      fr_timer: { doc: "Final response timer for non-INVITE requests and INVITEs before a provisional, and the limit of a suspended transaction.", example: "10000" },
      fr_inv_timer: { doc: "Final response timer for INVITE once a provisional reply arrived.", example: "60000" },
      wt_timer: { doc: "Time a completed transaction is kept to absorb retransmissions.", example: "5000" },
      retr_timer1: { doc: "First retransmission interval over UDP (T1).", example: "500" },
      retr_timer2: { doc: "Maximum retransmission interval over UDP (T2).", example: "4000" },
      max_inv_lifetime: { doc: "Maximum lifetime of an INVITE transaction; pending branches time out then.", example: "180000" },
      max_noninv_lifetime: { doc: "Maximum lifetime of a non-INVITE transaction.", example: "32000" },
      auto_inv_100: { doc: "Send `100 Trying` automatically when an INVITE is relayed or suspended.", example: "0" },
      auto_inv_100_reason: { doc: "Reason phrase of the automatic 100.", example: '"Trying"' },
    },
    differences: [
      "A retransmission of a suspended request is absorbed (its last provisional reply is sent again) even when the " +
        "config did not call t_check_trans(); Kamailio 5.6 suspends it a second time.",
      "A transaction that request_route created (t_newtran) but neither replied to, relayed nor suspended gets " +
        "`500 I'm terribly sorry, server error occurred (1/TM)` when the route ends, with a warning; Kamailio releases " +
        "it silently and the client retransmits until its own timeout.",
      "Timers fire within a few milliseconds of their due time (one sorted queue per process); Kamailio's tm timer " +
        "ticks every 100 ms.",
      "Every thread keeps its own transactions (Kamailio keeps them in shared memory): a reply, CANCEL, ACK or " +
        "retransmission that arrives at another thread is handed to the owner before any route runs (the owner is in " +
        "the Via branch of what tm relays, and in a shared table for received requests), and t_continue or an RPC " +
        "call for a transaction of another thread is carried out by its owner. A crashed thread's transactions are " +
        "lost with it (Kamailio stops the whole server when a child crashes).",
    ],
  },
  params: TmParams,
  blocks: [
    { keyword: "failure_route", kind: "failure", named: true },
    { keyword: "onreply_route", kind: "onreply", named: true },
    { keyword: "branch_route", kind: "branch", named: true },
  ],
  events: ["tm:branch-failure"],
  functions: tmFunctions,
  rpc: tmRpc,
  services: tmServices,
});
