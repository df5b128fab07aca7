// A throwaway etcd cluster on loopback for the tests and the benchmark: Debian's etcd, one to
// three members on free ports, data in a temporary directory, a token of its own; stopped and
// removed by stop(), and killed if the process exits first.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A member's TLS: its certificate and key, and the CA whose client certificates it accepts. */
export interface MemberTls {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

interface Member {
  readonly name: string;
  readonly client: number;
  readonly peer: number;
  process: ChildProcess | undefined;
  log: string;
}

const HEALTH_TIMEOUT_MS = 30_000;
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** An etcd cluster of child processes on 127.0.0.1. */
export class EtcdCluster {
  readonly dir: string;
  readonly #members: Member[];
  readonly #tls: MemberTls | undefined;
  readonly #token = `own6-test-${randomBytes(6).toString("hex")}`;

  private constructor(dir: string, members: Member[], tls: MemberTls | undefined) {
    this.dir = dir;
    this.#members = members;
    this.#tls = tls;
  }

  /**
   * Starts `size` members and waits until each reports healthy. With `tls`, clients must speak
   * TLS and present a certificate from its CA (the health check presents the member's own).
   */
  static async start(size = 3, tls?: MemberTls): Promise<EtcdCluster> {
    const dir = mkdtempSync(join(tmpdir(), "own6-etcd-"));
    const ports = await freePorts(2 * size);
    const members = Array.from({ length: size }, (_, i) => ({
      name: `m${i}`,
      client: ports[2 * i] ?? 0,
      peer: ports[2 * i + 1] ?? 0,
      process: undefined,
      log: "",
    }));
    const cluster = new EtcdCluster(dir, members, tls);
    try {
      for (const m of members) cluster.#launch(m, "new");
      await Promise.all(members.map((m) => cluster.#healthy(m)));
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** Client URLs of every member, dead or alive. */
  get endpoints(): string[] {
    return this.#members.map((m) => this.#clientUrl(m));
  }

  /** The index of the member that leads now (as the first live member that answers sees it). */
  async leader(): Promise<number> {
    for (const m of this.#members) {
      if (!m.process) continue;
      const answer = await fetch(`http://127.0.0.1:${m.client}/v3/maintenance/status`, { method: "POST", body: "{}" });
      const status = (await answer.json()) as { header: { member_id: string }; leader: string };
      const ids = await this.#memberIds(m);
      const leader = this.#members.findIndex((p) => ids.get(p.name) === status.leader);
      if (leader >= 0) return leader;
    }
    throw new Error("no live member knows a leader");
  }

  /** Kills member `i` at once (SIGKILL), as a crash would. */
  async kill(i: number): Promise<void> {
    const m = this.#member(i);
    const child = m.process;
    m.process = undefined;
    if (child) await killed(child);
  }

  /** Starts member `i` again on its data, and waits until it is healthy. */
  async restart(i: number): Promise<void> {
    const m = this.#member(i);
    this.#launch(m, "existing");
    await this.#healthy(m);
  }

  /** Kills every member and removes the data. Safe to call twice. */
  async stop(): Promise<void> {
    await Promise.all(this.#members.map((_, i) => this.kill(i)));
    rmSync(this.dir, { recursive: true, force: true });
  }

  #launch(m: Member, state: "new" | "existing"): void {
    const peers = this.#members.map((p) => `${p.name}=http://127.0.0.1:${p.peer}`).join(",");
    const child = spawn(
      "etcd",
      [
        `--name=${m.name}`,
        `--data-dir=${join(this.dir, m.name)}`,
        `--listen-client-urls=${this.#clientUrl(m)}`,
        `--advertise-client-urls=${this.#clientUrl(m)}`,
        ...(this.#tls
          ? [
              `--cert-file=${this.#tls.certFile}`,
              `--key-file=${this.#tls.keyFile}`,
              `--trusted-ca-file=${this.#tls.caFile}`,
              "--client-cert-auth",
            ]
          : []),
        `--listen-peer-urls=http://127.0.0.1:${m.peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${m.peer}`,
        `--initial-cluster=${peers}`,
        `--initial-cluster-token=${this.#token}`,
        `--initial-cluster-state=${state}`,
        "--logger=zap",
        "--log-level=warn",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    live.add(child);
    child.once("exit", () => live.delete(child));
    child.stderr?.on("data", (chunk: Buffer) => {
      m.log = (m.log + chunk.toString()).slice(-4000);
    });
    m.process = child;
  }

  async #healthy(m: Member): Promise<void> {
    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!m.process || m.process.exitCode !== null) break;
      try {
        if ((JSON.parse(await this.#getHealth(m)) as { health?: string }).health === "true") return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`etcd member ${m.name} did not become healthy; its log ends:\n${m.log}`);
  }

  #clientUrl(m: Member): string {
    return `${this.#tls ? "https" : "http"}://127.0.0.1:${m.client}`;
  }

  async #getHealth(m: Member): Promise<string> {
    const tls = this.#tls;
    if (!tls) return (await fetch(`${this.#clientUrl(m)}/health`, { signal: AbortSignal.timeout(1000) })).text();
    const [ca, cert, key] = [tls.caFile, tls.certFile, tls.keyFile].map((f) => readFileSync(f));
    return new Promise((resolve, reject) => {
      const req = request(`${this.#clientUrl(m)}/health`, { ca, cert, key, timeout: 1000 }, (answer) => {
        let body = "";
        answer.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        answer.on("end", () => resolve(body));
      });
      req.on("error", reject);
      req.end();
    });
  }

  async #memberIds(m: Member): Promise<Map<string, string>> {
    const answer = await fetch(`http://127.0.0.1:${m.client}/v3/cluster/member/list`, { method: "POST", body: "{}" });
    const { members } = (await answer.json()) as { members: { ID: string; name: string }[] };
    return new Map(members.map((p) => [p.name, p.ID]));
  }

  #member(i: number): Member {
    const m = this.#members[i];
    if (!m) throw new RangeError(`no member ${i}`);
    return m;
  }
}

/** `n` distinct ports that were free a moment ago (the kernel's choice for port 0). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    return typeof address === "object" && address ? address.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** Kills `child` with SIGKILL and waits for it to be gone. */
export async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}
