import { Own6Error } from "@own6/core";

/**
 * A store configuration that cannot work: a missing endpoint, TLS over `http://`, a password given
 * twice, an unknown field. The message names the field; it never repeats a credential.
 *
 * @example
 * ```ts
 * parseStoreConfig({ type: "etcd", endpoints: [] }); // throws, code ETCD_CONFIG_INVALID
 * ```
 */
export class EtcdConfigError extends Own6Error {
  constructor(message: string) {
    super("ETCD_CONFIG_INVALID", message);
  }
}

/**
 * etcd did not answer within the retry budget (`retryForMs`): no quorum, no reachable member, or
 * authentication refused. A write that fails so may or may not have been applied; the record
 * itself is never half-written, and a later read tells.
 *
 * @example
 * ```ts
 * try { await store.get(key); } catch (e) { if (e instanceof EtcdUnavailableError) retryLater(); }
 * ```
 */
export class EtcdUnavailableError extends Own6Error {
  constructor(operation: string, cause: unknown) {
    super("ETCD_UNAVAILABLE", `etcd did not complete ${operation}: ${messageOf(cause)}; check the cluster's health`);
    this.cause = cause;
  }
}

/**
 * etcd refused a request on its merits: authentication failed, the user lacks permission on
 * own6's prefix, or the request was malformed. Retrying will not help; fix the configuration or
 * etcd's roles.
 *
 * @example
 * ```ts
 * await store.get(key); // throws, code ETCD_REQUEST_REFUSED, when the user may not read the prefix
 * ```
 */
export class EtcdRequestError extends Own6Error {
  constructor(operation: string, cause: unknown) {
    super("ETCD_REQUEST_REFUSED", `etcd refused ${operation}: ${messageOf(cause)}`);
    this.cause = cause;
  }
}

/**
 * The host's etcd lease ended (it was not renewed within its TTL, or it was revoked), so etcd has
 * deleted every record written under it. The store refuses further writes: reopen it, and
 * allocate again what the host still runs.
 *
 * @example
 * ```ts
 * store.hostLease?.onLost(() => restartAllocator());
 * ```
 */
export class EtcdLeaseLostError extends Own6Error {
  constructor(hostId: string) {
    super(
      "ETCD_LEASE_LOST",
      `the etcd lease of host ${JSON.stringify(hostId)} ended, and its records with it; reopen the store and allocate again`,
    );
  }
}

/**
 * A value under own6's key prefix that own6 did not write (or a newer own6 wrote in a format this
 * one does not know).
 *
 * @example
 * ```ts
 * await store.list("address/"); // throws, code ETCD_RECORD_INVALID, if someone put "x" under the prefix
 * ```
 */
export class EtcdRecordError extends Own6Error {
  constructor(key: string, reason: string) {
    super("ETCD_RECORD_INVALID", `the value of etcd key ${JSON.stringify(key)} is not an own6 record: ${reason}`);
  }
}

/**
 * A watch ended for good: etcd cancelled it (most often because the revision to resume from was
 * compacted away), or a listener threw. Changes after it are not delivered; reopen the allocator
 * (which reloads) and watch again.
 *
 * @example
 * ```ts
 * await store.watch("address/", onChange, { onError: (e) => console.error(e.code, e.message) });
 * ```
 */
export class EtcdWatchError extends Own6Error {
  constructor(reason: string, cause?: unknown) {
    super("ETCD_WATCH_FAILED", `the watch on the lease store stopped: ${reason}; reload and watch again`);
    if (cause !== undefined) this.cause = cause;
  }
}

/**
 * A prefix plan has no free subnet left for a new host.
 *
 * @example
 * ```ts
 * await plan.claim("host-257"); // throws, code PLAN_EXHAUSTED, once a /56 has given out its 256 /64s
 * ```
 */
export class PlanExhaustedError extends Own6Error {
  constructor(prefix: string, length: number) {
    super("PLAN_EXHAUSTED", `every /${length} of ${prefix} is claimed; release one or plan a larger prefix`);
  }
}

/**
 * A prefix plan asked for something it cannot be: subnets no longer than the prefix, or an empty
 * or malformed host name.
 *
 * @example
 * ```ts
 * PrefixPlan.open(config, { prefix: Prefix.parse("2001:db8::/64"), length: 48 }); // throws, code PLAN_INPUT_INVALID
 * ```
 */
export class PlanInputError extends Own6Error {
  constructor(message: string) {
    super("PLAN_INPUT_INVALID", message);
  }
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
