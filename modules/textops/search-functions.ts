import { Effect } from "effect";
import { fn } from "../../core/module/define-module.ts";
import { hasBody, mediaType } from "./body.ts";
import { parseMethodList } from "./methods.ts";
import { fixupError, KAMAILIO_RE, regexFixup, staticArg, tryCompileRe } from "./regex.ts";

/** Tests on the message as received (is_method, has_body, search, search_body, search_hf) and on a text (search_str). */

const BYTES_RE = { ...KAMAILIO_RE, bytes: true } as const;

const warn = (text: string) => Effect.as(Effect.logWarning(`textops: ${text}`), -1);

export const searchFunctions = [
  fn({
    name: "is_method",
    params: [{ name: "name", kind: "string", doc: 'A method, or several separated by | ("INVITE|BYE"; a comma works too).' }] as const,
    routes: "any",
    doc:
      "Check the method of the message: the request method, or for a reply the method in its CSeq. Case is ignored. " +
      "A list may hold only the methods Kamailio knows (INVITE, CANCEL, ACK, BYE, INFO, REGISTER, SUBSCRIBE, NOTIFY, " +
      "MESSAGE, OPTIONS, PRACK, UPDATE, REFER, PUBLISH, KDMQ, GET, POST, PUT, DELETE); a single other name is compared " +
      "as text.",
    returns: "1 (true) when the method is one of the names, -1 (false) otherwise.",
    fixup: (site) => {
      const text = staticArg(site, 0) ?? "";
      const set = parseMethodList(text);
      return set instanceof Set ? Effect.succeed(set) : fixupError(site, `is_method(): ${(set as { error: string }).error}`);
    },
    run: (ctx, _args, methods: ReadonlySet<string>) => (methods.has(ctx.msg.method.toUpperCase()) ? 1 : -1),
  }),
  fn({
    name: "has_body",
    params: [] as const,
    routes: "any",
    doc: "Check whether the message has a body: a Content-Length header with a value above 0.",
    returns: "1 (true) when it has one, -1 (false) otherwise.",
    run: (ctx) => (hasBody(ctx.msg, undefined) ? 1 : -1),
  }),
  fn({
    name: "has_body",
    params: [{ name: "mime", kind: "string", doc: "Media type, type/subtype (application/sdp)." }] as const,
    routes: "any",
    doc:
      "Check whether the message has a body of this media type (parameters such as charset are ignored). A message " +
      "with a body but no Content-Type counts as application/sdp.",
    returns: "1 (true) when it has such a body, -1 (false) otherwise.",
    fixup: (site) => {
      const text = staticArg(site, 0) ?? "";
      const mt = mediaType(text);
      return mt === undefined ? fixupError(site, `has_body(): "${text}" is not a media type (type/subtype)`) : Effect.succeed(mt);
    },
    run: (ctx, _args, mime: string) => (hasBody(ctx.msg, mime) ? 1 : -1),
  }),
  fn({
    name: "search",
    params: [{ name: "re", kind: "string", doc: "POSIX extended regular expression (case ignored, per line)." }] as const,
    routes: "any",
    doc:
      "Search the whole message as received (start line, headers, body) for the expression. Case is ignored; `.` does " +
      "not cross line ends and `^`/`$` match at each line, as with Kamailio's REG_NEWLINE. Changes made in the script " +
      "(append_hf, set_body ...) are not seen.",
    returns: "1 (true) when found, -1 (false) otherwise.",
    fixup: regexFixup("search", 0, BYTES_RE),
    run: (ctx, _args, re: RegExp) => (re.test(ctx.msg.buf.toString("latin1")) ? 1 : -1),
  }),
  fn({
    name: "search_body",
    params: [{ name: "re", kind: "string", doc: "POSIX extended regular expression (case ignored, per line)." }] as const,
    routes: "any",
    doc: "Like search(), on the body as received only.",
    returns: "1 (true) when found, -1 (false) otherwise (also when there is no body).",
    fixup: regexFixup("search_body", 0, BYTES_RE),
    run: (ctx, _args, re: RegExp) => (re.test(ctx.msg.body.toString("latin1")) ? 1 : -1),
  }),
  fn({
    name: "search_hf",
    params: [
      { name: "hf", kind: "string", doc: "Header name." },
      { name: "re", kind: "string", doc: "POSIX extended regular expression (case ignored) matched against the header value." },
      { name: "flags", kind: "string", doc: "a: every header of that name, f: the first only, l: the last only." },
    ] as const,
    routes: "any",
    doc: 'Search the value(s) of a header for the expression (`search_hf("From", ":test@", "a")`).',
    returns: "1 (true) when found, -1 (false) otherwise.",
    fixup: (site) => {
      const hf = (staticArg(site, 0) ?? "").trim();
      const flags = staticArg(site, 2) ?? "";
      if (!/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(hf)) return fixupError(site, `search_hf(): "${hf}" is not a header name`);
      if (flags !== "a" && flags !== "f" && flags !== "l") {
        return fixupError(site, `search_hf(): flags "${flags}": use a (all headers), f (first) or l (last)`);
      }
      const re = tryCompileRe(staticArg(site, 1) ?? "", KAMAILIO_RE);
      if (!(re instanceof RegExp)) return fixupError(site, `search_hf(): ${re.error}`);
      return Effect.succeed({ hf, re, flags } as const);
    },
    run: (ctx, _args, f: { readonly hf: string; readonly re: RegExp; readonly flags: string }) => {
      const values = ctx.msg.headers(f.hf);
      const pick = f.flags === "f" ? values.slice(0, 1) : f.flags === "l" ? values.slice(-1) : values;
      return pick.some((v) => f.re.test(v)) ? 1 : -1;
    },
  }),
  fn({
    name: "search_str",
    params: [
      { name: "text", kind: "string-pv", doc: "Text to search; may contain pseudo-variables." },
      { name: "re", kind: "string-pv", doc: "POSIX extended regular expression (case ignored); may contain pseudo-variables." },
    ] as const,
    routes: "any",
    doc: 'Search a text (not the message) for the expression: `search_str("$ru", ";transport=tcp")`.',
    returns: "1 (true) when found, -1 (false) otherwise or when the expression is invalid.",
    fixup: (site) =>
      staticArg(site, 1) === undefined
        ? Effect.succeed<RegExp | undefined>(undefined)
        : Effect.map(regexFixup("search_str", 1, KAMAILIO_RE)(site), (r): RegExp | undefined => r),
    run: (_ctx, [text, reText], fixed: RegExp | undefined) => {
      const re = fixed ?? tryCompileRe(reText, KAMAILIO_RE);
      if (!(re instanceof RegExp)) return warn(`search_str(): ${re.error}`);
      return re.test(text) ? 1 : -1;
    },
  }),
];
