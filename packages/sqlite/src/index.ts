export * from "./documents.js";
export * from "./secret.js";
export * from "./store.js";
