import { Context } from "effect";
import type { CoreParams } from "../manifest/core-params.ts";
import {
  CoreInfo,
  MessageHooks,
  ProcessCalls,
  ProcessGroups,
  RouteRunner,
  SharedMemory,
  SipSender,
  type CoreServices,
  type MessageHooksApi,
  type ProcessCallsApi,
  type ProcessGroupsApi,
  type RouteRunnerApi,
  type SharedMemoryApi,
  type SipSenderApi,
} from "../module/core-services.ts";
import type { ProcessInfo } from "../module/process-info.ts";

/** The CoreServices context a server gives its modules, in the main thread or a worker. */
export const coreServicesContext = (opts: {
  readonly proc: ProcessInfo;
  readonly baseDir: string;
  readonly core: CoreParams;
  readonly groups: ProcessGroupsApi;
  readonly sender: SipSenderApi;
  readonly shared: SharedMemoryApi;
  readonly routes: RouteRunnerApi;
  readonly hooks: MessageHooksApi;
  readonly calls: ProcessCallsApi;
}): Context.Context<CoreServices> =>
  Context.make(CoreInfo, { proc: opts.proc, baseDir: opts.baseDir, params: opts.core }).pipe(
    Context.add(ProcessGroups, opts.groups),
    Context.add(SipSender, opts.sender),
    Context.add(SharedMemory, opts.shared),
    Context.add(RouteRunner, opts.routes),
    Context.add(MessageHooks, opts.hooks),
    Context.add(ProcessCalls, opts.calls),
  );
