import type { SendTarget, SipSenderApi } from "../module/core-services.ts";
import type { SipMessage } from "../sip/message.ts";
import type { ReceiveInfo } from "../transport/receive-info.ts";

/**
 * A SipSender whose sockets are attached after the modules are initialised (modules init before
 * the listeners open, as Kamailio's mod_init runs before its children bind). Until then, and after
 * the transport has closed, a send returns false: the documented "could not be handed to a socket".
 */
export class LateSender implements SipSenderApi {
  private target: SipSenderApi | undefined;
  attach(target: SipSenderApi | undefined): void {
    this.target = target;
  }
  readonly reply = (req: SipMessage, rcv: ReceiveInfo, bytes: Uint8Array): boolean =>
    this.target !== undefined && this.target.reply(req, rcv, bytes);
  readonly send = (to: SendTarget, bytes: Uint8Array): boolean => this.target !== undefined && this.target.send(to, bytes);
}
