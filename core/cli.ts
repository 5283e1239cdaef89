import "reflect-metadata";
import { Args, Command, Options } from "@effect/cli";
import { NodeContext, NodeRuntime } from "@effect/platform-node";
import { Cause, Console, Effect, Either, Layer, Option } from "effect";
import { SipmodError, SipmodErrors } from "./errors.ts";
import { builtinModuleNames } from "./manifest/builtin-modules.ts";
import { dependencyName } from "./module/define-module.ts";
import { renderReadme } from "./module/readme.ts";
import { CTL_PARAMS_RULE, runCtl, rpcUrlFromListen } from "./rpc/index.ts";
import { runtime, runtimeVersion } from "./runtime.ts";
import { checkConfig } from "./server/check-config.ts";
import { serverLoggerLayer } from "./server/logger.ts";
import { importBuiltin, writeDocs } from "./server/module-docs.ts";
import { loadServerConfig } from "./server/load-config.ts";
import { startServer } from "./server/start-server.ts";
import { CORE_VERSION } from "./version.ts";

/** Thrown out of a command to end with exit code 1 after its message was printed. */
class ExitWithError extends Error {}

const fileOption = Options.file("file").pipe(
  Options.withAlias("f"),
  Options.withDescription("plugins.json (with its `config`) or a Kamailio .cfg file"),
  Options.withDefault("plugins.json"),
);
const listenOption = Options.text("listen").pipe(
  Options.withAlias("l"),
  Options.withDescription("listen address replacing the configured ones (repeatable): udp:127.0.0.1:5060"),
  Options.repeated,
);

/** Print start-up errors as `file:line:col: error CODE: ...` lines and fail the command. */
const reportErrors = (e: SipmodErrors | SipmodError) =>
  Effect.flatMap(Console.error(e.format()), () => Effect.die(new ExitWithError()));

const run = Command.make("run", { file: fileOption, listen: listenOption }, ({ file, listen }) =>
  Effect.gen(function* () {
    // Loaded once: its log level configures the logger the start-up then runs with.
    const preloaded = yield* loadServerConfig(file);
    const logLayer = serverLoggerLayer(preloaded.loaded.core.log_level);
    yield* Effect.scoped(
      Effect.gen(function* () {
        yield* startServer({ file, preloaded, ...(listen.length > 0 ? { listen } : {}) });
        yield* Effect.logInfo(`sipmod ${CORE_VERSION} on ${runtime} ${runtimeVersion} running; Ctrl-C stops it`);
        yield* Effect.never;
      }).pipe(Effect.onInterrupt(() => Effect.logInfo("stopping"))),
    ).pipe(Effect.provide(logLayer));
  }).pipe(Effect.catchAll(reportErrors)),
).pipe(Command.withDescription("Run the server (`npm start` runs plugins.json)."));

const check = Command.make("check", { file: fileOption }, ({ file }) =>
  Effect.gen(function* () {
    const r = yield* checkConfig(file);
    for (const w of r.warnings) yield* Console.error(`warning: ${w}`);
    yield* Console.log(
      `${file}: ok (${r.loaded.modules.length} modules: ${r.loaded.modules.map((m) => m.decl.name).join(", ")})`,
    );
  }).pipe(Effect.catchAll(reportErrors)),
).pipe(Command.withDescription("Check plugins.json and its config without starting (like `kamailio -c`); exit 1 on error."));

const modules = Command.make(
  "modules",
  { name: Args.text({ name: "module" }).pipe(Args.optional) },
  ({ name }) =>
    Effect.gen(function* () {
      if (Option.isSome(name)) {
        const m = yield* importBuiltin(name.value);
        yield* Console.log(renderReadme(m));
        return;
      }
      for (const n of builtinModuleNames()) {
        const m = yield* importBuiltin(n);
        const deps = (m.requires ?? []).map(dependencyName);
        const fns = (m.functions ?? []).map((f) => `${f.name}/${f.params.length}`);
        yield* Console.log(
          `${m.name} ${m.version}${deps.length > 0 ? ` (requires ${deps.join(", ")})` : ""}` +
            `${fns.length > 0 ? `\n  functions: ${fns.join(", ")}` : ""}`,
        );
      }
    }).pipe(Effect.catchTag("SipmodError", reportErrors)),
).pipe(Command.withDescription("List the built-in modules, or show one with its params, functions and route types."));

const docs = Command.make("docs", {}, () =>
  Effect.gen(function* () {
    const changed = yield* writeDocs();
    yield* Console.log(changed.length === 0 ? "documents are up to date" : `updated:\n${changed.join("\n")}`);
  }).pipe(Effect.catchTag("SipmodError", reportErrors)),
).pipe(Command.withDescription("Regenerate the module READMEs, docs/errors.md and the plugins.json schema."));

const ctl = Command.make(
  "ctl",
  {
    file: fileOption,
    url: Options.text("url").pipe(
      Options.withDescription("JSON-RPC endpoint (default: core.rpc.listen of the manifest)"),
      Options.optional,
    ),
    method: Args.text({ name: "method" }),
    params: Args.text({ name: "params" }).pipe(Args.repeated),
  },
  ({ file, url, method, params }) =>
    Effect.gen(function* () {
      const endpoint = Option.isSome(url)
        ? url.value
        : yield* Effect.flatMap(loadServerConfig(file), ({ loaded }) =>
            Either.match(rpcUrlFromListen(loaded.core.rpc.listen), {
              onLeft: (e) => Effect.fail(new SipmodErrors({ errors: [e] })),
              onRight: Effect.succeed,
            }),
          );
      const r = yield* Effect.promise(() => runCtl(endpoint, method, params));
      if (r.stdout !== "") yield* Console.log(r.stdout.replace(/\n$/, ""));
      if (r.stderr !== "") yield* Console.error(r.stderr.replace(/\n$/, ""));
      if (r.exitCode !== 0) return yield* Effect.die(new ExitWithError());
    }).pipe(Effect.catchAll(reportErrors)),
).pipe(Command.withDescription(`Call a management method over JSON-RPC, like kamcmd: sipmod ctl tm.stats. ${CTL_PARAMS_RULE}`));

const sipmod = Command.make("sipmod").pipe(Command.withSubcommands([run, check, modules, docs, ctl]));

const cli = Command.run(sipmod, { name: "sipmod", version: CORE_VERSION });

cli(process.argv).pipe(
  Effect.provide(Layer.merge(NodeContext.layer, serverLoggerLayer("info"))),
  Effect.catchAllDefect((d) =>
    d instanceof ExitWithError ? Effect.sync(() => (process.exitCode = 1)) : Effect.die(d),
  ),
  Effect.tapErrorCause((c) => Effect.sync(() => Cause.isInterruptedOnly(c) || (process.exitCode = 1))),
  NodeRuntime.runMain({ disablePrettyLogger: true }),
);
