import type { DispatchHandler, MessageHooksApi, ReplyHandler, RequestDoneHandler, RequestHandler } from "../module/core-services.ts";

/** The hooks one process's receive path calls (core/module/core-services.ts MessageHooks). */
export class ProcessMessageHooks implements MessageHooksApi {
  readonly requestHandlers: RequestHandler[] = [];
  readonly replyHandlers: ReplyHandler[] = [];
  readonly requestDoneHandlers: RequestDoneHandler[] = [];
  readonly dispatchHandlers: DispatchHandler[] = [];
  readonly onDispatch = (handler: DispatchHandler): void => {
    this.dispatchHandlers.push(handler);
  };
  /** The process a message must go to according to the modules, or undefined. */
  readonly ownerOf = (msg: import("../sip/message.ts").SipMessage, rcv: import("../transport/receive-info.ts").ReceiveInfo): number | undefined => {
    const hs = this.dispatchHandlers;
    for (let i = 0; i < hs.length; i++) {
      const o = hs[i]!(msg, rcv);
      if (o !== undefined) return o;
    }
    return undefined;
  };
  readonly onRequest = (handler: RequestHandler): void => {
    this.requestHandlers.push(handler);
  };
  readonly onReply = (handler: ReplyHandler): void => {
    this.replyHandlers.push(handler);
  };
  readonly onRequestDone = (handler: RequestDoneHandler): void => {
    this.requestDoneHandlers.push(handler);
  };
}
