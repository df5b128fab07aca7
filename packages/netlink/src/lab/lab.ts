import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Address, Prefix } from "@own6/core";
import { addAddress } from "../addresses.js";
import type { HostUplink } from "../attach/host.js";
import { ipBatch } from "../ip.js";
import { addVeth } from "../links.js";
import { addNetns, deleteNetns, execIn, listNetns } from "../netns.js";
import { replaceRoute } from "../routes.js";
import { setSysctls } from "../sysctl.js";
import { labAsset } from "./assets.js";

/** One prefix the lab's router advertises, with its lifetimes in seconds. */
export interface Advertised {
  readonly prefix: Prefix;
  readonly validLifetime: number;
  readonly preferredLifetime: number;
}

/** How to build a {@link Lab}. */
export interface LabOptions {
  /** The namespace name prefix; unique per run by default (`o6-<pid>-<random>`). */
  readonly tag?: string;
  /** What the router advertises at first; default 2001:db8:1::/64 (valid 3600 s, preferred 1800 s). */
  readonly advertise?: readonly Advertised[];
  /** Add a squatter namespace on the uplink's segment, to cause DAD conflicts. */
  readonly squatter?: boolean;
}

/** The outside client's prefix and address, beyond the router. */
export const EXT_PREFIX = Prefix.parse("2001:db8:ffff::/64");
const EXT_ADDRESS = Address.parse("2001:db8:ffff::2");
const EXT_GATEWAY = Address.parse("2001:db8:ffff::1");

/** The result of one request from `ext` to a container's echo server. */
export interface EchoResult {
  readonly address: string;
  readonly ok: boolean;
  /** The client address the server saw; equal to {@link Lab.extAddress} when nothing NATs. */
  readonly client?: string;
  /** The server socket's own address (getsockname()). */
  readonly local?: string;
  readonly error?: string;
}

/**
 * A throw-away network in namespaces, for tests, the demo and benchmarks, built by the lab rules
 * (linux.md): `rtr` runs radvd on a bridge that is the uplink's segment and forwards to `ext`, a
 * client on another prefix standing in for the internet; `host` is the container host, with its
 * uplink `uplink0` on that segment; an optional `squatter` on the same segment holds addresses to
 * force DAD conflicts. Every name carries a per-run tag; nothing touches the root namespace;
 * {@link Lab.close} removes it all.
 *
 * @example
 * ```ts
 * const lab = await Lab.create({ squatter: true });
 * try {
 *   const [learned] = await waitForPrefixes(lab.host, lab.uplink, 20_000);
 * } finally {
 *   await lab.close();
 * }
 * ```
 */
export class Lab {
  readonly tag: string;
  readonly rtr: string;
  readonly host: string;
  readonly ext: string;
  readonly squatter: string | undefined;
  /** The host's link to the router's segment. */
  readonly uplink = "uplink0";
  /** The outside client's address. */
  readonly extAddress = EXT_ADDRESS;
  readonly #dir = mkdtempSync(join(tmpdir(), "own6-lab-"));
  readonly #namespaces: string[] = [];
  readonly #children = new Set<ChildProcess>();
  #radvd: ChildProcess | undefined;
  #advertised: readonly Advertised[] = [];
  #containers = 0;

  private constructor(tag: string, squatter: boolean) {
    this.tag = tag;
    this.rtr = `${tag}-rtr`;
    this.host = `${tag}-host`;
    this.ext = `${tag}-ext`;
    this.squatter = squatter ? `${tag}-sq` : undefined;
  }

  /**
   * Builds the lab and starts the router. Cleans up after itself if any step fails.
   *
   * @example
   * ```ts
   * const lab = await Lab.create();
   * ```
   */
  static async create(options: LabOptions = {}): Promise<Lab> {
    const tag = options.tag ?? `o6-${process.pid % 100000}-${randomBytes(2).toString("hex")}`;
    const lab = new Lab(tag, options.squatter ?? false);
    try {
      await lab.#build();
      await lab.advertise(
        options.advertise ?? [
          { prefix: Prefix.parse("2001:db8:1::/64"), validLifetime: 3600, preferredLifetime: 1800 },
        ],
      );
    } catch (e) {
      await lab.close();
      throw e;
    }
    return lab;
  }

  /** The host and uplink for the attach functions. */
  get hostUplink(): HostUplink {
    return { ns: this.host, uplink: this.uplink };
  }

  async #netns(name: string): Promise<string> {
    await addNetns(name);
    this.#namespaces.push(name);
    return name;
  }

  async #build(): Promise<void> {
    const [rtr, host, ext] = [await this.#netns(this.rtr), await this.#netns(this.host), await this.#netns(this.ext)];
    await setSysctls(rtr, [{ key: ["net", "ipv6", "conf", "all", "forwarding"], value: 1 }]);
    // Snooping off: the bridge must flood DAD's solicited-node multicast to every port.
    await ipBatch(
      rtr,
      [["link", "add", "br0", "type", "bridge", "mcast_snooping", "0"]],
      "create the segment's bridge",
    );
    await addVeth(rtr, "r-host", host, this.uplink);
    await addVeth(rtr, "r-ext", ext, "eth0");
    const ports = [["link", "set", "r-host", "master", "br0", "up"]];
    if (this.squatter) {
      await addVeth(rtr, "r-sq", await this.#netns(this.squatter), "eth0");
      ports.push(["link", "set", "r-sq", "master", "br0", "up"]);
    }
    await ipBatch(rtr, [...ports, ["link", "set", "br0", "up"], ["link", "set", "r-ext", "up"]], "wire the router");
    await addAddress(rtr, "r-ext", EXT_GATEWAY, 64, { nodad: true });
    await this.#prepareHost(host);
    await ipBatch(ext, [["link", "set", "eth0", "up"]], "bring ext up");
    await addAddress(ext, "eth0", EXT_ADDRESS, 64, { nodad: true });
    await replaceRoute(ext, "default", "eth0", EXT_GATEWAY);
    if (this.squatter) {
      await setSysctls(this.squatter, [{ key: ["net", "ipv6", "conf", "eth0", "accept_ra"], value: 0 }]);
      await ipBatch(this.squatter, [["link", "set", "eth0", "up"]], "bring the squatter up");
    }
  }

  async #prepareHost(host: string): Promise<void> {
    const conf = (name: string, value: number) => ({ key: ["net", "ipv6", "conf", this.uplink, name], value });
    await setSysctls(host, [conf("accept_ra", 2), conf("autoconf", 1), conf("router_solicitation_delay", 0)]);
    await ipBatch(host, [["link", "set", this.uplink, "up"]], "bring the uplink up");
  }

  /**
   * Makes the router advertise exactly `prefixes` (a prefix left out stops being advertised;
   * one with preferred lifetime 0 is deprecated, as in renumbering), and gives the router an
   * address in each so it can reach containers there.
   *
   * @example
   * ```ts
   * await lab.advertise([
   *   { prefix: oldPrefix, validLifetime: 60, preferredLifetime: 0 },
   *   { prefix: newPrefix, validLifetime: 3600, preferredLifetime: 1800 },
   * ]);
   * ```
   */
  async advertise(prefixes: readonly Advertised[]): Promise<void> {
    for (const { prefix } of prefixes) {
      if (!this.#advertised.some((a) => a.prefix.equals(prefix))) {
        await addAddress(this.rtr, "br0", prefix.withIid(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1)), prefix.bits, {
          nodad: true,
        });
      }
    }
    this.#advertised = prefixes;
    const sections = prefixes.map(
      (p) =>
        `  prefix ${p.prefix} { AdvOnLink on; AdvAutonomous on; AdvValidLifetime ${p.validLifetime}; AdvPreferredLifetime ${p.preferredLifetime}; };`,
    );
    const config = `interface br0 {\n  AdvSendAdvert on;\n  MinRtrAdvInterval 3;\n  MaxRtrAdvInterval 10;\n${sections.join("\n")}\n};\n`;
    writeFileSync(join(this.#dir, "radvd.conf"), config);
    if (this.#radvd) this.#radvd.kill("SIGHUP");
    else
      this.#radvd = this.#spawn(this.rtr, "radvd", [
        "-n",
        "-C",
        join(this.#dir, "radvd.conf"),
        "-p",
        join(this.#dir, "radvd.pid"),
        "-m",
        "logfile",
        "-l",
        join(this.#dir, "radvd.log"),
      ]);
  }

  #spawn(ns: string, program: string, args: string[]): ChildProcess {
    const child = spawn("ip", ["netns", "exec", ns, program, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    this.#children.add(child);
    child.on("exit", () => this.#children.delete(child));
    return child;
  }

  /**
   * A new, empty namespace for a container, removed by {@link Lab.close}.
   *
   * @example
   * ```ts
   * const netns = await lab.containerNetns();
   * ```
   */
  async containerNetns(): Promise<string> {
    this.#containers++;
    return this.#netns(`${this.tag}-c${this.#containers}`);
  }

  /**
   * Has the squatter hold `address` (without DAD), so that a container's DAD for it fails.
   *
   * @example
   * ```ts
   * await lab.squat(firstCandidate);
   * ```
   */
  async squat(address: Address): Promise<void> {
    if (!this.squatter) throw new Error("this lab was built without a squatter");
    await addAddress(this.squatter, "eth0", address, 64, { nodad: true });
  }

  /**
   * Starts the echo server inside `netns` on `address` port 80 and resolves once it listens.
   *
   * @example
   * ```ts
   * await lab.serve(netns, address);
   * ```
   */
  serve(netns: string, address: Address): Promise<void> {
    const child = this.#spawn(netns, process.execPath, [labAsset("echo-server.mjs"), address.toString(), "80"]);
    return new Promise((resolve, reject) => {
      let err = "";
      child.stderr?.on("data", (d) => (err += d));
      child.stdout?.once("data", () => resolve());
      child.once("exit", (code) => reject(new Error(`echo server for ${address} exited ${code}: ${err.trim()}`)));
    });
  }

  /**
   * Fetches `http://[address]:80/` for every address from the `ext` namespace, beyond the
   * router, and returns what each server saw.
   *
   * @example
   * ```ts
   * const results = await lab.fetchFromExt([address]);
   * results[0]?.client === lab.extAddress.toString(); // no NAT
   * ```
   */
  async fetchFromExt(addresses: readonly Address[], timeoutMs = 5000): Promise<EchoResult[]> {
    const input = JSON.stringify({ addresses: addresses.map(String), timeoutMs });
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn("ip", ["netns", "exec", this.ext, process.execPath, labAsset("http-client.mjs")], {
        stdio: ["pipe", "pipe", "inherit"],
      });
      let text = "";
      child.stdout.on("data", (d) => (text += d));
      child.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`http client exited ${code}`))));
      child.stdin.end(input);
    });
    return JSON.parse(out) as EchoResult[];
  }

  /**
   * Runs a program inside one of the lab's namespaces.
   *
   * @example
   * ```ts
   * await lab.exec(lab.rtr, "ip", ["-6", "route"]);
   * ```
   */
  exec(ns: string, program: string, args: readonly string[]): Promise<string> {
    return execIn(ns, program, args);
  }

  /**
   * Stops the lab's processes and deletes its namespaces (with every link in them), including
   * any other namespace named with the lab's tag (such as a routed host's DAD scratch
   * namespace). Safe to call twice and after a failed build.
   *
   * @example
   * ```ts
   * await lab.close();
   * ```
   */
  async close(): Promise<void> {
    for (const child of this.#children) child.kill("SIGTERM");
    const ours = (await listNetns()).filter((ns) => this.#namespaces.includes(ns) || ns.startsWith(`${this.tag}-`));
    for (const ns of ours) await deleteNetns(ns);
    this.#namespaces.length = 0;
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
