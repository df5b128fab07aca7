// A container's stand-in service for the lab: an HTTP server bound to the container's own
// address that answers with what it sees: the client's address (NAT would rewrite it) and its
// own socket's address (getsockname(), which NAT makes lie). Runs inside the container's
// network namespace; prints "ready" once listening.
import { createServer } from "node:http";

const [address, port = "80"] = process.argv.slice(2);
const server = createServer((req, res) => {
  const body = JSON.stringify({
    client: req.socket.remoteAddress,
    local: req.socket.localAddress,
    localPort: req.socket.localPort,
  });
  res.writeHead(200, { "content-type": "application/json" });
  res.end(body);
});
server.on("error", (e) => {
  process.stderr.write(`echo-server: ${e.message}\n`);
  process.exit(1);
});
server.listen({ host: address, port: Number(port), ipv6Only: true }, () => process.stdout.write("ready\n"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
