import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Address, linuxIid, Prefix } from "../../src/index.js";
import { Lab, waitFor } from "../support/lab.js";
import { describeAsRoot } from "../support/root.js";

// The kernel is the reference for the linux generator: each host namespace gets a random
// stable_secret and addr_gen_mode 2, radvd advertises random documentation prefixes, and the
// addresses the kernel makes by SLAAC must be exactly the ones linuxIid predicts. Host 3's
// router already holds the predicted addresses for low DAD counters, so the kernel's DAD fails
// there and it regenerates with the next counter, which must again match.

interface Host {
  ns: string;
  secret: Uint8Array;
  prefixes: { prefix: Prefix; squatted: number }[];
}

function randomPrefix(): Prefix {
  const b = randomBytes(4);
  return Prefix.parse(`2001:db8:${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}::/64`);
}

function secretText(secret: Uint8Array): string {
  return Address.fromBytes(secret).toString();
}

describeAsRoot("linux generator against the real kernel", () => {
  const lab = new Lab();
  let router = "";
  const hosts: Host[] = [];

  beforeAll(() => {
    router = lab.netns("r");
    lab.sysctl(router, { "net.ipv6.conf.all.forwarding": 1 });
    const squats = [
      [0, 0],
      [0, 0],
      [1, 2],
    ];
    squats.forEach((squat, i) => {
      const ns = lab.netns(`h${i}`);
      const secret = new Uint8Array(randomBytes(16));
      const host: Host = { ns, secret, prefixes: squat.map((squatted) => ({ prefix: randomPrefix(), squatted })) };
      hosts.push(host);
      lab.veth(router, `vR${i}`, ns, "vH");
      lab.sysctl(ns, {
        "net.ipv6.conf.vH.stable_secret": secretText(secret),
        "net.ipv6.conf.vH.addr_gen_mode": 2,
        "net.ipv6.conf.vH.accept_ra": 1,
        "net.ipv6.conf.vH.autoconf": 1,
        "net.ipv6.conf.vH.router_solicitation_delay": 0,
        "net.ipv6.neigh.vH.retrans_time_ms": 100,
        "net.ipv6.idgen_delay": 0,
      });
      for (const { prefix, squatted } of host.prefixes) {
        for (let dad = 0; dad < squatted; dad++) {
          const taken = linuxIid({ prefix, secret, dadCounter: dad, idgenRetries: dad }).address;
          lab.run(router, ["-6", "addr", "add", `${taken}/64`, "dev", `vR${i}`, "nodad"]);
        }
      }
      lab.up(router, `vR${i}`);
      lab.up(ns, "vH");
    });
    const sections = hosts.map((h, i) => {
      const prefixes = h.prefixes.map(
        ({ prefix }) =>
          `  prefix ${prefix} { AdvOnLink on; AdvAutonomous on; AdvValidLifetime 3600; AdvPreferredLifetime 1800; };`,
      );
      return `interface vR${i} {\n  AdvSendAdvert on;\n  MinRtrAdvInterval 3;\n  MaxRtrAdvInterval 4;\n${prefixes.join("\n")}\n};\n`;
    });
    lab.radvd(router, sections.join(""));
  });

  afterAll(() => lab.close());

  it("makes the same SLAAC addresses as linuxIid, for several secrets, prefixes and DAD counters", async () => {
    for (const host of hosts) {
      for (const { prefix, squatted } of host.prefixes) {
        const expected = linuxIid({ prefix, secret: host.secret, dadCounter: squatted }).address.toString();
        const seen = await waitFor(`a stable address in ${prefix} on ${host.ns}`, () => {
          const global = lab
            .addresses(host.ns, "vH")
            .filter(
              (a) => a.scope === "global" && !a.tentative && !a.dadfailed && prefix.contains(Address.parse(a.local)),
            );
          return global.length > 0 ? global.map((a) => Address.parse(a.local).toString()) : undefined;
        });
        expect({ prefix: String(prefix), dadCounter: squatted, seen }).toEqual({
          prefix: String(prefix),
          dadCounter: squatted,
          seen: [expected],
        });
      }
    }
  });

  it("makes the link-local address the same way (prefix fe80::/64)", () => {
    for (const host of hosts) {
      const linkLocal = lab.addresses(host.ns, "vH").find((a) => a.scope === "link");
      const expected = linuxIid({ prefix: Prefix.parse("fe80::/64"), secret: host.secret }).address.toString();
      expect(linkLocal?.local).toBe(expected);
    }
  });
});
