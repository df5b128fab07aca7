import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Own6Error } from "@own6/core";

/**
 * The secret file does not hold a secret of the right size.
 *
 * @example
 * ```ts
 * loadOrCreateSecret("/var/lib/own6/secret"); // may throw SecretFileError, code SECRET_FILE_INVALID
 * ```
 */
export class SecretFileError extends Own6Error {
  constructor(path: string, problem: string) {
    super("SECRET_FILE_INVALID", `${path}: ${problem}; fix or remove it (removing it changes every address)`);
  }
}

const SECRET_BYTES = 32;

/**
 * Reads the RFC 7217 secret at `path`, or creates it from the CSPRNG on first use: 32 random
 * bytes, written as 64 hex digits to a file of mode 0600 in a 0700 directory. Creation is atomic
 * (a temporary file hard-linked into place), so concurrent plugin processes all end up with the
 * same secret and none ever reads a half-written one. The secret is never logged.
 *
 * @throws {@link SecretFileError} when an existing file is malformed. A file readable by others is
 * tightened back to 0600.
 * @example
 * ```ts
 * const secret = loadOrCreateSecret("/var/lib/own6/secret");
 * const allocator = await Allocator.open({ secret, ... });
 * ```
 */
export function loadOrCreateSecret(path: string): Uint8Array {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    return readSecret(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const temp = join(dirname(path), `.secret-${process.pid}-${randomBytes(4).toString("hex")}`);
  writeFileSync(temp, `${randomBytes(SECRET_BYTES).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(temp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    rmSync(temp, { force: true });
  }
  return readSecret(path);
}

function readSecret(path: string): Uint8Array {
  const text = readFileSync(path, "utf8").trim();
  if ((statSync(path).mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
  }
  if (!/^[0-9a-f]{64}$/.test(text)) throw new SecretFileError(path, `expected ${SECRET_BYTES * 2} hex digits`);
  return new Uint8Array(Buffer.from(text, "hex"));
}
