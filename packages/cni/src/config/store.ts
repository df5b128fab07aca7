import type { StoreConfig } from "@own6/etcd";
import { CNI_CODES, CniError } from "../spec/errors.js";
import { isJsonObject, type JsonObject } from "../spec/netconf.js";
import type { Section } from "./read.js";

/**
 * Where a network's reservations live: the host's SQLite database (the default) or etcd. An etcd
 * setting is kept as written and checked in full by @own6/etcd's `parseStoreConfig` when the
 * store is opened, so the default path never loads the etcd client.
 *
 * @example
 * ```ts
 * const store: StoreSetting = { type: "etcd", path: "ipam.store", raw: { type: "etcd", endpoints: ["http://127.0.0.1:2379"] } };
 * ```
 */
export type StoreSetting =
  | { readonly type: "sqlite"; readonly dir?: string }
  | { readonly type: "etcd"; readonly path: string; readonly raw: JsonObject };

function invalid(message: string): CniError {
  return new CniError(CNI_CODES.invalidConfig, message);
}

/**
 * Reads the `store` key of `s`: absent is SQLite in the data directory. A TTL `lease` is refused:
 * a CNI plugin process lives for one command, so nothing would renew it and etcd would drop the
 * network's reservations once it expired.
 *
 * @throws {@link CniError} code 7 naming the key.
 * @example
 * ```ts
 * readStore({ path: "ipam", value: { store: { type: "sqlite" } } }); // { type: "sqlite" }
 * ```
 */
export function readStore(s: Section): StoreSetting {
  const path = s.path === "" ? "store" : `${s.path}.store`;
  const value = s.value.store;
  if (value === undefined) return { type: "sqlite" };
  if (!isJsonObject(value)) throw invalid(`${path} must be an object, not ${JSON.stringify(value)}`);
  if (value.type === "sqlite") {
    for (const key of Object.keys(value)) {
      if (key !== "type" && key !== "dir") throw invalid(`${path}.${key} is not a field of a sqlite store`);
    }
    if (value.dir === undefined) return { type: "sqlite" };
    if (typeof value.dir !== "string" || !value.dir.startsWith("/")) {
      throw invalid(`${path}.dir must be an absolute path, not ${JSON.stringify(value.dir)}`);
    }
    return { type: "sqlite", dir: value.dir };
  }
  if (value.type !== "etcd")
    throw invalid(`${path}.type must be "sqlite" or "etcd", not ${JSON.stringify(value.type)}`);
  if (value.lease !== undefined) {
    throw invalid(
      `${path}.lease is not supported by the CNI plugins: each runs for one command, so nothing would renew ` +
        "the TTL lease and etcd would delete the reservations; remove lease",
    );
  }
  return { type: "etcd", path, raw: value };
}

/**
 * Checks an etcd setting in full with @own6/etcd (loaded here, on first use) and gives the
 * network its own key prefix, `<prefix>/cni/<network>`.
 *
 * @throws {@link CniError} code 7 naming the field at fault.
 * @example
 * ```ts
 * const config = await etcdStoreConfig(setting, "own6-net"); // prefix "/own6/cni/own6-net"
 * ```
 */
export async function etcdStoreConfig(
  setting: Extract<StoreSetting, { type: "etcd" }>,
  network: string,
): Promise<Extract<StoreConfig, { type: "etcd" }>> {
  const { parseStoreConfig } = await import("@own6/etcd");
  let config: StoreConfig;
  try {
    config = parseStoreConfig(setting.raw, setting.path);
  } catch (e) {
    const message = (e as Error).message;
    throw invalid(message.startsWith(setting.path) ? message : `${setting.path}: ${message}`);
  }
  if (config.type !== "etcd") throw invalid(`${setting.path}.type must be "etcd"`);
  return { ...config, prefix: `${config.prefix ?? "/own6"}/cni/${network}` };
}
