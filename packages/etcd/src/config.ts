import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { IOptions } from "etcd3";
import { EtcdConfigError } from "./errors.js";

/**
 * TLS towards etcd, as files in PEM (etcdctl's `--cacert`, `--cert`, `--key`): the CA that signed
 * the members' certificates, and for client-certificate authentication the client's pair.
 * Endpoints must then be `https://`. Leave it out to use the system's CAs with `https://`.
 *
 * @example
 * ```ts
 * const tls: EtcdTls = { caFile: "/etc/own6/etcd-ca.pem", certFile: "/etc/own6/client.pem", keyFile: "/etc/own6/client-key.pem" };
 * ```
 */
export interface EtcdTls {
  readonly caFile: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/**
 * etcd's user authentication: the password inline or, better, in a root-only file (its first line
 * is read). own6 never logs either.
 *
 * @example
 * ```ts
 * const auth: EtcdAuth = { username: "own6", passwordFile: "/etc/own6/etcd-password" };
 * ```
 */
export interface EtcdAuth {
  readonly username: string;
  readonly password?: string;
  readonly passwordFile?: string;
}

/**
 * A TTL lease for a host's records: while the host renews it (every third of the TTL), they stay;
 * when the host dies, etcd deletes them TTL seconds after the last renewal. A host that reopens
 * the store in time (a restarted daemon) resumes its lease and keeps its records.
 *
 * @example
 * ```ts
 * const lease: EtcdLeaseConfig = { ttlSeconds: 30, hostId: "node-7" };
 * ```
 */
export interface EtcdLeaseConfig {
  /** Seconds without renewal before etcd deletes the host's records; 1 or more. */
  readonly ttlSeconds: number;
  /** The host's stable name; the machine's hostname unless set. */
  readonly hostId?: string;
}

/**
 * Where and how to reach etcd. Every field is plain JSON, so it fits in a CNI network
 * configuration or the Docker plugin's options.
 *
 * @example
 * ```ts
 * const config: EtcdConfig = { endpoints: ["https://10.0.0.1:2379", "https://10.0.0.2:2379"], prefix: "/own6",
 *   tls: { caFile: "/etc/own6/etcd-ca.pem" }, auth: { username: "own6", passwordFile: "/etc/own6/etcd-password" } };
 * ```
 */
export interface EtcdConfig {
  /** Client URLs of the members (`http://host:port` or `https://host:port`); list several. */
  readonly endpoints: readonly string[];
  /** The key prefix own6 keeps everything under; `/own6` unless set. */
  readonly prefix?: string;
  readonly tls?: EtcdTls;
  readonly auth?: EtcdAuth;
  /** Reservations that expire with their host; none (records stay until released) unless set. */
  readonly lease?: EtcdLeaseConfig;
  /** The deadline of each request to a member, in ms; default 5000. */
  readonly requestTimeoutMs?: number;
  /** How long an operation is retried while the cluster is unreachable or electing, in ms; default 15000. */
  readonly retryForMs?: number;
}

/**
 * Which LeaseStore a plugin uses: the host's SQLite database (the default, `dir` defaulting to
 * the plugin's data directory) or etcd, shared by every host.
 *
 * @example
 * ```ts
 * const config: StoreConfig = { type: "etcd", endpoints: ["http://127.0.0.1:2379"], prefix: "/own6" };
 * ```
 */
export type StoreConfig = { readonly type: "sqlite"; readonly dir?: string } | ({ readonly type: "etcd" } & EtcdConfig);

/** {@link EtcdConfig} with its defaults filled in and its files read. Internal. */
export interface Settings {
  readonly prefix: string;
  readonly requestTimeoutMs: number;
  readonly retryForMs: number;
  readonly lease: { readonly ttlSeconds: number; readonly hostId: string } | undefined;
  readonly client: IOptions;
}

const DEFAULT_PREFIX = "/own6";
const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
const DEFAULT_RETRY_FOR_MS = 15_000;
const ENDPOINT = /^(https?):\/\/[^/\s]+:\d{1,5}$/;

/**
 * Checks a `store` object from a plugin's JSON configuration; absent means SQLite.
 *
 * @throws {@link EtcdConfigError} naming the field at fault.
 * @example
 * ```ts
 * const store = parseStoreConfig(netconf.store); // { type: "sqlite" } when the field is absent
 * ```
 */
export function parseStoreConfig(input: unknown, where = "store"): StoreConfig {
  if (input === undefined) return { type: "sqlite" };
  const o = object(input, where);
  if (o.type === "sqlite") {
    onlyKeys(o, where, ["type", "dir"]);
    const dir = optional(o, "dir", where, string);
    return dir === undefined ? { type: "sqlite" } : { type: "sqlite", dir };
  }
  if (o.type === "etcd") return { type: "etcd", ...parseEtcdConfig(o, where) };
  throw new EtcdConfigError(`${where}.type must be "sqlite" or "etcd"`);
}

/**
 * Checks an {@link EtcdConfig} that came from JSON (a `type` field is allowed and ignored).
 *
 * @throws {@link EtcdConfigError} naming the field at fault.
 * @example
 * ```ts
 * const config = parseEtcdConfig(JSON.parse(readFileSync("etcd.json", "utf8")));
 * ```
 */
export function parseEtcdConfig(input: unknown, where = "store"): EtcdConfig {
  const o = object(input, where);
  onlyKeys(o, where, ["type", "endpoints", "prefix", "tls", "auth", "lease", "requestTimeoutMs", "retryForMs"]);
  const endpoints = array(o.endpoints, `${where}.endpoints`).map((e, i) => string(e, `${where}.endpoints[${i}]`));
  const prefix = optional(o, "prefix", where, string);
  const tls = optional(o, "tls", where, tlsOf);
  const auth = optional(o, "auth", where, authOf);
  const lease = optional(o, "lease", where, leaseOf);
  const requestTimeoutMs = optional(o, "requestTimeoutMs", where, number);
  const retryForMs = optional(o, "retryForMs", where, number);
  const config: EtcdConfig = {
    endpoints,
    ...(prefix !== undefined && { prefix }),
    ...(tls && { tls }),
    ...(auth && { auth }),
    ...(lease && { lease }),
    ...(requestTimeoutMs !== undefined && { requestTimeoutMs }),
    ...(retryForMs !== undefined && { retryForMs }),
  };
  settingsOf(config, false);
  return config;
}

/**
 * Checks `config` and fills in its defaults; with `readFiles`, reads the TLS and password files
 * into the client's options. Internal.
 */
export function settingsOf(config: EtcdConfig, readFiles = true): Settings {
  const endpoints = [...config.endpoints];
  if (endpoints.length === 0) invalid("endpoints must list at least one member");
  for (const e of endpoints) if (!ENDPOINT.test(e)) invalid(`endpoint ${JSON.stringify(e)} is not http(s)://host:port`);
  const secure = endpoints.map((e) => e.startsWith("https:"));
  if (secure.some((s) => s !== secure[0])) invalid("endpoints mix http:// and https://");
  if (config.tls && !secure[0]) invalid("tls needs https:// endpoints");
  if (config.tls && (config.tls.certFile === undefined) !== (config.tls.keyFile === undefined)) {
    invalid("tls.certFile and tls.keyFile go together");
  }
  if (config.auth && (config.auth.password === undefined) === (config.auth.passwordFile === undefined)) {
    invalid("auth needs exactly one of password and passwordFile");
  }
  return {
    prefix: prefixOf(config.prefix ?? DEFAULT_PREFIX),
    requestTimeoutMs: positive(config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, "requestTimeoutMs"),
    retryForMs: positive(config.retryForMs ?? DEFAULT_RETRY_FOR_MS, "retryForMs"),
    lease: config.lease && {
      ttlSeconds: ttlOf(config.lease.ttlSeconds),
      hostId: hostIdOf(config.lease.hostId ?? hostname()),
    },
    client: readFiles ? clientOptions(config, endpoints) : { hosts: endpoints },
  };
}

function clientOptions(config: EtcdConfig, hosts: string[]): IOptions {
  const timeout = config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const options: IOptions = {
    hosts,
    dialTimeout: timeout,
    // Streams (watch, keep-alive) live as long as they are needed; only single calls get a deadline.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeout }),
  };
  const { tls, auth } = config;
  if (tls) {
    options.credentials = {
      rootCertificate: readFileSync(tls.caFile),
      ...(tls.certFile && { certChain: readFileSync(tls.certFile) }),
      ...(tls.keyFile && { privateKey: readFileSync(tls.keyFile) }),
    };
  }
  if (auth) {
    const password = auth.password ?? readFileSync(auth.passwordFile ?? "", "utf8").split("\n")[0] ?? "";
    options.auth = { username: auth.username, password };
  }
  return options;
}

function prefixOf(prefix: string): string {
  if (!prefix.startsWith("/") || prefix.endsWith("/") || prefix.includes("//")) {
    invalid(`prefix ${JSON.stringify(prefix)} must start with / and not end with / (such as /own6)`);
  }
  return prefix;
}

function ttlOf(ttl: number): number {
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 9_000_000_000)
    invalid("lease.ttlSeconds must be a whole number of seconds, 1 or more");
  return ttl;
}

/** Host names become key segments; lone surrogates would not survive UTF-8, so two could collide. */
function hostIdOf(hostId: string): string {
  if (hostId === "" || /\p{Surrogate}/u.test(hostId)) invalid("lease.hostId must be a non-empty, well-formed string");
  return hostId;
}

function positive(value: number, field: string): number {
  if (!(value > 0 && Number.isFinite(value))) invalid(`${field} must be a positive number of milliseconds`);
  return value;
}

function tlsOf(input: unknown, where: string): EtcdTls {
  const o = object(input, where);
  onlyKeys(o, where, ["caFile", "certFile", "keyFile"]);
  const certFile = optional(o, "certFile", where, string);
  const keyFile = optional(o, "keyFile", where, string);
  return {
    caFile: string(o.caFile, `${where}.caFile`),
    ...(certFile !== undefined && { certFile }),
    ...(keyFile !== undefined && { keyFile }),
  };
}

function authOf(input: unknown, where: string): EtcdAuth {
  const o = object(input, where);
  onlyKeys(o, where, ["username", "password", "passwordFile"]);
  const password = optional(o, "password", where, string);
  const passwordFile = optional(o, "passwordFile", where, string);
  return {
    username: string(o.username, `${where}.username`),
    ...(password !== undefined && { password }),
    ...(passwordFile !== undefined && { passwordFile }),
  };
}

function leaseOf(input: unknown, where: string): EtcdLeaseConfig {
  const o = object(input, where);
  onlyKeys(o, where, ["ttlSeconds", "hostId"]);
  const hostId = optional(o, "hostId", where, string);
  return { ttlSeconds: number(o.ttlSeconds, `${where}.ttlSeconds`), ...(hostId !== undefined && { hostId }) };
}

type Fields = Readonly<Record<string, unknown>>;

function object(input: unknown, where: string): Fields {
  if (typeof input !== "object" || input === null || Array.isArray(input)) invalid(`${where} must be an object`);
  return input as Fields;
}

function onlyKeys(o: Fields, where: string, known: readonly string[]): void {
  const unknown = Object.keys(o).find((k) => !known.includes(k));
  if (unknown !== undefined) invalid(`${where}.${unknown} is not a known field (known: ${known.join(", ")})`);
}

function optional<T>(o: Fields, key: string, where: string, check: (v: unknown, where: string) => T): T | undefined {
  return o[key] === undefined ? undefined : check(o[key], `${where}.${key}`);
}

function array(input: unknown, where: string): unknown[] {
  if (!Array.isArray(input)) invalid(`${where} must be an array`);
  return input;
}

function string(input: unknown, where: string): string {
  if (typeof input !== "string") invalid(`${where} must be a string`);
  return input;
}

function number(input: unknown, where: string): number {
  if (typeof input !== "number") invalid(`${where} must be a number`);
  return input;
}

function invalid(message: string): never {
  throw new EtcdConfigError(message);
}
