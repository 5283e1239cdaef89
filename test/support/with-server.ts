import { Effect, Exit, Logger, LogLevel, Scope } from "effect";
import { SipmodErrors } from "../../core/errors.ts";
import { startServer, type RunningServer, type ServerOptions } from "../../core/server/start-server.ts";

/** Log lines a test server wrote, as text. */
export type LogLines = string[];

/**
 * Start a server for a test, run `body` with it, and stop it (scope closed) whatever happens.
 * Log lines are kept in `logs` instead of printed. The management server, when the config enables
 * it, gets a port of its own (127.0.0.1:0) unless the test names one, so tests never clash on 5071.
 */
export const withServer = async <A>(
  opts: ServerOptions,
  body: (s: RunningServer, logs: LogLines) => Promise<A>,
): Promise<A> => {
  const logs: LogLines = [];
  const logger = Logger.make(({ logLevel, message }) => {
    const parts = Array.isArray(message) ? (message as unknown[]) : [message];
    logs.push(`${logLevel.label} ${parts.map(String).join(" ")}`);
  });
  const scope = Effect.runSync(Scope.make());
  const provide = <X, E>(eff: Effect.Effect<X, E, Scope.Scope>) =>
    eff.pipe(
      Scope.extend(scope),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.Debug),
    );
  try {
    const server = await Effect.runPromise(
      provide(startServer({ rpcListen: "127.0.0.1:0", ...opts })).pipe(Effect.mapError((e) => new Error(e instanceof SipmodErrors ? e.format() : String(e)))),
    );
    return await body(server, logs);
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void));
  }
};

/** Start-up errors of a server that must not start. */
export const startErrors = async (opts: ServerOptions): Promise<SipmodErrors> => {
  const exit = await Effect.runPromiseExit(Effect.scoped(startServer({ rpcListen: "127.0.0.1:0", ...opts })).pipe(Effect.provide(Logger.remove(Logger.defaultLogger))));
  if (Exit.isSuccess(exit)) throw new Error("the server started");
  const f = exit.cause;
  const failure = f._tag === "Fail" ? f.error : undefined;
  if (!(failure instanceof SipmodErrors)) throw new Error(`unexpected failure: ${String(f)}`);
  return failure;
};
