import { BindError, type ServeFn } from "./http-serve.ts";

/**
 * Bun: Bun.serve. A bind failure is thrown synchronously with a Node-style `code`.
 * `reusePort: false` is explicit: with `development: false`, Bun 1.4.5 otherwise sets
 * SO_REUSEPORT and a second server binds the same port without an error.
 */
export const serveBun: ServeFn = async (o) => {
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({ hostname: o.hostname, port: o.port, fetch: (req) => o.fetch(req), development: false, reusePort: false });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new BindError(typeof code === "string" ? code : undefined, e instanceof Error ? e.message : String(e), { cause: e });
  }
  const port = server.port;
  if (port === undefined) {
    await server.stop(true);
    throw new BindError(undefined, "Bun.serve did not report a port");
  }
  return { port, close: () => server.stop(true) };
};
