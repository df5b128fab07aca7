import type { Prefix } from "@own6/core";
import type { AddressConfig } from "../config/address.js";
import type { Logger } from "../plugin/log.js";
import type { CniEnv } from "../spec/env.js";
import type { Reservations } from "../store/reservations.js";

/**
 * How own6-cni attaches containers: their own macvlan on the uplink, or a routed veth with proxy NDP.
 *
 * @example
 * ```ts
 * const mode: AttachMode = "routed";
 * ```
 */
export type AttachMode = "macvlan" | "routed";

/**
 * own6-cni's configuration: the address logic plus the mode and the uplink (`master`).
 *
 * @example
 * ```ts
 * const config: CniConfig = { ...addressConfig, mode: "routed", master: "eth0" };
 * ```
 */
export interface CniConfig extends AddressConfig {
  readonly mode: AttachMode;
  readonly master: string;
}

/**
 * Everything one own6-cni ADD works with.
 *
 * @example
 * ```ts
 * const result = await addMacvlan({ env, config, prefix, owner, reservations, log });
 * ```
 */
export interface AttachContext {
  readonly env: CniEnv;
  readonly config: CniConfig;
  readonly prefix: Prefix;
  /** `<container id>/<ifname>`. */
  readonly owner: string;
  readonly reservations: Reservations;
  readonly log: Logger;
}
