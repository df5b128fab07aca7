import { CNI_CODES, CniError } from "../spec/errors.js";

// The wire format between the CNI client (native/client.c) and own6-cnid, one request and one
// response per connection, plain enough to write and parse in a few lines of C:
//
//   request:  "own6-cni/1 <plugin> <netns> <mntns> <env length> <stdin length>\n" <env> <stdin>
//   response: "<status> <stdout length> <stderr length>\n" <stdout> <stderr>, then the daemon closes
//
// Lengths are decimal byte counts. <plugin> is own6-ipam or own6-cni. <netns> and <mntns> are
// what readlink(2) gives for the client's /proc/self/ns/net and /proc/self/ns/mnt (such as
// "net:[4026531840]"), or "-". <env> is the client's CNI_* variables and OWN6_LOG_LEVEL as
// NAME=VALUE entries, each ended by a NUL byte; <stdin> is its stdin as read. <status> is the
// exit status to leave with, or -1: the daemon runs in other namespaces than the client, where
// the plugin would see other links and files, so the client runs the Node plugin itself.

/**
 * The first word of every request; a daemon refuses any other.
 *
 * @example
 * ```ts
 * PROTOCOL; // "own6-cni/1"
 * ```
 */
export const PROTOCOL = "own6-cni/1";

/**
 * Where own6-cnid listens and the client connects unless told otherwise (`--socket`,
 * `OWN6_CNI_SOCKET`).
 *
 * @example
 * ```ts
 * DEFAULT_SOCKET; // "/run/own6/cni.sock"
 * ```
 */
export const DEFAULT_SOCKET = "/run/own6/cni.sock";

/**
 * The response status that tells the client to run the plugin in its own process.
 *
 * @example
 * ```ts
 * encodeResponse({ status: RUN_LOCALLY, stdout: "", stderr: "" });
 * ```
 */
export const RUN_LOCALLY = -1;

/**
 * The bounds of a request. A network configuration is a few kilobytes; the client sends anything
 * beyond {@link REQUEST_LIMITS}.stdin to the Node plugin instead, so the bound never changes what
 * a runtime sees.
 *
 * @example
 * ```ts
 * REQUEST_LIMITS.stdin; // 4194304
 * ```
 */
export const REQUEST_LIMITS = { header: 256, env: 64 << 10, stdin: 4 << 20 } as const;

/**
 * The plugins a daemon serves, by executable name.
 *
 * @example
 * ```ts
 * const name: PluginName = "own6-ipam";
 * ```
 */
export type PluginName = "own6-ipam" | "own6-cni";

const PLUGIN_NAMES: readonly string[] = ["own6-ipam", "own6-cni"] satisfies PluginName[];

/**
 * One CNI call as the client forwards it.
 *
 * @example
 * ```ts
 * const request: DaemonRequest = {
 *   plugin: "own6-ipam",
 *   namespaces: { net: "net:[4026531840]", mnt: "mnt:[4026531841]" },
 *   env: { CNI_COMMAND: "VERSION" },
 *   stdin: Buffer.alloc(0),
 * };
 * ```
 */
export interface DaemonRequest {
  readonly plugin: PluginName;
  /** The client's network and mount namespaces, `-` when it could not read them. */
  readonly namespaces: { readonly net: string; readonly mnt: string };
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: Buffer;
}

/**
 * What the client writes and exits with.
 *
 * @example
 * ```ts
 * const response: DaemonResponse = { status: 0, stdout: '{"cniVersion":"1.0.0"}\n', stderr: "" };
 * ```
 */
export interface DaemonResponse {
  /** The exit status, or {@link RUN_LOCALLY}. */
  readonly status: number;
  readonly stdout: string | Buffer;
  readonly stderr: string | Buffer;
}

const ENV_NAME = /^(CNI_[A-Za-z0-9_]*|OWN6_LOG_LEVEL)$/;
const NAMESPACE = /^(-|[a-z]+:\[[0-9]+\])$/;
const LENGTH = /^(0|[1-9][0-9]{0,9})$/;

/**
 * The error a request that cannot be decoded is answered with: code 6, like stdin that is not JSON.
 *
 * @example
 * ```ts
 * throw malformedRequest("the connection ended after 12 bytes of the request");
 * ```
 */
export function malformedRequest(message: string): CniError {
  return new CniError(CNI_CODES.decode, `malformed own6 daemon request: ${message}`);
}

/**
 * A request's bytes on the wire.
 *
 * @example
 * ```ts
 * socket.write(encodeRequest({ plugin: "own6-ipam", namespaces: { net: "-", mnt: "-" }, env: { CNI_COMMAND: "VERSION" }, stdin: Buffer.alloc(0) }));
 * ```
 */
export function encodeRequest(request: DaemonRequest): Buffer {
  const env = Buffer.from(
    Object.entries(request.env)
      .map(([name, value]) => `${name}=${value}\0`)
      .join(""),
  );
  const { net, mnt } = request.namespaces;
  const header = `${PROTOCOL} ${request.plugin} ${net} ${mnt} ${env.length} ${request.stdin.length}\n`;
  return Buffer.concat([Buffer.from(header), env, request.stdin]);
}

/**
 * The total length of the request that `received` begins with, once its header is complete
 * (`undefined` before that), so a reader knows how much more to wait for.
 *
 * @throws {@link CniError} code 6 for a header that is not the protocol's, names an unknown
 * plugin or is longer than {@link REQUEST_LIMITS}; code 4 for an environment over its bound,
 * code 6 for stdin over its bound.
 * @example
 * ```ts
 * requestLength(Buffer.from("own6-cni/1 own6-ipam - - 0 2\n{}")); // 31
 * ```
 */
export function requestLength(received: Buffer): number | undefined {
  return parseHeader(received)?.total;
}

interface Header {
  readonly plugin: PluginName;
  readonly net: string;
  readonly mnt: string;
  readonly envLength: number;
  readonly stdinLength: number;
  readonly headerLength: number;
  readonly total: number;
}

function parseHeader(received: Buffer): Header | undefined {
  const end = received.subarray(0, REQUEST_LIMITS.header).indexOf(0x0a);
  if (end < 0) {
    if (received.length >= REQUEST_LIMITS.header)
      throw malformedRequest(`no header line in ${REQUEST_LIMITS.header} bytes`);
    return undefined;
  }
  const words = received.subarray(0, end).toString("latin1").split(" ");
  const [protocol, plugin, net, mnt, envText, stdinText] = words;
  if (protocol !== PROTOCOL) throw malformedRequest(`it does not begin with ${PROTOCOL}`);
  if (words.length !== 6) throw malformedRequest(`the header has ${words.length} fields, not 6`);
  if (!PLUGIN_NAMES.includes(plugin as string)) throw malformedRequest(`unknown plugin ${JSON.stringify(plugin)}`);
  if (!NAMESPACE.test(net as string) || !NAMESPACE.test(mnt as string)) throw malformedRequest("bad namespace fields");
  if (!LENGTH.test(envText as string) || !LENGTH.test(stdinText as string)) throw malformedRequest("bad length fields");
  const envLength = Number(envText);
  const stdinLength = Number(stdinText);
  if (envLength > REQUEST_LIMITS.env) {
    throw new CniError(
      CNI_CODES.invalidEnvironment,
      `the CNI environment is ${envLength} bytes; at most ${REQUEST_LIMITS.env}`,
    );
  }
  if (stdinLength > REQUEST_LIMITS.stdin) {
    throw new CniError(CNI_CODES.decode, `the configuration is ${stdinLength} bytes; at most ${REQUEST_LIMITS.stdin}`);
  }
  const headerLength = end + 1;
  const total = headerLength + envLength + stdinLength;
  return {
    plugin: plugin as PluginName,
    net: net as string,
    mnt: mnt as string,
    envLength,
    stdinLength,
    headerLength,
    total,
  };
}

/**
 * The request in `received`, which holds exactly one whole request.
 *
 * @throws {@link CniError} code 6 for a malformed request (header, length), code 4 for an
 * environment entry that is not `NAME=VALUE` with a CNI_* name or OWN6_LOG_LEVEL.
 * @example
 * ```ts
 * decodeRequest(encodeRequest(request)); // equal to request
 * ```
 */
export function decodeRequest(received: Buffer): DaemonRequest {
  const header = parseHeader(received);
  if (header === undefined) throw malformedRequest("the header line is incomplete");
  if (received.length !== header.total) {
    throw malformedRequest(`${received.length} bytes where the header announces ${header.total}`);
  }
  const envEnd = header.headerLength + header.envLength;
  const envBytes = received.subarray(header.headerLength, envEnd);
  if (envBytes.length > 0 && envBytes[envBytes.length - 1] !== 0) {
    throw new CniError(CNI_CODES.invalidEnvironment, "the last environment entry is not ended by a NUL byte");
  }
  const env: Record<string, string> = {};
  for (const entry of envBytes.toString("utf8").split("\0").slice(0, -1)) {
    const eq = entry.indexOf("=");
    const name = eq < 0 ? entry : entry.slice(0, eq);
    if (!ENV_NAME.test(name)) {
      throw new CniError(
        CNI_CODES.invalidEnvironment,
        `${JSON.stringify(name)} is not a CNI variable or OWN6_LOG_LEVEL`,
      );
    }
    // The first of two entries wins, as getenv(3) and so the Go plugins see it.
    if (eq >= 0 && !Object.hasOwn(env, name)) env[name] = entry.slice(eq + 1);
  }
  return {
    plugin: header.plugin,
    namespaces: { net: header.net, mnt: header.mnt },
    env,
    stdin: received.subarray(envEnd),
  };
}

/**
 * A response's bytes on the wire.
 *
 * @example
 * ```ts
 * socket.end(encodeResponse({ status: 0, stdout: "{}\n", stderr: "" }));
 * ```
 */
export function encodeResponse(response: DaemonResponse): Buffer {
  const stdout = Buffer.from(response.stdout);
  const stderr = Buffer.from(response.stderr);
  return Buffer.concat([Buffer.from(`${response.status} ${stdout.length} ${stderr.length}\n`), stdout, stderr]);
}

/**
 * The response in `received` (everything the daemon sent before closing).
 *
 * @throws {@link CniError} code 11 when it is cut short or malformed: the daemon stopped
 * mid-request, and a retry reaches the next daemon or the Node plugin.
 * @example
 * ```ts
 * decodeResponse(Buffer.from("0 3 0\n{}\n")); // { status: 0, stdout: <Buffer 7b 7d 0a>, stderr: <Buffer > }
 * ```
 */
export function decodeResponse(received: Buffer): DaemonResponse & { stdout: Buffer; stderr: Buffer } {
  const end = received.indexOf(0x0a);
  const match = /^(-1|[0-9]{1,3}) ([0-9]+) ([0-9]+)$/.exec(received.subarray(0, Math.max(end, 0)).toString("latin1"));
  const [outLength, errLength] = [Number(match?.[2]), Number(match?.[3])];
  if (!match || end + 1 + outLength + errLength !== received.length) {
    throw new CniError(CNI_CODES.tryAgainLater, "the own6 daemon closed the connection without a whole answer");
  }
  const stdout = received.subarray(end + 1, end + 1 + outLength);
  return { status: Number(match[1]), stdout, stderr: received.subarray(end + 1 + outLength) };
}
