import {
  eui64Iid,
  type IidResult,
  linuxIid,
  Prefix,
  parseHardwareAddress,
  parseSecret,
  rfc7217Iid,
  systemdIid,
} from "@own6/core";
import { nonNegativeInteger, parseOptions, required } from "../args.js";
import { type Io, UsageError } from "../io.js";

export const IID_HELP = `Usage: own6 iid --prefix P [--algorithm rfc7217|linux|systemd|eui64] [options]

Prints the address a container (or an interface) gets in prefix P, in RFC 5952 form.

  --prefix P          the prefix, such as 2001:db8:1::/64 (required)
  --algorithm A       rfc7217 (default, own6's HMAC-SHA-256), linux (the kernel's
                      stable_privacy addresses), systemd (networkd's Token=prefixstable),
                      eui64 (Modified EUI-64 from --hwaddr; exposes the MAC)
  --secret S          128-bit key: 32 hex digits, a UUID, or IPv6 text (the form of
                      net.ipv6.conf.*.stable_secret); or, for rfc7217, the 64 hex digits
                      of a plugin's secret file; required but for eui64
  --owner ID          the container's stable identity (rfc7217; required there)
  --ifname NAME       interface name (rfc7217: default eth0; systemd: required)
  --hwaddr MAC        hardware address (linux: the permanent address, leave out for
                      veth and macvlan; systemd: the link's MAC; eui64: required)
  --network-id X      RFC 7217 Network_ID (rfc7217 only)
  --dad-counter N     first DAD counter to try (default 0)
  --json              print one JSON object instead of the address
`;

const OPTIONS = {
  prefix: { type: "string" },
  algorithm: { type: "string", default: "rfc7217" },
  secret: { type: "string" },
  owner: { type: "string" },
  ifname: { type: "string" },
  hwaddr: { type: "string" },
  "network-id": { type: "string" },
  "dad-counter": { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const;

type Values = ReturnType<typeof parseOptions<typeof OPTIONS>>;

function generate(values: Values, prefix: Prefix): IidResult {
  const dadCounter = nonNegativeInteger(values["dad-counter"], "--dad-counter", 0);
  const hwaddr = values.hwaddr === undefined ? undefined : parseHardwareAddress(values.hwaddr);
  const secret = () => parseSecret(required(values.secret, "--secret", `for --algorithm ${values.algorithm}`));
  switch (values.algorithm) {
    case "rfc7217":
      return rfc7217Iid({
        prefix,
        secret: secret(),
        owner: required(values.owner, "--owner", "for --algorithm rfc7217"),
        ifname: values.ifname ?? "eth0",
        networkId: values["network-id"] ?? "",
        dadCounter,
      });
    case "linux":
      return linuxIid({ prefix, secret: secret(), dadCounter, ...(hwaddr && { hwaddr }) });
    case "systemd":
      return systemdIid({
        prefix,
        secret: secret(),
        ifname: required(values.ifname, "--ifname", "for --algorithm systemd"),
        dadCounter,
        ...(hwaddr && { hwaddr }),
      });
    case "eui64":
      return eui64Iid({
        prefix,
        mac: parseHardwareAddress(required(values.hwaddr, "--hwaddr", "for --algorithm eui64")),
      });
    default:
      throw new UsageError(`--algorithm must be rfc7217, linux, systemd or eui64, not "${values.algorithm}"`);
  }
}

/** `own6 iid`: one address from a prefix and an algorithm's inputs. */
export function iidCommand(argv: string[], io: Io): number {
  const values = parseOptions(argv, OPTIONS);
  if (values.help) {
    io.stdout.write(IID_HELP);
    return 0;
  }
  const prefix = Prefix.parse(required(values.prefix, "--prefix", "(such as 2001:db8:1::/64)")).assertHostable();
  const result = generate(values, prefix);
  if (values.json) {
    const iid = Buffer.from(result.iid).toString("hex");
    const json = { address: result.address, prefix, algorithm: values.algorithm, iid, dadCounter: result.dadCounter };
    io.stdout.write(`${JSON.stringify(json)}\n`);
  } else {
    io.stdout.write(`${result.address}\n`);
  }
  return 0;
}
