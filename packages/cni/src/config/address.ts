import { isAbsolute } from "node:path";
import { Address, Prefix } from "@own6/core";
import { checkIfname, checkNetns, type KernelDadOptions } from "@own6/netlink";
import { CNI_CODES, CniError } from "../spec/errors.js";
import { isJsonObject } from "../spec/netconf.js";
import type { ResultRoute } from "../spec/result.js";
import { child, optionalBoolean, optionalInteger, optionalString, type Section } from "./read.js";
import { readStore, type StoreSetting } from "./store.js";

/**
 * How own6 proves a candidate unique: the kernel's DAD with these settings, applied to the link
 * it probes on (and left there, so the main plugin's own DAD on that link is as quick).
 *
 * @example
 * ```ts
 * const dad: DadConfig = { enabled: true, dadTransmits: 1, retransTimeMs: 100, routerSolicitationDelay: 0, optimistic: false, probeNetns: undefined };
 * ```
 */
export interface DadConfig extends KernelDadOptions {
  /** False: no probe at all; uniqueness rests on the store alone. */
  readonly enabled: boolean;
  /** The namespace of the scratch probe link on the uplink; `own6-dad-<uplink>` unless set. */
  readonly probeNetns: string | undefined;
}

/**
 * The address logic's configuration, shared by both plugins (inside `ipam` for own6-ipam, at the
 * top level for own6-cni).
 *
 * @example
 * ```ts
 * const config = parseAddressConfig(section(conf.raw, "ipam"), conf.name, "uplink0");
 * ```
 */
export interface AddressConfig {
  /** The prefix to hand out; when absent, the one the uplink learned from Router Advertisements. */
  readonly prefix: Prefix | undefined;
  /** The uplink: source of the prefix and the gateway when they are not configured, and where DAD probes for links that do not exist yet. */
  readonly uplink: string | undefined;
  readonly dataDir: string;
  /** Where the reservations live: SQLite under `dataDir` unless `store` says etcd. */
  readonly store: StoreSetting;
  readonly gateway: Address | undefined;
  readonly routes: readonly ResultRoute[];
  readonly dad: DadConfig;
  /** RFC 7217's Network_ID; the network's name unless `iid.networkId` says otherwise. */
  readonly networkId: string;
  /** Candidates per allocation (RFC 7217 §6 IDGEN_RETRIES and up). */
  readonly maxTries: number;
}

/**
 * The keys {@link parseAddressConfig} reads.
 *
 * @example
 * ```ts
 * rejectUnknown(ipam, ["type", "uplink", ...ADDRESS_KEYS]);
 * ```
 */
export const ADDRESS_KEYS = ["prefix", "dataDir", "gateway", "routes", "iid", "dad", "store"] as const;

/**
 * The default data directory.
 *
 * @example
 * ```ts
 * DEFAULT_DATA_DIR; // "/var/lib/own6"
 * ```
 */
export const DEFAULT_DATA_DIR = "/var/lib/own6";

/**
 * Reads the address logic's keys from `s`; `uplink` is the caller's (ipam `uplink`, own6-cni
 * `master`).
 *
 * @throws {@link CniError} code 7 naming the bad field.
 * @example
 * ```ts
 * parseAddressConfig({ path: "ipam", value: { prefix: "2001:db8:1::/64" } }, "net", undefined).prefix?.toString();
 * ```
 */
export function parseAddressConfig(s: Section, network: string, uplink: string | undefined): AddressConfig {
  const prefix = readPrefix(s);
  if (!prefix && !uplink) {
    throw new CniError(CNI_CODES.invalidConfig, `${s.path || "the configuration"} needs a prefix or an uplink`);
  }
  const iid = child(s, "iid");
  const gateway = readGateway(s, prefix);
  return {
    prefix,
    uplink: uplink === undefined ? undefined : checked(s, "uplink", uplink, checkIfname),
    dataDir: readDataDir(s),
    store: readStore(s),
    gateway,
    routes: readRoutes(s),
    dad: readDad(child(s, "dad")),
    networkId: optionalString(iid, "networkId") ?? network,
    maxTries: optionalInteger(iid, "maxTries", 3, 3, 256),
  };
}

/**
 * Just the data directory, for DEL: a runtime must be able to release an attachment even after
 * the rest of the configuration went bad.
 *
 * @example
 * ```ts
 * dataDirOf({ path: "ipam", value: {} }); // "/var/lib/own6"
 * ```
 */
export function dataDirOf(s: Section | undefined): string {
  try {
    return s ? readDataDir(s) : DEFAULT_DATA_DIR;
  } catch {
    return DEFAULT_DATA_DIR;
  }
}

/**
 * Just the store setting, for DEL and GC. Unlike the data directory it is not guessed when it is
 * bad: releasing in the wrong store would leave the real reservation behind.
 *
 * @throws {@link CniError} code 7 naming the key.
 * @example
 * ```ts
 * storeOf({ path: "ipam", value: {} }); // { type: "sqlite" }
 * ```
 */
export function storeOf(s: Section | undefined): StoreSetting {
  return s ? readStore(s) : { type: "sqlite" };
}

function checked<T>(s: Section, key: string, value: string, check: (v: string) => T): T {
  try {
    return check(value);
  } catch (e) {
    throw new CniError(CNI_CODES.invalidConfig, `${s.path ? `${s.path}.` : ""}${key}: ${(e as Error).message}`);
  }
}

function readPrefix(s: Section): Prefix | undefined {
  const text = optionalString(s, "prefix");
  return text === undefined ? undefined : checked(s, "prefix", text, (t) => Prefix.parse(t).assertHostable());
}

function readDataDir(s: Section): string {
  const dir = optionalString(s, "dataDir") ?? DEFAULT_DATA_DIR;
  if (!isAbsolute(dir) || dir.includes("\0")) {
    throw new CniError(CNI_CODES.invalidConfig, `${s.path ? `${s.path}.` : ""}dataDir must be an absolute path`);
  }
  return dir;
}

const NOT_A_GATEWAY = new Set(["unspecified", "loopback", "multicast", "ipv4Mapped", "ipv4Compatible"]);

function readGateway(s: Section, prefix: Prefix | undefined): Address | undefined {
  const text = optionalString(s, "gateway");
  if (text === undefined) return undefined;
  const gateway = checked(s, "gateway", text, (t) => Address.parse(t));
  const where = `${s.path ? `${s.path}.` : ""}gateway ${text}`;
  if (gateway.zone !== undefined || NOT_A_GATEWAY.has(gateway.kind)) {
    throw new CniError(CNI_CODES.invalidConfig, `${where} is not a unicast address without zone`);
  }
  // An off-link global gateway makes the main plugin's route add fail ("no route to host").
  if (gateway.kind !== "linkLocal" && prefix && !prefix.contains(gateway)) {
    throw new CniError(CNI_CODES.invalidConfig, `${where} is neither link-local nor inside ${prefix}`);
  }
  return gateway;
}

const ROUTE_NUMBERS = ["mtu", "advmss", "priority", "table", "scope"] as const;

function readRoutes(s: Section): ResultRoute[] {
  const value = s.value.routes;
  if (value === undefined) return [];
  const path = `${s.path ? `${s.path}.` : ""}routes`;
  if (!Array.isArray(value)) throw new CniError(CNI_CODES.invalidConfig, `${path} must be a list`);
  return value.map((route, i) => {
    const r: Section = { path: `${path}[${i}]`, value: isJsonObject(route) ? route : {} };
    if (!isJsonObject(route)) throw new CniError(CNI_CODES.invalidConfig, `${r.path} must be an object`);
    const dst = checked(r, "dst", optionalString(r, "dst") ?? "", (t) => Prefix.parse(t)).toString();
    const gwText = optionalString(r, "gw");
    const gw = gwText === undefined ? undefined : checked(r, "gw", gwText, (t) => Address.parse(t)).toString();
    const numbers = ROUTE_NUMBERS.flatMap((k) =>
      r.value[k] === undefined ? [] : [[k, optionalInteger(r, k, 0, 0, 0xffffffff)] as const],
    );
    return { dst, ...(gw !== undefined && { gw }), ...Object.fromEntries(numbers) };
  });
}

function readDad(s: Section): DadConfig {
  const dadTransmits = optionalInteger(s, "transmits", 1, 1, 10);
  const retransTimeMs = optionalInteger(s, "retransTimeMs", 100, 10, 10_000);
  const routerSolicitationDelay = optionalInteger(s, "routerSolicitationDelay", 0, 0, 10);
  // A verdict normally comes within the expected DAD time; the margin is for a loaded host.
  const expected = routerSolicitationDelay * 1000 + dadTransmits * retransTimeMs;
  const timeoutMs = optionalInteger(s, "timeoutMs", Math.max(5000, 4 * expected), 100, 120_000);
  const probe = optionalString(s, "probeNetns");
  return {
    enabled: optionalBoolean(s, "enabled", true),
    dadTransmits,
    retransTimeMs,
    routerSolicitationDelay,
    optimistic: false,
    timeoutMs,
    probeNetns: probe === undefined ? undefined : checked(s, "probeNetns", probe, checkNetns),
  };
}

/**
 * Refuses requests for fixed addresses (`args.cni.ips`, `runtimeConfig.ips`): own6 derives every
 * address from the container's identity, and would rather say so (code 2) than silently hand out
 * another one. CNI_ARGS `IP=` is refused the same way when the environment is read.
 *
 * @throws {@link CniError} code 2.
 * @example
 * ```ts
 * rejectRequestedAddresses({ runtimeConfig: { ips: ["2001:db8:1::5/64"] } }); // throws
 * ```
 */
export function rejectRequestedAddresses(raw: Readonly<Record<string, unknown>>): void {
  const args = isJsonObject(raw.args) && isJsonObject(raw.args.cni) ? raw.args.cni.ips : undefined;
  const runtime = isJsonObject(raw.runtimeConfig) ? raw.runtimeConfig.ips : undefined;
  for (const [key, ips] of [
    ["args.cni.ips", args],
    ["runtimeConfig.ips", runtime],
  ] as const) {
    if (Array.isArray(ips) && ips.length > 0) {
      throw new CniError(
        CNI_CODES.unsupportedField,
        `unsupported field ${key}=${JSON.stringify(ips)}: own6 derives addresses and does not hand out requested ones`,
      );
    }
  }
}
