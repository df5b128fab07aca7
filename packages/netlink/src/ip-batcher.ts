import { errnoOf, NetlinkError } from "./errors.js";
import { batchLine, ipCommand, run } from "./ip.js";

interface Request {
  readonly lines: readonly string[];
  readonly operation: string;
  readonly done: (error?: NetlinkError) => void;
}

/**
 * Runs the `ip` commands of many callers in one namespace through shared `ip -6 -force -batch -`
 * processes: requests that arrive while one process runs go together into the next. Starting a
 * process costs a few milliseconds of the caller's own CPU, so a host attaching hundreds of
 * containers at once pays for a handful instead of one each. `-force` keeps a failing line
 * from stopping the others, and iproute2 names the line of each failure, so every caller learns
 * of its own failures only. A request's lines all run even if one fails; they print nothing back.
 *
 * @example
 * ```ts
 * const host = new IpBatcher("host");
 * await Promise.all(containers.map((c) => host.run([["netns", "set", c, "auto"]], `give ${c} an id`)));
 * ```
 */
export class IpBatcher {
  readonly #ns: string | undefined;
  #queue: Request[] = [];
  #running = false;

  constructor(ns: string | undefined) {
    this.#ns = ns;
  }

  /**
   * Runs `commands` (argument arrays, joined as for {@link ipBatch}) in the next shared process;
   * rejects with the first of them that failed.
   *
   * @example
   * ```ts
   * await host.run([["link", "add", "eth0", "link", "uplink0", "netns", "c1", "type", "macvlan"]], "create eth0 in c1");
   * ```
   */
  run(commands: readonly (readonly string[])[], operation: string): Promise<void> {
    const lines = commands.map((c) => batchLine(c, operation));
    return new Promise((resolve, reject) => {
      this.#queue.push({ lines, operation, done: (error) => (error ? reject(error) : resolve()) });
      if (!this.#running) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#running = true;
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      await this.#runBatch(batch);
    }
    this.#running = false;
  }

  async #runBatch(batch: readonly Request[]): Promise<void> {
    const input = `${batch.flatMap((r) => r.lines).join("\n")}\n`;
    const [program, argv] = ipCommand(this.#ns, ["-6", "-force", "-batch", "-"]);
    const { stderr, error } = await run(program, argv, input);
    const failures = failedLines(stderr);
    let first = 1;
    for (const request of batch) {
      const last = first + request.lines.length - 1;
      const failure = [...failures].find(([line]) => line >= first && line <= last)?.[1];
      if (failure !== undefined) request.done(new NetlinkError(request.operation, errnoOf(failure), failure));
      else if (error && failures.size === 0)
        request.done(new NetlinkError(request.operation, "EUNKNOWN", stderr.trim() || error.message));
      else request.done();
      first = last + 1;
    }
  }
}

/**
 * The message of each failed line, by line number: iproute2 prints a failure's message (and
 * what a program run by `netns exec` printed), then `Command failed -:N`.
 */
function failedLines(stderr: string): Map<number, string> {
  const failed = new Map<number, string>();
  let message: string[] = [];
  for (const line of stderr.split("\n")) {
    const m = /^Command failed -:(\d+)$/.exec(line.trim());
    if (m) {
      failed.set(Number(m[1]), message.join("; "));
      message = [];
    } else if (line.trim()) {
      message.push(line.trim());
    }
  }
  return failed;
}
