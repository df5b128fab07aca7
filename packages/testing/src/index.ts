export * from "./fc.js";
export * from "./root.js";
