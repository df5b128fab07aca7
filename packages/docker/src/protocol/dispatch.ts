import { PluginError } from "./errors.js";
import type { IpamDriver } from "./ipam-driver.js";
import type { NetworkDriver } from "./network-driver.js";
import type { ActivateReply } from "./replies.js";

/**
 * One plugin method: the decoded JSON body (undefined for an empty one) in, the reply out.
 *
 * @example
 * ```ts
 * const activate: Handler = () => ({ Implements: ["NetworkDriver", "IpamDriver"] });
 * ```
 */
export type Handler = (body: unknown) => unknown;

/**
 * Routes Docker's `POST /<Interface>.<Method>` calls to the two drivers. One socket serves both
 * roles (docker.md A1). Unknown methods are a 404, which Docker reads as "not implemented".
 *
 * @example
 * ```ts
 * const dispatch = new Dispatcher(networkDriver, ipamDriver);
 * await dispatch.call("/Plugin.Activate", undefined); // { Implements: ["NetworkDriver", "IpamDriver"] }
 * ```
 */
export class Dispatcher {
  readonly #routes: ReadonlyMap<string, Handler>;

  constructor(network: NetworkDriver, ipam: IpamDriver) {
    const activate = (): ActivateReply => ({ Implements: ["NetworkDriver", "IpamDriver"] });
    const nothing = () => ({});
    this.#routes = new Map<string, Handler>([
      ["/Plugin.Activate", activate],
      ["/NetworkDriver.GetCapabilities", () => network.capabilities()],
      ["/NetworkDriver.GwAllocCheck", (b) => network.gwAllocCheck(b)],
      ["/NetworkDriver.CreateNetwork", (b) => network.createNetwork(b)],
      ["/NetworkDriver.DeleteNetwork", (b) => network.deleteNetwork(b)],
      ["/NetworkDriver.CreateEndpoint", (b) => network.createEndpoint(b)],
      ["/NetworkDriver.EndpointOperInfo", (b) => network.endpointOperInfo(b)],
      ["/NetworkDriver.DeleteEndpoint", (b) => network.deleteEndpoint(b)],
      ["/NetworkDriver.Join", (b) => network.join(b)],
      ["/NetworkDriver.Leave", (b) => network.leave(b)],
      ["/NetworkDriver.ProgramExternalConnectivity", (b) => network.externalConnectivity(b)],
      ["/NetworkDriver.RevokeExternalConnectivity", (b) => network.externalConnectivity(b)],
      ["/NetworkDriver.DiscoverNew", nothing],
      ["/NetworkDriver.DiscoverDelete", nothing],
      ["/IpamDriver.GetCapabilities", () => ipam.capabilities()],
      ["/IpamDriver.GetDefaultAddressSpaces", () => ipam.addressSpaces()],
      ["/IpamDriver.RequestPool", (b) => ipam.requestPool(b)],
      ["/IpamDriver.ReleasePool", (b) => ipam.releasePool(b)],
      ["/IpamDriver.RequestAddress", (b) => ipam.requestAddress(b)],
      ["/IpamDriver.ReleaseAddress", (b) => ipam.releaseAddress(b)],
    ]);
  }

  /**
   * Whether `path` is a plugin method.
   *
   * @example
   * ```ts
   * dispatch.knows("/NetworkDriver.Join"); // true
   * ```
   */
  knows(path: string): boolean {
    return this.#routes.has(path);
  }

  /**
   * Runs the method at `path` with `body` and resolves with its reply.
   *
   * @throws {@link PluginError} `UNKNOWN_METHOD` (404) for a path that is no plugin method, and
   * whatever the method throws.
   * @example
   * ```ts
   * await dispatch.call("/IpamDriver.GetCapabilities", undefined);
   * ```
   */
  async call(path: string, body: unknown): Promise<unknown> {
    const handler = this.#routes.get(path);
    if (!handler) throw new PluginError("UNKNOWN_METHOD", `own6 does not implement ${path}`);
    return handler(body);
  }
}
