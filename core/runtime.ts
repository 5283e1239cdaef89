/** Which JavaScript runtime runs this process. The only place that looks at Bun/Deno globals. */
export type RuntimeName = "bun" | "deno" | "node";

interface RuntimeGlobals {
  readonly Bun?: { readonly version: string };
  readonly Deno?: { readonly version: { readonly deno: string } };
}

const g = globalThis as unknown as RuntimeGlobals;

export const runtime: RuntimeName = g.Bun !== undefined ? "bun" : g.Deno !== undefined ? "deno" : "node";

export const runtimeVersion: string =
  g.Bun !== undefined ? g.Bun.version : g.Deno !== undefined ? g.Deno.version.deno : process.versions.node;
