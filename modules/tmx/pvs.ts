import { pv, type AnyPvSpec } from "../../core/module/define-module.ts";
import type { CallContext } from "../../core/module/call-context.ts";
import type { ScriptValue } from "../../core/module/values.ts";
import { Tm } from "../tm/api.ts";
import { T_BRANCH_SLOT } from "../tm/tm-core.ts";
import type { Transaction } from "../tm/transaction.ts";

const TM_TERRIBLY = "I'm terribly sorry, server error occurred (1/TM)";

/** The code and reason $T_reply_code/$T_reply_reason show, by route kind (as tmx does). */
const replyOf = (ctx: CallContext, t: Transaction | undefined): { readonly code: number; readonly reason: string } | undefined => {
  const msg = ctx.msg;
  if (ctx.route === "onreply" || ctx.route === "core_onreply") return msg.isRequest ? undefined : { code: msg.status, reason: msg.reason };
  if (t === undefined) return undefined;
  if (ctx.route === "failure" || ctx.route === "branch_failure") {
    const b = t.picked >= 0 ? t.branches[t.picked] : undefined;
    if (b === undefined) return { code: 0, reason: "" };
    return { code: b.lastReceived, reason: b.reply?.reason ?? b.fakedReason ?? TM_TERRIBLY };
  }
  return { code: t.uasStatus, reason: t.uasReason };
};

const T_NAME_LIST = [
  "id_index",
  "id_label",
  "id_index_n",
  "id_label_n",
  "reply_code",
  "reply_reason",
  "reply_type",
  "branch_index",
  "flags",
  "uri",
] as const;
type TName = (typeof T_NAME_LIST)[number];
const T_NAMES: ReadonlySet<string> = new Set(T_NAME_LIST);

const transaction = (ctx: CallContext, create: boolean): Transaction | undefined => {
  const tm = ctx.serviceIfLoaded(Tm);
  if (tm === undefined) return undefined;
  const t = tm.current(ctx);
  if (t !== undefined || !create) return t;
  if (!ctx.msg.isRequest || ctx.msg.method === "ACK" || ctx.route !== "request") return undefined;
  tm.newtran(ctx);
  return tm.current(ctx);
};

const tValue = (ctx: CallContext, name: TName): ScriptValue => {
  switch (name) {
    case "id_index":
      return transaction(ctx, false)?.index ?? null;
    case "id_label":
      return transaction(ctx, false)?.label ?? null;
    case "id_index_n":
      return transaction(ctx, true)?.index ?? null;
    case "id_label_n":
      return transaction(ctx, true)?.label ?? null;
    case "reply_code":
      return replyOf(ctx, transaction(ctx, false))?.code ?? null;
    case "reply_reason":
      return replyOf(ctx, transaction(ctx, false))?.reason ?? null;
    case "reply_type": {
      const t = transaction(ctx, false);
      if (t === undefined) return null;
      const b = t.picked >= 0 ? t.branches[t.picked] : undefined;
      return b !== undefined && b.fakedReason !== undefined ? 1 : 0;
    }
    case "branch_index":
      return branchIndex(ctx);
    case "flags":
      return transaction(ctx, false)?.flags ?? null;
    case "uri": {
      const t = transaction(ctx, false);
      return t === undefined ? null : t.ruriAtCreate;
    }
  }
};

const branchIndex = (ctx: CallContext): ScriptValue => {
  const b = ctx.get(T_BRANCH_SLOT);
  if (b !== undefined) return b;
  const t = transaction(ctx, false);
  if (t === undefined) return null;
  // In a failure route Kamailio gives the number of branches so far: the index the next one gets.
  if (ctx.route === "failure") return t.branches.length;
  if (ctx.route === "branch_failure") return t.picked >= 0 ? t.picked : null;
  return 0;
};

export const tmxPvs: readonly AnyPvSpec[] = [
  pv<TName>({
    name: "T",
    inner: "required",
    doc:
      "Transaction attributes: `id_index` and `id_label` (the identity, $null while the request has no transaction; " +
      "`id_index_n`/`id_label_n` create it), `reply_code` and `reply_reason` (as $T_reply_code), `reply_type` (1 when " +
      "the winning reply of a failure route was made by tm: a timeout, a cancel), `branch_index`, `flags`, `uri` " +
      "(the R-URI the transaction was created with).",
    parse: (inner) =>
      inner !== undefined && T_NAMES.has(inner)
        ? (inner as TName)
        : { error: `$T(${inner ?? ""}): use one of ${[...T_NAMES].join(", ")}` },
    get: (ctx, name) => tValue(ctx, name),
  }),
  pv<undefined>({
    name: "T_reply_code",
    inner: "none",
    doc:
      "Reply code: in an onreply_route the reply's; in a failure_route the winning reply's (408 for a timeout); in a " +
      "request route the last reply sent upstream (0 if none); $null without a transaction.",
    get: (ctx) => replyOf(ctx, transaction(ctx, false))?.code ?? null,
  }),
  pv<undefined>({
    name: "T_reply_reason",
    inner: "none",
    doc: "Reason phrase of the reply $T_reply_code shows.",
    get: (ctx) => replyOf(ctx, transaction(ctx, false))?.reason ?? null,
  }),
  pv<undefined>({
    name: "T_branch_idx",
    inner: "none",
    doc:
      "Index of the branch a branch_route, onreply_route or branch-failure route runs for; in a failure_route the " +
      "number of branches so far (the index the next branch gets), as in Kamailio; 0 in a request route.",
    get: (ctx) => branchIndex(ctx),
  }),
];
