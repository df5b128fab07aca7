import { Prefix } from "@own6/core";
import type { Logger } from "pino";
import type { AddressBook } from "../addressing/address-book.js";
import type { HostNetwork } from "../host/host.js";
import type { StateStore } from "../state/store.js";

/**
 * Runs tasks one after the other. Pool and network changes go through one queue: they are rare,
 * and a prefix or a DAD probe must never be torn down while another request sets it up.
 *
 * @example
 * ```ts
 * const queue = new SerialQueue();
 * await queue.run(async () => createNetwork());
 * ```
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * Runs `work` once everything queued before it has settled.
   *
   * @example
   * ```ts
   * await queue.run(() => host.prepare("eth0", "routed"));
   * ```
   */
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#tail.catch(() => undefined).then(work);
    this.#tail = next;
    return next;
  }
}

/**
 * What both drivers work with.
 *
 * @example
 * ```ts
 * const context: DriverContext = { state, addresses, host, log, defaultParent: "eth0", topology: new SerialQueue() };
 * ```
 */
export interface DriverContext {
  readonly state: StateStore;
  readonly addresses: AddressBook;
  readonly host: HostNetwork;
  readonly log: Logger;
  /** The uplink for pools that name none (`--parent`); else the one link with an RA-learned prefix. */
  readonly defaultParent: string | undefined;
  readonly topology: SerialQueue;
}

/**
 * Stops serving `prefix` when no pool or network uses it any more, and removes the DAD probe of
 * `parent` when no network uses it. Docker releases pools before it deletes the network
 * (docker.md B2), so both drivers call this.
 *
 * @example
 * ```ts
 * await releaseUnused(context, pool.prefix, pool.parent);
 * ```
 */
export async function releaseUnused(context: DriverContext, prefix: string, parent: string | null): Promise<void> {
  const { state } = context;
  if (!state.pools().some((p) => p.prefix === prefix) && !state.networks().some((n) => n.prefix === prefix)) {
    await context.addresses.retire(Prefix.parse(prefix));
  }
  if (parent !== null && !state.networks().some((n) => n.parent === parent)) {
    await context.host.unprepare(parent);
  }
}
