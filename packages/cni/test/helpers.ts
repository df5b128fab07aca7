import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressRecord, OwnerRecord } from "@own6/core";
import { SqliteLeaseStore } from "@own6/sqlite";
import { afterAll, expect } from "vitest";
import { main as cniMain } from "../src/cni/main.js";
import { main as ipamMain } from "../src/ipam/main.js";

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The plugin executables as they are checked out. */
export const BIN = { ipam: join(PACKAGE, "bin", "own6-ipam"), cni: join(PACKAGE, "bin", "own6-cni") } as const;

/** The compiled clients that forward to own6-cnid (`pnpm build` makes them from native/client.c). */
export const NATIVE_BIN = {
  ipam: join(PACKAGE, "bin", "native", "own6-ipam"),
  cni: join(PACKAGE, "bin", "native", "own6-cni"),
} as const;

/** The daemon's executable. */
export const DAEMON_BIN = join(PACKAGE, "bin", "own6-cnid");

/** The reference plugins. */
export const REFERENCE_BIN = "/usr/lib/cni";

/**
 * Fails with a clear message unless the executables can run: they load dist/, which `pnpm
 * build` makes (CI's setup does), and @own6/sqlite's build.
 */
export function requireBuild(): void {
  const missing = [
    join(PACKAGE, "dist", "ipam.js"),
    join(PACKAGE, "dist", "cni.js"),
    join(PACKAGE, "..", "sqlite", "dist", "index.js"),
  ].filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`the plugins are not built (${missing.join(", ")} missing): run pnpm build`);
}

/** Fails with a clear message unless the native clients are built (they need a C compiler: `cc`). */
export function requireNativeClient(): void {
  requireBuild();
  const missing = [NATIVE_BIN.ipam, NATIVE_BIN.cni, join(PACKAGE, "dist", "cnid.js")].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`the native CNI client is not built (${missing.join(", ")} missing): install cc, run pnpm build`);
  }
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory for one test's data, removed after the test file. */
export function tempDir(name = "own6-cni-"): string {
  const dir = mkdtempSync(join(tmpdir(), name));
  made.push(dir);
  return dir;
}

/**
 * A CNI bin directory with symlinks to both executables (the Node ones, or `bins`), as an
 * operator installs them (the symlinks must work, not just the files).
 */
export function cniBinDir(bins: { readonly ipam: string; readonly cni: string } = BIN): string {
  const dir = join(tempDir("own6-cnibin-"), "bin");
  mkdirSync(dir);
  symlinkSync(bins.ipam, join(dir, "own6-ipam"));
  symlinkSync(bins.cni, join(dir, "own6-cni"));
  return dir;
}

/** What one plugin invocation gave back. */
export interface Run {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of one invocation (CNI_COMMAND, CNI_CONTAINERID, ...); `undefined` values are left out. */
export type CniVars = Readonly<Record<string, string | undefined>>;

function cleanEnv(vars: CniVars): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" };
  for (const [k, v] of Object.entries(vars)) if (v !== undefined) env[k] = v;
  return env;
}

/**
 * Runs an executable as a runtime does: a clean environment with the CNI variables, the
 * configuration on stdin; inside network namespace `hostNs` (the lab's host) when given.
 * `onSpawn` receives the child, e.g. to kill it.
 */
export function exec(
  program: string,
  vars: CniVars,
  stdin: string,
  hostNs?: string,
  onSpawn?: (pid: number) => void,
): Promise<Run> {
  const [cmd, args] = hostNs ? ["nsenter", [`--net=/run/netns/${hostNs}`, "--", program]] : [program, []];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, args as string[], { env: cleanEnv(vars), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
    if (child.pid !== undefined) onSpawn?.(child.pid);
    child.stdin.end(stdin);
  });
}

/** Runs a plugin in this process, from source (no build, no process start): for the protocol checks. */
export async function inProcess(plugin: "ipam" | "cni", vars: CniVars, stdin: string): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const main = plugin === "ipam" ? ipamMain : cniMain;
  const status = await main({
    env: vars,
    readStdin: () => stdin,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { status, signal: null, stdout, stderr };
}

/** The parsed success result; fails the test with the plugin's own words otherwise. */
export function ok(run: Run): Record<string, unknown> {
  if (run.status !== 0) throw new Error(`plugin failed (${run.status ?? run.signal}): ${run.stdout} ${run.stderr}`);
  return run.stdout === "" ? {} : (JSON.parse(run.stdout) as Record<string, unknown>);
}

/**
 * Asserts the spec's failure shape (check 23): non-zero exit, stdout exactly one JSON object
 * with an integer `code` and a string `msg` (and only `cniVersion` and `details` besides), and
 * returns it. `code` is checked when given.
 */
export function failed(run: Run, code?: number): { code: number; msg: string; details?: string; cniVersion?: string } {
  expect(run.status).not.toBe(0);
  // JSON.parse takes one value and nothing after it; a Go main plugin passing the error on indents it.
  const error = JSON.parse(run.stdout) as Record<string, unknown>;
  expect(typeof error === "object" && error !== null && !Array.isArray(error)).toBe(true);
  expect(Number.isInteger(error.code)).toBe(true);
  expect(typeof error.msg).toBe("string");
  expect(Object.keys(error).every((k) => ["cniVersion", "code", "msg", "details"].includes(k))).toBe(true);
  if (code !== undefined) expect({ code: error.code, msg: error.msg }).toEqual({ code, msg: error.msg });
  return error as { code: number; msg: string };
}

/** A network's address and owner records, read from its database. */
export async function storeOf(
  dataDir: string,
  network: string,
): Promise<{ addresses: AddressRecord[]; owners: OwnerRecord[] }> {
  const path = join(dataDir, "cni", network, "leases.db");
  if (!existsSync(path)) return { addresses: [], owners: [] };
  const store = SqliteLeaseStore.open(path);
  try {
    const all = await store.list("");
    return {
      addresses: all.flatMap(({ value }) => (value.kind === "address" ? [value] : [])),
      owners: all.flatMap(({ value }) => (value.kind === "owner" ? [value] : [])),
    };
  } finally {
    store.close();
  }
}

/**
 * The store's invariants after any sequence of runs, concurrent or killed: no claim left behind
 * (when `settled`), one bound address per owner and prefix, no address bound twice, and every
 * owner record pointing at a bound address of its own.
 */
export async function expectConsistent(dataDir: string, network: string, settled = true): Promise<AddressRecord[]> {
  const { addresses, owners } = await storeOf(dataDir, network);
  const bound = addresses.filter((a) => a.state === "bound");
  if (settled) expect(addresses.filter((a) => a.state !== "bound")).toEqual([]);
  expect(new Set(bound.map((a) => a.address)).size).toBe(bound.length);
  expect(new Set(bound.map((a) => `${a.prefix} ${a.owner}`)).size).toBe(bound.length);
  for (const owner of owners.filter((o) => o.address !== null)) {
    const target = bound.find((a) => a.address === owner.address);
    expect(target?.owner).toBe(owner.owner);
  }
  for (const a of bound) expect(owners.some((o) => o.owner === a.owner && o.address === a.address)).toBe(true);
  return bound;
}

/** An own6-cnid a test started. */
export interface RunningDaemon {
  readonly socket: string;
  /** Everything it logged so far (JSON lines, debug level). */
  log(): string;
  /** How many calls for `containerId` it served itself (not sent back to the client). */
  served(containerId: string): number;
  /** Sends `signal` (SIGTERM by default) and resolves with its exit status once it is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const daemons: RunningDaemon[] = [];
afterAll(async () => {
  for (const daemon of daemons.splice(0)) await daemon.stop("SIGKILL");
});

/**
 * Starts bin/own6-cnid on `socket` (inside network namespace `hostNs` when given) and resolves
 * once it listens; it is killed after the test file if the test did not stop it.
 */
export function startDaemon(socket: string, hostNs?: string): Promise<RunningDaemon> {
  const args = ["--socket", socket];
  const [cmd, argv] = hostNs
    ? ["nsenter", [`--net=/run/netns/${hostNs}`, "--", DAEMON_BIN, ...args]]
    : [DAEMON_BIN, args];
  const child = spawn(cmd as string, argv as string[], {
    env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", OWN6_LOG_LEVEL: "debug" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", (status) => resolve(status)));
  const daemon: RunningDaemon = {
    socket,
    log: () => log,
    served: (id) =>
      log
        .split("\n")
        .slice(0, -1)
        .filter((line) => line.includes('"msg":"served"'))
        .filter((line) => (JSON.parse(line) as { containerId?: string }).containerId === id).length,
    stop: (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  daemons.push(daemon);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`own6-cnid did not listen within 10 s: ${log}`)), 10_000);
    child.stderr.on("data", (d) => {
      log += d;
      if (log.includes('"msg":"listening"')) {
        clearTimeout(timer);
        resolve(daemon);
      }
    });
    void exited.then((status) => {
      clearTimeout(timer);
      reject(new Error(`own6-cnid exited (${status}) before it listened: ${log}`));
    });
  });
}

/**
 * Runs `count` ADDs at once through `add` (container ids `par-0`, `par-1`, ...), expects as many
 * distinct addresses and a consistent store holding them all, and resolves with the ids.
 */
export async function expectParallelAdds(
  count: number,
  add: (id: string) => Promise<Run>,
  dataDir: string,
  network: string,
): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `par-${i}`);
  const results = await Promise.all(ids.map(add));
  const addresses = results.map((r) => (ok(r).ips as { address: string }[])[0]?.address);
  expect(new Set(addresses).size).toBe(count);
  const bound = await expectConsistent(dataDir, network);
  expect(bound.filter((a) => a.owner.startsWith("par-"))).toHaveLength(count);
  return ids;
}
