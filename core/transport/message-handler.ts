import type { ReceiveInfo } from "./receive-info.ts";

/**
 * What the transport calls for every message it receives: one UDP datagram, or one framed
 * message from a TCP stream. Called directly from the socket callback (no Effect, no queue).
 * `buf` is the message's bytes only; the handler may keep it.
 */
export type MessageHandler = (buf: Buffer, rcv: ReceiveInfo) => void;
