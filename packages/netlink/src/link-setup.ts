/**
 * The last `ip` commands of a link's setup (bring it up, its routes), left for whoever touches
 * the link first, its first DAD check or its owner, to run in the same process as its own
 * commands: attaching a container then costs one process fewer. Taken once.
 *
 * @example
 * ```ts
 * const setup = new LinkSetup([["link", "set", "eth0", "up"]]);
 * await ipBatch("own6-c1", [...setup.take(), ["addr", "add", "2001:db8::5/64", "dev", "eth0"]], "start DAD");
 * setup.take(); // []
 * ```
 */
export class LinkSetup {
  #commands: readonly (readonly string[])[];

  constructor(commands: readonly (readonly string[])[]) {
    this.#commands = commands;
  }

  /**
   * The commands still to run; every later call gets none.
   *
   * @example
   * ```ts
   * const commands = setup.take();
   * ```
   */
  take(): readonly (readonly string[])[] {
    const commands = this.#commands;
    this.#commands = [];
    return commands;
  }
}
