/** One container in the demo's table. */
export interface DemoRow {
  readonly name: string;
  readonly address: string;
  readonly algorithm: string;
  readonly dadCounter: number;
  /** Milliseconds from the start of its attach to a DAD-proven, configured address. */
  readonly dadMs: number;
  /** The client address its server saw; undefined when it was not reached. */
  readonly clientSeen: string | undefined;
  /** What its server's socket said its own address was (getsockname()). */
  readonly localSeen: string | undefined;
}

/** What a demo run found; the JSON summary's fields. */
export interface DemoResult {
  readonly prefix: string;
  readonly mode: string;
  readonly containers: number;
  /** Containers whose address no other container has. */
  readonly unique: number;
  /** Containers whose HTTP server answered the outside client; null where nothing was served. */
  readonly reachable: number | null;
  /** Servers that saw the client's real address and their own public address; null likewise. */
  readonly natFree: number | null;
  /** The outside client's address. */
  readonly client: string | null;
  /** Containers that needed a DAD counter above 0 (a squatter held their first candidate). */
  readonly conflicts: number;
  readonly seconds: number;
  readonly rows: readonly DemoRow[];
}

/** Reports progress: `done` of `total` containers through `stage`. */
export type Progress = (stage: string, done: number, total: number) => void;
