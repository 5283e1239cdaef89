/** Transport protocols a message can arrive on. */
export type Proto = "udp" | "tcp" | "tls" | "ws" | "wss";

/**
 * Where and how a message was received: the typed record behind $si, $sp, $Ri, $Rp, $pr.
 * Plain data (no sockets), so it can be copied to another thread with the raw bytes.
 */
export interface ReceiveInfo {
  readonly proto: Proto;
  /** Source address and port ($si, $sp). */
  readonly srcIp: string;
  readonly srcPort: number;
  /** Local address and port the message arrived on ($Ri, $Rp). */
  readonly dstIp: string;
  readonly dstPort: number;
  /** 4 or 6. */
  readonly af: 4 | 6;
  /** Id of the listening socket in this server (index into the listen list). */
  readonly listenerId: number;
  /** Stream connection id for TCP (0 for UDP). */
  readonly connId: number;
  /** Receive time, ms since the epoch ($Ts, $Tf). */
  readonly time: number;
}
