import { readFileSync } from "node:fs";
import { Address } from "@own6/core";
import type { Reply } from "./plugin.js";

/** One line of docker-capture-20.10.jsonl (the first line describes the format). */
export interface CaptureLine {
  readonly scenario?: string;
  readonly step?: string;
  readonly url?: string;
  readonly req?: Record<string, unknown> | null;
  readonly status?: number;
  readonly resp?: Record<string, unknown>;
}

export const CAPTURE = "/work/shared/reference/docker-capture-20.10.jsonl";

export function loadCapture(path = CAPTURE): CaptureLine[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(1)
    .map((l) => JSON.parse(l) as CaptureLine);
}

/** What the replay sent for one captured request, and what own6 answered. */
export interface Exchange {
  readonly scenario: string;
  readonly step: string;
  readonly url: string;
  readonly captured: CaptureLine;
  readonly sent: Record<string, unknown> | null;
  readonly reply: Reply;
}

/** A captured request own6 refuses on purpose; `continues` says whether Docker would go on. */
export interface Deviation {
  readonly url: string;
  readonly code: string;
  readonly continues: boolean;
}

// The capture's test plugin took switches in -o and --ipam-opt (its first line lists them);
// own6 rejects unknown options, so they are translated: "proxy" meant routed mode on that
// uplink, "mode" and "parent" are own6's own, the rest only steered the test plugin's replies.
function translateGeneric(generic: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  if (generic.proxy) Object.assign(out, { mode: "routed", parent: generic.proxy });
  if (generic.mode) out.mode = generic.mode;
  if (generic.parent) out.parent = generic.parent;
  return out;
}

/** Whether the capture's test plugin served the request (it was told to fail some, with 500 or a 200 carrying Err/Error). */
function succeeded(line: CaptureLine): boolean {
  return line.status === 200 && !line.resp?.Err && !line.resp?.Error;
}

const bare = (text: string) => text.split("/")[0] ?? text;

/** The canonical text of an address or prefix ("2001:db8:2:0:0:0:0:1" and "2001:db8:2::1" are one). */
function canonical(text: string): string {
  const [address = "", length] = text.split("/");
  try {
    const a = address.includes(":") ? Address.parse(address).toString() : address;
    return length === undefined ? a : `${a}/${length}`;
  } catch {
    return text;
  }
}

/**
 * Replays the capture against own6 as dockerd 20.10 would have sent it to own6 rather than to
 * the capture's test plugin: every PoolID, pool, gateway and address own6 answered replaces the
 * test plugin's in the requests that follow (dockerd echoes them back, re-formatted); a gateway
 * RequestAddress is left out when own6's RequestPool already supplied the gateway (dockerd then
 * sends none, docker.md A5); and the requests the test plugin was told to fail are left out,
 * while dockerd's rollback after them is replayed.
 */
export class CaptureReplay {
  readonly exchanges: Exchange[] = [];
  readonly deviations: Deviation[] = [];
  /** The test plugin's PoolIDs to own6's, with the gateway own6 put in the pool's Data. */
  readonly #pools = new Map<string, { id: string; gateway: string | undefined }>();
  /** The test plugin's pools, gateways and addresses (canonical, with and without length) to own6's. */
  readonly #values = new Map<string, string>();
  readonly #call: (url: string, body: unknown) => Promise<Reply>;
  readonly #expected: (url: string, reply: Reply) => Deviation | undefined;

  constructor(
    call: (url: string, body: unknown) => Promise<Reply>,
    expected: (url: string, reply: Reply) => Deviation | undefined,
  ) {
    this.#call = call;
    this.#expected = expected;
  }

  async replay(lines: readonly CaptureLine[], onStep: (step: string) => Promise<void> = async () => {}): Promise<void> {
    let scenario = "";
    let step = "";
    let skipping = false;
    for (const line of lines) {
      if (line.scenario !== undefined) [scenario, skipping] = [line.scenario, false];
      else if (line.step !== undefined) {
        step = line.step;
        await onStep(step);
      } else if (!skipping && line.url && succeeded(line)) {
        skipping = await this.#exchange(scenario, step, line);
      }
    }
  }

  /** Sends one captured request; returns whether the rest of the scenario must be skipped. */
  async #exchange(scenario: string, step: string, line: CaptureLine): Promise<boolean> {
    const url = line.url ?? "";
    const pool = typeof line.req?.PoolID === "string" ? this.#pools.get(line.req.PoolID) : undefined;
    const options = (line.req?.Options ?? {}) as Record<string, unknown>;
    if (url === "/IpamDriver.RequestAddress" && options.RequestAddressType && !line.req?.Address && pool?.gateway) {
      this.#map(String(line.resp?.Address), pool.gateway);
      return false;
    }
    const sent = this.#translate(line);
    const reply = await this.#call(url, sent);
    this.exchanges.push({ scenario, step, url, captured: line, sent, reply });
    if (reply.status === 200) {
      this.#learn(line, reply.body as Record<string, unknown>);
      return false;
    }
    const deviation = this.#expected(url, reply);
    if (!deviation) throw new Error(`${scenario} / ${step}: ${url} failed: ${JSON.stringify(reply.body)}`);
    this.deviations.push(deviation);
    return !deviation.continues;
  }

  #translate(line: CaptureLine): Record<string, unknown> | null {
    if (!line.req) return null;
    const req = this.#substitute(structuredClone(line.req)) as Record<string, unknown>;
    if (line.url === "/IpamDriver.RequestPool") req.Options = {};
    if (line.url === "/NetworkDriver.CreateNetwork") {
      const options = req.Options as Record<string, unknown>;
      options["com.docker.network.generic"] = translateGeneric(
        options["com.docker.network.generic"] as Record<string, string>,
      );
    }
    return req;
  }

  /** Replaces every string the test plugin made (PoolIDs, pools, addresses) with own6's. */
  #substitute(value: unknown): unknown {
    if (typeof value === "string") return this.#pools.get(value)?.id ?? this.#values.get(canonical(value)) ?? value;
    if (Array.isArray(value)) return value.map((v) => this.#substitute(v));
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.#substitute(v)]));
    }
    return value;
  }

  #learn(line: CaptureLine, ours: Record<string, unknown>): void {
    const theirs = line.resp ?? {};
    if (line.url === "/IpamDriver.RequestPool") {
      const gateway = (ours.Data as Record<string, string>)["com.docker.network.gateway"];
      this.#pools.set(String(theirs.PoolID), { id: String(ours.PoolID), gateway });
      this.#map(String(theirs.Pool), String(ours.Pool));
      const theirGateway = (theirs.Data as Record<string, string> | undefined)?.["com.docker.network.gateway"];
      if (theirGateway && gateway) this.#map(theirGateway, gateway);
    }
    if (line.url === "/IpamDriver.RequestAddress") this.#map(String(theirs.Address), String(ours.Address));
  }

  #map(theirs: string, ours: string): void {
    this.#values.set(canonical(theirs), ours);
    this.#values.set(canonical(bare(theirs)), bare(ours));
  }
}
