import { ownerOf } from "@own6/netlink";
import { CNI_CODES, CniError } from "./errors.js";
import { isJsonObject, type JsonObject } from "./netconf.js";

/**
 * The attachments GC must keep, as owners `<container id>/<ifname>`: from
 * `cni.dev/valid-attachments`, or the older `cni.dev/attachments` that libcni also sends. An
 * empty list keeps nothing; no list at all is an error, never "release everything".
 *
 * @throws {@link CniError} code 7.
 * @example
 * ```ts
 * validAttachments({ "cni.dev/valid-attachments": [{ containerID: "c1", ifname: "eth0" }] }); // Set { "c1/eth0" }
 * ```
 */
export function validAttachments(raw: JsonObject): Set<string> {
  const list = raw["cni.dev/valid-attachments"] ?? raw["cni.dev/attachments"];
  if (!Array.isArray(list)) {
    throw new CniError(CNI_CODES.invalidConfig, "GC needs cni.dev/valid-attachments (a list, possibly empty)");
  }
  return new Set(
    list.map((entry, i) => {
      if (!isJsonObject(entry) || typeof entry.containerID !== "string" || typeof entry.ifname !== "string") {
        throw new CniError(CNI_CODES.invalidConfig, `cni.dev/valid-attachments[${i}] needs containerID and ifname`);
      }
      return ownerOf(entry.containerID, entry.ifname);
    }),
  );
}
