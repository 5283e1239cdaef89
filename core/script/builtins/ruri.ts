import { Effect } from "effect";
import type { CallContext } from "../../module/call-context.ts";
import { fn } from "../../module/define-module.ts";
import { formatUri, parseUri, type SipUri } from "../../sip/uri.ts";

/**
 * The core's Request-URI rewriting functions (Kamailio's rewriteuri/seturi, rewritehost/sethost,
 * rewritehostport/sethostport, rewriteuser/setuser, rewriteport/setport, prefix, strip,
 * strip_tail, revert_uri). Parameters are fixed strings/ints as in Kamailio; use $ru, $rU, $rd or
 * $rp to assign computed values. They return 1, or -1 (logged) when the R-URI cannot be changed
 * (a reply, an R-URI that is not a sip:/sips:/tel: URI, a bad value).
 */

const current = (ctx: CallContext): SipUri | undefined =>
  ctx.ruri();

const edit = (ctx: CallContext, what: string, f: (u: SipUri) => SipUri | string) => {
  if (!ctx.msg.isRequest) return Effect.as(Effect.logWarning(`${what}(): only a request has an R-URI`), -1);
  const u = current(ctx);
  if (u === undefined) return Effect.as(Effect.logWarning(`${what}(): the R-URI "${ctx.msg.currentRuri()}" cannot be parsed`), -1);
  try {
    const next = f(u);
    const text = typeof next === "string" ? next : formatUri(next);
    if (parseUri(text) === undefined) return Effect.as(Effect.logWarning(`${what}(): "${text}" is not a valid URI`), -1);
    ctx.msg.setRuri(text);
    return 1;
  } catch (e) {
    return Effect.as(Effect.logWarning(`${what}(): ${e instanceof Error ? e.message : String(e)}`), -1);
  }
};

const str1 = (name: string) => [{ name, kind: "string" }] as const;
const int1 = (name: string) => [{ name, kind: "int" }] as const;
const REQ = ["request", "failure", "branch"] as const;

const pair = <A extends readonly { readonly name: string; readonly kind: "string" | "int" }[]>(
  names: readonly [string, string],
  params: A,
  doc: string,
  run: (ctx: CallContext, args: readonly (string | number)[]) => ReturnType<typeof edit>,
) =>
  names.map((name) =>
    fn({
      name,
      params,
      routes: REQ,
      doc,
      returns: "1 when the R-URI was changed, -1 otherwise.",
      run: (ctx, args) => run(ctx, args as readonly (string | number)[]),
    }),
  );

const hostPort = (text: string): { host: string; port: number | undefined } => {
  const m = /^(\[[^\]]+\]|[^:]+)(?::([0-9]{1,5}))?$/.exec(text);
  if (m === null) throw new Error(`"${text}" is not host[:port]`);
  return { host: m[1]!, port: m[2] !== undefined ? Number(m[2]) : undefined };
};

export const ruriFunctions = [
  ...pair(["seturi", "rewriteuri"], str1("uri"), "Replace the whole Request-URI.", (ctx, [uri]) => edit(ctx, "seturi", () => String(uri))),
  ...pair(["sethost", "rewritehost"], str1("host"), "Replace the host of the Request-URI.", (ctx, [h]) =>
    edit(ctx, "sethost", (u) => ({ ...u, host: String(h) })),
  ),
  ...pair(["sethostport", "rewritehostport"], str1("hostport"), "Replace host and port (`host:port`) of the Request-URI.", (ctx, [hp]) =>
    edit(ctx, "sethostport", (u) => ({ ...u, ...hostPort(String(hp)) })),
  ),
  ...pair(["setuser", "rewriteuser"], str1("user"), "Replace the user of the Request-URI.", (ctx, [user]) =>
    edit(ctx, "setuser", (u) => ({ ...u, user: String(user) === "" ? undefined : String(user) })),
  ),
  ...pair(["setport", "rewriteport"], str1("port"), "Replace the port of the Request-URI (\"\" removes it).", (ctx, [p]) =>
    edit(ctx, "setport", (u) => {
      const t = String(p);
      if (t === "") return { ...u, port: undefined };
      const n = Number(t);
      if (!/^[0-9]{1,5}$/.test(t) || n < 1 || n > 65535) throw new Error(`"${t}" is not a port`);
      return { ...u, port: n };
    }),
  ),
  fn({
    name: "prefix",
    params: str1("prefix"),
    routes: REQ,
    doc: "Put `prefix` in front of the user of the Request-URI.",
    returns: "1 when the R-URI was changed, -1 otherwise.",
    run: (ctx, [p]) => edit(ctx, "prefix", (u) => ({ ...u, user: p + (u.user ?? "") })),
  }),
  fn({
    name: "strip",
    params: int1("count"),
    routes: REQ,
    doc: "Remove the first `count` characters of the user of the Request-URI.",
    returns: "1 when the R-URI was changed, -1 otherwise.",
    run: (ctx, [n]) => edit(ctx, "strip", (u) => ({ ...u, user: n >= (u.user ?? "").length ? undefined : (u.user ?? "").slice(Math.max(0, n)) })),
  }),
  fn({
    name: "strip_tail",
    params: int1("count"),
    routes: REQ,
    doc: "Remove the last `count` characters of the user of the Request-URI.",
    returns: "1 when the R-URI was changed, -1 otherwise.",
    run: (ctx, [n]) =>
      edit(ctx, "strip_tail", (u) => {
        const user = u.user ?? "";
        return { ...u, user: n >= user.length ? undefined : user.slice(0, user.length - Math.max(0, n)) };
      }),
  }),
  fn({
    name: "revert_uri",
    params: [] as const,
    routes: REQ,
    doc: "Set the Request-URI back to the one received.",
    returns: "1.",
    run: (ctx) => edit(ctx, "revert_uri", () => ctx.msg.ruri),
  }),
];
