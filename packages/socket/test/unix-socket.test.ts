import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { listenOnUnixSocket, SocketTakenError } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "own6-socket-"));
let n = 0;
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function server(): Server {
  // The stale-socket probe connects and hangs up at once, so a reply may meet a reset.
  const s = createServer((c) => c.on("error", () => {}).end("hello"));
  servers.push(s);
  return s;
}

function fresh(): string {
  return join(dir, `d${n++}`, "own6.sock");
}

function answer(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    createConnection(path)
      .on("data", (d) => {
        text += d;
      })
      .on("end", () => resolve(text))
      .on("error", reject);
  });
}

/** A socket file that nobody listens on, as a daemon killed with SIGKILL leaves behind. */
function staleSocketAt(path: string): void {
  const listenAndDie = `require("node:net").createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, "SIGKILL"))`;
  spawnSync(process.execPath, ["-e", listenAndDie]);
}

describe("listenOnUnixSocket", () => {
  it("creates the socket with its mode and the directory with its own, and serves on it", async () => {
    const path = fresh();
    await listenOnUnixSocket(server(), path, { mode: 0o600, directoryMode: 0o700 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    expect(await answer(path)).toBe("hello");
  });

  it("keeps the mode it is given, such as 0660", async () => {
    const path = fresh();
    await listenOnUnixSocket(server(), path, { mode: 0o660, directoryMode: 0o755 });
    expect(statSync(path).mode & 0o777).toBe(0o660);
  });

  it("refuses a socket another process answers on, and leaves it serving", async () => {
    const path = fresh();
    await listenOnUnixSocket(server(), path, { mode: 0o600, directoryMode: 0o700 });
    const second = listenOnUnixSocket(server(), path, { mode: 0o600, directoryMode: 0o700 });
    await expect(second).rejects.toBeInstanceOf(SocketTakenError);
    await expect(second).rejects.toMatchObject({ code: "SOCKET_IN_USE", path });
    expect(await answer(path)).toBe("hello");
  });

  it("refuses a path that is not a socket, and leaves the file alone", async () => {
    const path = fresh();
    await listenOnUnixSocket(server(), path, { mode: 0o600, directoryMode: 0o700 }).then((s) => s.remove());
    writeFileSync(path, "not a socket");
    await expect(listenOnUnixSocket(server(), path, { mode: 0o600, directoryMode: 0o700 })).rejects.toMatchObject({
      code: "SOCKET_PATH_TAKEN",
    });
    expect(statSync(path).isFile()).toBe(true);
  });

  it("replaces a socket nobody answers on", async () => {
    const path = fresh();
    mkdirSync(join(path, ".."));
    staleSocketAt(path);
    expect(statSync(path).isSocket()).toBe(true);
    await listenOnUnixSocket(server(), path, { mode: 0o600, directoryMode: 0o700 });
    expect(await answer(path)).toBe("hello");
  });

  it("removes only its own socket, not one a later daemon put in its place", async () => {
    const path = fresh();
    const first = await listenOnUnixSocket(server(), path, { mode: 0o600, directoryMode: 0o700 });
    rmSync(path);
    // Another daemon's socket now sits at the path.
    await listenOnUnixSocket(server(), path, { mode: 0o600, directoryMode: 0o700 });
    first.remove();
    expect(statSync(path).isSocket()).toBe(true);
    expect(await answer(path)).toBe("hello");
  });
});
