import { Context } from "effect";
import type { Proto, ReceiveInfo } from "../../transport/receive-info.ts";

/**
 * What stateless forwarding needs from the server besides SipSender: the address to write in our
 * Via for a message leaving over a protocol, and whether a Via sent-by names this server. The
 * server provides it (from its listeners, advertised addresses and aliases) in the Runtime the
 * script engine runs with.
 */
export interface ForwardingApi {
  /**
   * Host and port for our Via on a message leaving over `proto` to an address of family `af`
   * (the advertised address when the listener has one). `rcv`: where the message being forwarded
   * arrived, whose listener is preferred when it matches. undefined: no listener for `proto`/`af`.
   */
  readonly viaFor: (proto: Proto, af: 4 | 6, rcv: ReceiveInfo | undefined) => { readonly host: string; readonly port: number } | undefined;
  /** True when host[:port] over `proto` names this server (a listen address, an advertised one or an alias). */
  readonly isLocal: (host: string, port: number | undefined, proto: Proto) => boolean;
}

export class Forwarding extends Context.Tag("sipmod/script/Forwarding")<Forwarding, ForwardingApi>() {}
