// Runs test/worker.ts as separate processes (simulated hosts) and collects what they print.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { killed } from "./cluster.js";
import type { Job } from "./worker.js";

/** A running worker: its lines so far, and a promise of all of them once it exits. */
export interface Host {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
  /** Resolves once the worker has printed a line that `match` accepts. */
  printed(match: (line: Record<string, unknown>) => boolean): Promise<void>;
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Starts a worker on `job`. */
export function startHost(job: Job): Host {
  const child = spawn(
    process.execPath,
    ["--conditions=@own6/source", "--import", "tsx", join(import.meta.dirname, "worker.ts"), JSON.stringify(job)],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  running.add(child);
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let partial = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const complete = text.split("\n");
    partial = complete.pop() ?? "";
    for (const line of complete) lines.push(JSON.parse(line) as Record<string, unknown>);
    for (const wake of waiters) wake();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      running.delete(child);
      for (const wake of waiters) wake();
      if (code !== 0 && code !== null) console.error(`worker exited ${code}: ${stderr}`);
      resolve(code);
    }),
  );
  const printed = (match: (line: Record<string, unknown>) => boolean) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (lines.some(match)) {
          waiters.delete(check);
          resolve();
        } else if (child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(check);
          reject(new Error(`worker exited before printing what was awaited: ${stderr}`));
        }
      };
      waiters.add(check);
      check();
    });
  return { child, lines, exited, printed, kill: () => killed(child) };
}

/** Kills every worker still running (for afterAll). */
export async function killAllHosts(): Promise<void> {
  await Promise.all([...running].map((child) => killed(child)));
}
