export * from "./fc.js";
export * from "./lease-store-contract.js";
export * from "./root.js";
