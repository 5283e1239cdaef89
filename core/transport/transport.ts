import * as net from "node:net";
import { Context, Effect, type Scope } from "effect";
import { SipmodError } from "../errors.ts";
import type { Via } from "../sip/via.ts";
import type { ListenSpec } from "./listen-spec.ts";
import type { ListenerInfo } from "./listener-info.ts";
import type { MessageHandler } from "./message-handler.ts";
import type { Proto, ReceiveInfo } from "./receive-info.ts";
import { replyTarget } from "./reply-target.ts";
import { TcpConnection, type TcpContext } from "./tcp-connection.ts";
import { openTcpListener, type TcpListener } from "./tcp-listener.ts";
import { TcpTable } from "./tcp-table.ts";
import { TransportCounters, type TransportStats } from "./transport-counters.ts";
import { stderrLog, type TransportLog } from "./transport-log.ts";
import { defaultTransportParams, type TransportParams } from "./transport-params.ts";
import { udpKernelDrops } from "./udp-kernel-drops.ts";
import { openUdpListener, type UdpListener } from "./udp-listener.ts";

/** Where to send: protocol, IP literal and port, plus an existing TCP connection to prefer. */
export interface SendDestination {
  readonly proto: Proto;
  readonly ip: string;
  readonly port: number;
  /** TCP: use this connection while it is open (ReceiveInfo.connId of the request). */
  readonly connId?: number;
  /** Send from this listener (UDP socket; TCP: the listener a new connection belongs to). */
  readonly listenerId?: number;
}

/** The running transport: listeners, send, stats. */
export interface TransportApi {
  /** Bound listeners in listen order; `listeners[rcv.listenerId]` is where a message arrived. */
  readonly listeners: readonly ListenerInfo[];
  /** Live counters (the receive pipeline bumps `parseErrors`). */
  readonly counters: TransportCounters;
  /**
   * Hand `bytes` to a socket, fire and forget. TCP: the connection `connId` if open, else an open
   * connection to ip:port, else a new outgoing connection (kept in the table). False when no
   * socket could take it (no listener for the protocol/family, unsupported protocol, closed
   * connection); the reason is logged and counted in `sendErrors`.
   */
  send(dest: SendDestination, bytes: Uint8Array): boolean;
  /** Send a reply to `req` where RFC 3261 §18.2.2 and RFC 3581 say (see replyTarget). */
  reply(req: { via(): Via }, rcv: ReceiveInfo, bytes: Uint8Array): boolean;
  /** Close one TCP connection now. False if it is not open. */
  closeConnection(connId: number): boolean;
  /** Ids of the open TCP connections with their peers. */
  connections(): readonly { readonly connId: number; readonly ip: string; readonly port: number; readonly outgoing: boolean }[];
  stats(): TransportStats;
}

export class Transport extends Context.Tag("sipmod/Transport")<Transport, TransportApi>() {}

export interface TransportOptions {
  readonly params?: Partial<TransportParams>;
  readonly log?: TransportLog;
}

type Listener = UdpListener | TcpListener;

/**
 * Bind every listen spec and start handing received messages to `handler`, called straight from
 * the socket callbacks. The sockets and connections close when the scope closes. A spec that
 * cannot be bound fails with SM_LISTEN (the ones already bound are closed again).
 */
export const startTransport = (
  listens: readonly ListenSpec[],
  handler: MessageHandler,
  options: TransportOptions = {},
): Effect.Effect<TransportApi, SipmodError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => openAll(listens, handler, options)).pipe(
      Effect.flatMap((r) => (r instanceof SipmodError ? Effect.fail(r) : Effect.succeed(r))),
    ),
    (t) => Effect.promise(() => t.shutdown()),
  ).pipe(Effect.map((t) => t.api));

interface Running {
  readonly api: TransportApi;
  shutdown(): Promise<void>;
}

const openAll = async (
  listens: readonly ListenSpec[],
  handler: MessageHandler,
  options: TransportOptions,
): Promise<Running | SipmodError> => {
  const params: TransportParams = { ...defaultTransportParams, ...options.params };
  const log = options.log ?? stderrLog;
  const counters = new TransportCounters();
  const table = new TcpTable();
  const tcpCtx: TcpContext = {
    handler,
    counters,
    log,
    maxMessage: params.tcp_max_message,
    idleMs: params.tcp_idle_timeout * 1000,
    connectMs: params.tcp_connect_timeout * 1000,
    onClosed: (c) => {
      if (table.remove(c)) counters.tcpClosed++;
    },
  };

  const opened: Listener[] = [];
  const closeOpened = async () => {
    for (const c of table.all()) c.close("shutdown");
    await Promise.all(opened.map((l) => l.close()));
  };
  for (const spec of listens) {
    const id = opened.length;
    const r =
      spec.proto === "udp"
        ? await openUdpListener(
            spec,
            id,
            { recvBuffer: params.udp_recv_buffer, sendBuffer: params.udp_send_buffer },
            handler,
            counters,
            log,
          )
        : await openTcpListener(spec, id, table, tcpCtx);
    if (r instanceof SipmodError) {
      await closeOpened();
      return r;
    }
    opened.push(r);
  }
  const listeners = opened.map((l) => l.info);
  for (const l of listeners) log("info", `listening on ${l.name}`);

  const udpByAf: { [af: number]: UdpListener[] } = { 4: [], 6: [] };
  const tcpByAf: { [af: number]: ListenerInfo[] } = { 4: [], 6: [] };
  for (const l of opened) {
    if (l.info.proto === "udp") udpByAf[l.info.af]!.push(l as UdpListener);
    else tcpByAf[l.info.af]!.push(l.info);
  }

  const sendError = (why: string): false => {
    counters.sendErrors++;
    log("warn", why);
    return false;
  };

  const connect = (ip: string, port: number, af: 4 | 6, listenerId: number | undefined): TcpConnection | undefined => {
    const pick =
      listenerId !== undefined && listeners[listenerId]?.proto === "tcp" && listeners[listenerId]!.af === af
        ? listeners[listenerId]!
        : tcpByAf[af]![0];
    if (pick === undefined) return undefined;
    const local = pick.ip === "0.0.0.0" || pick.ip === "::" ? undefined : pick.ip;
    const socket = net.connect({ host: ip, port, ...(local !== undefined ? { localAddress: local } : {}) });
    const c = new TcpConnection(table.newId(), socket, ip, port, af, pick.id, true, tcpCtx);
    table.add(c);
    counters.tcpConnected++;
    return c;
  };

  const send = (dest: SendDestination, bytes: Uint8Array): boolean => {
    const af: 4 | 6 = dest.ip.includes(":") ? 6 : 4;
    if (dest.proto === "udp") {
      const byId = dest.listenerId !== undefined ? opened[dest.listenerId] : undefined;
      const l =
        byId !== undefined && byId.info.proto === "udp" && byId.info.af === af
          ? (byId as UdpListener)
          : udpByAf[af]![0];
      if (l === undefined) return sendError(`no udp listener for IPv${af} to send to ${dest.ip}:${dest.port}`);
      l.send(bytes, dest.ip, dest.port);
      return true;
    }
    if (dest.proto === "tcp") {
      let c = dest.connId !== undefined && dest.connId > 0 ? table.get(dest.connId) : undefined;
      if (c === undefined || !c.isOpen) c = table.byAddress(dest.ip, dest.port);
      if (c === undefined || !c.isOpen) {
        if (net.isIP(dest.ip) === 0) return sendError(`tcp send: "${dest.ip}" is not an IP address`);
        c = connect(dest.ip, dest.port, af, dest.listenerId);
        if (c === undefined) return sendError(`no tcp listener for IPv${af} to connect to ${dest.ip}:${dest.port}`);
      }
      if (!c.write(bytes)) return sendError(`tcp connection ${c.id} to ${c.key} is closed`);
      counters.sent++;
      counters.sentBytes += bytes.length;
      return true;
    }
    return sendError(`cannot send over ${dest.proto}: not supported by this transport`);
  };

  const api: TransportApi = {
    listeners,
    counters,
    send,
    reply: (req, rcv, bytes) => send(replyTarget(req, rcv), bytes),
    closeConnection: (connId) => {
      const c = table.get(connId);
      if (c === undefined || !c.isOpen) return false;
      c.close("shutdown");
      return true;
    },
    connections: () =>
      table.all().map((c) => ({ connId: c.id, ip: c.remoteIp, port: c.remotePort, outgoing: c.outgoing })),
    stats: () => ({
      received: counters.received,
      receivedBytes: counters.receivedBytes,
      sent: counters.sent,
      sentBytes: counters.sentBytes,
      sendErrors: counters.sendErrors,
      dropped: counters.dropped,
      parseErrors: counters.parseErrors,
      handOffDrops: counters.handOffDrops,
      tcpAccepted: counters.tcpAccepted,
      tcpConnected: counters.tcpConnected,
      tcpClosed: counters.tcpClosed,
      tcpFramingErrors: counters.tcpFramingErrors,
      tcpOversize: counters.tcpOversize,
      tcpIdleClosed: counters.tcpIdleClosed,
      tcpKeepalivePongs: counters.tcpKeepalivePongs,
      tcpOpen: table.size,
      udp: listeners
        .filter((l) => l.proto === "udp")
        .map((l) => ({
          name: l.name,
          recvBufferGranted: l.recvBufferGranted ?? null,
          sendBufferGranted: l.sendBufferGranted ?? null,
          kernelDrops: udpKernelDrops(l.ip, l.port, l.af),
        })),
    }),
  };

  return {
    api,
    shutdown: async () => {
      const conns = table.all();
      const gone = conns.map((c) => (c.socket.destroyed ? Promise.resolve() : new Promise<void>((d) => c.socket.once("close", () => d()))));
      for (const c of conns) c.close("shutdown");
      await Promise.all(gone);
      await Promise.all(opened.map((l) => l.close()));
    },
  };
};
