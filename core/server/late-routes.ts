import type { RouteOutcome, RouteRunnerApi, RouteRunOptions } from "../module/core-services.ts";
import type { Engine } from "../script/engine.ts";
import type { SipMessage } from "../sip/message.ts";
import type { ReceiveInfo } from "../transport/receive-info.ts";

const NOTHING: RouteOutcome = { code: -1, dropped: false, exited: false };

/**
 * RouteRunner over the process's routing engine, which exists only after the modules' services
 * (the engine's Runtime holds them): attached once the engine is made. Until then, and in a
 * process without a script, nothing runs.
 */
export class LateRoutes implements RouteRunnerApi {
  private engine: Engine | undefined;
  constructor(private readonly proc: import("../module/process-info.ts").ProcessInfo) {}
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
}
