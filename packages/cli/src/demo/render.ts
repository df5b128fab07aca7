import type { Io } from "../io.js";
import type { DemoResult, Progress } from "./result.js";

/**
 * A progress bar on stderr: redrawn in place on a terminal, one line per stage elsewhere (so logs
 * and CI output stay readable).
 */
export function progressBar(stderr: Io["stderr"] & { isTTY?: boolean }): Progress {
  let lastStage = "";
  return (stage, done, total) => {
    if (stderr.isTTY) {
      const width = 30;
      const filled = total > 0 ? Math.round((done / total) * width) : 0;
      const bar = `${"#".repeat(filled)}${".".repeat(width - filled)}`;
      stderr.write(`\r\x1b[K[${bar}] ${done}/${total} ${stage}`);
      if (done === total) stderr.write("\n");
    } else if (stage !== lastStage) {
      stderr.write(`${stage}...\n`);
    }
    lastStage = stage;
  };
}

/** The demo's table and its verdict, as text. */
export function renderResult(result: DemoResult, maxRows = 100): string {
  const header = ["container", "address", "algorithm", "dad-counter", "dad-ms", "client seen by the server"];
  const rows = result.rows
    .slice(0, maxRows)
    .map((r) => [
      r.name,
      r.address,
      r.algorithm,
      String(r.dadCounter),
      String(r.dadMs),
      r.clientSeen ?? (result.reachable === null ? "-" : "NOT REACHED"),
    ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  if (result.rows.length > maxRows) out.push(`... and ${result.rows.length - maxRows} more`);
  out.push("");
  out.push(`prefix ${result.prefix} (${result.mode}): ${result.unique} of ${result.containers} addresses unique`);
  out.push(`DAD moved ${result.conflicts} container(s) to the next DAD counter (a squatter held their first choice)`);
  if (result.reachable !== null) {
    out.push(`${result.reachable} of ${result.containers} reachable from ${result.client} on port 80;`);
    out.push(`${result.natFree} saw the client's own address and their own public address: no NAT`);
  }
  out.push(`${result.seconds.toFixed(1)} s`);
  return `${out.join("\n")}\n`;
}
