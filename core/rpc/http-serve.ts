import { runtime } from "../runtime.ts";

/** What the runtime adapters serve: a fetch-style handler. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

export interface ServeOptions {
  readonly hostname: string;
  /** 0 = any free port. */
  readonly port: number;
  readonly fetch: FetchHandler;
}

/** A listening HTTP server. `close` stops accepting, ends open connections and resolves when done. */
export interface HttpServerHandle {
  readonly port: number;
  readonly close: () => Promise<void>;
}

/**
 * A bind that failed, with a Node-style code when the runtime told which problem it was
 * (EADDRINUSE, EACCES, EADDRNOTAVAIL), so the caller can say how to fix it.
 */
export class BindError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "BindError";
  }
}

/** Start listening; rejects with BindError when the address cannot be bound. */
export type ServeFn = (options: ServeOptions) => Promise<HttpServerHandle>;

/** The adapter of the runtime this process runs on (@hono/node-server, Bun.serve or Deno.serve). */
export const loadServe = async (): Promise<ServeFn> => {
  if (runtime === "bun") return (await import("./serve-bun.ts")).serveBun;
  if (runtime === "deno") return (await import("./serve-deno.ts")).serveDeno;
  return (await import("./serve-node.ts")).serveNode;
};
