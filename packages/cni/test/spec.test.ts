import { AllocationInconclusiveError, DadRetriesExhaustedError, LeaseConflictError } from "@own6/core";
import { NetlinkError } from "@own6/netlink";
import { fc } from "@own6/testing";
import { describe, expect, it } from "vitest";
import {
  CniError,
  checkConfVersion,
  checkContainerId,
  checkInterfaceName,
  decodeNetConf,
  formatResult,
  parseAddressConfig,
  parseCniArgs,
  readEnv,
  resultAddresses,
  toCniError,
  validAttachments,
} from "../src/index.js";

/** The Go reference library's ValidateInterfaceName, transcribed: the oracle for CNI_IFNAME. */
function goAcceptsIfname(name: string): boolean {
  if (name.length === 0 || Buffer.byteLength(name) > 15 || name === "." || name === "..") return false;
  return ![...name].some((r) => r === "/" || r === ":" || /\s/u.test(r) || r === "\u0085");
}

function codeOf(run: () => unknown): number | undefined {
  try {
    run();
    return undefined;
  } catch (e) {
    return e instanceof CniError ? e.cniCode : -1;
  }
}

describe("CNI_IFNAME and CNI_CONTAINERID", () => {
  it.each([
    ["a".repeat(16), "interface name is too long"],
    ["eth/0", "contains / or :"],
    ["eth:0", "contains / or :"],
    ["eth 0", "contains / or :"],
    ["", "interface name is empty"],
    ["..", "is . or .."],
  ])("refuses ifname %j with code 4 (%s)", (name, why) => {
    expect(() => checkInterfaceName(name)).toThrow(why);
    expect(codeOf(() => checkInterfaceName(name))).toBe(4);
  });

  it("accepts only names the Go library accepts, and every plain one it accepts", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20, unit: "grapheme-composite" }), (name) => {
        const ours = codeOf(() => checkInterfaceName(name)) === undefined;
        if (ours) expect(goAcceptsIfname(name)).toBe(true);
        if (goAcceptsIfname(name) && /^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/.test(name)) expect(ours).toBe(true);
      }),
    );
  });

  it.each(["-abc", ".x", "a b", "a/b", ""])("refuses container id %j with code 4", (id) => {
    expect(codeOf(() => checkContainerId(id))).toBe(4);
  });

  it("accepts container ids of the Go pattern", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,80}$/), (id) => {
        expect(checkContainerId(id)).toBe(id);
      }),
    );
  });

  it("names every missing variable at once", () => {
    expect(() => readEnv({ CNI_COMMAND: "ADD" }, "ADD")).toThrow(
      "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing",
    );
    expect(readEnv({ CNI_CONTAINERID: "c1", CNI_IFNAME: "eth0" }, "DEL").netns).toBe("");
    expect(readEnv({ CNI_CONTAINERID: "", CNI_NETNS: "", CNI_IFNAME: "" }, "GC").containerId).toBe("");
  });

  it("refuses a CNI_NETNS that could misread as an option or path step", () => {
    const env = { CNI_CONTAINERID: "c1", CNI_IFNAME: "eth0" };
    expect(codeOf(() => readEnv({ ...env, CNI_NETNS: "/run/netns/../x" }, "ADD"))).toBe(4);
    expect(codeOf(() => readEnv({ ...env, CNI_NETNS: "-x" }, "ADD"))).toBe(4);
  });
});

describe("CNI_ARGS", () => {
  it("accepts Kubernetes' keys, and unknown keys only with IgnoreUnknown", () => {
    const k8s = "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_INFRA_CONTAINER_ID=id";
    expect(parseCniArgs(k8s).values.get("K8S_POD_NAME")).toBe("p");
    expect(parseCniArgs("K8S_POD_NAME=p").values.size).toBe(1);
    expect(parseCniArgs("IgnoreUnknown=true;FOO=bar").values.get("FOO")).toBe("bar");
    expect(() => parseCniArgs("FOO=bar")).toThrow('CNI_ARGS: unknown args ["FOO=bar"]');
    expect(codeOf(() => parseCniArgs("FOO=bar"))).toBe(4);
    expect(codeOf(() => parseCniArgs("IgnoreUnknown=0;FOO=bar"))).toBe(4);
    expect(codeOf(() => parseCniArgs("novalue"))).toBe(4);
    expect(codeOf(() => parseCniArgs("IgnoreUnknown=maybe"))).toBe(4);
  });

  it("refuses a requested address (IP=) with code 2, IgnoreUnknown or not", () => {
    expect(codeOf(() => parseCniArgs("IP=2001:db8:1::5"))).toBe(2);
    expect(codeOf(() => parseCniArgs("IgnoreUnknown=1;IP=2001:db8:1::5"))).toBe(2);
  });
});

describe("versions", () => {
  const conf = (v: unknown) => decodeNetConf(JSON.stringify({ cniVersion: v, name: "n" }));

  it("gates commands as the Go library does", () => {
    expect(codeOf(() => checkConfVersion(conf("9.9.9"), "ADD"))).toBe(1);
    expect(codeOf(() => checkConfVersion(conf("0.3.1"), "CHECK"))).toBe(1);
    expect(codeOf(() => checkConfVersion(conf("0.4.0"), "CHECK"))).toBeUndefined();
    expect(codeOf(() => checkConfVersion(conf("1.0.0"), "GC"))).toBe(1);
    expect(codeOf(() => checkConfVersion(conf("1.0.0"), "STATUS"))).toBe(1);
    expect(codeOf(() => checkConfVersion(conf("1.1.0"), "GC"))).toBeUndefined();
    expect(decodeNetConf('{"name":"n"}').cniVersion).toBe("0.1.0");
  });

  it("decodes JSON (6) before the name (7)", () => {
    expect(codeOf(() => decodeNetConf("{"))).toBe(6);
    expect(codeOf(() => decodeNetConf("[]"))).toBe(6);
    expect(codeOf(() => decodeNetConf('{"cniVersion":"1.0.0"}'))).toBe(7);
    expect(codeOf(() => decodeNetConf('{"cniVersion":"1.0.0","name":"-x"}'))).toBe(7);
  });
});

describe("result shapes", () => {
  const result = {
    ips: [{ address: "2001:db8:1::5/64", gateway: "fe80::1" }],
    routes: [{ dst: "::/0", mtu: 1400 }],
  };

  it("shapes each version as its specification says", () => {
    expect(formatResult(result, "1.1.0")).toEqual({ cniVersion: "1.1.0", ...result });
    expect(formatResult(result, "1.0.0")).toEqual({ cniVersion: "1.0.0", ips: result.ips, routes: [{ dst: "::/0" }] });
    for (const v of ["0.3.0", "0.3.1", "0.4.0"]) {
      expect(formatResult(result, v)).toEqual({
        cniVersion: v,
        ips: [{ version: "6", address: "2001:db8:1::5/64", gateway: "fe80::1" }],
        routes: [{ dst: "::/0" }],
      });
    }
    expect(formatResult(result, "0.2.0")).toEqual({
      cniVersion: "0.2.0",
      ip6: { ip: "2001:db8:1::5/64", gateway: "fe80::1", routes: [{ dst: "::/0" }] },
    });
  });

  it("keeps interfaces for main plugins, and reads addresses back from any shape", () => {
    const main = {
      interfaces: [{ name: "eth0", sandbox: "/run/netns/c" }],
      ips: [{ interface: 0, address: "2001:db8::5/128" }],
      routes: [],
    };
    const shaped = formatResult(main, "1.0.0");
    expect(shaped).toEqual({ cniVersion: "1.0.0", ...main, routes: undefined });
    expect(resultAddresses(shaped)).toEqual(["2001:db8::5/128"]);
    expect(resultAddresses(formatResult(result, "0.2.0"))).toEqual(["2001:db8:1::5/64"]);
    expect(resultAddresses("nonsense")).toEqual([]);
  });
});

describe("configuration", () => {
  const parse = (value: Record<string, unknown>) => () => parseAddressConfig({ path: "ipam", value }, "n", undefined);

  it.each([
    [{}, "needs a prefix or an uplink"],
    [{ prefix: "2001:db8:1::1/64" }, "host bits are set"],
    [{ prefix: "ff02::/64" }, "multicast"],
    [{ prefix: "2001:db8::/125" }, "fewer than 8 host bits"],
    [{ prefix: "2001:db8:1::/64", gateway: "2001:db8:99::1" }, "neither link-local nor inside"],
    [{ prefix: "2001:db8:1::/64", gateway: "ff02::1" }, "not a unicast address"],
    [{ prefix: "2001:db8:1::/64", gateway: "banana" }, "gateway"],
    [{ prefix: "2001:db8:1::/64", routes: [{ dst: "2001:db8::/129" }] }, "routes[0].dst"],
    [{ prefix: "2001:db8:1::/64", dataDir: "relative" }, "absolute path"],
    [{ prefix: "2001:db8:1::/64", dad: { retransTimeMs: 1 } }, "ipam.dad.retransTimeMs"],
    [{ prefix: "2001:db8:1::/64", iid: { maxTries: 2 } }, "ipam.iid.maxTries"],
  ])("refuses %j with code 7", (value, why) => {
    expect(parse(value)).toThrow(why);
    expect(codeOf(parse(value))).toBe(7);
  });

  it("fills in the defaults", () => {
    const config = parseAddressConfig({ path: "ipam", value: { prefix: "2001:db8:1::/64" } }, "net", undefined);
    expect(config).toMatchObject({
      dataDir: "/var/lib/own6",
      networkId: "net",
      maxTries: 3,
      routes: [],
      dad: { enabled: true, dadTransmits: 1, retransTimeMs: 100, routerSolicitationDelay: 0 },
    });
  });

  it("reads GC's attachment lists, old name included", () => {
    const list = [{ containerID: "c1", ifname: "eth0" }];
    expect(validAttachments({ "cni.dev/valid-attachments": list })).toEqual(new Set(["c1/eth0"]));
    expect(validAttachments({ "cni.dev/attachments": list })).toEqual(new Set(["c1/eth0"]));
    expect(validAttachments({ "cni.dev/valid-attachments": [] })).toEqual(new Set());
    expect(codeOf(() => validAttachments({}))).toBe(7);
    expect(codeOf(() => validAttachments({ "cni.dev/valid-attachments": [{ containerID: 1 }] }))).toBe(7);
  });
});

describe("error codes", () => {
  it("maps own6's typed errors to stable CNI codes", () => {
    expect(toCniError(new DadRetriesExhaustedError("c/eth0", "2001:db8::/64", [])).cniCode).toBe(100);
    expect(toCniError(new AllocationInconclusiveError("2001:db8::5", "no carrier")).cniCode).toBe(11);
    expect(toCniError(new LeaseConflictError("changed")).cniCode).toBe(11);
    expect(toCniError(new NetlinkError("add address", "EPERM", "")).cniCode).toBe(104);
    expect(toCniError(Object.assign(new Error("busy"), { code: "SQLITE_BUSY" })).cniCode).toBe(11);
    expect(toCniError(Object.assign(new Error("disk"), { code: "SQLITE_IOERR" })).cniCode).toBe(5);
    expect(toCniError(Object.assign(new Error("nope"), { code: "ENOTDIR" })).cniCode).toBe(5);
    expect(toCniError(new TypeError("bug")).cniCode).toBe(999);
    const kept = new CniError(3, "unknown");
    expect(toCniError(kept)).toBe(kept);
  });
});
