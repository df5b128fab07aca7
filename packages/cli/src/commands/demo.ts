import type { AttachMode } from "@own6/netlink";
import { nonNegativeInteger, parseOptions } from "../args.js";
import { runLabDemo } from "../demo/lab-run.js";
import { progressBar, renderResult } from "../demo/render.js";
import type { DemoResult } from "../demo/result.js";
import { runSimDemo } from "../demo/sim-run.js";
import { type Io, UsageError } from "../io.js";

export const DEMO_HELP = `Usage: own6 demo [--containers N] [--mode macvlan|routed] [--json]

Builds a lab in network namespaces (a router running radvd, a container host, an outside client
beyond the router, a squatter), brings up N containers that each get their own IPv6 address from
the advertised prefix, proven unique by DAD, starts an HTTP server on port 80 in each, fetches
every one from the outside client, shows what each server saw, and tears everything down.
Without root it says so and runs the same allocation on the core's simulated link.

  --containers N   how many containers (default 100, at most 1000)
  --mode M         macvlan (each container on the uplink's segment) or routed (a veth per
                   container, proxy NDP on the uplink, no bridge); default routed
  --json           end with one JSON line: prefix, mode, containers, unique, reachable, natFree
`;

const OPTIONS = {
  containers: { type: "string" },
  mode: { type: "string", default: "routed" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const;

function summary(result: DemoResult): string {
  const { rows: _rows, ...rest } = result;
  return `${JSON.stringify(rest)}\n`;
}

/** `own6 demo`: the main job, in a namespace lab, or on the simulated link without root. */
export async function demoCommand(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, OPTIONS);
  if (values.help) {
    io.stdout.write(DEMO_HELP);
    return 0;
  }
  const n = nonNegativeInteger(values.containers, "--containers", 100);
  if (n < 1 || n > 1000) throw new UsageError("--containers takes 1 to 1000");
  if (values.mode !== "macvlan" && values.mode !== "routed") throw new UsageError("--mode must be macvlan or routed");
  const progress = progressBar(io.stderr);
  let result: DemoResult;
  if (process.getuid?.() === 0) {
    result = await runLabDemo(n, values.mode as AttachMode, progress);
  } else {
    io.stderr.write(
      "own6 demo: not root, so no network namespaces; running the same allocation on the simulated link\n",
    );
    result = await runSimDemo(n, progress);
  }
  io.stdout.write(renderResult(result));
  if (values.json) io.stdout.write(summary(result));
  const ok = result.unique === n && (result.reachable === null || (result.reachable === n && result.natFree === n));
  return ok ? 0 : 1;
}
