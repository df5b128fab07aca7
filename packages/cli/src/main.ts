import { Own6Error } from "@own6/core";
import { DEMO_HELP, demoCommand } from "./commands/demo.js";
import { IID_HELP, iidCommand } from "./commands/iid.js";
import { type Io, UsageError } from "./io.js";
import { VERSION } from "./version.js";

const HELP = `own6 ${VERSION}: every container its own globally routable IPv6 address.

Usage: own6 <command> [options]

Commands:
  iid     print the address an interface identifier algorithm gives
  demo    the main job: containers with their own DAD-proven, reachable addresses

Run "own6 <command> --help" for a command's options. Also: own6 --help, own6 --version.
`;

const COMMANDS: Record<string, { run: (argv: string[], io: Io) => number | Promise<number>; help: string }> = {
  iid: { run: iidCommand, help: IID_HELP },
  demo: { run: demoCommand, help: DEMO_HELP },
};

/**
 * Runs the own6 command line and returns the exit status: 0 on success, 2 for bad input (one
 * line on stderr, never a stack trace), 1 for anything unexpected.
 */
export async function main(argv: string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    io.stdout.write(HELP);
    return first === undefined ? 2 : 0;
  }
  if (first === "--version" || first === "-V") {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[first];
  if (!command) return fail(io, `unknown command "${first}"; run own6 --help`, 2);
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) return fail(io, e.message, 2);
    if (e instanceof Own6Error) return fail(io, `${e.message} [${e.code}]`, 2);
    return fail(io, `internal error: ${e instanceof Error ? e.message : String(e)}`, 1);
  }
}

function fail(io: Io, message: string, status: number): number {
  io.stderr.write(`own6: ${message}\n`);
  return status;
}
