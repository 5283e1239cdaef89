/** Where the transport reports what it did (buffer sizes granted) and what went wrong (send errors). */
export type TransportLog = (level: "info" | "warn" | "error", message: string) => void;

/** Default: one line on stderr per event. */
export const stderrLog: TransportLog = (level, message) => {
  process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} transport: ${message}\n`);
};
