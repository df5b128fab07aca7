import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// A minimal namespace lab for kernel tests, following the lab rules in linux.md: everything lives
// in namespaces named uniquely per run, nothing touches the root namespace, and close() removes
// it all, also after a failure.

/** Runs a command with an argument array (never a shell) and returns its stdout. */
export function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export class Lab {
  readonly tag = `o6t${process.pid % 10000}${randomBytes(2).toString("hex")}`;
  readonly dir = mkdtempSync(join(tmpdir(), "own6-lab-"));
  readonly #namespaces: string[] = [];
  readonly #children: ChildProcess[] = [];

  /** Creates a namespace named after the lab's tag and returns its name. */
  netns(suffix: string): string {
    const name = `${this.tag}-${suffix}`;
    run("ip", ["netns", "add", name]);
    this.#namespaces.push(name);
    run("ip", ["-n", name, "link", "set", "lo", "up"]);
    return name;
  }

  /** Sets sysctls inside `ns` (never in the root namespace). */
  sysctl(ns: string, settings: Record<string, string | number>): void {
    for (const [key, value] of Object.entries(settings)) {
      run("ip", ["netns", "exec", ns, "sysctl", "-q", "-w", `${key}=${value}`]);
    }
  }

  /** A veth pair from `a` (named `aName`) to `b` (named `bName`), both up. */
  veth(a: string, aName: string, b: string, bName: string): void {
    run("ip", ["-n", a, "link", "add", aName, "type", "veth", "peer", "name", bName, "netns", b]);
  }

  up(ns: string, ifname: string): void {
    run("ip", ["-n", ns, "link", "set", ifname, "up"]);
  }

  /** Runs `ip -n ns ...args`. */
  run(ns: string, args: string[]): string {
    return run("ip", ["-n", ns, ...args]);
  }

  /** Starts radvd in `ns` with `config` in the foreground; close() stops it. */
  radvd(ns: string, config: string): void {
    const conf = join(this.dir, `radvd-${ns}.conf`);
    writeFileSync(conf, config);
    const args = ["netns", "exec", ns, "radvd", "-n", "-C", conf, "-p", join(this.dir, `radvd-${ns}.pid`)];
    const child = spawn("ip", [...args, "-m", "logfile", "-l", join(this.dir, `radvd-${ns}.log`)], { stdio: "ignore" });
    this.#children.push(child);
  }

  /** The IPv6 addresses on `ifname` in `ns`, as iproute2 reports them. */
  addresses(ns: string, ifname: string): { local: string; scope: string; tentative?: boolean; dadfailed?: boolean }[] {
    const json = JSON.parse(run("ip", ["-n", ns, "-j", "-6", "addr", "show", "dev", ifname]));
    return json.flatMap((link: { addr_info?: object[] }) => link.addr_info ?? []);
  }

  close(): void {
    for (const child of this.#children) child.kill("SIGTERM");
    for (const ns of this.#namespaces.reverse()) {
      try {
        run("ip", ["netns", "del", ns]);
      } catch {
        // Already gone; keep removing the rest.
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Waits until `check` returns a value other than undefined, polling every `everyMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
