export { VirtualClock } from "./clock.js";
export { SimError, type SimErrorCode } from "./errors.js";
export { type SimFrame, SimLink, type SimLinkOptions, type SimNa, type SimNs, type SimTransmission } from "./link.js";
export { SimNode } from "./node.js";
export { SeededRandom } from "./random.js";
