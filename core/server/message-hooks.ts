import type { MessageHooksApi, ReplyHandler, RequestDoneHandler, RequestHandler } from "../module/core-services.ts";

/** The hooks one process's receive path calls (core/module/core-services.ts MessageHooks). */
export class ProcessMessageHooks implements MessageHooksApi {
  readonly requestHandlers: RequestHandler[] = [];
  readonly replyHandlers: ReplyHandler[] = [];
  readonly requestDoneHandlers: RequestDoneHandler[] = [];
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
