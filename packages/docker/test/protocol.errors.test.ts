import { fc } from "@own6/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../src/server/socket.js";
import { post, TestPlugin } from "./support/plugin.js";

// Whatever arrives on the socket, the plugin answers with JSON that Docker can read (Err for
// the network driver, Error for IPAM, both always), never with a crash, and keeps serving.

const plugin = new TestPlugin();
const NID = "a".repeat(64);
const EID = "b".repeat(64);

const METHODS = [
  "/Plugin.Activate",
  "/NetworkDriver.GetCapabilities",
  "/NetworkDriver.GwAllocCheck",
  "/NetworkDriver.CreateNetwork",
  "/NetworkDriver.DeleteNetwork",
  "/NetworkDriver.CreateEndpoint",
  "/NetworkDriver.EndpointOperInfo",
  "/NetworkDriver.DeleteEndpoint",
  "/NetworkDriver.Join",
  "/NetworkDriver.Leave",
  "/NetworkDriver.ProgramExternalConnectivity",
  "/NetworkDriver.RevokeExternalConnectivity",
  "/IpamDriver.GetCapabilities",
  "/IpamDriver.GetDefaultAddressSpaces",
  "/IpamDriver.RequestPool",
  "/IpamDriver.ReleasePool",
  "/IpamDriver.RequestAddress",
  "/IpamDriver.ReleaseAddress",
];

const raw = (path: string, text: string | Buffer) => post(plugin.socket, path, undefined, text);

function expectError(reply: { status: number; body: unknown }, status: number, message: RegExp): void {
  expect(reply.status).toBe(status);
  const body = reply.body as { Err: string; Error: string };
  expect(Object.keys(body).sort()).toEqual(["Err", "Error"]);
  expect(body.Err).toBe(body.Error);
  expect(body.Err).toMatch(message);
}

async function stillServes(): Promise<void> {
  expect((await plugin.call("/Plugin.Activate")).body).toEqual({ Implements: ["NetworkDriver", "IpamDriver"] });
}

beforeAll(() => plugin.start());
afterAll(() => plugin.close());

describe("bad bodies", () => {
  it.each([
    ["not JSON", "{PoolID:"],
    ["truncated JSON", '{"PoolID": "x"'],
    ["a JSON array", "[]"],
    ["a JSON string", '"PoolID"'],
    ["JSON null", "null"],
  ])("%s gets a 400 with Err and Error", async (_, text) => {
    expectError(await raw("/IpamDriver.RequestAddress", text), 400, /JSON|object/);
    await stillServes();
  });

  it.each([
    ["/IpamDriver.RequestAddress", {}, /no PoolID/],
    ["/IpamDriver.ReleaseAddress", { PoolID: "p" }, /no Address/],
    ["/IpamDriver.RequestPool", { V6: "yes" }, /V6 must be true or false/],
    ["/IpamDriver.RequestPool", { V6: true, Options: { parent: 7 } }, /Options.parent must be a string/],
    ["/NetworkDriver.CreateNetwork", { Options: {} }, /no NetworkID/],
    ["/NetworkDriver.CreateNetwork", { NetworkID: NID, IPv6Data: "x" }, /IPv6Data must be a list/],
    ["/NetworkDriver.Join", { NetworkID: NID, EndpointID: "../../etc" }, /EndpointID must be 12 to 64 hex digits/],
    [
      "/NetworkDriver.CreateEndpoint",
      { NetworkID: NID, EndpointID: EID, Interface: [] },
      /Interface must be a JSON object/,
    ],
  ])("%s with %j names the field", async (path, body, message) => {
    expectError(await plugin.call(path, body), 400, message);
    await stillServes();
  });

  it.each([2, 8])("a body of %i MB gets a 413 and the daemon keeps serving", async (mb) => {
    const big = Buffer.alloc(mb << 20, 0x20);
    expectError(await raw("/IpamDriver.RequestPool", big), 413, new RegExp(`at most ${MAX_BODY_BYTES} bytes`));
    await stillServes();
  });

  it("a body just under the limit is read (and refused for what it says)", async () => {
    const text = `{"PoolID": "x", "Address": "${" ".repeat(MAX_BODY_BYTES - 64)}"}`;
    expectError(await raw("/IpamDriver.RequestAddress", text), 400, /too long/);
  });
});

describe("unknown things", () => {
  it("an unknown method is a 404, which Docker reads as not implemented", async () => {
    expectError(await plugin.call("/NetworkDriver.AllocateNetwork", {}), 404, /does not implement/);
    expectError(await plugin.call("/VolumeDriver.Create", {}), 404, /does not implement/);
  });

  it("an unknown pool or network is refused where it must exist", async () => {
    expectError(await plugin.call("/IpamDriver.RequestAddress", { PoolID: "2001:db8::/64@00000000" }), 400, /no pool/);
    const endpoint = { NetworkID: NID, EndpointID: EID, Interface: { AddressIPv6: "2001:db8::5/64" } };
    expectError(await plugin.call("/NetworkDriver.CreateEndpoint", endpoint), 400, /no network aaaaaaaaaaaa/);
    expectError(
      await plugin.call("/NetworkDriver.Join", { NetworkID: NID, EndpointID: EID, SandboxKey: "/x" }),
      400,
      /no network/,
    );
  });

  it("releasing or deleting what own6 does not know succeeds, so Docker can always clean up", async () => {
    for (const [path, body] of [
      ["/IpamDriver.ReleasePool", { PoolID: "2001:db8::/64@00000000" }],
      ["/IpamDriver.ReleaseAddress", { PoolID: "2001:db8::/64@00000000", Address: "2001:db8::5" }],
      ["/NetworkDriver.DeleteNetwork", { NetworkID: NID }],
      ["/NetworkDriver.DeleteEndpoint", { NetworkID: NID, EndpointID: EID }],
    ] as const) {
      expect(await plugin.call(path, body)).toMatchObject({ status: 200, body: {} });
    }
  });

  it("refuses a network whose pool did not come from own6's IPAM", async () => {
    const create = {
      NetworkID: NID,
      Options: { "com.docker.network.enable_ipv6": true, "com.docker.network.generic": {} },
      IPv4Data: [{ Pool: "0.0.0.0/0" }],
      IPv6Data: [{ Pool: "2001:db8:77::/64", Gateway: "2001:db8:77::1/64" }],
    };
    expectError(await plugin.call("/NetworkDriver.CreateNetwork", create), 400, /--ipam-driver own6/);
  });
});

describe("arbitrary input", () => {
  const value = fc.jsonValue({ maxDepth: 3 });
  const fields = fc.dictionary(
    fc.constantFrom(
      "PoolID",
      "Pool",
      "SubPool",
      "V6",
      "Options",
      "Address",
      "NetworkID",
      "EndpointID",
      "Interface",
      "IPv6Data",
      "IPv4Data",
      "SandboxKey",
    ),
    value,
    { maxKeys: 6 },
  );

  it("never makes the plugin fail with a 500 or an unreadable reply", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), fc.oneof(value, fields), async (path, body) => {
        const reply = await plugin.call(path, body);
        expect([200, 400]).toContain(reply.status);
        if (reply.status !== 200) expect(typeof (reply.body as { Err: unknown }).Err).toBe("string");
      }),
      { numRuns: 300 },
    );
    await stillServes();
  }, 120_000);
});
