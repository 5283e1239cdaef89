import type { RunningServer } from "../../core/server/start-server.ts";
import { tempDir, writeManifest } from "../fixtures/manifest/helpers.ts";
import { withServer, type LogLines } from "./with-server.ts";

/** Run `body` with a server on a cfg text (written to a temporary file) on udp 127.0.0.1:0. */
export const withCfg = async <A>(
  cfg: string,
  body: (s: RunningServer, logs: LogLines, port: number) => Promise<A>,
  listen: readonly string[] = ["udp:127.0.0.1:0"],
): Promise<A> => {
  const tmp = tempDir();
  const file = writeManifest(tmp.dir, cfg, "test.cfg");
  try {
    return await withServer({ file, listen }, (s, logs) => body(s, logs, s.listeners.find((l) => l.proto === "udp")!.port));
  } finally {
    tmp.cleanup();
  }
};

/** A reply to a request text, as a UAS would write it (Vias copied, To tag added). */
export const replyTo = (req: string, code: number, reason: string, toTag = "uas1", extra: readonly string[] = []): string => {
  const lines = req.split("\r\n");
  const pick = (re: RegExp) => lines.filter((l) => re.test(l));
  const to = pick(/^(To|t):/i)[0]!;
  const out = [
    `SIP/2.0 ${code} ${reason}`,
    ...pick(/^(Via|v):/i),
    ...pick(/^(From|f):/i),
    code > 100 && !/;tag=/.test(to) ? `${to};tag=${toTag}` : to,
    ...pick(/^(Call-ID|i):/i),
    ...pick(/^CSeq:/i),
    ...extra,
    "Content-Length: 0",
  ];
  return `${out.join("\r\n")}\r\n\r\n`;
};
