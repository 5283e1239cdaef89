import { BindError, type FetchHandler, type ServeFn } from "./http-serve.ts";

/** The part of Deno's API this adapter uses (no Deno types are in scope for tsc). */
interface DenoHttpServer {
  readonly addr: { readonly port: number };
  readonly finished: Promise<void>;
  shutdown(): Promise<void>;
}
interface DenoServeApi {
  serve(
    options: { readonly hostname: string; readonly port: number; readonly onListen: () => void },
    handler: FetchHandler,
  ): DenoHttpServer;
}

/** Deno error class names for bind failures, as Node codes. */
const CODES: { readonly [name: string]: string } = {
  AddrInUse: "EADDRINUSE",
  AddrNotAvailable: "EADDRNOTAVAIL",
  PermissionDenied: "EACCES",
};

/** Deno: Deno.serve. A bind failure is thrown synchronously as a Deno.errors.* instance. */
export const serveDeno: ServeFn = async (o) => {
  const deno = (globalThis as unknown as { readonly Deno: DenoServeApi }).Deno;
  let server: DenoHttpServer;
  try {
    // onListen replaces Deno's default "Listening on ..." line on stdout.
    server = deno.serve({ hostname: o.hostname, port: o.port, onListen: () => {} }, (req) => o.fetch(req));
  } catch (e) {
    const name = e instanceof Error ? e.name : "";
    throw new BindError(CODES[name], e instanceof Error ? e.message : String(e), { cause: e });
  }
  return {
    port: server.addr.port,
    close: async () => {
      await server.shutdown();
      await server.finished;
    },
  };
};
