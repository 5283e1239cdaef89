import { Effect } from "effect";
import type { CallContext } from "../../core/module/call-context.ts";
import { fn, type FixupSite } from "../../core/module/define-module.ts";
import { scanPv } from "../../core/script/parse-pv.ts";
import { formatUri, type SipUri } from "../../core/sip/uri.ts";
import { bodyBytes, setBodyBytes } from "./body.ts";
import { MSG_ROUTES } from "./header-functions.ts";
import { asBytes, fixupError, KAMAILIO_RE, regexFixup, type ReOptions } from "./regex.ts";
import { applySubst, parseSubst, type SubstExpr } from "./subst-expr.ts";

/** Changes: subst_uri, subst_user, subst_body, replace_body*, search_append_body, set_body. */

const warn = (text: string) => Effect.as(Effect.logWarning(`textops: ${text}`), -1);

const hasPvIn = (text: string): boolean => {
  for (let i = text.indexOf("$"); i >= 0; i = text.indexOf("$", i + 1)) if (scanPv(text, i).ok) return true;
  return false;
};

/**
 * Fixup of a subst expression: a fixed one is read and compiled once; one with pseudo-variables
 * (in the replacement) is read per call, and its regular expression must be fixed.
 */
const substFixup = (fname: string) => (site: FixupSite) => {
  const a = site.args[0];
  if (a === undefined) return Effect.succeed<SubstExpr | undefined>(undefined);
  if (a.kind === "static") {
    const se = parseSubst(String(a.value));
    return "error" in se
      ? fixupError(site, `${fname}(): ${se.error}`, `Write ${fname}('/regular expression/replacement/flags') with flags from i, g, s.`)
      : Effect.succeed<SubstExpr | undefined>(se);
  }
  const raw = a.text;
  const sep = raw[0] ?? "";
  const reEnd = raw.indexOf(sep, 1);
  if (reEnd > 0 && hasPvIn(raw.slice(1, reEnd))) {
    return fixupError(site, `${fname}(): only the replacement may contain pseudo-variables, not the regular expression ("${raw}")`);
  }
  return Effect.succeed<SubstExpr | undefined>(undefined);
};

/** The expression of this call: fixed, or read from the evaluated text. */
const exprOf = (fname: string, text: string, fixed: SubstExpr | undefined): SubstExpr | string => {
  if (fixed !== undefined) return fixed;
  const se = parseSubst(text, true);
  return "error" in se ? `${fname}(): ${se.error}` : se;
};

const currentUri = (ctx: CallContext): SipUri | undefined =>
  ctx.ruri();

const setRuri = (ctx: CallContext, fname: string, uri: string) => {
  try {
    ctx.msg.setRuri(uri);
    return 1;
  } catch (e) {
    return warn(`${fname}(): ${e instanceof Error ? e.message : String(e)}`);
  }
};

const substParam = {
  name: "subst",
  kind: "string-pv",
  keepLoneDollar: true,
  doc: "/re/repl/flags: the replacement may contain pseudo-variables; a $ that starts none (an anchor) stays as written.",
} as const;
const txtParam = { name: "txt", kind: "string", doc: "Text put in place of the match." } as const;
const BODY_RE: ReOptions = { ...KAMAILIO_RE, bytes: true };

/** Replace the first (or every) match of `re` in the body with `txt`. */
const replaceInBody = (ctx: CallContext, re: RegExp, txt: string, all: boolean): number => {
  const body = bodyBytes(ctx.msg);
  const rep = asBytes(txt);
  let out: string;
  if (all) {
    let n = 0;
    out = body.replace(new RegExp(re.source, `${re.flags}g`), () => {
      n++;
      return rep;
    });
    if (n === 0) return -1;
  } else {
    const m = re.exec(body);
    if (m === null) return -1;
    out = body.slice(0, m.index) + rep + body.slice(m.index + m[0].length);
  }
  setBodyBytes(ctx.msg, out);
  return 1;
};

export const editFunctions = [
  fn({
    name: "subst_uri",
    params: [substParam] as const,
    routes: MSG_ROUTES,
    doc:
      "Apply a sed-like substitution to the Request-URI (as changed so far) and set the result as the new one: " +
      "`subst_uri('/^sip:([0-9]+)@(.*)$/sip:3463\\1@\\2;orig=\\0/i')`. `\\0`..`\\9` insert the whole match and its " +
      "groups, `\\u` the Request-URI; flags: `i` ignore case, `g` every match, `s` across line ends. The regular " +
      "expression must be fixed; the replacement may contain pseudo-variables.",
    returns: "1 (true) when the R-URI was changed, -1 (false) when nothing matched or the message is a reply.",
    fixup: substFixup("subst_uri"),
    run: (ctx, [text], fixed: SubstExpr | undefined) => {
      if (!ctx.msg.isRequest) return -1;
      const se = exprOf("subst_uri", text, fixed);
      if (typeof se === "string") return warn(se);
      const cur = ctx.msg.currentRuri();
      const out = applySubst(se, cur, () => cur);
      return out === undefined ? -1 : setRuri(ctx, "subst_uri", out);
    },
  }),
  fn({
    name: "subst_user",
    params: [substParam] as const,
    routes: MSG_ROUTES,
    doc:
      "Like subst_uri, on the user part of the Request-URI (an empty text when it has none); an empty result " +
      "removes the user part: `subst_user('/(.*)3642$/\\13642-ext/')`.",
    returns: "1 (true) when the user was changed, -1 (false) when nothing matched or the R-URI cannot be parsed.",
    fixup: substFixup("subst_user"),
    run: (ctx, [text], fixed: SubstExpr | undefined) => {
      if (!ctx.msg.isRequest) return -1;
      const se = exprOf("subst_user", text, fixed);
      if (typeof se === "string") return warn(se);
      const u = currentUri(ctx);
      if (u === undefined) return warn(`subst_user(): the R-URI "${ctx.msg.currentRuri()}" cannot be parsed`);
      const cur = ctx.msg.currentRuri();
      const out = applySubst(se, u.user ?? "", () => cur);
      if (out === undefined) return -1;
      return setRuri(ctx, "subst_user", formatUri({ ...u, user: out === "" ? undefined : out, password: out === "" ? undefined : u.password }));
    },
  }),
  fn({
    name: "subst_body",
    params: [substParam] as const,
    routes: "any",
    doc:
      "Apply a sed-like substitution (as subst_uri) to the body: `subst_body('/^o=(.*) /o=$fU /')`. Content-Length " +
      "is rewritten. Several body changes in one route build on each other.",
    returns: "1 (true) when the body was changed, -1 (false) when nothing matched.",
    fixup: substFixup("subst_body"),
    run: (ctx, [text], fixed: SubstExpr | undefined) => {
      const se = exprOf("subst_body", text, fixed);
      if (typeof se === "string") return warn(se);
      const uri = ctx.msg.isRequest ? ctx.msg.currentRuri() : undefined;
      const out = applySubst(se, bodyBytes(ctx.msg), () => uri, true);
      if (out === undefined) return -1;
      setBodyBytes(ctx.msg, out);
      return 1;
    },
  }),
  fn({
    name: "replace_body",
    params: [{ name: "re", kind: "string", doc: "POSIX extended regular expression (case ignored, per line)." }, txtParam] as const,
    routes: "any",
    doc: 'Replace the first match of the expression in the body with `txt` (`replace_body("server", "SIP proxy")`).',
    returns: "1 (true) when replaced, -1 (false) when nothing matched.",
    fixup: regexFixup("replace_body", 0, BODY_RE),
    run: (ctx, [, txt], re: RegExp) => replaceInBody(ctx, re, txt, false),
  }),
  fn({
    name: "replace_body_all",
    params: [{ name: "re", kind: "string", doc: "POSIX extended regular expression (case ignored, per line)." }, txtParam] as const,
    routes: "any",
    doc: "Replace every match of the expression in the body with `txt`; `.`, `^` and `$` work line by line.",
    returns: "1 (true) when replaced, -1 (false) when nothing matched.",
    fixup: regexFixup("replace_body_all", 0, BODY_RE),
    run: (ctx, [, txt], re: RegExp) => replaceInBody(ctx, re, txt, true),
  }),
  fn({
    name: "replace_body_atonce",
    params: [{ name: "re", kind: "string", doc: "POSIX extended regular expression (case ignored, over the whole body)." }, txtParam] as const,
    routes: "any",
    doc:
      'Replace every match of the expression in the body with `txt`, matching over the whole body at once (`.` also ' +
      'matches line ends): `replace_body_atonce("^.+$", "")` empties the body.',
    returns: "1 (true) when replaced, -1 (false) when nothing matched.",
    fixup: regexFixup("replace_body_atonce", 0, { icase: true, newline: false, bytes: true }),
    run: (ctx, [, txt], re: RegExp) => replaceInBody(ctx, re, txt, true),
  }),
  fn({
    name: "search_append_body",
    params: [{ name: "re", kind: "string", doc: "POSIX extended regular expression (case ignored, per line)." }, { name: "txt", kind: "string", doc: "Text to insert." }] as const,
    routes: "any",
    doc: "Insert `txt` right after the first match of the expression in the body.",
    returns: "1 (true) when inserted, -1 (false) when nothing matched.",
    fixup: regexFixup("search_append_body", 0, BODY_RE),
    run: (ctx, [, txt], re: RegExp) => {
      const body = bodyBytes(ctx.msg);
      const m = re.exec(body);
      if (m === null) return -1;
      const at = m.index + m[0].length;
      setBodyBytes(ctx.msg, body.slice(0, at) + asBytes(txt) + body.slice(at));
      return 1;
    },
  }),
  fn({
    name: "set_body",
    params: [
      { name: "txt", kind: "string-pv", doc: "The new body; may contain pseudo-variables." },
      { name: "content_type", kind: "string-pv", doc: "Value of the Content-Type header; may contain pseudo-variables." },
    ] as const,
    routes: MSG_ROUTES,
    doc:
      "Replace the body of the message and its Content-Type (`set_body(\"hello\", \"text/plain\")`); Content-Length is " +
      "rewritten.",
    returns: "1 (true), or -1 (false) when the text or the content type is empty or the content type is not one line.",
    run: (ctx, [txt, ct]) => {
      if (txt.length === 0) return warn("set_body(): the body text is empty");
      if (ct.trim().length === 0) return warn("set_body(): the content type is empty");
      try {
        ctx.msg.setBody(Buffer.from(txt, "utf8"), ct.trim());
        return 1;
      } catch (e) {
        return warn(`set_body(): ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  }),
];
