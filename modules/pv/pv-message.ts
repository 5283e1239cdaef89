import { pv, type AnyPvSpec } from "../../core/module/define-module.ts";
import type { ScriptValue } from "../../core/module/values.ts";
import { staticIntText, toStr } from "../../core/script/values.ts";
import type { NameAddr } from "../../core/sip/name-addr.ts";
import { formatUri, parseUri, type SipUri } from "../../core/sip/uri.ts";
import type { CallContext } from "../../core/module/call-context.ts";

/** Pseudo-variables of the message: R-URI, destination URI, headers, body, where it came from. */

const ruriOf = (ctx: CallContext): SipUri | undefined => ctx.ruri();

const requireRequest = (ctx: CallContext, what: string): void => {
  if (!ctx.msg.isRequest) throw new Error(`${what} can only be set while processing a request`);
};

/** Change a part of the current R-URI. */
const editRuri = (ctx: CallContext, what: string, f: (u: SipUri) => SipUri): void => {
  requireRequest(ctx, what);
  const u = ruriOf(ctx);
  if (u === undefined) throw new Error(`${what}: the R-URI "${ctx.msg.currentRuri()}" is not a sip:, sips: or tel: URI`);
  ctx.msg.setRuri(formatUri(f(u)));
};

const safe =
  <T>(f: (ctx: CallContext) => T | undefined) =>
  (ctx: CallContext): T | null => {
    try {
      const v = f(ctx);
      return v === undefined ? null : v;
    } catch {
      return null;
    }
  };

/** Parsed URI of a From/To value, kept with the (message-cached) NameAddr. */
const uriCache = new WeakMap<NameAddr, SipUri | null>();
const uriOfNameAddr = (na: NameAddr): SipUri | undefined => {
  let u = uriCache.get(na);
  if (u === undefined) {
    u = parseUri(na.uri) ?? null;
    uriCache.set(na, u);
  }
  return u ?? undefined;
};
const userOf = (na: NameAddr): string | undefined => uriOfNameAddr(na)?.user;
const hostOf = (na: NameAddr): string | undefined => uriOfNameAddr(na)?.host;

const simple = (name: string, doc: string, get: (ctx: CallContext) => ScriptValue | undefined): AnyPvSpec =>
  pv<undefined>({ name, inner: "none", doc, get: safe(get) });

/** A `name[idx]` header selector: idx an integer (negative from the last) or `*` (all, comma-joined). */
interface HdrName {
  readonly name: string;
  readonly index: number | "all" | undefined;
}

const parseHdrName = (inner: string | undefined): HdrName | { readonly error: string } => {
  const t = (inner ?? "").trim();
  const m = /^([^[\]\s]+)(?:\[\s*(\*|-?[0-9]+)\s*\])?$/.exec(t);
  if (m === null || !/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(m[1]!)) return { error: `"${t}" is not a header name (write $hdr(Name) or $(hdr(Name)[n]))` };
  const idx = m[2];
  return { name: m[1]!, index: idx === undefined ? undefined : idx === "*" ? "all" : Number(idx) };
};

const getHdr = (ctx: CallContext, h: HdrName): ScriptValue => {
  const values = ctx.msg.headersAsWritten(h.name);
  if (values.length === 0) return null;
  if (h.index === undefined) return values[0]!;
  if (h.index === "all") return values.join(",");
  const k = h.index >= 0 ? h.index : values.length + h.index;
  return values[k] ?? null;
};

export const messagePvs: readonly AnyPvSpec[] = [
  pv<undefined>({
    name: "ru",
    inner: "none",
    doc: "Request-URI (after changes); null when it does not parse. Writable: assigning replaces the R-URI.",
    // As in Kamailio, an R-URI that does not parse (set by the script, or of a scheme other than
    // sip, sips, tel and urn) is null.
    get: (ctx) => {
      if (!ctx.msg.isRequest) return null;
      const cur = ctx.msg.currentRuri();
      return ruriOf(ctx) !== undefined || /^urn:/i.test(cur) ? cur : null;
    },
    set: (ctx, _n, v) => {
      requireRequest(ctx, "$ru");
      const s = toStr(v);
      if (v === null || parseUri(s) === undefined) throw new Error(`$ru: "${s}" is not a sip:, sips: or tel: URI`);
      ctx.msg.setRuri(s);
    },
  }),
  pv<undefined>({
    name: "rU",
    inner: "none",
    doc: "User part of the Request-URI. Writable ($null removes the user).",
    get: (ctx) => ruriOf(ctx)?.user ?? null,
    set: (ctx, _n, v) => editRuri(ctx, "$rU", (u) => ({ ...u, user: v === null || v === "" ? undefined : toStr(v), password: v === null ? undefined : u.password })),
  }),
  pv<undefined>({
    name: "rd",
    inner: "none",
    doc: "Host (domain) part of the Request-URI. Writable.",
    get: (ctx) => {
      const u = ruriOf(ctx);
      return u === undefined || u.scheme === "tel" ? null : u.host;
    },
    set: (ctx, _n, v) => {
      const h = toStr(v);
      if (h === "") throw new Error("$rd cannot be empty");
      editRuri(ctx, "$rd", (u) => ({ ...u, host: h }));
    },
  }),
  pv<undefined>({
    name: "rp",
    inner: "none",
    doc: "Port of the Request-URI (5060 when the URI has none). Writable ($null or \"\" removes the port).",
    get: (ctx) => {
      const u = ruriOf(ctx);
      return u === undefined ? null : (u.port ?? 5060);
    },
    set: (ctx, _n, v) => {
      if (v === null || v === "") {
        editRuri(ctx, "$rp", (u) => ({ ...u, port: undefined }));
        return;
      }
      const p = typeof v === "number" ? v : staticIntText(v);
      if (p === undefined || p < 1 || p > 65535) throw new Error(`$rp: "${toStr(v)}" is not a port`);
      editRuri(ctx, "$rp", (u) => ({ ...u, port: p }));
    },
  }),
  pv<undefined>({
    name: "du",
    inner: "none",
    doc: "Destination URI: where the request is sent instead of the R-URI (undefined when not set). Writable; $null resets it.",
    get: (ctx) => ctx.du ?? null,
    set: (ctx, _n, v) => {
      const s = ctx;
      const t = toStr(v);
      if (v === null || t === "") {
        s.du = undefined;
        return;
      }
      if (parseUri(t) === undefined) throw new Error(`$du: "${t}" is not a sip: or sips: URI`);
      s.du = t;
    },
  }),
  simple("rm", "Request method (for a reply: the method in CSeq).", (ctx) => ctx.msg.method),
  simple("rs", "Reply status code (undefined for a request).", (ctx) => (ctx.msg.isRequest ? undefined : ctx.msg.status)),
  simple("rr", "Reply reason phrase (undefined for a request).", (ctx) => (ctx.msg.isRequest ? undefined : ctx.msg.reason)),
  simple("ci", "Call-ID.", (ctx) => ctx.msg.callId()),
  simple("cs", "CSeq number.", (ctx) => ctx.msg.cseq().seq),
  simple("fu", "From URI.", (ctx) => ctx.msg.from().uri),
  simple("fU", "User part of the From URI.", (ctx) => userOf(ctx.msg.from())),
  simple("fd", "Host part of the From URI.", (ctx) => hostOf(ctx.msg.from())),
  simple("ft", "From tag.", (ctx) => ctx.msg.from().tag),
  simple("fn", "From display name as written (quotes kept, as in Kamailio).", (ctx) => ctx.msg.from().displayRaw),
  simple("tu", "To URI.", (ctx) => ctx.msg.to().uri),
  simple("tU", "User part of the To URI.", (ctx) => userOf(ctx.msg.to())),
  simple("td", "Host part of the To URI.", (ctx) => hostOf(ctx.msg.to())),
  simple("tt", "To tag.", (ctx) => ctx.msg.to().tag),
  simple("tn", "To display name as written (quotes kept, as in Kamailio).", (ctx) => ctx.msg.to().displayRaw),
  simple("ua", "User-Agent header value (trailing white space kept, as in Kamailio).", (ctx) => ctx.msg.headersAsWritten("user-agent")[0]),
  simple("mb", "The whole message as received.", (ctx) => ctx.msg.buf.toString("utf8")),
  simple("ml", "Length of the message as received, in bytes.", (ctx) => ctx.msg.buf.length),
  simple("rb", "Message body.", (ctx) => ctx.msg.body.toString("utf8")),
  simple("si", "Source IP address.", (ctx) => ctx.rcv.srcIp),
  simple("sp", "Source port.", (ctx) => ctx.rcv.srcPort),
  simple("Ri", "IP address of the socket the message arrived on.", (ctx) => ctx.rcv.dstIp),
  simple("Rp", "Port of the socket the message arrived on.", (ctx) => ctx.rcv.dstPort),
  simple("pr", "Transport protocol the message arrived on (udp, tcp, tls, ws, wss).", (ctx) => ctx.rcv.proto),
  simple("pp", "Process id (every worker thread of the server shares it).", () => process.pid),
  pv<HdrName>({
    name: "hdr",
    inner: "required",
    doc:
      "Value of the first header of that name, trailing white space kept as in Kamailio ($(hdr(Name)[n]): the n-th, " +
      "negative from the last; [*]: all, comma-joined).",
    parse: parseHdrName,
    get: (ctx, h) => {
      try {
        return getHdr(ctx, h);
      } catch {
        return null;
      }
    },
  }),
];

