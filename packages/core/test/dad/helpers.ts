// Shared fixtures for the DAD tests: addresses, entropy, and a tiny harness that feeds the pure
// machine and keeps its timers, so examples can step through a run without a clock.

import { Address } from "../../src/address.js";
import type { DadEffect } from "../../src/dad/effects.js";
import type { DadEvent } from "../../src/dad/events.js";
import { initialDadState, reduceDad } from "../../src/dad/machine.js";
import type { DadOptions } from "../../src/dad/options.js";
import type { DadState } from "../../src/dad/state.js";

export const target = Address.parse("2001:db8::1");
export const otherTarget = Address.parse("2001:db8::2");
export const unspecified = Address.parse("::");
export const peer = Address.parse("2001:db8::99");

/** Ten entropy bytes: the nonce is six copies of `nonceByte`, the delay fraction is `delay / 2^32`. */
export function entropy(nonceByte = 1, delay = 0): Uint8Array {
  const out = new Uint8Array(10).fill(nonceByte, 0, 6);
  new DataView(out.buffer).setUint32(6, delay);
  return out;
}

/** Steps one machine, remembering every effect and which timer is live. */
export class Harness {
  state: DadState;
  now = 0;
  readonly effects: DadEffect[] = [];
  #entropyByte = 1;

  constructor(options: DadOptions = {}) {
    this.state = initialDadState(target, options);
  }

  send(event: DadEvent): readonly DadEffect[] {
    const { state, effects } = reduceDad(this.state, event);
    this.state = state;
    this.effects.push(...effects);
    return effects;
  }

  start(delay = 0): readonly DadEffect[] {
    return this.send({ type: "start", now: this.now, entropy: entropy(this.#entropyByte++, delay) });
  }

  /** The live timer's id and delay (timer ids are never reused, so its setTimer is unique). */
  get timer(): { id: number; delayMs: number } | undefined {
    const id = "timer" in this.state ? this.state.timer : undefined;
    const set = this.effects.find((e) => e.type === "setTimer" && e.id === id);
    return set?.type === "setTimer" ? set : undefined;
  }

  /** Fires the live timer (moving time forward by its delay). */
  fire(): readonly DadEffect[] {
    const timer = this.timer;
    if (!timer) throw new Error(`no live timer in phase ${this.state.phase}`);
    this.now += timer.delayMs;
    return this.send({ type: "timerFired", id: timer.id, now: this.now, entropy: entropy(this.#entropyByte++) });
  }

  /** Fires timers until DAD is over (or `limit` timers ran). */
  finish(limit = 100): void {
    for (let i = 0; i < limit && this.timer; i++) this.fire();
  }

  /** The NS(DAD) the machine has sent so far, in order. */
  get sent(): Extract<DadEffect, { type: "sendNs" }>[] {
    return this.effects.filter((e): e is Extract<DadEffect, { type: "sendNs" }> => e.type === "sendNs");
  }

  /** The reports emitted so far. */
  get reports(): Extract<DadEffect, { type: "report" }>[] {
    return this.effects.filter((e): e is Extract<DadEffect, { type: "report" }> => e.type === "report");
  }

  nsDad(nonce?: Uint8Array): readonly DadEffect[] {
    return this.send({ type: "nsHeard", target, source: unspecified, nonce });
  }
}
