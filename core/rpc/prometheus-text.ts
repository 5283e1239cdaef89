/**
 * Prometheus text exposition format, version 0.0.4: one `# HELP` and one `# TYPE` line per
 * metric family, then its samples `name{label="value"} number`, families not interleaved.
 */

export type MetricType = "counter" | "gauge" | "untyped";

export interface MetricSample {
  readonly labels?: { readonly [name: string]: string };
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly MetricSample[];
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A valid metric-name fragment from any text: other characters become "_". */
export const metricNamePart = (s: string): string => s.replace(/[^a-zA-Z0-9_]/g, "_");

/** HELP text: backslash and line feed escaped. */
export const escapeHelp = (s: string): string => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

/** Label value: backslash, double quote and line feed escaped. */
export const escapeLabelValue = (s: string): string => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export const formatValue = (v: number): string =>
  Number.isNaN(v) ? "NaN" : v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : String(v);

const formatLabels = (labels: { readonly [name: string]: string } | undefined): string => {
  if (labels === undefined) return "";
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_NAME.test(k) || k.startsWith("__")) throw new Error(`invalid Prometheus label name "${k}"`);
    parts.push(`${k}="${escapeLabelValue(v)}"`);
  }
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
};

/**
 * Render the families. A family name may appear once; an invalid metric or label name is a
 * programming error and throws (names are built by the server, not typed by users).
 */
export const renderPrometheus = (families: readonly MetricFamily[]): string => {
  const seen = new Set<string>();
  let out = "";
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new Error(`invalid Prometheus metric name "${f.name}"`);
    if (seen.has(f.name)) throw new Error(`metric family "${f.name}" rendered twice`);
    seen.add(f.name);
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) out += `${f.name}${formatLabels(s.labels)} ${formatValue(s.value)}\n`;
  }
  return out;
};
