import { Effect } from "effect";
import type { SipmodErrors } from "../errors.ts";
import type { LoadedManifest } from "../manifest/loaded-manifest.ts";
import { findMissingDrops } from "../script/drop-check.ts";
import { bindConfig } from "./bind-config.ts";
import { loadServerConfig } from "./load-config.ts";

export interface CheckResult {
  readonly loaded: LoadedManifest;
  /** Warnings that do not stop a start (ignored Kamailio params ...). */
  readonly warnings: readonly string[];
}

/**
 * Everything `run` validates, without opening a socket or starting a thread (like `kamailio -c`,
 * but also what Kamailio only finds when it starts: fixups of static parameters, unknown
 * parameters, invalid groups). Fails with every error found.
 */
export const checkConfig = (file: string, config?: string): Effect.Effect<CheckResult, SipmodErrors> =>
  Effect.gen(function* () {
    const { loaded, cfg, script } = yield* loadServerConfig(file, config);
    yield* bindConfig(loaded, cfg, script);
    const warnings = loaded.ignored.map(
      (p) => `${p.pos.file}:${p.pos.line ?? 0}: ${p.name} is accepted for compatibility and has no effect here (${p.reason})`,
    );
    if (cfg !== undefined) {
      const needDrop = new Map<string, string>();
      for (const [name, regs] of loaded.registry.functions) {
        const why = regs.find((r) => r.fn.successNeedsDrop !== undefined)?.fn.successNeedsDrop;
        if (why !== undefined) needDrop.set(name, why);
      }
      for (const m of findMissingDrops(cfg, new Set(needDrop.keys()))) {
        warnings.push(
          `${m.pos.file}:${m.pos.line}:${m.pos.column}: ${m.fn}() in ${m.block} can succeed without a drop after it: ${needDrop.get(m.fn)}; ` +
            `end its success path with drop;`,
        );
      }
    }
    return { loaded, warnings };
  });
