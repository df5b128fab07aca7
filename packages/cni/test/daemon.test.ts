import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { lstatSync, rmSync, statSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { join } from "node:path";
import { addNetns, addVeth, deleteNetns, listAddresses, setLinkUp } from "@own6/netlink";
import { describeAsRoot } from "@own6/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  REQUEST_LIMITS,
  requestLength,
} from "../src/daemon/protocol.js";
import {
  BIN,
  type CniVars,
  cniBinDir,
  DAEMON_BIN,
  exec,
  expectConsistent,
  expectParallelAdds,
  failed,
  NATIVE_BIN,
  ok,
  REFERENCE_BIN,
  type Run,
  type RunningDaemon,
  requireNativeClient,
  startDaemon,
  tempDir,
} from "./helpers.js";

// own6-cnid with the compiled client (native/client.c) in front, as a runtime would run them:
// each call is compared with the Node plugin's answer to the same inputs, and the daemon's
// debug log shows which calls it served itself.

const NETWORK = "own6-daemon";

describe("the daemon's wire format", () => {
  const request = {
    plugin: "own6-cni" as const,
    namespaces: { net: "net:[4026531840]", mnt: "-" },
    env: { CNI_COMMAND: "ADD", CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAME=a=b", OWN6_LOG_LEVEL: "debug" },
    stdin: Buffer.from('{"name":"ü"}'),
  };

  it("decodes what it encodes, and knows the length once the header line is complete", () => {
    const bytes = encodeRequest(request);
    expect(decodeRequest(bytes)).toEqual(request);
    const newline = bytes.indexOf(0x0a);
    expect(requestLength(bytes.subarray(0, newline))).toBeUndefined();
    expect(requestLength(bytes.subarray(0, newline + 1))).toBe(bytes.length);
    expect(requestLength(Buffer.from("own6-cni/1 own6-ipam - - 0 2\n{}"))).toBe(31);
    expect(() => decodeRequest(bytes.subarray(0, -1))).toThrow(/announces/);
  });

  it("keeps the first of two entries for a variable, as getenv does", () => {
    const header = "own6-cni/1 own6-ipam - - 32 0\n";
    const env = "CNI_COMMAND=ADD\0CNI_COMMAND=DEL\0";
    expect(env.length).toBe(32);
    expect(decodeRequest(Buffer.from(header + env)).env).toEqual({ CNI_COMMAND: "ADD" });
  });

  it("reads responses back, and calls a cut one code 11", () => {
    const bytes = encodeResponse({ status: 1, stdout: "out\n", stderr: "err" });
    expect(decodeResponse(bytes)).toEqual({ status: 1, stdout: Buffer.from("out\n"), stderr: Buffer.from("err") });
    expect(() => decodeResponse(bytes.subarray(0, -1))).toThrow(expect.objectContaining({ cniCode: 11 }));
  });
});

describeAsRoot("own6-cnid and the native CNI client", () => {
  let daemon: RunningDaemon;
  let dataDir: string;
  let runDir: string;
  const namespaces: string[] = [];

  beforeAll(async () => {
    requireNativeClient();
    dataDir = tempDir();
    runDir = join(tempDir("own6-cnid-"), "run");
    daemon = await startDaemon(join(runDir, "cni.sock"));
  });
  afterAll(async () => {
    for (const ns of namespaces) await deleteNetns(ns);
  });

  const netns = async (role: string) => {
    const name = `o6d-${randomBytes(2).toString("hex")}-${role}`;
    await addNetns(name);
    namespaces.push(name);
    return name;
  };

  const config = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      cniVersion: "1.0.0",
      name: NETWORK,
      type: "bridge",
      ipam: { type: "own6-ipam", prefix: "fd00:6:2::/64", dataDir, dad: { enabled: false } },
      ...extra,
    });

  const vars = (command: string | undefined, id: string, socket = daemon.socket): CniVars => ({
    CNI_COMMAND: command,
    CNI_CONTAINERID: id,
    CNI_NETNS: "/run/netns/none",
    CNI_IFNAME: "eth0",
    CNI_PATH: "/opt/cni/bin",
    OWN6_CNI_SOCKET: socket,
  });

  const client = (v: CniVars, stdin: string, plugin: "ipam" | "cni" = "ipam", hostNs?: string) =>
    exec(NATIVE_BIN[plugin], v, stdin, hostNs);
  const node = (v: CniVars, stdin: string, plugin: "ipam" | "cni" = "ipam") => exec(BIN[plugin], v, stdin);
  const answer = (r: Run) => ({ status: r.status, stdout: r.stdout });

  /** Runs the call through the client and then through the Node plugin; both must answer alike. */
  const both = async (v: CniVars, stdin: string, plugin: "ipam" | "cni" = "ipam") => {
    const viaDaemon = await client(v, stdin, plugin);
    expect(answer(viaDaemon)).toEqual(answer(await node(v, stdin, plugin)));
    return viaDaemon;
  };

  it("listens on a 0600 socket in a 0700 directory it made; a second daemon on it refuses to start", async () => {
    expect(lstatSync(daemon.socket).isSocket()).toBe(true);
    expect(statSync(daemon.socket).mode & 0o777).toBe(0o600);
    expect(statSync(runDir).mode & 0o777).toBe(0o700);
    const refused = spawnSync(DAEMON_BIN, ["--socket", daemon.socket], { encoding: "utf8", timeout: 10_000 });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("CNI_DAEMON_RUNNING");
    ok(await client(vars("VERSION", "v"), ""));
    expect(daemon.served("v")).toBe(1);
  });

  it("answers VERSION and a call without CNI_COMMAND exactly as the Node plugins do, for both plugins", async () => {
    for (const plugin of ["ipam", "cni"] as const) {
      for (const stdin of ["", '{"cniVersion":"0.4.0"}'])
        await both(vars("VERSION", `version-${plugin}`), stdin, plugin);
      const bare = await client(vars(undefined, `bare-${plugin}`), "", plugin);
      expect(bare).toEqual(await node(vars(undefined, `bare-${plugin}`), "", plugin));
      expect(bare.stderr).toContain("CNI protocol versions supported");
      expect(daemon.served(`version-${plugin}`)).toBe(2);
    }
  });

  it("ADD, CHECK and DEL without DAD: the Node plugin's stdout and exit status, served by the daemon", async () => {
    const added = await both(vars("ADD", "seq"), config()); // the Node plugin's is a repeated ADD: the same result
    const result = ok(added);
    expect((result.ips as { address: string }[])[0]?.address).toMatch(/^fd00:6:2:0:/);
    const withPrev = config({ prevResult: result });
    expect(answer(await both(vars("CHECK", "seq"), withPrev))).toEqual({ status: 0, stdout: "" });
    expect(answer(await both(vars("DEL", "seq"), withPrev))).toEqual({ status: 0, stdout: "" });
    failed(await both(vars("CHECK", "seq"), withPrev), 3);
    expect(daemon.served("seq")).toBe(4);
    expect(added.stderr).toContain('"msg":"address reserved"');
  });

  it("fails as the Node plugin does: a bad container id, missing variables, bad JSON, an unknown command", async () => {
    failed(await both(vars("ADD", "bad/id"), config()), 4);
    failed(await both({ CNI_COMMAND: "ADD", OWN6_CNI_SOCKET: daemon.socket }, config()), 4);
    failed(await both(vars("ADD", "json"), "{not json"), 6);
    failed(await both(vars("ADDD", "unknown"), config()), 4);
    failed(await both({ ...vars("ADD", "ifname"), CNI_IFNAME: "x".repeat(16) }, config(), "cni"), 4);
    expect(daemon.served("bad/id")).toBe(1);
  });

  it("32 concurrent ADDs through the daemon give 32 distinct addresses and a consistent store", async () => {
    const ids = await expectParallelAdds(32, (id) => client(vars("ADD", id), config()), dataDir, NETWORK);
    expect(ids.every((id) => daemon.served(id) === 1)).toBe(true);
  });

  it("keeps the database open between calls, yet opens it afresh once it was removed, as a new process would", async () => {
    const network = "own6-daemon-removed";
    const conf = (extra = {}) => JSON.parse(config(extra)) as Record<string, unknown>;
    const stdin = JSON.stringify({ ...conf(), name: network });
    ok(await client(vars("ADD", "before-rm"), stdin));
    rmSync(join(dataDir, "cni", network), { recursive: true });
    ok(await client(vars("ADD", "after-rm"), stdin));
    const bound = await expectConsistent(dataDir, network);
    expect(bound.map((a) => a.owner)).toEqual(["after-rm/eth0"]);
    expect(daemon.served("after-rm")).toBe(1);
  });

  it("runs the Node plugin when the daemon closes without answering, and fails with 11 on half an answer", async () => {
    const socket = join(tempDir("own6-cnid-"), "cni.sock");
    const silent = await dyingDaemon(socket, "");
    const r = await client(vars("ADD", "dying", socket), config());
    expect(answer(r)).toEqual(answer(await node(vars("ADD", "dying", socket), config())));
    ok(r);
    await new Promise((resolve) => silent.close(resolve));
    const half = await dyingDaemon(socket, '0 90 0\n{"cniVersion"');
    failed(await client(vars("ADD", "dying", socket), config()), 11);
    await new Promise((resolve) => half.close(resolve));
  });

  it("answers a malformed request with a CNI error object (6, or 4 for the environment) and keeps serving", async () => {
    const request = (env: Record<string, string>, stdin = "{}") =>
      encodeRequest({ plugin: "own6-ipam", namespaces: { net: "-", mnt: "-" }, env, stdin: Buffer.from(stdin) });
    const cases: [Buffer, number][] = [
      [Buffer.from("GET / HTTP/1.1\r\n\r\n"), 6],
      [Buffer.from("own6-cni/1 own6-nope - - 0 0\n"), 6],
      [Buffer.from(`own6-cni/1 own6-ipam - - 0 ${REQUEST_LIMITS.stdin + 1}\n`), 6],
      [Buffer.from(`own6-cni/1 own6-ipam - - ${REQUEST_LIMITS.env + 1} 0\n`), 4],
      [request({ PATH: "/bin" }), 4],
      [request({ CNI_COMMAND: "VERSION" }).subarray(0, -1), 6], // cut short: the client ends its side
      [Buffer.alloc(REQUEST_LIMITS.header, "x"), 6],
    ];
    for (const [bytes, code] of cases) {
      const response = decodeResponse(await raw(daemon.socket, bytes));
      expect(response.status).toBe(1);
      failed({ status: response.status, signal: null, stdout: response.stdout.toString(), stderr: "" }, code);
    }
    ok(await client(vars("VERSION", "after-malformed"), ""));
    expect(daemon.served("after-malformed")).toBe(1);
  });

  it("sends a caller in another network namespace back to run the Node plugin, which answers", async () => {
    const elsewhere = await netns("other");
    const r = await client(vars("ADD", "elsewhere"), config(), "ipam", elsewhere);
    expect(answer(r)).toEqual(answer(await node(vars("ADD", "elsewhere"), config())));
    ok(r);
    expect(daemon.served("elsewhere")).toBe(0);
    expect(daemon.log()).toContain('"msg":"run locally: the client is in other namespaces"');
  });

  it("with DAD behind /usr/lib/cni/macvlan: a daemon in the host namespace proves and gives the Node plugin's address", async () => {
    const [host, peer, container] = [await netns("host"), await netns("peer"), await netns("c")];
    await addVeth(host, "v0", peer, "v1");
    await setLinkUp(host, "v0");
    await setLinkUp(peer, "v1");
    const hostDaemon = await startDaemon(join(tempDir("own6-cnid-"), "cni.sock"), host);
    const conf = {
      cniVersion: "1.0.0",
      name: "own6-daemon-dad",
      type: "macvlan",
      master: "v0",
      mode: "bridge",
      ipam: { type: "own6-ipam", prefix: "fd00:6:3::/64", gateway: "fe80::1", routes: [{ dst: "::/0" }], dataDir },
    };
    const runtime = (bin: string, command: string) =>
      exec(
        join(REFERENCE_BIN, "macvlan"),
        {
          ...vars(command, "dad"),
          CNI_NETNS: `/run/netns/${container}`,
          CNI_PATH: bin,
          OWN6_CNI_SOCKET: hostDaemon.socket,
        },
        JSON.stringify(conf),
        host,
      );
    const added = await runtime(cniBinDir(NATIVE_BIN), "ADD");
    const viaDaemon = ok(added);
    expect(hostDaemon.served("dad")).toBe(1);
    expect(added.stderr).toContain(`"dad":"eth0 in /run/netns/${container}"`);
    const [onLink] = (await listAddresses(container, "eth0")).filter((a) => a.scope === "global");
    expect(
      onLink && { address: `${onLink.address}/64`, tentative: onLink.tentative, dadfailed: onLink.dadfailed },
    ).toEqual({
      address: (viaDaemon.ips as { address: string }[])[0]?.address,
      tentative: false,
      dadfailed: false,
    });
    ok(await runtime(cniBinDir(NATIVE_BIN), "DEL"));
    const viaNode = ok(await runtime(cniBinDir(), "ADD"));
    expect({ ips: viaNode.ips, routes: viaNode.routes }).toEqual({ ips: viaDaemon.ips, routes: viaDaemon.routes });
    ok(await runtime(cniBinDir(), "DEL"));
    expect(hostDaemon.served("dad")).toBe(2);
    expect(await hostDaemon.stop()).toBe(0);
  });

  it("falls back to the Node plugin once the daemon is stopped (socket removed) or killed (stale socket), which a new daemon replaces", async () => {
    const socket = join(tempDir("own6-cnid-"), "cni.sock");
    const first = await startDaemon(socket);
    ok(await client(vars("ADD", "fallback", socket), config()));
    expect(first.served("fallback")).toBe(1);
    expect(await first.stop("SIGTERM")).toBe(0);
    expect(() => lstatSync(socket)).toThrow(/ENOENT/);
    const stopped = await client(vars("ADD", "fallback", socket), config());
    expect(answer(stopped)).toEqual(answer(await node(vars("ADD", "fallback", socket), config())));
    const killed = await startDaemon(socket);
    await killed.stop("SIGKILL");
    expect(lstatSync(socket).isSocket()).toBe(true);
    const stale = await client(vars("DEL", "fallback", socket), config());
    expect(answer(stale)).toEqual({ status: 0, stdout: "" });
    expect(killed.served("fallback")).toBe(0);
    const replacing = await startDaemon(socket);
    failed(await client(vars("CHECK", "fallback", socket), config({ prevResult: ok(stopped) })), 3);
    expect(replacing.served("fallback")).toBe(1);
  });
});

/**
 * A stand-in for a daemon that dies with calls in flight: it reads each request and then sends
 * `answer` (maybe nothing) and closes.
 */
async function dyingDaemon(socket: string, answer: string): Promise<Server> {
  const server = createServer((connection) => {
    connection.once("data", () => connection.end(answer));
    connection.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return server;
}

/** Sends `bytes` as one request, ends the sending side, and resolves with all the daemon sent back. */
function raw(socket: string, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const connection = createConnection(socket, () => connection.end(bytes));
    connection.on("data", (d: Buffer) => chunks.push(d));
    connection.on("error", (e: NodeJS.ErrnoException) =>
      e.code === "ECONNRESET" || e.code === "EPIPE" ? undefined : reject(e),
    );
    connection.on("close", () => resolve(Buffer.concat(chunks)));
  });
}
