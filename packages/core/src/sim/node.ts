import { Address } from "../address.js";
import { type DadRun, startDad } from "../dad/driver.js";
import { ALL_NODES } from "../dad/effects.js";
import type { DadOptions } from "../dad/options.js";
import type { DadProbe, DadSignal } from "../dad/probe.js";
import { type DadPhase, type DadState, mayBeNsSource } from "../dad/state.js";
import { solicitedNodeAddress } from "../ndp/solicited-node.js";
import { SimError } from "./errors.js";
import type { SimFrame, SimLink } from "./link.js";
import type { SeededRandom } from "./random.js";

const UNSPECIFIED = Address.parse("::");

type Listener = (signal: DadSignal) => void;

/**
 * A host on a {@link SimLink}. Each address it claims runs the real DAD machine through the real
 * driver, with this node as the probe; it hears what RFC 4861 says it should: NS sent to the
 * solicited-node group of an address it listens for (or to that address), and NA sent to
 * ff02::1 or to one of its addresses. A "squatter" is a node that holds addresses without DAD
 * ({@link SimNode.squat}) and may send DAD probes of its own ({@link SimNode.sendDadNs}).
 *
 * @example
 * ```ts
 * const node = link.addNode("c1");
 * const run = node.claim(Address.parse("2001:db8::1"));
 * link.clock.runUntilIdle();
 * await run.outcome; // { status: "unique" }
 * ```
 */
export class SimNode {
  /** The node's name, for traces. */
  readonly name: string;
  /** The link the node is attached to. */
  readonly link: SimLink;
  /** The node's own generator (a fork of the link's). */
  readonly random: SeededRandom;
  readonly #defaults: DadOptions;
  readonly #runs = new Map<string, DadRun>();
  // Kept by the driver's transition hook, so a run's phase is known during its first step too.
  readonly #states = new Map<string, DadState>();
  readonly #listeners = new Map<string, Set<Listener>>();
  #connected = true;

  /**
   * Use {@link SimLink.addNode}, which attaches the node.
   *
   * @example
   * ```ts
   * const node = link.addNode("c1"); // rather than new SimNode(...)
   * ```
   */
  constructor(link: SimLink, name: string, random: SeededRandom, defaults: DadOptions) {
    this.link = link;
    this.name = name;
    this.random = random;
    this.#defaults = defaults;
  }

  /**
   * Starts DAD for `target` with the node's default options overlaid by `options`. The run keeps
   * defending the address once it is assigned.
   *
   * @throws {@link SimError} (`SIM_ALREADY_CLAIMED`) if the node already has a run for `target`.
   * @example
   * ```ts
   * const run = node.claim(target, { optimistic: true });
   * ```
   */
  claim(target: Address, options: DadOptions = {}): DadRun {
    const key = keyOf(target);
    if (this.#runs.has(key)) throw new SimError("SIM_ALREADY_CLAIMED", `${this.name} already claimed ${target}`);
    const run = startDad({
      target,
      probe: this.probe(),
      clock: this.link.clock,
      random: this.random.asRandomBytes(),
      options: { ...this.#defaults, ...options },
      onTransition: (_event, { state }) => this.#states.set(key, state),
    });
    this.#runs.set(key, run);
    return run;
  }

  /**
   * Takes `target` without DAD (DupAddrDetectTransmits = 0), as a host that already holds it:
   * it is preferred at once and answers every NS for it.
   *
   * @example
   * ```ts
   * squatter.squat(target);
   * ```
   */
  squat(target: Address): DadRun {
    return this.claim(target, { dadTransmits: 0 });
  }

  /**
   * The phase of the node's run for `target`, or undefined if it never claimed it.
   *
   * @example
   * ```ts
   * node.phaseOf(target); // "tentative", "preferred", "duplicate", ...
   * ```
   */
  phaseOf(target: Address): DadPhase | undefined {
    return this.#states.get(keyOf(target))?.phase;
  }

  /**
   * The node's runs, one per claimed address.
   *
   * @example
   * ```ts
   * for (const run of node.runs) run.stop();
   * ```
   */
  get runs(): readonly DadRun[] {
    return [...this.#runs.values()];
  }

  /**
   * A {@link DadProbe} on this node's interface, for `createDadCheck` or `startDad` in `@own6/core`.
   *
   * @example
   * ```ts
   * const check = createDadCheck({ probe: () => node.probe(), clock: link.clock, random });
   * ```
   */
  probe(): DadProbe {
    return {
      sendNs: (target, nonce) => this.sendDadNs(target, nonce),
      sendNa: (na) =>
        this.#send({
          kind: "na",
          source: na.target,
          destination: na.destination,
          target: na.target,
          solicited: na.solicited,
          override: na.override,
        }),
      subscribe: (target, listener) => this.#subscribe(target, listener),
    };
  }

  /**
   * Sends an NS(DAD) for `target` outside any DAD run, as a squatter or a buggy host might.
   *
   * @example
   * ```ts
   * squatter.sendDadNs(target, Uint8Array.of(1, 2, 3, 4, 5, 6));
   * ```
   */
  sendDadNs(target: Address, nonce?: Uint8Array): void {
    this.#send({ kind: "ns", source: UNSPECIFIED, destination: solicitedNodeAddress(target), target, nonce });
  }

  /**
   * Sends an address-resolution NS for `target` from one of the node's assigned addresses; an
   * address that is tentative or optimistic is never used (RFC 4862 §5.4, RFC 4429 §3). Returns
   * false, sending nothing, when the node has no assigned address.
   *
   * @example
   * ```ts
   * node.resolve(Address.parse("2001:db8::99"));
   * ```
   */
  resolve(target: Address): boolean {
    const source = [...this.#states.values()].find(mayBeNsSource)?.target;
    if (!source) return false;
    this.#send({ kind: "ns", source, destination: solicitedNodeAddress(target), target, nonce: undefined });
    return true;
  }

  /**
   * Whether the node has carrier.
   *
   * @example
   * ```ts
   * node.connected; // true until disconnect()
   * ```
   */
  get connected(): boolean {
    return this.#connected;
  }

  /**
   * Pulls the cable: the node hears and sends nothing, and its runs see `linkDown`.
   *
   * @example
   * ```ts
   * node.disconnect(); // DAD in progress ends inconclusive
   * ```
   */
  disconnect(): void {
    if (!this.#connected) return;
    this.#connected = false;
    this.#signal({ type: "linkDown" });
  }

  /**
   * Plugs the cable back in; runs waiting for the link begin DAD.
   *
   * @example
   * ```ts
   * node.connect();
   * ```
   */
  connect(): void {
    if (this.#connected) return;
    this.#connected = true;
    this.#signal({ type: "linkUp" });
  }

  /**
   * Hands the node a frame from the wire; the link calls this when a delivery is due.
   *
   * @example
   * ```ts
   * node.receive(frame); // what SimLink does after the delivery delay
   * ```
   */
  receive(frame: SimFrame): void {
    if (!this.#connected || !this.#hears(frame)) return;
    const signal: DadSignal =
      frame.kind === "ns"
        ? { type: "nsHeard", target: frame.target, source: frame.source, nonce: frame.nonce }
        : { type: "naHeard", target: frame.target, source: frame.source };
    for (const listener of [...(this.#listeners.get(keyOf(frame.target)) ?? [])]) listener(signal);
  }

  #hears(frame: SimFrame): boolean {
    const to = frame.destination;
    if (to.kind !== "multicast") return this.#listeners.has(keyOf(to));
    if (frame.kind === "na") return to.equals(ALL_NODES);
    return to.equals(solicitedNodeAddress(frame.target));
  }

  #send(frame: SimFrame): void {
    this.link.transmit(this, frame);
  }

  #subscribe(target: Address, listener: Listener): () => void {
    const key = keyOf(target);
    const set = this.#listeners.get(key) ?? new Set<Listener>();
    set.add(listener);
    this.#listeners.set(key, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(key);
    };
  }

  #signal(signal: DadSignal): void {
    for (const set of [...this.#listeners.values()]) for (const listener of [...set]) listener(signal);
  }
}

function keyOf(address: Address): string {
  return address.withZone(undefined).toString();
}
