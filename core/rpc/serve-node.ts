import { getRequestListener } from "@hono/node-server";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { BindError, type ServeFn } from "./http-serve.ts";

/**
 * Node: node:http with @hono/node-server's request listener. The global Request/Response are
 * left alone (overrideGlobalObjects: false): other code in the process uses them.
 */
export const serveNode: ServeFn = (o) =>
  new Promise((resolve, reject) => {
    const server = createServer(getRequestListener((req) => o.fetch(req), { overrideGlobalObjects: false }));
    const onBindError = (e: NodeJS.ErrnoException): void => {
      reject(new BindError(e.code, e.message, { cause: e }));
    };
    server.once("error", onBindError);
    server.listen({ host: o.hostname, port: o.port, exclusive: true }, () => {
      server.off("error", onBindError);
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
