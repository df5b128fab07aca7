import { readSync } from "node:fs";
import { isatty } from "node:tty";
import type { PluginIo } from "./run.js";

/**
 * All of stdin, read synchronously (a plugin needs its whole configuration before it can do
 * anything). A closed or missing stdin reads as empty, and so does a terminal (someone running
 * `CNI_COMMAND=VERSION own6-ipam` by hand); a non-blocking pipe is waited on.
 *
 * @example
 * ```ts
 * const stdin = readStdinSync();
 * ```
 */
export function readStdinSync(): string {
  if (isatty(0)) return "";
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buffer, 0, buffer.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === "EOF" || code === "EBADF") break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The real process's environment and streams.
 *
 * @example
 * ```ts
 * process.exitCode = await main(processIo());
 * ```
 */
export function processIo(): PluginIo {
  return { env: process.env, readStdin: readStdinSync, stdout: process.stdout, stderr: process.stderr };
}
