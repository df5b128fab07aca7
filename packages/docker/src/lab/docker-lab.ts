import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Lab } from "@own6/netlink";

/**
 * How to build a {@link DockerLab}.
 *
 * @example
 * ```ts
 * const options: DockerLabOptions = { lab, pluginArgs: ["--dad-retrans-ms", "200"] };
 * ```
 */
export interface DockerLabOptions {
  /** The namespace lab; dockerd and the plugin run in its `host` namespace. */
  readonly lab: Lab;
  /** The plugin's name; `own6` unless set (the lab's /run is private, so it cannot collide). */
  readonly pluginName?: string;
  /** More own6-docker arguments, such as `--dad-retrans-ms 200`. */
  readonly pluginArgs?: readonly string[];
}

/** The container's web server answers with the client address it saw (busybox httpd's REMOTE_ADDR). */
const CGI = `#!/bin/sh
a=\${REMOTE_ADDR#[}
a=\${a%]}
printf 'Content-Type: application/json\\r\\n\\r\\n{"client":"%s"}\\n' "$a"
`;

// The lab's mount namespace: /sys shows the lab's host namespace (dockerd needs it, and
// `ip netns exec` would drop the cgroup mounts, docker.md D), /run is private (plugin sockets,
// containerd and runc state stay in the lab), /run/netns is the host's (iproute2 names), and
// /etc/docker is the lab's (dockerd 20.10 writes key.json there).
const ANCHOR = `set -e
D=$1
mkdir -p "$D/cg" "$D/netns" "$D/etc-docker"
mount --rbind /sys/fs/cgroup "$D/cg"
mount -t sysfs sysfs /sys
mount --move "$D/cg" /sys/fs/cgroup
mount --rbind /run/netns "$D/netns"
mount -t tmpfs -o mode=755 tmpfs /run
mkdir /run/netns
mount --move "$D/netns" /run/netns
mount --bind "$D/etc-docker" /etc/docker
echo ready
exec sleep infinity
`;

/**
 * A real dockerd and the own6-docker daemon, both inside a {@link Lab}'s host namespace, for
 * the end-to-end test and the benchmark. They share one private mount namespace held by an
 * anchor process (docker.md D), so nothing they write lands on the machine: dockerd has its own
 * `--data-root`, `--exec-root` and API socket, the plugin socket sits in the lab's own /run,
 * and iptables is off. Containers run an offline busybox image (docker.md B1).
 * {@link DockerLab.close} removes containers, stops every process the lab started, by PID,
 * and deletes its directory, also after a failure.
 *
 * @example
 * ```ts
 * const docker = await DockerLab.start({ lab, pluginArgs: ["--dad-retrans-ms", "200"] });
 * try {
 *   await docker.createNetwork("n6", "routed");
 * } finally {
 *   await docker.close();
 * }
 * ```
 */
export class DockerLab {
  /** The lab's directory: data and exec roots, logs, the plugin's state. */
  readonly dir = mkdtempSync(join(tmpdir(), "own6-docker-"));
  /** The offline busybox image every container runs. */
  readonly image = "own6-busybox:latest";
  readonly pluginName: string;
  readonly #options: DockerLabOptions;
  #anchor: ChildProcess | undefined;
  #mountNs = "";
  #dockerd: ChildProcess | undefined;
  #plugin: ChildProcess | undefined;

  private constructor(options: DockerLabOptions) {
    this.#options = options;
    this.pluginName = options.pluginName ?? "own6";
  }

  /**
   * Starts the anchor, the plugin and dockerd, and imports the busybox image. Cleans up if any
   * step fails.
   *
   * @example
   * ```ts
   * const docker = await DockerLab.start({ lab });
   * ```
   */
  static async start(options: DockerLabOptions): Promise<DockerLab> {
    pluginBin();
    const docker = new DockerLab(options);
    try {
      await docker.#startAnchor();
      await docker.startPlugin();
      await docker.startDockerd();
      await docker.#importImage();
    } catch (e) {
      await docker.close();
      throw e;
    }
    return docker;
  }

  /** The anchor's PID: `nsenter -t PID -m -n` enters the lab. */
  get anchorPid(): number {
    const pid = this.#anchor?.pid;
    if (pid === undefined) throw new Error("the docker lab is not running");
    return pid;
  }

  /** The plugin's socket, reached through the anchor's view of the file system. */
  get pluginSocket(): string {
    return `/proc/${this.anchorPid}/root/run/docker/plugins/${this.pluginName}.sock`;
  }

  /**
   * Runs the docker CLI against the lab's dockerd and resolves with its stdout.
   *
   * @example
   * ```ts
   * await docker.docker(["run", "-d", "--network", "n6", docker.image, "httpd", "-f", "-p", "80", "-h", "/www"]);
   * ```
   */
  docker(args: readonly string[], timeoutMs = 120_000): Promise<string> {
    return run("docker", args, { env: this.env, timeout: timeoutMs });
  }

  /**
   * Creates an own6 network on the lab's uplink: `docker network create -d <plugin>
   * --ipam-driver <plugin> --ipv6 -o parent=<uplink> -o mode=<mode> [extra...] <name>`.
   *
   * @example
   * ```ts
   * await docker.createNetwork("o6-pinned", "routed", ["--subnet", "2001:db8:1::/64"]);
   * ```
   */
  createNetwork(name: string, mode: "macvlan" | "routed", extra: readonly string[] = []): Promise<string> {
    const plugin = this.pluginName;
    const parent = `parent=${this.#options.lab.uplink}`;
    return this.docker([
      "network",
      "create",
      "-d",
      plugin,
      "--ipam-driver",
      plugin,
      "--ipv6",
      ...extra,
      "-o",
      parent,
      "-o",
      `mode=${mode}`,
      name,
    ]);
  }

  /** The environment that points the docker CLI (and scripts using it) at the lab's dockerd. */
  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      DOCKER_HOST: `unix://${join(this.dir, "docker.sock")}`,
      DOCKER_CONFIG: join(this.dir, "cli"),
    };
  }

  /**
   * Runs a program inside the lab (its mount and network namespace).
   *
   * @example
   * ```ts
   * await docker.inLab("ip", ["-6", "neigh", "show", "proxy"]);
   * ```
   */
  inLab(program: string, args: readonly string[]): Promise<string> {
    return run("nsenter", ["-t", String(this.anchorPid), "-m", "-n", "--", program, ...args], { timeout: 60_000 });
  }

  /**
   * GETs `path` from the plugin over its socket (such as `/metrics`).
   *
   * @example
   * ```ts
   * const text = await docker.pluginGet("/metrics");
   * ```
   */
  pluginGet(path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.pluginSocket, path, method: "GET" }, (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
      req.end();
    });
  }

  /**
   * The last lines of the plugin's and dockerd's logs, for a failing test to show.
   *
   * @example
   * ```ts
   * console.error(docker.logTail(30));
   * ```
   */
  logTail(lines: number): string {
    return ["plugin.log", "dockerd.log"]
      .map((name) => `== ${name}\n${readOr(join(this.dir, name)).trimEnd().split("\n").slice(-lines).join("\n")}`)
      .join("\n");
  }

  /**
   * Starts the built own6-docker daemon in the lab and waits for its socket; `pluginArgs`
   * replaces the arguments the lab was started with.
   *
   * @example
   * ```ts
   * await docker.startPlugin(["--dad-retrans-ms", "100"]);
   * ```
   */
  async startPlugin(pluginArgs = this.#options.pluginArgs ?? []): Promise<void> {
    const bin = pluginBin();
    const args = [
      "--name",
      this.pluginName,
      "--state-dir",
      join(this.dir, "state"),
      "--log-level",
      "debug",
      ...pluginArgs,
    ];
    this.#plugin = this.#spawnInLab([process.execPath, bin, ...args], "plugin.log");
    await waitFor(() => existsSync(this.pluginSocket), this.#plugin, "own6-docker", join(this.dir, "plugin.log"));
  }

  /**
   * Stops the plugin with SIGTERM, as systemd would, and waits for it to exit.
   *
   * @example
   * ```ts
   * await docker.stopPlugin();
   * ```
   */
  async stopPlugin(): Promise<void> {
    await stop(this.#plugin, 30_000);
    this.#plugin = undefined;
  }

  /**
   * Starts dockerd in the lab (iptables off, no bridge; live restore unless `liveRestore` is
   * false) and waits until it answers.
   *
   * @example
   * ```ts
   * await docker.startDockerd({ liveRestore: false });
   * ```
   */
  async startDockerd(options: { readonly liveRestore?: boolean } = {}): Promise<void> {
    const d = this.dir;
    writeFileSync(join(d, "daemon.json"), "{}\n");
    const args = [
      "dockerd",
      ...["--data-root", join(d, "data"), "--exec-root", join(d, "exec")],
      ...["-H", `unix://${join(d, "docker.sock")}`, "--pidfile", join(d, "docker.pid")],
      ...["--config-file", join(d, "daemon.json"), ...(options.liveRestore === false ? [] : ["--live-restore"])],
      ...["--iptables=false", "--ip6tables=false", "--bridge=none"],
    ];
    this.#dockerd = this.#spawnInLab(args, "dockerd.log");
    const answers = () =>
      this.docker(["info", "--format", "{{.ServerVersion}}"], 5000).then(
        () => true,
        () => false,
      );
    await waitFor(answers, this.#dockerd, "dockerd", join(d, "dockerd.log"));
  }

  /**
   * Stops dockerd with SIGTERM and waits for it to exit; with live restore, containers keep running.
   *
   * @example
   * ```ts
   * await docker.stopDockerd();
   * ```
   */
  async stopDockerd(): Promise<void> {
    await stop(this.#dockerd, 60_000);
    this.#dockerd = undefined;
  }

  /**
   * Removes every container, stops dockerd, the plugin and every other process in the lab's
   * mount namespace (by PID), then the anchor, and deletes the directory. Safe after a failed
   * start and to call twice.
   *
   * @example
   * ```ts
   * await docker.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#dockerd) {
      const ids = (await this.docker(["ps", "-aq"], 30_000).catch(() => "")).split("\n").filter(Boolean);
      if (ids.length > 0) await this.docker(["rm", "-f", ...ids], 120_000).catch(() => undefined);
      await this.stopDockerd().catch(() => undefined);
    }
    await this.stopPlugin().catch(() => undefined);
    this.#killContainers();
    if (this.#mountNs) for (const pid of this.#pidsInLab()) killPid(pid);
    await stop(this.#anchor, 5000).catch(() => undefined);
    this.#anchor = undefined;
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 5 });
  }

  async #startAnchor(): Promise<void> {
    const anchor = spawn(
      "unshare",
      [
        "--mount",
        "--propagation",
        "slave",
        "--",
        "nsenter",
        `--net=/run/netns/${this.#options.lab.host}`,
        "--",
        "sh",
        "-c",
        ANCHOR,
        "sh",
        this.dir,
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.#anchor = anchor;
    await new Promise<void>((resolve, reject) => {
      let err = "";
      anchor.stderr?.on("data", (d) => (err += d));
      anchor.stdout?.once("data", () => resolve());
      anchor.once("exit", (code) =>
        reject(new Error(`the lab's mount namespace could not be set up (${code}): ${err.trim()}`)),
      );
    });
    this.#mountNs = readlinkSync(`/proc/${this.anchorPid}/ns/mnt`);
  }

  async #importImage(): Promise<void> {
    const root = join(this.dir, "rootfs");
    mkdirSync(join(root, "bin"), { recursive: true });
    mkdirSync(join(root, "www", "cgi-bin"), { recursive: true });
    copyFileSync("/bin/busybox", join(root, "bin", "busybox"));
    chmodSync(join(root, "bin", "busybox"), 0o755);
    for (const applet of (await run("/bin/busybox", ["--list"], {})).split("\n")) {
      if (applet && applet !== "busybox") symlinkSync("busybox", join(root, "bin", applet));
    }
    writeFileSync(join(root, "www", "cgi-bin", "index.cgi"), CGI, { mode: 0o755 });
    await run("tar", ["-C", root, "-cf", join(this.dir, "rootfs.tar"), "."], {});
    await this.docker(["import", "--change", "ENV PATH=/bin", join(this.dir, "rootfs.tar"), this.image]);
  }

  #spawnInLab(argv: readonly string[], log: string): ChildProcess {
    const out = openSync(join(this.dir, log), "a");
    return spawn("nsenter", ["-t", String(this.anchorPid), "-m", "-n", "--", ...argv], { stdio: ["ignore", out, out] });
  }

  /** Every process in the lab's mount namespace but the anchor: shims, containerd, helpers. */
  #pidsInLab(): number[] {
    return pids().filter((pid) => pid !== this.#anchor?.pid && nsOf(pid) === this.#mountNs);
  }

  /** Container processes of this lab's dockerd that outlived it: their cgroups name the container IDs. */
  #killContainers(): void {
    const containers = join(this.dir, "data", "containers");
    const ids = existsSync(containers) ? readdirSync(containers) : [];
    if (ids.length === 0) return;
    for (const pid of pids()) {
      const cgroup = readOr(`/proc/${pid}/cgroup`);
      if (ids.some((id) => cgroup.includes(id))) killPid(pid);
    }
  }
}

/** The built daemon's launcher, packages/docker/bin/own6-docker; fails clearly before the build. */
function pluginBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "@own6/docker") break;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the @own6/docker package");
    dir = parent;
  }
  if (!existsSync(join(dir, "dist", "main.js"))) {
    throw new Error(
      "own6-docker is not built: run `pnpm build` (or ./scripts/setup.sh) before the Docker end-to-end test",
    );
  }
  return join(dir, "bin", "own6-docker");
}

function run(
  program: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeout?: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { ...options, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${program} ${args.join(" ")} failed: ${(stderr || error.message).trim()}`));
      else resolve(stdout);
    });
  });
}

async function waitFor(
  ready: () => boolean | Promise<boolean>,
  child: ChildProcess,
  what: string,
  log: string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await ready())) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited before it was ready: ${readOr(log).trim().split("\n").slice(-5).join(" | ")}`);
    }
    if (Date.now() > deadline) throw new Error(`${what} was not ready within 60 s; see ${log}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
async function stop(child: ChildProcess | undefined, graceMs: number): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

function pids(): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

function nsOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return "";
  }
}

function readOr(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Gone already.
  }
}
