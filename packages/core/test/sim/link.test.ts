import { describe, expect, it } from "vitest";
import { Address } from "../../src/address.js";
import { ALL_NODES } from "../../src/dad/effects.js";
import { solicitedNodeAddress } from "../../src/ndp/solicited-node.js";
import { SimError } from "../../src/sim/errors.js";
import { SimLink } from "../../src/sim/link.js";
import { fc } from "../support/fc.js";
import { play, scenarioArb, TARGETS, traceOf } from "./scenario.js";

const X = TARGETS[0] as Address;

describe("simulated link: DAD safety", () => {
  it("lossless link: no two nodes ever end up preferred with the same address", () => {
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        const { link, nodes } = play(scenario);
        expect(link.nodes).toEqual(nodes);
        for (const target of TARGETS) {
          const holders = nodes.filter((n) => ["preferred", "deprecated"].includes(n.phaseOf(target) ?? ""));
          expect(holders.length, `${target} held by ${holders.map((n) => n.name)}`).toBeLessThanOrEqual(1);
        }
        // DAD always ends on a lossless link: nobody is left tentative or optimistic.
        for (const n of nodes)
          for (const run of n.runs) expect(["tentative", "optimistic"]).not.toContain(run.state.phase);
      }),
      { numRuns: 400 },
    );
  });

  it("a node never sends an NA for its own tentative address", () => {
    const seen = { optimistic: 0, assigned: 0 };
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        play(scenario, (t) => {
          if (t.frame.kind !== "na") return;
          seen[t.senderPhase === "optimistic" ? "optimistic" : "assigned"]++;
          expect(["optimistic", "preferred", "deprecated"]).toContain(t.senderPhase);
          // RFC 4429 §3: an optimistic answer is solicited, unicast and never overrides.
          if (t.senderPhase === "optimistic") {
            expect(t.frame.override).toBe(false);
            expect(t.frame.destination.kind).not.toBe("multicast");
          } else if (t.frame.destination.equals(ALL_NODES)) {
            expect(t.frame).toMatchObject({ solicited: false, override: true });
          }
        });
      }),
      { numRuns: 300 },
    );
    // The scenarios must exercise both kinds of answer, or the property says nothing.
    expect(seen.optimistic).toBeGreaterThan(0);
    expect(seen.assigned).toBeGreaterThan(0);
  });

  it("NS(DAD) go from :: to the solicited-node group; no NS comes from a tentative or optimistic address", () => {
    let resolutions = 0;
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        play(scenario, (t) => {
          if (t.frame.kind !== "ns") return;
          if (t.frame.source.kind === "unspecified") {
            // DAD probes go to the solicited-node group, from a node probing (or a rogue).
            expect(t.frame.destination.equals(solicitedNodeAddress(t.frame.target))).toBe(true);
            if (!t.rogue) expect(["tentative", "optimistic"]).toContain(t.senderPhase);
          } else {
            resolutions++;
            expect(["preferred", "deprecated"]).toContain(t.senderPhase);
          }
        });
      }),
      { numRuns: 300 },
    );
    expect(resolutions).toBeGreaterThan(0);
  });

  it("same seed, same run", () => {
    fc.assert(
      fc.property(scenarioArb(4), (scenario) => {
        expect(traceOf(play(scenario))).toEqual(traceOf(play(scenario)));
      }),
      { numRuns: 100 },
    );
  });

  it("loopback link: our own reflected probes never fail DAD", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.constantFrom("rfc" as const, "linux" as const),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        (seed, profile, enhanced, dadTransmits, optimistic) => {
          // Plain counting cannot tell a duplicated copy from a foreigner, so only nonces get duplication.
          const nonces = enhanced;
          const link = new SimLink({
            seed,
            loopback: true,
            duplicate: nonces ? 0.3 : 0,
            reorder: 0.3,
            maxDelayMs: 300,
          });
          const runs = TARGETS.map((t, i) =>
            link
              .addNode(`n${i}`)
              .claim(t, { profile, enhanced, dadTransmits, optimistic, loopbackCopies: profile === "rfc" ? 1 : 0 }),
          );
          link.clock.runUntilIdle();
          // Linux without enhanced_dad fails on its own reflection: that is the kernel's behaviour.
          const expected = profile === "linux" && !enhanced ? "duplicate" : "preferred";
          for (const run of runs) expect(run.state.phase).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("simulated link: behaviour", () => {
  it("a squatter defends its address and a rogue probe fails a newcomer", async () => {
    const link = new SimLink({ seed: 5 });
    const [squatter, newcomer, rogue] = [link.addNode("squatter"), link.addNode("newcomer"), link.addNode("rogue")];
    squatter.squat(X);
    const lost = newcomer.claim(X, { maxDelayMs: 0 });
    link.clock.runUntilIdle();
    expect(await lost.outcome).toMatchObject({ status: "duplicate", evidence: `an NA for the address from ${X}` });
    expect(squatter.phaseOf(X)).toBe("preferred");
    const Y = TARGETS[1] as Address;
    const probed = newcomer.claim(Y, { maxDelayMs: 0, dadTransmits: 2 });
    link.clock.runUntil(link.clock.now() + 1200);
    rogue.sendDadNs(Y);
    link.clock.runUntilIdle();
    expect(await probed.outcome).toMatchObject({ status: "duplicate" });
  });

  it("simultaneous DAD on a lossless link: at most one winner, and loss of all but one claimant is possible", () => {
    const outcomes = new Map<string, number>();
    for (let seed = 0; seed < 200; seed++) {
      const link = new SimLink({ seed, minDelayMs: 1, maxDelayMs: 20 });
      const runs = [0, 1, 2].map((i) => link.addNode(`n${i}`).claim(X, { enhanced: true }));
      link.clock.runUntilIdle();
      const winners = runs.filter((r) => r.state.phase === "preferred").length;
      expect(winners).toBeLessThanOrEqual(1);
      outcomes.set(`${winners}`, (outcomes.get(`${winners}`) ?? 0) + 1);
    }
    // With random initial delays the first prober usually wins.
    expect(outcomes.get("1") ?? 0).toBeGreaterThan(100);
  });

  it("disconnecting during DAD reports inconclusive; a node that is down hears nothing", async () => {
    const link = new SimLink({ seed: 9 });
    const a = link.addNode("a");
    const b = link.addNode("b");
    const run = a.claim(X, { maxDelayMs: 0 });
    link.clock.runUntil(500);
    a.disconnect();
    expect(await run.outcome).toEqual({ status: "inconclusive", reason: "the link went down during DAD" });
    // b takes X while a is away; a's later claim of another address still works once back.
    b.squat(X);
    a.connect();
    const Y = TARGETS[1] as Address;
    const again = a.claim(Y, { maxDelayMs: 0 });
    link.clock.runUntilIdle();
    expect(await again.outcome).toEqual({ status: "unique" });
  });

  it("an optimistic node answers address resolution from an assigned address", () => {
    const link = new SimLink({ seed: 2 });
    const resolver = link.addNode("resolver");
    const owner = link.addNode("owner");
    const Y = TARGETS[1] as Address;
    resolver.squat(Y);
    owner.claim(X, { optimistic: true, dadTransmits: 3 });
    const nas: unknown[] = [];
    link.observe(({ frame }) => {
      if (frame.kind === "na") nas.push(frame);
    });
    link.clock.runUntil(100);
    expect(resolver.resolve(X)).toBe(true);
    link.clock.runUntil(200);
    expect(nas).toEqual([{ kind: "na", source: X, destination: Y, target: X, solicited: true, override: false }]);
    // A node with nothing assigned cannot resolve.
    expect(link.addNode("fresh").resolve(X)).toBe(false);
  });

  it("claiming twice and bad link options are refused", () => {
    const link = new SimLink();
    const a = link.addNode("a");
    a.claim(X);
    expect(() => a.claim(X)).toThrow(expect.objectContaining({ code: "SIM_ALREADY_CLAIMED" }));
    for (const bad of [{ loss: 1.5 }, { duplicate: -0.1 }, { minDelayMs: 5, maxDelayMs: 1 }, { maxDelayMs: 0.5 }]) {
      expect(() => new SimLink(bad)).toThrow(SimError);
    }
  });
});

describe("simulated link: delivery", () => {
  it("loss, duplication and delay follow the options", () => {
    const count = (options: ConstructorParameters<typeof SimLink>[0]) => {
      const link = new SimLink(options);
      const sender = link.addNode("s");
      const receiver = link.addNode("r");
      receiver.squat(X);
      let answers = 0;
      link.observe(({ from }) => {
        if (from === receiver) answers++;
      });
      for (let i = 0; i < 1000; i++) sender.sendDadNs(X);
      link.clock.runUntilIdle();
      return answers;
    };
    expect(count({ seed: 1 })).toBe(1000);
    const lossy = count({ seed: 1, loss: 0.5 });
    expect(lossy).toBeGreaterThan(400);
    expect(lossy).toBeLessThan(600);
    const doubled = count({ seed: 1, duplicate: 0.5 });
    expect(doubled).toBeGreaterThan(1400);
    expect(doubled).toBeLessThan(1600);
  });

  it("unicast frames reach only the node holding the address", () => {
    const link = new SimLink({ seed: 3 });
    const [a, b, c] = [link.addNode("a"), link.addNode("b"), link.addNode("c")];
    const Y = TARGETS[1] as Address;
    const runA = a.squat(X);
    const runC = c.claim(Y, { maxDelayMs: 0 });
    // An NA sent to X (a's address) about Y: c must not hear it, even though it is probing Y.
    b.probe().sendNa?.({ type: "answerNa", target: Y, destination: X, solicited: true, override: true });
    link.clock.runUntilIdle();
    expect(runA.state.phase).toBe("preferred");
    expect(runC.state.phase).toBe("preferred");
    // Sent to all nodes, it fails c's DAD.
    const Z = TARGETS[2] as Address;
    const runZ = c.claim(Z, { maxDelayMs: 0 });
    b.probe().sendNa?.({ type: "answerNa", target: Z, destination: ALL_NODES, solicited: false, override: true });
    link.clock.runUntilIdle();
    expect(runZ.state.phase).toBe("duplicate");
    expect(Address.parse("ff02::1").equals(ALL_NODES)).toBe(true);
  });
});
