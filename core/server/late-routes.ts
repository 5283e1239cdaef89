import { AvpStore, XavpStore } from "../module/script-stores.ts";
import type { CallContext } from "../module/call-context.ts";
import { ownBytes, type ContinuationData, type ContinuationHandler, type ContinueAt } from "../module/continuation.ts";
import type { RouteOutcome, RouteRunnerApi, RouteRunOptions } from "../module/core-services.ts";
import type { ProcessInfo } from "../module/process-info.ts";
import type { RouteKind } from "../module/route-kind.ts";
import type { Engine, ScriptContext } from "../script/engine.ts";
import { isParseFailure, SipMessage } from "../sip/message.ts";
import type { ReceiveInfo } from "../transport/receive-info.ts";

const NOTHING: RouteOutcome = { code: -1, dropped: false, exited: false };

/**
 * RouteRunner over the process's routing engine, which exists only after the modules' services
 * (the engine's Runtime holds them): attached once the engine is made. Until then, and in a
 * process without a script, nothing runs. It also captures and resumes continuations: a
 * request's routing state as data that any thread resumes (core/module/continuation.ts).
 */
export class LateRoutes implements RouteRunnerApi {
  private engine: Engine | undefined;
  private readonly handlers = new Map<string, ContinuationHandler>();
  constructor(private readonly proc: ProcessInfo) {}
  attach(engine: Engine | undefined): void {
    this.engine = engine;
  }
  readonly has = (block: string): boolean => this.engine !== undefined && this.engine.has(block);
  readonly run = (block: string, msg: SipMessage, rcv: ReceiveInfo, opts: RouteRunOptions): RouteOutcome | Promise<RouteOutcome> => {
    const engine = this.engine;
    if (engine === undefined || !engine.has(block)) return NOTHING;
    const ctx = engine.newContext(msg, rcv, { proc: this.proc, route: opts.route });
    ctx.route = opts.route;
    opts.prepare?.(ctx);
    const finish = opts.finish;
    const o = engine.run(block, ctx, { keepRoute: true });
    if (finish === undefined) return o;
    if (o instanceof Promise)
      return o.then((r) => {
        finish(ctx, r);
        return r;
      });
    finish(ctx, o);
    return o;
  };

  readonly context = (msg: SipMessage, rcv: ReceiveInfo, route: RouteKind): CallContext => {
    const engine = this.engine;
    if (engine === undefined) throw new Error("this thread has no routing engine yet");
    const ctx = engine.newContext(msg, rcv, { proc: this.proc, route });
    ctx.route = route;
    return ctx;
  };

  readonly onContinuation = (module: string, handler: ContinuationHandler): void => {
    this.handlers.set(module, handler);
  };

  readonly capture = (ctx: CallContext, at: ContinueAt, route?: RouteKind): ContinuationData => {
    const modules: Record<string, import("../module/values.ts").TaskData> = {};
    for (const [name, h] of this.handlers) {
      const d = h.capture(ctx);
      if (d !== undefined) modules[name] = d;
    }
    const bytes = ctx.msg.serialize();
    return {
      bytes: ownBytes(bytes),
      rcv: ctx.rcv,
      flags: ctx.flags,
      du: ctx.du ?? null,
      avps: ctx.avps.toData(),
      xavps: ctx.xavps.toData(),
      route: route ?? ctx.route,
      at,
      modules,
    };
  };

  readonly resume = (data: ContinuationData): RouteOutcome | Promise<RouteOutcome> => {
    const engine = this.engine;
    if (engine === undefined) return NOTHING;
    const parsed = SipMessage.parse(Buffer.from(data.bytes.buffer, data.bytes.byteOffset, data.bytes.byteLength));
    if (isParseFailure(parsed)) return NOTHING;
    const ctx: ScriptContext = engine.newContext(parsed, data.rcv, { proc: this.proc, route: data.route });
    ctx.route = data.route;
    ctx.flags = data.flags;
    ctx.du = data.du ?? undefined;
    ctx.avps = AvpStore.fromData(data.avps);
    ctx.xavps = XavpStore.fromData(data.xavps);
    for (const [name, d] of Object.entries(data.modules)) this.handlers.get(name)?.restore(ctx, d);
    const at = data.at;
    if ("block" in at) return engine.has(at.block) ? engine.run(at.block, ctx, { keepRoute: true }) : NOTHING;
    return at.callers !== undefined ? engine.runContinuationStack(at.after, at.callers, ctx) : engine.runContinuation(at.after, ctx);
  };
}
