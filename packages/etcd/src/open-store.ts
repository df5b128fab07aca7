import type { LeaseStore } from "@own6/core";
import type { StoreConfig } from "./config.js";
import { EtcdLeaseStore } from "./store/store.js";

/**
 * A {@link LeaseStore} a plugin can close when it is done.
 *
 * @example
 * ```ts
 * const store: ClosableLeaseStore = await openStore(config, openSqlite);
 * store.close();
 * ```
 */
export type ClosableLeaseStore = LeaseStore & { close(): void };

/**
 * Opens the store a plugin's `store` configuration names: etcd here, or the host's SQLite
 * database through `openLocal` (the plugin's own opener, so that this package does not depend on
 * SQLite), given the configured directory if there is one.
 *
 * @example
 * ```ts
 * const config = parseStoreConfig(netconf.store);
 * const store = await openStore(config, (dir) => SqliteLeaseStore.openIn(dir ?? join(dataDir, "cni", name)));
 * ```
 */
export async function openStore(
  config: StoreConfig,
  openLocal: (dir: string | undefined) => ClosableLeaseStore,
): Promise<ClosableLeaseStore> {
  if (config.type === "sqlite") return openLocal(config.dir);
  const { type: _, ...etcd } = config;
  return EtcdLeaseStore.open(etcd);
}
