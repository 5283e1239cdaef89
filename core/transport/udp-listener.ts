import * as dgram from "node:dgram";
import { sipmodError, type SipmodError } from "../errors.ts";
import { runtime } from "../runtime.ts";
import { formatSocket, type ListenSpec } from "./listen-spec.ts";
import type { ListenerInfo } from "./listener-info.ts";
import type { MessageHandler } from "./message-handler.ts";
import type { ReceiveInfo } from "./receive-info.ts";
import type { TransportCounters } from "./transport-counters.ts";
import type { TransportLog } from "./transport-log.ts";

/** A bound UDP socket that hands every datagram to the handler. */
export interface UdpListener {
  readonly info: ListenerInfo;
  /** Send one datagram from this socket; errors are counted and logged. */
  send(buf: Uint8Array, ip: string, port: number): void;
  close(): Promise<void>;
}

export interface UdpListenerOptions {
  readonly recvBuffer: number;
  readonly sendBuffer: number;
}

/**
 * Datagrams that are only CR, LF or NUL bytes (up to 4) are NAT keep-alives some clients send
 * over UDP; they are not SIP messages and are ignored without a count.
 */
const isKeepalive = (buf: Buffer): boolean => {
  if (buf.length > 4) return false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c !== 0x0d && c !== 0x0a && c !== 0x00) return false;
  }
  return true;
};

/**
 * Open and bind one UDP socket. The buffer options are applied before binding (Node and Bun
 * pass them to setsockopt; Deno 2.x accepts them but leaves the kernel default in place, so
 * the granted size is reported as null there).
 */
export const openUdpListener = (
  spec: ListenSpec,
  id: number,
  opts: UdpListenerOptions,
  handler: MessageHandler,
  counters: TransportCounters,
  log: TransportLog,
): Promise<UdpListener | SipmodError> =>
  new Promise((resolve) => {
    const socketOpts: dgram.SocketOptions = { type: spec.af === 6 ? "udp6" : "udp4" };
    if (opts.recvBuffer > 0) socketOpts.recvBufferSize = opts.recvBuffer;
    if (opts.sendBuffer > 0) socketOpts.sendBufferSize = opts.sendBuffer;
    const socket = dgram.createSocket(socketOpts);
    const onBindError = (err: Error) => {
      socket.close();
      resolve(
        sipmodError("SM_LISTEN", `cannot bind ${formatSocket("udp", spec.ip, spec.port)}: ${err.message}`, {
          cause: err,
        }),
      );
    };
    socket.once("error", onBindError);
    socket.bind(spec.port, spec.ip, () => {
      socket.off("error", onBindError);
      const port = socket.address().port;
      const name = formatSocket("udp", spec.ip, port);
      socket.on("error", (err) => log("error", `${name}: ${err.message}`));
      const applied = runtime !== "deno";
      const granted = (get: () => number): number | null => {
        if (!applied) return null;
        try {
          return get();
        } catch {
          return null;
        }
      };
      const info: ListenerInfo = {
        id,
        proto: "udp",
        ip: spec.ip,
        port,
        af: spec.af,
        name,
        recvBufferRequested: opts.recvBuffer,
        sendBufferRequested: opts.sendBuffer,
        recvBufferGranted: granted(() => socket.getRecvBufferSize()),
        sendBufferGranted: granted(() => socket.getSendBufferSize()),
      };
      log(
        "info",
        applied
          ? `${name}: receive buffer ${info.recvBufferGranted} bytes, send buffer ${info.sendBufferGranted} bytes ` +
              `granted by the kernel (asked ${opts.recvBuffer} / ${opts.sendBuffer}; Linux reports twice the usable size)`
          : `${name}: ${runtime} does not apply UDP socket buffer sizes; the kernel default ` +
              `(net.core.rmem_default) stays in place`,
      );

      const dstIp = spec.ip;
      const af = spec.af;
      socket.on("message", (buf: Buffer, rinfo: dgram.RemoteInfo) => {
        if (buf.length <= 4 && isKeepalive(buf)) return;
        counters.received++;
        counters.receivedBytes += buf.length;
        const rcv: ReceiveInfo = {
          proto: "udp",
          srcIp: rinfo.address,
          srcPort: rinfo.port,
          dstIp,
          dstPort: port,
          af,
          listenerId: id,
          connId: 0,
          time: Date.now(),
        };
        try {
          handler(buf, rcv);
        } catch (e) {
          log("error", `${name}: message handler threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        }
      });

      const onSent = (err: Error | null): void => {
        if (err) {
          counters.sendErrors++;
          log("warn", `${name}: send failed: ${err.message}`);
        }
      };
      let closed = false;
      resolve({
        info,
        send(buf, ip, dport) {
          if (closed) {
            counters.sendErrors++;
            log("warn", `${name}: send after close to ${ip}:${dport}`);
            return;
          }
          counters.sent++;
          counters.sentBytes += buf.length;
          socket.send(buf, dport, ip, onSent);
        },
        close: () =>
          new Promise<void>((done) => {
            if (closed) return done();
            closed = true;
            socket.close(() => done());
          }),
      });
    });
  });
