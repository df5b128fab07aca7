// The reply bodies, with Docker's exact JSON field names (docker.md A2, A4, A5).

/**
 * Plugin.Activate: the roles this one socket serves.
 *
 * @example
 * ```ts
 * const reply: ActivateReply = { Implements: ["NetworkDriver", "IpamDriver"] };
 * ```
 */
export interface ActivateReply {
  readonly Implements: readonly ("NetworkDriver" | "IpamDriver")[];
}

/**
 * NetworkDriver.GetCapabilities; 20.10 ignores `GwAllocChecker`, 28+ then sends GwAllocCheck.
 *
 * @example
 * ```ts
 * const reply: NetworkCapabilitiesReply = { Scope: "local", ConnectivityScope: "local", GwAllocChecker: true };
 * ```
 */
export interface NetworkCapabilitiesReply {
  readonly Scope: "local";
  readonly ConnectivityScope: "local";
  readonly GwAllocChecker: boolean;
}

/**
 * NetworkDriver.GwAllocCheck (28+): whether Docker should skip allocating gateway addresses.
 *
 * @example
 * ```ts
 * const reply: GwAllocCheckReply = { SkipIPv4: true, SkipIPv6: true };
 * ```
 */
export interface GwAllocCheckReply {
  readonly SkipIPv4: boolean;
  readonly SkipIPv6: boolean;
}

/**
 * One static route for the container; RouteType 0 is "via NextHop".
 *
 * @example
 * ```ts
 * const route: StaticRoute = { Destination: "::/0", RouteType: 0, NextHop: "fe80::1" };
 * ```
 */
export interface StaticRoute {
  readonly Destination: string;
  readonly RouteType: 0;
  readonly NextHop: string;
}

/**
 * NetworkDriver.Join.
 *
 * @example
 * ```ts
 * const reply: JoinReply = { InterfaceName: { SrcName: "o6c0123456789ab", DstPrefix: "eth" }, GatewayIPv6: "fe80::1", StaticRoutes: [], DisableGatewayService: true };
 * ```
 */
export interface JoinReply {
  readonly InterfaceName: { readonly SrcName: string; readonly DstPrefix: string };
  readonly GatewayIPv6?: string;
  readonly StaticRoutes: readonly StaticRoute[];
  readonly DisableGatewayService: true;
}

/**
 * NetworkDriver.EndpointOperInfo.
 *
 * @example
 * ```ts
 * const reply: OperInfoReply = { Value: {} };
 * ```
 */
export interface OperInfoReply {
  readonly Value: Record<string, never>;
}

/**
 * IpamDriver.GetCapabilities.
 *
 * @example
 * ```ts
 * const reply: IpamCapabilitiesReply = { RequiresMACAddress: true, RequiresRequestReplay: false };
 * ```
 */
export interface IpamCapabilitiesReply {
  readonly RequiresMACAddress: boolean;
  readonly RequiresRequestReplay: boolean;
}

/**
 * IpamDriver.GetDefaultAddressSpaces.
 *
 * @example
 * ```ts
 * const reply: AddressSpacesReply = { LocalDefaultAddressSpace: "own6", GlobalDefaultAddressSpace: "own6-global" };
 * ```
 */
export interface AddressSpacesReply {
  readonly LocalDefaultAddressSpace: string;
  readonly GlobalDefaultAddressSpace: string;
}

/**
 * IpamDriver.RequestPool; `Data` may carry the gateway as `com.docker.network.gateway`.
 *
 * @example
 * ```ts
 * const reply: RequestPoolReply = { PoolID: "2001:db8:1::/64@0a1b2c3d", Pool: "2001:db8:1::/64", Data: { "com.docker.network.gateway": "2001:db8:1::/64" } };
 * ```
 */
export interface RequestPoolReply {
  readonly PoolID: string;
  readonly Pool: string;
  readonly Data: Record<string, string>;
}

/**
 * IpamDriver.RequestAddress: `address/length`.
 *
 * @example
 * ```ts
 * const reply: RequestAddressReply = { Address: "2001:db8:1::5/128", Data: {} };
 * ```
 */
export interface RequestAddressReply {
  readonly Address: string;
  readonly Data: Record<string, string>;
}

/**
 * The empty success reply.
 *
 * @example
 * ```ts
 * const reply: EmptyReply = {};
 * ```
 */
export type EmptyReply = Record<string, never>;
