export {
  type EtcdAuth,
  type EtcdConfig,
  type EtcdLeaseConfig,
  type EtcdTls,
  parseEtcdConfig,
  parseStoreConfig,
  type StoreConfig,
} from "./config.js";
export * from "./errors.js";
export * from "./lease/host-lease.js";
export * from "./open-store.js";
export { type PlanEntry, type PlanOptions, PrefixPlan } from "./plan/plan.js";
export * from "./store/store.js";
export type { StoreChange, StoreWatch, WatchOptions } from "./store/watch.js";
