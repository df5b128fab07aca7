import { Address, IidExhaustedError, IidInputError, MemoryLeaseStore, Prefix } from "@own6/core";
import { checkIfname, checkNetns } from "@own6/netlink";
import { fc } from "@own6/testing";
import { describe, expect, it } from "vitest";
import { AddressBook } from "../src/addressing/address-book.js";
import {
  anonymousOwner,
  isContainerName,
  namedOwner,
  requestedAddressOf,
  requestedOwner,
} from "../src/addressing/owners.js";
import { REQUESTED_ALGORITHM, requestedAlgorithm } from "../src/addressing/requested.js";
import { linkNames, probeNetns } from "../src/host/names.js";

const prefix = Prefix.parse("2001:db8:1::/64");
const secret = new Uint8Array(32).fill(7);
const unique = async () => ({ status: "unique" as const });

describe("owners", () => {
  it("keys named containers by name, --ip6 by the address, and everything else by a fresh owner", () => {
    expect(namedOwner("web-1")).toBe("name:web-1");
    expect(namedOwner("web-1", "p1")).toBe("name:web-1@p1");
    expect(requestedAddressOf(requestedOwner(Address.parse("2001:db8:1::1234")))).toBe("2001:db8:1::1234");
    expect(requestedAddressOf(namedOwner("x"))).toBeUndefined();
    expect(anonymousOwner()).not.toBe(anonymousOwner());
    expect(["web-1", "a", "A.b_c-9"].every(isContainerName)).toBe(true);
    expect(["", "-x", "a/b", "a b", "x".repeat(256)].some(isContainerName)).toBe(false);
  });
});

describe("the requested algorithm", () => {
  const request = (owner: string, dadCounter = 0) => ({
    prefix,
    owner,
    networkId: "",
    dadCounter,
    maxDadCounter: dadCounter,
  });

  it("gives exactly the address the owner names, and no second candidate", () => {
    const owner = requestedOwner(Address.parse("2001:db8:1::1234"));
    expect(requestedAlgorithm.derive(request(owner)).address.toString()).toBe("2001:db8:1::1234");
    expect(() => requestedAlgorithm.derive(request(owner, 1))).toThrow(IidExhaustedError);
    expect(() => requestedAlgorithm.derive(request(requestedOwner(Address.parse("2001:db8:2::1"))))).toThrow(
      IidInputError,
    );
    expect(() => requestedAlgorithm.derive(request("name:web"))).toThrow(IidInputError);
    expect(requestedAlgorithm.name).toBe(REQUESTED_ALGORITHM);
  });
});

describe("AddressBook", () => {
  it("allocates by owner, gives a named owner the same address back, and honours --ip6", async () => {
    const book = await AddressBook.open({ store: new MemoryLeaseStore(), secret, prefixes: [], dad: unique });
    book.serve(prefix);
    book.serve(prefix);
    const first = await book.allocate(prefix, namedOwner("web"));
    await book.release(namedOwner("web"), prefix);
    expect((await book.allocate(prefix, namedOwner("web"))).address.equals(first.address)).toBe(true);
    const pinned = await book.allocate(prefix, requestedOwner(Address.parse("2001:db8:1::42")));
    expect(pinned.address.toString()).toBe("2001:db8:1::42");
    expect(book.size).toBe(2);
  });

  it("releases the leases no record holds (a plugin that stopped mid-request), and only those", async () => {
    const store = new MemoryLeaseStore();
    const book = await AddressBook.open({ store, secret, prefixes: [prefix], dad: unique });
    await book.allocate(prefix, namedOwner("kept"));
    await book.allocate(prefix, namedOwner("lost"));
    const reopened = await AddressBook.open({ store, secret, prefixes: [prefix], dad: unique });
    expect(await reopened.releaseOrphans(new Set([namedOwner("kept")]))).toBe(1);
    expect(reopened.size).toBe(1);
  });

  it("stops serving a retired prefix, so an overlapping one can be served next", async () => {
    const book = await AddressBook.open({ store: new MemoryLeaseStore(), secret, prefixes: [prefix], dad: unique });
    expect(() => book.serve(Prefix.parse("2001:db8::/32"))).toThrow(/overlaps/);
    await book.retire(prefix);
    book.serve(Prefix.parse("2001:db8::/32"));
  });
});

describe("names", () => {
  it("derives three valid, distinct link names of 15 characters from any endpoint ID", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{12,64}$/), (id) => {
        const names = Object.values(linkNames(id));
        expect(new Set(names).size).toBe(3);
        for (const name of names) expect(checkIfname(name)).toHaveLength(15);
      }),
    );
  });

  it("names the DAD probe namespace after the plugin and a safe form of the parent", () => {
    expect(probeNetns("own6", "eth0")).toBe("own6-dad-eth0");
    expect(checkNetns(probeNetns("own6", "vlan@eth0"))).toMatch(/^own6-dad-[0-9a-f]{12}$/);
  });
});
