import type { Address } from "../address.js";
import type { DadOutcome } from "./check.js";
import type { DadAnswerNa } from "./effects.js";
import type { DadLinkDown, DadNaHeard, DadNsHeard } from "./events.js";

/**
 * What a packet-level probe reports for the address it watches: an NS or NA whose target is that
 * address, or a change of carrier.
 *
 * @example
 * ```ts
 * listener({ type: "nsHeard", target, source: Address.parse("::"), nonce: Uint8Array.of(1, 2, 3, 4, 5, 6) });
 * listener({ type: "linkDown" });
 * ```
 */
export type DadSignal = DadNsHeard | DadNaHeard | DadLinkDown | { readonly type: "linkUp" };

/**
 * The link, as DAD sees it: the one interface an adapter implements to let own6 run DAD itself.
 * The simulated link implements it in memory; a raw-packet adapter implements it with the NDP
 * codec (`encodeNdp`/`decodeNdp`) over an ICMPv6 socket.
 *
 * The contract:
 *
 * - `subscribe` is called once per DAD run, before the first probe. From then on the probe must be
 *   listening on the all-nodes group and the solicited-node group of `target` (RFC 4862 §5.4.2
 *   says to join them before sending). It calls `listener` for every valid NS and NA (RFC 4861
 *   §7.1.1, §7.1.2: hop limit 255, code 0, and so on; invalid ones are dropped silently) whose
 *   target is `target`, with the IPv6 source and the Nonce option's bytes if any, and with
 *   `linkDown`/`linkUp` when carrier changes (a link that is down when `subscribe` is called
 *   says `linkDown` at once, even inside `subscribe`; DAD then waits for `linkUp`). Copies of our own probes that the link hands back
 *   are delivered like any other NS: do not filter them by link-layer source, which would hide a
 *   peer with the same MAC (RFC 4862 Appendix A); the machine tells them apart by nonce or by
 *   count. `listener` may be called at any time, even synchronously inside `sendNs`. The returned
 *   function unsubscribes; after it, `listener` is not called again.
 * - `sendNs` sends one NS(DAD): IPv6 source `::`, destination the solicited-node group of
 *   `target`, hop limit 255, no Source Link-Layer Address option, and a Nonce option (type 14)
 *   holding `nonce` when it is set. Throwing or rejecting makes DAD inconclusive.
 * - `sendNa` (optional) sends a Neighbor Advertisement as the machine asks, to defend an assigned
 *   address or answer for an optimistic one. Omit it when something else (the kernel) defends.
 * - `close` (optional) releases the probe; {@link createDadCheck} calls it when the check ends.
 *
 * @example
 * ```ts
 * // A raw-packet probe sketch over an ICMPv6 socket and the NDP codec.
 * const probe: DadProbe = {
 *   sendNs: (target, nonce) =>
 *     socket.send(encodeNdp({ type: 135, target, options: nonce ? [{ kind: "nonce", nonce }] : [] }, pairFor(target))),
 *   subscribe: (target, listener) => socket.onPacket((bytes, source) => {
 *     const m = decodeNdp(bytes);
 *     if (m.type === 135 && m.target.equals(target)) listener({ type: "nsHeard", target, source, nonce: nonceOf(m) });
 *     if (m.type === 136 && m.target.equals(target)) listener({ type: "naHeard", target, source });
 *   }),
 * };
 * ```
 */
export interface DadProbe {
  /** Sends one NS(DAD) for `target`, with a Nonce option when `nonce` is set. */
  sendNs(target: Address, nonce: Uint8Array | undefined): void | Promise<void>;
  /** Sends an NA for an address this node holds; see {@link DadAnswerNa}. */
  sendNa?(answer: DadAnswerNa): void | Promise<void>;
  /** Starts delivering what the link says about `target`; returns the unsubscribe function. */
  subscribe(target: Address, listener: (signal: DadSignal) => void): () => void;
  /** Releases the probe's resources. */
  close?(): void;
}

/**
 * A probe that cannot see packets, only a verdict: the kernel runs DAD on an address the adapter
 * added, and the adapter reads the outcome (`ip monitor address`: `tentative` cleared, or
 * `dadfailed`). The driver then runs the machine in `verdict` mode: it sends nothing, waits for
 * the report and gives up after `verdictTimeoutMs`.
 *
 * The contract: `watch` starts (or finds) the kernel's DAD for `target` and calls `report` once
 * with its result; later calls are ignored. Report `inconclusive` when the kernel cannot decide
 * (for example, the link never had carrier, so the address stays tentative). The returned
 * function stops watching; it does not remove the address.
 *
 * @example
 * ```ts
 * const kernelProbe: VerdictProbe = {
 *   watch: (target, report) => monitor.onAddress(target, (flags) => {
 *     if (flags.includes("dadfailed")) report({ status: "duplicate", evidence: "the kernel set dadfailed" });
 *     else if (!flags.includes("tentative")) report({ status: "unique" });
 *   }),
 * };
 * ```
 */
export interface VerdictProbe {
  /** Starts watching the kernel's DAD for `target`; returns the function that stops watching. */
  watch(target: Address, report: (outcome: DadOutcome) => void): () => void;
  /** Releases the probe's resources. */
  close?(): void;
}

/**
 * Makes the probe for one address; {@link createDadCheck} calls it once per check. It may be
 * asynchronous (opening a socket); throwing or rejecting makes the check inconclusive.
 *
 * @example
 * ```ts
 * const factory: DadProbeFactory = (target) => node.probe(target);
 * ```
 */
export type DadProbeFactory = (target: Address) => DadProbe | VerdictProbe | Promise<DadProbe | VerdictProbe>;

/**
 * Whether `probe` reports verdicts rather than packets.
 *
 * @example
 * ```ts
 * if (isVerdictProbe(probe)) probe.watch(target, report);
 * ```
 */
export function isVerdictProbe(probe: DadProbe | VerdictProbe): probe is VerdictProbe {
  return "watch" in probe && typeof probe.watch === "function";
}
