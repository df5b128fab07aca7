/** Where a command writes; the real process streams in production, buffers in tests. */
export interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
}

/** Bad command-line input: printed as one line on stderr, exit status 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
