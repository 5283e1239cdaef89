import { dependencyName, type AnyModule } from "./define-module.ts";
import { defaultParams, paramInfo } from "./param-info.ts";
import { routeSetLabel } from "./route-kind.ts";

/**
 * A module's README, generated from its declaration so the two cannot drift. Sections follow
 * Kamailio's module documents: Overview, Dependencies, Parameters, Functions, then what sipmod adds
 * (pseudo-variables, route blocks, process groups, RPC, differences from Kamailio).
 * `sipmod docs` writes modules/<name>/README.md; a test checks every README equals this output.
 */
export const renderReadme = (m: AnyModule): string => {
  const out: string[] = [];
  let section = 0;
  /** A numbered section heading; returns its number for the sub-headings. */
  const h = (title: string): number => {
    section++;
    out.push("", `## ${section}. ${title}`, "");
    return section;
  };
  out.push(`# ${m.name} module`, "", `Version ${m.version}, for sipmod core ${m.core}.x.`);
  out.push("", "<!-- Generated from the module's declaration by `sipmod docs`. Do not edit by hand. -->");

  h("Overview");
  out.push(m.doc.overview);

  const dep = h("Dependencies");
  out.push(`### ${dep}.1. sipmod modules`, "");
  const deps = (m.requires ?? []).map(dependencyName);
  out.push(
    deps.length === 0
      ? "The following modules must be loaded before this module:\n\n- None."
      : `The following modules must be loaded before this module:\n\n${deps.map((d) => `- ${d}`).join("\n")}`,
  );
  if (m.after !== undefined && m.after.length > 0) {
    out.push("", `Initialised after these modules when they are enabled: ${m.after.join(", ")}.`);
  }
  out.push("", `### ${dep}.2. External libraries or applications`, "", "- None.");

  const par = h("Parameters");
  const params = paramInfo(m);
  if (params.length === 0) out.push("This module has no parameters.");
  params.forEach((p, i) => {
    out.push(`### ${par}.${i + 1}. ${p.name} (${p.type})`, "", p.description, "");
    out.push(p.defaultValue === undefined ? "This parameter is required." : `Default value is ${p.defaultValue}.`);
    const example = m.doc.params?.[p.name]?.example;
    if (example !== undefined) {
      out.push("", "```", `modparam("${m.name}", "${p.name}", ${example})`, "```");
      out.push("", "or in plugins.json:", "", "```json");
      out.push(`{ "module": "${m.name}", "params": { "${p.name}": ${example} } }`, "```");
    }
    out.push("");
  });

  const fsec = h("Functions");
  const fns = m.functions ?? [];
  if (fns.length === 0) out.push("This module exports no config functions.");
  fns.forEach((f, i) => {
    const sig = f.params.map((a) => a.name).join(", ");
    out.push(`### ${fsec}.${i + 1}. ${f.name}(${sig})`, "", f.doc, "");
    for (const a of f.params) {
      const kind = {
        string: "a static string",
        int: "a static integer",
        "string-pv": "a string that may contain pseudo-variables",
        "int-pv": "a static integer or a pseudo-variable holding an integer",
      }[a.kind];
      out.push(`- \`${a.name}\`: ${kind}.${a.doc !== undefined ? ` ${a.doc}` : ""}`);
    }
    if (f.params.length > 0) out.push("");
    if (f.returns !== undefined) out.push(f.returns, "");
    if (f.successNeedsDrop !== undefined)
      out.push(`When it succeeds, end the route with \`drop\` (${f.successNeedsDrop}); \`sipmod check\` warns about success paths without one.`, "");
    out.push(`This function can be used from ${routeSetLabel(f.routes)}.`, "");
    if (f.example !== undefined) out.push(`Example: ${f.name} usage`, "", "```", "...", f.example, "...", "```", "");
    if (f.events !== undefined && f.events.length > 0)
      out.push(
        `It works only in ${f.events.map((e) => `\`event_route[${e}]\``).join(" or ")}: Kamailio 5.6 accepts it in the other blocks above at load, and so does sipmod, but \`sipmod check\` warns about such a call.`,
        "",
      );
  });

  const pvs = m.pvs ?? [];
  if (pvs.length > 0) {
    h("Pseudo-variables");
    for (const p of pvs) {
      const form = p.inner === "none" ? `$${p.name}` : p.inner === "required" ? `$${p.name}(name)` : `$${p.name}[(name)]`;
      out.push(`- \`${form}\`${p.set !== undefined ? " (writable)" : ""}: ${p.doc}`);
    }
  }

  const blocks = m.blocks ?? [];
  const events = m.events ?? [];
  if (blocks.length > 0 || events.length > 0) {
    h("Route blocks");
    for (const b of blocks) out.push(`- \`${b.keyword}${b.named ? "[NAME]" : ""}\`: ${b.kind.toUpperCase()}_ROUTE.`);
    for (const e of events) out.push(`- \`event_route[${e}]\``);
  }

  const groups = m.groups;
  if (groups !== undefined) {
    h("Process groups");
    out.push("This module starts worker threads (like Kamailio's extra processes), depending on its parameters.");
    const defaults = defaultParams(m);
    if (defaults !== undefined) {
      const list = groups(defaults as never);
      out.push(
        "",
        list.length === 0
          ? "With the default parameters it starts none."
          : `With the default parameters: ${list.map((g) => `group \`${g.name}\` of ${g.size} worker${g.size === 1 ? "" : "s"}`).join(", ")}.`,
      );
    }
  }

  const rpc = m.rpc ?? [];
  if (rpc.length > 0) {
    h("RPC commands");
    for (const r of rpc) out.push(`- \`${r.name}${r.params ? `(${r.params.join(", ")})` : ""}\`: ${r.doc}`);
  }

  const diffs = m.doc.differences ?? [];
  if (diffs.length > 0) {
    h("Differences from Kamailio 5.6");
    for (const d of diffs) out.push(`- ${d}`);
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
};
