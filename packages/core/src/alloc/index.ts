export * from "./algorithm.js";
export * from "./allocator.js";
export { type AllocatorConfig, IDGEN_DELAY_MS, IDGEN_RETRIES } from "./config.js";
export * from "./errors.js";
export * from "./lease.js";
export * from "./memory-store.js";
export * from "./store.js";
export * from "./table.js";
