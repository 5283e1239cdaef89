import type { TableBehaviour } from "./shared-table.ts";

/**
 * A table definition as Kamailio writes it:
 * `modparam("htable", "htable", "name=>size=8;autoexpire=600;initval=0;updateexpire=1")`.
 * Attributes are `key=value` separated by `;` (a trailing `;` is fine). Kamailio's database and
 * replication attributes are refused with the reason, since sipmod has neither.
 */
export interface TableSpec extends TableBehaviour {
  /** Kamailio's `size`: 2^size buckets. Only checked and shown; memory is set by `table_memory`. */
  readonly size: number | undefined;
}

/** Names that fit inside `$sht(name=>key)` and an RPC call. */
const NAME = /^[A-Za-z0-9_.:-]+$/;
const INT = /^[+-]?[0-9]+$/;

const KNOWN = "size, autoexpire, initval, updateexpire";

export const parseTableSpec = (text: string): TableSpec | { readonly error: string } => {
  const fail = (why: string) => ({ error: `htable definition "${text}": ${why}` });
  const arrow = text.indexOf("=>");
  if (arrow < 0) return fail('write "name=>size=8;autoexpire=0" (the table name, "=>", then attributes)');
  const name = text.slice(0, arrow).trim();
  if (!NAME.test(name)) return fail(`"${name}" is not a table name: use letters, digits and _ . : -`);
  let size: number | undefined;
  let autoexpire = 0;
  let initval: number | undefined;
  let updateexpire = true;
  const seen = new Set<string>();
  for (const part of text.slice(arrow + 2).split(";")) {
    const p = part.trim();
    if (p === "") continue;
    const eq = p.indexOf("=");
    if (eq <= 0) return fail(`"${p}" is not key=value`);
    const key = p.slice(0, eq).trim().toLowerCase();
    const value = p.slice(eq + 1).trim();
    if (seen.has(key)) return fail(`"${key}" is given twice`);
    seen.add(key);
    const int = (min: number, what: string): number | { readonly error: string } => {
      if (!INT.test(value)) return fail(`${key}=${value}: ${what} must be an integer`);
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < min || n > 0x7fffffff) return fail(`${key}=${value}: ${what} must be from ${min} to 2147483647`);
      return n;
    };
    switch (key) {
      case "size": {
        const n = int(0, "the size (2^size buckets)");
        if (typeof n !== "number") return n;
        if (n > 31) return fail(`size=${value}: the size is a power of two exponent, at most 31`);
        size = n;
        break;
      }
      case "autoexpire": {
        const n = int(0, "autoexpire (seconds)");
        if (typeof n !== "number") return n;
        autoexpire = n;
        break;
      }
      case "initval": {
        if (!INT.test(value)) return fail(`initval=${value}: the initial value must be an integer`);
        const n = Number(value);
        if (n < -0x80000000 || n > 0x7fffffff) return fail(`initval=${value}: the initial value must fit in 32 bits`);
        initval = n;
        break;
      }
      case "updateexpire":
        if (value !== "0" && value !== "1") return fail(`updateexpire=${value}: write 1 (an update restarts the expiry time) or 0`);
        updateexpire = value === "1";
        break;
      case "dbtable":
        if (value !== "") return fail(`loading a table from a database (dbtable=${value}) is not supported: remove dbtable and fill the table from the config or with the htable.sets/htable.seti RPC commands`);
        break;
      case "cols":
      case "dbmode":
        if (key === "dbmode" && value === "0") break;
        return fail(`${key}=${value}: database backends are not supported: remove the attribute`);
      case "dmqreplicate":
        if (value === "0") break;
        return fail(`dmqreplicate=${value}: replication between servers (dmq) is not supported: remove the attribute`);
      default:
        return fail(`unknown attribute "${key}" (known: ${KNOWN})`);
    }
  }
  return { name, size, autoexpire, initval, updateexpire };
};

/** Parse every definition; the first problem (a bad one, a name given twice) as an error. */
export const parseTableSpecs = (texts: readonly string[]): readonly TableSpec[] | { readonly error: string } => {
  const out: TableSpec[] = [];
  for (const t of texts) {
    const s = parseTableSpec(t);
    if ("error" in s) return s;
    if (out.some((o) => o.name === s.name)) return { error: `htable definition "${t}": a table named "${s.name}" is already defined` };
    out.push(s);
  }
  return out;
};
