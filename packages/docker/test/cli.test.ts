import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { HELP, parseCommandLine } from "../src/cli/options.js";
import { main } from "../src/main.js";
import { VERSION } from "../src/version.js";
import { post } from "./support/plugin.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "own6-docker-cli-"));
  dirs.push(dir);
  return dir;
}

/** Runs main() with buffered output; `stop` ends the daemon as SIGTERM would. */
function start(argv: string[]) {
  let stdout = "";
  let stderr = "";
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const status = main(argv, {
    stdout: {
      write: (t: string) => {
        stdout += t;
        return true;
      },
    },
    stderr: {
      write: (t: string) => {
        stderr += t;
        return true;
      },
    },
    stopped,
  });
  return { status, stop, out: () => ({ stdout, stderr }) };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
}

describe("command line", () => {
  it("has defaults for everything", () => {
    expect(parseCommandLine([])).toEqual({
      help: false,
      version: false,
      name: "own6",
      stateDir: "/var/lib/own6/docker/own6",
      pluginDir: "/run/docker/plugins",
      parent: undefined,
      socketMode: 0o600,
      dadTransmits: 1,
      dadRetransMs: 1000,
      metricsListen: undefined,
      logLevel: "info",
    });
    expect(parseCommandLine(["--name", "v6", "--socket-mode", "0660", "--metrics-listen", "[::1]:9464"])).toMatchObject(
      {
        stateDir: "/var/lib/own6/docker/v6",
        socketMode: 0o660,
        metricsListen: { host: "::1", port: 9464 },
      },
    );
  });

  it.each([
    [["--name", "../etc"], /--name/],
    [["--name", "Own6"], /--name/],
    [["--parent", "eth0; reboot"], /not an interface name/],
    [["--socket-mode", "0666"], /0600 or 0660/],
    [["--dad-retrans-ms", "1e3"], /whole number/],
    [["--log-level", "loud"], /--log-level takes/],
    [["--metrics-listen", "9464"], /HOST:PORT/],
    [["--bogus"], /Unknown option/],
    [["positional"], /positional/],
  ])("refuses %j with one line and status 2", async (argv, message) => {
    const run = start(argv);
    expect(await run.status).toBe(2);
    const { stderr } = run.out();
    expect(stderr).toMatch(message);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it("prints its help and its version, the package's", async () => {
    const help = start(["--help"]);
    expect(await help.status).toBe(0);
    expect(help.out().stdout).toBe(HELP);
    const version = start(["-V"]);
    expect(await version.status).toBe(0);
    expect(version.out().stdout).toBe(`${VERSION}\n`);
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version).toBe(VERSION);
  });
});

describe("the daemon", () => {
  it("serves a 0600 socket and root-only state, logs JSON, and removes the socket when stopped", async () => {
    const dir = tempDir();
    const socket = join(dir, "plugins", "t1.sock");
    const run = start(["--name", "t1", "--plugin-dir", join(dir, "plugins"), "--state-dir", join(dir, "state")]);
    await until(() => existsSync(socket));
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "state")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "state", "secret")).mode & 0o777).toBe(0o600);
    expect((await post(socket, "/Plugin.Activate", null)).body).toEqual({
      Implements: ["NetworkDriver", "IpamDriver"],
    });
    run.stop();
    expect(await run.status).toBe(0);
    expect(existsSync(socket)).toBe(false);
    const lines = run
      .out()
      .stderr.trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(["own6-docker is serving", "own6-docker stopped"]));
    expect(lines.every((l) => l.name === "own6-docker" && l.plugin === "t1")).toBe(true);
    expect(run.out().stderr).not.toMatch(readFileSync(join(dir, "state", "secret"), "utf8").trim());
  });

  it("refuses to start on a socket another daemon serves, and replaces a stale one", async () => {
    const dir = tempDir();
    const args = ["--name", "t2", "--plugin-dir", join(dir, "plugins"), "--state-dir", join(dir, "state")];
    const first = start(args);
    await until(() => existsSync(join(dir, "plugins", "t2.sock")));
    const second = start([...args.slice(0, 4), "--state-dir", join(dir, "state2")]);
    expect(await second.status).toBe(1);
    expect(second.out().stderr).toMatch(/another process serves .*t2\.sock.*SOCKET_IN_USE/);
    first.stop();
    expect(await first.status).toBe(0);
    // A socket file nobody listens on, as a crashed daemon leaves it.
    execFileSync("python3", [
      "-c",
      "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
      join(dir, "plugins", "t2.sock"),
    ]);
    const third = start(args);
    await until(() => third.out().stderr.includes("own6-docker is serving"));
    third.stop();
    expect(await third.status).toBe(0);
  });

  it("serves Prometheus metrics over TCP when asked", async () => {
    const dir = tempDir();
    const port = 20_000 + (process.pid % 20_000);
    const run = start([
      "--name",
      "t3",
      "--plugin-dir",
      dir,
      "--state-dir",
      join(dir, "s"),
      "--metrics-listen",
      `127.0.0.1:${port}`,
    ]);
    await until(() => run.out().stderr.includes("own6-docker is serving"));
    const text = await new Promise<string>((resolve, reject) => {
      request({ host: "127.0.0.1", port, path: "/metrics" }, (res) => {
        let out = "";
        res.on("data", (d) => (out += d));
        res.on("end", () => resolve(out));
      })
        .on("error", reject)
        .end();
    });
    expect(text).toMatch(/^# TYPE own6_docker_endpoints gauge\nown6_docker_endpoints 0$/m);
    run.stop();
    expect(await run.status).toBe(0);
  });
});

describe("bin/own6-docker", () => {
  it("runs from a checkout after the build", () => {
    if (!existsSync(join(root, "dist", "main.js")))
      throw new Error("packages/docker is not built: run `pnpm build` first");
    const r = spawnSync(process.execPath, [join(root, "bin", "own6-docker"), "--help"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(HELP);
  });
});
