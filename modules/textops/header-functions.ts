import { Effect } from "effect";
import type { CallContext } from "../../core/module/call-context.ts";
import { fn, type FixupSite } from "../../core/module/define-module.ts";
import type { RouteKind } from "../../core/module/route-kind.ts";
import { parseHeaderText, type HeaderLine } from "./header-lines.ts";
import { fixupError, KAMAILIO_RE, regexFixup, staticArg, tryCompileRe } from "./regex.ts";

/** Header functions: add (append_hf, insert_hf), remove (remove_hf*), test (is_present_hf*). */

/**
 * Kamailio 5.6's REQUEST_ROUTE|ONREPLY_ROUTE|FAILURE_ROUTE|BRANCH_ROUTE (ONREPLY covers reply_route
 * too), as the real binary checks subst_uri, subst_user and set_body at load; the other textops
 * functions are ANY_ROUTE there (its README lists fewer blocks for many of them).
 */
export const MSG_ROUTES: readonly RouteKind[] = ["request", "onreply", "core_onreply", "failure", "branch"];

const warn = (text: string) => Effect.as(Effect.logWarning(`textops: ${text}`), -1);

/** Fixup of append_hf/insert_hf: a fixed text is checked (and parsed) once. */
const headerTextFixup = (fname: string) => (site: FixupSite) => {
  const text = staticArg(site, 0);
  if (text === undefined) return Effect.succeed<readonly HeaderLine[] | undefined>(undefined);
  const lines = parseHeaderText(text);
  if ("error" in lines) {
    return fixupError(site, `${fname}(): ${lines.error}`, 'Give whole header lines ended by \\r\\n: append_hf("X-Name: value\\r\\n").');
  }
  return Effect.succeed<readonly HeaderLine[] | undefined>(lines);
};

const addHeaders = (ctx: CallContext, fname: string, text: string, fixed: readonly HeaderLine[] | undefined, where: "first" | "last") => {
  const lines = fixed ?? parseHeaderText(text);
  if ("error" in lines) return warn(`${fname}(): ${lines.error}`);
  try {
    // "first" puts the newest line first: add in reverse so the lines keep their order
    const ordered = where === "first" ? [...lines].reverse() : lines;
    for (const l of ordered) ctx.msg.addHeader(l.name, l.value, where);
    return 1;
  } catch (e) {
    return warn(`${fname}(): ${e instanceof Error ? e.message : String(e)}`);
  }
};

/** Remove the received header lines whose name satisfies `match`: 1 when one was removed, else -1 (as Kamailio 5.6). */
const removeWhere = (ctx: CallContext, match: (name: string) => boolean): number => {
  const msg = ctx.msg;
  const names = msg.headerNames();
  let n = 0;
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!;
    if (!match(name)) continue;
    // line k is this occurrence among the lines of the same header (compact forms included)
    if (msg.removeHeaderAt(name, msg.indexesOf(name).indexOf(k))) n++;
  }
  return n > 0 ? 1 : -1;
};

const removeByName = (ctx: CallContext, name: string): number => (ctx.msg.removeHeader(name) > 0 ? 1 : -1);

const hnameFixup = (fname: string) => (site: FixupSite) => {
  const name = staticArg(site, 0) ?? "";
  return /^[A-Za-z0-9\-.!%*_+`'~]+$/.test(name.trim())
    ? Effect.succeed(name.trim())
    : fixupError(site, `${fname}(): "${name}" is not a header name`);
};

const reParam = { name: "re", kind: "string", doc: "POSIX extended regular expression matched against header names (case ignored)." } as const;

const imfDate = (d: Date): string => d.toUTCString();

export const headerFunctions = [
  fn({
    name: "append_hf",
    params: [{ name: "txt", kind: "string-pv", doc: "Header line(s) ended by \\r\\n; may contain pseudo-variables." }] as const,
    routes: "any",
    doc:
      "Add the header line(s) after the last header of the message. The text must be whole header lines, each ended " +
      'by \\r\\n, as in Kamailio: `append_hf("X-Caller: $fU\\r\\n")`. A fixed text is checked when the config is loaded. ' +
      "Like every change made by textops, the new header is not visible to $hdr() or to the other search functions, " +
      "which read the message as received; it is in the message that is forwarded.",
    returns: "1 (true) when the header was added, -1 (false) when the text is not header lines (logged).",
    fixup: headerTextFixup("append_hf"),
    run: (ctx, [txt], fixed: readonly HeaderLine[] | undefined) => addHeaders(ctx, "append_hf", txt, fixed, "last"),
  }),
  fn({
    name: "insert_hf",
    params: [{ name: "txt", kind: "string-pv", doc: "Header line(s) ended by \\r\\n; may contain pseudo-variables." }] as const,
    routes: "any",
    doc:
      "Add the header line(s) before the first header of the message (several insert_hf calls: the last one ends up " +
      "first, as in Kamailio). Same text rules as append_hf.",
    returns: "1 (true) when the header was added, -1 (false) when the text is not header lines (logged).",
    fixup: headerTextFixup("insert_hf"),
    run: (ctx, [txt], fixed: readonly HeaderLine[] | undefined) => addHeaders(ctx, "insert_hf", txt, fixed, "first"),
  }),
  fn({
    name: "append_time_to_request",
    params: [] as const,
    routes: "any",
    doc: "Add a `Date:` header with the current time in GMT (`Date: Sun, 22 Nov 2026 10:04:05 GMT`) after the last header.",
    returns: "Always 1 (true).",
    run: (ctx) => {
      ctx.msg.addHeader("Date", imfDate(new Date()), "last");
      return 1;
    },
  }),
  fn({
    name: "remove_hf",
    params: [{ name: "hname", kind: "string", doc: "Header name; the compact form counts too (Contact also removes m)." }] as const,
    routes: "any",
    doc:
      "Remove every header of the message with this name (case ignored; the long and compact forms are the same " +
      "header). Only headers of the message as received are removed, not ones added by append_hf.",
    returns: "1 (true) when at least one header was removed, -1 (false) when there was none.",
    fixup: hnameFixup("remove_hf"),
    run: (ctx, _args, name: string) => removeByName(ctx, name),
  }),
  fn({
    name: "remove_hf_pv",
    params: [{ name: "hname", kind: "string-pv", doc: "Header name; may contain pseudo-variables." }] as const,
    routes: "any",
    doc: "remove_hf() with a name that may contain pseudo-variables.",
    returns: "1 (true) when at least one header was removed, -1 (false) when there was none or the name is not a header name.",
    run: (ctx, [name]) => (/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(name.trim()) ? removeByName(ctx, name.trim()) : -1),
  }),
  fn({
    name: "remove_hf_re",
    params: [reParam] as const,
    routes: "any",
    doc: 'Remove every header whose name matches the expression (`remove_hf_re("^P-")`).',
    returns: "1 (true) when at least one header was removed, -1 (false) when there was none.",
    fixup: regexFixup("remove_hf_re", 0, KAMAILIO_RE),
    run: (ctx, _args, re: RegExp) => removeWhere(ctx, (n) => re.test(n)),
  }),
  fn({
    name: "remove_hf_exp",
    params: [
      { name: "expmatch", kind: "string", doc: "Names to remove (POSIX extended regular expression, case ignored)." },
      { name: "expskip", kind: "string", doc: "Names to keep even when they match expmatch." },
    ] as const,
    routes: "any",
    doc: 'Remove every header whose name matches `expmatch` and does not match `expskip` (`remove_hf_exp("^P-", "^P-Keep-")`).',
    returns: "1 (true) when at least one header was removed, -1 (false) when there was none.",
    fixup: (site) => {
      const m = tryCompileRe(staticArg(site, 0) ?? "", KAMAILIO_RE);
      const s = tryCompileRe(staticArg(site, 1) ?? "", KAMAILIO_RE);
      if (!(m instanceof RegExp)) return fixupError(site, `remove_hf_exp(): ${m.error}`);
      if (!(s instanceof RegExp)) return fixupError(site, `remove_hf_exp(): ${s.error}`);
      return Effect.succeed<readonly [RegExp, RegExp]>([m, s]);
    },
    run: (ctx, _args, [m, s]: readonly [RegExp, RegExp]) => removeWhere(ctx, (n) => m.test(n) && !s.test(n)),
  }),
  fn({
    name: "remove_hf_re_pv",
    params: [{ name: "re", kind: "string-pv", doc: "Regular expression; may contain pseudo-variables." }] as const,
    routes: "any",
    doc: "remove_hf_re() with an expression that may contain pseudo-variables (compiled when the call runs).",
    returns: "1 (true) when at least one header was removed, -1 (false) when there was none or the expression is invalid.",
    run: (ctx, [re]) => {
      const r = tryCompileRe(re, KAMAILIO_RE);
      return r instanceof RegExp ? removeWhere(ctx, (n) => r.test(n)) : warn(`remove_hf_re_pv(): ${r.error}`);
    },
  }),
  fn({
    name: "remove_hf_exp_pv",
    params: [
      { name: "expmatch", kind: "string-pv", doc: "Names to remove; may contain pseudo-variables." },
      { name: "expskip", kind: "string-pv", doc: "Names to keep; may contain pseudo-variables." },
    ] as const,
    routes: "any",
    doc: "remove_hf_exp() with expressions that may contain pseudo-variables (compiled when the call runs).",
    returns: "1 (true) when at least one header was removed, -1 (false) when there was none or an expression is invalid.",
    run: (ctx, [match, skip]) => {
      const m = tryCompileRe(match, KAMAILIO_RE);
      const s = tryCompileRe(skip, KAMAILIO_RE);
      if (!(m instanceof RegExp)) return warn(`remove_hf_exp_pv(): ${m.error}`);
      if (!(s instanceof RegExp)) return warn(`remove_hf_exp_pv(): ${s.error}`);
      return removeWhere(ctx, (n) => m.test(n) && !s.test(n));
    },
  }),
  fn({
    name: "remove_hf_idx",
    params: [
      { name: "hname", kind: "string-pv", doc: "Header name." },
      { name: "idx", kind: "int-pv", doc: "Which one: 0 the first, 1 the second ...; -1 the last, -2 the one before ..." },
    ] as const,
    routes: "any",
    doc: "Remove one header of that name, chosen by its position among the headers of that name.",
    returns: "1 (true) when it was removed, -1 (false) when there is no such header.",
    run: (ctx, [name, idx]) => {
      const count = ctx.msg.indexesOf(name.trim()).length;
      const i = idx < 0 ? count + idx : idx;
      return i >= 0 && i < count && ctx.msg.removeHeaderAt(name.trim(), i) ? 1 : -1;
    },
  }),
  fn({
    name: "is_present_hf",
    params: [{ name: "hf_name", kind: "string", doc: "Header name (long or compact form)." }] as const,
    routes: "any",
    doc: "Check whether the message has a header with this name (case ignored; `From` also finds `f`).",
    returns: "1 (true) when present, -1 (false) otherwise.",
    fixup: hnameFixup("is_present_hf"),
    run: (ctx, _args, name: string) => (ctx.msg.hasHeader(name) ? 1 : -1),
  }),
  fn({
    name: "is_present_hf_pv",
    params: [{ name: "hf_name", kind: "string-pv", doc: "Header name; may contain pseudo-variables." }] as const,
    routes: "any",
    doc: "is_present_hf() with a name that may contain pseudo-variables.",
    returns: "1 (true) when present, -1 (false) otherwise.",
    run: (ctx, [name]) => (name.trim() !== "" && ctx.msg.hasHeader(name.trim()) ? 1 : -1),
  }),
  fn({
    name: "is_present_hf_re",
    params: [{ name: "hf_name_re", kind: "string", doc: "POSIX extended regular expression matched against header names (case ignored)." }] as const,
    routes: "any",
    doc: 'Check whether a header name matches the expression (`is_present_hf_re("^P-")`).',
    returns: "1 (true) when one matches, -1 (false) otherwise.",
    fixup: regexFixup("is_present_hf_re", 0, KAMAILIO_RE),
    run: (ctx, _args, re: RegExp) => (ctx.msg.headerNames().some((n) => re.test(n)) ? 1 : -1),
  }),
  fn({
    name: "is_present_hf_re_pv",
    params: [{ name: "hf_name_re", kind: "string-pv", doc: "Regular expression; may contain pseudo-variables." }] as const,
    routes: "any",
    doc: "is_present_hf_re() with an expression that may contain pseudo-variables (compiled when the call runs).",
    returns: "1 (true) when a header name matches, -1 (false) otherwise or when the expression is invalid.",
    run: (ctx, [re]) => {
      const r = tryCompileRe(re, KAMAILIO_RE);
      if (!(r instanceof RegExp)) return warn(`is_present_hf_re_pv(): ${r.error}`);
      return ctx.msg.headerNames().some((n) => r.test(n)) ? 1 : -1;
    },
  }),
];
