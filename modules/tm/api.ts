import { Context } from "effect";
import { moduleRef } from "../../core/module/define-module.ts";
import type { TmCore } from "./tm-core.ts";

/**
 * The tm API other modules use (tmx, sl's send_reply, async): an Effect service holding this
 * process's transactions. Create (newtran/create), look up (current, lookup, byIdent), reply
 * (localReply), relay, suspend, continue (resume with any code, continueRoute with a route[], runRoute), cancel a suspension (cancelSuspend). A module that needs it requires `tmRef` (modules/tm/index.ts); one that
 * only uses it when tm is loaded asks `ctx.serviceIfLoaded(Tm)`.
 */
export type TmApi = Pick<
  TmCore,
  | "params"
  | "current"
  | "newtran"
  | "lookup"
  | "create"
  | "byIdent"
  | "localReply"
  | "relay"
  | "reuseBranch"
  | "suspend"
  | "suspendIdent"
  | "remoteOf"
  | "resume"
  | "continueRoute"
  | "resumeIn"
  | "replyCurrent"
  | "cancelSuspend"
  | "runRoute"
  | "bind"
  | "requestCopy"
  | "transactions"
  | "count"
  | "stats"
>;

export class Tm extends Context.Tag("sipmod/tm")<Tm, TmApi>() {}

/** Require this (instead of "tm") to use the Tm service with types. */
export const tmRef = moduleRef("tm")<Tm>();
