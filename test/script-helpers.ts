/**
 * Shared by the script tests: a registry built from declarations by hand, a test module whose
 * functions record what they see, a logger that keeps lines, and helpers that parse + bind + run
 * a config text against a hand-built SIP message.
 */
import { Effect, HashMap, Layer, Logger, LogLevel, type Runtime } from "effect";
import { buildRegistry } from "../core/manifest/build-registry.ts";
import { SipmodErrors } from "../core/errors.ts";
import { defineModule, erase, fn, pv, type AnyModule } from "../core/module/define-module.ts";
import type { CallContext } from "../core/module/call-context.ts";
import type { PvParseTools } from "../core/script/bind-pv.ts";
import type { Registry } from "../core/module/registry.ts";
import { bindProgram } from "../core/script/bind-program.ts";
import type { BoundProgram, ContinuationRef, Outcome } from "../core/script/bound.ts";
import type { ScriptContext } from "../core/script/context.ts";
import { makeEngine, type Engine, type EngineOptions } from "../core/script/engine.ts";
import { parseCfgText } from "../core/script/parse-cfg.ts";
import { parseOrThrow, type SipMessage } from "../core/sip/message.ts";
import type { ReceiveInfo } from "../core/transport/receive-info.ts";
import { CORE_MAJOR } from "../core/version.ts";
import pvModule from "../modules/pv/index.ts";
import tmModule from "../modules/tm/index.ts";
import xlogModule from "../modules/xlog/index.ts";

/** What the test module's functions saw. */
export const seen = {
  logs: [] as string[],
  args: [] as (readonly (string | number)[])[],
  conts: [] as (ContinuationRef | undefined)[],
  reset(): void {
    this.logs.length = 0;
    this.args.length = 0;
    this.conts.length = 0;
  },
};

/** Test functions: t_ret(v) returns v; t_log(text) records text; t_args(...) records its arguments. */
export const testModule = defineModule({
  name: "t",
  version: "0.0.1",
  core: CORE_MAJOR,
  doc: { overview: "Test functions." },
  pvs: [
    // $tfmt(text): the text with its pseudo-variables replaced, through the binder's parse tools.
    pv<(ctx: CallContext) => string>({
      name: "tfmt",
      inner: "required",
      doc: "Formats its name.",
      parse: ((inner: string | undefined, tools?: PvParseTools) => {
        if (tools === undefined) return { error: "no parse tools" };
        return tools.format(inner ?? "");
      }) as (inner: string | undefined) => ((ctx: CallContext) => string) | { readonly error: string },
      get: (ctx, f) => f(ctx),
    }),
  ],
  functions: [
    fn({ name: "t_ret", params: [{ name: "v", kind: "int-pv" }] as const, routes: "any", doc: "Return v.", run: (_c, [v]) => v }),
    fn({
      name: "t_log",
      params: [{ name: "text", kind: "string-pv" }] as const,
      routes: "any",
      doc: "Record text, return 1.",
      run: (_c, [t]) => {
        seen.logs.push(t);
        return 1;
      },
    }),
    fn({
      name: "t_args",
      params: [
        { name: "s", kind: "string" },
        { name: "i", kind: "int" },
        { name: "sp", kind: "string-pv" },
        { name: "ip", kind: "int-pv" },
      ] as const,
      routes: "any",
      doc: "Record the arguments, return 1.",
      run: (_c, args) => {
        seen.args.push([...args]);
        return 1;
      },
    }),
    fn({
      name: "t_async",
      params: [{ name: "v", kind: "int-pv" }] as const,
      routes: "any",
      doc: "Return v after a few ms (an async Effect).",
      run: (_c, [v]) => Effect.promise(() => new Promise<number>((r) => setTimeout(() => r(v), 3))),
    }),
    fn({
      name: "t_effect",
      params: [{ name: "v", kind: "int-pv" }] as const,
      routes: "any",
      doc: "Return v through a synchronous Effect.",
      run: (_c, [v]) => Effect.succeed(v),
    }),
    fn({
      name: "t_suspend",
      params: [] as const,
      routes: ["request", "failure"],
      doc: "Record the continuation and stop the script (returns 0), like async_sleep.",
      run: (ctx) => {
        seen.conts.push(ctx.continuation());
        return 0;
      },
    }),
    fn({ name: "t_reqonly", params: [] as const, routes: ["request"], doc: "Request routes only.", run: () => 1 }),
    fn({ name: "t_throw", params: [] as const, routes: "any", doc: "Throws.", run: () => { throw new Error("boom"); } }),
  ],
});

/** Function name -> module for unknown-function hints. */
const HINTS: Readonly<Record<string, string>> = { sl_send_reply: "sl", t_relay: "tm", async_sleep: "async" };

export const makeRegistry = (mods: readonly AnyModule[] = [erase(pvModule), erase(xlogModule), erase(tmModule), erase(testModule)]): Registry => {
  const { registry, errors } = buildRegistry(
    mods.map((decl) => ({ decl, origin: { file: "plugins.json", line: 1 } })),
    (name) => HINTS[name],
  );
  if (errors.length > 0) throw new Error(errors.map((e) => e.format()).join("\n"));
  return registry;
};

/** A logger that keeps "LEVEL message" lines. */
export const captureLogs = (): { readonly lines: string[]; readonly runtime: Runtime.Runtime<never> } => {
  const lines: string[] = [];
  const logger = Logger.make(({ logLevel, message, annotations }) => {
    const level = HashMap.get(annotations, "level");
    lines.push(
      `${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}${level._tag === "Some" ? ` [${String(level.value)}]` : ""}`,
    );
  });
  const layer = Layer.merge(Logger.replace(Logger.defaultLogger, logger), Logger.minimumLogLevel(LogLevel.All));
  const runtime = Effect.runSync(Effect.scoped(Layer.toRuntime(layer)));
  return { lines, runtime };
};


/** Parse and bind; resolves to the program or rejects with the SipmodErrors. */
export const bindText = (text: string, registry: Registry = makeRegistry(), file = "test.cfg"): Promise<BoundProgram> =>
  Effect.runPromise(Effect.flatMap(parseCfgText(text, file), (cfg) => bindProgram(cfg, registry)));

/** Bind and expect failure: the errors, formatted one per element. */
export const bindErrors = async (text: string, registry: Registry = makeRegistry()): Promise<readonly { code: string; message: string; line?: number; column?: number; hint?: string; module?: string }[]> => {
  const r = await Effect.runPromise(
    Effect.either(Effect.flatMap(parseCfgText(text, "test.cfg"), (cfg) => bindProgram(cfg, registry))),
  );
  if (r._tag === "Right") throw new Error("expected binding to fail");
  const e = r.left;
  if (!(e instanceof SipmodErrors)) throw new Error("expected SipmodErrors");
  return e.errors.map((x) => ({
    code: x.code,
    message: x.message,
    ...(x.pos?.line !== undefined ? { line: x.pos.line } : {}),
    ...(x.pos?.column !== undefined ? { column: x.pos.column } : {}),
    ...(x.hint !== undefined ? { hint: x.hint } : {}),
    ...(x.module !== undefined ? { module: x.module } : {}),
  }));
};

export const INVITE =
  "INVITE sip:alice@example.com:5070;transport=udp SIP/2.0\r\n" +
  "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;rport\r\n" +
  "Max-Forwards: 70\r\n" +
  'To: "Alice" <sip:alice@example.com>\r\n' +
  'From: "Bob" <sip:bob@biloxi.com>;tag=1928301774\r\n' +
  "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n" +
  "CSeq: 314159 INVITE\r\n" +
  "Contact: <sip:bob@10.0.0.1>\r\n" +
  "User-Agent: test-ua/1.0\r\n" +
  "X-Multi: one\r\n" +
  "X-Multi: two\r\n" +
  "Content-Type: text/plain\r\n" +
  "Content-Length: 5\r\n\r\nhello";

export const sipMsg = (text: string = INVITE): SipMessage => parseOrThrow(text);

export const fakeRcv = (over: Partial<ReceiveInfo> = {}): ReceiveInfo => ({
  proto: "udp",
  srcIp: "10.0.0.1",
  srcPort: 5060,
  dstIp: "127.0.0.1",
  dstPort: 5080,
  af: 4,
  listenerId: 0,
  connId: 0,
  time: Date.UTC(2026, 10, 22, 10, 4, 5),
  ...over,
});

export interface Ran {
  readonly outcome: Outcome;
  readonly ctx: ScriptContext;
  readonly engine: Engine;
  readonly lines: string[];
}

/** Bind `text` and run `block` (default request_route) for one message. */
export const runText = async (
  text: string,
  opts: { block?: string; msg?: SipMessage; engine?: Engine; options?: EngineOptions; lines?: string[] } = {},
): Promise<Ran> => {
  let engine = opts.engine;
  let lines = opts.lines ?? [];
  if (engine === undefined) {
    const cap = captureLogs();
    lines = cap.lines;
    engine = makeEngine(await bindText(text), cap.runtime, opts.options);
  }
  const ctx = engine.newContext(opts.msg ?? sipMsg(), fakeRcv());
  const outcome = await engine.run(opts.block ?? "request_route", ctx);
  return { outcome, ctx, engine, lines };
};

/** Wrap statements in a request_route and run; the logs of t_log are in seen.logs. */
export const runRoute = async (body: string, extra = "", opts: Parameters<typeof runText>[1] = {}): Promise<Ran> => {
  seen.reset();
  return runText(`request_route {\n${body}\n}\n${extra}`, opts);
};
