import type { ListenProto } from "./listen-spec.ts";

/** A socket the server listens on, after binding ($Ri/$Rp of messages it receives). */
export interface ListenerInfo {
  /** Index into the transport's listener list (ReceiveInfo.listenerId). */
  readonly id: number;
  readonly proto: ListenProto;
  readonly ip: string;
  /** The bound port (the one the system chose when the spec said 0). */
  readonly port: number;
  readonly af: 4 | 6;
  /** `udp:127.0.0.1:5060` */
  readonly name: string;
  /** UDP only: SO_RCVBUF / SO_SNDBUF asked for, bytes (0 = kernel default). */
  readonly recvBufferRequested?: number;
  readonly sendBufferRequested?: number;
  /**
   * UDP only: the size the kernel reports it granted (getsockopt; Linux reports twice the value
   * set, capped at 2 x net.core.rmem_max). null when the runtime does not apply the option
   * (Deno 2.x accepts it and echoes the value back, but the socket keeps the kernel default).
   */
  readonly recvBufferGranted?: number | null;
  readonly sendBufferGranted?: number | null;
}
