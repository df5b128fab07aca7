import type { Address } from "../address.js";
import type { DadOptions } from "../dad/options.js";
import { VirtualClock } from "./clock.js";
import { SimError } from "./errors.js";
import { SimNode } from "./node.js";
import { SeededRandom } from "./random.js";

/**
 * A Neighbor Solicitation on the simulated wire: a DAD probe when `source` is `::`, address
 * resolution otherwise.
 *
 * @example
 * ```ts
 * if (frame.kind === "ns" && frame.source.kind === "unspecified") countProbe(frame.target);
 * ```
 */
export interface SimNs {
  /** Discriminant. */
  readonly kind: "ns";
  /** `::` for DAD, else the sender's unicast address. */
  readonly source: Address;
  /** The solicited-node group of the target (or a unicast address). */
  readonly destination: Address;
  /** The address being probed or resolved. */
  readonly target: Address;
  /** The Nonce option's bytes, if any. */
  readonly nonce: Uint8Array | undefined;
}

/**
 * A Neighbor Advertisement on the simulated wire.
 *
 * @example
 * ```ts
 * if (frame.kind === "na" && !frame.override) console.log("an optimistic answer");
 * ```
 */
export interface SimNa {
  /** Discriminant. */
  readonly kind: "na";
  /** The advertised address, which is also the source. */
  readonly source: Address;
  /** ff02::1 for an answer to a DAD probe, else the solicitor's address. */
  readonly destination: Address;
  /** The advertised address. */
  readonly target: Address;
  /** S flag. */
  readonly solicited: boolean;
  /** O flag. */
  readonly override: boolean;
}

/**
 * A frame on the simulated link.
 *
 * @example
 * ```ts
 * const frames: SimFrame[] = [];
 * link.observe(({ frame }) => frames.push(frame));
 * ```
 */
export type SimFrame = SimNs | SimNa;

/**
 * One frame put on the wire, as observers see it (before loss, delay and duplication).
 *
 * @example
 * ```ts
 * link.observe(({ time, from, frame }) => log(time, from.name, frame.kind));
 * ```
 */
export interface SimTransmission {
  /** Virtual time of sending, in ms. */
  readonly time: number;
  /** The sending node. */
  readonly from: SimNode;
  /** What was sent. */
  readonly frame: SimFrame;
}

/**
 * How the simulated segment treats each delivery (each frame to each receiver, independently).
 *
 * @example
 * ```ts
 * const lossy: SimLinkOptions = { seed: 7, loss: 0.3, duplicate: 0.05, reorder: 0.1 };
 * ```
 */
export interface SimLinkOptions {
  /** Seed of every random choice on the link and its nodes; default 1. */
  readonly seed?: number;
  /** Shortest delivery delay, in ms; default 1. */
  readonly minDelayMs?: number;
  /** Longest delivery delay, in ms; default 10. */
  readonly maxDelayMs?: number;
  /** Probability that a delivery is lost; default 0. */
  readonly loss?: number;
  /** Probability that a delivery arrives twice; default 0. */
  readonly duplicate?: number;
  /** Probability that a delivery is held back by up to `reorderDelayMs` more; default 0. */
  readonly reorder?: number;
  /** The longest hold-back of a reordered delivery, in ms; default 100. */
  readonly reorderDelayMs?: number;
  /** Whether the link hands multicast frames back to their sender, as some links do; default false. */
  readonly loopback?: boolean;
}

type Resolved = Required<Omit<SimLinkOptions, "seed">>;

/**
 * An in-memory Ethernet segment: nodes attach to it, every frame reaches every other node (and
 * the sender too, for multicast, when `loopback` is set) after a random delay, subject to loss,
 * duplication and reordering drawn from the seeded generator. Everything runs on one
 * {@link VirtualClock}, so a run is a deterministic function of the seed and the calls made.
 *
 * @example
 * ```ts
 * const link = new SimLink({ seed: 1, loss: 0.1 });
 * const a = link.addNode("a");
 * const b = link.addNode("b");
 * b.squat(target);
 * a.claim(target, { maxDelayMs: 0 });
 * link.clock.runUntilIdle();
 * a.phaseOf(target); // "duplicate", unless the NS or the NA was lost (19 % of runs; see docs/dad.md)
 * ```
 */
export class SimLink {
  /** The clock every node and delivery runs on. */
  readonly clock: VirtualClock;
  /** The link's generator; nodes get forks of it. */
  readonly random: SeededRandom;
  readonly #options: Resolved;
  readonly #nodes: SimNode[] = [];
  readonly #observers = new Set<(transmission: SimTransmission) => void>();

  /**
   * A link with no nodes yet.
   *
   * @throws {@link SimError} (`SIM_BAD_OPTION`) for a probability outside [0, 1] or a bad delay.
   * @example
   * ```ts
   * const link = new SimLink({ seed: 3 }, new VirtualClock(1_000));
   * ```
   */
  constructor(options: SimLinkOptions = {}, clock: VirtualClock = new VirtualClock()) {
    this.clock = clock;
    this.random = new SeededRandom(options.seed ?? 1);
    this.#options = checked({
      minDelayMs: options.minDelayMs ?? 1,
      maxDelayMs: options.maxDelayMs ?? 10,
      loss: options.loss ?? 0,
      duplicate: options.duplicate ?? 0,
      reorder: options.reorder ?? 0,
      reorderDelayMs: options.reorderDelayMs ?? 100,
      loopback: options.loopback ?? false,
    });
  }

  /**
   * Attaches a new node. `dad` holds the defaults for the node's claims.
   *
   * @example
   * ```ts
   * const node = link.addNode("c1", { dad: { enhanced: true } });
   * ```
   */
  addNode(name: string, dad: DadOptions = {}): SimNode {
    const node = new SimNode(this, name, this.random.fork(), dad);
    this.#nodes.push(node);
    return node;
  }

  /**
   * The attached nodes, in the order they were added.
   *
   * @example
   * ```ts
   * link.nodes.filter((n) => n.phaseOf(target) === "preferred").length; // at most 1
   * ```
   */
  get nodes(): readonly SimNode[] {
    return this.#nodes;
  }

  /**
   * Calls `listener` for every frame sent, at the moment it is sent; returns the function that
   * stops it.
   *
   * @example
   * ```ts
   * const stop = link.observe(({ frame }) => frames.push(frame));
   * ```
   */
  observe(listener: (transmission: SimTransmission) => void): () => void {
    this.#observers.add(listener);
    return () => this.#observers.delete(listener);
  }

  /**
   * Puts `frame` on the wire from `from`; nodes call this. A disconnected sender sends nothing.
   *
   * @example
   * ```ts
   * link.transmit(node, { kind: "na", source: x, destination: ALL_NODES, target: x, solicited: false, override: true });
   * ```
   */
  transmit(from: SimNode, frame: SimFrame): void {
    if (!from.connected) return;
    const transmission = { time: this.clock.now(), from, frame };
    for (const observer of this.#observers) observer(transmission);
    const reflect = this.#options.loopback && frame.destination.kind === "multicast";
    for (const to of this.#nodes) {
      if (to !== from || reflect) this.#deliver(to, frame);
    }
  }

  #deliver(to: SimNode, frame: SimFrame): void {
    const o = this.#options;
    if (this.random.chance(o.loss)) return;
    const copies = this.random.chance(o.duplicate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const held = this.random.chance(o.reorder) ? this.random.between(0, o.reorderDelayMs) : 0;
      const delay = this.random.between(o.minDelayMs, o.maxDelayMs) + held;
      this.clock.setTimer(delay, () => to.receive(frame));
    }
  }
}

function checked(o: Resolved): Resolved {
  for (const key of ["loss", "duplicate", "reorder"] as const) {
    if (!(o[key] >= 0 && o[key] <= 1)) throw new SimError("SIM_BAD_OPTION", `${key} must be in [0, 1], got ${o[key]}`);
  }
  for (const key of ["minDelayMs", "maxDelayMs", "reorderDelayMs"] as const) {
    if (!Number.isSafeInteger(o[key]) || o[key] < 0) {
      throw new SimError("SIM_BAD_OPTION", `${key} must be an integer >= 0, got ${o[key]}`);
    }
  }
  if (o.minDelayMs > o.maxDelayMs) throw new SimError("SIM_BAD_OPTION", "minDelayMs must not exceed maxDelayMs");
  return o;
}
