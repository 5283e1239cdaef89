/**
 * The public API for module authors: `import { defineModule, fn } from "sipmod"`.
 * Everything here is part of the module contract and follows the core's major version.
 */
export * from "./module/define-module.ts";
export * from "./module/core-services.ts";
export * from "./module/route-kind.ts";
export * from "./module/slot.ts";
export type { CallContext } from "./module/call-context.ts";
export type { ProcessInfo } from "./module/process-info.ts";
export type { Json, ScriptValue, TaskData } from "./module/values.ts";
export {
  classModule,
  configFunction,
  pseudoVariable,
  pseudoVariableSetter,
  rpcMethod,
  CoreTokens,
  inject,
  injectable,
} from "./module/class-module.ts";
export { SipmodError, sipmodError } from "./errors.ts";
export type { ErrorCode } from "./error-codes.ts";
export { CORE_MAJOR, CORE_VERSION } from "./version.ts";
export { SipMessage } from "./sip/message.ts";
export type { ReceiveInfo } from "./transport/receive-info.ts";
