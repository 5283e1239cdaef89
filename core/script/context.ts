import { Context } from "effect";
import type { CallContext } from "../module/call-context.ts";
import { MAIN_PROCESS, type ProcessInfo } from "../module/process-info.ts";
import type { RouteKind } from "../module/route-kind.ts";
import type { Slot } from "../module/slot.ts";
import type { SipMessage } from "../sip/message.ts";
import { parseUri, type SipUri } from "../sip/uri.ts";
import type { ReceiveInfo } from "../transport/receive-info.ts";
import { RUN_DROP, RUN_EXIT, type ContinuationRef, type ScriptHost } from "./bound.ts";
import { AvpStore, XavpStore, type VarStore } from "./script-stores.ts";

export interface ContextOptions {
  readonly proc?: ProcessInfo;
  /** Kind of the block about to run; the engine sets it again when it starts a route. */
  readonly route?: RouteKind;
  /** "pre-routing" while `event_route[core:pre-routing]` runs for a received message. */
  readonly phase?: "pre-routing";
}

/**
 * The CallContext the interpreter gives config functions and pseudo-variables, with the script's
 * own state: run flags and the last return code ($rc), message and script flags, the destination
 * URI ($du), AVPs and XAVPs (kept here until a transaction takes them over), the per-process $var
 * store, module slots, and the continuation point of the function call running now.
 */
export class ScriptContext implements CallContext {
  route: RouteKind;
  readonly proc: ProcessInfo;
  /** Message flags (setflag/resetflag/isflagset), bit i = flag i. */
  flags = 0;
  /** Script flags: cleared whenever a top-level route starts, as Kamailio's run_top_route does. */
  sflags = 0;
  /** RUN_EXIT | RUN_RETURN | RUN_BREAK | RUN_DROP of the execution in progress. */
  runFlags = 0;
  /** Last return code ($rc, $retcode, $?). */
  rc = 0;
  /** Nesting depth of route() calls. */
  depth = 0;
  /** Destination URI ($du); undefined when not set. */
  du: string | undefined = undefined;
  phase: "pre-routing" | undefined;
  private avpStore: AvpStore | undefined;
  private xavpStore: XavpStore | undefined;
  /** Set by the interpreter around a statement-level function call; read through continuation(). */
  cont: ContinuationRef | undefined = undefined;
  /** Where each route(X) in progress was called (null: from inside an expression), outermost first. */
  callers: (ContinuationRef | null)[] | undefined = undefined;
  private slots: Map<Slot<unknown>, unknown> | undefined;
  private clock: number | undefined;
  private ruriText: string | undefined;
  private ruriParsedCache: SipUri | undefined;

  constructor(
    readonly host: ScriptHost,
    readonly msg: SipMessage,
    readonly rcv: ReceiveInfo,
    opts: ContextOptions = {},
  ) {
    this.proc = opts.proc ?? MAIN_PROCESS;
    this.route = opts.route ?? "request";
    this.phase = opts.phase;
  }

  /** $avp values (created on first use; tm may install the transaction's store). */
  get avps(): AvpStore {
    return (this.avpStore ??= new AvpStore());
  }
  set avps(store: AvpStore) {
    this.avpStore = store;
  }

  /** $xavp values (created on first use; tm may install the transaction's store). */
  get xavps(): XavpStore {
    return (this.xavpStore ??= new XavpStore());
  }
  set xavps(store: XavpStore) {
    this.xavpStore = store;
  }

  service<I, S>(tag: Context.Tag<I, S>): S {
    return Context.unsafeGet(this.host.runtime.context as Context.Context<I>, tag);
  }

  serviceIfLoaded<I, S>(tag: Context.Tag<I, S>): S | undefined {
    const o = Context.getOption(this.host.runtime.context as Context.Context<I>, tag);
    return o._tag === "Some" ? o.value : undefined;
  }

  /** The process's $var store. */
  get vars(): VarStore {
    return this.host.vars;
  }

  /** `drop` ran in the execution that just ended. */
  get dropped(): boolean {
    return (this.runFlags & RUN_DROP) !== 0;
  }

  get exited(): boolean {
    return (this.runFlags & RUN_EXIT) !== 0;
  }

  /**
   * Where the rest of the current action list starts, for a function called as a statement that
   * has statements after it in its block (what async_sleep needs); undefined otherwise (the call
   * is the last action of its block, or sits inside an expression).
   */
  continuation(): ContinuationRef | undefined {
    const c = this.cont;
    return c === undefined || c.last === true ? undefined : c;
  }

  continuationStack(): { readonly after: ContinuationRef; readonly callers: readonly ContinuationRef[] } | undefined {
    const after = this.cont;
    if (after === undefined) return undefined;
    const callers: ContinuationRef[] = [];
    const stack = this.callers ?? [];
    for (let i = stack.length - 1; i >= 0; i--) {
      const c = stack[i];
      if (c === null || c === undefined) return undefined;
      callers.push(c);
    }
    return { after, callers };
  }

  get<T>(slot: Slot<T>): T | undefined {
    return this.slots?.get(slot as Slot<unknown>) as T | undefined;
  }

  set<T>(slot: Slot<T>, value: T): void {
    if (this.slots === undefined) this.slots = new Map();
    this.slots.set(slot as Slot<unknown>, value);
  }

  delete(slot: Slot<unknown>): void {
    this.slots?.delete(slot);
  }

  /** Current time in ms (with µs fraction), read once per context ($TV(s), $TV(u)). */
  now(): number {
    if (this.clock === undefined) this.clock = performance.timeOrigin + performance.now();
    return this.clock;
  }

  /** The current R-URI parsed (after $ru/$rU... changes), cached until it changes. */
  ruri(): SipUri | undefined {
    if (!this.msg.isRequest) return undefined;
    const text = this.msg.currentRuri();
    if (text !== this.ruriText) {
      this.ruriText = text;
      this.ruriParsedCache = text === this.msg.ruri ? this.msg.parsedRuri() : parseUri(text);
    }
    return this.ruriParsedCache;
  }

  /** Prepare for a new top-level execution of a block of kind `route`. */
  beginTopRun(route: RouteKind): void {
    this.route = route;
    this.runFlags = 0;
    this.rc = 0;
    this.depth = 0;
    this.sflags = 0;
    this.cont = undefined;
    if (this.callers !== undefined) this.callers.length = 0;
  }

  /** Stop the execution in progress as `exit` would (for functions that end the script). */
  stop(): void {
    this.runFlags |= RUN_EXIT;
  }
}

/** The ScriptContext behind a CallContext, when the interpreter made it. */
export const scriptContextOf = (ctx: CallContext): ScriptContext | undefined =>
  ctx instanceof ScriptContext ? ctx : undefined;
