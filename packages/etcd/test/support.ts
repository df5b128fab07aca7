// Small helpers shared by the etcd tests.
import { randomBytes } from "node:crypto";
import type { OwnerRecord } from "@own6/core";

/** A key prefix no other test (or run) uses, so tests share one cluster without seeing each other. */
export function freshPrefix(): string {
  return `/own6-test-${randomBytes(6).toString("hex")}`;
}

/** An owner record, the smallest valid value. */
export function ownerRecord(owner = "o", address: string | null = null): OwnerRecord {
  return { kind: "owner", owner, prefix: "2001:db8::/64", address, dadCounters: [] };
}

/** Polls `check` every 50 ms until it holds; fails after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not so within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
