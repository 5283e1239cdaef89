import type * as net from "node:net";
import { findMessageEnd } from "../sip/framing.ts";
import type { MessageHandler } from "./message-handler.ts";
import type { ReceiveInfo } from "./receive-info.ts";
import type { TransportCounters } from "./transport-counters.ts";
import type { TransportLog } from "./transport-log.ts";

const CR = 0x0d;
const LF = 0x0a;
/** The RFC 5626 pong: one CRLF, sent for every CRLFCRLF ping. */
const PONG = Buffer.from("\r\n", "latin1");
/** A peer that does not read: more than this queued for writing closes the connection. */
const MAX_WRITE_QUEUE = 8 * 1024 * 1024;

/** Why a connection was closed by us. */
export type CloseReason = "framing" | "oversize" | "idle" | "connect-timeout" | "write-queue" | "shutdown";

/** What every connection needs from the transport that owns it. */
export interface TcpContext {
  readonly handler: MessageHandler;
  readonly counters: TransportCounters;
  readonly log: TransportLog;
  readonly maxMessage: number;
  readonly idleMs: number;
  readonly connectMs: number;
  /** Called once when the socket is gone, whatever the reason. */
  readonly onClosed: (c: TcpConnection) => void;
}

/**
 * One TCP connection (accepted or opened by us): frames the byte stream into SIP messages by
 * Content-Length, answers RFC 5626 keep-alive pings, and closes itself on a framing error, a
 * message over `maxMessage`, or `idleMs` without traffic.
 */
export class TcpConnection {
  /** Bytes of an incomplete message carried over to the next chunk. */
  private pending: Buffer | null = null;
  /** How much of "\r\n\r\n" has been seen between messages (0-3). */
  private pingState = 0;
  private connecting: boolean;
  private closeReason: CloseReason | undefined;
  localIp: string;
  localPort: number;

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    /** The peer: for an accepted connection its source, for an outgoing one the target. */
    readonly remoteIp: string,
    readonly remotePort: number,
    readonly af: 4 | 6,
    readonly listenerId: number,
    readonly outgoing: boolean,
    private readonly ctx: TcpContext,
  ) {
    this.connecting = outgoing;
    this.localIp = socket.localAddress ?? "";
    this.localPort = socket.localPort ?? 0;
    socket.setNoDelay(true);
    socket.setTimeout(outgoing ? ctx.connectMs : ctx.idleMs);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("timeout", () => {
      if (this.connecting) {
        ctx.log("warn", `tcp connection ${id} to ${remoteIp}:${remotePort}: connect timed out`);
        this.close("connect-timeout");
      } else {
        ctx.counters.tcpIdleClosed++;
        this.close("idle");
      }
    });
    socket.on("error", (err: Error) => {
      ctx.log("warn", `tcp connection ${id} ${remoteIp}:${remotePort}: ${err.message}`);
    });
    socket.on("close", () => ctx.onClosed(this));
    if (outgoing) {
      socket.once("connect", () => {
        this.connecting = false;
        this.localIp = socket.localAddress ?? "";
        this.localPort = socket.localPort ?? 0;
        socket.setTimeout(ctx.idleMs);
      });
    }
  }

  /** `ip:port` of the peer, the key of the by-address table. */
  get key(): string {
    return addrKey(this.remoteIp, this.remotePort);
  }

  get isOpen(): boolean {
    return this.closeReason === undefined && !this.socket.destroyed;
  }

  /** Queue bytes for the peer. False when the connection is closed or its write queue is full. */
  write(bytes: Uint8Array): boolean {
    if (!this.isOpen) return false;
    if (this.socket.writableLength > MAX_WRITE_QUEUE) {
      this.ctx.log("warn", `tcp connection ${this.id} ${this.key}: peer does not read, closing`);
      this.close("write-queue");
      return false;
    }
    this.socket.write(bytes);
    return true;
  }

  /** Close at once (pending writes are discarded). */
  close(reason: CloseReason): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closeReason !== undefined) return;
    const ctx = this.ctx;
    let buf = chunk;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let pos = 0;
    const len = buf.length;
    while (pos < len) {
      // Between messages: skip CR/LF, answer every CRLFCRLF with CRLF (RFC 5626 §4.4.1).
      const c = buf[pos]!;
      if (c === CR || c === LF) {
        const expect = this.pingState === 0 || this.pingState === 2 ? CR : LF;
        if (c === expect) {
          this.pingState++;
          if (this.pingState === 4) {
            this.pingState = 0;
            ctx.counters.tcpKeepalivePongs++;
            this.write(PONG);
          }
        } else this.pingState = c === CR ? 1 : 0;
        pos++;
        continue;
      }
      this.pingState = 0;
      // Size limit checked here (not by findMessageEnd) so that an over-size message is told apart
      // from a framing error.
      const end = findMessageEnd(buf, pos, Number.MAX_SAFE_INTEGER);
      if (end === "incomplete") {
        if (len - pos > ctx.maxMessage) return this.oversize(len - pos);
        break;
      }
      if ("error" in end) {
        ctx.counters.tcpFramingErrors++;
        ctx.counters.dropped++;
        ctx.log("warn", `tcp connection ${this.id} ${this.key}: ${end.error}; closing`);
        return this.close("framing");
      }
      const size = end.total;
      if (size > ctx.maxMessage) return this.oversize(size);
      if (pos + size > len) {
        // Header complete, body not yet here.
        break;
      }
      const msg = pos === 0 && size === len ? buf : buf.subarray(pos, pos + size);
      pos += size;
      ctx.counters.received++;
      ctx.counters.receivedBytes += size;
      const rcv: ReceiveInfo = {
        proto: "tcp",
        srcIp: this.remoteIp,
        srcPort: this.remotePort,
        dstIp: this.localIp,
        dstPort: this.localPort,
        af: this.af,
        listenerId: this.listenerId,
        connId: this.id,
        time: Date.now(),
      };
      try {
        ctx.handler(msg, rcv);
      } catch (e) {
        ctx.log("error", `tcp connection ${this.id}: message handler threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
      if (this.closeReason !== undefined) return;
    }
    if (pos < len) this.pending = pos === 0 ? buf : Buffer.from(buf.subarray(pos));
  }

  private oversize(size: number): void {
    this.ctx.counters.tcpOversize++;
    this.ctx.counters.dropped++;
    this.ctx.log(
      "warn",
      `tcp connection ${this.id} ${this.key}: message of ${size}+ bytes is over tcp_max_message ` +
        `(${this.ctx.maxMessage}); closing`,
    );
    this.close("oversize");
  }
}

export const addrKey = (ip: string, port: number): string => `${ip}:${port}`;
