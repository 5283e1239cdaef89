import { Context, Effect, Layer } from "effect";
import type { CallContext } from "../../core/module/call-context.ts";
import { MessageHooks, type CoreServices } from "../../core/module/core-services.ts";
import { Slot } from "../../core/module/slot.ts";
import { Tm } from "../tm/api.ts";

const KEY = new Slot<string>("tmx.precheck");

/** t_precheck_trans: the requests of this process whose request_route runs now and that have no transaction yet. */
export interface PrecheckApi {
  /** True when another copy of the request is in progress; else this one is marked until its route ends. */
  readonly check: (ctx: CallContext) => boolean;
}
export class Precheck extends Context.Tag("sipmod/tmx/Precheck")<Precheck, PrecheckApi>() {}

export const precheckLayer: Layer.Layer<Precheck, never, CoreServices | Tm> = Layer.effect(
  Precheck,
  Effect.gen(function* () {
    const hooks = yield* MessageHooks;
    const tm = yield* Tm;
    const inProgress = new Set<string>();
    hooks.onRequestDone((ctx) => {
      const k = ctx.get(KEY);
      if (k !== undefined) inProgress.delete(k);
    });
    return {
      check: (ctx) => {
        const msg = ctx.msg;
        if (!msg.isRequest || msg.method === "ACK" || tm.current(ctx) !== undefined) return false;
        let key: string;
        try {
          const v = msg.via();
          key = `${msg.method}|${v.branch ?? ""}|${v.host}|${v.port ?? ""}|${msg.callId()}|${msg.cseq().seq}`;
        } catch {
          return false;
        }
        if (ctx.get(KEY) === key) return false;
        if (inProgress.has(key)) return true;
        inProgress.add(key);
        ctx.set(KEY, key);
        return false;
      },
    };
  }),
);
