import { Effect } from "effect";
import type { CallContext } from "../../core/module/call-context.ts";
import { CORE_RESUME, ownBytes, type ContinueAt, type ContinuationData } from "../../core/module/continuation.ts";
import type { ProcessCallsApi, RouteOutcome, RouteRunnerApi } from "../../core/module/core-services.ts";
import { AvpStore, XavpStore } from "../../core/module/script-stores.ts";
import { Slot } from "../../core/module/slot.ts";
import type { TaskData } from "../../core/module/values.ts";
import { isParseFailure, SipMessage } from "../../core/sip/message.ts";
import type { NextHop } from "../../core/script/builtins/forward-target.ts";
import { ownerOfLabel } from "./identity.ts";
import type { PendingSettings, TmCore } from "./tm-core.ts";
import { errText, T_SLOT } from "./tm-core.ts";
import type { Transaction } from "./transaction.ts";
import { field, num, text } from "./task-data.ts";

/**
 * Transactions of another thread, acted on by identity. A route that runs in thread B for a
 * transaction owned by thread A (a continuation resumed on B) holds a handle, not the
 * transaction: t_reply, send_reply and t_relay become requests to A, which performs them and
 * answers with the result code (the route waits for it, so what it sent is done before it goes
 * on). Everything A needs travels with the request: the message as B changed it, `$du`, flags,
 * AVPs, XAVPs and the t_on_* settings.
 */
export interface RemoteTransaction {
  readonly index: number;
  readonly label: number;
  readonly owner: number;
}
export const T_REMOTE_SLOT = new Slot<RemoteTransaction>("tm.remote");

export const TM_REMOTE_REPLY = "tm.reply";
export const TM_REMOTE_RELAY = "tm.relay";

/** The remote transaction of `ctx`, when it has one and no local transaction. */
export const remoteOf = (tm: TmCore, ctx: CallContext): RemoteTransaction | undefined =>
  tm.current(ctx) === undefined ? ctx.get(T_REMOTE_SLOT) : undefined;

const askOwner = (calls: ProcessCallsApi, r: RemoteTransaction, op: string, data: TaskData, what: string): Effect.Effect<number> =>
  calls.request(r.owner, op, data).pipe(
    Effect.map((v) => (typeof v === "number" ? v : -1)),
    Effect.catchAll((e) => Effect.as(Effect.logWarning(`${what} for transaction ${r.index}:${r.label} of thread ${r.owner}: ${e.message}`), -1)),
  );

/** t_reply / send_reply on a remote transaction. */
export const remoteReply = (calls: ProcessCallsApi, r: RemoteTransaction, code: number, reason: string): Effect.Effect<number> =>
  askOwner(calls, r, TM_REMOTE_REPLY, { index: r.index, label: r.label, code, reason }, "t_reply");

/** t_relay on a remote transaction: a new branch of it, sent by its owner. */
export const remoteRelay = (
  tm: TmCore,
  calls: ProcessCallsApi,
  r: RemoteTransaction,
  ctx: CallContext,
  explicit: NextHop | undefined,
): Effect.Effect<number> => {
  const bytes = ctx.msg.serialize();
  const pending = tm.pendingOf(ctx);
  return askOwner(
    calls,
    r,
    TM_REMOTE_RELAY,
    {
      index: r.index,
      label: r.label,
      bytes: ownBytes(bytes),
      du: ctx.du ?? null,
      flags: ctx.flags,
      avps: ctx.avps.toData(),
      xavps: ctx.xavps.toData(),
      pending: pending === undefined ? null : (JSON.parse(JSON.stringify(pending)) as TaskData),
      proto: explicit?.proto ?? null,
      host: explicit?.host ?? null,
      port: explicit?.port ?? null,
    },
    "t_relay",
  );
};

/** The owner's side: the requests above, and tm's part of every continuation. */
export const attachRemote = (tm: TmCore, calls: ProcessCallsApi, routes: RouteRunnerApi): void => {
  calls.handle(TM_REMOTE_REPLY, (d) => {
    const t = tm.byIdent(num(d, "index"), num(d, "label"));
    if (t === undefined) return -1;
    return tm.localReply(t, num(d, "code"), text(d, "reason") ?? "") ? 1 : -1;
  });
  calls.handle(TM_REMOTE_RELAY, (d) => {
    const t = tm.byIdent(num(d, "index"), num(d, "label"));
    const b = field(d, "bytes");
    if (t === undefined || !(b instanceof Uint8Array)) return -1;
    const msg = SipMessage.parse(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    if (isParseFailure(msg)) return -1;
    const ctx = routes.context(msg, t.rcv, "failure");
    ctx.set(T_SLOT, t);
    t.avps = ctx.avps = AvpStore.fromData(field(d, "avps") ?? []);
    t.xavps = ctx.xavps = XavpStore.fromData(field(d, "xavps") ?? []);
    t.flags = ctx.flags = num(d, "flags") | 0;
    ctx.du = text(d, "du");
    const pending = field(d, "pending");
    if (pending !== null && pending !== undefined) Object.assign(t, pending as PendingSettings);
    const host = text(d, "host");
    const port = num(d, "port");
    const proto = (text(d, "proto") ?? "udp") as NextHop["proto"];
    const r = tm.relay(ctx, host !== undefined ? { proto, host, port: Number.isInteger(port) ? port : 5060 } : undefined);
    if (typeof r === "number") return r;
    return Effect.runPromise(r as Effect.Effect<number>).catch((e: unknown) => {
      tm.deps.log("Warning", `t_relay for thread ${calls.self}: ${errText(e)}`);
      return -1;
    });
  });
  routes.onContinuation("tm", {
    capture: (ctx) => {
      const t = tm.current(ctx);
      if (t !== undefined) return { index: t.index, label: t.label };
      const r = ctx.get(T_REMOTE_SLOT);
      return r === undefined ? undefined : { index: r.index, label: r.label };
    },
    restore: (ctx, d) => {
      const index = num(d, "index");
      const label = num(d, "label");
      const owner = ownerOfLabel(label);
      if (owner === calls.self) {
        const t = tm.byIdent(index, label);
        if (t === undefined) return;
        ctx.set(T_SLOT, t);
        t.avps = ctx.avps;
        t.xavps = ctx.xavps;
        t.flags = ctx.flags;
        return;
      }
      ctx.set(T_REMOTE_SLOT, { index, label, owner });
    },
  });
};

/**
 * Resume a suspended transaction of this thread by running `at` in thread `to` (this one or any
 * other): the continuation carries a copy of the request, its flags, AVPs and XAVPs and the
 * transaction's identity; the route there acts on the transaction through the requests above.
 * When the run ends (or the thread fails to answer), a transaction still without a final reply
 * and without a pending branch gets tm's 500, as after any resumed route.
 */
export const resumeIn = (
  tm: TmCore,
  calls: ProcessCallsApi,
  routes: RouteRunnerApi,
  index: number,
  label: number,
  at: ContinueAt,
  to: number,
  timeoutMs: number,
): 0 | 1 | -1 | -2 | Promise<0 | 1 | -1 | -2> =>
  tm.resume(index, label, (t: Transaction, req: SipMessage): Promise<RouteOutcome> => {
    const bytes = req.serialize();
    const data: ContinuationData = {
      bytes: ownBytes(bytes),
      rcv: t.rcv,
      flags: t.flags,
      du: t.duAtCreate ?? null,
      avps: t.avps.toData(),
      xavps: t.xavps.toData(),
      route: "failure",
      at,
      modules: { tm: { index: t.index, label: t.label } },
    };
    if (to === calls.self) {
      const o = routes.resume(data);
      return o instanceof Promise ? o : Promise.resolve(o);
    }
    return Effect.runPromise(
      calls.request(to, CORE_RESUME, data as unknown as TaskData, timeoutMs).pipe(
        Effect.map((o) => o as unknown as RouteOutcome),
        Effect.catchAll((e) =>
          Effect.as(Effect.sync(() => tm.deps.log("Warning", `resumed route of transaction ${index}:${label} in thread ${to}: ${e.message}`)), {
            code: -1,
            dropped: false,
            exited: false,
          } as RouteOutcome),
        ),
      ),
    );
  });
