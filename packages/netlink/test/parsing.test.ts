import { describe, expect, it } from "vitest";
import {
  checkIfname,
  checkNetns,
  errnoOf,
  InvalidNameError,
  parseAddressEvent,
  parseLinkEvent,
  parsePrefixEvent,
} from "../src/index.js";

describe("ip monitor address lines", () => {
  it("reads another namespace's tentative address", () => {
    const e = parseAddressEvent(
      "[nsid 0]2: vA    inet6 2001:db8::5/64 scope global tentative \\       valid_lft forever preferred_lft forever",
    );
    expect(e).toMatchObject({ nsid: "0", deleted: false, prefixLength: 64, tentative: true, dadfailed: false });
    expect(String(e?.address)).toBe("2001:db8::5");
  });

  it("reads a deletion and a DAD failure", () => {
    const e = parseAddressEvent(
      "[nsid 3]Deleted 7: eth0    inet6 2001:db8::9/64 scope global dadfailed tentative \\ valid_lft 600",
    );
    expect(e).toMatchObject({ nsid: "3", deleted: true, dadfailed: true, tentative: true });
  });

  it("reads the monitor's own namespace and skips IPv4 and noise", () => {
    expect(parseAddressEvent("[nsid current]2: vA    inet6 fe80::1/64 scope link \\ valid_lft forever")?.nsid).toBe(
      "current",
    );
    expect(parseAddressEvent("2: eth0    inet 192.0.2.1/24 scope global eth0")).toBeUndefined();
    expect(parseAddressEvent("garbage")).toBeUndefined();
  });
});

describe("ip monitor link lines", () => {
  it("reads another namespace's link with carrier, and one without", () => {
    const up = parseLinkEvent(
      "[nsid 1]3: eth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default \\    link/ether 5e:02:e4:c0:01:c2 brd ff:ff:ff:ff:ff:ff link-netns tH",
    );
    expect(up).toEqual({ kind: "link", nsid: "1", deleted: false, ifname: "eth0", up: true, carrier: true });
    const lost = parseLinkEvent(
      "[nsid 0]2: r0@if2: <NO-CARRIER,BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state DOWN group default",
    );
    expect(lost).toMatchObject({ nsid: "0", ifname: "r0", up: true, carrier: false });
    expect(parseLinkEvent("[nsid current]Deleted 4: v-c1: <BROADCAST,MULTICAST> mtu 1500")).toMatchObject({
      nsid: "current",
      deleted: true,
      ifname: "v-c1",
      up: false,
      carrier: false,
    });
  });

  it("tells link lines and address lines apart", () => {
    const address = "[nsid 0]2: vA    inet6 2001:db8::5/64 scope global tentative \\ valid_lft forever";
    expect(parseLinkEvent(address)).toBeUndefined();
    expect(parseAddressEvent("[nsid 1]3: eth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500")).toBeUndefined();
    expect(parseLinkEvent("garbage")).toBeUndefined();
  });
});

describe("ip monitor prefix lines", () => {
  it("reads iproute2 6.1's run-together form", () => {
    const p = parsePrefixEvent("prefix 2001:db8:1::/64dev vH valid 3600 preferred 1800");
    expect(p).toMatchObject({ ifname: "vH", validLifetime: 3600, preferredLifetime: 1800 });
    expect(String(p?.prefix)).toBe("2001:db8:1::/64");
  });

  it("reads flags, infinity, and a deprecating router", () => {
    expect(
      parsePrefixEvent("prefix 2001:db8:2::/64 dev up0 onlink autoconf valid 4294967295 preferred 0"),
    ).toMatchObject({
      validLifetime: undefined,
      preferredLifetime: 0,
    });
    expect(parsePrefixEvent("prefix nonsense")).toBeUndefined();
  });
});

describe("names that reach a command line", () => {
  it.each(["eth0", "veth_1.10", "o6abcdef0123", "a"])("accepts interface %s", (n) => expect(checkIfname(n)).toBe(n));
  it.each(["", "a".repeat(16), "eth0/1", "eth 0", "eth:0", "-eth0", ".", "..", "eth0\n"])(
    "rejects interface %j",
    (n) => {
      expect(() => checkIfname(n)).toThrow(InvalidNameError);
    },
  );
  it.each(["own6-c1", "cni-1234_ab.cd"])("accepts namespace %s", (n) => expect(checkNetns(n)).toBe(n));
  it.each(["/run/netns/x", "/proc/42/ns/net"])("accepts namespace path %s", (n) => expect(checkNetns(n)).toBe(n));
  it.each(["", "../etc", "/run/netns/../x", "/run/./x", "run/netns/x", "-n", "a b", "/a b", "x".repeat(65)])(
    "rejects namespace %j",
    (n) => {
      expect(() => checkNetns(n)).toThrow(InvalidNameError);
    },
  );
});

describe("errno from iproute2's messages", () => {
  it.each([
    ["RTNETLINK answers: File exists", "EEXIST"],
    ["Error: ipv6: address already assigned.", "EEXIST"],
    ['Cannot find device "eth9"', "ENODEV"],
    ["RTNETLINK answers: Operation not permitted", "EPERM"],
    ["Error: Invalid argument", "EINVAL"],
    ["something else", "EUNKNOWN"],
  ])("%s -> %s", (text, errno) => expect(errnoOf(text)).toBe(errno));
});
