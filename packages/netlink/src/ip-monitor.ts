import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { ipCommand } from "./ip.js";

/**
 * One long-running `ip monitor ...` in a namespace, its lines parsed into events for whoever
 * subscribes. The address and prefix monitors are this with their own arguments and parser.
 *
 * @example
 * ```ts
 * const monitor = new IpMonitor("host", ["monitor", "link"], (line) => line);
 * const stop = monitor.subscribe((line) => console.log(line));
 * ```
 */
export class IpMonitor<E> {
  readonly #child: ChildProcess;
  readonly #listeners = new Set<(event: E) => void>();

  constructor(ns: string | undefined, args: readonly string[], parse: (line: string) => E | undefined) {
    const [program, argv] = ipCommand(ns, args);
    this.#child = spawn(program, argv, { stdio: ["ignore", "pipe", "ignore"] });
    this.#child.on("error", () => this.#listeners.clear());
    createInterface({ input: this.#child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const event = parse(line);
      if (event !== undefined) for (const listener of this.#listeners) listener(event);
    });
  }

  /**
   * Calls `listener` for every event until the returned function is called.
   *
   * @example
   * ```ts
   * const stop = monitor.subscribe(onEvent);
   * ```
   */
  subscribe(listener: (event: E) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Stops the monitor process.
   *
   * @example
   * ```ts
   * monitor.close();
   * ```
   */
  close(): void {
    this.#listeners.clear();
    this.#child.kill("SIGTERM");
  }
}
