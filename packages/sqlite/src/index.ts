export * from "./secret.js";
export * from "./store.js";
