import type { Context } from "effect";
import type { SipMessage } from "../sip/message.ts";
import type { ReceiveInfo } from "../transport/receive-info.ts";
import type { ProcessInfo } from "./process-info.ts";
import type { RouteKind } from "./route-kind.ts";
import type { SlotHolder } from "./slot.ts";
import type { SipUri } from "../sip/uri.ts";
import type { ContinuationRef } from "./continuation.ts";
import type { AvpStore, VarStore, XavpStore } from "./script-stores.ts";

/**
 * What a config function or pseudo-variable sees of the message being processed.
 * The routing engine (core/script) implements it; modules keep their own per-message
 * state in slots (`ctx.get(slot)` / `ctx.set(slot, v)`).
 */
export interface CallContext extends SlotHolder {
  /** The SIP message (request or reply) being processed. */
  readonly msg: SipMessage;
  /** Where it came from. */
  readonly rcv: ReceiveInfo;
  /** The kind of route block running now. */
  readonly route: RouteKind;
  /** Which process runs it. */
  readonly proc: ProcessInfo;
  /** Message flags (setflag/resetflag/isflagset), bit i = flag i. */
  flags: number;
  /** `$du`: where the request goes instead of its R-URI; undefined when not set. */
  du: string | undefined;
  /** `$avp` values: the message's, or its transaction's once tm bound it. */
  avps: AvpStore;
  /** `$xavp` values: the message's, or its transaction's once tm bound it. */
  xavps: XavpStore;
  /** This thread's `$var` values (kept across messages, never shared with other threads). */
  readonly vars: VarStore;
  /** The last return code (`$rc`). */
  readonly rc: number;
  /** The time, in ms with a µs fraction, read once per context (`$TV`, `$Tf` ...). */
  now(): number;
  /** The current R-URI (after `$ru` changes) parsed, or undefined for a reply or an invalid URI. */
  ruri(): SipUri | undefined;
  /**
   * Where the rest of the current action list starts, for a function called as a statement with
   * statements after it (what async_sleep needs); undefined otherwise.
   */
  continuation(): ContinuationRef | undefined;
  /**
   * The whole remaining script after the function called now, as a statement: the rest of its
   * block (possibly nothing) and the `route(X)` statements it was called through, innermost first.
   * Undefined inside an expression or when a route was entered from an expression.
   */
  continuationStack(): { readonly after: ContinuationRef; readonly callers: readonly ContinuationRef[] } | undefined;
  /**
   * A core service of this server, at once, for functions on the hot path that must not pay for
   * an Effect run per message (`ctx.service(SipSender).reply(...)`). Only for the core services
   * (CoreServices), which every server provides; module services go through the Effect.
   */
  service<I, S>(tag: Context.Tag<I, S>): S;
  /**
   * A service of this server if it has one, else undefined: for a module that uses another one
   * when it is loaded without requiring it (sl's send_reply replies through tm when tm is loaded).
   */
  serviceIfLoaded<I, S>(tag: Context.Tag<I, S>): S | undefined;
}
