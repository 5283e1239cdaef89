/**
 * Counters the transport keeps, plain numbers bumped on the hot path. The receive pipeline
 * above the transport bumps `parseErrors` (the transport does not parse).
 */
export class TransportCounters {
  /** Messages handed to the handler (UDP datagrams, framed TCP messages). */
  received = 0;
  receivedBytes = 0;
  /** Messages given to the kernel (or queued on a connecting TCP socket). */
  sent = 0;
  sentBytes = 0;
  /** Sends that failed (no socket for the family, unknown connection, socket error). */
  sendErrors = 0;
  /** Received bytes thrown away: framing errors, over-size messages, empty datagrams. */
  dropped = 0;
  /** Messages the receive pipeline could not parse. */
  parseErrors = 0;
  /** Messages the main thread could not hand to the routing thread it chose (its queue was full). */
  handOffDrops = 0;
  /** TCP connections accepted / opened by us / closed (any reason). */
  tcpAccepted = 0;
  tcpConnected = 0;
  tcpClosed = 0;
  /** TCP connections closed for a bad frame (no Content-Length, bad start), too big a message, idleness. */
  tcpFramingErrors = 0;
  tcpOversize = 0;
  tcpIdleClosed = 0;
  /** RFC 5626 double-CRLF pings answered with a CRLF. */
  tcpKeepalivePongs = 0;
}

/** A snapshot of the counters plus what is read on demand. */
export interface TransportStats {
  readonly received: number;
  readonly receivedBytes: number;
  readonly sent: number;
  readonly sentBytes: number;
  readonly sendErrors: number;
  readonly dropped: number;
  readonly parseErrors: number;
  readonly handOffDrops: number;
  readonly tcpAccepted: number;
  readonly tcpConnected: number;
  readonly tcpClosed: number;
  readonly tcpFramingErrors: number;
  readonly tcpOversize: number;
  readonly tcpIdleClosed: number;
  readonly tcpKeepalivePongs: number;
  /** TCP connections open now. */
  readonly tcpOpen: number;
  /** Per UDP listener: buffer sizes and kernel drops (Linux /proc/net/udp; undefined elsewhere). */
  readonly udp: readonly {
    readonly name: string;
    readonly recvBufferGranted: number | null;
    readonly sendBufferGranted: number | null;
    readonly kernelDrops: number | undefined;
  }[];
}
