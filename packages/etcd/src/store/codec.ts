// How a LeaseStore record sits in an etcd value: JSON, wrapped with the id of the write that put
// it there. A write whose answer was lost (a member died mid-request) is sent again, and then
// fails its compare against its own first copy; the id tells that apart from another writer's
// record. Internal.

import type { LeaseStoreRecord } from "@own6/core";
import { EtcdRecordError } from "../errors.js";

interface Envelope {
  /** The record. */
  readonly r: LeaseStoreRecord;
  /** The id of the write. */
  readonly w: string;
}

/** The value of `record`, written by write `writeId`. */
export function encode(record: LeaseStoreRecord, writeId: string): Buffer {
  const envelope: Envelope = { r: record, w: writeId };
  return Buffer.from(JSON.stringify(envelope));
}

/** The record and write id in the value of `key`; a fresh object on every call. */
export function decode(key: string, value: Buffer): { readonly record: LeaseStoreRecord; readonly writeId: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString("utf8"));
  } catch {
    throw new EtcdRecordError(key, "not JSON");
  }
  const envelope = parsed as Partial<Envelope> | null;
  const kind = envelope?.r?.kind;
  if (typeof envelope?.w !== "string" || (kind !== "address" && kind !== "owner")) {
    throw new EtcdRecordError(key, "not an address or owner record");
  }
  return { record: envelope.r as LeaseStoreRecord, writeId: envelope.w };
}
