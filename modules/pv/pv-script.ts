import { pv, type AnyPvSpec } from "../../core/module/define-module.ts";
import type { ScriptValue } from "../../core/module/values.ts";
import { varSlot } from "../../core/module/script-stores.ts";
import { parseAvpName, type AvpName } from "./avp-name.ts";
import { shvStore } from "./shv-store.ts";
import { parseXavpName, type XavpName } from "./xavp-name.ts";

/** Script variables: $var (per process), $avp and $xavp (per message), $shv (shared), $rc, $null. */

const setAvp = (ctx: Parameters<NonNullable<AnyPvSpec["set"]>>[0], n: AvpName, v: ScriptValue): void => {
  const avps = ctx.avps;
  if (v === null) {
    avps.remove(n.name, n.index ?? 0);
    return;
  }
  if (n.index === undefined) avps.push(n.name, v);
  else if (n.index === "all") {
    avps.remove(n.name, "all");
    avps.push(n.name, v);
  } else if (!avps.replace(n.name, n.index, v)) throw new Error(`$(avp(${n.name})[${n.index}]) does not exist`);
};

const getXavp = (ctx: Parameters<AnyPvSpec["get"]>[0], n: XavpName): ScriptValue => {
  const x = ctx.xavps;
  const ri = n.rootIndex === "all" ? 0 : (n.rootIndex ?? 0);
  if (n.field === undefined) return x.getRoot(n.root, ri);
  const fi = n.fieldIndex === "all" ? 0 : (n.fieldIndex ?? 0);
  return x.getField(n.root, ri, n.field, fi);
};

const setXavp = (ctx: Parameters<NonNullable<AnyPvSpec["set"]>>[0], n: XavpName, v: ScriptValue): void => {
  const x = ctx.xavps;
  if (v === null) {
    if (n.field === undefined) x.removeRoot(n.root, n.rootIndex ?? 0);
    else x.removeField(n.root, n.rootIndex === "all" ? 0 : (n.rootIndex ?? 0), n.field, n.fieldIndex ?? 0);
    return;
  }
  if (n.field === undefined) {
    if (n.rootIndex === undefined) x.addRoot(n.root, v);
    else throw new Error(`$xavp(${n.root}[${String(n.rootIndex)}]): a value can only be added as a new item`);
    return;
  }
  if (n.rootIndex === undefined) {
    x.addItemWithField(n.root, n.field, v);
    return;
  }
  const ri = n.rootIndex === "all" ? 0 : n.rootIndex;
  if (n.fieldIndex !== undefined && n.fieldIndex !== "all") {
    x.removeField(n.root, ri, n.field, n.fieldIndex);
  }
  if (!x.addField(n.root, ri, n.field, v)) throw new Error(`$xavp(${n.root}[${ri}]) does not exist`);
};

const rc = (name: string): AnyPvSpec =>
  pv<undefined>({
    name,
    inner: "none",
    doc: "Return code of the last function or route called.",
    get: (ctx) => ctx.rc,
  });

export const scriptPvs: readonly AnyPvSpec[] = [
  pv<number>({
    name: "var",
    inner: "required",
    doc: "Script variable private to the process, kept across messages; int 0 until set, never undefined.",
    parse: (inner) => ((inner ?? "").trim() === "" ? { error: "$var needs a name" } : varSlot((inner ?? "").trim())),
    get: (ctx, slot) => ctx.vars.getAt(slot),
    set: (ctx, slot, v) => ctx.vars.setAt(slot, v),
  }),
  pv<AvpName>({
    name: "avp",
    inner: "required",
    doc:
      "Attribute-value pair of the message (of the transaction once tm has one): a stack per name. Assigning adds a " +
      "value on top, $null removes the top one ($(avp(x)[*]) = $null removes all); $(avp(x)[n]) reads the n-th from the top.",
    parse: parseAvpName,
    get: (ctx, n) => ctx.avps.get(n.name, n.index ?? 0),
    set: setAvp,
  }),
  pv<XavpName>({
    name: "xavp",
    inner: "required",
    doc:
      "Extended AVP: a list of items per root name, each with fields. $xavp(r=>f) = v adds a new item with field f; " +
      "$xavp(r[0]=>f) = v adds field f to the first item; $xavp(r=>f) reads field f of the first item.",
    parse: parseXavpName,
    get: getXavp,
    set: setXavp,
  }),
  pv<string>({
    name: "shv",
    inner: "required",
    doc: "Shared variable, one value for the whole server (int 0 until set; initial values with the shvset parameter).",
    parse: (inner) => ((inner ?? "").trim() === "" ? { error: "$shv needs a name" } : (inner ?? "").trim()),
    get: (_ctx, name) => shvStore().get(name),
    set: (_ctx, name, v) => shvStore().set(name, v),
  }),
  rc("rc"),
  rc("retcode"),
  rc("?"),
  pv<undefined>({ name: "null", inner: "none", doc: "Always undefined; assigning it removes or resets a variable.", get: () => null }),
];
