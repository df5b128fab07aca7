// A TCP proxy in front of one etcd member that can lose answers: once a request carrying a marker
// has passed, requests still reach etcd (and are applied) but nothing comes back; cut() then
// drops the connections, as a member that dies after applying a write and before answering would.
import { connect, createServer, type Server, type Socket } from "node:net";

export class AnswerDropProxy {
  readonly #server: Server;
  readonly #pairs = new Set<readonly [Socket, Socket]>();
  #marker: Buffer | undefined;
  #holding = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Listens on a free loopback port, forwarding to 127.0.0.1:`port`. */
  static async start(port: number): Promise<AnswerDropProxy> {
    const server = createServer();
    const proxy = new AnswerDropProxy(server);
    server.on("connection", (client) => proxy.#pipe(client, connect(port, "127.0.0.1")));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get endpoint(): string {
    const address = this.#server.address();
    return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  }

  /** Holds answers back from the first request that carries `marker` (gRPC does not compress). */
  holdAnswersAfter(marker: string): void {
    this.#marker = Buffer.from(marker);
  }

  /** Drops every connection (and the answers held on it), then forwards normally again. */
  cut(): void {
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
    this.#marker = undefined;
    this.#holding = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #pipe(client: Socket, upstream: Socket): void {
    const pair = [client, upstream] as const;
    this.#pairs.add(pair);
    client.on("data", (chunk: Buffer) => {
      if (this.#marker && chunk.includes(this.#marker)) this.#holding = true;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (!this.#holding) client.write(chunk);
    });
    const end = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on("error", end);
      socket.on("close", end);
    }
  }
}
