export * from "./errors.js";
export * from "./unix-socket.js";
