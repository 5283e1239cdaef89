import * as net from "node:net";
import { sipmodError, type SipmodError } from "../errors.ts";
import { formatSocket, type ListenSpec } from "./listen-spec.ts";
import type { ListenerInfo } from "./listener-info.ts";
import { TcpConnection, type TcpContext } from "./tcp-connection.ts";
import type { TcpTable } from "./tcp-table.ts";

/** A listening TCP socket; accepted connections go into the shared table. */
export interface TcpListener {
  readonly info: ListenerInfo;
  close(): Promise<void>;
}

/** Bind one TCP server socket. Each accepted connection is framed by a TcpConnection. */
export const openTcpListener = (
  spec: ListenSpec,
  id: number,
  table: TcpTable,
  ctx: TcpContext,
): Promise<TcpListener | SipmodError> =>
  new Promise((resolve) => {
    const server = net.createServer({ noDelay: true });
    const onBindError = (err: Error) => {
      server.close();
      resolve(
        sipmodError("SM_LISTEN", `cannot listen on ${formatSocket("tcp", spec.ip, spec.port)}: ${err.message}`, {
          cause: err,
        }),
      );
    };
    server.once("error", onBindError);
    server.on("connection", (socket: net.Socket) => {
      const ip = socket.remoteAddress;
      const port = socket.remotePort;
      if (ip === undefined || port === undefined) {
        socket.destroy();
        return;
      }
      ctx.counters.tcpAccepted++;
      const af: 4 | 6 = socket.remoteFamily === "IPv6" || ip.includes(":") ? 6 : 4;
      table.add(new TcpConnection(table.newId(), socket, ip, port, af, id, false, ctx));
    });
    server.listen({ port: spec.port, host: spec.ip }, () => {
      server.off("error", onBindError);
      const addr = server.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : spec.port;
      const name = formatSocket("tcp", spec.ip, port);
      server.on("error", (err) => ctx.log("error", `${name}: ${err.message}`));
      resolve({
        info: { id, proto: "tcp", ip: spec.ip, port, af: spec.af, name },
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
