import { createHash } from "node:crypto";

// Link names come from the EndpointID, so that DeleteEndpoint finds them even after the plugin
// lost its state (docker.md A6): "o6" + a letter for the role + 12 hex digits = 15 characters,
// Linux's limit.

/**
 * The names of an endpoint's links in the host namespace: the macvlan (macvlan mode), or the
 * veth's host end and container end (routed mode).
 *
 * @example
 * ```ts
 * linkNames("c42849c43c73077da43a166caba57eab"); // { macvlan: "o6mc42849c43c73", host: "o6hc42849c43c73", container: "o6cc42849c43c73" }
 * ```
 */
export function linkNames(endpointId: string): { macvlan: string; host: string; container: string } {
  const id = endpointId.slice(0, 12);
  return { macvlan: `o6m${id}`, host: `o6h${id}`, container: `o6c${id}` };
}

/**
 * The network namespace where DAD probes for `parent` run: named after the plugin, so that two
 * plugins (or test runs) never share one, and after the parent, within the 64 characters
 * iproute2 allows.
 *
 * @example
 * ```ts
 * probeNetns("own6", "eth0"); // "own6-dad-eth0"
 * ```
 */
export function probeNetns(plugin: string, parent: string): string {
  const safe = /^[A-Za-z0-9_.-]+$/.test(parent)
    ? parent
    : createHash("sha256").update(parent).digest("hex").slice(0, 12);
  return `${plugin}-dad-${safe}`;
}
