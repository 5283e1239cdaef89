import { Schema } from "effect";

const MiB = 1024 * 1024;

/**
 * The core parameters the transport reads (plugins.json `core` or cfg `name=value` lines).
 * Defaults: 4 MiB UDP socket buffers, 256 KiB largest TCP message, 120 s TCP idle timeout.
 */
export const TransportParams = Schema.Struct({
  /** SO_RCVBUF asked for on every UDP socket, bytes. The kernel caps it at net.core.rmem_max. */
  udp_recv_buffer: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 1024 * MiB)), { default: () => 4 * MiB }),
  /** SO_SNDBUF asked for on every UDP socket, bytes. The kernel caps it at net.core.wmem_max. */
  udp_send_buffer: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 1024 * MiB)), { default: () => 4 * MiB }),
  /** Largest SIP message accepted on a TCP connection, bytes; a bigger one closes the connection. */
  tcp_max_message: Schema.optionalWith(Schema.Int.pipe(Schema.between(1024, 64 * MiB)), { default: () => 256 * 1024 }),
  /** A TCP connection with no traffic for this many seconds is closed. */
  tcp_idle_timeout: Schema.optionalWith(Schema.Number.pipe(Schema.greaterThan(0)), { default: () => 120 }),
  /** An outgoing TCP connect that has not completed after this many seconds is abandoned. */
  tcp_connect_timeout: Schema.optionalWith(Schema.Number.pipe(Schema.greaterThan(0)), { default: () => 10 }),
});

export type TransportParams = typeof TransportParams.Type;

/** The parameters with every default filled in. */
export const defaultTransportParams: TransportParams = Schema.decodeUnknownSync(TransportParams)({});
